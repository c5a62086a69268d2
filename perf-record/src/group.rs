//! The vocabulary every crate shares about groups: which group a record belongs to, and what a
//! group holds.

use std::fmt;

use crate::{Outcome, Record, Timestamp};

/// How many records of a group had each outcome.
///
/// `unknown` records are counted but are neither successes nor errors: they are excluded from
/// latency statistics and from the error rate.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct OutcomeCounts {
    /// `ok: true`.
    pub ok: u64,
    /// `ok: false`.
    pub errors: u64,
    /// No `ok` field.
    pub unknown: u64,
}

impl OutcomeCounts {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &Outcome<'_>) {
        match outcome {
            Outcome::Success => self.ok += 1,
            Outcome::Error(_) => self.errors += 1,
            Outcome::Unknown => self.unknown += 1,
        }
    }

    /// Adds another group's counts (for merging shards).
    pub fn merge(&mut self, other: &OutcomeCounts) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.unknown += other.unknown;
    }

    /// All records, whatever their outcome.
    pub fn total(&self) -> u64 {
        self.ok + self.errors + self.unknown
    }

    /// Records with a known outcome (success or error): the ones the error rate uses (and
    /// latency statistics under [`LatencyOf::All`]).
    pub fn known(&self) -> u64 {
        self.ok + self.errors
    }

    /// `errors / (ok + errors)`, or `None` when no record has a known outcome.
    pub fn error_rate(&self) -> Option<f64> {
        let known = self.known();
        (known > 0).then(|| self.errors as f64 / known as f64)
    }
}

/// The identity of a budgeted group: one step of one tool.
///
/// Its [`Display`](fmt::Display) form, `tool/step`, is the one way every report spells a group.
/// The first unescaped `/` ends the tool: a `/` or `\` inside the tool is written with a
/// backslash before it (`\/`, `\\`), the step is written as it is (HTTP steps such as
/// `GET /api/users` keep their slashes). So tool `a/b` with step `c` (`a\/b/c`) and tool `a`
/// with step `b/c` (`a/b/c`) never read the same; [`FromStr`](std::str::FromStr) reads the
/// form back (a `TOOL/STEP` argument).
///
/// ```
/// use perf_record::GroupKey;
///
/// assert_eq!(GroupKey::new("wsap", "import").to_string(), "wsap/import");
/// assert_eq!(GroupKey::new("a/b", "c").to_string(), r"a\/b/c");
/// assert_eq!(GroupKey::new("a", "b/c").to_string(), "a/b/c");
/// assert_eq!(r"a\/b/c".parse(), Ok(GroupKey::new("a/b", "c")));
/// assert_eq!("api/v1/users".parse(), Ok(GroupKey::new("api", "v1/users")));
/// ```
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GroupKey {
    /// The record's `tool`.
    pub tool: String,
    /// The record's `step`.
    pub step: String,
}

impl GroupKey {
    /// The group of `step` of `tool`.
    pub fn new(tool: impl Into<String>, step: impl Into<String>) -> Self {
        GroupKey {
            tool: tool.into(),
            step: step.into(),
        }
    }
}

impl fmt::Display for GroupKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tool(formatter, &self.tool)?;
        formatter.write_str("/")?;
        formatter.write_str(&self.step)
    }
}

/// A tool with `/` and `\` escaped by a backslash; the common name without either is written
/// in one piece.
fn write_tool(formatter: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if !name.contains(['/', '\\']) {
        return formatter.write_str(name);
    }
    for character in name.chars() {
        if matches!(character, '/' | '\\') {
            formatter.write_str("\\")?;
        }
        fmt::Write::write_char(formatter, character)?;
    }
    Ok(())
}

/// Why a text is not a `TOOL/STEP` group.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupKeyError {
    /// No unescaped `/` separates a tool from a step.
    #[error("expected TOOL/STEP (a `/` inside a name written `\\/`)")]
    NoSeparator,
    /// The tool or the step is empty.
    #[error("the tool and the step must not be empty")]
    EmptyName,
    /// A backslash in the tool before something other than `/` or `\`, or at its end.
    #[error("a backslash in the tool must come before `/` or `\\`")]
    BadEscape,
}

impl std::str::FromStr for GroupKey {
    type Err = GroupKeyError;

    /// Reads the [`Display`](fmt::Display) form: the tool, unescaped, up to the first
    /// unescaped `/`; the step is the rest as it is (`api/v1/users` is step `v1/users`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut tool = String::new();
        let mut characters = text.char_indices();
        let step = loop {
            match characters.next() {
                Some((_, '\\')) => match characters.next() {
                    Some((_, escaped @ ('/' | '\\'))) => tool.push(escaped),
                    _ => return Err(GroupKeyError::BadEscape),
                },
                Some((index, '/')) => break &text[index + 1..],
                Some((_, other)) => tool.push(other),
                None => return Err(GroupKeyError::NoSeparator),
            }
        };
        if tool.is_empty() || step.is_empty() {
            return Err(GroupKeyError::EmptyName);
        }
        Ok(GroupKey {
            tool,
            step: step.to_owned(),
        })
    }
}

/// The name of one group, of whichever kind the records were grouped by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupName {
    /// A (tool, step) group.
    ToolStep(GroupKey),
    /// All steps of one tool.
    Tool(String),
    /// All records of one session.
    Session(String),
}

impl fmt::Display for GroupName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupName::ToolStep(key) => key.fmt(formatter),
            GroupName::Tool(name) | GroupName::Session(name) => formatter.write_str(name),
        }
    }
}

/// Which records enter latency (and measure) statistics: a documented choice of every report.
///
/// The error rate is always over records with a known outcome, and unknown outcomes are
/// excluded everywhere.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum LatencyOf {
    /// Successful records only (the default): a failure that returns fast cannot hide a
    /// slowdown of the requests that work.
    #[default]
    Ok,
    /// Every record with a known outcome, errors included.
    All,
}

impl LatencyOf {
    /// `ok` or `all`, as budget files and `--latency-of` spell it.
    pub fn name(self) -> &'static str {
        match self {
            LatencyOf::Ok => "ok",
            LatencyOf::All => "all",
        }
    }
}

impl fmt::Display for LatencyOf {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A `latency_of` value that is neither `ok` nor `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "latency_of must be \"ok\" (successful records) or \"all\" (every known outcome), not {0:?}"
)]
pub struct LatencyOfError(pub String);

impl std::str::FromStr for LatencyOf {
    type Err = LatencyOfError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "ok" => Ok(LatencyOf::Ok),
            "all" => Ok(LatencyOf::All),
            other => Err(LatencyOfError(other.to_owned())),
        }
    }
}

/// What one group holds: the latencies statistics need, the error records' latencies kept apart,
/// the samples of each measure present, and how many records had each outcome.
///
/// This is the one shape in which groups travel between the sources (collector, importers) and
/// the judges (budgets, baselines, history). Judges read `latencies_ms` and `measures[..].values`;
/// [`GroupSamples::latency_of`] turns the default view (successful records) into the
/// every-known-outcome one without re-reading anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupSamples {
    /// Records per outcome, unknown included.
    pub counts: OutcomeCounts,
    /// Latencies in milliseconds of successful records, in source order (with every known
    /// outcome after [`GroupSamples::latency_of`] with [`LatencyOf::All`]).
    pub latencies_ms: Vec<f64>,
    /// Latencies of error records, in source order (empty after `latency_of(All)`, which
    /// moved them into `latencies_ms`). Unknown-outcome records have no sample anywhere.
    pub error_latencies_ms: Vec<f64>,
    /// One entry per measure that at least one record of the group carries, by name; a record
    /// without a measure adds nothing to it (missing, never zero).
    pub measures: Vec<MeasureSamples>,
    /// The earliest and the latest `ts` of the records added with
    /// [`GroupSamples::add_record`] (every outcome, unknown included); `None` for a group built
    /// without timestamps. [`GroupSamples::throughput_rps`] is derived from it.
    pub span: Option<TimeSpan>,
}

/// The name of the derived measure [`GroupSamples::throughput_rps`]: budgets name it like a record
/// measure, and a record may not carry a measure of this name (see
/// [`crate::validate_measure_name`]), so the name has one meaning.
pub const THROUGHPUT_MEASURE: &str = "throughput_rps";

/// The earliest and the latest `ts` of a group's records: the group's wall time, on the records'
/// own clock (so it holds for logs read long after the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpan {
    /// The earliest `ts`.
    pub first: Timestamp,
    /// The latest `ts`.
    pub last: Timestamp,
}

impl TimeSpan {
    /// The span of one instant.
    pub fn at(ts: Timestamp) -> TimeSpan {
        TimeSpan {
            first: ts,
            last: ts,
        }
    }

    /// Widens the span to hold `ts`.
    #[inline]
    pub fn extend(&mut self, ts: Timestamp) {
        // Logs are mostly in time order: the common case is one comparison.
        if ts > self.last {
            self.last = ts;
        } else if ts < self.first {
            self.first = ts;
        }
    }

    /// The span holding both.
    pub fn union(self, other: TimeSpan) -> TimeSpan {
        TimeSpan {
            first: self.first.min(other.first),
            last: self.last.max(other.last),
        }
    }

    /// `last - first` in seconds (nanosecond resolution).
    pub fn seconds(self) -> f64 {
        let seconds = self.last.as_second() - self.first.as_second();
        let nanoseconds =
            i64::from(self.last.subsec_nanosecond()) - i64::from(self.first.subsec_nanosecond());
        seconds as f64 + nanoseconds as f64 * 1e-9
    }
}

/// Why a group has no throughput.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    thiserror::Error,
    serde::Serialize,
    serde::Deserialize,
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum NoThroughput {
    /// The group's records carried no timestamps (a group built from figures, not records).
    #[error("the group's records have no timestamps")]
    NoTimestamps,
    /// Fewer than two records: a rate needs an interval between two of them.
    #[error("fewer than two records")]
    TooFewRecords,
    /// Every record has the same `ts` (a clock of whole seconds, or one burst).
    #[error("every record has the same timestamp")]
    ZeroSpan,
}

impl NoThroughput {
    /// A stable token for JSON and the history (`no-timestamps`, `too-few-records`,
    /// `zero-span`).
    pub fn code(self) -> &'static str {
        match self {
            NoThroughput::NoTimestamps => "no-timestamps",
            NoThroughput::TooFewRecords => "too-few-records",
            NoThroughput::ZeroSpan => "zero-span",
        }
    }
}

/// The samples of one measure in one group, split by outcome like the latencies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasureSamples {
    /// The measure's name (`peak_rss_mb`).
    pub name: String,
    /// Its values in successful records (every known outcome after `latency_of(All)`), in
    /// source order.
    pub values: Vec<f64>,
    /// Its values in error records.
    pub error_values: Vec<f64>,
}

impl GroupSamples {
    /// A group whose every record succeeded, with these latencies.
    pub fn all_ok(latencies_ms: Vec<f64>) -> GroupSamples {
        GroupSamples {
            counts: OutcomeCounts {
                ok: latencies_ms.len() as u64,
                errors: 0,
                unknown: 0,
            },
            latencies_ms,
            ..GroupSamples::default()
        }
    }

    /// The group with `values` added as measure `name` of its successful records (the
    /// measure kept in name order, as [`GroupSamples::add_record`] keeps it); for groups built
    /// from figures rather than records, as tests and simulations build them.
    pub fn with_ok_measure(mut self, name: &str, values: Vec<f64>) -> GroupSamples {
        self.measure_mut(name).values.extend(values);
        self
    }

    /// Adds one record's outcome and, when the outcome is known, its latency.
    pub fn add(&mut self, outcome: &Outcome<'_>, ms: f64) {
        self.counts.add(outcome);
        match outcome {
            Outcome::Success => self.latencies_ms.push(ms),
            Outcome::Error(_) => self.error_latencies_ms.push(ms),
            Outcome::Unknown => {}
        }
    }

    /// Adds one record: its outcome, its latency and its measures (both when the outcome is
    /// known).
    pub fn add_record(&mut self, record: &Record<'_>) {
        self.add(&record.outcome, record.ms);
        match &mut self.span {
            Some(span) => span.extend(record.ts),
            None => self.span = Some(TimeSpan::at(record.ts)),
        }
        if !record.measures.is_empty() {
            self.add_measures(&record.outcome, record);
        }
    }

    // Out of line: latency-only records never get here.
    #[inline(never)]
    fn add_measures(&mut self, outcome: &Outcome<'_>, record: &Record<'_>) {
        let error = match outcome {
            Outcome::Success => false,
            Outcome::Error(_) => true,
            Outcome::Unknown => return,
        };
        for (name, value) in record.measures.iter() {
            let samples = self.measure_mut(name);
            if error {
                samples.error_values.push(value);
            } else {
                samples.values.push(value);
            }
        }
    }

    /// The samples of measure `name`, created empty if the group has none yet.
    pub(crate) fn measure_mut(&mut self, name: &str) -> &mut MeasureSamples {
        let index = match self
            .measures
            .binary_search_by(|samples| samples.name.as_str().cmp(name))
        {
            Ok(index) => index,
            Err(index) => {
                self.measures.insert(
                    index,
                    MeasureSamples {
                        name: name.to_owned(),
                        ..MeasureSamples::default()
                    },
                );
                index
            }
        };
        &mut self.measures[index]
    }

    /// The samples of measure `name`, if any record of the group carried it.
    pub fn measure(&self, name: &str) -> Option<&MeasureSamples> {
        self.measures
            .binary_search_by(|samples| samples.name.as_str().cmp(name))
            .ok()
            .map(|index| &self.measures[index])
    }

    /// The group's throughput, records per second of its wall time: `(N - 1) / T` for `N`
    /// records (every outcome, unknown included) whose timestamps span `T` seconds
    /// ([`GroupSamples::span`]).
    ///
    /// `N - 1`, not `N`: `N` records at a steady rate `r` are `(N - 1) / r` apart from the first
    /// to the last, so `(N - 1) / T` is `r` exactly, where `N / T` would overstate it (two records
    /// a second apart are one per second, not two). Fewer than two records or a zero span have
    /// no throughput, never a made-up one.
    ///
    /// ```
    /// use perf_record::{GroupSamples, NoThroughput, TimeSpan, Timestamp};
    ///
    /// let first: Timestamp = "2025-10-16T10:00:00Z".parse()?;
    /// let last: Timestamp = "2025-10-16T10:00:10Z".parse()?;
    /// let mut group = GroupSamples::all_ok(vec![1.0; 101]);
    /// assert_eq!(group.throughput_rps(), Err(NoThroughput::NoTimestamps));
    /// group.span = Some(TimeSpan { first, last });
    /// assert_eq!(group.throughput_rps(), Ok(10.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn throughput_rps(&self) -> Result<f64, NoThroughput> {
        throughput_of(self.counts, self.span)
    }

    /// Appends another shard's values (not its counts or span) in order.
    pub(crate) fn append_values(&mut self, other: &GroupSamples) {
        self.latencies_ms.extend_from_slice(&other.latencies_ms);
        self.error_latencies_ms
            .extend_from_slice(&other.error_latencies_ms);
        for measure in &other.measures {
            let samples = self.measure_mut(&measure.name);
            samples.values.extend_from_slice(&measure.values);
            samples
                .error_values
                .extend_from_slice(&measure.error_values);
        }
    }

    /// Adds another shard of the same group.
    pub fn merge(&mut self, other: &GroupSamples) {
        self.counts.merge(&other.counts);
        self.span = match (self.span, other.span) {
            (Some(mine), Some(theirs)) => Some(mine.union(theirs)),
            (mine, theirs) => mine.or(theirs),
        };
        self.append_values(other);
    }

    /// The group as judges should see it under `latency_of`: unchanged for [`LatencyOf::Ok`];
    /// for [`LatencyOf::All`], the error records' latencies and measure values appended to the
    /// successful ones.
    pub fn latency_of(mut self, latency_of: LatencyOf) -> GroupSamples {
        if latency_of == LatencyOf::All {
            self.latencies_ms.append(&mut self.error_latencies_ms);
            for measure in &mut self.measures {
                measure.values.append(&mut measure.error_values);
            }
        }
        self
    }
}

/// [`GroupSamples::throughput_rps`] of a group with these counts and span.
pub(crate) fn throughput_of(
    counts: OutcomeCounts,
    span: Option<TimeSpan>,
) -> Result<f64, NoThroughput> {
    let span = span.ok_or(NoThroughput::NoTimestamps)?;
    let records = counts.total();
    if records < 2 {
        return Err(NoThroughput::TooFewRecords);
    }
    let seconds = span.seconds();
    if seconds <= 0.0 {
        return Err(NoThroughput::ZeroSpan);
    }
    Ok((records - 1) as f64 / seconds)
}

/// What a tool reported about a group when it kept no raw samples (a k6 summary export,
/// Locust's statistics): its own figures, each one optional because every tool reports another
/// subset. Judges may check limits against them but must compute nothing that needs samples
/// (intervals, significance, change points).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportedStatistics {
    /// How many operations the tool counted.
    pub count: Option<u64>,
    /// How many of them failed.
    pub errors: Option<u64>,
    /// Smallest latency, ms.
    pub min_ms: Option<f64>,
    /// Mean latency, ms.
    pub mean_ms: Option<f64>,
    /// Largest latency, ms.
    pub max_ms: Option<f64>,
    /// Reported percentiles: (rank in percent, e.g. `95.0`, value in ms), ascending.
    pub percentiles: Vec<(f64, f64)>,
}

impl ReportedStatistics {
    /// The reported value of the percentile of rank `percent`, if the tool reported that one.
    pub fn percentile(&self, percent: f64) -> Option<f64> {
        self.percentiles
            .iter()
            .find(|(rank, _)| (rank - percent).abs() < 1e-9)
            .map(|(_, value)| *value)
    }

    /// `errors / count`, when both are reported and `count > 0`.
    pub fn error_rate(&self) -> Option<f64> {
        match (self.errors, self.count) {
            (Some(errors), Some(count)) if count > 0 => Some(errors as f64 / count as f64),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slash_inside_a_name_never_makes_two_groups_read_the_same() {
        let first = GroupKey::new("a/b", "c");
        let second = GroupKey::new("a", "b/c");
        assert_eq!(first.to_string(), r"a\/b/c");
        assert_eq!(second.to_string(), "a/b/c");
        // A backslash in the tool is escaped too, so `a\` + `/b` and `a\/` + `b` differ.
        assert_eq!(GroupKey::new(r"a\", "/b").to_string(), r"a\\//b");
        assert_eq!(GroupKey::new(r"a\/", "b").to_string(), r"a\\\//b");
        // Steps keep their slashes and backslashes.
        assert_eq!(
            GroupKey::new("api", r"GET /x\y").to_string(),
            r"api/GET /x\y"
        );
        for key in [
            first,
            second,
            GroupKey::new(r"a\", "/b"),
            GroupKey::new(r"a\/", "b"),
            GroupKey::new("/", "/"),
            GroupKey::new(r"\", r"\"),
            GroupKey::new("api", r"GET /x\y"),
            GroupKey::new("wsap", "import"),
        ] {
            assert_eq!(key.to_string().parse(), Ok(key.clone()), "{key}");
        }
    }

    #[test]
    fn a_typed_tool_step_needs_no_escape_after_the_first_slash() {
        assert_eq!("api/v1/users".parse(), Ok(GroupKey::new("api", "v1/users")));
        assert_eq!("api/".parse::<GroupKey>(), Err(GroupKeyError::EmptyName));
        assert_eq!("/x".parse::<GroupKey>(), Err(GroupKeyError::EmptyName));
        assert_eq!("api".parse::<GroupKey>(), Err(GroupKeyError::NoSeparator));
        assert_eq!(r"a\/b".parse::<GroupKey>(), Err(GroupKeyError::NoSeparator));
        assert_eq!(r"a\x/b".parse::<GroupKey>(), Err(GroupKeyError::BadEscape));
        assert_eq!(r"a\".parse::<GroupKey>(), Err(GroupKeyError::BadEscape));
        assert_eq!(r"a/b\".parse(), Ok(GroupKey::new("a", r"b\")));
    }

    #[test]
    fn group_names_display_as_reports_spell_them() {
        let key = GroupKey::new("a2a", "echo");
        assert_eq!(key.to_string(), "a2a/echo");
        assert_eq!(GroupName::ToolStep(key).to_string(), "a2a/echo");
        assert_eq!(GroupName::Tool("a2a".into()).to_string(), "a2a");
        assert_eq!(GroupName::Session("s-1".into()).to_string(), "s-1");
    }

    #[test]
    fn unknown_outcomes_are_counted_without_a_sample() {
        let mut group = GroupSamples::default();
        group.add(&Outcome::Success, 1.0);
        group.add(&Outcome::Error(None), 2.0);
        group.add(&Outcome::Unknown, 3.0);
        assert_eq!(group.latencies_ms, [1.0]);
        assert_eq!(group.error_latencies_ms, [2.0]);
        assert_eq!(group.counts.total(), 3);
        let mut other = GroupSamples::default();
        other.merge(&group);
        assert_eq!(other, group);
        assert_eq!(group.latency_of(LatencyOf::All).latencies_ms, [1.0, 2.0]);
    }

    fn record(line: &str) -> Record<'_> {
        match crate::parse_line(line.as_bytes()) {
            Ok(crate::Line::Record(record)) => record,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn measures_are_kept_per_name_and_outcome_and_missing_is_not_zero() {
        let head = r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1"#;
        let lines = [
            format!(r#"{head},"ok":true,"measures":{{"peak_rss_mb":10.5,"allocs":800}}}}"#),
            format!(r#"{head},"ok":true,"measures":{{"peak_rss_mb":11}}}}"#),
            format!(r#"{head},"ok":false,"measures":{{"peak_rss_mb":50}}}}"#),
            format!(r#"{head},"measures":{{"peak_rss_mb":99}}}}"#),
            format!(r#"{head},"ok":true}}"#),
        ];
        let mut group = GroupSamples::default();
        for line in &lines {
            group.add_record(&record(line));
        }
        let names: Vec<_> = group.measures.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["allocs", "peak_rss_mb"]);
        let rss = group.measure("peak_rss_mb").unwrap();
        assert_eq!(
            (rss.values.as_slice(), rss.error_values.as_slice()),
            (&[10.5, 11.0][..], &[50.0][..])
        );
        assert_eq!(group.measure("allocs").unwrap().values, [800.0]);
        assert_eq!(group.measure("cpu_user_ms"), None);
        let mut merged = GroupSamples::default();
        merged.merge(&group);
        merged.merge(&group);
        assert_eq!(merged.measure("allocs").unwrap().values, [800.0, 800.0]);
        let all = group.latency_of(LatencyOf::All);
        assert_eq!(
            all.measure("peak_rss_mb").unwrap().values,
            [10.5, 11.0, 50.0]
        );
        assert_eq!(all.latencies_ms.len(), 4);
        assert!(all.error_latencies_ms.is_empty());
    }

    #[test]
    fn throughput_is_records_less_one_over_the_span_of_every_outcome() {
        let line =
            |ts: &str, ok: &str| format!(r#"{{"ts":"{ts}","tool":"t","step":"s","ms":1{ok}}}"#);
        let lines = [
            line("2025-10-16T10:00:02.5Z", r#","ok":true"#),
            line("2025-10-16T10:00:00.5Z", r#","ok":false"#),
            line("2025-10-16T10:00:01Z", ""),
            line("2025-10-16T10:00:04.5Z", r#","ok":true"#),
        ];
        let mut group = GroupSamples::default();
        assert_eq!(group.throughput_rps(), Err(NoThroughput::NoTimestamps));
        group.add_record(&record(&lines[0]));
        // One record: no interval to measure a rate over.
        assert_eq!(group.throughput_rps(), Err(NoThroughput::TooFewRecords));
        for line in &lines[1..] {
            group.add_record(&record(line));
        }
        let span = group.span.unwrap();
        assert_eq!(span.first.to_string(), "2025-10-16T10:00:00.5Z");
        assert_eq!(span.last.to_string(), "2025-10-16T10:00:04.5Z");
        assert_eq!(span.seconds(), 4.0);
        // Four records (an error and an unknown outcome among them) over 4 s: 3 intervals.
        assert_eq!(group.throughput_rps(), Ok(0.75));
        // Shards merge to the union of their spans, in either order.
        let (mut left, mut right) = (GroupSamples::default(), GroupSamples::default());
        left.add_record(&record(&lines[3]));
        right.add_record(&record(&lines[1]));
        right.add_record(&record(&lines[2]));
        let mut merged = left.clone();
        merged.merge(&right);
        assert_eq!(merged.span, Some(span));
        right.merge(&left);
        assert_eq!(right.span, Some(span));
        let mut empty = GroupSamples::default();
        empty.merge(&GroupSamples::default());
        assert_eq!(empty.span, None);
        // The same instant twice is no rate, never an infinite one.
        let mut burst = GroupSamples::default();
        burst.add_record(&record(&lines[0]));
        burst.add_record(&record(&lines[0]));
        assert_eq!(burst.throughput_rps(), Err(NoThroughput::ZeroSpan));
        assert_eq!(NoThroughput::ZeroSpan.code(), "zero-span");
    }

    #[test]
    fn a_span_across_a_second_boundary_keeps_its_nanoseconds() {
        let span = TimeSpan {
            first: "2025-10-16T10:00:00.9Z".parse().unwrap(),
            last: "2025-10-16T10:00:01.1Z".parse().unwrap(),
        };
        assert!((span.seconds() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn latency_of_reads_its_two_spellings() {
        assert_eq!("ok".parse(), Ok(LatencyOf::Ok));
        assert_eq!("all".parse(), Ok(LatencyOf::All));
        assert!("errors".parse::<LatencyOf>().is_err());
        assert_eq!(LatencyOf::default().to_string(), "ok");
    }
}
