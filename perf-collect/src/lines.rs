//! Splitting a byte stream into lines with bounded memory.
//!
//! The scanner reads into one reused buffer and never holds more than the line cap plus one block:
//! a line longer than the cap is counted and skipped without being buffered whole.

use std::io::{self, Read};

/// One line as the scanner hands it out.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RawLine<'a> {
    /// A line that ended with `\n` (the `\n` is not included; a `\r` before it is).
    Complete(&'a [u8]),
    /// The file's last line, with no `\n` after it.
    Unterminated(&'a [u8]),
    /// A line longer than the cap; only its length is known.
    TooLong {
        /// Its length in bytes, without the `\n`.
        length: u64,
    },
}

/// Where a scan starts and which lines it owns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanRange {
    /// Absolute offset of the first byte the reader yields.
    pub start: u64,
    /// Skip everything up to and including the first `\n`: the scan starts one byte before its
    /// chunk, so this skips exactly the line that the previous chunk owns.
    pub skip_first_line: bool,
    /// Lines that start at or after this offset belong to the next chunk.
    pub owned_end: u64,
    /// Strip a UTF-8 byte-order mark at the very start.
    pub strip_bom: bool,
}

/// Length of the UTF-8 byte-order mark that [`perf_record::strip_bom`] removes.
const BOM_LENGTH: usize = 3;

/// Reads `reader` to the end of the owned range and calls `on_line` for every owned line.
///
/// `buffer` is reused across calls; it grows to at most `max_line_bytes` plus one block.
pub(crate) fn scan_lines<R: Read>(
    mut reader: R,
    range: ScanRange,
    max_line_bytes: usize,
    block_bytes: usize,
    buffer: &mut Vec<u8>,
    mut on_line: impl FnMut(RawLine<'_>),
) -> io::Result<()> {
    if buffer.len() < block_bytes {
        buffer.resize(block_bytes, 0);
    }
    let limit = max_line_bytes.saturating_add(block_bytes).max(block_bytes);
    let mut head = 0usize; // first unconsumed byte
    let mut tail = 0usize; // end of valid data
    let mut searched = 0usize; // bytes after `head` known to hold no `\n`
    let mut line_start = range.start; // absolute offset of buffer[head]
    let mut skipping_first = range.skip_first_line;
    let mut too_long = false; // the current line is over the cap and being skipped
    let mut discarded = 0u64; // bytes of the current line already thrown away
    let mut at_file_start = range.strip_bom && range.start == 0;

    loop {
        if let Some(found) = memchr::memchr(b'\n', &buffer[head + searched..tail]) {
            let newline = head + searched + found;
            let length = newline - head;
            let full_length = discarded + length as u64;
            let next_start = line_start + full_length + 1;
            if skipping_first {
                skipping_first = false;
            } else if too_long {
                too_long = false;
                on_line(RawLine::TooLong {
                    length: full_length,
                });
            } else {
                if line_start >= range.owned_end {
                    return Ok(());
                }
                let mut line = &buffer[head..newline];
                if at_file_start {
                    line = perf_record::strip_bom(line);
                }
                if line.len() > max_line_bytes {
                    on_line(RawLine::TooLong {
                        length: length as u64,
                    });
                } else {
                    on_line(RawLine::Complete(line));
                }
            }
            at_file_start = false;
            head = newline + 1;
            searched = 0;
            discarded = 0;
            line_start = next_start;
            continue;
        }
        // No newline in buffer[head..tail].
        let pending = tail - head;
        if skipping_first || too_long {
            // The skipped bytes are consumed but the line has not ended: line_start stays at
            // the line's start so ownership is judged by where the line began.
            discarded += pending as u64;
            head = 0;
            tail = 0;
            searched = 0;
        } else if pending > max_line_bytes.saturating_add(BOM_LENGTH) {
            if line_start >= range.owned_end {
                return Ok(());
            }
            too_long = true;
            discarded += pending as u64;
            head = 0;
            tail = 0;
            searched = 0;
        } else {
            if head > 0 {
                buffer.copy_within(head..tail, 0);
                head = 0;
                tail = pending;
            }
            searched = pending;
            if tail == buffer.len() {
                let grown = (buffer.len() * 2).min(limit).max(buffer.len() + 1);
                buffer.resize(grown, 0);
            }
        }
        let read = loop {
            match reader.read(&mut buffer[tail..]) {
                Ok(read) => break read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        };
        if read == 0 {
            // End of stream: whatever is left is a last line without `\n`.
            if skipping_first || line_start >= range.owned_end {
                return Ok(());
            }
            if too_long {
                on_line(RawLine::TooLong {
                    length: discarded + (tail - head) as u64,
                });
            } else if tail > head {
                let mut line = &buffer[head..tail];
                if at_file_start {
                    line = perf_record::strip_bom(line);
                }
                on_line(RawLine::Unterminated(line));
            }
            return Ok(());
        }
        tail += read;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Seen {
        Complete(String),
        Unterminated(String),
        TooLong(u64),
    }

    fn scan(input: &[u8], range: ScanRange, cap: usize, block: usize) -> Vec<Seen> {
        let mut seen = Vec::new();
        let mut buffer = Vec::new();
        let reader = &input[range.start as usize..];
        scan_lines(reader, range, cap, block, &mut buffer, |line| {
            seen.push(match line {
                RawLine::Complete(bytes) => {
                    Seen::Complete(String::from_utf8_lossy(bytes).into_owned())
                }
                RawLine::Unterminated(bytes) => {
                    Seen::Unterminated(String::from_utf8_lossy(bytes).into_owned())
                }
                RawLine::TooLong { length } => Seen::TooLong(length),
            })
        })
        .unwrap();
        assert!(
            buffer.len() <= cap + block,
            "buffer grew to {}",
            buffer.len()
        );
        seen
    }

    fn whole(strip_bom: bool) -> ScanRange {
        ScanRange {
            start: 0,
            skip_first_line: false,
            owned_end: u64::MAX,
            strip_bom,
        }
    }

    fn complete(text: &str) -> Seen {
        Seen::Complete(text.to_owned())
    }

    #[test]
    fn splits_lines_keeps_cr_and_reports_unterminated_tail() {
        let seen = scan(b"a\r\n\nbb\ncc", whole(true), 100, 4);
        assert_eq!(
            seen,
            [
                complete("a\r"),
                complete(""),
                complete("bb"),
                Seen::Unterminated("cc".into())
            ]
        );
    }

    #[test]
    fn strips_bom_only_at_file_start() {
        let seen = scan(b"\xEF\xBB\xBFa\n\xEF\xBB\xBFb\n", whole(true), 100, 3);
        assert_eq!(seen, [complete("a"), complete("\u{feff}b")]);
    }

    #[test]
    fn over_long_line_is_counted_not_buffered() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        input.extend(b"\nafter\n");
        input.extend(std::iter::repeat_n(b'y', 500));
        let seen = scan(&input, whole(false), 64, 16);
        assert_eq!(
            seen,
            [
                complete("ok"),
                Seen::TooLong(10_000),
                complete("after"),
                Seen::TooLong(500)
            ]
        );
    }

    #[test]
    fn line_exactly_at_cap_is_kept() {
        let seen = scan(b"abcd\nabcde\n", whole(false), 4, 2);
        assert_eq!(seen, [complete("abcd"), Seen::TooLong(5)]);
    }

    #[test]
    fn chunks_partition_lines_exactly_once() {
        let input = b"one\ntwo\nthree\n\nfour\nfive";
        for chunk in 1..input.len() + 2 {
            let mut all = Vec::new();
            let mut start = 0usize;
            while start < input.len() {
                let end = (start + chunk) as u64;
                let range = if start == 0 {
                    ScanRange {
                        start: 0,
                        skip_first_line: false,
                        owned_end: end,
                        strip_bom: true,
                    }
                } else {
                    ScanRange {
                        start: start as u64 - 1,
                        skip_first_line: true,
                        owned_end: end,
                        strip_bom: false,
                    }
                };
                all.extend(scan(input, range, 100, 3));
                start += chunk;
            }
            assert_eq!(
                all,
                [
                    complete("one"),
                    complete("two"),
                    complete("three"),
                    complete(""),
                    complete("four"),
                    Seen::Unterminated("five".into())
                ],
                "chunk size {chunk}"
            );
        }
    }

    #[test]
    fn read_errors_are_returned() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let mut buffer = Vec::new();
        let result = scan_lines(Failing, whole(false), 10, 4, &mut buffer, |_| {});
        assert_eq!(result.unwrap_err().to_string(), "disk on fire");
    }
}
