//! GitHub-flavoured Markdown for job summaries and pull-request comments.
//!
//! A table of status, group, metric, observed, budget, difference and sample count, violations
//! first. The output stays under [`MarkdownConfig::max_bytes`] (GitHub's 1 MiB job-summary
//! limit by default) by dropping passing rows first, with a note saying how many were dropped.
//! Every string that came from a log is escaped with [`escape`], so a tool or step name cannot
//! break the table, inject HTML or create a link.

use std::fmt::Write as _;

use super::{
    checks_in_display_order, counts_sentence, detail_text, lint_sentence, marginal_text,
    observed_text,
};
use crate::report::{Check, CheckStatus, Report};

/// GitHub's limit on a job summary: 1 MiB.
pub const MARKDOWN_MAX_BYTES: usize = 1024 * 1024;

/// How to render Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkdownConfig {
    /// Upper bound on the output size in bytes (default [`MARKDOWN_MAX_BYTES`]). Passing rows
    /// are dropped first, then lint findings, then warnings, then the remaining rows; the title,
    /// the counts and the notes about what was dropped always stay.
    pub max_bytes: usize,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            max_bytes: MARKDOWN_MAX_BYTES,
        }
    }
}

/// Room kept for the "rows omitted" notes, so they always fit.
const NOTE_RESERVE: usize = 512;

const TABLE_HEADER: &str = "| Status | Group | Metric | Observed | Budget | Difference | n |\n\
                            | --- | --- | --- | ---: | ---: | --- | ---: |\n";

/// Renders the whole report. Ends with a newline.
pub fn render(report: &Report, config: &MarkdownConfig) -> String {
    let head = format!(
        "## perf-gate: {}\n\n{}\n",
        report.verdict.label(),
        counts_sentence(report)
    );
    let checks = checks_in_display_order(report);
    let (passing, violating): (Vec<&Check>, Vec<&Check>) = checks
        .into_iter()
        .partition(|check| check.status == CheckStatus::Pass);
    let violating_rows: Vec<String> = violating.iter().map(|check| check_row(check)).collect();
    let passing_rows: Vec<String> = passing.iter().map(|check| check_row(check)).collect();
    let lint_items: Vec<String> = report
        .lint
        .iter()
        .map(|finding| format!("- {}\n", lint_sentence(finding, &escape)))
        .collect();
    let warning_items: Vec<String> = report
        .warnings
        .iter()
        .map(|warning| {
            format!(
                "- {}: {}\n",
                escape(&warning.code),
                escape(&warning.message)
            )
        })
        .collect();

    // The baseline comparison gets at most a quarter of the bytes, and only what it uses.
    let baseline_section = super::baseline::markdown_section(report, config.max_bytes / 4);
    // Spend the byte budget by priority; what does not fit is dropped from the end of its list.
    let mut budget = config.max_bytes.saturating_sub(
        head.len()
            + TABLE_HEADER.len()
            + 2 * "\n### Warnings\n\n".len()
            + NOTE_RESERVE
            + baseline_section.len(),
    );
    let kept_violating = take_within(&violating_rows, &mut budget);
    let kept_warnings = take_within(&warning_items, &mut budget);
    let kept_lint = take_within(&lint_items, &mut budget);
    let kept_passing = take_within(&passing_rows, &mut budget);

    let mut out = head;
    if !violating_rows.is_empty() || !passing_rows.is_empty() {
        out.push('\n');
        out.push_str(TABLE_HEADER);
        out.extend(violating_rows[..kept_violating].iter().map(String::as_str));
        out.extend(passing_rows[..kept_passing].iter().map(String::as_str));
        let dropped_passing = passing_rows.len() - kept_passing;
        let dropped_violating = violating_rows.len() - kept_violating;
        if dropped_passing > 0 || dropped_violating > 0 {
            let _ = write!(
                out,
                "\n_{dropped_passing} passing row(s) and {dropped_violating} other row(s) omitted to keep this \
                 report under {} bytes; the JSON report has every check._\n",
                config.max_bytes
            );
        }
    }
    out.push_str(&list_section("Lint", &lint_items, kept_lint));
    out.push_str(&list_section("Warnings", &warning_items, kept_warnings));
    out.push_str(&baseline_section);
    out
}

/// How many leading items fit in `budget`, which is reduced by their size.
fn take_within(items: &[String], budget: &mut usize) -> usize {
    let mut kept = 0;
    for item in items {
        if item.len() > *budget {
            break;
        }
        *budget -= item.len();
        kept += 1;
    }
    kept
}

fn list_section(title: &str, items: &[String], kept: usize) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("\n### {title}\n\n");
    out.extend(items[..kept].iter().map(String::as_str));
    if kept < items.len() {
        let _ = writeln!(
            out,
            "- _{} more omitted to keep this report small._",
            items.len() - kept
        );
    }
    out
}

fn check_row(check: &Check) -> String {
    let status = match check.status {
        CheckStatus::Fail => "**FAIL**",
        CheckStatus::Warn => "**WARN**",
        CheckStatus::InsufficientSamples => "INSUFFICIENT SAMPLES",
        CheckStatus::NoData => "NO DATA",
        CheckStatus::Pass => "OK",
    };
    let mut difference = detail_text(check);
    if let Some(marginal) = marginal_text(check) {
        difference.push_str("; ");
        difference.push_str(&marginal);
    }
    // Only the names come from logs; every other cell is built from numbers and fixed words
    // that contain no Markdown syntax (`<` is always followed by a space or `=`).
    format!(
        "| {status} | {}/{} | {} | {} | {} | {difference} | {} |\n",
        escape(&check.tool),
        escape(&check.step),
        check.metric,
        observed_text(check),
        super::format_value(check.limit, check.unit),
        check.sample_count
    )
}

/// Escapes text for a Markdown table cell or list item so it renders literally.
///
/// ASCII letters, digits, space and `-+,=()/'%` pass through. Every other ASCII punctuation
/// character becomes an HTML character reference (so `|` cannot end a cell, `<` cannot open a
/// tag, `[`/`]`/`(` cannot form a link, `:`/`.`/`@` cannot form an autolink, and `` ` ``, `*`,
/// `_`, `~`, `\` lose their meaning). Control, bidirectional-override and zero-width characters become a visible `\u{..}`. Other
/// Unicode passes through.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            'a'..='z' | 'A'..='Z' | '0'..='9' | ' ' | '-' | '+' | ',' | '=' | '/' | '\'' | '%' => {
                out.push(character)
            }
            // `(` and `)` are safe only because `[` and `]` are always escaped.
            '(' | ')' => out.push(character),
            '!'..='~' => {
                let _ = write!(out, "&#{};", u32::from(character));
            }
            // Bidirectional overrides and zero-width characters could disguise a name.
            control
                if control.is_control()
                    || matches!(control, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}') =>
            {
                let _ = write!(out, "&#92;u{{{:x}}}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_table_html_and_link_syntax() {
        assert_eq!(escape("a|b"), "a&#124;b");
        assert_eq!(escape("<script>"), "&#60;script&#62;");
        assert_eq!(escape("[x](http://e)"), "&#91;x&#93;(http&#58;//e)");
        assert_eq!(escape("`code`"), "&#96;code&#96;");
        assert_eq!(escape("a\nb"), "a&#92;u{a}b");
        assert_eq!(escape("www.example.com"), "www&#46;example&#46;com");
        assert_eq!(escape("café 50%"), "café 50%");
        assert_eq!(escape("a\u{202e}b"), "a&#92;u{202e}b");
    }

    #[test]
    fn take_within_stops_at_the_first_item_that_does_not_fit() {
        let items = vec!["aaaa".to_owned(), "bb".to_owned(), "c".to_owned()];
        let mut budget = 5;
        assert_eq!(take_within(&items, &mut budget), 1);
        assert_eq!(budget, 1);
    }
}
