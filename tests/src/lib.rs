//! Helpers for the end-to-end tests of the `perf-gate` binary (the tests live in `tests/tests/`).
//!
//! Cargo hands `CARGO_BIN_EXE_<name>` only to a binary's own package, so this crate builds
//! `perf-gate` itself, once per test process, with the cargo that runs the tests: the binary
//! under test is always the current source, whichever package's tests are run.
//!
//! ```no_run
//! let output = tests::perf_gate().arg("--version").output().unwrap();
//! assert!(output.status.success());
//! ```

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};

/// The workspace root (this crate lives one level below it).
pub fn workspace_root() -> &'static Utf8Path {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Utf8Path::new("."))
}

/// A path inside the workspace.
pub fn workspace_path(relative: &str) -> Utf8PathBuf {
    workspace_root().join(relative)
}

/// The path of a freshly built `perf-gate` binary.
///
/// # Panics
///
/// When the binary cannot be built: a test cannot go on without it.
pub fn perf_gate_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| match build_perf_gate() {
        Ok(path) => path,
        Err(message) => panic!("cannot build perf-gate: {message}"),
    })
}

fn build_perf_gate() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = StdCommand::new(cargo);
    build
        .current_dir(workspace_root())
        .args(["build", "--package", "perf-gate-cli", "--bin", "perf-gate"])
        .arg("--message-format=json-render-diagnostics");
    if built_in_release() {
        build.arg("--release");
    }
    let output = build.output().map_err(|error| error.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "perf-gate")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo reported no perf-gate executable".to_owned())
}

/// Whether this test binary was built with the release profile (then so is perf-gate).
fn built_in_release() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
        .is_some_and(|profile_dir| profile_dir.ends_with("release"))
}

/// A `perf-gate` command with a clean environment: no colour, not in GitHub Actions, run in the
/// workspace root (so relative paths in reports are stable).
pub fn perf_gate() -> Command {
    let mut command = Command::new(perf_gate_binary());
    command
        .current_dir(workspace_root())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1");
    command
}

/// A temporary directory with a UTF-8 path.
pub struct TempTree {
    directory: tempfile::TempDir,
}

impl TempTree {
    /// A new empty directory, removed when this value is dropped.
    ///
    /// # Panics
    ///
    /// When no temporary directory can be made.
    pub fn new() -> Self {
        match tempfile::tempdir() {
            Ok(directory) => Self { directory },
            Err(error) => panic!("cannot create a temporary directory: {error}"),
        }
    }

    /// The directory.
    ///
    /// # Panics
    ///
    /// When the temporary directory's path is not UTF-8.
    pub fn path(&self) -> &Utf8Path {
        match Utf8Path::from_path(self.directory.path()) {
            Some(path) => path,
            None => panic!("temporary directory path is not UTF-8"),
        }
    }

    /// Writes `contents` to `relative` inside the tree, creating directories; returns its path.
    ///
    /// # Panics
    ///
    /// When the file cannot be written.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> Utf8PathBuf {
        let path = self.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|error| panic!("{parent}: {error}"));
        }
        std::fs::write(&path, contents).unwrap_or_else(|error| panic!("{path}: {error}"));
        path
    }
}

impl Default for TempTree {
    fn default() -> Self {
        Self::new()
    }
}

/// `count` JSONL records of tool `svc`, step `get`, all `ok`, with latency `ms(i)` for the i-th.
pub fn svc_get_lines(count: u32, ms: impl Fn(u32) -> f64) -> String {
    (0..count)
        .map(|i| {
            format!(
                "{{\"ts\":\"2025-10-16T10:{:02}:{:02}.000Z\",\"sessionId\":\"s{}\",\"tool\":\"svc\",\"step\":\"get\",\"ms\":{},\"ok\":true}}\n",
                i / 60 % 60,
                i % 60,
                i / 10,
                ms(i)
            )
        })
        .collect()
}

/// Runs `perf-gate arguments...`, checks its exit code and returns its stdout.
///
/// # Panics
///
/// When perf-gate cannot run, exits with another code (stderr is shown), or prints non-UTF-8.
pub fn stdout_of(arguments: &[&str], expected_code: i32) -> String {
    let output = match perf_gate().args(arguments).output() {
        Ok(output) => output,
        Err(error) => panic!("cannot run perf-gate: {error}"),
    };
    assert_eq!(
        output.status.code(),
        Some(expected_code),
        "perf-gate {arguments:?}; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    match String::from_utf8(output.stdout) {
        Ok(stdout) => stdout,
        Err(error) => panic!("stdout is not UTF-8: {error}"),
    }
}

/// `text` with every `sha256:<hex>` content hash replaced by `sha256:[hash]`.
///
/// A baseline's hash covers its environment fingerprint (CPU model, core count), so it differs
/// between machines; snapshots must not.
pub fn redact_hashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(position) = rest.find("sha256:") {
        let (before, after) = rest.split_at(position + "sha256:".len());
        out.push_str(before);
        let hex_length = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex_length > 0 {
            out.push_str("[hash]");
        }
        rest = &after[hex_length..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redact_hashes("baseline sha256:3ae39f25954f): 1 sha256: x"),
            "baseline sha256:[hash]): 1 sha256: x"
        );
    }
}
