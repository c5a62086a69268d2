//! Helpers for the end-to-end tests of the `perf-gate` binary (the tests live in `tests/tests/`).
//!
//! This package builds its own `perf-gate` binary, a twin of the real one named `perf-gate-dup` (`src/bin/perf-gate-dup.rs`
//! calls `perf_gate_cli::main()`, as nextest's `cargo-nextest-dup` does), so cargo builds it with
//! the tests and hands its path to them as `CARGO_BIN_EXE_perf-gate-dup`: the binary under test is
//! always the current source, with no nested cargo build. [`perf_gate!`] reads that path in the
//! test that calls it.
//!
//! In a test of this package (`tests/tests/*.rs`):
//!
//! ```text
//! let output = tests::perf_gate!().arg("--version").output().unwrap();
//! assert!(output.status.success());
//! ```

use std::path::Path;

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

/// A `perf-gate` command (see [`command`]) running this package's twin binary. Use it in the
/// integration tests of this package, where cargo sets `CARGO_BIN_EXE_perf-gate-dup`.
#[macro_export]
macro_rules! perf_gate {
    () => {
        $crate::command(env!("CARGO_BIN_EXE_perf-gate-dup"))
    };
}

/// The `perf-gate` binary at `binary` as a command with a clean environment: no colour, not in
/// GitHub Actions, no `PERF_GATE_*` defaults, run in the workspace root (so relative paths in reports are stable).
pub fn command(binary: impl AsRef<Path>) -> Command {
    let mut command = Command::new(binary.as_ref());
    command
        .current_dir(workspace_root())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("PERF_GATE_BUDGETS")
        .env_remove("PERF_GATE_BASELINE")
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
pub fn stdout_of(mut perf_gate: Command, arguments: &[&str], expected_code: i32) -> String {
    let output = match perf_gate.args(arguments).output() {
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

/// The names of the entries of `directory`, sorted (what a run left there).
///
/// # Panics
///
/// When the directory cannot be read.
pub fn sorted_entries(directory: &Utf8Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .unwrap_or_else(|error| panic!("{directory}: {error}"))
        .map(|entry| {
            let entry = entry.unwrap_or_else(|error| panic!("{directory}: {error}"));
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    names
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
