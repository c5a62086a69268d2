//! The command line itself: help, version, and usage errors exiting 1 (never clap's 2, which
//! means "insufficient samples" in perf-gate's exit-code contract).

use predicates::prelude::*;
use tests::perf_gate;

const COMMANDS: [&[&str]; 14] = [
    &[],
    &["baseline"],
    &["collect"],
    &["summarize"],
    &["evaluate"],
    &["gate"],
    &["normalize"],
    &["lint"],
    &["probe"],
    &["import"],
    &["completions"],
    &["baseline", "save"],
    &["baseline", "compare"],
    &["baseline", "ratchet"],
];

#[test]
fn every_command_help_shows_an_example_and_exits_zero() {
    for command in COMMANDS {
        perf_gate!()
            .args(command)
            .arg("--help")
            .assert()
            .code(0)
            .stdout(predicate::str::contains("Example:\n  perf-gate "))
            .stdout(predicate::function(|help: &str| {
                // The example is one line that can be copied whole: never wrapped.
                help.split_once("Example:\n")
                    .is_some_and(|(_, example)| example.trim_end().lines().count() == 1)
            }))
            .stderr("");
    }
}

#[test]
fn version_prints_the_package_version() {
    perf_gate!()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(format!("perf-gate {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_command_is_a_usage_error_exiting_1() {
    perf_gate!()
        .arg("frobnicate")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error: unrecognized subcommand 'frobnicate'",
        ));
}

#[test]
fn missing_required_option_exits_1() {
    perf_gate!()
        .args(["baseline", "compare", "examples/logs"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--baseline <FILE>"));
}

#[test]
fn missing_input_exits_1() {
    perf_gate!()
        .args(["gate", "--budgets", "examples/budgets-pass.json"])
        .assert()
        .code(1);
}

#[test]
fn invalid_option_value_exits_1() {
    perf_gate!()
        .args(["--color", "sometimes", "summarize", "examples/logs"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid value 'sometimes'"));
    perf_gate!()
        .args(["summarize", "examples/logs", "--format", "yaml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid value 'yaml'"));
}

#[test]
fn no_command_prints_usage_and_exits_1() {
    perf_gate!()
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Usage: perf-gate"));
}

#[test]
fn quiet_and_verbose_conflict() {
    perf_gate!()
        .args(["--quiet", "--verbose", "summarize", "examples/logs"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot be used with"));
}

/// `--tolerance 5` used to run as a 500% tolerance while `"regression": 5` in a budget file was
/// rejected: one fraction parser now refuses both, and says what to write.
#[test]
fn a_bare_tolerance_above_one_is_refused_with_the_hint() {
    perf_gate!()
        .args([
            "baseline",
            "compare",
            "examples/logs",
            "--baseline",
            "examples/baseline.json",
            "--tolerance",
            "5",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("write 5%"));
}

#[test]
fn completions_are_generated_for_every_shell_from_the_real_definition() {
    for (shell, marker) in [
        ("bash", "complete -F _perf__gate"),
        ("zsh", "#compdef perf-gate"),
        ("fish", "complete -c perf-gate"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[perf-gate]"),
    ] {
        perf_gate!()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("baseline-if-exists"));
    }
    perf_gate!().args(["completions", "tcsh"]).assert().code(1);
}
