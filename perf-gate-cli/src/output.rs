//! Where output goes: colour decisions, atomic artifact files, the GitHub Actions environment.

use std::io::{IsTerminal as _, Write as _};

use anyhow::{Context as _, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::cli::ColorChoice;

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

/// Writes `contents` to `path` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over `path`. A failed or killed run never leaves a half-written file, and
/// the previous file survives. Creates missing parent directories.
pub fn write_atomically(path: &Utf8Path, contents: &[u8]) -> Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_str().is_empty() => parent.to_path_buf(),
        _ => Utf8PathBuf::from("."),
    };
    std::fs::create_dir_all(&directory)
        .with_context(|| format!("cannot create directory {directory}"))?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".perf-gate-")
        .suffix(".tmp")
        .tempfile_in(&directory)
        .with_context(|| format!("cannot create a temporary file in {directory}"))?;
    // tempfile creates files readable by the owner only; artifacts and budget files are meant
    // to be shared (uploaded, committed), so give them the usual permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("cannot set the permissions of {path}"))?;
    }
    temporary
        .write_all(contents)
        .and_then(|()| temporary.as_file().sync_all())
        .with_context(|| format!("cannot write {path}"))?;
    temporary
        .persist(path)
        .map_err(|error| error.error)
        .with_context(|| format!("cannot replace {path}"))?;
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
    fn atomic_write_creates_directories_and_replaces_the_old_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(directory.path().join("a/b/report.json")).unwrap();
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "the temporary file was not renamed away");
    }

    #[test]
    fn atomic_write_into_a_file_as_directory_fails_with_the_path() {
        let directory = tempfile::tempdir().unwrap();
        let file = Utf8PathBuf::from_path_buf(directory.path().join("plain")).unwrap();
        std::fs::write(&file, "x").unwrap();
        let error = write_atomically(&file.join("report.json"), b"x").unwrap_err();
        assert!(format!("{error:#}").contains("plain"), "{error:#}");
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
