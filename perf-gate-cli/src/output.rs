//! Where output goes: colour decisions, atomic artifact files, the GitHub Actions environment.

use std::io::{IsTerminal as _, Write as _};

use anyhow::{Context as _, Result};
use camino::{Utf8Path, Utf8PathBuf};

use perf_report::Report;
use perf_report::render::openmetrics::ExpositionFormat;
use perf_report::render::{github, html, json, junit, markdown, openmetrics, text};

use crate::cli::{ColorChoice, ReportFormat};

/// A report rendered in `format`; `color` only affects text.
pub fn render_report(report: &Report, format: ReportFormat, color: bool) -> Result<String> {
    Ok(match format {
        ReportFormat::Text => text::render(report, &text::TextConfig { color }),
        ReportFormat::Json => json::render(report)?,
        ReportFormat::Markdown => markdown::render(report, &markdown::MarkdownConfig::default()),
        ReportFormat::Junit => junit::render(report),
        ReportFormat::Github => github::render(report),
        ReportFormat::Openmetrics => openmetrics::render(report, ExpositionFormat::OpenMetrics),
        ReportFormat::Prometheus => openmetrics::render(report, ExpositionFormat::Prometheus),
        ReportFormat::Html => html::render(report),
    })
}

/// `report.json`, `report.md`, `junit.xml`, `metrics.txt` (OpenMetrics) and `report.html` in
/// `out_dir`, each written atomically; returns the Markdown, which the GitHub step summary
/// reuses.
pub fn write_artifacts(out_dir: &Utf8Path, report: &Report) -> Result<String> {
    let markdown = render_report(report, ReportFormat::Markdown, false)?;
    write_file(
        &out_dir.join("report.json"),
        &render_report(report, ReportFormat::Json, false)?,
    )?;
    write_file(&out_dir.join("report.md"), &markdown)?;
    write_file(
        &out_dir.join("junit.xml"),
        &render_report(report, ReportFormat::Junit, false)?,
    )?;
    write_file(
        &out_dir.join("metrics.txt"),
        &render_report(report, ReportFormat::Openmetrics, false)?,
    )?;
    write_file(
        &out_dir.join("report.html"),
        &render_report(report, ReportFormat::Html, false)?,
    )?;
    Ok(markdown)
}

/// Whether to colour what goes to stdout.
///
/// `auto` colours only when stdout is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>); `always` and `never` are explicit and win over `NO_COLOR`.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
            !no_color && std::io::stdout().is_terminal()
        }
    }
}

/// Writes `contents` to `path` through the one atomic writer
/// ([`perf_record::write_atomically`]: temp file, fsync, rename, directory fsync, mode 0644).
pub fn write_file(path: &Utf8Path, contents: &str) -> Result<()> {
    perf_record::write_atomically(path, |out| out.write_all(contents.as_bytes()))?;
    Ok(())
}

/// What the GitHub Actions runner tells a step about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubActions {
    /// `$GITHUB_STEP_SUMMARY`: the file a step appends Markdown to.
    pub step_summary: Option<Utf8PathBuf>,
}

impl GithubActions {
    /// `Some` when running inside GitHub Actions (`GITHUB_ACTIONS=true`).
    pub fn detect() -> Option<Self> {
        if std::env::var("GITHUB_ACTIONS").ok().as_deref() != Some("true") {
            return None;
        }
        let step_summary = std::env::var("GITHUB_STEP_SUMMARY")
            .ok()
            .filter(|path| !path.is_empty())
            .map(Utf8PathBuf::from);
        Some(Self { step_summary })
    }

    /// Appends `markdown` to the job summary, when the runner gave one.
    pub fn append_step_summary(&self, markdown: &str) -> Result<()> {
        let Some(path) = &self.step_summary else {
            return Ok(());
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open the GitHub step summary {path}"))?;
        file.write_all(markdown.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .with_context(|| format!("cannot append to the GitHub step summary {path}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_color_choices_win() {
        assert!(use_color(ColorChoice::Always));
        assert!(!use_color(ColorChoice::Never));
    }

    #[test]
    fn step_summary_is_appended() {
        let directory = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(directory.path().join("summary.md")).unwrap();
        let github = GithubActions {
            step_summary: Some(path.clone()),
        };
        github.append_step_summary("# one").unwrap();
        github.append_step_summary("# two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# one\n# two\n");
    }
}
