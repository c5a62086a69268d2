//! The whole loop on 127.0.0.1: the demo registry service records every request it serves
//! (perf-recorder's tower layer), `perf-gate probe` measures it from outside, and the gate judges
//! both sides against budgets. The client side sees at least what the server side sees: the
//! difference is the network and queueing time.

// The test's plumbing outside #[test] functions may fail loudly: a failure is a test failure.
#![allow(clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use predicates::prelude::*;
use tests::{TempTree, perf_gate};

const API_KEY: &str = "loop-key-never-printed";

/// The registry service, stopped (SIGTERM, so it flushes its records) when dropped.
struct Service {
    child: Child,
    base_url: String,
}

impl Service {
    fn start(dir: &camino::Utf8Path) -> Service {
        let mut child = Command::new(env!("CARGO_BIN_EXE_registry-dup"))
            .args(["--listen", "127.0.0.1:0", "--dir", dir.as_str()])
            .args(["--api-key", API_KEY, "--session-id", "server"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the registry service starts");
        let stdout = child.stdout.take().expect("its stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("it says where it listens");
        let base_url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening on http://ADDR")
            .to_owned();
        Service { child, base_url }
    }

    /// SIGTERM, then wait: the service flushes its records and exits 0.
    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().expect("the service exits")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn probe_the_service_and_gate_both_sides() {
    let tree = TempTree::new();
    let server_dir = tree.path().join("server");
    let service = Service::start(&server_dir);
    let plan = tree.write(
        "plan.toml",
        format!(
            r#"base-url = "{base}"

[[secret]]
header = "x-api-key"
env = "LOOP_API_KEY"

[[endpoint]]
tool = "registry"
step = "GET /health"
path = "/health"

[[endpoint]]
tool = "registry"
step = "GET /openapi.json"
path = "/openapi.json"
"#,
            base = service.base_url
        ),
    );
    let probe_out = tree.path().join("probe.jsonl");
    perf_gate!()
        .env("LOOP_API_KEY", API_KEY)
        .args([
            "probe",
            "--plan",
            plan.as_str(),
            "--samples",
            "40",
            "--warmup",
            "5",
        ])
        // The test runs beside others on a loaded machine: a late-waking runtime must not make
        // this run a generator bottleneck (exit 2); the budgets below are 2 s.
        .args(["--max-oversleep-p99", "1s"])
        .args(["--out", probe_out.as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(API_KEY).not());
    let status = service.stop();
    assert!(status.success(), "the service exits 0 on SIGTERM: {status}");

    // Both sides, gated against the same budgets: the probe's file and the service's tree.
    let budgets = tree.write(
        "budgets.json",
        r#"{"registry": {"*": {"max": 2000, "error_rate": 0, "min_samples": 40}}}"#,
    );
    for root in [probe_out.as_str(), server_dir.as_str()] {
        perf_gate!()
            .args(["gate", root, "--budgets", budgets.as_str()])
            .args(["--out-dir", tree.path().join("gate").as_str()])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("registry/GET /health"));
    }
    let summary = |root: &str| -> serde_json::Value {
        let output = perf_gate!()
            .args(["-q", "summarize", root, "--format", "json"])
            .output()
            .expect("summarize runs");
        serde_json::from_slice(&output.stdout).expect("summary JSON")
    };
    let client = summary(probe_out.as_str());
    let server = summary(server_dir.as_str());
    for step in ["GET /health", "GET /openapi.json"] {
        let group = |summary: &serde_json::Value| {
            summary["groups"]
                .as_array()
                .expect("groups")
                .iter()
                .find(|group| group["step"] == step)
                .cloned()
                .unwrap_or_else(|| panic!("{step} missing in {summary}"))
        };
        let (client, server) = (group(&client), group(&server));
        // The client measured 40 requests after 5 warm-up requests; the server saw all 45.
        assert_eq!(client["count"], 40, "{client}");
        assert_eq!(server["count"], 45, "{server}");
        // Every request is timed from outside at least as long as inside (network, queueing).
        let client_p50 = client["p50"].as_f64().expect("client p50");
        let server_p50 = server["p50"].as_f64().expect("server p50");
        assert!(
            client_p50 >= server_p50,
            "{step}: client {client_p50} < server {server_p50}"
        );
    }
}
