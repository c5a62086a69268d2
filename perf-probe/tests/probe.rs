//! The probe against a real HTTP server on 127.0.0.1.
//!
//! Timing assertions are deliberately loose (ratios and generous bounds): these machines are
//! shared and noisy.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use perf_probe::{
    ApiKey, BottleneckReason, Check, CheckKind, HttpVersion, LoadArgs, LoadVerdict, Plan,
    ProbeOutcome, QuickPlan, RunConfig, SecretSource, render_summary, run, validate,
};
use perf_record::{Line, parse_line};
use serde_json::Value;

fn quick(base_url: &str, paths: &[&str]) -> Plan {
    Plan::quick(&QuickPlan {
        base_url: base_url.to_owned(),
        paths: paths.iter().map(|path| (*path).to_owned()).collect(),
        tool: "probe".to_owned(),
        api_key: None,
        http_version: HttpVersion::Auto,
    })
    .unwrap()
}

struct Run {
    outcome: ProbeOutcome,
    output: String,
    records: Vec<Value>,
}

fn probe_with(plan: &Plan, config: &RunConfig) -> Run {
    let mut out = Vec::new();
    let outcome = run(plan, config, &mut out).unwrap();
    let output = String::from_utf8(out).unwrap();
    let mut records = Vec::new();
    for line in output.lines() {
        // Every line is a valid record for the existing reader, and warm-up records read back
        // as warm-up records.
        let warmup = line.contains(r#""phase":"warmup""#);
        match parse_line(line.as_bytes()) {
            Ok(Line::Record(_)) => assert!(!warmup, "{line}"),
            Ok(Line::Warmup(_)) => assert!(warmup, "{line}"),
            other => panic!("{line}: {other:?}"),
        }
        records.push(serde_json::from_str(line).unwrap());
    }
    Run {
        outcome,
        output,
        records,
    }
}

fn probe(plan: &Plan, args: LoadArgs) -> Run {
    probe_with(plan, &validate(&args).unwrap())
}

fn samples(n: u64) -> LoadArgs {
    LoadArgs {
        samples: Some(n),
        ..LoadArgs::default()
    }
}

fn of<'a>(run: &'a Run, step: &str) -> Vec<&'a Value> {
    run.records
        .iter()
        .filter(|record| record["step"] == step)
        .collect()
}

#[test]
fn counts_each_endpoint_and_maps_statuses_to_reasons() {
    let server = common::start();
    let paths = ["/ok", "/401", "/404", "/418", "/429", "/500", "/503"];
    let plan = quick(&server.base_url, &paths);
    let run = probe(
        &plan,
        LoadArgs {
            concurrency: Some(3),
            ..samples(4)
        },
    );
    assert_eq!(run.records.len(), 4 * paths.len());
    let expected = [
        ("/ok", None, 200),
        ("/401", Some("http_401"), 401),
        ("/404", Some("http_404"), 404),
        ("/418", Some("http_4xx"), 418),
        ("/429", Some("http_429"), 429),
        ("/500", Some("http_5xx"), 500),
        ("/503", Some("http_5xx"), 503),
    ];
    for (path, reason, status) in expected {
        let step = format!("GET {path}");
        let records = of(&run, &step);
        assert_eq!(records.len(), 4, "{step}");
        for record in records {
            assert_eq!(record["tool"], "probe");
            assert_eq!(record["ok"], reason.is_none(), "{record}");
            assert_eq!(record["status"], status);
            assert_eq!(record["errorReason"].as_str(), reason);
            assert!(record["serviceMs"].as_f64().unwrap() >= 0.0);
            assert!(record["bytes"].as_u64().unwrap() > 0);
            assert!(record.get("lagMs").is_none(), "closed model: no lag");
            assert!(record.get("phase").is_none());
        }
        let summary = run
            .outcome
            .endpoints
            .iter()
            .find(|endpoint| endpoint.step == step)
            .unwrap();
        assert_eq!(summary.count, 4);
        assert_eq!(summary.ok, if reason.is_none() { 4 } else { 0 });
        if let Some(reason) = reason {
            assert_eq!(summary.errors.get(reason), Some(&4));
        }
        assert!(summary.latency.is_some());
        assert!(summary.throughput_per_second > 0.0);
    }
    let text = render_summary(&run.outcome);
    assert!(text.contains("probe/GET /404"), "{text}");
    assert!(text.contains("errors: http_404 4"), "{text}");
}

#[test]
fn a_timed_out_request_is_a_failed_sample_of_the_timeout() {
    let server = common::start();
    let plan = quick(&server.base_url, &["/slow"]);
    let run = probe(
        &plan,
        LoadArgs {
            timeout: Some(Duration::from_millis(300)),
            connect_timeout: Some(Duration::from_millis(300)),
            ..samples(2)
        },
    );
    assert_eq!(run.records.len(), 2);
    for record in &run.records {
        assert_eq!(record["ok"], false);
        assert_eq!(record["errorReason"], "timeout");
        assert_eq!(record["ms"], 300.0);
        assert_eq!(record["serviceMs"], 300.0);
        assert!(record.get("status").is_none());
    }
    assert_eq!(run.outcome.endpoints[0].errors.get("timeout"), Some(&2));
}

#[test]
fn a_refused_connection_has_its_reason() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let plan = quick(&format!("http://127.0.0.1:{port}"), &["/ok"]);
    let run = probe(&plan, samples(2));
    for record in &run.records {
        assert_eq!(record["errorReason"], "connect_refused", "{record}");
        assert!(record.get("status").is_none());
    }
}

#[test]
fn a_host_that_does_not_resolve_is_a_dns_failure() {
    // `.invalid` never resolves (RFC 6761), so the resolver answers at once with no network.
    let plan = quick("http://perf-gate-probe-test.invalid", &["/ok"]);
    let run = probe(
        &plan,
        LoadArgs {
            timeout: Some(Duration::from_secs(10)),
            ..samples(2)
        },
    );
    assert_eq!(run.records.len(), 2, "{}", run.output);
    for record in &run.records {
        assert_eq!(record["errorReason"], "dns", "{record}");
        assert_eq!(record["ok"], false);
        assert!(record.get("status").is_none());
    }
}

#[test]
fn https_to_a_plain_http_server_is_a_tls_failure() {
    let server = common::start();
    let plan = quick(&server.base_url.replace("http://", "https://"), &["/ok"]);
    let run = probe(
        &plan,
        LoadArgs {
            timeout: Some(Duration::from_secs(5)),
            connect_timeout: Some(Duration::from_secs(2)),
            ..samples(1)
        },
    );
    assert_eq!(run.records[0]["errorReason"], "tls", "{}", run.output);
}

#[test]
fn https_with_a_private_ca_speaks_h2_and_http1() {
    let tls = common::tls();
    let server = common::start_tls(&tls);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), &tls.certificate_pem).unwrap();
    for (http, seen) in [("auto", "HTTP/2.0"), ("1.1", "HTTP/1.1")] {
        let text = format!(
            "base-url = \"{}\"\nhttp = \"{http}\"\nca-file = \"ca.pem\"\n[[endpoint]]\ntool = \"tls\"\npath = \"/version\"\n[[endpoint.check]]\ncontains = \"{seen}\"\n",
            server.base_url
        );
        let plan = Plan::from_toml(&text, "plan.toml".as_ref(), dir.path()).unwrap();
        let run = probe(&plan, samples(3));
        assert!(
            run.records.iter().all(|record| record["ok"] == true),
            "{http}: {}",
            run.output
        );
    }
    // Without the private CA the certificate is not trusted.
    let plan = quick(&server.base_url, &["/version"]);
    let run = probe(&plan, samples(1));
    assert_eq!(run.records[0]["errorReason"], "tls", "{}", run.output);
}

#[test]
fn a_cut_body_and_a_closed_connection_have_their_reasons() {
    let base_url = common::start_broken("short", 2);
    let run = probe(&quick(&base_url, &["/x"]), samples(2));
    for record in &run.records {
        assert_eq!(record["errorReason"], "body_read", "{record}");
        assert_eq!(record["status"], 200);
        assert_eq!(record["bytes"], 5);
    }
    let base_url = common::start_broken("close", 2);
    let run = probe(&quick(&base_url, &["/x"]), samples(2));
    for record in &run.records {
        assert_eq!(record["errorReason"], "protocol", "{record}");
        assert!(record.get("status").is_none());
    }
}

#[test]
fn the_api_key_is_sent_and_never_written() {
    let server = common::start();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("api-key");
    std::fs::write(&key_file, format!("{}\n", common::API_KEY)).unwrap();
    let plan = Plan::quick(&QuickPlan {
        base_url: server.base_url.clone(),
        paths: vec!["/auth".into()],
        tool: "registry".into(),
        api_key: Some(ApiKey {
            source: SecretSource::File(key_file),
            header: "x-api-key".into(),
            prefix: String::new(),
        }),
        http_version: HttpVersion::Auto,
    })
    .unwrap();
    let run = probe(&plan, samples(3));
    assert!(run.records.iter().all(|record| record["ok"] == true));
    let everything = format!(
        "{}{}{:?}{:?}",
        run.output,
        render_summary(&run.outcome),
        run.outcome,
        plan
    );
    assert!(!everything.contains(common::API_KEY));

    // Without the key the same endpoint says 401.
    let run = probe(&quick(&server.base_url, &["/auth"]), samples(1));
    assert_eq!(run.records[0]["errorReason"], "http_401");
}

/// The variable the env-secret test reads; the test re-runs itself with it set rather than
/// calling the (unsafe, racy) `std::env::set_var` in a multi-threaded test binary.
const KEY_VARIABLE: &str = "PERF_PROBE_TEST_API_KEY";

#[test]
fn the_api_key_from_an_environment_variable_is_sent_and_never_written() {
    if std::env::var_os(KEY_VARIABLE).is_none() {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "the_api_key_from_an_environment_variable_is_sent_and_never_written",
            ])
            .env(KEY_VARIABLE, common::API_KEY)
            .output()
            .unwrap();
        let output = String::from_utf8_lossy(&child.stdout);
        assert!(child.status.success(), "{output}");
        assert!(output.contains("1 passed"), "{output}");
        return;
    }
    let server = common::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plan.toml"),
        format!(
            "base-url = \"{}\"\n[[secret]]\nheader = \"x-api-key\"\nenv = \"{KEY_VARIABLE}\"\n[[endpoint]]\ntool = \"registry\"\nstep = \"auth\"\npath = \"/auth\"\n",
            server.base_url
        ),
    )
    .unwrap();
    let plan = Plan::load(&dir.path().join("plan.toml")).unwrap();
    let run = probe(&plan, samples(2));
    assert!(
        run.records.iter().all(|record| record["ok"] == true),
        "{}",
        run.output
    );
    let everything = format!("{}{}{:?}", run.output, render_summary(&run.outcome), plan);
    assert!(!everything.contains(common::API_KEY));
    // A missing variable is an error naming the variable, not a value.
    let error = Plan::from_toml(
        "base-url = \"http://127.0.0.1:1\"\n[[secret]]\nheader = \"x-api-key\"\nenv = \"PERF_PROBE_TEST_UNSET\"\n[[endpoint]]\ntool = \"t\"\npath = \"/x\"\n",
        "plan.toml".as_ref(),
        dir.path(),
    )
    .unwrap_err();
    let chain = format!("{error}: {}", std::error::Error::source(&error).unwrap());
    assert!(chain.contains("PERF_PROBE_TEST_UNSET"), "{chain}");
}

const PLAN: &str = r#"
http = "auto"

[load]
concurrency = 2
samples = 6
warmup-requests = 2

[headers]
accept = "application/json"

[[endpoint]]
tool = "api"
step = "json"
path = "/json"
[[endpoint.check]]
json-pointer = "/status"
equals = "ok"
[[endpoint.check]]
regex = "\"items\":\\[1,"

[[endpoint]]
tool = "api"
step = "json-wrong"
path = "/json"
[[endpoint.check]]
name = "has pets"
contains = "pets"

[[endpoint]]
tool = "api"
step = "created"
method = "POST"
path = "/created"
body = "@body.json"
expect = [201]

[[endpoint]]
tool = "api"
step = "ok-but-201-expected"
path = "/ok"
expect = [201]

[[endpoint]]
tool = "api"
step = "items"
path = "/items/{id}"
vars = { id = ["a", "b", "c"] }

[[endpoint]]
tool = "api"
step = "one-item"
path = "/items/{id}/{n}"
vars = { id = ["only"], n = { counter = 41 } }
"#;

fn plan_file(base_url: &str) -> (tempfile::TempDir, Plan) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.json"), "{\"name\":\"x\"}").unwrap();
    let path = dir.path().join("plan.toml");
    std::fs::write(&path, format!("base-url = \"{base_url}\"\n{PLAN}")).unwrap();
    let plan = Plan::load(&path).unwrap();
    (dir, plan)
}

#[test]
fn a_plan_file_with_checks_bodies_vars_and_warmup() {
    let server = common::start();
    let (_dir, plan) = plan_file(&server.base_url);
    let config = validate(&plan.load.overridden_by(&LoadArgs::default())).unwrap();
    let run = probe_with(&plan, &config);
    assert_eq!(run.records.len(), 6 * 8);
    let reasons = |step: &str| -> Vec<Option<String>> {
        of(&run, step)
            .iter()
            .filter(|record| record.get("phase").is_none())
            .map(|record| record["errorReason"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(reasons("json"), vec![None; 6]);
    assert_eq!(
        reasons("json-wrong"),
        vec![Some("check_failed: has pets".to_owned()); 6]
    );
    assert_eq!(reasons("created"), vec![None; 6]);
    assert_eq!(
        reasons("ok-but-201-expected"),
        vec![Some("http_2xx".to_owned()); 6]
    );
    // Warm-up records are written, marked, and left out of the summaries.
    for step in ["json", "items"] {
        let warmup = of(&run, step)
            .iter()
            .filter(|record| record["phase"] == "warmup")
            .count();
        assert_eq!(warmup, 2, "{step}");
    }
    for summary in &run.outcome.endpoints {
        assert_eq!((summary.count, summary.warmup), (6, 2), "{}", summary.step);
    }
    // {id} cycles through its list: 8 requests over 3 values.
    let paths = server.state.paths.lock().unwrap().clone();
    let items: Vec<&String> = paths
        .iter()
        .filter(|path| path.starts_with("/items/") && !path.starts_with("/items/only"))
        .collect();
    assert_eq!(items.len(), 8);
    // A one-value list and a counter: /items/only/41 .. /items/only/48.
    let mut counted: Vec<&String> = paths
        .iter()
        .filter(|path| path.starts_with("/items/only/"))
        .collect();
    counted.sort();
    let expected: Vec<String> = (41..49).map(|n| format!("/items/only/{n}")).collect();
    assert_eq!(counted, expected.iter().collect::<Vec<_>>());
    for value in ["a", "b", "c"] {
        let hits = items.iter().filter(|path| path.ends_with(value)).count();
        assert!((2..=3).contains(&hits), "{value}: {hits}");
    }
}

#[test]
fn connections_are_kept_alive_unless_told_otherwise() {
    use std::sync::atomic::Ordering;
    let server = common::start();
    let mut plan = quick(&server.base_url, &["/ok"]);
    probe(&plan, samples(5));
    assert_eq!(server.state.connections.load(Ordering::Relaxed), 1);
    plan.keep_alive = false;
    probe(&plan, samples(5));
    assert_eq!(server.state.connections.load(Ordering::Relaxed), 1 + 5);
}

#[test]
fn each_closed_model_worker_owns_one_connection() {
    use std::sync::atomic::Ordering;
    let server = common::start();
    let plan = quick(&server.base_url, &["/ok", "/health"]);
    let run = probe(
        &plan,
        LoadArgs {
            concurrency: Some(4),
            ..samples(40)
        },
    );
    assert_eq!(run.records.len(), 80);
    assert!(run.records.iter().all(|record| record["ok"] == true));
    assert_eq!(server.state.connections.load(Ordering::Relaxed), 4);
}

#[test]
fn http2_multiplexes_every_worker_on_one_connection() {
    use std::sync::atomic::Ordering;
    let server = common::start();
    let mut plan = quick(&server.base_url, &["/version"]);
    plan.http_version = HttpVersion::Http2;
    plan.endpoints[0].checks.push(Check {
        name: "speaks HTTP/2".into(),
        kind: CheckKind::Contains("HTTP/2.0".into()),
    });
    for load in [
        LoadArgs {
            concurrency: Some(6),
            ..samples(30)
        },
        LoadArgs {
            rate: Some(500.0),
            ..samples(30)
        },
    ] {
        let before = server.state.connections.load(Ordering::Relaxed);
        let run = probe(&plan, load);
        assert_eq!(run.records.len(), 30);
        assert!(
            run.records.iter().all(|record| record["ok"] == true),
            "{}",
            run.output
        );
        assert_eq!(server.state.connections.load(Ordering::Relaxed), before + 1);
    }
}

#[test]
fn a_connection_the_server_closes_is_opened_again() {
    use std::sync::atomic::Ordering;
    let server = common::start();
    // `/close` answers with `connection: close`: every request needs a new connection, and
    // none may fail for having been sent on the closed one.
    let plan = quick(&server.base_url, &["/close"]);
    for load in [
        samples(5),
        LoadArgs {
            concurrency: Some(2),
            ..samples(6)
        },
        LoadArgs {
            rate: Some(200.0),
            ..samples(5)
        },
    ] {
        let before = server.state.connections.load(Ordering::Relaxed);
        let run = probe(&plan, load);
        assert!(
            run.records.iter().all(|record| record["ok"] == true),
            "{}",
            run.output
        );
        let opened = server.state.connections.load(Ordering::Relaxed) - before;
        assert_eq!(opened, run.records.len() as u64);
    }
}

#[test]
fn http2_prior_knowledge_works() {
    let server = common::start();
    // The server answers with the version it saw; a check turns that into `ok`.
    for (version, seen) in [
        (HttpVersion::Http2, "HTTP/2.0"),
        (HttpVersion::Http1, "HTTP/1.1"),
    ] {
        let mut plan = quick(&server.base_url, &["/version"]);
        plan.http_version = version;
        plan.endpoints[0].checks.push(Check {
            name: format!("speaks {seen}"),
            kind: CheckKind::Contains(seen.to_owned()),
        });
        let run = probe(&plan, samples(3));
        assert!(
            run.records.iter().all(|record| record["ok"] == true),
            "{}",
            run.output
        );
    }
}

#[test]
fn the_open_model_records_lag_and_measures_from_the_intended_time() {
    let server = common::start();
    server
        .state
        .delay_ms
        .store(5, std::sync::atomic::Ordering::Relaxed);
    let plan = quick(&server.base_url, &["/delay", "/ok"]);
    let run = probe(
        &plan,
        LoadArgs {
            rate: Some(100.0),
            seed: Some(3),
            ..samples(20)
        },
    );
    assert_eq!(run.records.len(), 40);
    for record in &run.records {
        let ms = record["ms"].as_f64().unwrap();
        let service = record["serviceMs"].as_f64().unwrap();
        let lag = record["lagMs"].as_f64().unwrap();
        assert!((ms - (service + lag)).abs() < 1e-6, "{record}");
    }
    for step in ["GET /delay", "GET /ok"] {
        assert_eq!(of(&run, step).len(), 20);
    }
    let delay = &run.outcome.endpoints[0];
    assert!(delay.latency.unwrap().p50 >= 5.0);
    assert!(run.outcome.self_check.lag_p99_ms.is_some());
    assert_eq!(run.outcome.self_check.dropped, 0);
}

#[test]
fn a_duration_run_stops_by_itself() {
    let server = common::start();
    let plan = quick(&server.base_url, &["/ok"]);
    let started = std::time::Instant::now();
    let run = probe(
        &plan,
        LoadArgs {
            rate: Some(50.0),
            duration: Some(Duration::from_millis(600)),
            warmup_duration: Some(Duration::from_millis(200)),
            ..LoadArgs::default()
        },
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let summary = &run.outcome.endpoints[0];
    // 50/s for 0.6 s measured, 0.2 s warm-up: about 30 and 10.
    assert!((20..=40).contains(&summary.count), "{}", summary.count);
    assert!((5..=15).contains(&summary.warmup), "{}", summary.warmup);
}

/// wrk2's demonstration as a test: at a constant rate the server stalls for 1 s. Latency from
/// the intended send (`ms`) shows the stall in its p99; `serviceMs` of the requests sent after
/// the stall does not.
#[test]
fn coordinated_omission_is_corrected() {
    let server = common::start();
    let plan = quick(&server.base_url, &["/stall"]);
    let state = std::sync::Arc::clone(&server.state);
    let stall = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        let began = perf_record::Timestamp::now();
        *state.stall_until.lock().unwrap() =
            Some(std::time::Instant::now() + Duration::from_secs(1));
        began
    });
    let run = probe(
        &plan,
        LoadArgs {
            rate: Some(50.0),
            duration: Some(Duration::from_secs(3)),
            ..LoadArgs::default()
        },
    );
    let began = stall.join().unwrap();
    let ended = began.checked_add(Duration::from_secs(1)).unwrap();
    let summary = &run.outcome.endpoints[0];
    let corrected_p99 = summary.latency.unwrap().p99;
    assert!(corrected_p99 > 500.0, "corrected p99 {corrected_p99}ms");

    let after: Vec<f64> = run
        .output
        .lines()
        .filter_map(|line| match parse_line(line.as_bytes()) {
            Ok(Line::Record(record)) => Some((record.ts, line)),
            _ => None,
        })
        .filter(|(ts, _)| *ts > ended.checked_add(Duration::from_millis(200)).unwrap())
        .map(|(_, line)| {
            let value: Value = serde_json::from_str(line).unwrap();
            value["serviceMs"].as_f64().unwrap()
        })
        .collect();
    assert!(
        after.len() >= 10,
        "{} requests after the stall",
        after.len()
    );
    let service_p99 =
        perf_stats::quantile(&after, 0.99, perf_stats::QuantileMethod::Linear).unwrap();
    assert!(
        service_p99 < corrected_p99 / 3.0,
        "serviceMs p99 after the stall {service_p99}ms vs corrected {corrected_p99}ms"
    );
    assert!(run.records.iter().all(|record| record["ok"] == true));
}

/// A rate the generator cannot keep up with is the generator's fault, not the server's.
#[test]
fn an_impossible_rate_is_a_generator_bottleneck() {
    let server = common::start();
    let plan = quick(&server.base_url, &["/ok"]);
    let run = probe(
        &plan,
        LoadArgs {
            rate: Some(1_000_000.0),
            max_in_flight: Some(32),
            ..samples(3000)
        },
    );
    let summary = &run.outcome.endpoints[0];
    let LoadVerdict::GeneratorBottleneck(reasons) = &summary.verdict else {
        panic!("expected a bottleneck verdict, got {:?}", summary.verdict);
    };
    // The schedule itself was missed (late sends, drops at the cap), not only the timer check,
    // which a loaded machine trips by itself.
    assert!(
        reasons.iter().any(|reason| matches!(
            reason,
            BottleneckReason::Lag { .. } | BottleneckReason::Dropped { .. }
        )),
        "{reasons:?}"
    );
    assert!(run.outcome.self_check.generator_bottleneck);
    let groups = run.outcome.bottleneck_groups();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        (groups[0].tool.as_str(), groups[0].step.as_str()),
        ("probe", "GET /ok")
    );
    let text = render_summary(&run.outcome);
    assert!(text.contains("the generator was the bottleneck"), "{text}");
    assert!(text.contains("insufficient: probe/GET /ok"), "{text}");
    // Every request that was sent is still a record; the dropped ones are counted.
    assert_eq!(
        run.records.len() as u64 + run.outcome.self_check.dropped,
        3000
    );

    // The same server at a modest rate: the generator keeps up (generous limits: the host is
    // shared, and a test must not depend on an idle machine).
    let run = probe(
        &plan,
        LoadArgs {
            rate: Some(50.0),
            max_lag_p99: Some(Duration::from_secs(1)),
            max_oversleep_p99: Some(Duration::from_secs(1)),
            ..samples(25)
        },
    );
    assert_eq!(run.outcome.endpoints[0].verdict, LoadVerdict::Valid);
}

/// The timer check is wired into every group's verdict, in the closed model too: no runtime
/// wakes a 1 ms timer within a microsecond of its deadline (tokio's timer wheel ticks in
/// milliseconds), so a 1µs limit always trips it, on an idle machine or a loaded one.
#[test]
fn a_late_waking_runtime_is_a_generator_bottleneck() {
    let server = common::start();
    let plan = quick(&server.base_url, &["/delay", "/ok"]);
    server
        .state
        .delay_ms
        .store(20, std::sync::atomic::Ordering::Relaxed);
    let run = probe(
        &plan,
        LoadArgs {
            max_oversleep_p99: Some(Duration::from_micros(1)),
            ..samples(5)
        },
    );
    assert!(run.outcome.self_check.generator_bottleneck);
    assert_eq!(run.outcome.bottleneck_groups().len(), 2);
    for summary in &run.outcome.endpoints {
        let LoadVerdict::GeneratorBottleneck(reasons) = &summary.verdict else {
            panic!("{}: {:?}", summary.step, summary.verdict);
        };
        assert!(
            matches!(reasons[..], [BottleneckReason::Oversleep { limit_ms, .. }] if limit_ms == 0.001),
            "{reasons:?}"
        );
    }
    let text = render_summary(&run.outcome);
    assert!(text.contains("timer oversleep p99"), "{text}");
}
