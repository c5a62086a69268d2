//! OpenMetrics 1.0 text (`metrics.txt`, GitLab's metrics report) and the Prometheus text format
//! 0.0.4 (a Pushgateway's body), from one model.
//!
//! Hand-written: neither official Rust client can write a Summary's quantiles
//! (prometheus/client_rust#40, tikv/rust-prometheus#5), and the `metrics` exporter's summaries
//! are rolling windows, wrong for "the whole run". Values are in base units (seconds, ratios),
//! there are no timestamps, every label value is escaped with
//! [`escape::exposition_label`](super::escape::exposition_label), and families come in a fixed
//! order with their samples contiguous, so the same report gives the same bytes. The metric
//! names are documented in the crate's `README.md`.

use std::fmt::Write as _;

use perf_baseline::ChangeVerdict;
use perf_budget::{CheckStatus, Direction, Unit};
use perf_record::MeasureUnit;

use super::escape::exposition_label;
use crate::report::{Report, Verdict};

/// Which text format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpositionFormat {
    /// OpenMetrics 1.0: `# UNIT` lines and the `# EOF` terminator
    /// (`application/openmetrics-text; version=1.0.0`).
    OpenMetrics,
    /// The Prometheus text format 0.0.4 (`text/plain; version=0.0.4`): no `# UNIT`, no
    /// terminator.
    Prometheus,
}

/// The content type of `format`, for an HTTP body.
pub fn content_type(format: ExpositionFormat) -> &'static str {
    match format {
        ExpositionFormat::OpenMetrics => {
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
        ExpositionFormat::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
    }
}

/// The metric types written. State sets (a check's status, a verdict) are 0/1 gauges with a
/// state label, the convention both formats read: `promtool check metrics` refuses the
/// OpenMetrics `stateset` type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Summary,
    Gauge,
}

/// One metric family: its metadata and its samples (name suffix, labels, value).
struct Family {
    name: &'static str,
    kind: Kind,
    unit: Option<&'static str>,
    help: &'static str,
    samples: Vec<(&'static str, String, String)>,
}

impl Family {
    fn new(name: &'static str, kind: Kind, unit: Option<&'static str>, help: &'static str) -> Self {
        Family {
            name,
            kind,
            unit,
            help,
            samples: Vec::new(),
        }
    }

    fn push(&mut self, suffix: &'static str, labels: &[(&str, &str)], value: String) {
        let mut text = String::new();
        for (index, (name, label_value)) in labels.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            let _ = write!(text, "{name}=\"{}\"", exposition_label(label_value));
        }
        self.samples.push((suffix, text, value));
    }

    /// One sample per state (label `label`), 1 for `current` and 0 for the others.
    fn push_states(
        &mut self,
        labels: &[(&str, &str)],
        label: &str,
        states: &[&str],
        current: &str,
    ) {
        for state in states {
            let mut with_state = labels.to_vec();
            with_state.push((label, state));
            self.push("", &with_state, u8::from(*state == current).to_string());
        }
    }

    fn write(&self, format: ExpositionFormat, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let kind = match self.kind {
            Kind::Summary => "summary",
            Kind::Gauge => "gauge",
        };
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} {kind}", self.name);
        if let (Some(unit), ExpositionFormat::OpenMetrics) = (self.unit, format) {
            let _ = writeln!(out, "# UNIT {} {unit}", self.name);
        }
        for (suffix, labels, value) in &self.samples {
            let _ = writeln!(out, "{}{suffix}{{{labels}}} {value}", self.name);
        }
    }
}

/// A number as both formats spell it: the shortest round-trip decimal (with an exponent below
/// 1e-6 or from 1e15 on), `+Inf`, `-Inf`, `NaN`.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if value == 0.0 {
        // `-0` would be a surprise in a dashboard.
        "0".to_owned()
    } else if value.abs() < 1e-6 || value.abs() >= 1e15 {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

fn seconds(milliseconds: f64) -> String {
    number(milliseconds / 1000.0)
}

fn status_name(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Fail => "fail",
        CheckStatus::Warn => "warn",
        CheckStatus::InsufficientSamples => "insufficient_samples",
        CheckStatus::LowConfidence => "low_confidence",
        CheckStatus::NoData => "no_data",
        CheckStatus::Pass => "pass",
    }
}

const CHECK_STATES: [&str; 5] = ["fail", "warn", "insufficient_samples", "no_data", "pass"];
const VERDICT_STATES: [&str; 3] = ["fail", "inconclusive", "pass"];
const CHANGE_STATES: [&str; 4] = ["regressed", "improved", "unchanged", "not_comparable"];

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Fail => "fail",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Pass => "pass",
    }
}

fn change_name(verdict: ChangeVerdict) -> &'static str {
    match verdict {
        ChangeVerdict::Regressed => "regressed",
        ChangeVerdict::Improved => "improved",
        ChangeVerdict::Unchanged => "unchanged",
        ChangeVerdict::NotComparable => "not_comparable",
    }
}

/// The report as OpenMetrics or Prometheus text: per group a latency summary over the whole
/// run, record counts by outcome and the error ratio; per check its limit, observed value,
/// headroom and status; per group and for the run the verdict; per compared group the
/// baseline change, its verdict and adjusted p-value.
pub fn render(report: &Report, format: ExpositionFormat) -> String {
    use Kind::{Gauge, Summary};
    let mut latency = Family::new(
        "perf_gate_latency_seconds",
        Summary,
        Some("seconds"),
        "Latency of the records with a known outcome over the whole run.",
    );
    let mut samples = Family::new(
        "perf_gate_samples",
        Gauge,
        None,
        "Records of the run by outcome (ok, error, unknown).",
    );
    let mut errors = Family::new(
        "perf_gate_error_ratio",
        Gauge,
        Some("ratio"),
        "Errors among the records with a known outcome.",
    );
    for group in report.distributions() {
        let (tool, step) = (group.key().tool.as_str(), group.key().step.as_str());
        let labels = [("tool", tool), ("step", step)];
        if let Some(distribution) = group.latency() {
            for (probability, value) in distribution.quantiles() {
                let quantile = number(*probability);
                latency.push(
                    "",
                    &[labels[0], labels[1], ("quantile", &quantile)],
                    seconds(*value),
                );
            }
            latency.push("_sum", &labels, seconds(distribution.sum_ms()));
            latency.push("_count", &labels, distribution.count().to_string());
        }
        let counts = group.counts();
        for (outcome, count) in [
            ("ok", counts.ok),
            ("error", counts.errors),
            ("unknown", counts.unknown),
        ] {
            samples.push(
                "",
                &[labels[0], labels[1], ("outcome", outcome)],
                count.to_string(),
            );
        }
        if let Some(rate) = counts.error_rate() {
            errors.push("", &labels, number(rate));
        }
    }

    // Measure checks, in the OpenMetrics base unit of the measure's name (`_mb` -> bytes,
    // `_ms` -> seconds), or unitless for a count or a rate.
    let mut measure_limit_bytes = Family::new(
        "perf_gate_measure_limit_bytes",
        Gauge,
        Some("bytes"),
        "The budget limit of a check on a memory measure such as peak_rss_mb.",
    );
    let mut measure_limit_seconds = Family::new(
        "perf_gate_measure_limit_seconds",
        Gauge,
        Some("seconds"),
        "The budget limit of a check on a time measure such as cpu_user_ms.",
    );
    let mut measure_limit = Family::new(
        "perf_gate_measure_limit",
        Gauge,
        None,
        "The budget limit of a check on a count or rate measure (allocs, throughput_rps).",
    );
    let mut measure_observed_bytes = Family::new(
        "perf_gate_measure_observed_bytes",
        Gauge,
        Some("bytes"),
        "The value a check on a memory measure observed.",
    );
    let mut measure_observed_seconds = Family::new(
        "perf_gate_measure_observed_seconds",
        Gauge,
        Some("seconds"),
        "The value a check on a time measure observed.",
    );
    let mut measure_observed = Family::new(
        "perf_gate_measure_observed",
        Gauge,
        None,
        "The value a check on a count or rate measure observed.",
    );
    let mut limit_seconds = Family::new(
        "perf_gate_budget_limit_seconds",
        Gauge,
        Some("seconds"),
        "The budget limit of a latency check (observed <= limit passes).",
    );
    let mut limit_ratio = Family::new(
        "perf_gate_budget_limit_ratio",
        Gauge,
        Some("ratio"),
        "The budget limit of an error-rate check.",
    );
    let mut observed_seconds = Family::new(
        "perf_gate_observed_seconds",
        Gauge,
        Some("seconds"),
        "The value a latency check observed.",
    );
    let mut observed_ratio = Family::new(
        "perf_gate_observed_ratio",
        Gauge,
        Some("ratio"),
        "The value an error-rate check observed.",
    );
    let mut headroom = Family::new(
        "perf_gate_headroom_ratio",
        Gauge,
        Some("ratio"),
        "(limit - observed) / limit of a check: negative when the limit is exceeded.",
    );
    let mut check_status = Family::new(
        "perf_gate_check",
        Gauge,
        None,
        "The status of a budget check.",
    );
    for check in report.checks() {
        let metric = check.metric_label();
        let labels = [
            ("tool", check.group.tool.as_str()),
            ("step", check.group.step.as_str()),
            ("metric", metric.as_str()),
        ];
        let families = match check.unit {
            Unit::Milliseconds => Some((
                &mut limit_seconds,
                &mut observed_seconds,
                seconds as fn(f64) -> String,
            )),
            Unit::Fraction => Some((
                &mut limit_ratio,
                &mut observed_ratio,
                number as fn(f64) -> String,
            )),
            Unit::Measure => None,
        };
        if let Some((limit, observed, value)) = families {
            limit.push("", &labels, value(check.limit));
            if let Some(observed_value) = check.observed {
                observed.push("", &labels, value(observed_value));
            }
        } else if let Some(measure) = &check.measure {
            let base = MeasureUnit::of(&measure.name).base_unit();
            let (limit, observed, factor) = match base {
                Some(("bytes", factor)) => (
                    &mut measure_limit_bytes,
                    &mut measure_observed_bytes,
                    factor,
                ),
                Some((_, factor)) => (
                    &mut measure_limit_seconds,
                    &mut measure_observed_seconds,
                    factor,
                ),
                None => (&mut measure_limit, &mut measure_observed, 1.0),
            };
            limit.push("", &labels, number(check.limit * factor));
            if let Some(observed_value) = check.observed {
                observed.push("", &labels, number(observed_value * factor));
            }
        }
        if let Some(relative) = check.relative_difference {
            // Headroom is positive within the limit, whichever way the measure gets worse.
            let higher_is_better = check
                .measure
                .as_ref()
                .is_some_and(|measure| measure.direction == Direction::HigherIsBetter);
            let headroom_ratio = if higher_is_better {
                relative
            } else {
                -relative
            };
            headroom.push("", &labels, number(headroom_ratio));
        }
        check_status.push_states(&labels, "status", &CHECK_STATES, status_name(check.status));
    }

    let mut group_verdict = Family::new(
        "perf_gate_verdict",
        Gauge,
        None,
        "What a group contributes to the verdict (its checks and its baseline comparison).",
    );
    for (key, verdict) in report.group_verdicts() {
        let labels = [("tool", key.tool.as_str()), ("step", key.step.as_str())];
        group_verdict.push_states(&labels, "status", &VERDICT_STATES, verdict_name(verdict));
    }
    let mut run_verdict = Family::new(
        "perf_gate_run_verdict",
        Gauge,
        None,
        "The verdict of the whole run (exit code 0 pass, 2 inconclusive, 3 fail).",
    );
    run_verdict.push_states(
        &[],
        "status",
        &VERDICT_STATES,
        verdict_name(report.verdict()),
    );

    let mut change = Family::new(
        "perf_gate_baseline_change_ratio",
        Gauge,
        Some("ratio"),
        "current / baseline - 1 of the compared percentile.",
    );
    let mut change_verdict = Family::new(
        "perf_gate_baseline_change",
        Gauge,
        None,
        "What the baseline comparison concluded for a group.",
    );
    let mut p_value = Family::new(
        "perf_gate_baseline_adjusted_p_value",
        Gauge,
        None,
        "Holm-adjusted Mann-Whitney p-value of the baseline comparison.",
    );
    for group in report
        .baseline()
        .iter()
        .flat_map(|comparison| &comparison.groups)
    {
        let labels = [
            ("tool", group.key.tool.as_str()),
            ("step", group.key.step.as_str()),
        ];
        if let Some(relative) = group.relative_change {
            change.push("", &labels, number(relative));
        }
        change_verdict.push_states(
            &labels,
            "change",
            &CHANGE_STATES,
            change_name(group.verdict),
        );
        if let Some(adjusted) = group.adjusted_p_value {
            p_value.push("", &labels, number(adjusted));
        }
    }

    let mut measure_change = Family::new(
        "perf_gate_baseline_measure_change_ratio",
        Gauge,
        Some("ratio"),
        "current / baseline - 1 of a record measure (the rank test: its Hodges-Lehmann estimate).",
    );
    let mut measure_change_verdict = Family::new(
        "perf_gate_baseline_measure_change",
        Gauge,
        None,
        "What the baseline comparison concluded for a group's record measure, in its direction.",
    );
    let mut measure_p_value = Family::new(
        "perf_gate_baseline_measure_adjusted_p_value",
        Gauge,
        None,
        "Holm-adjusted p-value of a record measure's baseline comparison (one family with the latencies).",
    );
    for group in report
        .baseline()
        .iter()
        .flat_map(|comparison| &comparison.groups)
    {
        for measure in &group.measures {
            let labels = [
                ("tool", group.key.tool.as_str()),
                ("step", group.key.step.as_str()),
                ("measure", measure.name.as_str()),
            ];
            if let Some(relative) = measure.relative_change {
                measure_change.push("", &labels, number(relative));
            }
            measure_change_verdict.push_states(
                &labels,
                "change",
                &CHANGE_STATES,
                change_name(measure.verdict),
            );
            if let Some(adjusted) = measure.adjusted_p_value {
                measure_p_value.push("", &labels, number(adjusted));
            }
        }
    }

    let mut out = String::new();
    for family in [
        &latency,
        &samples,
        &errors,
        &limit_seconds,
        &limit_ratio,
        &observed_seconds,
        &observed_ratio,
        &measure_limit_bytes,
        &measure_limit_seconds,
        &measure_limit,
        &measure_observed_bytes,
        &measure_observed_seconds,
        &measure_observed,
        &headroom,
        &check_status,
        &group_verdict,
        &run_verdict,
        &change,
        &change_verdict,
        &p_value,
        &measure_change,
        &measure_change_verdict,
        &measure_p_value,
    ] {
        family.write(format, &mut out);
    }
    if format == ExpositionFormat::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_spelled_as_the_formats_want() {
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(0.95), "0.95");
        assert_eq!(seconds(1500.0), "1.5");
    }

    #[test]
    fn state_sets_are_gauges_with_a_state_label() {
        let mut family = Family::new("perf_gate_check", Kind::Gauge, None, "h");
        family.push_states(&[("tool", "a\"b")], "status", &["fail", "pass"], "pass");
        let mut open = String::new();
        family.write(ExpositionFormat::OpenMetrics, &mut open);
        assert_eq!(
            open,
            "# HELP perf_gate_check h\n# TYPE perf_gate_check gauge\n\
             perf_gate_check{tool=\"a\\\"b\",status=\"fail\"} 0\n\
             perf_gate_check{tool=\"a\\\"b\",status=\"pass\"} 1\n"
        );
    }

    #[test]
    fn tiny_and_huge_numbers_take_an_exponent() {
        assert_eq!(number(3.5e-71), "3.5e-71");
        assert_eq!(number(2e20), "2e20");
        assert_eq!(number(0.000_25), "0.00025");
    }
}
