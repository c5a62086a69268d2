//! `examples/github-workflow.yml` as GitHub would run it, minus GitHub: every `run:` step but the
//! build (cargo built this package's twin binary already; it is put on `PATH` as `perf-gate`,
//! which is what the build step does with `GITHUB_PATH`) runs under `bash -eo pipefail` as the
//! runner does, in a git clone of a local bare "origin", with the runner's files
//! (`GITHUB_ENV`, `GITHUB_OUTPUT`, `GITHUB_PATH`, `GITHUB_STEP_SUMMARY`) honoured between
//! steps. `uses:` steps (checkout, cache, the sticky comment, the upload) are GitHub's and are
//! not run. The scenarios: the first push to main saves and commits the baseline; a pull request
//! as fast passes; a slower one fails with exit 3 even though it commits a looser baseline of
//! its own; an inconclusive one passes with a warning while `PERF_GATE_INCONCLUSIVE=warn`.
//!
//! The YAML is also checked by actionlint and every `run:` script by shellcheck (under
//! `CI=true` both must be installed, `.ci/report-tools.sh` does it; elsewhere the test says what
//! it skipped).

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::process::Command;

use camino::{Utf8Path, Utf8PathBuf};
use tests::{TempTree, svc_get_lines, workspace_path};
use yaml_rust2::{Yaml, YamlLoader};

const WORKFLOW: &str = "examples/github-workflow.yml";

/// One step of the job.
#[derive(Debug, Clone)]
struct Step {
    id: Option<String>,
    name: String,
    condition: Option<String>,
    env: BTreeMap<String, String>,
    run: Option<String>,
    uses: Option<String>,
}

struct Workflow {
    env: BTreeMap<String, String>,
    steps: Vec<Step>,
}

fn string_map(yaml: &Yaml) -> BTreeMap<String, String> {
    match yaml.as_hash() {
        None => BTreeMap::new(),
        Some(hash) => hash
            .iter()
            .map(|(key, value)| {
                let value = match value {
                    Yaml::String(text) => text.clone(),
                    Yaml::Integer(number) => number.to_string(),
                    Yaml::Boolean(flag) => flag.to_string(),
                    other => panic!("env value {other:?}"),
                };
                (key.as_str().unwrap().to_owned(), value)
            })
            .collect(),
    }
}

fn workflow() -> Workflow {
    let text = std::fs::read_to_string(workspace_path(WORKFLOW)).unwrap();
    let documents = YamlLoader::load_from_str(&text).unwrap();
    let root = &documents[0];
    let jobs = root["jobs"].as_hash().unwrap();
    assert_eq!(jobs.len(), 1, "one job");
    let job = jobs.values().next().unwrap();
    let steps = job["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|step| Step {
            id: step["id"].as_str().map(str::to_owned),
            name: step["name"]
                .as_str()
                .or(step["uses"].as_str())
                .unwrap()
                .to_owned(),
            condition: step["if"].as_str().map(str::to_owned),
            env: string_map(&step["env"]),
            run: step["run"].as_str().map(str::to_owned),
            uses: step["uses"].as_str().map(str::to_owned),
        })
        .collect();
    Workflow {
        env: string_map(&root["env"]),
        steps,
    }
}

/// What the runner would know about the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    PushToMain,
    PullRequest,
}

/// The job's `if:` conditions this test knows, evaluated like GitHub: a condition without a
/// status function is `success() && ...`.
fn should_run(condition: Option<&str>, event: Event, failed: bool) -> bool {
    match condition {
        None => !failed,
        Some("github.event_name == 'pull_request'") => !failed && event == Event::PullRequest,
        Some("github.event_name == 'push' && github.ref == 'refs/heads/main'") => {
            !failed && event == Event::PushToMain
        }
        Some("always()") => true,
        Some(
            "always() && github.event_name == 'pull_request' && steps.gate.outputs.exit-code != ''",
        ) => event == Event::PullRequest,
        Some(other) => panic!("teach this test the condition {other:?}"),
    }
}

/// `${{ ... }}` in an `env:` value, as the runner would expand it.
fn expand(value: &str, event: Event) -> String {
    match value {
        "${{ github.base_ref }}" => match event {
            Event::PullRequest => "main".to_owned(),
            Event::PushToMain => String::new(),
        },
        other if other.contains("${{") => panic!("teach this test the expression {other:?}"),
        other => other.to_owned(),
    }
}

/// A repository with a bare origin, as `actions/checkout` leaves it: the clone is the workspace.
struct Repository {
    tree: TempTree,
    /// The twin binary as `perf-gate`, what the build step puts on PATH.
    bin: Utf8PathBuf,
}

fn git(directory: &Utf8Path, arguments: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(directory)
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(arguments)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", directory)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {arguments:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl Repository {
    fn new() -> Repository {
        let tree = TempTree::new();
        let origin = tree.path().join("origin.git");
        let work = tree.path().join("work");
        std::fs::create_dir_all(&origin).unwrap();
        git(&origin, &["init", "-q", "--bare", "-b", "main"]);
        git(
            tree.path(),
            &["clone", "-q", origin.as_str(), work.as_str()],
        );
        git(&work, &["checkout", "-q", "-b", "main"]);
        tree.write(
            "work/perf-budgets.json",
            r#"{ "svc": { "get": { "p95": 1000, "min_samples": 100 } } }"#,
        );
        tree.write("work/.gitignore", "artifacts/\n");
        let script = tree.write(
            "work/scripts/perf-tests.sh",
            "#!/usr/bin/env bash\n# The test run: copies the scenario's logs.\nset -euo pipefail\ncp \"$SCENARIO_LOGS\"/*.jsonl \"$1\"/\n",
        );
        make_executable(&script);
        git(&work, &["add", "."]);
        git(
            &work,
            &["commit", "-q", "-m", "the service and its budgets"],
        );
        git(&work, &["push", "-q", "origin", "main"]);
        let bin = tree.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_perf-gate-dup"), bin.join("perf-gate"))
            .unwrap();
        Repository { tree, bin }
    }

    fn work(&self) -> Utf8PathBuf {
        self.tree.path().join("work")
    }

    /// Logs of `count` requests of svc/get at `scale` times 10-30 ms, for the next run.
    fn logs(&self, name: &str, count: u32, scale: f64) -> Utf8PathBuf {
        let lines = svc_get_lines(count, |i| scale * (10.0 + f64::from(i % 100) / 5.0));
        self.tree.write(&format!("logs-{name}/svc.jsonl"), lines);
        self.tree.path().join(format!("logs-{name}"))
    }
}

fn make_executable(path: &Utf8Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// What a run of the job did.
#[derive(Debug)]
struct Run {
    /// Each run step's name and exit code, in order.
    steps: Vec<(String, i32)>,
    /// stdout and stderr of every step.
    log: String,
    report: Option<String>,
}

impl Run {
    fn code(&self, name: &str) -> Option<i32> {
        self.steps
            .iter()
            .find(|(step, _)| step == name)
            .map(|(_, code)| *code)
    }
}

/// Runs the workflow's shell steps for `event` in the repository's workspace.
fn run_job(
    repository: &Repository,
    event: Event,
    logs: &Utf8Path,
    overrides: &[(&str, &str)],
) -> Run {
    let workflow = workflow();
    let work = repository.work();
    let runner = repository
        .tree
        .path()
        .join(format!("runner-{}", rand_suffix()));
    std::fs::create_dir_all(&runner).unwrap();
    let file = |name: &str| {
        let path = runner.join(name);
        std::fs::write(&path, "").unwrap();
        path
    };
    let (github_env, github_output, github_path, summary) = (
        file("env"),
        file("output"),
        file("path"),
        file("summary.md"),
    );
    let mut env: BTreeMap<String, String> = workflow.env.clone();
    for (key, value) in overrides {
        env.insert((*key).to_owned(), (*value).to_owned());
    }
    let mut path = format!("{}:{}", repository.bin, std::env::var("PATH").unwrap());
    let mut failed = false;
    let mut run = Run {
        steps: Vec::new(),
        log: String::new(),
        report: None,
    };
    for step in &workflow.steps {
        if step.id.as_deref() == Some("build") {
            continue;
        }
        let Some(script) = &step.run else {
            assert!(step.uses.is_some(), "{step:?}");
            continue;
        };
        if !should_run(step.condition.as_deref(), event, failed) {
            continue;
        }
        let script_path = runner.join("step.sh");
        std::fs::write(&script_path, script).unwrap();
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .current_dir(&work)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", repository.tree.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("GITHUB_ENV", &github_env)
            .env("GITHUB_OUTPUT", &github_output)
            .env("GITHUB_PATH", &github_path)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_WORKSPACE", &work)
            .env("RUNNER_TEMP", &runner)
            .env(
                "GITHUB_EVENT_NAME",
                match event {
                    Event::PushToMain => "push",
                    Event::PullRequest => "pull_request",
                },
            )
            .env("GITHUB_REF_NAME", "main")
            .env("GITHUB_SHA", git(&work, &["rev-parse", "HEAD"]).trim())
            .env("SCENARIO_LOGS", logs)
            .env("NO_COLOR", "1");
        for (key, value) in &env {
            command.env(key, value);
        }
        for (key, value) in &step.env {
            command.env(key, expand(value, event));
        }
        let output = command.output().expect("bash runs");
        let code = output.status.code().unwrap_or(-1);
        run.log.push_str(&format!(
            "== {} (exit {code})\n{}{}",
            step.name,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
        run.steps.push((step.name.clone(), code));
        failed |= code != 0;
        // What the step told the runner: KEY=VALUE lines for the next steps' environment, and
        // directories for PATH.
        for line in std::fs::read_to_string(&github_env).unwrap().lines() {
            if let Some((key, value)) = line.split_once('=') {
                env.insert(key.to_owned(), value.to_owned());
            }
        }
        for line in std::fs::read_to_string(&github_path).unwrap().lines() {
            path = format!("{line}:{path}");
        }
    }
    run.report = std::fs::read_to_string(work.join("artifacts/perf/report.md")).ok();
    run
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}

const GATE: &str = "Gate";
const SAVE: &str = "Update the baseline on main";

#[test]
fn the_example_workflow_gates_pull_requests_and_keeps_the_baseline_of_main() {
    let repository = Repository::new();
    let work = repository.work();

    // The first push to main: no baseline yet, the budgets pass, the baseline is committed.
    let fast = repository.logs("fast", 400, 1.0);
    let main = run_job(&repository, Event::PushToMain, &fast, &[]);
    assert_eq!(main.code(GATE), Some(0), "{}", main.log);
    assert_eq!(main.code(SAVE), Some(0), "{}", main.log);
    let pushed = git(&work, &["log", "-1", "--format=%s%n%an", "origin/main"]);
    assert!(
        pushed.starts_with("perf-gate: update perf-baseline.json from ")
            && pushed.contains("[skip ci]\ngithub-actions[bot]"),
        "{pushed}"
    );
    let saved = git(&work, &["show", "origin/main:perf-baseline.json"]);
    assert!(saved.contains("\"svc\""), "{saved}");

    // A pull request as fast as main passes, judged against main's baseline.
    git(&work, &["checkout", "-q", "-b", "feature"]);
    let same = run_job(&repository, Event::PullRequest, &fast, &[]);
    assert_eq!(same.code(GATE), Some(0), "{}", same.log);
    assert_eq!(same.code(SAVE), None, "pull requests never save a baseline");
    let report = same.report.as_deref().unwrap();
    assert!(
        report.starts_with(
            "## perf-gate PASS: 0 budget violations (1 check), 0 regressions (1 group compared)"
        ),
        "{report}"
    );

    // A slower pull request that also commits a looser baseline of its own still fails: the
    // base branch's baseline is the bar.
    let slow = repository.logs("slow", 400, 1.3);
    let output = Command::new(env!("CARGO_BIN_EXE_perf-gate-dup"))
        .current_dir(&work)
        .args([
            "-q",
            "baseline",
            "save",
            slow.as_str(),
            "--out",
            "perf-baseline.json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    git(&work, &["commit", "-q", "-am", "loosen the baseline"]);
    let slower = run_job(&repository, Event::PullRequest, &slow, &[]);
    assert_eq!(slower.code(GATE), Some(3), "{}", slower.log);
    let report = slower.report.as_deref().unwrap();
    assert!(
        report.starts_with(
            "## perf-gate FAIL: 1 regression (svc/get p95 +30.0%), 0 budget violations"
        ),
        "{report}"
    );
    assert!(
        slower
            .log
            .contains("::error file=perf-baseline.json,title=perf-gate regressed"),
        "{}",
        slower.log
    );
}

#[test]
fn exit_2_is_a_warning_while_the_workflow_says_so() {
    let repository = Repository::new();
    // 50 requests against min_samples 100: inconclusive.
    let few = repository.logs("few", 50, 1.0);
    let warned = run_job(&repository, Event::PullRequest, &few, &[]);
    assert_eq!(warned.code(GATE), Some(0), "{}", warned.log);
    assert!(
        warned
            .log
            .contains("::warning title=perf-gate::inconclusive (exit 2)"),
        "{}",
        warned.log
    );
    assert!(
        warned.log.contains("has no perf-baseline.json yet"),
        "{}",
        warned.log
    );
    let strict = run_job(
        &repository,
        Event::PullRequest,
        &few,
        &[("PERF_GATE_INCONCLUSIVE", "fail")],
    );
    assert_eq!(strict.code(GATE), Some(2), "{}", strict.log);
}

/// `tool` on PATH, or `None` (a printed skip) outside CI; under `CI=true` a missing tool fails.
fn required_tool(tool: &str) -> Option<()> {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if found {
        return Some(());
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{tool} is needed under CI=true (.ci/report-tools.sh installs it)"
    );
    eprintln!("SKIPPED: {tool} is not installed (source .ci/report-tools.sh)");
    None
}

#[test]
fn the_example_workflow_is_actionlint_clean() {
    if required_tool("node").is_none() {
        return;
    }
    let Ok(output) = Command::new("actionlint")
        .current_dir(tests::workspace_root())
        .args([WORKFLOW, ".github/workflows/perf-gate.yml"])
        .output()
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "actionlint is needed under CI=true (.ci/report-tools.sh installs it)"
        );
        eprintln!("SKIPPED: actionlint is not on PATH (source .ci/report-tools.sh)");
        return;
    };
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_shell_step_is_shellcheck_clean() {
    if required_tool("shellcheck").is_none() {
        return;
    }
    let tree = TempTree::new();
    for (index, step) in workflow().steps.iter().enumerate() {
        let Some(script) = &step.run else { continue };
        assert!(
            !script.contains("${{"),
            "{}: expressions go through env:, never into a script",
            step.name
        );
        let path = tree.write(&format!("step-{index}.sh"), script);
        let output = Command::new("shellcheck")
            .args(["--shell=bash", "--severity=style"])
            .arg(path.as_str())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}:\n{}",
            step.name,
            String::from_utf8_lossy(&output.stdout)
        );
    }
}
