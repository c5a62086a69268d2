//! Where output goes: colour decisions, atomic artifact files, the GitHub Actions environment.

use std::io::Write as _;

use anyhow::{Context as _, Result};
use camino::{Utf8Path, Utf8PathBuf};

use perf_report::Report;
use perf_report::render::openmetrics::ExpositionFormat;
use perf_report::render::{github, html, json, junit, markdown, openmetrics, text};

use crate::cli::{ColorChoice, ReportFormat};

/// How a command renders its report, whatever the format.
#[derive(Debug, Clone, Copy)]
pub struct Rendering<'a> {
    /// Colour the text report.
    pub color: bool,
    /// `--max-bytes`: the largest Markdown report.
    pub max_bytes: usize,
    /// The budget and baseline files, for the `file=` of GitHub annotations.
    pub files: github::GithubConfig<'a>,
}

impl Rendering<'_> {
    /// The same without colour, for files.
    fn plain(self) -> Self {
        Rendering {
            color: false,
            ..self
        }
    }
}

/// A report rendered in `format`.
pub fn render_report(
    report: &Report,
    format: ReportFormat,
    rendering: Rendering<'_>,
) -> Result<String> {
    Ok(match format {
        ReportFormat::Text => text::render(
            report,
            &text::TextConfig {
                color: rendering.color,
            },
        ),
        ReportFormat::Json => json::render(report)?,
        ReportFormat::Markdown => markdown::render(
            report,
            &markdown::MarkdownConfig {
                max_bytes: rendering.max_bytes,
            },
        ),
        ReportFormat::Junit => junit::render(report),
        ReportFormat::Github => github::render(report, &rendering.files),
        ReportFormat::Openmetrics => openmetrics::render(report, ExpositionFormat::OpenMetrics),
        ReportFormat::Prometheus => openmetrics::render(report, ExpositionFormat::Prometheus),
        ReportFormat::Html => html::render(report),
    })
}

/// `report.json`, `report.md` (at most `--max-bytes`), `junit.xml`, `metrics.txt` (OpenMetrics)
/// and `report.html` in `out_dir`, each written atomically. They are rendered and written side
/// by side (each write waits for its own fsyncs); every one is attempted, and the first error in
/// that order is returned.
pub fn write_artifacts(
    out_dir: &Utf8Path,
    report: &Report,
    rendering: Rendering<'_>,
) -> Result<()> {
    const ARTIFACTS: [(&str, ReportFormat); 5] = [
        ("report.json", ReportFormat::Json),
        ("report.md", ReportFormat::Markdown),
        ("junit.xml", ReportFormat::Junit),
        ("metrics.txt", ReportFormat::Openmetrics),
        ("report.html", ReportFormat::Html),
    ];
    let rendering = rendering.plain();
    let written: Vec<Result<()>> = std::thread::scope(|scope| {
        let writers: Vec<_> = ARTIFACTS
            .map(|(name, format)| {
                scope.spawn(move || {
                    write_file(
                        &out_dir.join(name),
                        &render_report(report, format, rendering)?,
                    )
                })
            })
            .into_iter()
            .collect();
        writers
            .into_iter()
            .map(|writer| {
                writer
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    written.into_iter().collect()
}

/// The `--out-dir` of `gate`: the run's files (reports, `latest.jsonl`, `probe.jsonl`,
/// `run.jsonl`) are written into a fresh sibling directory and swapped in as one set at
/// [`commit`](Self::commit) ([`perf_record::StagedDirectory`]), so the reports never disagree
/// with each other, whatever fails or kills the run. A run that fails before the commit leaves
/// the previous set in place.
///
/// The staged directory holds [`perf_collect::ARTIFACTS_TAG`] from the start, so that a walk of
/// the tree never reads the records written there as logs, before or after the swap.
pub struct ArtifactsDirectory {
    out_dir: Utf8PathBuf,
    staged: perf_record::StagedDirectory,
}

impl ArtifactsDirectory {
    /// Starts the set that will replace `out_dir`'s.
    pub fn stage(out_dir: &Utf8Path) -> Result<Self> {
        let staged = perf_record::StagedDirectory::new(out_dir)?;
        write_file(
            &staged.path().join(perf_collect::ARTIFACTS_TAG),
            perf_collect::ARTIFACTS_TAG_TEXT,
        )?;
        Ok(ArtifactsDirectory {
            out_dir: out_dir.to_path_buf(),
            staged,
        })
    }

    /// Where the run writes the artifact `name` (in the staged set).
    pub fn staged(&self, name: &str) -> Utf8PathBuf {
        self.staged.path().join(name)
    }

    /// The staged set's directory.
    pub fn staged_directory(&self) -> &Utf8Path {
        self.staged.path()
    }

    /// Where the artifact `name` is once committed (what messages show).
    pub fn committed(&self, name: &str) -> Utf8PathBuf {
        self.out_dir.join(name)
    }

    /// Swaps the staged set in; says so on stderr when the file system allowed only a file
    /// by file replacement.
    pub fn commit(self, diagnostics: crate::diagnostics::Diagnostics) -> Result<()> {
        let shown = perf_report::render::escape::line(self.out_dir.as_str());
        match self.staged.commit()? {
            perf_record::Replacement::Swapped => {}
            perf_record::Replacement::FileByFile(refusal) => diagnostics.note(&format!(
                "note: the artifacts in {shown} were replaced file by file, not as one set: {}",
                perf_report::render::escape::line(&refusal.to_string())
            )),
        }
        Ok(())
    }
}

/// The Markdown of the GitHub job summary: up to GitHub's 1 MiB, whatever `--max-bytes` says
/// for `report.md`.
pub fn job_summary(report: &Report) -> String {
    markdown::render(
        report,
        &markdown::MarkdownConfig {
            max_bytes: markdown::JOB_SUMMARY_MAX_BYTES,
        },
    )
}

/// Whether to colour what goes to stdout.
///
/// `always` and `never` are explicit and win over the environment. `auto` asks anstream (the
/// crate clap colours its help with): never with `NO_COLOR` set and not empty
/// (<https://no-color.org>) or `CLICOLOR=0`; always with `CLICOLOR_FORCE` set and not `0`;
/// otherwise only when stdout is a terminal whose `TERM` is not `dumb`
/// (<https://bixense.com/clicolors/>).
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
        }
    }
}

/// `path` as GitHub wants it in an annotation's `file=`: relative to the repository
/// (`GITHUB_WORKSPACE`) when it is an absolute path inside it, else as given.
pub fn annotation_path(path: &Utf8Path) -> String {
    std::env::var("GITHUB_WORKSPACE")
        .ok()
        .and_then(|workspace| {
            path.strip_prefix(&workspace)
                .ok()
                .map(|relative| relative.to_string())
        })
        .unwrap_or_else(|| path.to_string())
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
