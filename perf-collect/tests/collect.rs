//! Behaviour tests: real files in temporary directories, including every kind of bad input.
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};
use perf_collect::{
    CollectConfig, CollectError, Filter, GroupBy, OutcomeFilter, ScanConfig, SortConfig, aggregate,
    collect, collect_with,
};
use perf_record::GroupName;
use perf_record::{ErrorKind, GroupKey, Line, Outcome, parse_line};

fn temp_root() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
    (dir, root)
}

fn record(ts: &str, session: &str, tool: &str, step: &str, ms: f64, ok: Option<bool>) -> String {
    let ok = match ok {
        Some(true) => r#","ok":true"#.to_owned(),
        Some(false) => r#","ok":false,"errorReason":"boom""#.to_owned(),
        None => String::new(),
    };
    format!(
        r#"{{"ts":"{ts}","sessionId":"{session}","tool":"{tool}","step":"{step}","ms":{ms}{ok}}}"#
    )
}

fn key(tool: &str, step: &str) -> GroupName {
    GroupName::ToolStep(GroupKey {
        tool: tool.into(),
        step: step.into(),
    })
}

fn write(path: &Utf8Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A config with tiny chunks so that even small test files are read as many parallel chunks.
fn chunked(chunk_bytes: u64) -> CollectConfig {
    CollectConfig {
        scan: ScanConfig {
            chunk_bytes,
            ..ScanConfig::default()
        },
        ..CollectConfig::default()
    }
}

#[test]
fn groups_samples_by_tool_step_and_counts_outcomes() {
    let (_dir, root) = temp_root();
    let lines = [
        record("2025-01-01T00:00:02Z", "s1", "reg", "get", 10.0, Some(true)),
        record(
            "2025-01-01T00:00:01Z",
            "s1",
            "reg",
            "get",
            20.0,
            Some(false),
        ),
        record("2025-01-01T00:00:03Z", "s2", "reg", "get", 99.0, None),
        record("2025-01-01T00:00:04Z", "s2", "reg", "put", 5.5, Some(true)),
    ];
    write(&root.join("a.jsonl"), (lines.join("\n") + "\n").as_bytes());
    let aggregation = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    let get = &aggregation.groups[&key("reg", "get")];
    // Successful and error latencies are kept apart; the unknown outcome has no sample.
    assert_eq!(get.latencies_ms, [10.0]);
    assert_eq!(get.error_latencies_ms, [20.0]);
    assert_eq!(
        (get.counts.ok, get.counts.errors, get.counts.unknown),
        (1, 1, 1)
    );
    assert_eq!(aggregation.groups[&key("reg", "put")].latencies_ms, [5.5]);
    assert_eq!(aggregation.report.totals.accepted, 4);

    let by_tool = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::Tool,
    )
    .unwrap();
    assert_eq!(
        by_tool.groups[&GroupName::Tool("reg".into())].latencies_ms,
        [10.0, 5.5]
    );
    let by_session = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::Session,
    )
    .unwrap();
    assert_eq!(
        by_session.groups[&GroupName::Session("s2".into())]
            .counts
            .total(),
        2
    );
}

#[test]
fn chunked_parallel_reading_gives_the_same_result_as_whole_files() {
    let (_dir, root) = temp_root();
    let mut text = String::from("\u{feff}");
    for index in 0..500 {
        let tool = ["a", "b", "c"][index % 3];
        text.push_str(&record(
            "2025-01-01T00:00:00Z",
            "s",
            tool,
            "x",
            index as f64,
            Some(index % 7 != 0),
        ));
        text.push_str(if index % 5 == 0 { "\r\n" } else { "\n" });
        if index % 50 == 0 {
            text.push_str("{broken\n\n");
        }
    }
    write(&root.join("big.jsonl"), text.as_bytes());
    let whole = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    for chunk_bytes in [1, 7, 64, 333, 4096] {
        let parts = aggregate(
            std::slice::from_ref(&root),
            &chunked(chunk_bytes),
            GroupBy::ToolStep,
        )
        .unwrap();
        assert_eq!(parts.groups, whole.groups, "chunk {chunk_bytes}");
        assert_eq!(
            parts.report.totals, whole.report.totals,
            "chunk {chunk_bytes}"
        );
        assert_eq!(
            parts.report.rejections, whole.report.rejections,
            "chunk {chunk_bytes}"
        );
    }
    assert_eq!(whole.report.totals.accepted, 500);
    assert_eq!(whole.report.totals.rejected, 10);
    assert_eq!(whole.report.totals.blank, 10);
    assert_eq!(whole.report.rejections[0].line, 2);
    assert_eq!(whole.report.rejections[1].line, 54);
    assert!(whole.report.totals.adds_up());
}

#[test]
fn every_rejected_line_is_located_and_counted_but_only_the_first_n_kept() {
    let (_dir, root) = temp_root();
    let good = record("2025-01-01T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    let bad_ms = r#"{"ts":"2025-01-01T00:00:00Z","sessionId":"s","tool":"t","step":"x","ms":-1}"#;
    let text = format!("{good}\n{bad_ms}\nnope\n\n   \n{good}\n");
    write(&root.join("a.jsonl"), text.as_bytes());
    write(&root.join("b.ndjson"), b"[]\n");
    let config = CollectConfig {
        scan: ScanConfig {
            rejections_kept: 2,
            ..ScanConfig::default()
        },
        ..CollectConfig::default()
    };
    let aggregation = aggregate(std::slice::from_ref(&root), &config, GroupBy::ToolStep).unwrap();
    let report = &aggregation.report;
    assert_eq!(report.totals.rejected, 3);
    assert_eq!(report.totals.blank, 2);
    assert_eq!(report.totals.lines, 7);
    assert_eq!(report.rejections.len(), 2);
    assert_eq!(report.rejections[0].kind, ErrorKind::NegativeMs);
    let first = report.rejections[0].to_string();
    assert!(
        first.starts_with(&format!("{}:2: ", root.join("a.jsonl"))),
        "{first}"
    );
    assert!(first.contains("ms"), "{first}");
    assert_eq!(report.rejections[1].line, 3);
    assert_eq!(report.files.len(), 2);
    assert_eq!(report.files[1].lines.rejected, 1);
    assert!(report.files.iter().all(|file| file.lines.adds_up()));
}

#[test]
fn invalid_utf8_and_truncated_final_line_are_rejected_with_their_kind() {
    let (_dir, root) = temp_root();
    let good = record("2025-01-01T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    let mut bytes = format!("{good}\n").into_bytes();
    bytes.extend_from_slice(b"{\"ts\":\"\xff\xfe\"}\n");
    bytes.extend_from_slice(&good.as_bytes()[..good.len() / 2]);
    write(&root.join("a.jsonl"), &bytes);
    // A complete last record without its newline is fine.
    write(&root.join("b.jsonl"), good.as_bytes());
    let aggregation = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    let kinds: Vec<(u64, ErrorKind)> = aggregation
        .report
        .rejections
        .iter()
        .map(|rejection| (rejection.line, rejection.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (2, ErrorKind::InvalidUtf8),
            (3, ErrorKind::TruncatedFinalLine)
        ]
    );
    assert_eq!(aggregation.report.totals.accepted, 2);
}

#[test]
fn a_100_mb_line_is_rejected_and_the_run_goes_on() {
    let (_dir, root) = temp_root();
    let good = record("2025-01-01T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    let path = root.join("huge.jsonl");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(file, "{good}").unwrap();
        let block = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            file.write_all(&block).unwrap();
        }
        writeln!(file).unwrap();
        writeln!(file, "{good}").unwrap();
    }
    let config = chunked(16 << 20);
    let aggregation = aggregate(std::slice::from_ref(&root), &config, GroupBy::ToolStep).unwrap();
    let report = &aggregation.report;
    assert_eq!(
        (
            report.totals.lines,
            report.totals.accepted,
            report.totals.rejected
        ),
        (3, 2, 1)
    );
    assert_eq!(report.rejections[0].kind, ErrorKind::LineTooLong);
    assert_eq!(report.rejections[0].line, 2);
    assert!(
        report.rejections[0].reason.contains("104857600 bytes"),
        "{}",
        report.rejections[0]
    );
}

#[test]
fn gzip_files_are_read_and_a_corrupt_one_is_reported_while_the_run_goes_on() {
    let (_dir, root) = temp_root();
    let good = record("2025-01-01T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    let lines = format!("{good}\n{good}\n");
    write(&root.join("a.jsonl.gz"), &gzip(lines.as_bytes()));
    let mut corrupt = gzip(lines.repeat(1000).as_bytes());
    let middle = corrupt.len() / 2;
    corrupt[middle..].iter_mut().for_each(|byte| *byte = !*byte);
    write(&root.join("b.jsonl.gz"), &corrupt);
    write(&root.join("c.jsonl.gz"), b"not gzip at all");
    write(&root.join("d.jsonl"), lines.as_bytes());
    let aggregation = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    let report = &aggregation.report;
    assert_eq!(report.files[0].lines.accepted, 2);
    assert_eq!(report.files[3].lines.accepted, 2);
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("b.jsonl.gz") && problems[0].contains("corrupt gzip"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("c.jsonl.gz") && problems[1].contains("corrupt gzip"),
        "{problems:?}"
    );
    assert!(report.totals.adds_up());

    let strict = CollectConfig {
        strict: true,
        ..CollectConfig::default()
    };
    let error = aggregate(std::slice::from_ref(&root), &strict, GroupBy::ToolStep).unwrap_err();
    assert!(
        matches!(
            error,
            CollectError::Strict {
                file_problems: 2,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn empty_files_and_unreadable_files_do_not_stop_the_run() {
    let (_dir, root) = temp_root();
    write(&root.join("empty.jsonl"), b"");
    let good = record("2025-01-01T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    let locked = root.join("locked.jsonl");
    write(&locked, format!("{good}\n").as_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let readable = std::fs::File::open(&locked).is_ok(); // root reads anything
    let aggregation = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    let report = &aggregation.report;
    assert_eq!(report.files[0].lines.lines, 0);
    if readable {
        assert!(report.problems.is_empty());
        assert_eq!(report.totals.accepted, 1);
    } else {
        assert_eq!(report.problems.len(), 1);
        assert!(
            report.problems[0]
                .to_string()
                .contains("locked.jsonl: cannot open")
        );
        assert_eq!(report.totals.accepted, 0);
    }
}

#[cfg(unix)]
#[test]
fn a_directory_symlink_loop_is_reported_not_followed_forever() {
    let (_dir, root) = temp_root();
    let good = record("2025-01-01T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    write(&root.join("logs/a.jsonl"), format!("{good}\n").as_bytes());
    std::os::unix::fs::symlink(root.join("logs"), root.join("logs/again")).unwrap();
    let config = CollectConfig {
        discover: perf_collect::DiscoverConfig {
            follow_symlinks: true,
            ..Default::default()
        },
        ..CollectConfig::default()
    };
    let aggregation = aggregate(std::slice::from_ref(&root), &config, GroupBy::ToolStep).unwrap();
    assert_eq!(aggregation.report.totals.accepted, 1);
    assert!(
        aggregation
            .report
            .problems
            .iter()
            .any(|problem| problem.to_string().contains("symlink loop")),
        "{:?}",
        aggregation.report.problems
    );
}

#[test]
fn filters_count_what_they_drop() {
    let (_dir, root) = temp_root();
    let lines = [
        record(
            "2025-01-01T00:00:00Z",
            "ci-1",
            "reg",
            "get",
            1.0,
            Some(true),
        ),
        record(
            "2025-01-02T00:00:00Z",
            "ci-2",
            "reg",
            "get",
            2.0,
            Some(false),
        ),
        record(
            "2025-01-03T00:00:00Z",
            "dev-1",
            "reg",
            "get",
            3.0,
            Some(true),
        ),
        record(
            "2025-01-04T00:00:00Z",
            "ci-3",
            "web",
            "load",
            4.0,
            Some(true),
        ),
    ];
    write(&root.join("a.jsonl"), (lines.join("\n") + "\n").as_bytes());
    let config = CollectConfig {
        filter: Filter {
            tools: vec!["reg".into()],
            sessions: vec!["ci-*".into()],
            since: Some("2025-01-01T12:00:00Z".parse().unwrap()),
            outcomes: vec![OutcomeFilter::Error],
            ..Filter::default()
        },
        ..CollectConfig::default()
    };
    let aggregation = aggregate(std::slice::from_ref(&root), &config, GroupBy::ToolStep).unwrap();
    assert_eq!(
        aggregation.groups[&key("reg", "get")].error_latencies_ms,
        [2.0]
    );
    assert_eq!(aggregation.report.totals.filtered_out, 3);
    assert!(aggregation.report.totals.adds_up());
}

#[test]
fn strict_mode_fails_on_a_rejected_line_and_names_it() {
    let (_dir, root) = temp_root();
    write(&root.join("a.jsonl"), b"\n{\"ts\":1}\n");
    let strict = CollectConfig {
        strict: true,
        ..CollectConfig::default()
    };
    let error = collect(std::slice::from_ref(&root), &strict).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("1 rejected line") && message.contains("a.jsonl:2:"),
        "{message}"
    );
}

#[test]
fn collect_sorts_by_ts_stably_writes_atomically_and_skips_its_own_output() {
    let (_dir, root) = temp_root();
    write(
        &root.join("a.jsonl"),
        [
            record(
                "2025-01-01T00:00:03Z",
                "s1",
                "t",
                "first-of-equal",
                1.0,
                Some(true),
            ),
            record("2025-01-01T00:00:01Z", "s1", "t", "x", 2.0, Some(false)),
        ]
        .join("\n")
        .as_bytes(),
    );
    write(
        &root.join("b/c.jsonl.gz"),
        &gzip(
            (record(
                "2025-01-01T00:00:03Z",
                "s2",
                "u",
                "second-of-equal",
                3.0,
                None,
            ) + "\n")
                .as_bytes(),
        ),
    );
    let output = root.join("artifacts/perf/latest.jsonl");
    write(
        &output,
        format!(
            "{}\n",
            record("2020-01-01T00:00:00Z", "old", "old", "old", 9.0, None)
        )
        .as_bytes(),
    );
    let config = CollectConfig {
        discover: perf_collect::DiscoverConfig {
            exclude: vec![output.clone()],
            ..Default::default()
        },
        ..chunked(50)
    };
    let collection = collect(std::slice::from_ref(&root), &config).unwrap();
    let steps: Vec<String> = collection
        .records()
        .unwrap()
        .map(|record| record.step.into_owned())
        .collect();
    assert_eq!(steps, ["x", "first-of-equal", "second-of-equal"]);

    let summary = &collection.summary;
    assert_eq!(summary.entries, 3);
    assert_eq!(summary.files_scanned, 2);
    assert_eq!(summary.roots_scanned, 1);
    assert_eq!(
        summary.first_ts.unwrap().to_string(),
        "2025-01-01T00:00:01Z"
    );
    assert_eq!(summary.last_ts.unwrap().to_string(), "2025-01-01T00:00:03Z");
    assert_eq!(summary.by_tool["t"], 2);
    assert_eq!(summary.by_session["s2"], 1);
    assert_eq!(
        (
            summary.by_outcome.ok,
            summary.by_outcome.errors,
            summary.by_outcome.unknown
        ),
        (1, 1, 1)
    );
    let json = serde_json::to_value(summary).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["first_ts"], "2025-01-01T00:00:01Z");

    collection.write_jsonl(&output).unwrap();
    let written = std::fs::read_to_string(&output).unwrap();
    let reread: Vec<_> = written
        .lines()
        .map(|line| match parse_line(line.as_bytes()).unwrap() {
            Line::Record(record) | Line::Warmup(record) => record.into_owned(),
            Line::Blank => panic!("blank line written"),
        })
        .collect();
    let originals: Vec<_> = collection
        .records()
        .unwrap()
        .map(|record| record.into_owned())
        .collect();
    assert_eq!(reread.len(), 3);
    assert_eq!(reread[0].outcome, Outcome::Error(Some("boom".into())));
    assert_eq!(reread, originals);

    // Collecting again must not read its own output back in.
    let again = collect(std::slice::from_ref(&root), &config).unwrap();
    assert_eq!(again.len(), 3);
}

#[test]
fn warmup_records_are_filtered_out_unless_asked_for() {
    let (_dir, root) = temp_root();
    let measured = record("2025-10-16T10:00:00Z", "s", "probe", "get", 2.0, Some(true));
    let warmup = measured.replacen("}", r#","phase":"warmup"}"#, 1);
    write(
        &root.join("probe.jsonl"),
        format!("{warmup}\n{measured}\n").as_bytes(),
    );
    let default = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    assert_eq!(default.groups[&key("probe", "get")].latencies_ms, [2.0]);
    assert_eq!(
        (
            default.report.totals.accepted,
            default.report.totals.filtered_out
        ),
        (1, 1)
    );
    assert!(default.report.totals.adds_up());
    let config = CollectConfig {
        filter: Filter {
            include_warmup: true,
            ..Filter::default()
        },
        ..CollectConfig::default()
    };
    let all = aggregate(&[root], &config, GroupBy::ToolStep).unwrap();
    assert_eq!(all.groups[&key("probe", "get")].latencies_ms, [2.0, 2.0]);
    assert_eq!(all.report.totals.accepted, 2);
}

/// A service's log line: epoch milliseconds, an HTTP status, its own field names, no session.
fn service_line(
    ts_ms: u64,
    service: &str,
    endpoint: &str,
    duration_ms: f64,
    status: u16,
) -> String {
    format!(
        r#"{{"time":{ts_ms},"level":"info","service":"{service}","endpoint":"{endpoint}","duration_ms":{duration_ms},"status":{status}}}"#
    )
}

#[test]
fn include_patterns_glob_roots_and_skipped_files_are_accounted_for() {
    let (_dir, root) = temp_root();
    let line = record("2025-10-16T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    write(&root.join("a.jsonl"), format!("{line}\n").as_bytes());
    write(
        &root.join("svc/app.log"),
        format!("{line}\n{line}\n").as_bytes(),
    );
    write(
        &root.join("svc/old/app.log.gz"),
        &gzip(format!("{line}\n").as_bytes()),
    );
    write(&root.join("notes.txt"), b"not a log\n");
    write(&root.join("out.jsonl"), format!("{line}\n").as_bytes());

    // A directory walk: `.log` files are skipped (and counted) until included.
    let mut config = CollectConfig::default();
    config.discover.exclude = vec![root.join("out.jsonl")];
    let plain = collect(std::slice::from_ref(&root), &config).unwrap();
    assert_eq!(plain.report.totals.accepted, 1);
    let skipped = &plain.report.skipped;
    assert_eq!(skipped.count(perf_collect::SkipReason::OtherName), 3);
    assert_eq!(skipped.count(perf_collect::SkipReason::OwnOutput), 1);
    assert_eq!(skipped.total(), 4);
    assert!(
        skipped
            .examples
            .iter()
            .any(|(_, path)| path.ends_with("notes.txt"))
    );

    config.discover.include = vec!["*.log".into(), "svc/old/*.gz".into()];
    let included = collect(std::slice::from_ref(&root), &config).unwrap();
    assert_eq!(
        included.report.totals.accepted, 4,
        "{:?}",
        included.report.files
    );
    assert_eq!(
        included
            .report
            .skipped
            .count(perf_collect::SkipReason::OtherName),
        1
    );

    // A glob root, as a quoted CI argument: `**` crosses directories, `*` does not.
    let glob = Utf8PathBuf::from(format!("{root}/**/*.log"));
    let globbed = collect(&[glob], &CollectConfig::default()).unwrap();
    assert_eq!(globbed.report.files.len(), 1);
    assert!(globbed.report.files[0].path.ends_with("svc/app.log"));
    let shallow = collect(
        &[Utf8PathBuf::from(format!("{root}/*.log"))],
        &CollectConfig::default(),
    );
    assert!(
        matches!(&shallow, Err(CollectError::NoMatch { .. })),
        "{:?}",
        shallow.map(|c| c.report.files)
    );
    let error = shallow.err().unwrap().to_string();
    assert!(
        error.ends_with("*.log: no file matches this pattern"),
        "{error}"
    );
    let bad = collect(
        &[Utf8PathBuf::from(format!("{root}/[.log"))],
        &CollectConfig::default(),
    );
    assert!(matches!(
        bad,
        Err(CollectError::Pattern { field: "roots", .. })
    ));
}

#[cfg(unix)]
#[test]
fn symlinked_logs_are_counted_when_skipped_and_read_when_followed() {
    let (_dir, root) = temp_root();
    let (_elsewhere, other) = temp_root();
    let line = record("2025-10-16T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    write(&root.join("a.jsonl"), format!("{line}\n").as_bytes());
    write(
        &other.join("b.jsonl"),
        format!("{line}\n{line}\n").as_bytes(),
    );
    std::os::unix::fs::symlink(other.join("b.jsonl"), root.join("b.jsonl")).unwrap();
    let plain = collect(std::slice::from_ref(&root), &CollectConfig::default()).unwrap();
    assert_eq!(plain.report.totals.accepted, 1);
    assert_eq!(
        plain
            .report
            .skipped
            .count(perf_collect::SkipReason::Symlink),
        1
    );
    let mut config = CollectConfig::default();
    config.discover.follow_symlinks = true;
    let followed = collect(std::slice::from_ref(&root), &config).unwrap();
    assert_eq!(followed.report.totals.accepted, 3);
    assert_eq!(followed.report.skipped.total(), 0);
}

#[test]
fn a_field_mapping_reads_a_services_own_log() {
    let (_dir, root) = temp_root();
    let log = [
        service_line(1_760_657_686_422, "api", "get_cart", 12.5, 200),
        service_line(1_760_657_687_000, "api", "get_cart", 30.0, 503),
        service_line(1_760_657_688_000, "api", "get_cart", 14.0, 304),
    ]
    .join("\n");
    write(&root.join("app.jsonl"), format!("{log}\n").as_bytes());
    let mut config = CollectConfig::default();
    config.scan.fields = perf_record::FieldMap::from_mappings(
        ["ts=time", "ms=duration_ms", "tool=service", "step=endpoint"].map(|m| m.parse().unwrap()),
    )
    .unwrap();
    let aggregation = aggregate(std::slice::from_ref(&root), &config, GroupBy::ToolStep).unwrap();
    let group = &aggregation.groups[&key("api", "get_cart")];
    assert_eq!(
        (group.counts.ok, group.counts.errors, group.counts.unknown),
        (2, 1, 0)
    );
    assert_eq!(group.latencies_ms, [12.5, 14.0]);
    assert_eq!(group.error_latencies_ms, [30.0]);
    // Without the mapping every line is rejected, each naming all it lacks.
    let unmapped = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    assert_eq!(unmapped.report.totals.rejected, 3);
    assert!(
        unmapped.report.rejections[0]
            .reason
            .contains("missing ts, tool, step, ms"),
        "{}",
        unmapped.report.rejections[0].reason
    );
    let error = unmapped
        .report
        .check_something_accepted()
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("no record accepted from 3 non-blank lines in 1 files: 3 rejected, 0 filtered out (first: "),
        "{error}"
    );
    assert!(aggregation.report.check_something_accepted().is_ok());
}

#[test]
fn a_pretty_printed_json_document_gets_one_message() {
    let (_dir, root) = temp_root();
    let document = "{\n  \"results\": [\n    {\"command\": \"sleep 0.1\", \"mean\": 0.1}\n  ]\n}\n";
    write(&root.join("hyperfine.jsonl"), document.as_bytes());
    write(
        &root.join("array.jsonl"),
        b"[\n  {\"a\": 1},\n  {\"b\": 2}\n]\n",
    );
    // A file of JSON Lines whose first record is cut short is not a document.
    let cut = format!(
        "{{\"ts\":\"2025-10-16T00:00:00Z\",\n{}\n",
        record("2025-10-16T00:00:00Z", "s", "t", "x", 1.0, None)
    );
    write(&root.join("cut.jsonl"), cut.as_bytes());
    let scan = collect(std::slice::from_ref(&root), &CollectConfig::default()).unwrap();
    let reasons: Vec<String> = scan
        .report
        .rejections
        .iter()
        .map(ToString::to_string)
        .collect();
    let documents: Vec<&String> = reasons
        .iter()
        .filter(|reason| reason.contains("this is one JSON document, not JSON Lines"))
        .collect();
    assert_eq!(documents.len(), 2, "{reasons:#?}");
    assert!(documents[1].contains("hyperfine.jsonl:1: "), "{reasons:#?}");
    assert!(documents[1].contains("perf-gate import"), "{reasons:#?}");
    assert!(
        documents[1].ends_with("its 5 lines are counted as rejected"),
        "{reasons:#?}"
    );
    assert!(reasons.iter().any(
        |reason| reason.starts_with(&format!("{root}/cut.jsonl:1: "))
            && !reason.contains("JSON document")
    ));
    assert_eq!(scan.report.totals.rejected, 5 + 4 + 1);
    assert!(scan.report.totals.adds_up());
}

#[test]
fn measures_are_grouped_by_name_and_kept_in_the_collected_file() {
    let (_dir, root) = temp_root();
    let head = |ts: &str| format!(r#"{{"ts":"{ts}","tool":"run","step":"build","ms":100"#);
    let lines = [
        format!(
            r#"{},"ok":true,"measures":{{"peak_rss_mb":210.5,"allocs":900}},"rssMethod":"vmhwm"}}"#,
            head("2025-01-01T00:00:02Z")
        ),
        format!(
            r#"{},"ok":true,"measures":{{"peak_rss_mb":200}}}}"#,
            head("2025-01-01T00:00:01Z")
        ),
        format!(r#"{},"ok":true}}"#, head("2025-01-01T00:00:03Z")),
    ];
    write(&root.join("a.jsonl"), (lines.join("\n") + "\n").as_bytes());
    let aggregation = aggregate(
        std::slice::from_ref(&root),
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    let group = &aggregation.groups[&key("run", "build")];
    assert_eq!(group.latencies_ms.len(), 3);
    assert_eq!(group.measure("peak_rss_mb").unwrap().values, [210.5, 200.0]);
    // One record carried `allocs`: one sample, not three with zeros.
    assert_eq!(group.measure("allocs").unwrap().values, [900.0]);

    let out = root.join("latest.jsonl");
    let collection =
        perf_collect::collect(std::slice::from_ref(&root), &CollectConfig::default()).unwrap();
    collection.write_jsonl(&out).unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(
        lines[0],
        r#"{"ts":"2025-01-01T00:00:01Z","tool":"run","step":"build","ms":100,"ok":true,"measures":{"peak_rss_mb":200}}"#
    );
    assert!(
        lines[1].ends_with(r#""measures":{"allocs":900,"peak_rss_mb":210.5}}"#),
        "{}",
        lines[1]
    );
    assert!(!lines[2].contains("measures"), "{}", lines[2]);
}

/// The collected file is exactly `write_record` of every record in `ts` order (an error without
/// a reason says `unspecified`), whichever way the input was cut: many small files batched into
/// work units, or one file in tiny chunks.
#[test]
fn the_collected_file_is_write_record_of_every_record_in_order() {
    let (_dir, root) = temp_root();
    let mut all = String::new();
    for file in 0..40 {
        let mut text = String::new();
        for index in 0..25 {
            let second = (index * 37 + file * 11) % 60;
            let ok = [Some(true), Some(false), None][(index + file) % 3];
            let tool = format!("tool \"{}\"\t", file % 3);
            text.push_str(&record(
                &format!("2025-10-21T09:{:02}:{second:02}.{index:03}Z", file % 60),
                &format!("s{file}"),
                &tool.replace('"', "\\\"").replace('\t', "\\t"),
                "step",
                index as f64 * 1.25 + 1e-7,
                ok,
            ));
            text.push('\n');
        }
        text.push_str(r#"{"ts":"2025-10-21T09:00:00Z","tool":"t","step":"s","ms":3,"ok":false}"#);
        text.push('\n');
        all.push_str(&text);
        write(&root.join(format!("logs/{file:02}.jsonl")), text.as_bytes());
    }
    write(&root.join("one/all.jsonl"), all.as_bytes());
    let outputs: Vec<Vec<u8>> = [
        (root.join("logs"), CollectConfig::default()),
        (root.join("one"), chunked(97)),
    ]
    .into_iter()
    .map(|(input, config)| {
        let collection = collect(&[input], &config).unwrap();
        assert_eq!(collection.len(), 40 * 26);
        let mut expected = Vec::new();
        for mut record in collection.records().unwrap() {
            record.outcome = record.outcome.normalized();
            perf_record::write_record(&mut expected, &record).unwrap();
        }
        let output = root.join("out/latest.jsonl");
        collection.write_jsonl(&output).unwrap();
        let written = std::fs::read(&output).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&expected)
        );
        written
    })
    .collect();
    assert_eq!(
        outputs[0], outputs[1],
        "batched files and tiny chunks collect alike"
    );
}

/// A corpus of many files whose records interleave in time, with equal timestamps across files.
fn interleaved_corpus(root: &Utf8Path) {
    for file in 0..12 {
        let mut text = String::new();
        for index in 0..150 {
            let millis = (index * 7 + file * 3) % 400;
            let ok = [Some(true), Some(false), None][(index + file) % 3];
            text.push_str(&record(
                &format!("2025-10-21T09:00:00.{millis:03}Z"),
                &format!("s{}", index % 5),
                &format!("tool{}", file % 4),
                &format!("step{}", index % 3),
                (index * 13 % 97) as f64 + 0.5,
                ok,
            ));
            text.push('\n');
        }
        write(&root.join(format!("logs/{file:02}.jsonl")), text.as_bytes());
    }
}

#[test]
fn the_spilling_sort_writes_the_bytes_of_the_in_memory_sort_and_removes_its_runs() {
    let (_dir, root) = temp_root();
    interleaved_corpus(&root);
    let input = [root.join("logs")];
    let in_memory = collect(&input, &chunked(1000)).unwrap();
    assert!(in_memory.spill_directory().is_none());
    in_memory.write_jsonl(&root.join("memory.jsonl")).unwrap();
    let expected = std::fs::read(root.join("memory.jsonl")).unwrap();
    let spill_parent = root.join("spill");
    std::fs::create_dir_all(&spill_parent).unwrap();
    // From one record a run to a few hundred: every limit gives the same bytes.
    for rows in [1u64, 7, 100, 600, 100_000] {
        let sort = SortConfig {
            memory_limit: rows * 72,
            temp_dir: Some(spill_parent.clone()),
        };
        let collection = collect_with(&input, &chunked(1000), &sort).unwrap();
        assert_eq!(collection.len(), 12 * 150);
        assert_eq!(
            collection.summary, in_memory.summary,
            "limit of {rows} rows"
        );
        let spilled = collection.spill_directory();
        assert_eq!(spilled.is_some(), rows < 1000, "limit of {rows} rows");
        if let Some(directory) = &spilled {
            assert!(directory.starts_with(&spill_parent));
            assert!(
                std::fs::read_dir(directory).unwrap().count() > 0,
                "runs were written"
            );
            assert!(collection.records().is_none());
        }
        let output = root.join(format!("spilled-{rows}.jsonl"));
        collection.write_jsonl(&output).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&std::fs::read(&output).unwrap()),
            String::from_utf8_lossy(&expected),
            "limit of {rows} rows"
        );
        drop(collection);
        assert_eq!(
            std::fs::read_dir(&spill_parent).unwrap().count(),
            0,
            "the runs are removed with the collection"
        );
    }
}

#[test]
fn a_spill_that_cannot_be_written_fails_without_output_or_leftovers() {
    let (_dir, root) = temp_root();
    interleaved_corpus(&root);
    // A regular file where the spill directory's parent should be.
    let not_a_directory = root.join("blocker");
    write(&not_a_directory, b"x");
    let sort = SortConfig {
        memory_limit: 10 * 72,
        temp_dir: Some(not_a_directory.join("spill")),
    };
    let collection = collect_with(&[root.join("logs")], &chunked(1000), &sort).unwrap();
    let output = root.join("out/latest.jsonl");
    let error = collection.write_jsonl(&output).unwrap_err();
    assert!(matches!(error, CollectError::Spill { .. }), "{error}");
    assert!(error.to_string().contains("blocker"), "{error}");
    assert!(!output.exists());
    drop(collection);
    assert_eq!(std::fs::read(&not_a_directory).unwrap(), b"x");
}

/// Appends lines to a file when the scan starts (after the file was listed, before a byte of it
/// is read): a writer that outruns the reader.
struct AppendOnStart {
    path: Utf8PathBuf,
    lines: String,
}

impl perf_collect::Progress for AppendOnStart {
    fn start(&self, _total_bytes: u64) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .unwrap();
        file.write_all(self.lines.as_bytes()).unwrap();
    }

    fn advance(&self, _bytes: u64) {}

    fn finish(&self) {}
}

#[test]
fn a_file_appended_while_read_is_read_up_to_its_size_when_listed() {
    let (_dir, root) = temp_root();
    let path = root.join("app.jsonl");
    let line = record("2025-10-16T00:00:00Z", "s", "t", "x", 1.0, Some(true));
    let appended = format!("{line}\n").repeat(1000);
    // Whole-file reading and chunked reading both stop at the listed size.
    for chunk_bytes in [8 * 1024 * 1024, 7] {
        write(&path, format!("{line}\n{line}\n{line}\n").as_bytes());
        let mut config = chunked(chunk_bytes);
        config.scan.progress = Some(std::sync::Arc::new(AppendOnStart {
            path: path.clone(),
            lines: appended.clone(),
        }));
        let aggregation =
            aggregate(std::slice::from_ref(&root), &config, GroupBy::ToolStep).unwrap();
        assert_eq!(
            aggregation.report.totals.lines, 3,
            "chunks of {chunk_bytes} bytes"
        );
        assert_eq!(aggregation.report.totals.accepted, 3);
        assert_eq!(aggregation.groups[&key("t", "x")].counts.ok, 3);
    }
    // The next run reads what was appended.
    let aggregation = aggregate(&[root], &CollectConfig::default(), GroupBy::ToolStep).unwrap();
    assert_eq!(aggregation.report.totals.accepted, 1003);
}

#[cfg(unix)]
#[test]
fn a_fifo_root_is_read_as_a_stream_not_as_zero_files() {
    let (_dir, root) = temp_root();
    let fifo = root.join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo failed");
    let line = record("2025-10-16T00:00:00Z", "s", "t", "x", 2.5, Some(true));
    let body = format!("{line}\n").repeat(500);
    // gzip is recognised by its magic bytes, as on stdin.
    for (name, bytes) in [
        ("plain", body.clone().into_bytes()),
        ("gzip", gzip(body.as_bytes())),
    ] {
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                // Opening a FIFO for writing blocks until the reader opens it.
                std::fs::write(&fifo, bytes).unwrap();
            })
        };
        let aggregation = aggregate(
            &[fifo.clone(), fifo.clone()],
            &CollectConfig::default(),
            GroupBy::ToolStep,
        )
        .unwrap();
        writer.join().unwrap();
        assert_eq!(
            aggregation.report.files.len(),
            1,
            "{name}: named twice, read once"
        );
        assert_eq!(aggregation.report.files[0].path, fifo, "{name}");
        assert_eq!(aggregation.report.totals.accepted, 500, "{name}");
        assert_eq!(aggregation.groups[&key("t", "x")].counts.ok, 500, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn a_character_device_root_is_read_as_a_stream() {
    let aggregation = aggregate(
        &[Utf8PathBuf::from("/dev/null")],
        &CollectConfig::default(),
        GroupBy::ToolStep,
    )
    .unwrap();
    assert_eq!(aggregation.report.files.len(), 1);
    assert_eq!(aggregation.report.files[0].path, "/dev/null");
    assert_eq!(aggregation.report.totals.lines, 0);
}
