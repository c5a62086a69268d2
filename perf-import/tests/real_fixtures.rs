//! The importers on real tool output (`tests/fixtures/`, see its README): record counts,
//! per-group counts and p95 against values computed here independently of the importer
//! (plain string splitting or `serde_json::Value`, and numpy's default linear quantile).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufReader, Read};

use camino::Utf8PathBuf;
use perf_import::{
    Format, FormatChoice, ImportConfig, ImportError, ImportReport, Item, Rejection, SummaryRecord,
    import_path, import_reader, sniff,
};
use perf_record::{Outcome, Timestamp};
use serde_json::Value;

fn fixture(name: &str) -> Utf8PathBuf {
    Utf8PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read_text(name: &str) -> String {
    let path = fixture(name);
    let file = std::fs::File::open(&path).unwrap();
    let mut text = String::new();
    if name.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap();
    } else {
        BufReader::new(file).read_to_string(&mut text).unwrap();
    }
    text
}

fn config() -> ImportConfig {
    ImportConfig::new("2026-12-01T00:00:00Z".parse().unwrap())
}

/// tool, step, ms, error reason, ts, source line.
type Flat = (String, String, f64, Option<String>, Timestamp, Option<u64>);

#[derive(Debug, Default)]
struct Imported {
    samples: Vec<Flat>,
    summaries: Vec<SummaryRecord>,
    rejections: Vec<Rejection>,
}

impl Imported {
    /// (tool, step) -> (count, errors, latencies).
    fn groups(&self) -> BTreeMap<(String, String), (usize, usize, Vec<f64>)> {
        let mut groups: BTreeMap<(String, String), (usize, usize, Vec<f64>)> = BTreeMap::new();
        for (tool, step, ms, error, _, _) in &self.samples {
            let group = groups.entry((tool.clone(), step.clone())).or_default();
            group.0 += 1;
            group.1 += usize::from(error.is_some());
            group.2.push(*ms);
        }
        groups
    }
}

fn import_with(name: &str, format: Format, config: &ImportConfig) -> (Imported, ImportReport) {
    let mut imported = Imported::default();
    let report = import_path(
        FormatChoice::Exact(format),
        &fixture(name),
        config,
        |item| {
            match item {
                Item::Sample(sample) => {
                    let record = sample.record;
                    let error = match record.outcome {
                        Outcome::Error(reason) => Some(reason.unwrap_or_default().into_owned()),
                        _ => None,
                    };
                    imported.samples.push((
                        record.tool.into_owned(),
                        record.step.into_owned(),
                        record.ms,
                        error,
                        record.ts,
                        sample.source_line,
                    ));
                }
                Item::Summary(summary) => imported.summaries.push(summary),
                Item::Rejected(rejection) => imported.rejections.push(rejection),
            }
            Ok(())
        },
    )
    .unwrap();
    assert!(report.is_balanced(), "{report:?}");
    assert_eq!(report.records as usize, imported.samples.len());
    assert_eq!(report.rejected as usize, imported.rejections.len());
    (imported, report)
}

fn import(name: &str, format: Format) -> (Imported, ImportReport) {
    import_with(name, format, &config())
}

/// numpy's default (`linear`, Hyndman & Fan type 7) quantile.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = (sorted.len() - 1) as f64 * q;
    let low = position.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    sorted[low] + (position - low as f64) * (sorted[high] - sorted[low])
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{actual} != {expected}"
    );
}

/// Checks every group's count, error count and p95 against an independent computation.
fn assert_groups(
    imported: &Imported,
    expected: &BTreeMap<(String, String), (usize, usize, Vec<f64>)>,
) {
    let groups = imported.groups();
    assert_eq!(
        groups.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (key, (count, errors, values)) in expected {
        let group = &groups[key];
        assert_eq!((group.0, group.1), (*count, *errors), "{key:?}");
        assert_close(quantile(&group.2, 0.95), quantile(values, 0.95));
    }
}

fn key(tool: &str, step: &str) -> (String, String) {
    (tool.to_owned(), step.to_owned())
}

#[test]
fn k6_json_gz_matches_an_independent_reading_and_k6s_own_percentiles() {
    let (imported, report) = import("k6-login-search.json.gz", Format::K6);
    let text = read_text("k6-login-search.json.gz");
    let mut expected: BTreeMap<_, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        if value["type"] == "Point" && value["metric"] == "http_req_duration" {
            let tags = &value["data"]["tags"];
            let group = expected
                .entry(key(
                    tags["name"].as_str().unwrap(),
                    tags["method"].as_str().unwrap(),
                ))
                .or_default();
            group.0 += 1;
            group.1 += usize::from(tags["expected_response"] == "false");
            group.2.push(value["data"]["value"].as_f64().unwrap());
        }
    }
    assert_eq!(imported.samples.len(), 300);
    assert_eq!(report.items as usize, text.lines().count());
    assert!(imported.rejections.is_empty());
    assert_eq!(expected[&key("login", "POST")].1, 8);
    assert_eq!(expected[&key("search", "GET")].1, 16);
    assert_groups(&imported, &expected);
    // k6's own trend percentiles (numpy-linear, per the fixture README) agree.
    let summary: Value = serde_json::from_str(&read_text("k6-login-search-summary.json")).unwrap();
    let groups = imported.groups();
    for (name, method) in [("login", "POST"), ("search", "GET")] {
        let k6_p95 = summary["metrics"][format!("http_req_duration{{name:{name}}}")]["p(95)"]
            .as_f64()
            .unwrap();
        assert_close(quantile(&groups[&key(name, method)].2, 0.95), k6_p95);
    }
    let failed = imported
        .samples
        .iter()
        .find(|sample| sample.3.is_some())
        .unwrap();
    assert!(
        failed.3.as_deref().unwrap().starts_with("http "),
        "{failed:?}"
    );
    assert!(failed.5.is_some(), "records keep their source line");
}

#[test]
fn k6_summary_counts_failures_from_passes_and_has_no_raw_samples() {
    let (imported, report) = import("k6-login-search-summary.json", Format::K6Summary);
    assert!(imported.samples.is_empty());
    assert_eq!(report.summaries, 4);
    let all = imported
        .summaries
        .iter()
        .find(|summary| summary.tool == "http_req_duration" && summary.step == "-")
        .unwrap();
    // `http_req_failed: {"passes": 24, "fails": 276}`: passes are the FAILED requests.
    assert_eq!((all.count, all.errors), (Some(300), Some(24)));
    assert_eq!(all.percentile(0.95), Some(91.78307915));
    assert_eq!(all.percentile(0.5), Some(63.536227));
    assert_eq!(all.min_ms, Some(16.138902));
    let login = imported
        .summaries
        .iter()
        .find(|summary| summary.tool == "login")
        .unwrap();
    assert_eq!(
        login.count, None,
        "no http_req_failed{{name:login}} in the file"
    );
    assert_eq!(login.percentile(0.9), Some(64.29361859999997));
    assert!(
        imported
            .summaries
            .iter()
            .any(|summary| summary.step == "expected_response:true")
    );
    const { assert!(!SummaryRecord::RAW_SAMPLES) };
    assert!(!Format::K6Summary.has_raw_samples());
}

#[test]
fn hyperfine_runs_are_seconds_with_parallel_exit_codes() {
    let (imported, report) = import("hyperfine-routes.json", Format::Hyperfine);
    let export: Value = serde_json::from_str(&read_text("hyperfine-routes.json")).unwrap();
    let mut expected: BTreeMap<_, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for result in export["results"].as_array().unwrap() {
        let route = result["parameters"]["route"].as_str().unwrap();
        let group = expected
            .entry(key(
                result["command"].as_str().unwrap(),
                &format!("route={route}"),
            ))
            .or_default();
        for (time, code) in result["times"]
            .as_array()
            .unwrap()
            .iter()
            .zip(result["exit_codes"].as_array().unwrap())
        {
            group.0 += 1;
            group.1 += usize::from(code.as_i64() != Some(0));
            group.2.push(time.as_f64().unwrap() * 1000.0);
        }
    }
    assert_eq!((imported.samples.len(), report.items), (120, 120));
    let errors: Vec<usize> = expected.values().map(|group| group.1).collect();
    assert_eq!(
        errors.iter().sum::<usize>(),
        8,
        "login 3, search 2, checkout 3"
    );
    assert_groups(&imported, &expected);
    let failed = imported
        .samples
        .iter()
        .find(|sample| sample.3.is_some())
        .unwrap();
    assert_eq!(failed.3.as_deref(), Some("exit code 22"));
}

/// The sampler rows of a CSV JTL (no transaction rows), split by hand: no sampler row of
/// these files has a quoted comma.
fn jmeter_expected(
    name: &str,
    label_column: usize,
) -> BTreeMap<(String, String), (usize, usize, Vec<f64>)> {
    let mut expected: BTreeMap<_, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for line in read_text(name).lines() {
        if line.starts_with("timeStamp") || line.contains("Number of samples in transaction") {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let group = expected
            .entry(key("users", fields[label_column]))
            .or_default();
        group.0 += 1;
        group.1 += usize::from(fields[7] == "false");
        group.2.push(fields[1].parse().unwrap());
    }
    expected
}

#[test]
fn jmeter_csv_skips_transaction_rows_that_duplicate_their_children() {
    let (imported, report) = import("jmeter-plan-a.csv.jtl", Format::Jmeter);
    assert_eq!(imported.samples.len(), 225);
    assert_eq!(report.skipped["transaction"], 150);
    assert_eq!(report.skipped["header"], 1);
    assert_eq!(report.warnings.len(), 1);
    let expected = jmeter_expected("jmeter-plan-a.csv.jtl", 2);
    assert_eq!(expected.values().map(|group| group.1).sum::<usize>(), 15);
    assert_groups(&imported, &expected);
    let error = imported
        .samples
        .iter()
        .find(|sample| sample.3.is_some())
        .unwrap();
    assert!(error.3.as_deref().unwrap().starts_with("500"), "{error:?}");

    let mut include = config();
    include.include_transactions = true;
    let (imported, report) = import_with("jmeter-plan-a.csv.jtl", Format::Jmeter, &include);
    assert_eq!(imported.samples.len(), 375);
    assert!(!report.skipped.contains_key("transaction"));
    let groups = imported.groups();
    assert_eq!(groups[&key("users", "login-flow")].0, 75);
    assert_eq!(groups[&key("users", "login-flow")].1, 15);
    assert_eq!(groups[&key("users", "browse")].1, 5);
}

#[test]
fn jmeter_csv_without_header_uses_the_default_columns() {
    let (imported, report) = import("jmeter-plan-a-noheader.csv.jtl", Format::Jmeter);
    assert_eq!(
        (imported.samples.len(), report.skipped["transaction"]),
        (225, 150)
    );
    let expected = jmeter_expected("jmeter-plan-a-noheader.csv.jtl", 2);
    assert_eq!(expected[&key("users", "login")].1, 4);
    assert_eq!(expected[&key("users", "search")].1, 12);
    assert_groups(&imported, &expected);
}

#[test]
fn jmeter_xml_keeps_the_children_of_parent_mode_transactions() {
    let (imported, report) = import("jmeter-plan-a.xml.jtl", Format::Jmeter);
    // Top level: login, search, health samplers and the login-flow / browse transactions;
    // browse nests its item and static children.
    assert_eq!(report.skipped["transaction"], 150);
    assert_eq!(imported.samples.len(), 375);
    let text = read_text("jmeter-plan-a.xml.jtl");
    let mut expected: BTreeMap<_, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for element in text
        .split('<')
        .filter(|element| element.starts_with("httpSample "))
    {
        let attribute = |name: &str| {
            let start = element.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            let end = start + element[start..].find('"').unwrap();
            element[start..end].to_owned()
        };
        let group = expected.entry(key("users", &attribute("lb"))).or_default();
        group.0 += 1;
        group.1 += usize::from(attribute("s") == "false");
        group.2.push(attribute("t").parse().unwrap());
    }
    assert_eq!(expected[&key("users", "item")].1, 7);
    assert_eq!(expected[&key("users", "static")].0, 75);
    assert_groups(&imported, &expected);
}

#[test]
fn gobench_gives_one_record_per_count_run_in_ms() {
    let (imported, report) = import("gobench-textproc.txt", Format::GoBench);
    let mut expected: BTreeMap<_, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for line in read_text("gobench-textproc.txt").lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !line.starts_with("Benchmark") || words.len() < 4 {
            continue;
        }
        let name = words[0]
            .trim_start_matches("Benchmark")
            .trim_end_matches("-2");
        let (top, sub) = name.split_once('/').unwrap_or((name, "-"));
        let ns = words.iter().position(|word| *word == "ns/op").unwrap() - 1;
        let group = expected.entry(key(top, sub)).or_default();
        group.0 += 1;
        group.2.push(words[ns].parse::<f64>().unwrap() / 1e6);
    }
    assert_eq!((imported.samples.len(), expected.len()), (40, 8));
    assert_eq!(report.skipped["configuration"], 4);
    assert_groups(&imported, &expected);
    assert!(imported.groups().contains_key(&key("Join", "builder/n=10")));
}

#[test]
fn criterion_values_are_divided_by_the_iteration_count() {
    let (imported, report) = import("cargo-criterion-textkit.jsonl", Format::Criterion);
    assert_eq!(
        report.skipped["other-message"], 2,
        "group-complete messages"
    );
    let mut expected: BTreeMap<_, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for line in read_text("cargo-criterion-textkit.jsonl").lines() {
        let message: Value = serde_json::from_str(line).unwrap();
        if message["reason"] != "benchmark-complete" {
            continue;
        }
        let id = message["id"].as_str().unwrap();
        let (group_name, function) = id.split_once('/').unwrap();
        let group = expected.entry(key(group_name, function)).or_default();
        for (total, iterations) in message["measured_values"]
            .as_array()
            .unwrap()
            .iter()
            .zip(message["iteration_count"].as_array().unwrap())
        {
            group.0 += 1;
            group
                .2
                .push(total.as_f64().unwrap() / iterations.as_f64().unwrap() / 1e6);
        }
    }
    assert_eq!(imported.samples.len(), 80);
    assert_groups(&imported, &expected);
    // The first sample: 2,924,422 ns over 84,790 iterations, about 34.5 ns per iteration.
    assert_close(imported.samples[0].2, 2924422.0 / 84790.0 / 1e6);
}

#[test]
fn otlp_span_durations_are_exact_integer_differences() {
    let (imported, report) = import("otlp-shop-gateway.jsonl", Format::Otlp);
    let mut expected: BTreeMap<_, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for line in read_text("otlp-shop-gateway.jsonl").lines() {
        let request: Value = serde_json::from_str(line).unwrap();
        for resource in request["resourceSpans"].as_array().unwrap() {
            for scope in resource["scopeSpans"].as_array().unwrap() {
                for span in scope["spans"].as_array().unwrap() {
                    let nanos = |field: &str| span[field].as_str().unwrap().parse::<u64>().unwrap();
                    let group = expected
                        .entry(key("shop-gateway", span["name"].as_str().unwrap()))
                        .or_default();
                    group.0 += 1;
                    group.1 += usize::from(span["status"]["code"] == 2);
                    group
                        .2
                        .push((nanos("endTimeUnixNano") - nanos("startTimeUnixNano")) as f64 / 1e6);
                }
            }
        }
    }
    assert_eq!((imported.samples.len(), report.items), (502, 502));
    assert_eq!(expected.values().map(|group| group.1).sum::<usize>(), 23);
    assert_groups(&imported, &expected);
}

#[test]
fn oha_csv_times_are_seconds_and_status_decides_ok() {
    let (imported, report) = import("oha-search.csv", Format::Oha);
    let mut values = Vec::new();
    let mut errors = 0;
    for line in read_text("oha-search.csv").lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        values.push(fields[4].parse::<f64>().unwrap() * 1000.0);
        errors += usize::from(fields[6] != "200");
    }
    assert_eq!((report.records, report.skipped["header"]), (800, 1));
    assert_eq!(errors, 79, "60 x 404 + 19 x 500");
    // `request-start` is seconds after the start of the run (the configured timestamp).
    assert_eq!(
        imported.samples[0].4,
        "2026-12-01T00:00:00.001052834Z"
            .parse::<Timestamp>()
            .unwrap()
    );
    let expected = BTreeMap::from([(key("oha", "oha-search"), (800, errors, values))]);
    assert_groups(&imported, &expected);
}

#[test]
fn vegeta_csv_and_json_give_the_same_records() {
    let (csv, csv_report) = import("vegeta-routes.csv", Format::Vegeta);
    let (json, json_report) = import("vegeta-routes.json", Format::Vegeta);
    assert_eq!((csv_report.records, json_report.records), (480, 480));
    let mut expected: BTreeMap<_, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for line in read_text("vegeta-routes.csv").lines() {
        let fields: Vec<&str> = line.split(',').collect();
        let code: u16 = fields[1].parse().unwrap();
        let group = expected.entry(key(fields[10], fields[9])).or_default();
        group.0 += 1;
        group.1 += usize::from(!(200..400).contains(&code));
        group.2.push(fields[2].parse::<f64>().unwrap() / 1e6);
    }
    let errors: Vec<usize> = expected.values().map(|group| group.1).collect();
    assert_eq!(errors.iter().sum::<usize>(), 5 + 20 + 120);
    assert_groups(&csv, &expected);
    assert_groups(&json, &expected);
    let strip = |samples: &[Flat]| {
        samples
            .iter()
            .map(|(tool, step, ms, error, ts, _)| {
                (tool.clone(), step.clone(), *ms, error.clone(), *ts)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&csv.samples), strip(&json.samples));
}

#[test]
fn locust_stats_are_summaries_flagged_as_rounded() {
    let (imported, report) = import("login-search_stats.csv", Format::Locust);
    assert!(imported.samples.is_empty());
    assert_eq!(report.summaries, 3);
    assert_eq!(
        report.skipped["aggregated-row"], 1,
        "the Aggregated row is a total"
    );
    let login = imported
        .summaries
        .iter()
        .find(|summary| summary.tool == "login")
        .unwrap();
    assert_eq!(
        (login.step.as_str(), login.count, login.errors),
        ("POST", Some(124), Some(4))
    );
    assert_eq!(login.percentile(0.95), Some(30.0));
    // The file has CRLF line ends: login is on line 4.
    assert_eq!(login.source_line, Some(4));
    assert_eq!(login.percentile(0.999), Some(150.0));
    assert_eq!(login.mean_ms, Some(20.715717701624534));
    assert!(
        login
            .notes
            .iter()
            .any(|note| note.contains("2 significant digits"))
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|note| note.contains("quantised"))
    );
    let total: u64 = imported
        .summaries
        .iter()
        .filter_map(|summary| summary.count)
        .sum();
    assert_eq!(total, 611);
}

#[test]
fn locust_history_file_is_refused_with_a_pointer_to_the_stats_file() {
    let error = import_path(
        FormatChoice::Exact(Format::Locust),
        &fixture("login-search_stats_history.csv"),
        &config(),
        |_| Ok(()),
    )
    .unwrap_err();
    assert!(matches!(error, ImportError::Unsupported { .. }));
    assert!(error.to_string().contains("_stats.csv"), "{error}");
}

#[test]
fn auto_sniffs_every_fixture() {
    for (name, format) in [
        ("k6-login-search.json.gz", Format::K6),
        ("k6-login-search-summary.json", Format::K6Summary),
        ("hyperfine-routes.json", Format::Hyperfine),
        ("jmeter-plan-a.csv.jtl", Format::Jmeter),
        ("jmeter-plan-a-noheader.csv.jtl", Format::Jmeter),
        ("jmeter-plan-a.xml.jtl", Format::Jmeter),
        ("gobench-textproc.txt", Format::GoBench),
        ("cargo-criterion-textkit.jsonl", Format::Criterion),
        ("otlp-shop-gateway.jsonl", Format::Otlp),
        ("login-search_stats.csv", Format::Locust),
        ("oha-search.csv", Format::Oha),
        ("vegeta-routes.csv", Format::Vegeta),
        ("vegeta-routes.json", Format::Vegeta),
    ] {
        let report =
            import_path(FormatChoice::Auto, &fixture(name), &config(), |_| Ok(())).unwrap();
        assert_eq!(report.format, format, "{name}");
        assert!(report.sniffed);
        assert!(report.is_balanced());
        if !name.ends_with(".gz") {
            assert_eq!(sniff(read_text(name).as_bytes()), Some(format), "{name}");
        }
    }
}

#[test]
fn same_records_from_a_reader_as_from_a_path() {
    let text = read_text("oha-search.csv");
    let mut count = 0;
    let report = import_reader(Format::Oha, "stdin", text.as_bytes(), &config(), |item| {
        count += usize::from(matches!(item, Item::Sample(_)));
        Ok(())
    })
    .unwrap();
    assert_eq!((count, report.records), (800, 800));
}

#[test]
fn sample_writer_writes_the_same_bytes_as_write_sample() {
    for (name, format) in [
        ("k6-login-search.json.gz", Format::K6),
        ("hyperfine-routes.json", Format::Hyperfine),
        ("jmeter-plan-a.csv.jtl", Format::Jmeter),
        ("jmeter-plan-a.xml.jtl", Format::Jmeter),
        ("gobench-textproc.txt", Format::GoBench),
        ("cargo-criterion-textkit.jsonl", Format::Criterion),
        ("otlp-shop-gateway.jsonl", Format::Otlp),
        ("oha-search.csv", Format::Oha),
        ("vegeta-routes.csv", Format::Vegeta),
    ] {
        let mut writer = perf_import::SampleWriter::default();
        let (mut fast, mut reference) = (Vec::new(), Vec::new());
        import_path(
            FormatChoice::Exact(format),
            &fixture(name),
            &config(),
            |item| {
                if let Item::Sample(sample) = item {
                    writer.write(&mut fast, &sample)?;
                    perf_import::write_sample(&mut reference, &sample)?;
                }
                Ok(())
            },
        )
        .unwrap();
        assert!(!fast.is_empty());
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            String::from_utf8(reference).unwrap(),
            "{name}"
        );
    }
}
