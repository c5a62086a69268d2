//! Phrasing of the history section, shared by the renderers (a leaf: it knows no format and
//! escapes nothing; each renderer escapes what it writes).

use perf_history::{
    ChangeKind, GroupHistory, HistoryRuleVerdict, HistorySection, HistoryStatus, Rule,
};

use super::{fixed, signed};

/// `PASS`, `FAIL`, `NOT ENOUGH HISTORY`.
pub(crate) fn status_label(status: HistoryStatus) -> &'static str {
    match status {
        HistoryStatus::Pass => "PASS",
        HistoryStatus::Fail => "FAIL",
        HistoryStatus::NotEnoughHistory => "NOT ENOUGH HISTORY",
    }
}

/// `p95, change points of at least 5.0%, alpha 0.05`.
pub(crate) fn settings_sentence(section: &HistorySection) -> String {
    format!(
        "{}, change points of at least {}%, alpha {}",
        section.metric,
        fixed(section.min_magnitude * 100.0, 1),
        section.alpha
    )
}

/// What one rule found, in a sentence.
pub(crate) fn rule_sentence(section: &HistorySection, verdict: &HistoryRuleVerdict) -> String {
    match (verdict.rule, verdict.status) {
        (Rule::Trend, HistoryStatus::NotEnoughHistory) => format!(
            "trend: not enough history ({} run(s), at least {} needed)",
            verdict.runs,
            perf_budget::TrendRule::MIN_WINDOW
        ),
        (Rule::Trend, _) => match verdict.observed {
            Some(change) => format!(
                "trend over {} run(s): latest change point {}% (limit {}%, adjusted p={})",
                verdict.runs,
                signed(change * 100.0, 1),
                fixed(verdict.limit * 100.0, 1),
                verdict
                    .p_value
                    .map_or_else(|| "n/a".to_owned(), |p| format!("{p:.4}"))
            ),
            None => format!(
                "trend over {} run(s): no rise of more than {}% in {}",
                verdict.runs,
                fixed(section.min_magnitude * 100.0, 1),
                section.metric
            ),
        },
        (_, _) => format!(
            "consecutive {} breaches: {} of {}",
            verdict.metric,
            verdict.observed.unwrap_or(0.0),
            verdict.limit
        ),
    }
}

/// The series as one line, oldest first: `10.00 10.10 | 12.00 ^13.20 [13.30]`, where `|`
/// marks an environment change, `^` a detected change point and `[..]` the gated run.
pub(crate) fn series_line(group: &GroupHistory) -> String {
    let mut parts = Vec::with_capacity(group.series.len());
    for (index, point) in group.series.iter().enumerate() {
        let mut text = String::new();
        if point.environment_changed {
            text.push_str("| ");
        }
        if group
            .change_points
            .iter()
            .any(|change| change.index == index && change.kind != ChangeKind::EnvironmentChange)
        {
            text.push('^');
        }
        let value = fixed(point.value, 2);
        if point.run.is_none() {
            text.push('[');
            text.push_str(&value);
            text.push(']');
        } else {
            text.push_str(&value);
        }
        parts.push(text);
    }
    parts.join(" ")
}

/// `regression at run 17: 10.00 -> 12.00 (+20.0%)`.
pub(crate) fn change_point_sentence(change: &perf_history::SeriesChangePoint) -> String {
    let at = change
        .run
        .map_or_else(|| "this run".to_owned(), |run| format!("run {run}"));
    let kind = match change.kind {
        ChangeKind::Regression => "regression",
        ChangeKind::Improvement => "improvement",
        ChangeKind::EnvironmentChange => "environment change",
    };
    format!(
        "{kind} at {at}: {} -> {} ({}%)",
        fixed(change.before, 2),
        fixed(change.after, 2),
        signed(change.change * 100.0, 1)
    )
}
