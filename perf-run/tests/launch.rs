//! perf-run against real processes, through the real `perf-run-helper` binary.

// Helpers outside #[test] functions may fail loudly: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::ffi::OsString;
use std::time::Duration;

use perf_record::{Line, Outcome, parse_line};
use perf_run::{
    CgroupParent, CommandSpec, Helper, MemoryChoice, Plan, RssMethod, RunConfig, RunError,
};

fn config(memory: MemoryChoice) -> RunConfig {
    RunConfig {
        helper: Helper {
            program: env!("CARGO_BIN_EXE_perf-run-helper").into(),
            leading_args: Vec::new(),
        },
        memory,
        session_id: "test".to_owned(),
        show_output: false,
    }
}

fn command(step: &str, argv: &[&str]) -> CommandSpec {
    let mut spec = CommandSpec::new(argv.iter().map(OsString::from).collect());
    spec.step = step.to_owned();
    spec
}

fn sh(step: &str, script: &str) -> CommandSpec {
    command(step, &["sh", "-c", script])
}

/// Runs `plan` and returns the records' lines, parsed.
fn run(plan: &Plan, memory: MemoryChoice) -> (perf_run::RunOutcome, Vec<serde_like::Line>) {
    let mut out = Vec::new();
    let outcome = perf_run::run(plan, &config(memory), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines = text.lines().map(serde_like::Line::new).collect();
    (outcome, lines)
}

/// Just enough of a record line for the assertions, read with perf-record's own parser plus a
/// look at the extra fields.
mod serde_like {
    #[derive(Debug)]
    pub struct Line {
        pub text: String,
    }

    impl Line {
        pub fn new(text: &str) -> Line {
            Line {
                text: text.to_owned(),
            }
        }

        /// The number after `"name":` in the line.
        pub fn number(&self, name: &str) -> f64 {
            let key = format!("\"{name}\":");
            let start = self
                .text
                .find(&key)
                .unwrap_or_else(|| panic!("{name} in {}", self.text))
                + key.len();
            let rest = &self.text[start..];
            let end = rest.find([',', '}']).unwrap();
            rest[..end].parse().unwrap()
        }

        /// The string after `"name":` in the line.
        pub fn string(&self, name: &str) -> Option<String> {
            let key = format!("\"{name}\":\"");
            let start = self.text.find(&key)? + key.len();
            let rest = &self.text[start..];
            Some(rest[..rest.find('"')?].to_owned())
        }
    }
}

#[test]
fn exit_codes_and_signals_map_to_outcomes() {
    let mut plan = Plan::new(vec![
        sh("ok", "exit 0"),
        sh("three", "exit 3"),
        sh("killed", "kill -9 $$"),
        sh("terminated", "kill -TERM $$"),
    ]);
    plan.runs = 1;
    plan.warmup = 0;
    let (outcome, lines) = run(&plan, MemoryChoice::Helper);
    let outcomes: Vec<String> = lines
        .iter()
        .map(|line| match parse_line(line.text.as_bytes()).unwrap() {
            Line::Record(record) => match record.outcome {
                Outcome::Success => "ok".to_owned(),
                Outcome::Error(reason) => reason.unwrap_or_default().into_owned(),
                Outcome::Unknown => "unknown".to_owned(),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(outcomes, ["ok", "exit 3", "signal 9", "signal 15"]);
    assert_eq!(lines[0].number("exitCode"), 0.0);
    assert_eq!(lines[1].number("exitCode"), 3.0);
    assert_eq!(lines[2].number("signal"), 9.0);
    assert_eq!(outcome.commands[1].errors, [("exit 3".to_owned(), 1)]);
    assert_eq!(outcome.commands[0].ok, 1);
}

#[test]
fn runs_are_interleaved_round_by_round_after_the_warm_up() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace");
    let append = |name: &str| sh(name, &format!("echo {name} >> '{}'", trace.display()));
    let mut plan = Plan::new(vec![append("a"), append("b"), append("c")]);
    plan.runs = 3;
    plan.warmup = 1;
    let (outcome, lines) = run(&plan, MemoryChoice::Helper);
    // The commands themselves saw this order.
    let seen = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(seen.split_whitespace().collect::<String>(), "abcabcabcabc");
    // One record per run, in the same order; the first round is the warm-up.
    let steps: Vec<String> = lines
        .iter()
        .map(|line| line.string("step").unwrap())
        .collect();
    assert_eq!(steps.concat(), "abcabcabcabc");
    let phases: Vec<Option<String>> = lines.iter().map(|line| line.string("phase")).collect();
    assert!(
        phases[..3]
            .iter()
            .all(|phase| phase.as_deref() == Some("warmup"))
    );
    assert!(phases[3..].iter().all(Option::is_none));
    let runs: Vec<f64> = lines.iter().map(|line| line.number("run")).collect();
    assert_eq!(runs, [1., 1., 1., 1., 1., 1., 2., 2., 2., 3., 3., 3.]);
    // Warm-up runs are not in the outcome's measured runs.
    assert!(
        outcome
            .commands
            .iter()
            .all(|command| command.wall_ms.len() == 3)
    );
    // A seed reorders each round, and every command still runs once per round.
    std::fs::remove_file(&trace).unwrap();
    plan.shuffle_seed = Some(3);
    plan.runs = 8;
    plan.warmup = 0;
    run(&plan, MemoryChoice::Helper);
    let seen = std::fs::read_to_string(&trace).unwrap();
    let rounds: Vec<String> = seen
        .split_whitespace()
        .collect::<Vec<_>>()
        .chunks(3)
        .map(|round| round.concat())
        .collect();
    assert!(rounds.iter().all(|round| {
        let mut letters: Vec<char> = round.chars().collect();
        letters.sort_unstable();
        letters == ['a', 'b', 'c']
    }));
    assert!(rounds.iter().any(|round| round != "abc"), "{rounds:?}");
}

#[test]
fn a_run_past_its_timeout_is_killed_and_recorded() {
    let mut plan = Plan::new(vec![command("slow", &["sleep", "30"])]);
    plan.runs = 1;
    plan.warmup = 0;
    plan.timeout = Some(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let (outcome, lines) = run(&plan, MemoryChoice::Helper);
    assert!(started.elapsed() < Duration::from_secs(20), "not killed");
    assert_eq!(lines[0].string("errorReason").as_deref(), Some("timeout"));
    let ms = lines[0].number("ms");
    assert!((200.0..20_000.0).contains(&ms), "{ms}");
    assert_eq!(outcome.commands[0].errors, [("timeout".to_owned(), 1)]);
}

#[test]
fn a_command_that_cannot_start_is_an_error_not_a_record() {
    let plan = Plan::new(vec![command("missing", &["/nonexistent/perf-run-test"])]);
    let mut out = Vec::new();
    let error = perf_run::run(&plan, &config(MemoryChoice::Helper), &mut out).unwrap_err();
    assert!(
        matches!(&error, RunError::Spawn { errno: 2, command, .. } if command == "/nonexistent/perf-run-test"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "cannot start `/nonexistent/perf-run-test`: No such file or directory (os error 2)"
    );
    assert!(out.is_empty());
    // A helper that does not exist is its own error.
    let mut broken = config(MemoryChoice::Helper);
    broken.helper.program = "/nonexistent/helper".into();
    let error = perf_run::run(&Plan::new(vec![sh("x", "true")]), &broken, &mut out).unwrap_err();
    assert!(matches!(error, RunError::HelperStart { .. }), "{error:?}");
}

#[test]
fn env_and_cwd_reach_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = sh("env", "test \"$PERF_RUN_TEST\" = yes && test -f marker");
    spec.env = vec![("PERF_RUN_TEST".into(), "yes".into())];
    spec.cwd = Some(dir.path().to_owned());
    std::fs::write(dir.path().join("marker"), "").unwrap();
    let mut plan = Plan::new(vec![spec]);
    plan.runs = 1;
    plan.warmup = 0;
    let (outcome, _) = run(&plan, MemoryChoice::Helper);
    assert_eq!(outcome.commands[0].ok, 1, "{outcome:?}");
}

/// Allocates and touches `mib` MiB in this (the test) process.
fn hold(mib: usize) -> Vec<u8> {
    let mut memory = vec![0u8; mib << 20];
    for page in memory.chunks_mut(4096) {
        page[0] = 1;
    }
    std::hint::black_box(memory)
}

/// `wait4`'s `ru_maxrss` (KiB) for `sleep 0.01` spawned straight from this process: the
/// figure the helper exists to avoid.
#[allow(clippy::zombie_processes)] // reaped by the wait4 below, not by Child::wait
fn direct_wait4_max_rss_kib() -> i64 {
    let child = std::process::Command::new("sleep")
        .arg("0.01")
        .spawn()
        .unwrap();
    let pid = i32::try_from(child.id()).unwrap();
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `status` and `usage` are valid for writes for the duration of the call; the pid
    // is our own unreaped child (std never reaps a Child that is not waited for).
    #[allow(unsafe_code)]
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
    assert_eq!(reaped, pid);
    // SAFETY: wait4 returned the child, so it filled `usage`.
    #[allow(unsafe_code)]
    let usage = unsafe { usage.assume_init() };
    usage.ru_maxrss
}

#[test]
fn a_command_spawned_from_a_big_process_reports_the_helpers_floor_for_every_method() {
    let held = hold(300);
    // The problem is real here: straight from this process, `sleep` "peaks" at our 300 MB.
    let direct = direct_wait4_max_rss_kib() as f64 / 1024.0;
    assert!(
        direct > 290.0,
        "wait4 straight from a 300 MB parent: {direct:.1} MiB"
    );
    let mut plan = Plan::new(vec![command("sleep", &["sleep", "0.01"])]);
    plan.runs = 3;
    plan.warmup = 0;
    let mut methods = vec![MemoryChoice::Helper];
    match CgroupParent::detect() {
        Ok(_) => methods.push(MemoryChoice::Cgroup),
        Err(why) if std::env::var_os("PERF_RUN_REQUIRE_CGROUP").is_some() => {
            panic!("PERF_RUN_REQUIRE_CGROUP is set and cgroup v2 is unavailable: {why}")
        }
        Err(why) => eprintln!("skipping the cgroup method: {why}"),
    }
    for memory in methods {
        let (outcome, lines) = run(&plan, memory.clone());
        for line in &lines {
            let peak = line.number("peak_rss_mb");
            // The floor: the helper's own high-water mark (about 2 MiB for this debug build)
            // or sleep's, whichever is larger; nowhere near the 300 MB this process holds.
            assert!(
                peak > 0.0 && peak < 16.0,
                "{memory:?}: {peak} MiB in {}",
                line.text
            );
        }
        let expected = match memory {
            MemoryChoice::Helper => RssMethod::HelperWait4,
            _ => RssMethod::Cgroup,
        };
        assert_eq!(outcome.method, expected);
        assert_eq!(
            lines[0].string("rssMethod").as_deref(),
            Some(expected.as_str())
        );
    }
    drop(held);
}

#[test]
fn cpu_time_is_the_commands_own() {
    // A busy loop of about 0.3 s of user time.
    let mut plan = Plan::new(vec![sh(
        "busy",
        "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done",
    )]);
    plan.runs = 1;
    plan.warmup = 0;
    let (_, lines) = run(&plan, MemoryChoice::Helper);
    let cpu = lines[0].number("cpu_user_ms") + lines[0].number("cpu_sys_ms");
    let wall = lines[0].number("ms");
    assert!(cpu > 10.0, "cpu {cpu} ms");
    // CPU time cannot exceed wall time by much for a single-threaded shell.
    assert!(cpu <= wall * 1.1 + 5.0, "cpu {cpu} ms, wall {wall} ms");
}
