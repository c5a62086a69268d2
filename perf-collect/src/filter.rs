//! Which records to keep.

use globset::{GlobSet, GlobSetBuilder};
use perf_record::{Outcome, Record, Timestamp};

use crate::CollectError;

/// The outcome a [`Filter`] may select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeFilter {
    /// `ok: true`.
    Success,
    /// `ok: false`.
    Error,
    /// No `ok` field.
    Unknown,
}

/// Which records to keep. Every empty list or `None` keeps everything; conditions combine with
/// "and", values within one list with "or".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Tool names, exact or glob (`reg*`).
    pub tools: Vec<String>,
    /// Step names, exact or glob.
    pub steps: Vec<String>,
    /// Session ids, exact or glob (`ci-2025-10-*`).
    pub sessions: Vec<String>,
    /// Keep records with `ts >= since`.
    pub since: Option<Timestamp>,
    /// Keep records with `ts < until`.
    pub until: Option<Timestamp>,
    /// Keep only these outcomes.
    pub outcomes: Vec<OutcomeFilter>,
    /// Keep warm-up records (`"phase": "warmup"`) too; by default they are filtered out.
    pub include_warmup: bool,
}

/// A [`Filter`] whose patterns are compiled; build it with [`Filter::compile`].
#[derive(Debug, Clone)]
pub struct CompiledFilter {
    tools: Option<GlobSet>,
    steps: Option<GlobSet>,
    sessions: Option<GlobSet>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    outcomes: Vec<OutcomeFilter>,
    include_warmup: bool,
}

impl Filter {
    /// Compiles the patterns, reporting the first invalid one.
    pub fn compile(&self) -> Result<CompiledFilter, CollectError> {
        Ok(CompiledFilter {
            tools: compile_patterns("tools", &self.tools)?,
            steps: compile_patterns("steps", &self.steps)?,
            sessions: compile_patterns("sessions", &self.sessions)?,
            since: self.since,
            until: self.until,
            outcomes: self.outcomes.clone(),
            include_warmup: self.include_warmup,
        })
    }
}

fn compile_patterns(
    field: &'static str,
    patterns: &[String],
) -> Result<Option<GlobSet>, CollectError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        // A pattern without glob syntax matches exactly: globset does that by itself, and
        // literal_separator keeps `/` from being special in names that are not paths.
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .map_err(|source| CollectError::Pattern {
                field,
                pattern: pattern.clone(),
                source,
            })?;
        builder.add(glob);
    }
    let set = builder.build().map_err(|source| CollectError::Pattern {
        field,
        pattern: patterns.join(","),
        source,
    })?;
    Ok(Some(set))
}

fn matches_names(set: Option<&GlobSet>, value: &str) -> bool {
    set.is_none_or(|set| set.is_match(value))
}

impl CompiledFilter {
    /// A filter that keeps every record.
    pub fn keep_all() -> Self {
        Self {
            tools: None,
            steps: None,
            sessions: None,
            since: None,
            until: None,
            outcomes: Vec::new(),
            include_warmup: true,
        }
    }

    /// Whether warm-up records are kept.
    pub fn keeps_warmup(&self) -> bool {
        self.include_warmup
    }

    /// Whether the tool patterns keep a record of `tool` (always, when there are none).
    pub fn keeps_tool(&self, tool: &str) -> bool {
        matches_names(self.tools.as_ref(), tool)
    }

    /// Whether the step patterns keep a record of `step` (always, when there are none).
    pub fn keeps_step(&self, step: &str) -> bool {
        matches_names(self.steps.as_ref(), step)
    }

    /// Whether the filter keeps every record (it may still drop warm-up records): the scanner
    /// then skips [`CompiledFilter::matches`], once a unit instead of once a record.
    pub(crate) fn keeps_every_record(&self) -> bool {
        self.tools.is_none()
            && self.steps.is_none()
            && self.sessions.is_none()
            && self.since.is_none()
            && self.until.is_none()
            && self.outcomes.is_empty()
    }

    /// Whether the filter keeps `record`.
    pub fn matches(&self, record: &Record<'_>) -> bool {
        self.since.is_none_or(|since| record.ts >= since)
            && self.until.is_none_or(|until| record.ts < until)
            && (self.outcomes.is_empty() || self.outcomes.contains(&outcome_of(&record.outcome)))
            && self.keeps_tool(&record.tool)
            && self.keeps_step(&record.step)
            && matches_names(self.sessions.as_ref(), &record.session_id)
    }
}

fn outcome_of(outcome: &Outcome<'_>) -> OutcomeFilter {
    match outcome {
        Outcome::Success => OutcomeFilter::Success,
        Outcome::Error(_) => OutcomeFilter::Error,
        Outcome::Unknown => OutcomeFilter::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn record(
        tool: &'static str,
        step: &'static str,
        session: &'static str,
        ts: &str,
        outcome: Outcome<'static>,
    ) -> Record<'static> {
        Record {
            ts: ts.parse().unwrap(),
            session_id: Cow::Borrowed(session),
            tool: Cow::Borrowed(tool),
            step: Cow::Borrowed(step),
            ms: 1.0,
            outcome,
            measures: perf_record::Measures::new(),
        }
    }

    #[test]
    fn empty_filter_keeps_everything() {
        let filter = Filter::default().compile().unwrap();
        assert!(filter.matches(&record(
            "a",
            "b",
            "c",
            "2025-01-01T00:00:00Z",
            Outcome::Unknown
        )));
    }

    #[test]
    fn only_a_filter_without_criteria_skips_the_per_record_check() {
        assert!(Filter::default().compile().unwrap().keeps_every_record());
        assert!(CompiledFilter::keep_all().keeps_every_record());
        let ts = Some("2025-01-01T00:00:00Z".parse().unwrap());
        for filter in [
            Filter {
                tools: vec!["a".into()],
                ..Default::default()
            },
            Filter {
                steps: vec!["b".into()],
                ..Default::default()
            },
            Filter {
                sessions: vec!["c".into()],
                ..Default::default()
            },
            Filter {
                since: ts,
                ..Default::default()
            },
            Filter {
                until: ts,
                ..Default::default()
            },
            Filter {
                outcomes: vec![OutcomeFilter::Error],
                ..Default::default()
            },
        ] {
            assert!(
                !filter.compile().unwrap().keeps_every_record(),
                "{filter:?}"
            );
        }
    }

    #[test]
    fn session_glob_and_exact_tool() {
        let filter = Filter {
            tools: vec!["registry".into()],
            sessions: vec!["ci-2025-*".into()],
            ..Default::default()
        }
        .compile()
        .unwrap();
        let ts = "2025-01-01T00:00:00Z";
        assert!(filter.matches(&record(
            "registry",
            "get",
            "ci-2025-10",
            ts,
            Outcome::Success
        )));
        assert!(!filter.matches(&record(
            "registry",
            "get",
            "dev-2025-10",
            ts,
            Outcome::Success
        )));
        assert!(!filter.matches(&record(
            "registry2",
            "get",
            "ci-2025-10",
            ts,
            Outcome::Success
        )));
    }

    #[test]
    fn time_window_is_half_open_and_outcomes_select() {
        let filter = Filter {
            since: Some("2025-01-01T00:00:00Z".parse().unwrap()),
            until: Some("2025-01-02T00:00:00Z".parse().unwrap()),
            outcomes: vec![OutcomeFilter::Error],
            ..Default::default()
        }
        .compile()
        .unwrap();
        let error = || Outcome::Error(None);
        assert!(filter.matches(&record("t", "s", "x", "2025-01-01T00:00:00Z", error())));
        assert!(!filter.matches(&record("t", "s", "x", "2025-01-02T00:00:00Z", error())));
        assert!(!filter.matches(&record("t", "s", "x", "2024-12-31T23:59:59Z", error())));
        assert!(!filter.matches(&record(
            "t",
            "s",
            "x",
            "2025-01-01T12:00:00Z",
            Outcome::Success
        )));
    }

    #[test]
    fn invalid_pattern_names_field_and_pattern() {
        let error = Filter {
            steps: vec!["a[".into()],
            ..Default::default()
        }
        .compile()
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("steps") && message.contains("a["),
            "{message}"
        );
    }
}
