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
    /// A [`RawLine::Complete`] line already checked to be UTF-8 together with the other
    /// complete lines of its block (one check of a block costs about a third of one a line).
    Text(&'a str),
    /// The file's last line, with no `\n` after it.
    Unterminated(&'a [u8]),
    /// A line longer than the cap; only its length is known.
    TooLong {
        /// Its length in bytes, without the `\n`.
        length: u64,
    },
}

impl<'a> RawLine<'a> {
    /// The line's bytes, unless it was too long to keep.
    pub(crate) fn bytes(&self) -> Option<&'a [u8]> {
        match *self {
            RawLine::Complete(bytes) | RawLine::Unterminated(bytes) => Some(bytes),
            RawLine::Text(text) => Some(text.as_bytes()),
            RawLine::TooLong { .. } => None,
        }
    }
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

/// Hands out the lines of `block`, complete lines checked to be UTF-8 (the last one's `\n` is just
/// after the block), as [`RawLine::Text`] (or [`RawLine::TooLong`]), advancing `line_start`;
/// `false` when a line starts at or after the range's owned end (the scan is over).
fn block_lines(
    block: &str,
    line_start: &mut u64,
    range: ScanRange,
    max_line_bytes: usize,
    on_line: &mut impl FnMut(RawLine<'_>),
) -> bool {
    let mut rest = block;
    loop {
        if *line_start >= range.owned_end {
            return false;
        }
        // memchr's search, not `split_once`'s: it costs half as much on lines of 100 bytes.
        let split = memchr::memchr(b'\n', rest.as_bytes())
            .and_then(|newline| rest.split_at_checked(newline))
            .and_then(|(line, next)| Some((line, next.strip_prefix('\n')?)));
        let (line, next) = match split {
            Some((line, next)) => (line, Some(next)),
            None => (rest, None),
        };
        if line.len() > max_line_bytes {
            on_line(RawLine::TooLong {
                length: line.len() as u64,
            });
        } else {
            on_line(RawLine::Text(line));
        }
        *line_start += line.len() as u64 + 1;
        match next {
            Some(next) => rest = next,
            None => return true,
        }
    }
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
    // The lines ending before this buffer index failed the block check: checked one by one.
    let mut not_utf8_until = 0usize;

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
                if !at_file_start && newline >= not_utf8_until {
                    // This line and every complete line after it in the buffer, checked at once.
                    let last_newline =
                        newline + memchr::memrchr(b'\n', &buffer[newline..tail]).unwrap_or(0);
                    match std::str::from_utf8(&buffer[head..last_newline]) {
                        Ok(block) => {
                            if !block_lines(
                                block,
                                &mut line_start,
                                range,
                                max_line_bytes,
                                &mut on_line,
                            ) {
                                return Ok(());
                            }
                            head = last_newline + 1;
                            searched = 0;
                            continue;
                        }
                        Err(_) => not_utf8_until = last_newline + 1,
                    }
                }
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
            not_utf8_until = 0;
        } else if pending > max_line_bytes.saturating_add(BOM_LENGTH) {
            if line_start >= range.owned_end {
                return Ok(());
            }
            too_long = true;
            discarded += pending as u64;
            head = 0;
            tail = 0;
            searched = 0;
            not_utf8_until = 0;
        } else {
            if head > 0 {
                buffer.copy_within(head..tail, 0);
                head = 0;
                tail = pending;
                not_utf8_until = 0;
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
                RawLine::Text(text) => Seen::Complete(text.to_owned()),
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

    /// Every line as (bytes, whether it came as checked text), or its length when too long.
    fn scan_kinds(
        input: &[u8],
        range: ScanRange,
        cap: usize,
        block: usize,
    ) -> Vec<(Vec<u8>, bool)> {
        let mut seen = Vec::new();
        let mut buffer = Vec::new();
        scan_lines(
            &input[range.start as usize..],
            range,
            cap,
            block,
            &mut buffer,
            |line| {
                seen.push(match line {
                    RawLine::Text(text) => (text.as_bytes().to_vec(), true),
                    RawLine::Complete(bytes) | RawLine::Unterminated(bytes) => {
                        (bytes.to_vec(), false)
                    }
                    RawLine::TooLong { length } => {
                        (format!("too long: {length}").into_bytes(), false)
                    }
                })
            },
        )
        .unwrap();
        seen
    }

    #[test]
    fn lines_checked_by_the_block_are_the_lines_and_invalid_utf8_is_left_to_the_parser() {
        let input: &[u8] = b"first\ncaf\xc3\xa9\r\n\nbad \xff byte\nsplit \xe2\x82\xac sign\n\
            a line longer than the cap\nlast ok\n\xc3\nend";
        let expected: Vec<Vec<u8>> = input
            .split(|&byte| byte == b'\n')
            .map(|line| {
                if line.len() > 20 {
                    format!("too long: {}", line.len()).into_bytes()
                } else {
                    line.to_vec()
                }
            })
            .collect();
        let mut texts = 0;
        for block in 1..input.len() + 2 {
            for chunk in [3, 7, 16, input.len()] {
                let mut all = Vec::new();
                let mut start = 0usize;
                while start < input.len() {
                    let end = (start + chunk) as u64;
                    let range = ScanRange {
                        start: start.saturating_sub(1) as u64,
                        skip_first_line: start > 0,
                        owned_end: if end >= input.len() as u64 {
                            u64::MAX
                        } else {
                            end
                        },
                        strip_bom: start == 0,
                    };
                    all.extend(scan_kinds(input, range, 20, block));
                    start += chunk;
                }
                let lines: Vec<&Vec<u8>> = all.iter().map(|(line, _)| line).collect();
                assert_eq!(
                    lines,
                    expected.iter().collect::<Vec<_>>(),
                    "block {block}, chunk {chunk}"
                );
                for (line, checked) in &all {
                    if *checked {
                        texts += 1;
                    } else if !line.starts_with(b"too long") {
                        // Given as bytes: the first line of a file, a line of a block that is
                        // not UTF-8, or the unterminated last line.
                        assert!(
                            line == b"first"
                                || line == b"end"
                                || std::str::from_utf8(line).is_err()
                                || all
                                    .iter()
                                    .any(|(other, _)| std::str::from_utf8(other).is_err()),
                            "{:?} (block {block}, chunk {chunk})",
                            String::from_utf8_lossy(line)
                        );
                    }
                }
            }
        }
        assert!(texts > 100, "the block check was used {texts} times");
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
