//! Bounded reading: lines with a length cap, physical-line caps for the CSV and XML readers,
//! and whole documents with a size cap.

use std::io::{self, BufRead, Read};

use memchr::{memchr, memrchr};

/// One physical line, without its `\n` / `\r\n`.
pub(crate) enum NextLine<'a> {
    /// A line within the cap.
    Line(&'a [u8]),
    /// A line longer than the cap; its bytes were skipped without being kept.
    TooLong(u64),
}

/// Reads lines from a `BufRead`, never holding more than `max_line_bytes` of one line.
pub(crate) struct LineReader<R> {
    reader: R,
    buffer: Vec<u8>,
    max_line_bytes: usize,
    line: u64,
    at_start: bool,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(reader: R, max_line_bytes: usize) -> Self {
        LineReader {
            reader,
            buffer: Vec::with_capacity(1024),
            max_line_bytes,
            line: 0,
            at_start: true,
        }
    }

    /// The next line with its 1-based number, or `None` at the end of the input.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<(u64, NextLine<'_>)>> {
        self.buffer.clear();
        let mut skipped: u64 = 0;
        let mut too_long = false;
        let mut read_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                if !read_any {
                    return Ok(None);
                }
                break;
            }
            read_any = true;
            let (chunk, used, done) = match memchr(b'\n', available) {
                Some(index) => (&available[..index], index + 1, true),
                None => (available, available.len(), false),
            };
            if too_long || self.buffer.len() + chunk.len() > self.max_line_bytes {
                if !too_long {
                    skipped = self.buffer.len() as u64;
                    self.buffer.clear();
                    too_long = true;
                }
                skipped += chunk.len() as u64;
            } else {
                self.buffer.extend_from_slice(chunk);
            }
            self.reader.consume(used);
            if done {
                break;
            }
        }
        self.line += 1;
        if too_long {
            self.at_start = false;
            return Ok(Some((self.line, NextLine::TooLong(skipped))));
        }
        let mut line = self.buffer.as_slice();
        if self.at_start {
            self.at_start = false;
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        Ok(Some((self.line, NextLine::Line(line))))
    }
}

/// A `Read` over a `BufRead` that fails with [`io::ErrorKind::InvalidData`] once a physical
/// line grows longer than the cap, so the CSV reader (which buffers a whole record) cannot be
/// made to hold an unbounded line.
pub(crate) struct CappedLines<R> {
    reader: R,
    since_newline: u64,
    max_line_bytes: u64,
}

impl<R: BufRead> CappedLines<R> {
    pub(crate) fn new(reader: R, max_line_bytes: usize) -> Self {
        CappedLines {
            reader,
            since_newline: 0,
            max_line_bytes: max_line_bytes as u64,
        }
    }
}

impl<R: BufRead> Read for CappedLines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.reader.fill_buf()?;
        let count = available.len().min(out.len());
        let chunk = &available[..count];
        match memrchr(b'\n', chunk) {
            Some(index) => {
                let before = memchr(b'\n', chunk).unwrap_or(index) as u64;
                if self.since_newline + before > self.max_line_bytes {
                    return Err(line_too_long(self.max_line_bytes));
                }
                self.since_newline = (count - index - 1) as u64;
            }
            None => self.since_newline += count as u64,
        }
        if self.since_newline > self.max_line_bytes {
            return Err(line_too_long(self.max_line_bytes));
        }
        out[..count].copy_from_slice(chunk);
        self.reader.consume(count);
        Ok(count)
    }
}

fn line_too_long(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a line is longer than the limit of {limit} bytes"),
    )
}

/// Why a whole document could not be read.
pub(crate) enum DocumentError {
    Io(io::Error),
    TooLarge,
}

/// Reads a whole document, refusing one larger than `limit` bytes without reading further.
/// A UTF-8 byte order mark is dropped (serde_json does not accept it).
pub(crate) fn read_document(reader: impl Read, limit: u64) -> Result<Vec<u8>, DocumentError> {
    let mut document = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut document)
        .map_err(DocumentError::Io)?;
    if document.len() as u64 > limit {
        return Err(DocumentError::TooLarge);
    }
    if document.starts_with(b"\xEF\xBB\xBF") {
        document.drain(..3);
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], cap: usize) -> Vec<Result<Vec<u8>, u64>> {
        let mut reader = LineReader::new(io::BufReader::with_capacity(4, input), cap);
        let mut out = Vec::new();
        while let Some((_, line)) = reader.next_line().unwrap() {
            out.push(match line {
                NextLine::Line(bytes) => Ok(bytes.to_vec()),
                NextLine::TooLong(skipped) => Err(skipped),
            });
        }
        out
    }

    #[test]
    fn splits_lines_across_buffers_and_caps_long_ones() {
        let out = lines(b"\xEF\xBB\xBFab\r\n0123456789\n\nxyz", 6);
        assert_eq!(
            out,
            vec![Ok(b"ab".to_vec()), Err(10), Ok(vec![]), Ok(b"xyz".to_vec())]
        );
        assert!(lines(b"", 5).is_empty());
        assert_eq!(lines(b"a\n", 5), vec![Ok(b"a".to_vec())]);
    }

    #[test]
    fn capped_lines_fail_on_a_long_line() {
        let mut out = Vec::new();
        let ok = CappedLines::new(io::BufReader::with_capacity(3, &b"ab\ncd\n"[..]), 2)
            .read_to_end(&mut out);
        assert_eq!(ok.unwrap(), 6);
        let error = CappedLines::new(io::BufReader::with_capacity(3, &b"ab\ncdefg\n"[..]), 2)
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn documents_over_the_limit_are_refused() {
        assert!(matches!(
            read_document(&b"12345"[..], 4),
            Err(DocumentError::TooLarge)
        ));
        assert!(matches!(read_document(&b"1234"[..], 4), Ok(bytes) if bytes == b"1234"));
    }
}
