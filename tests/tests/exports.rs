//! The exports against the real parts: `promtool check metrics` and the official Python
//! OpenMetrics parser on the gate's `metrics.txt`, a real Pushgateway on 127.0.0.1 (pushed to,
//! then read back from its `/metrics`), and headless Chromium rendering `report.html`.
//!
//! `.ci/exports.sh` installs the tools and starts the Pushgateway (`PERF_GATE_TEST_PUSHGATEWAY`).
//! Outside CI a missing tool skips its test with a printed reason; with `CI=true` it fails. When
//! `PERF_GATE_TEST_PUSHGATEWAY` is unset but `prometheus-pushgateway` is installed, the test starts
//! its own on a free loopback port.

// Tests may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use camino::Utf8PathBuf;
use tests::{TempTree, perf_gate, svc_get_lines};

/// The tool `name` on `PATH`; `None` (after printing why) when it is missing outside CI.
///
/// # Panics
/// When the tool is missing and `CI=true`.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|directory| directory.join(name))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is missing (CI=true): .ci/exports.sh installs it"
        );
        eprintln!("skipped: {name} is not installed (.ci/exports.sh installs it)");
    }
    found
}

/// A gate run over two groups (one with a name that tries to break every format), with
/// every artifact in its own directory.
struct Run {
    tree: TempTree,
    out_dir: Utf8PathBuf,
}

const EVIL_STEP: &str = "<script>alert(1)</script> \\\"/x";

fn gate_run(extra: &[&str], expected_code: i32) -> Run {
    let tree = TempTree::new();
    let mut logs = svc_get_lines(200, |i| 10.0 + f64::from(i % 50) * 0.5);
    // 80: enough latencies for a p95 interval, so the p95 check is a plain pass.
    for i in 0..80 {
        logs.push_str(&format!(
            "{{\"ts\":\"2025-10-16T11:00:{:02}.000Z\",\"sessionId\":\"e\",\"tool\":\"evil\",\"step\":{},\"ms\":{},\"ok\":{}}}\n",
            i % 60,
            serde_json::to_string(EVIL_STEP).unwrap(),
            20 + i,
            i % 20 != 0
        ));
    }
    tree.write("logs/run.jsonl", logs);
    let budgets = tree.write(
        "budgets.json",
        format!(
            r#"{{ "defaults": {{ "min_samples": 10 }}, "svc": {{ "get": {{ "p95": 100, "avg": 50 }} }},
                 "evil": {{ {}: {{ "p95": 200, "error_rate": 0.2 }} }} }}"#,
            serde_json::to_string(EVIL_STEP).unwrap()
        ),
    );
    let out_dir = tree.path().join("out");
    let logs = tree.path().join("logs");
    let mut arguments = vec![
        "gate",
        logs.as_str(),
        "--budgets",
        budgets.as_str(),
        "--out-dir",
        out_dir.as_str(),
        "--quiet",
    ];
    arguments.extend_from_slice(extra);
    let output = perf_gate!().args(&arguments).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(expected_code),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Run { tree, out_dir }
}

fn read(path: &Utf8PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[test]
fn gate_writes_metrics_and_html_beside_the_other_artifacts() {
    let run = gate_run(&[], 0);
    let metrics = read(&run.out_dir.join("metrics.txt"));
    assert!(metrics.ends_with("# EOF\n"));
    assert!(metrics.contains("perf_gate_latency_seconds_count{tool=\"svc\",step=\"get\"} 200\n"));
    assert!(metrics.contains(r#"step="<script>alert(1)</script> \\\"/x""#));
    let page = read(&run.out_dir.join("report.html"));
    assert!(page.contains("<h1 id=\"verdict\" class=\"pass\">perf-gate: PASS</h1>"));
    assert!(!page.contains("<script>"));
    // --format chooses the same renderers on stdout.
    let stdout = tests::stdout_of(
        perf_gate!(),
        &[
            "evaluate",
            run.tree.path().join("logs").as_str(),
            "--budgets",
            run.tree.path().join("budgets.json").as_str(),
            "--format",
            "prometheus",
            "--quiet",
        ],
        0,
    );
    assert!(stdout.contains("# TYPE perf_gate_latency_seconds summary\n"));
    assert!(!stdout.contains("# EOF"));
}

#[test]
fn promtool_accepts_the_metrics() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let run = gate_run(&[], 0);
    let metrics = std::fs::File::open(run.out_dir.join("metrics.txt")).unwrap();
    let output = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(metrics)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_python_openmetrics_parser_reads_every_family() {
    let Some(python) = tool("python3") else {
        return;
    };
    let probe = Command::new(&python)
        .args(["-c", "import prometheus_client.openmetrics.parser"])
        .output()
        .unwrap();
    if !probe.status.success() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "prometheus_client is missing (CI=true): .ci/exports.sh installs it"
        );
        eprintln!("skipped: the Python package prometheus_client is not installed");
        return;
    }
    let run = gate_run(&[], 0);
    let metrics = read(&run.out_dir.join("metrics.txt"));
    let script = "import sys\n\
        from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
        families = list(text_string_to_metric_families(sys.stdin.read()))\n\
        for family in families:\n    print(family.name, family.type, len(family.samples))\n\
        print([s.value for f in families if f.name == 'perf_gate_latency_seconds' for s in f.samples if s.name.endswith('_count') and s.labels['tool'] == 'evil'])\n";
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(metrics.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "parser: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let families = metrics.matches("# TYPE ").count();
    assert_eq!(stdout.lines().count(), families + 1, "{stdout}");
    assert!(
        stdout.contains("perf_gate_latency_seconds summary 18\n"),
        "{stdout}"
    );
    // The adversarial step's label survived escaping: its group has 76 latencies (80 records,
    // 4 of them errors, whose latencies are left out by the default `latency_of`).
    assert!(
        stdout.ends_with("[76]\n") || stdout.ends_with("[76.0]\n"),
        "{stdout}"
    );
}

/// A Pushgateway: the one `.ci/exports.sh` started, or one started here.
struct Gateway {
    url: String,
    child: Option<Child>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn gateway() -> Option<Gateway> {
    if let Ok(url) = std::env::var("PERF_GATE_TEST_PUSHGATEWAY") {
        return Some(Gateway { url, child: None });
    }
    let binary = tool("prometheus-pushgateway")?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = TempTree::new();
    let child = Command::new(binary)
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .current_dir(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let gateway = Gateway {
        url: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the Pushgateway did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(gateway)
}

/// The gateway's `/metrics`, over a plain HTTP/1.0 GET.
fn scrape(url: &str) -> String {
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.0\r\nHost: {address}\r\nAccept: text/plain\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// The value of the first sample of `name` whose labels include every one of `labels`.
fn sample(scraped: &str, name: &str, labels: &[&str]) -> Option<String> {
    scraped
        .lines()
        .filter(|line| line.starts_with(&format!("{name}{{")))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .map(str::to_owned)
}

#[test]
fn push_reaches_a_real_pushgateway_and_reads_back() {
    let Some(gateway) = gateway() else {
        return;
    };
    let run = gate_run(&[], 0);
    let metrics = run.out_dir.join("metrics.txt");
    let output = perf_gate!()
        .args([
            "push",
            "--gateway",
            &gateway.url,
            "--job",
            "perf-gate-test",
            "--label",
            "branch=feature/exports",
            metrics.as_str(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scraped = scrape(&gateway.url);
    let key = [
        "job=\"perf-gate-test\"",
        "branch=\"feature/exports\"",
        "tool=\"svc\"",
    ];
    assert_eq!(
        sample(&scraped, "perf_gate_latency_seconds_count", &key).as_deref(),
        Some("200"),
        "{scraped}"
    );
    assert_eq!(
        sample(
            &scraped,
            "perf_gate_run_verdict",
            &["job=\"perf-gate-test\"", "status=\"pass\""]
        )
        .as_deref(),
        Some("1")
    );
    let evil = sample(
        &scraped,
        "perf_gate_samples",
        &[
            "job=\"perf-gate-test\"",
            "tool=\"evil\"",
            "outcome=\"error\"",
        ],
    );
    // 80 records, one in 20 an error.
    assert_eq!(evil.as_deref(), Some("4"), "{scraped}");
}

#[test]
fn gate_pushes_in_the_same_run() {
    let Some(gateway) = gateway() else {
        return;
    };
    let _run = gate_run(
        &[
            "--push-gateway",
            &gateway.url,
            "--push-job",
            "perf-gate-gate",
            "--push-label",
            "run=7",
        ],
        0,
    );
    let scraped = scrape(&gateway.url);
    assert_eq!(
        sample(
            &scraped,
            "perf_gate_latency_seconds_count",
            &["job=\"perf-gate-gate\"", "run=\"7\"", "tool=\"svc\""]
        )
        .as_deref(),
        Some("200"),
        "{scraped}"
    );
}

#[test]
fn a_refused_push_shows_the_status_and_the_gateway_answer() {
    let Some(gateway) = gateway() else {
        return;
    };
    let tree = TempTree::new();
    let bad = tree.write("bad.txt", "this is not { a metric\n");
    let with_credentials = gateway.url.replace("http://", "http://user:s3cret@");
    let output = perf_gate!()
        .args(["push", "--gateway", &with_credentials, bad.as_str()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refused the push: HTTP 400"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

/// The DOM headless Chromium builds from `page`, offline, with a profile of its own.
fn dump_dom(chromium: &std::path::Path, page: &Utf8PathBuf) -> String {
    let profile = TempTree::new();
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.path()),
            "--dump-dom",
            &format!("file://{page}"),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn chromium_renders_the_report_offline() {
    let Some(chromium) = tool("chromium") else {
        return;
    };
    let run = gate_run(&[], 0);
    let dom = dump_dom(&chromium, &run.out_dir.join("report.html"));
    assert!(
        dom.contains("<h1 id=\"verdict\" class=\"pass\">perf-gate: PASS</h1>"),
        "{dom}"
    );
    // One chart per group, and the adversarial name as text, not as an element.
    assert_eq!(dom.matches("<svg class=\"chart ecdf\"").count(), 2, "{dom}");
    assert_eq!(dom.matches("<section class=\"group\"").count(), 2);
    assert!(!dom.contains("<script"), "{dom}");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn chromium_renders_measure_checks_with_their_units_and_figures() {
    let Some(chromium) = tool("chromium") else {
        return;
    };
    let tree = TempTree::new();
    // 200 records a second apart with a peak memory each: 199 intervals over 199 s, 1 per second.
    let logs: String = svc_get_lines(200, |i| 10.0 + f64::from(i % 50) * 0.5)
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let rss = 40.0 + (i % 10) as f64;
            format!(
                "{},\"measures\":{{\"peak_rss_mb\":{rss}}}}}\n",
                line.trim_end_matches('}')
            )
        })
        .collect();
    tree.write("logs/run.jsonl", logs);
    let budgets = tree.write(
        "budgets.json",
        r#"{ "defaults": { "min_samples": 10 }, "svc": { "get": { "p95": 100,
             "peak_rss_mb": { "max": 64 }, "throughput_rps": { "min": 0.5 } } } }"#,
    );
    let out_dir = tree.path().join("out");
    let logs = tree.path().join("logs");
    tests::stdout_of(
        perf_gate!(),
        &[
            "gate",
            logs.as_str(),
            "--budgets",
            budgets.as_str(),
            "--out-dir",
            out_dir.as_str(),
            "--quiet",
        ],
        0,
    );
    let dom = dump_dom(&chromium, &out_dir.join("report.html"));
    assert!(
        dom.contains("<h1 id=\"verdict\" class=\"pass\">perf-gate: PASS</h1>"),
        "{dom}"
    );
    for row in [
        "<td>peak_rss_mb max</td><td class=\"n\">49.00 MiB</td><td class=\"n\">64.00 MiB</td>",
        "<td>throughput_rps min</td><td class=\"n\">1.00 /s</td><td class=\"n\">\u{2265} 0.500 /s</td>",
    ] {
        assert!(dom.contains(row), "{row}\n{dom}");
    }
    assert_eq!(
        dom.matches("<svg class=\"chart measure\"").count(),
        2,
        "{dom}"
    );
}
