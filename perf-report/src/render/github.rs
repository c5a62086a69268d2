//! GitHub Actions workflow commands: annotations for what needs attention.
//!
//! `::error` for a violation, a regression, and insufficient samples or no data of a
//! `severity: fail` entry (they block the gate); `::warning` for `warn` violations, the same for
//! `warn` entries, lint findings and warnings; `::notice` for a marginal pass and an
//! improvement. GitHub shows at most 10 annotations of each level per step, so at most
//! [`MAX_PER_LEVEL`] of each are written, the most severe and largest misses first (violations
//! and regressions by relative size, then groups that could not be judged), and a final
//! `::notice` says how many more are in the job summary.
//!
//! An annotation about a budget names the budget file (`file=`), one about the baseline
//! comparison the baseline file, when [`GithubConfig`] knows them, so GitHub attaches it to that
//! file. Data is escaped with [`escape::workflow_data`](super::escape::workflow_data) and
//! properties with [`escape::workflow_property`](super::escape::workflow_property), GitHub's
//! workflow-command rules.

use std::fmt::Write as _;

use perf_baseline::{ChangeVerdict as Verdict, Comparison, GroupComparison};
use perf_budget::{Check, CheckStatus, Severity};

use super::duration::Symbols;
use super::escape::{workflow_data as escape_data, workflow_property as escape_property};
use super::{check_sentence, comparison, lint_sentence, verbatim};
use crate::report::Report;

/// How many annotations of one level GitHub shows per step.
pub const MAX_PER_LEVEL: usize = 10;

/// Where the annotations point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GithubConfig<'a> {
    /// The budget file, as a path relative to the repository root (`file=` of annotations
    /// about budgets and lint).
    pub budget_file: Option<&'a str>,
    /// The baseline file (`file=` of annotations about the comparison).
    pub baseline_file: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One annotation before the cap: its level, its rank within the level (lower first), and the
/// whole command line.
struct Annotation {
    level: Level,
    /// (kind, negative size): violations and regressions before inconclusive checks, larger
    /// misses first.
    rank: (u8, f64),
    line: String,
}

/// Renders the annotations, one per line; empty when nothing needs attention.
pub fn render(report: &Report, config: &GithubConfig<'_>) -> String {
    let mut annotations = Vec::new();
    for check in report.checks() {
        if let Some(annotation) = check_annotation(check, config) {
            annotations.push(annotation);
        }
    }
    for finding in report.lint() {
        annotations.push(Annotation {
            level: Level::Warning,
            rank: (3, 0.0),
            line: command(
                Level::Warning,
                config.budget_file,
                "perf-gate lint",
                &lint_sentence(finding, &verbatim),
            ),
        });
    }
    for warning in report.warnings() {
        annotations.push(Annotation {
            level: Level::Warning,
            rank: (4, 0.0),
            line: command(
                Level::Warning,
                None,
                &format!("perf-gate {}", warning.code),
                &warning.message,
            ),
        });
    }
    if let Some(comparison) = report.baseline() {
        annotations.extend(baseline_annotations(comparison, config));
    }
    if let Some(section) = report.history() {
        annotations.extend(history_annotations(section, config));
    }
    capped(annotations)
}

/// One `::error` per failed history rule (`trend`, `consecutive`); a breach `consecutive` has
/// not confirmed yet is already a `warn` check, annotated with the checks.
fn history_annotations(
    section: &perf_history::HistorySection,
    config: &GithubConfig<'_>,
) -> Vec<Annotation> {
    use perf_history::HistoryStatus;
    let mut out = Vec::new();
    for group in &section.groups {
        for verdict in &group.rules {
            if verdict.status != HistoryStatus::Fail {
                continue;
            }
            let level = Level::Error;
            out.push(Annotation {
                level,
                rank: (1, -verdict.observed.unwrap_or(0.0)),
                line: command(
                    level,
                    config.budget_file,
                    &format!(
                        "perf-gate history {}: {} {}",
                        verdict.rule.as_str(),
                        group.group,
                        verdict.metric
                    ),
                    &super::history::rule_sentence(section, verdict),
                ),
            });
        }
    }
    out
}

/// At most [`MAX_PER_LEVEL`] per level, best ranked first, and a last notice naming how many
/// were left out (it takes the last notice place).
fn capped(mut annotations: Vec<Annotation>) -> String {
    // Stable: equal ranks keep the report's (tool, step, metric) order.
    annotations.sort_by(|left, right| {
        left.level
            .cmp(&right.level)
            .then(left.rank.0.cmp(&right.rank.0))
            .then(left.rank.1.total_cmp(&right.rank.1))
    });
    let count = |level: Level| annotations.iter().filter(|a| a.level == level).count();
    let (errors, warnings, notices) = (
        count(Level::Error),
        count(Level::Warning),
        count(Level::Notice),
    );
    let over = |total: usize, cap: usize| total.saturating_sub(cap);
    let mut left_out = over(errors, MAX_PER_LEVEL) + over(warnings, MAX_PER_LEVEL);
    let notice_cap = if left_out > 0 || notices > MAX_PER_LEVEL {
        MAX_PER_LEVEL - 1
    } else {
        MAX_PER_LEVEL
    };
    left_out += over(notices, notice_cap);
    let mut out = String::new();
    let mut written = [0usize; 3];
    for annotation in &annotations {
        let cap = match annotation.level {
            Level::Notice => notice_cap,
            Level::Error | Level::Warning => MAX_PER_LEVEL,
        };
        let slot = &mut written[annotation.level as usize];
        if *slot < cap {
            *slot += 1;
            out.push_str(&annotation.line);
        }
    }
    if left_out > 0 {
        let detail = [
            (over(errors, MAX_PER_LEVEL), "error"),
            (over(warnings, MAX_PER_LEVEL), "warning"),
            (over(notices, notice_cap), "notice"),
        ]
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, level)| format!("{count} {level}{}", if *count == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ");
        out.push_str(&command(
            Level::Notice,
            None,
            "perf-gate",
            &format!(
                "{left_out} more in the job summary ({detail} beyond GitHub's {MAX_PER_LEVEL} per level)"
            ),
        ));
    }
    out
}

/// `::LEVEL file=F,title=T::MESSAGE` and a newline, escaped.
fn command(level: Level, file: Option<&str>, title: &str, message: &str) -> String {
    let mut line = format!("::{} ", level.command());
    if let Some(file) = file {
        let _ = write!(line, "file={},", escape_property(file));
    }
    let _ = writeln!(
        line,
        "title={}::{}",
        escape_property(title),
        escape_data(message)
    );
    line
}

fn check_annotation(check: &Check, config: &GithubConfig<'_>) -> Option<Annotation> {
    let level = match (check.status, check.severity) {
        (CheckStatus::Fail, _) => Level::Error,
        (
            CheckStatus::InsufficientSamples | CheckStatus::LowConfidence | CheckStatus::NoData,
            Severity::Fail,
        ) => Level::Error,
        (
            CheckStatus::Warn
            | CheckStatus::InsufficientSamples
            | CheckStatus::LowConfidence
            | CheckStatus::NoData,
            Severity::Warn,
        ) => Level::Warning,
        (CheckStatus::Warn, Severity::Fail) => Level::Warning,
        (CheckStatus::Pass, _) if check.marginal => Level::Notice,
        (CheckStatus::Pass, _) => return None,
    };
    let kind = match check.status {
        CheckStatus::Fail | CheckStatus::Warn => 0,
        CheckStatus::Pass => 1,
        CheckStatus::InsufficientSamples | CheckStatus::LowConfidence | CheckStatus::NoData => 2,
    };
    let title = format!(
        "perf-gate {}: {} {}",
        status_word(check.status),
        check.group,
        check.metric_label()
    );
    Some(Annotation {
        level,
        rank: (
            kind,
            -check.relative_difference.unwrap_or(f64::NEG_INFINITY),
        ),
        line: command(
            level,
            config.budget_file,
            &title,
            &check_sentence(check, Symbols::Unicode),
        ),
    })
}

fn status_word(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Fail => "budget exceeded",
        CheckStatus::Warn => "budget exceeded (warning)",
        CheckStatus::InsufficientSamples => "insufficient samples",
        CheckStatus::LowConfidence => "low confidence",
        CheckStatus::NoData => "no data",
        CheckStatus::Pass => "marginal pass",
    }
}

/// One `::error` per regression, a `::notice` per improvement and a `::warning` for a different
/// environment.
fn baseline_annotations(comparison: &Comparison, config: &GithubConfig<'_>) -> Vec<Annotation> {
    let mut out = Vec::new();
    if let Some(warning) = comparison::environment_warning(comparison) {
        out.push(Annotation {
            level: Level::Warning,
            rank: (2, 0.0),
            line: command(
                Level::Warning,
                config.baseline_file,
                "perf-gate baseline environment",
                &warning,
            ),
        });
    }
    for group in &comparison.groups {
        let level = match group.verdict {
            Verdict::Regressed => Level::Error,
            Verdict::Improved => Level::Notice,
            Verdict::Unchanged | Verdict::NotComparable => continue,
        };
        out.push(Annotation {
            level,
            rank: (0, -change_size(group)),
            line: command(
                level,
                config.baseline_file,
                &format!(
                    "perf-gate {}: {}",
                    comparison::verdict_label(group.verdict),
                    comparison::group_label(group)
                ),
                &format!(
                    "{}: {}",
                    comparison::reason_sentence(comparison, group),
                    if group.verdict == Verdict::Regressed {
                        comparison::regression_detail(comparison, group, Symbols::Unicode)
                    } else {
                        comparison::change_detail(comparison, group, Symbols::Unicode)
                    }
                ),
            ),
        });
    }
    for row in comparison::measure_rows_in_display_order(comparison) {
        let level = match row.measure.verdict {
            Verdict::Regressed => Level::Error,
            Verdict::Improved => Level::Notice,
            Verdict::Unchanged | Verdict::NotComparable => continue,
        };
        out.push(Annotation {
            level,
            rank: (0, -row.measure.relative_change.map_or(0.0, f64::abs)),
            line: command(
                level,
                config.baseline_file,
                &format!(
                    "perf-gate {}: {}",
                    comparison::verdict_label(row.measure.verdict),
                    row.label()
                ),
                &format!(
                    "{}: {}",
                    row.reason_sentence(comparison),
                    row.change_detail(Symbols::Unicode)
                ),
            ),
        });
    }
    out
}

/// How far a group moved, whichever way.
fn change_size(group: &GroupComparison) -> f64 {
    group.relative_change.map_or(0.0, f64::abs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotation(level: Level, size: f64) -> Annotation {
        Annotation {
            level,
            rank: (0, -size),
            line: command(level, None, "t", &format!("{size}")),
        }
    }

    #[test]
    fn a_failed_history_rule_is_an_error_naming_the_budget_file() {
        use perf_history::{
            GroupHistory, HistoryRuleVerdict, HistorySection, HistoryStatus, Rule, SeriesPoint,
        };
        let verdict = |rule: Rule, status: HistoryStatus| HistoryRuleVerdict {
            rule,
            metric: "p95".to_owned(),
            status,
            observed: Some(0.5),
            limit: 0.1,
            p_value: Some(0.001),
            runs: 11,
        };
        let section = HistorySection {
            metric: "p95".to_owned(),
            min_magnitude: 0.05,
            alpha: 0.05,
            groups: vec![GroupHistory {
                group: perf_record::GroupKey::new("svc", "get"),
                series: vec![SeriesPoint {
                    run: None,
                    value: 12.0,
                    environment_changed: false,
                }],
                change_points: Vec::new(),
                rules: vec![
                    verdict(Rule::Trend, HistoryStatus::Fail),
                    verdict(Rule::Consecutive, HistoryStatus::Pass),
                ],
            }],
        };
        let config = GithubConfig {
            budget_file: Some("perf-budgets.json"),
            baseline_file: None,
        };
        let lines: Vec<String> = history_annotations(&section, &config)
            .into_iter()
            .map(|annotation| annotation.line)
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with(
                "::error file=perf-budgets.json,title=perf-gate history trend%3A svc/get p95::"
            ),
            "{lines:?}"
        );
    }

    #[test]
    fn at_most_ten_per_level_largest_first_and_a_final_notice() {
        let mut annotations: Vec<Annotation> = (0..25)
            .map(|size| annotation(Level::Error, f64::from(size)))
            .collect();
        annotations.extend((0..3).map(|size| annotation(Level::Notice, f64::from(size))));
        let rendered = capped(annotations);
        let lines: Vec<&str> = rendered.lines().collect();
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::error")).count(),
            10
        );
        assert!(lines[0].ends_with("::24"), "{rendered}");
        assert!(lines[9].ends_with("::15"), "{rendered}");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::notice")).count(),
            4
        );
        assert_eq!(
            lines.last().copied(),
            Some(
                "::notice title=perf-gate::15 more in the job summary (15 errors beyond GitHub's 10 per level)"
            )
        );
    }

    #[test]
    fn a_file_is_named_before_the_title() {
        assert_eq!(
            command(Level::Error, Some("perf, budgets.json"), "a:b", "50%"),
            "::error file=perf%2C budgets.json,title=a%3Ab::50%25\n"
        );
    }
}
