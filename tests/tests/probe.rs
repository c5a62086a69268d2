//! `perf-gate probe` and `perf-gate gate --probe` against a real HTTP server on 127.0.0.1.

// The test server outside #[test] functions may fail loudly: a failure is a test failure.
#![allow(clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};

use predicates::prelude::*;
use tests::{TempTree, perf_gate};

const API_KEY: &str = "s3cr3t-key-never-printed";

/// These tests are about records, secrets and verdicts, not about the generator's precision, and
/// they run beside other test binaries on a loaded machine, where the probe's runtime can wake
/// 10-20 ms late and the default self-check (timer oversleep p99 over 10ms) would rightly call
/// the run a generator bottleneck (exit 2). Their budgets are seconds, so a 1s limit is still
/// far below anything that could change their verdicts. (perf-probe's own tests prove the
/// bottleneck verdict.)
const RELAXED_SELF_CHECK: [&str; 2] = ["--max-oversleep-p99", "1s"];

/// A small HTTP/1.1 server with keep-alive: `/health` 200 (401 without the API key),
/// `/missing` 404, `/broken` 500. Runs until the test process ends.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    format!("http://{address}")
}

fn answer(stream: TcpStream) {
    let mut writer = match stream.try_clone() {
        Ok(writer) => writer,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_owned();
        let mut has_key = false;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
            has_key |= header.to_ascii_lowercase() == format!("x-api-key: {API_KEY}\r\n");
        }
        let (status, body) = match path.as_str() {
            "/health" if has_key => ("200 OK", "ok"),
            "/health" => ("401 Unauthorized", "no key"),
            "/broken" => ("500 Internal Server Error", "oops"),
            _ => ("404 Not Found", "none"),
        };
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\ncontent-type: text/plain\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn quick_mode_writes_one_record_per_request_and_never_the_key() {
    let base = serve();
    let tree = TempTree::new();
    let out = tree.path().join("probe.jsonl");
    let assert = perf_gate!()
        .env("REGISTRY_API_KEY", API_KEY)
        .args([
            "probe",
            "--base-url",
            &base,
            "--get",
            "/health",
            "--get",
            "/missing",
        ])
        .args([
            "--samples",
            "20",
            "--warmup",
            "3",
            "--api-key-env",
            "REGISTRY_API_KEY",
        ])
        .args(RELAXED_SELF_CHECK)
        .args(["--out", out.as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("GET /health"))
        .stderr(predicate::str::contains(API_KEY).not());
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let records = std::fs::read_to_string(&out).expect("records written");
    assert!(
        !records.contains(API_KEY),
        "the key leaked into the records"
    );
    let lines: Vec<serde_json::Value> = records
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON record"))
        .collect();
    // 20 measured and 3 warm-up requests per endpoint.
    assert_eq!(lines.len(), 46, "{stderr}");
    let warmup = lines
        .iter()
        .filter(|line| line["phase"] == "warmup")
        .count();
    assert_eq!(warmup, 6);
    let health_ok = lines
        .iter()
        .filter(|line| line["step"] == "GET /health" && line["ok"] == true)
        .count();
    assert_eq!(health_ok, 23);
    let missing: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|line| line["step"] == "GET /missing")
        .collect();
    assert!(
        missing
            .iter()
            .all(|line| line["ok"] == false && line["errorReason"] == "http_404")
    );
    assert!(missing.iter().all(|line| line["status"] == 404));
    // The records read back through the normal reader; warm-up records are in the file but
    // filtered out of the statistics.
    perf_gate!()
        .args(["summarize", out.as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "40 accepted, 6 filtered out, 0 rejected",
        ));
}

#[test]
fn gate_probes_and_judges_in_one_run() {
    let base = serve();
    let tree = TempTree::new();
    let plan = tree.write(
        "plan.toml",
        format!(
            r#"base-url = "{base}"

[[endpoint]]
tool = "svc"
step = "broken"
method = "GET"
path = "/broken"

[[endpoint]]
tool = "svc"
step = "missing"
method = "GET"
path = "/missing"
expect = [404]
"#
        ),
    );
    let budgets = tree.write(
        "budgets.json",
        r#"{"svc": {"broken": {"p95": 5000, "error_rate": 0.01, "min_samples": 10},
                    "missing": {"p95": 5000, "error_rate": 0, "min_samples": 10}}}"#,
    );
    let out_dir = tree.path().join("out");
    perf_gate!()
        .args([
            "gate",
            "--probe",
            plan.as_str(),
            "--budgets",
            budgets.as_str(),
        ])
        .args(["--samples", "15", "--out-dir", out_dir.as_str()])
        .args(RELAXED_SELF_CHECK)
        .assert()
        // /broken answers 500: its error rate is 100%, over the 1% budget.
        .code(3)
        .stdout(predicate::str::contains("svc/broken   error_rate"))
        .stdout(predicate::str::contains("[FAIL]"));
    let records = std::fs::read_to_string(out_dir.join("probe.jsonl")).expect("probe records");
    assert_eq!(records.lines().count(), 30);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("report.json")).expect("report"),
    )
    .expect("JSON");
    let missing_rate = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|check| check["step"] == "missing" && check["metric"] == "error_rate")
        .expect("the missing endpoint's error rate")
        .clone();
    // An expected 404 is a success.
    assert_eq!(missing_rate["observed"], 0.0);
    assert_eq!(missing_rate["status"], "pass");
}
