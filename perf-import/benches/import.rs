//! Throughput (bytes of input per second) of each raw-sample importer on synthetic input
//! shaped like the real tools' output (see `tests/fixtures/`), through the public API with a
//! sink that only counts.

#![allow(missing_docs, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perf_import::{Format, ImportConfig, Item, import_reader};

const REQUESTS: usize = 20_000;

/// k6 `--out json`: per request, ten points of which one is `http_req_duration`, plus the
/// metric declarations once.
fn k6() -> String {
    let mut out = String::new();
    for metric in [
        "http_reqs",
        "http_req_duration",
        "http_req_blocked",
        "http_req_failed",
    ] {
        writeln!(out, r#"{{"type":"Metric","data":{{"name":"{metric}","type":"trend","contains":"time","thresholds":[],"submetrics":null}},"metric":"{metric}"}}"#).unwrap();
    }
    let metrics = [
        "http_reqs",
        "http_req_duration",
        "http_req_blocked",
        "http_req_connecting",
        "http_req_tls_handshaking",
        "http_req_sending",
        "http_req_waiting",
        "http_req_receiving",
        "http_req_failed",
        "checks",
    ];
    for i in 0..REQUESTS {
        let (name, method, status, expected) = if i % 2 == 0 {
            (
                "login",
                "POST",
                if i % 40 == 0 { "500" } else { "200" },
                i % 40 != 0,
            )
        } else {
            ("search", "GET", "200", true)
        };
        for metric in metrics {
            writeln!(out, r#"{{"metric":"{metric}","type":"Point","data":{{"time":"2026-12-01T09:31:{:02}.{:09}Z","value":{}.{:06},"tags":{{"expected_response":"{expected}","group":"","method":"{method}","name":"{name}","proto":"HTTP/1.1","scenario":"users","status":"{status}","url":"{name}"}}}}}}"#, i % 60, i * 7919 % 1_000_000_000, i % 97, i * 31 % 1_000_000).unwrap();
        }
    }
    out
}

fn jmeter_csv() -> String {
    let mut out = String::from(
        "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n",
    );
    for i in 0..REQUESTS * 4 {
        let ok = i % 25 != 0;
        writeln!(
            out,
            "{},{},login,{},{},users 1-{},text,{ok},,167,210,3,3,http://127.0.0.1:18080/api/login,{},0,1",
            1_796_117_766_594u64 + i as u64,
            20 + i % 200,
            if ok { 200 } else { 500 },
            if ok { "OK" } else { "Internal Server Error" },
            i % 3 + 1,
            19 + i % 200
        )
        .unwrap();
    }
    out
}

fn jmeter_xml() -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testResults version=\"1.2\">\n");
    for i in 0..REQUESTS * 2 {
        writeln!(
            out,
            r#"<httpSample t="{}" lt="{}" ts="{}" s="{}" lb="login" rc="200" rm="OK" tn="users 1-{}" dt="text" by="167" ng="3" na="3"/>"#,
            20 + i % 200,
            19 + i % 200,
            1_796_117_766_594u64 + i as u64,
            i % 25 != 0,
            i % 3 + 1
        )
        .unwrap();
    }
    out.push_str("</testResults>\n");
    out
}

fn gobench() -> String {
    let mut out =
        String::from("goos: linux\ngoarch: amd64\npkg: example.com/textproc\ncpu: AMD EPYC\n");
    for i in 0..REQUESTS * 4 {
        writeln!(
            out,
            "BenchmarkJoin/builder/n={}-2         \t 1672454\t       {}.{} ns/op\t      56 B/op\t       3 allocs/op",
            10 * (i % 3 + 1),
            800 + i % 100,
            i % 10
        )
        .unwrap();
    }
    out.push_str("PASS\nok  \texample.com/textproc\t89.322s\n");
    out
}

fn otlp() -> String {
    let mut out = String::new();
    for batch in 0..REQUESTS / 64 {
        out.push_str(r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop-gateway"}},{"key":"service.version","value":{"stringValue":"1.4.2"}}]},"scopeSpans":[{"scope":{"name":"shop.http-client","version":"0.1.0"},"spans":["#);
        for span in 0..64 {
            let start = 1_796_117_885_904_820_402u64 + (batch * 64 + span) as u64 * 1_000_000;
            if span > 0 {
                out.push(',');
            }
            write!(out, r#"{{"traceId":"7100b1d54f3b7e6cc91c02643fdfb7a9","spanId":"32a3fd4354c5ac02","parentSpanId":"9bd868775364583b","name":"GET","kind":3,"startTimeUnixNano":"{start}","endTimeUnixNano":"{}","attributes":[{{"key":"http.request.method","value":{{"stringValue":"GET"}}}},{{"key":"url.full","value":{{"stringValue":"http://127.0.0.1:18080/api/items/18"}}}},{{"key":"http.response.status_code","value":{{"intValue":"200"}}}}],"status":{{}},"flags":256}}"#, start + 15_000_000 + span as u64 * 1000).unwrap();
        }
        out.push_str("]}]}]}\n");
    }
    out
}

fn oha() -> String {
    let mut out =
        String::from("request-start,DNS,DNS+dialup,Response-delay,request-duration,bytes,status\n");
    for i in 0..REQUESTS * 4 {
        writeln!(
            out,
            "{}.{:09},0.000064465,0.001131399,0.023607319,0.0{:08},24,{}",
            i / 1000,
            i * 7919 % 1_000_000_000,
            23_608_942 + i,
            if i % 13 == 0 { 404 } else { 200 }
        )
        .unwrap();
    }
    out
}

fn vegeta() -> String {
    let mut out = String::new();
    for i in 0..REQUESTS * 2 {
        writeln!(out, "{},200,{},14,23,,eyJyb3V0ZSI6ICIvYXBpL2xvZ2luIn0=,routes,{i},POST,http://127.0.0.1:18080/api/login,Q29udGVudC1MZW5ndGg6IDIzDQpDb250ZW50LVR5cGU6IGFwcGxpY2F0aW9uL2pzb24NCkRhdGU6IFR1ZSwgMDEgRGVjIDIwMjYgMDk6NTA6MzAgR01UDQpTZXJ2ZXI6IEJhc2VIVFRQLzAuNiBQeXRob24vMy4xMS43DQoNCg==", 1_796_118_630_782_495_369u64 + i as u64 * 1000, 20_588_357 + i).unwrap();
    }
    out
}

fn criterion_messages() -> String {
    let mut out = String::new();
    for i in 0..REQUESTS / 20 {
        let counts: Vec<String> = (1..=100).map(|k| (k * 84_790).to_string()).collect();
        let values: Vec<String> = (1..=100)
            .map(|k| format!("{}.0", k * 2_924_422 + i))
            .collect();
        writeln!(out, r#"{{"reason":"benchmark-complete","id":"tokenize/count/{i}","report_directory":"/build/crit/target/criterion/reports/tokenize/count/16","iteration_count":[{}],"measured_values":[{}],"unit":"ns","throughput":[{{"per_iteration":54,"unit":"bytes"}}],"typical":{{"estimate":54.24,"lower_bound":44.28,"upper_bound":63.21,"unit":"ns"}},"change":null}}"#, counts.join(","), values.join(",")).unwrap();
    }
    out
}

fn hyperfine() -> String {
    let mut results = Vec::new();
    for command in 0..20 {
        let times: Vec<String> = (0..5000)
            .map(|run| format!("0.1{:015}", run * 7919 + command))
            .collect();
        let codes: Vec<&str> = (0..5000)
            .map(|run| if run % 9 == 0 { "22" } else { "0" })
            .collect();
        results.push(format!(
            r#"{{"command":"curl -sf http://127.0.0.1/{command}","mean":0.1,"stddev":0.02,"median":0.1,"user":0.003,"system":0.004,"min":0.06,"max":0.14,"times":[{}],"exit_codes":[{}],"parameters":{{"route":"r{command}"}}}}"#,
            times.join(","),
            codes.join(",")
        ));
    }
    format!(r#"{{"results":[{}]}}"#, results.join(","))
}

fn bench(criterion: &mut Criterion) {
    let config = ImportConfig::new("2026-12-01T00:00:00Z".parse().unwrap());
    let inputs = [
        (Format::K6, "k6", k6()),
        (Format::Jmeter, "jmeter-csv", jmeter_csv()),
        (Format::Jmeter, "jmeter-xml", jmeter_xml()),
        (Format::GoBench, "gobench", gobench()),
        (Format::Otlp, "otlp", otlp()),
        (Format::Oha, "oha", oha()),
        (Format::Vegeta, "vegeta-csv", vegeta()),
        (Format::Criterion, "criterion", criterion_messages()),
        (Format::Hyperfine, "hyperfine", hyperfine()),
    ];
    let mut group = criterion.benchmark_group("import");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for (format, name, input) in &inputs {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(*name, |bencher| {
            bencher.iter(|| {
                let mut records = 0u64;
                let report = import_reader(*format, "bench", input.as_bytes(), &config, |item| {
                    records += u64::from(matches!(item, Item::Sample(_)));
                    Ok(())
                })
                .unwrap();
                assert_eq!(report.rejected, 0);
                black_box(records)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
