//! Traps and hostile inputs: truncated files, the wrong format, huge documents and lines,
//! int64 as strings or numbers, templates, a failing sink.

#![allow(clippy::unwrap_used)]

use std::io::{self, Read};

use perf_import::{
    Format, ImportConfig, ImportError, ImportReport, Item, Template, import_reader, write_sample,
    write_summary,
};
use perf_record::{Outcome, ReadConfig, RecordReader};

fn config() -> ImportConfig {
    ImportConfig::new("2026-12-01T00:00:00Z".parse().unwrap())
}

/// Imports `input`, returning the report, the samples as (tool, step, ms, ok) and the
/// rejections as text.
#[allow(clippy::type_complexity)]
fn run(
    format: Format,
    input: impl io::BufRead,
    config: &ImportConfig,
) -> Result<(ImportReport, Vec<(String, String, f64, bool)>, Vec<String>), ImportError> {
    let mut samples = Vec::new();
    let mut rejections = Vec::new();
    let report = import_reader(format, "in", input, config, |item| {
        match item {
            Item::Sample(sample) => samples.push((
                sample.record.tool.into_owned(),
                sample.record.step.into_owned(),
                sample.record.ms,
                matches!(sample.record.outcome, Outcome::Success),
            )),
            Item::Rejected(rejection) => rejections.push(rejection.to_string()),
            Item::Summary(_) => {}
        }
        Ok(())
    })?;
    assert!(report.is_balanced(), "{report:?}");
    Ok((report, samples, rejections))
}

const OTLP_STRING: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[{"name":"GET","kind":3,"startTimeUnixNano":"1796117885904820402","endTimeUnixNano":"1796117885904882224","status":{}}]}]}]}"#;

#[test]
fn otlp_int64_nanos_are_exact_as_strings_and_as_numbers() {
    let as_number = OTLP_STRING
        .replace("\"1796117885904820402\"", "1796117885904820402")
        .replace("\"1796117885904882224\"", "1796117885904882224");
    for text in [OTLP_STRING.to_owned(), as_number] {
        let (_, samples, rejections) = run(Format::Otlp, text.as_bytes(), &config()).unwrap();
        assert!(rejections.is_empty(), "{rejections:?}");
        // 61,822 ns exactly; subtracting the two as f64 would give 61,952 ns.
        assert_eq!(samples, vec![("shop".into(), "GET".into(), 0.061822, true)]);
    }
    assert_ne!(1796117885904882224_f64 - 1796117885904820402_f64, 61822.0);
}

#[test]
fn otlp_reads_enum_names_a_pretty_document_and_rejects_bad_spans_by_path() {
    let document = OTLP_STRING
        .replace("\"kind\":3", "\"kind\":\"SPAN_KIND_CLIENT\"")
        .replace(
            "\"status\":{}",
            "\"status\":{\"code\":\"STATUS_CODE_ERROR\",\"message\":\"HTTP 500\"}",
        );
    let value: serde_json::Value = serde_json::from_str(&document).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let mut config = config();
    config.step = Some("{kind} {name}".parse().unwrap());
    let (_, samples, _) = run(Format::Otlp, pretty.as_bytes(), &config).unwrap();
    assert_eq!(
        samples,
        vec![("shop".into(), "client GET".into(), 0.061822, false)]
    );

    let backwards = OTLP_STRING.replace("1796117885904882224", "1796117885904000000");
    let input = format!("{OTLP_STRING}\nnot json\n{backwards}\n");
    let (report, samples, rejections) = run(Format::Otlp, input.as_bytes(), &config).unwrap();
    assert_eq!((samples.len(), report.rejected), (1, 2));
    assert!(rejections[0].starts_with("in:2: "), "{rejections:?}");
    assert_eq!(
        rejections[1],
        "in:3: resourceSpans[0].scopeSpans[0].spans[0]: endTimeUnixNano is before startTimeUnixNano"
    );
}

#[test]
fn truncated_inputs_give_clear_errors_or_rejections() {
    let hyperfine = r#"{"results":[{"command":"sleep 1","times":[1.0,1.1"#;
    let error = run(Format::Hyperfine, hyperfine.as_bytes(), &config()).unwrap_err();
    assert!(matches!(error, ImportError::Json { .. }), "{error}");
    assert!(error.to_string().contains("not a valid hyperfine document"));
    assert!(
        std::error::Error::source(&error)
            .unwrap()
            .to_string()
            .contains("EOF")
    );

    let k6 = concat!(
        r#"{"metric":"http_req_duration","type":"Point","data":{"time":"2026-12-01T09:31:49.4Z","value":16.6,"tags":{"expected_response":"true","method":"GET","name":"a"}}}"#,
        "\n",
        r#"{"metric":"http_req_duration","type":"Point","data":{"time":"2026-12"#,
    );
    let (_, samples, rejections) = run(Format::K6, k6.as_bytes(), &config()).unwrap();
    assert_eq!(samples, vec![("a".into(), "GET".into(), 16.6, true)]);
    assert!(rejections[0].starts_with("in:2: EOF"), "{rejections:?}");

    let xml = "<?xml version=\"1.0\"?>\n<testResults>\n<httpSample t=\"5\" ts=\"1796117777807\" s=\"true\" lb=\"a\" tn=\"g 1-1\">\n";
    let (report, samples, rejections) = run(Format::Jmeter, xml.as_bytes(), &config()).unwrap();
    assert_eq!((samples.len(), report.rejected), (1, 1));
    assert!(rejections[0].contains("truncated"), "{rejections:?}");
}

#[test]
fn a_gigabyte_document_is_refused_at_the_cap_without_reading_it_all() {
    let mut config = config();
    config.max_document_bytes = 1 << 20;
    for format in [Format::Hyperfine, Format::K6Summary, Format::Gatling] {
        let huge = io::BufReader::new(io::repeat(b'[').take(1 << 30));
        let error = run(format, huge, &config).unwrap_err();
        assert!(
            matches!(
                error,
                ImportError::DocumentTooLarge {
                    limit: 1_048_576,
                    ..
                }
            ),
            "{error}"
        );
    }
    // OTLP as one pretty document is capped the same way.
    let huge =
        io::BufReader::new(io::Cursor::new(b"{\n".to_vec()).chain(io::repeat(b' ').take(1 << 30)));
    let error = run(Format::Otlp, huge, &config).unwrap_err();
    assert!(
        matches!(error, ImportError::DocumentTooLarge { .. }),
        "{error}"
    );
}

#[test]
fn an_over_long_line_is_rejected_or_stops_the_csv_reader() {
    let mut config = config();
    config.max_line_bytes = 1 << 16;
    let input = io::BufReader::new(io::repeat(b'{').take(10 << 20).chain(&b"\n{}\n"[..]));
    let (report, _, rejections) = run(Format::K6, input, &config).unwrap();
    assert_eq!(report.rejected, 1);
    assert!(
        rejections[0].contains("longer than the limit"),
        "{rejections:?}"
    );
    assert_eq!(report.skipped["other-metric"], 1);

    let input = io::BufReader::new(io::repeat(b'1').take(10 << 20));
    let error = run(Format::Jmeter, input, &config).unwrap_err();
    assert!(matches!(error, ImportError::Io { .. }), "{error}");

    // An XML tag is buffered up to the cap, text between tags not at all.
    let tag = io::BufReader::new(
        io::Cursor::new(b"<testResults><httpSample t=\"".to_vec())
            .chain(io::repeat(b'1').take(10 << 20)),
    );
    let error = run(Format::Jmeter, tag, &config).unwrap_err();
    assert!(error.to_string().contains("malformed XML"), "{error}");
    assert!(
        std::error::Error::source(&error)
            .unwrap()
            .to_string()
            .contains("longer than the limit")
    );
    let text = io::BufReader::new(
        io::Cursor::new(b"<testResults><x>".to_vec())
            .chain(io::repeat(b'z').take(10 << 20))
            .chain(&b"</x><httpSample t=\"5\" ts=\"1796117777807\" s=\"true\" lb=\"a\"/></testResults>"[..]),
    );
    let (_, samples, _) = run(Format::Jmeter, text, &config).unwrap();
    assert_eq!(samples.len(), 1);
}

#[test]
fn the_wrong_format_gives_rejections_or_a_clear_error_never_records() {
    let jtl = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success\n1796117766594,134,login,200,OK,users 1-3,text,true\n";
    let (report, samples, _) = run(Format::K6, jtl.as_bytes(), &config()).unwrap();
    assert_eq!((samples.len(), report.rejected), (0, 2));
    let error = run(Format::Hyperfine, jtl.as_bytes(), &config()).unwrap_err();
    assert!(matches!(error, ImportError::Json { .. }));
    // A JSON line read as a headerless JTL: its first field is no epoch-ms timestamp.
    let (report, samples, rejections) =
        run(Format::Jmeter, OTLP_STRING.as_bytes(), &config()).unwrap();
    assert_eq!((samples.len(), report.rejected), (0, 1));
    assert!(rejections[0].contains("is not epoch milliseconds"));
    let error = run(Format::Jmeter, &b"{\"a\":1}\n"[..], &config()).unwrap_err();
    assert!(matches!(error, ImportError::Unsupported { .. }), "{error}");
    let error = run(
        Format::Oha,
        &br#"{"summary":{"successRate":1.0}}"#[..],
        &config(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("--output-format csv"), "{error}");
    let (report, samples, _) = run(Format::GoBench, jtl.as_bytes(), &config()).unwrap();
    assert_eq!((samples.len(), report.skipped["not-a-result"]), (0, 2));
}

#[test]
fn garbage_never_panics_and_always_balances() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let inputs: Vec<Vec<u8>> = (0..200)
        .map(|index| {
            let length = (index * 37) % 700;
            (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    b"{}[]\",:0123456789.e-\n\r <>/=\tabBenchmark\"ns/op"[(state % 43) as usize]
                })
                .collect()
        })
        .collect();
    for format in Format::ALL {
        for input in &inputs {
            let _ = run(format, input.as_slice(), &config());
        }
        let _ = run(format, &b""[..], &config());
    }
}

#[test]
fn templates_rename_groups_and_unknown_fields_are_refused() {
    let k6 = r#"{"metric":"http_req_duration","type":"Point","data":{"time":"2026-12-01T09:31:49.4Z","value":1.5,"tags":{"expected_response":"false","status":"503","method":"GET","name":"a","scenario":"s1"}}}"#;
    let mut config = config();
    config.tool = Some("{scenario}".parse().unwrap());
    config.step = Some("{method} {name}".parse().unwrap());
    let (_, samples, _) = run(Format::K6, k6.as_bytes(), &config).unwrap();
    assert_eq!(samples, vec![("s1".into(), "GET a".into(), 1.5, false)]);

    let mut config = self::config();
    config.step = Some("{nope}".parse::<Template>().unwrap());
    let error = run(Format::Jmeter, &b""[..], &config).unwrap_err();
    assert!(matches!(error, ImportError::UnknownTemplateField { .. }));
    assert!(error.to_string().contains("label"), "{error}");
}

#[test]
fn a_failing_sink_stops_the_import_with_its_error() {
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/oha-search.csv"
    ))
    .unwrap();
    let mut seen = 0;
    let error = import_reader(Format::Oha, "oha.csv", input.as_slice(), &config(), |_| {
        seen += 1;
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
    })
    .unwrap_err();
    assert_eq!(seen, 1);
    assert!(matches!(error, ImportError::Sink { .. }));
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "closed"
    );
}

#[test]
fn written_samples_are_valid_perf_gate_jsonl() {
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/vegeta-routes.csv"
    ))
    .unwrap();
    let mut out = Vec::new();
    let report = import_reader(
        Format::Vegeta,
        "v.csv",
        input.as_slice(),
        &config(),
        |item| match item {
            Item::Sample(sample) => write_sample(&mut out, &sample),
            Item::Summary(summary) => write_summary(&mut out, &summary),
            Item::Rejected(_) => Ok(()),
        },
    )
    .unwrap();
    let mut reader = RecordReader::new("out", out.as_slice(), ReadConfig::default());
    let read = reader.by_ref().filter(Result::is_ok).count();
    assert_eq!((read as u64, reader.counts().rejected), (report.records, 0));
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("\"source\":\"vegeta\",\"sourceLine\":1}")
    );
}

const GATLING_STATS: &str = r#"{
  "type": "GROUP", "name": "All Requests", "path": "", "pathFormatted": "group_missing-name",
  "stats": {"name": "All Requests", "numberOfRequests": {"total": 30, "ok": 27, "ko": 3},
            "minResponseTime": {"total": 5, "ok": 5, "ko": 40}},
  "contents": {
    "req_home": {"type": "REQUEST", "name": "home", "path": "home", "pathFormatted": "req_home",
      "stats": {"name": "home", "numberOfRequests": {"total": "20", "ok": "18", "ko": "2"},
        "minResponseTime": {"total": "5", "ok": "5", "ko": "40"},
        "maxResponseTime": {"total": "90", "ok": "80", "ko": "90"},
        "meanResponseTime": {"total": "21", "ok": "19", "ko": "60"},
        "standardDeviation": {"total": "9", "ok": "8", "ko": "3"},
        "percentiles1": {"total": "18", "ok": "17", "ko": "60"},
        "percentiles2": {"total": "25", "ok": "24", "ko": "70"},
        "percentiles3": {"total": "60", "ok": "50", "ko": "85"},
        "percentiles4": {"total": "-", "ok": "-", "ko": "-"}}},
    "group_checkout": {"type": "GROUP", "name": "checkout", "path": "checkout", "pathFormatted": "group_checkout",
      "stats": {"name": "checkout", "numberOfRequests": {"total": 10, "ok": 9, "ko": 1}},
      "contents": {"req_pay": {"type": "REQUEST", "name": "pay", "path": "checkout / pay", "pathFormatted": "req_pay",
        "stats": {"name": "pay", "numberOfRequests": {"total": 10, "ok": 9, "ko": 1},
          "percentiles3": {"total": 120, "ok": 110, "ko": 300}}}}}
  }
}"#;

#[test]
fn gatling_stats_become_summaries_of_requests_only() {
    let mut summaries = Vec::new();
    let report = import_reader(
        Format::Gatling,
        "stats.json",
        GATLING_STATS.as_bytes(),
        &config(),
        |item| {
            if let Item::Summary(summary) = item {
                summaries.push(summary);
            }
            Ok(())
        },
    )
    .unwrap();
    assert!(report.is_balanced());
    assert_eq!((report.summaries, report.skipped["group-total"]), (2, 2));
    let home = &summaries[1];
    assert_eq!(
        (home.tool.as_str(), home.step.as_str()),
        ("gatling", "home")
    );
    assert_eq!((home.count, home.errors), (Some(20), Some(2)));
    assert_eq!(home.percentile(0.95), Some(60.0));
    assert_eq!(home.percentile(0.99), None, "\"-\" means absent");
    let pay = &summaries[0];
    assert_eq!((pay.tool.as_str(), pay.step.as_str()), ("checkout", "pay"));
    assert_eq!(pay.percentile(0.95), Some(120.0));

    let error = import_reader(
        Format::Gatling,
        "stats.js",
        &b"var stats = {}"[..],
        &config(),
        |_| Ok(()),
    )
    .unwrap_err();
    assert!(error.to_string().contains("stats.json"), "{error}");
}
