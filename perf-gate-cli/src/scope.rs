//! `--tools` / `--steps` on `evaluate` and `gate`: the records read *and* the checks reported.
//!
//! perf-collect applies the filter to the records; without this step every budget entry of a
//! tool left out by `--tools` would report "no data" and make the run inconclusive (exit 2).
//!
//! FIXME: a scope parameter of `perf_budget::evaluate` would make this unnecessary.

use anyhow::{Context as _, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use perf_budget::{CheckCounts, LintFinding, Pattern, Report, Verdict};

use crate::cli::FilterArgs;

/// Names a filter keeps: `None` keeps every name.
struct NameSet(Option<GlobSet>);

impl NameSet {
    fn new(option: &str, patterns: &[String]) -> Result<Self> {
        if patterns.is_empty() {
            return Ok(Self(None));
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = Glob::new(pattern)
                .with_context(|| format!("{option} pattern {pattern:?} is not a valid glob"))?;
            builder.add(glob);
        }
        Ok(Self(Some(builder.build()?)))
    }

    fn keeps(&self, name: &str) -> bool {
        self.0.as_ref().is_none_or(|set| set.is_match(name))
    }

    fn keeps_pattern(&self, pattern: &Pattern) -> bool {
        match pattern {
            Pattern::Any => true,
            Pattern::Exact(name) => self.keeps(name),
        }
    }
}

/// Drops the checks and lint findings of tools and steps the filter leaves out, and recomputes
/// the counts and the verdict (a baseline regression still fails).
pub fn restrict(report: &mut Report, filter: &FilterArgs) -> Result<()> {
    if filter.tools.is_empty() && filter.steps.is_empty() {
        return Ok(());
    }
    let tools = NameSet::new("--tools", &filter.tools)?;
    let steps = NameSet::new("--steps", &filter.steps)?;
    report
        .checks
        .retain(|check| tools.keeps(&check.tool) && steps.keeps(&check.step));
    report.lint.retain(|finding| match finding {
        LintFinding::UnusedEntry { entry, .. } => {
            tools.keeps_pattern(&entry.tool) && steps.keeps_pattern(&entry.step)
        }
        LintFinding::UncoveredGroup { tool, step, .. }
        | LintFinding::TooFewSamples { tool, step, .. } => tools.keeps(tool) && steps.keeps(step),
    });
    report.counts = CheckCounts::of(&report.checks);
    let regressed = report
        .baseline
        .as_ref()
        .is_some_and(|comparison| comparison.has_regression());
    let checks_verdict = Verdict::of_checks(&report.checks);
    report.verdict = if regressed {
        checks_verdict.worst(Verdict::Fail)
    } else {
        checks_verdict
    };
    Ok(())
}
