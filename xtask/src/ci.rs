//! `cargo xtask ci`: exactly what `.ci/run` runs, for people who prefer cargo to bash.

use std::process::Command;

use anyhow::{Result, bail};
use camino::Utf8Path;

/// The cargo that runs us (so toolchain overrides carry through), or `cargo` from `PATH`.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `command` in `workspace`, echoing it, and fails if it fails.
pub fn run_step(workspace: &Utf8Path, mut command: Command) -> Result<()> {
    command.current_dir(workspace);
    eprintln!("$ {}", describe(&command));
    let status = command.status()?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(&command));
    }
    Ok(())
}

fn describe(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    words.join(" ")
}

/// The steps of `.ci/run`, in order.
pub fn steps() -> Vec<Command> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    let recorder = |features: &[&str]| {
        let mut clippy = cargo();
        clippy.args(["clippy", "-p", "perf-recorder", "--lib", "--locked"]);
        clippy.args(features);
        clippy.args(["--", "-D", "warnings"]);
        clippy
    };
    let recorder_bare = recorder(&["--no-default-features"]);
    let recorder_tracing = recorder(&["--features", "tracing"]);
    let recorder_tower = recorder(&["--features", "tower"]);
    let mut doc = cargo();
    doc.args(["doc", "--workspace", "--no-deps", "--locked"])
        .env("RUSTDOCFLAGS", "-D warnings");
    let mut fuzz = cargo();
    fuzz.args(["check", "--manifest-path", "fuzz/Cargo.toml", "--locked"]);
    let mut test = cargo();
    test.args(["test", "--workspace", "--locked"]);
    vec![
        fmt,
        clippy,
        recorder_bare,
        recorder_tracing,
        recorder_tower,
        doc,
        fuzz,
        test,
    ]
}

/// `cargo xtask ci`.
pub fn run(workspace: &Utf8Path) -> Result<()> {
    for step in steps() {
        run_step(workspace, step)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_match_the_ci_script() {
        let script = include_str!("../../.ci/run");
        for step in steps() {
            let line = describe(&step);
            let args = line
                .split_once(' ')
                .map(|(_, args)| args)
                .unwrap_or_default();
            assert!(
                script.contains(&format!("cargo {args}")),
                "`.ci/run` does not run `{line}`"
            );
        }
    }
}
