//! A small streaming tag reader for JMeter's XML JTL: it yields start, empty and end tags with
//! their attributes and skips everything else (text, comments, CDATA, processing
//! instructions, declarations) without keeping it. Only a tag itself is buffered, up to a cap,
//! so a file of any size reads in bounded memory.
//!
//! It is not a validating XML parser: well-formedness beyond what the JTL needs (matching end
//! tags, a single root, DTDs) is not checked.

use std::borrow::Cow;
use std::io::{self, BufRead};

use memchr::{memchr, memchr3};

/// What the reader stopped on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    /// `<name ...>`; the tag's text is [`TagReader::tag`].
    Start,
    /// `<name .../>`.
    Empty,
    /// `</name>`.
    End,
    /// The end of the input, outside any tag.
    Eof,
}

/// Why the XML cannot be read further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct XmlError {
    /// What is wrong.
    pub detail: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Just after `<`, not yet classified.
    Unknown,
    Start,
    End,
    Comment,
    Cdata,
    Instruction,
    Declaration,
}

pub(crate) struct TagReader<R> {
    reader: R,
    tag: Vec<u8>,
    max_tag_bytes: usize,
    position: u64,
}

pub(crate) enum ReadError {
    Io(io::Error),
    Xml(XmlError),
}

impl<R: BufRead> TagReader<R> {
    pub(crate) fn new(reader: R, max_tag_bytes: usize) -> Self {
        TagReader {
            reader,
            tag: Vec::with_capacity(256),
            max_tag_bytes,
            position: 0,
        }
    }

    /// Byte offset of the input consumed so far.
    pub(crate) fn position(&self) -> u64 {
        self.position
    }

    /// The text of the last start, empty or end tag, without `<`, `/` and `>`.
    pub(crate) fn tag(&self) -> &[u8] {
        &self.tag
    }

    fn consume(&mut self, count: usize) {
        self.reader.consume(count);
        self.position += count as u64;
    }

    /// The next tag, skipping whatever is not a tag.
    pub(crate) fn next_tag(&mut self) -> Result<Tag, ReadError> {
        loop {
            // Text up to the next `<` is skipped unbuffered.
            loop {
                let available = self.reader.fill_buf().map_err(ReadError::Io)?;
                if available.is_empty() {
                    return Ok(Tag::Eof);
                }
                match memchr(b'<', available) {
                    Some(index) => {
                        self.consume(index + 1);
                        break;
                    }
                    None => {
                        let length = available.len();
                        self.consume(length);
                    }
                }
            }
            match self.read_construct()? {
                Kind::Start => {
                    return Ok(if self.tag.last() == Some(&b'/') {
                        self.tag.pop();
                        Tag::Empty
                    } else {
                        Tag::Start
                    });
                }
                Kind::End => {
                    self.tag.remove(0);
                    return Ok(Tag::End);
                }
                _ => {}
            }
        }
    }

    /// Reads from just after `<` to just after the construct's end; tags are kept in
    /// `self.tag` (without the final `>`), everything else is dropped.
    fn read_construct(&mut self) -> Result<Kind, ReadError> {
        self.tag.clear();
        let mut kind = Kind::Unknown;
        let mut quote: Option<u8> = None;
        // The last two bytes seen, to find `-->`, `]]>` and `?>` across buffer boundaries.
        let mut last = [0u8; 2];
        loop {
            let available = self.reader.fill_buf().map_err(ReadError::Io)?;
            if available.is_empty() {
                return Err(ReadError::Xml(XmlError {
                    detail: "the file ends inside a tag (truncated?)".to_owned(),
                }));
            }
            let mut index = 0;
            let mut done = false;
            while index < available.len() && !done {
                match kind {
                    Kind::Unknown => {
                        self.tag.push(available[index]);
                        index += 1;
                        kind = classify(&self.tag);
                        if kind == Kind::Start || kind == Kind::End {
                            // Re-scan the classified bytes as part of the tag below.
                            let byte = self.tag[self.tag.len() - 1];
                            if kind == Kind::Start && byte == b'>' {
                                self.tag.pop();
                                done = true;
                            } else if byte == b'"' || byte == b'\'' {
                                quote = Some(byte);
                            }
                        }
                    }
                    Kind::Start | Kind::End => {
                        let rest = &available[index..];
                        let found = match quote {
                            Some(mark) => memchr(mark, rest),
                            None => memchr3(b'>', b'"', b'\'', rest),
                        };
                        let Some(offset) = found else {
                            self.tag.extend_from_slice(rest);
                            index = available.len();
                            continue;
                        };
                        let byte = rest[offset];
                        if quote.is_some() {
                            quote = None;
                            self.tag.extend_from_slice(&rest[..=offset]);
                        } else if byte == b'>' {
                            self.tag.extend_from_slice(&rest[..offset]);
                            done = true;
                        } else {
                            quote = Some(byte);
                            self.tag.extend_from_slice(&rest[..=offset]);
                        }
                        index += offset + 1;
                    }
                    Kind::Comment | Kind::Cdata | Kind::Instruction | Kind::Declaration => {
                        let rest = &available[index..];
                        let Some(offset) = memchr(b'>', rest) else {
                            last = tail(last, rest);
                            index = available.len();
                            continue;
                        };
                        let before = tail(last, &rest[..offset]);
                        last = tail(before, b">");
                        index += offset + 1;
                        done = match kind {
                            Kind::Comment => before == *b"--",
                            Kind::Cdata => before == *b"]]",
                            Kind::Instruction => before[1] == b'?',
                            _ => true,
                        };
                    }
                }
            }
            self.consume(index);
            if done {
                return Ok(kind);
            }
            if self.tag.len() > self.max_tag_bytes {
                return Err(ReadError::Xml(XmlError {
                    detail: format!(
                        "a tag is longer than the limit of {} bytes",
                        self.max_tag_bytes
                    ),
                }));
            }
            if kind != Kind::Start && kind != Kind::End && kind != Kind::Unknown {
                // Skipped constructs keep nothing.
                self.tag.clear();
            }
        }
    }
}

/// The last two bytes of `last` followed by `bytes`.
fn tail(last: [u8; 2], bytes: &[u8]) -> [u8; 2] {
    match bytes {
        [] => last,
        [only] => [last[1], *only],
        [.., a, b] => [*a, *b],
    }
}

/// What the bytes after `<` start; `Unknown` while they could still be several things.
fn classify(prefix: &[u8]) -> Kind {
    const COMMENT: &[u8] = b"!--";
    const CDATA: &[u8] = b"![CDATA[";
    match prefix.first() {
        None => Kind::Unknown,
        Some(b'/') => Kind::End,
        Some(b'?') => Kind::Instruction,
        Some(b'!') => {
            if prefix.starts_with(COMMENT) {
                Kind::Comment
            } else if prefix.starts_with(CDATA) {
                Kind::Cdata
            } else if COMMENT.starts_with(prefix) || CDATA.starts_with(prefix) {
                Kind::Unknown
            } else {
                Kind::Declaration
            }
        }
        Some(_) => Kind::Start,
    }
}

/// The attributes of a start tag's text (`name a="1" b='2'`) as raw `(key, value)` bytes;
/// [`decode`] the values that are needed.
pub(crate) fn attributes(tag: &[u8]) -> impl Iterator<Item = Result<(&[u8], &[u8]), XmlError>> {
    let start = tag
        .iter()
        .position(|byte| byte.is_ascii_whitespace())
        .unwrap_or(tag.len());
    let mut rest = &tag[start..];
    std::iter::from_fn(move || {
        rest = rest.trim_ascii_start();
        if rest.is_empty() {
            return None;
        }
        let error = |detail: &str| {
            Some(Err(XmlError {
                detail: detail.to_owned(),
            }))
        };
        // Keys are short: a plain scan beats memchr's setup here.
        let Some(equals) = rest.iter().position(|&byte| byte == b'=') else {
            rest = &[];
            return error("an attribute without a value");
        };
        let key = rest[..equals].trim_ascii_end();
        let after = rest[equals + 1..].trim_ascii_start();
        let Some((&mark, value_and_rest)) = after.split_first() else {
            rest = &[];
            return error("an attribute without a value");
        };
        if mark != b'"' && mark != b'\'' {
            rest = &[];
            return error("an unquoted attribute value");
        }
        let Some(end) = memchr(mark, value_and_rest) else {
            rest = &[];
            return error("an unterminated attribute value");
        };
        let raw = &value_and_rest[..end];
        rest = &value_and_rest[end + 1..];
        if key.is_empty() {
            return error("an attribute without a name");
        }
        Some(Ok((key, raw)))
    })
}

/// UTF-8 text with the five XML entities and character references replaced.
pub(crate) fn decode(raw: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    let text = std::str::from_utf8(raw).map_err(|_| XmlError {
        detail: "an attribute value is not UTF-8".to_owned(),
    })?;
    if !text.contains('&') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semicolon) = after.find(';') else {
            return Err(XmlError {
                detail: "an unterminated entity in an attribute value".to_owned(),
            });
        };
        let entity = &after[..semicolon];
        let character = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        let Some(character) = character else {
            return Err(XmlError {
                detail: format!("unknown entity &{entity};"),
            });
        };
        out.push(character);
        rest = &after[semicolon + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(xml: &str, capacity: usize) -> Vec<(Tag, String)> {
        let mut reader =
            TagReader::new(io::BufReader::with_capacity(capacity, xml.as_bytes()), 1000);
        let mut out = Vec::new();
        loop {
            match reader.next_tag() {
                Ok(Tag::Eof) => return out,
                Ok(tag) => out.push((tag, String::from_utf8(reader.tag().to_vec()).unwrap())),
                Err(ReadError::Xml(error)) => {
                    out.push((Tag::Eof, error.detail));
                    return out;
                }
                Err(ReadError::Io(error)) => panic!("{error}"),
            }
        }
    }

    #[test]
    fn reads_tags_and_skips_everything_else_at_any_buffer_size() {
        let xml = "<?xml version=\"1.0\"?>\n<!-- a > b -- c -->\n<r v='1'><a x=\"a>b\" y='q\"'/>text &amp; <![CDATA[ <x> ]] ]]><!DOCTYPE r><b>t</b></r>";
        let expected = vec![
            (Tag::Start, "r v='1'".to_owned()),
            (Tag::Empty, "a x=\"a>b\" y='q\"'".to_owned()),
            (Tag::Start, "b".to_owned()),
            (Tag::End, "b".to_owned()),
            (Tag::End, "r".to_owned()),
        ];
        for capacity in [1, 2, 3, 5, 8, 64] {
            assert_eq!(tags(xml, capacity), expected, "capacity {capacity}");
        }
        assert_eq!(
            tags("<a b=\"", 4)[0].1,
            "the file ends inside a tag (truncated?)"
        );
    }

    #[test]
    fn decodes_attributes() {
        let tag = b"s t=\"5\" lb = 'a &amp; b&#x41;&#66;' rm=\"&lt;&quot;&gt;\"";
        let decoded: Vec<(String, String)> = attributes(tag)
            .map(|item| {
                let (key, value) = item.unwrap();
                let value = decode(value).unwrap().into_owned();
                (String::from_utf8(key.to_vec()).unwrap(), value)
            })
            .collect();
        assert_eq!(
            decoded,
            [("t", "5"), ("lb", "a & bAB"), ("rm", "<\">")]
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
        );
        assert!(attributes(b"s a=1").next().unwrap().is_err());
        assert!(decode(b"&bogus;").is_err());
    }
}
