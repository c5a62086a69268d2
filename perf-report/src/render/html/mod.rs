//! `report.html`: one self-contained page, inline CSS and inline SVG drawn here, no JavaScript
//! and no network (a Content-Security-Policy forbids every external load), readable without
//! colour, the same bytes for the same report.
//!
//! At the top the verdict and the groups that caused it; then per group the distribution of this
//! run against the baseline (an ECDF, down-sampled to quantile knots with the exact extremes),
//! its budget lines and percentile intervals, the error rate, and tables of the same numbers.
//! [`series_chart`] draws a metric's history (LTTB-down-sampled) with change points and
//! environment changes. Every log-derived string goes through
//! [`escape::html`](super::escape::html).

mod chart;
mod lttb;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use perf_budget::{Check, CheckStatus, Direction, Metric, Unit};
use perf_record::GroupKey;

use chart::{BudgetMarker, Whisker, ecdf_chart, error_chart, measure_chart};
pub use chart::{SERIES_MAX_POINTS, Series, series_chart};
pub use lttb::lttb;

use super::duration::Symbols;
use super::escape::html;
use super::{Style, ValueUnit, check_sentence, comparison, counts_sentence, fixed, format_value};

/// HTML is UTF-8: `µs`, and each value in its own unit (a page is read value by value).
const VALUES: Style = Style {
    symbols: Symbols::Unicode,
    unit: None,
};
use crate::distribution::GroupDistribution;
use crate::report::{Report, Verdict};

/// The page's Content-Security-Policy: nothing may be loaded, only the inline style applies.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// How many groups the top of the page names as the cause of the verdict.
const MAX_CAUSES: usize = 10;

const STYLE: &str = "\
section.group{content-visibility:auto;contain-intrinsic-size:auto 760px}\
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#111;background:#fff;line-height:1.4}\
h1{font-size:1.6rem;border:3px solid #111;padding:.4rem .8rem;display:inline-block}\
h1.fail{border-style:double;border-width:6px}\
h1.inconclusive{border-style:dashed}\
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #999}\
.tag{font-family:ui-monospace,monospace;font-weight:bold}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}\
th,td{border:1px solid #bbb;padding:.2rem .5rem;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:.5rem 0}\
figcaption{font-size:.85rem;color:#333}\
svg{max-width:100%;height:auto;font-size:11px;font-family:system-ui,sans-serif}\
svg .axes path{stroke:#111;stroke-width:1}\
svg .axes path.grid{stroke:#ddd}\
svg text{fill:#111}\
svg path{fill:none}\
svg path.current{stroke:#1f4e9c;stroke-width:2.2}\
svg path.baseline{stroke:#666;stroke-width:1.6;stroke-dasharray:6 3}\
svg .budget line{stroke:#8a1c1c;stroke-width:1.4;stroke-dasharray:2 3}\
svg .budget.failed line{stroke-width:2.6}\
svg .whisker line{stroke:#111;stroke-width:1.6}\
svg .whisker circle{fill:#fff;stroke:#111;stroke-width:1.6}\
svg rect.track{fill:#fff;stroke:#111}\
svg rect.bar{fill:#555}\
svg .points circle{fill:#1f4e9c}\
svg .change line{stroke:#111;stroke-width:1.4}\
svg .change path{fill:#111}\
svg .env line{stroke:#111;stroke-dasharray:1 3}\
svg .env path{fill:#fff;stroke:#111}\
";

/// `[FAIL]`, `[PASS]`, ...: the tag that says a status in text, not colour.
fn verdict_tag(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "[PASS]",
        Verdict::Inconclusive => "[INCONCLUSIVE]",
        Verdict::Fail => "[FAIL]",
    }
}

fn status_tag(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Fail => "[FAIL]",
        CheckStatus::Warn => "[WARN]",
        CheckStatus::InsufficientSamples => "[INSUFFICIENT]",
        CheckStatus::LowConfidence => "[LOW CONFIDENCE]",
        CheckStatus::NoData => "[NO DATA]",
        CheckStatus::Pass => "[OK]",
    }
}

fn class_of(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Fail => "fail",
    }
}

/// Everything the page shows of one group.
struct GroupView<'a> {
    key: &'a GroupKey,
    verdict: Option<Verdict>,
    checks: Vec<&'a Check>,
    distribution: Option<&'a GroupDistribution>,
    comparison: Option<&'a perf_baseline::GroupComparison>,
    history: Option<&'a perf_history::GroupHistory>,
}

fn group_views(report: &Report) -> Vec<GroupView<'_>> {
    let verdicts = report.group_verdicts();
    // Each group's checks (in the report's order), distribution and comparison, found by key in
    // one pass over each section: a search of the sections for every group was quadratic, hours
    // at a million groups.
    let mut checks: BTreeMap<&GroupKey, Vec<&Check>> = BTreeMap::new();
    for check in report.checks() {
        checks.entry(&check.group).or_default().push(check);
    }
    let distributions = first_of_each_key(report.distributions(), GroupDistribution::key);
    let comparisons = first_of_each_key(
        report
            .baseline()
            .into_iter()
            .flat_map(|comparison| &comparison.groups),
        |group| &group.key,
    );
    let histories = first_of_each_key(
        report
            .history()
            .into_iter()
            .flat_map(|section| &section.groups),
        |group| &group.group,
    );
    let mut keys: BTreeMap<&GroupKey, ()> = BTreeMap::new();
    keys.extend(distributions.keys().map(|key| (*key, ())));
    keys.extend(checks.keys().map(|key| (*key, ())));
    keys.extend(comparisons.keys().map(|key| (*key, ())));
    let mut views: Vec<GroupView<'_>> = keys
        .into_keys()
        .map(|key| GroupView {
            key,
            verdict: verdicts.get(key).copied(),
            checks: checks.remove(key).unwrap_or_default(),
            distribution: distributions.get(key).copied(),
            comparison: comparisons.get(key).copied(),
            history: histories.get(key).copied(),
        })
        .collect();
    // Worst first (failed, inconclusive, passed, not checked); stable, so by key within each.
    views.sort_by_key(|view| std::cmp::Reverse(view.verdict.map(|verdict| verdict as u8 + 1)));
    views
}

/// The first item of each key in `items`, as a search of `items` for that key would find it.
fn first_of_each_key<'a, T>(
    items: impl IntoIterator<Item = &'a T>,
    key: impl Fn(&'a T) -> &'a GroupKey,
) -> BTreeMap<&'a GroupKey, &'a T> {
    let mut first = BTreeMap::new();
    for item in items {
        first.entry(key(item)).or_insert(item);
    }
    first
}

/// The report as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    let views = group_views(report);
    let verdict = report.verdict();
    let mut out = String::with_capacity(4096 + views.len() * 6144);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>perf-gate report: {label}</title><style>{STYLE}</style></head>\n<body>\n\
         <header><h1 id=\"verdict\" class=\"{class}\">perf-gate: {label}</h1>\n<p id=\"counts\">{counts}</p>",
        label = verdict.label(),
        class = class_of(verdict),
        counts = html(&counts_sentence(report)),
    );
    causes(&mut out, report, &views);
    out.push_str("</header>\n");
    notes(&mut out, report);
    out.push_str("<main>\n");
    for (index, view) in views.iter().enumerate() {
        group_section(&mut out, report, index, view);
    }
    let _ = writeln!(
        out,
        "</main>\n<footer><p>{} groups. Quantile method {}, confidence level {}%. Charts: solid line \
         this run, dashed line the baseline, dotted lines budget limits, whiskers the confidence \
         interval of an observed percentile (circle: the observed value).</p></footer>\n</body></html>",
        views.len(),
        html(report.settings().quantile_method.numpy_name()),
        fixed(report.settings().confidence_level * 100.0, 0)
    );
    out
}

/// The groups that made the verdict what it is, worst first, at most [`MAX_CAUSES`].
fn causes(out: &mut String, report: &Report, views: &[GroupView<'_>]) {
    let verdict = report.verdict();
    if verdict == Verdict::Pass {
        return;
    }
    let causing: Vec<(usize, &GroupView<'_>)> = views
        .iter()
        .enumerate()
        .filter(|(_, view)| view.verdict == Some(verdict))
        .collect();
    if causing.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"causes\"><h2>Caused by {} group(s)</h2><ul>",
        causing.len()
    );
    for (index, view) in causing.iter().take(MAX_CAUSES) {
        let reasons: Vec<String> = view
            .checks
            .iter()
            .filter(|check| {
                matches!(
                    (check.status, verdict),
                    (CheckStatus::Fail, Verdict::Fail)
                        | (
                            CheckStatus::InsufficientSamples
                                | CheckStatus::LowConfidence
                                | CheckStatus::NoData,
                            Verdict::Inconclusive
                        )
                )
            })
            .map(|check| {
                format!(
                    "{} {}",
                    status_tag(check.status),
                    check_sentence(check, Symbols::Unicode)
                )
            })
            .chain(
                view.comparison
                    .filter(|group| group.verdict == perf_baseline::ChangeVerdict::Regressed)
                    .and_then(|group| {
                        let comparison_section = report.baseline()?;
                        Some(format!(
                            "[REGRESSED] {}",
                            comparison::reason_sentence(comparison_section, group)
                        ))
                    }),
            )
            .chain(view.comparison.into_iter().flat_map(|group| {
                // A regressed record measure of the group, with its own sentence.
                let comparison_section = report.baseline();
                group
                    .measures
                    .iter()
                    .filter(|measure| measure.verdict == perf_baseline::ChangeVerdict::Regressed)
                    .filter_map(move |measure| {
                        let row = comparison::MeasureRow { group, measure };
                        Some(format!(
                            "[REGRESSED] {}",
                            row.reason_sentence(comparison_section?)
                        ))
                    })
            }))
            .collect();
        let _ = writeln!(
            out,
            "<li><a href=\"#g{index}\">{}</a>: {}</li>",
            html(&view.key.to_string()),
            html(&reasons.join("; "))
        );
    }
    if causing.len() > MAX_CAUSES {
        let _ = writeln!(out, "<li>and {} more</li>", causing.len() - MAX_CAUSES);
    }
    out.push_str("</ul></section>\n");
}

/// Warnings, lint findings and the environment note.
fn notes(out: &mut String, report: &Report) {
    let mut items: Vec<String> = report
        .warnings()
        .iter()
        .map(|warning| format!("warning: {}", warning.message))
        .collect();
    if let Some(warning) = report.baseline().and_then(comparison::environment_warning) {
        items.push(format!("warning: {warning}"));
    }
    items.extend(
        report
            .lint()
            .iter()
            .map(|finding| format!("lint: {}", super::lint_sentence(finding, &super::verbatim))),
    );
    if items.is_empty() {
        return;
    }
    out.push_str("<section id=\"notes\"><h2>Notes</h2><ul>\n");
    for item in items {
        let _ = writeln!(out, "<li>{}</li>", html(&item));
    }
    out.push_str("</ul></section>\n");
}

fn budget_markers(checks: &[&Check]) -> Vec<BudgetMarker> {
    checks
        .iter()
        .filter(|check| check.unit == Unit::Milliseconds)
        .map(|check| BudgetMarker {
            label: format!(
                "{} <= {}",
                check.metric_label(),
                format_value(check.limit, ValueUnit::of(check), VALUES)
            ),
            limit_ms: check.limit,
            whisker: match (check.metric, check.observed, check.confidence_interval) {
                (Metric::Percentile(percentile), Some(observed), Some(interval)) => Some(Whisker {
                    probability: percentile.probability(),
                    observed_ms: observed,
                    low_ms: interval.low,
                    high_ms: interval.high,
                }),
                _ => None,
            },
            failed: check.status == CheckStatus::Fail,
        })
        .collect()
}

/// A group's series from the report's history section: runs numbered from 1 in the order the
/// history holds them, change points and environment changes at the run they start.
fn history_series(
    section: &perf_history::HistorySection,
    group: &perf_history::GroupHistory,
) -> Series {
    let run = |index: usize| (index + 1) as f64;
    let points = group
        .series
        .iter()
        .enumerate()
        .map(|(index, point)| (run(index), point.value))
        .collect();
    let environment_changes = group
        .series
        .iter()
        .enumerate()
        .filter(|(_, point)| point.environment_changed)
        .map(|(index, _)| run(index))
        .collect();
    let change_points = group
        .change_points
        .iter()
        .filter(|change| change.kind != perf_history::ChangeKind::EnvironmentChange)
        .map(|change| run(change.index))
        .collect();
    Series {
        title: format!("{} of {} over the run history", section.metric, group.group),
        points,
        change_points,
        environment_changes,
    }
}

fn group_section(out: &mut String, report: &Report, index: usize, view: &GroupView<'_>) {
    let name = html(&view.key.to_string());
    let tag = view.verdict.map_or("[NOT CHECKED]", verdict_tag);
    let _ = writeln!(
        out,
        "<section class=\"group\" id=\"g{index}\"><h2><span class=\"tag\">{tag}</span> {name}</h2>"
    );
    let current = view
        .distribution
        .and_then(GroupDistribution::latency)
        .map(|latency| latency.ecdf());
    let baseline = view.distribution.and_then(GroupDistribution::baseline);
    let markers = budget_markers(&view.checks);
    let _ = writeln!(
        out,
        "<figure>{}<figcaption>Cumulative distribution of latencies: solid line this run, dashed \
         line the baseline{}.</figcaption></figure>",
        ecdf_chart(
            &format!("g{index}-ecdf"),
            &view.key.to_string(),
            current,
            baseline,
            &markers
        ),
        if current.is_some_and(|ecdf| !ecdf.is_exact()) {
            ", drawn through quantile knots with the exact minimum and maximum"
        } else {
            ""
        }
    );
    let series = report
        .history()
        .zip(view.history)
        .map(|(section, group)| history_series(section, group));
    if let Some(series) = series {
        let _ = writeln!(
            out,
            "<figure>{}<figcaption>{}: one point per recorded run, this run last; solid \
             verticals mark change points, dotted ones environment changes.</figcaption></figure>",
            series_chart(&format!("g{index}-series"), &series),
            html(&series.title)
        );
    }
    if let Some(distribution) = view.distribution {
        let counts = distribution.counts();
        let limit = view
            .checks
            .iter()
            .find(|check| check.metric == Metric::ErrorRate)
            .map(|check| check.limit);
        let _ = writeln!(
            out,
            "<figure>{}</figure>",
            error_chart(
                &format!("g{index}-errors"),
                &view.key.to_string(),
                counts.errors,
                counts.known(),
                limit
            )
        );
        if let Some(latency) = distribution.latency() {
            out.push_str("<table class=\"quantiles\"><tr><th>n</th>");
            for (probability, _) in latency.quantiles() {
                let _ = write!(out, "<th>{}</th>", quantile_name(*probability));
            }
            let _ = write!(out, "</tr><tr><td class=\"n\">{}</td>", latency.count());
            for (_, value) in latency.quantiles() {
                let _ = write!(out, "<td class=\"n\">{}ms</td>", fixed(*value, 2));
            }
            out.push_str("</tr></table>\n");
        }
    }
    if !view.checks.is_empty() {
        out.push_str(
            "<table class=\"checks\"><tr><th>status</th><th>metric</th><th>observed</th><th>limit</th>\
             <th>detail</th><th>n</th></tr>\n",
        );
        for check in &view.checks {
            let interval = check
                .confidence_interval
                .map_or_else(String::new, |interval| {
                    format!(
                        "; {}% CI {}..{}",
                        fixed(interval.level * 100.0, 0),
                        format_value(interval.low, ValueUnit::of(check), VALUES),
                        format_value(interval.high, ValueUnit::of(check), VALUES)
                    )
                });
            let _ = writeln!(
                out,
                "<tr><td class=\"tag\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td>{}{}{}</td><td class=\"n\">{}</td></tr>",
                status_tag(check.status),
                html(&check.metric_label()),
                html(&super::observed_text(check, VALUES)),
                html(&limit_text(check)),
                html(&super::detail_text(check, VALUES)),
                html(&interval),
                if check.marginal { " (marginal)" } else { "" },
                check.sample_count
            );
        }
        out.push_str("</table>\n");
        for (position, check) in view.checks.iter().enumerate() {
            let (Some(measure), Some(observed)) = (&check.measure, check.observed) else {
                continue;
            };
            let unit = ValueUnit::of(check);
            let caption = format!(
                "{} {} of {}",
                check.metric_label(),
                format_value(observed, unit, VALUES),
                view.key
            );
            let _ = writeln!(
                out,
                "<figure class=\"measure\">{}</figure>",
                measure_chart(
                    &format!("g{index}-m{position}"),
                    &format!("{} of {} against its budget", measure.name, view.key),
                    observed,
                    check
                        .confidence_interval
                        .map(|interval| (interval.low, interval.high)),
                    check.limit,
                    &caption,
                    &limit_text(check),
                )
            );
        }
    }
    if let (Some(group), Some(section)) = (view.comparison, report.baseline()) {
        let _ = writeln!(
            out,
            "<p class=\"comparison\">Baseline ({}): <span class=\"tag\">[{}]</span> {} {} -&gt; {} \
             ({}, interval {}); {}.</p>",
            html(&comparison::settings_sentence(section)),
            html(&comparison::verdict_label(group.verdict).to_uppercase()),
            html(&section.metric.to_string()),
            html(&comparison::value_text(group.baseline_value_ms, VALUES)),
            html(&comparison::value_text(group.current_value_ms, VALUES)),
            html(&comparison::change_text(group)),
            html(&comparison::interval_text(group)),
            html(&comparison::reason_sentence(section, group))
        );
    }
    out.push_str("</section>\n");
}

/// A check's limit with its unit; a `higher_is_better` one (a throughput floor) says `>=`, so the
/// column reads which side passes.
fn limit_text(check: &Check) -> String {
    let limit = format_value(check.limit, ValueUnit::of(check), VALUES);
    match &check.measure {
        Some(measure) if measure.direction == Direction::HigherIsBetter => {
            format!("\u{2265} {limit}")
        }
        _ => limit,
    }
}

/// `p0`, `p50`, `p99.9`, `p100` for a probability.
fn quantile_name(probability: f64) -> String {
    perf_stats::Percentile::new(probability * 100.0).map_or_else(
        || format!("q{probability}"),
        |percentile| percentile.to_string(),
    )
}
