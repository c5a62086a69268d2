//! The probe inside the gate: measure endpoints, keep their records, judge them in the same run.

use std::collections::BTreeMap;
use std::io::{self, Write};

use perf_probe::{Plan, ProbeError, ProbeOutcome, RunConfig};
use perf_record::{GroupKey, GroupSamples, Line};

/// What a probe run measured: the groups the gate judges (warm-up requests left out) and the
/// probe's own outcome (summaries and the generator's self-check).
#[derive(Debug)]
pub struct Probed {
    /// One group per endpoint, from the measured requests.
    pub groups: BTreeMap<GroupKey, GroupSamples>,
    /// The probe's summaries and self-check.
    pub outcome: ProbeOutcome,
}

/// Runs `plan`, writing every record (warm-up included) to `out`, and gathers the measured
/// requests' groups from the same records as they are written.
///
/// # Errors
/// As [`perf_probe::run`].
pub fn probe<W: Write + ?Sized>(
    plan: &Plan,
    config: &RunConfig,
    out: &mut W,
) -> Result<Probed, ProbeError> {
    let mut tee = GroupingWriter::new(out);
    let outcome = perf_probe::run(plan, config, &mut tee)?;
    Ok(Probed {
        groups: tee.groups,
        outcome,
    })
}

/// Passes a source's JSONL (the probe's, `perf-gate run`'s) through to `out` and adds each
/// complete measured record to its group.
pub(crate) struct GroupingWriter<'a, W: ?Sized> {
    out: &'a mut W,
    pending: Vec<u8>,
    pub(crate) groups: BTreeMap<GroupKey, GroupSamples>,
}

impl<'a, W: Write + ?Sized> GroupingWriter<'a, W> {
    /// A writer into `out` with no groups yet.
    pub(crate) fn new(out: &'a mut W) -> Self {
        GroupingWriter {
            out,
            pending: Vec::new(),
            groups: BTreeMap::new(),
        }
    }

    fn take_line(&mut self, line: &[u8]) {
        // Warm-up records (`Line::Warmup`) stay in the file and out of the statistics.
        if let Ok(Line::Record(record)) = perf_record::parse_line(line) {
            self.groups
                .entry(record.group_key())
                .or_default()
                .add_record(&record);
        }
    }
}

impl<W: Write + ?Sized> Write for GroupingWriter<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.out.write(bytes)?;
        let mut rest = &bytes[..written];
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let (line, after) = rest.split_at(end);
            if self.pending.is_empty() {
                self.take_line(line);
            } else {
                let mut whole = std::mem::take(&mut self.pending);
                whole.extend_from_slice(line);
                self.take_line(&whole);
            }
            rest = &after[1..];
        }
        self.pending.extend_from_slice(rest);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_passed_through_and_grouped_without_warm_up() {
        let mut out = Vec::new();
        let mut writer = GroupingWriter::new(&mut out);
        let measured = r#"{"ts":"2025-10-21T09:00:01Z","sessionId":"p","tool":"probe","step":"GET /health","ms":1.5,"ok":true,"status":200}"#;
        let warmup = r#"{"ts":"2025-10-21T09:00:00Z","sessionId":"p","tool":"probe","step":"GET /health","ms":9,"ok":true,"phase":"warmup"}"#;
        let text = format!("{warmup}\n{measured}\n");
        // Written in two pieces that split a line.
        let (first, second) = text.as_bytes().split_at(150);
        writer.write_all(first).unwrap();
        writer.write_all(second).unwrap();
        let group = &writer.groups[&GroupKey::new("probe", "GET /health")];
        assert_eq!(group.latencies_ms, [1.5]);
        assert_eq!(group.counts.ok, 1);
        assert_eq!(out, text.as_bytes());
    }
}
