//! One test suite, run against both backends: each test is a function of a [`Fixture`], and
//! [`suite!`] makes a `sqlite::` and a `postgres::` test of it.
//!
//! The PostgreSQL half needs a server: `PERF_GATE_TEST_POSTGRES_URL` (set by `.ci/postgres.sh`)
//! names one whose user may create databases; each test gets a database of its own. Without
//! the variable the PostgreSQL tests print why they skip, and under `CI=true` they fail.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use perf_baseline::Fingerprint;
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_stats::Percentile;

use crate::store::time_text;
use crate::{
    AnnotationKind, ChangeKind, ChangePointRecord, ExportFormat, HistoryError, HistoryLocation,
    HistoryStore, NewAnnotation, NewRun, PrunePolicy, RecordConfig, Rule, RunId, RunMetadata,
    RunSource, SCHEMA_VERSION, TrendMetric, VerdictRecord,
};

const POSTGRES_URL: &str = "PERF_GATE_TEST_POSTGRES_URL";

/// A fresh, empty history of one backend, removed afterwards.
struct Fixture {
    location: HistoryLocation,
    _directory: Option<tempfile::TempDir>,
    /// The server's URL and the database made for this test, dropped at the end.
    postgres: Option<(String, String)>,
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

impl Fixture {
    fn sqlite() -> Fixture {
        let directory = tempfile::tempdir().unwrap();
        // A directory that does not exist yet: opening creates it.
        let path =
            camino::Utf8PathBuf::from_path_buf(directory.path().join("nested/history.sqlite"))
                .unwrap();
        Fixture {
            location: HistoryLocation::Sqlite(path),
            _directory: Some(directory),
            postgres: None,
        }
    }

    fn postgres() -> Option<Fixture> {
        let url = postgres_url()?;
        let name = format!(
            "perf_history_test_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
        // Two statements: neither may run inside a transaction block.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        Some(Fixture {
            location: postgres_location(&url, &name),
            _directory: None,
            postgres: Some((url, name)),
        })
    }

    fn open(&self) -> HistoryStore {
        HistoryStore::open(&self.location).unwrap()
    }

    /// Runs `sql` with the backend's own client, no perf-history code involved, every value
    /// read as text (`NULL` as an empty string).
    fn plain_query(&self, sql: &str) -> Vec<Vec<String>> {
        match (&self.location, &self.postgres) {
            (HistoryLocation::Sqlite(path), _) => {
                let connection = rusqlite::Connection::open(path).unwrap();
                let mut statement = connection.prepare(sql).unwrap();
                let columns = statement.column_count();
                statement
                    .query_map([], |row| {
                        (0..columns)
                            .map(|index| {
                                Ok(match row.get_ref(index)? {
                                    rusqlite::types::ValueRef::Null => String::new(),
                                    rusqlite::types::ValueRef::Integer(value) => value.to_string(),
                                    rusqlite::types::ValueRef::Real(value) => value.to_string(),
                                    rusqlite::types::ValueRef::Text(text) => {
                                        String::from_utf8_lossy(text).into_owned()
                                    }
                                    rusqlite::types::ValueRef::Blob(_) => "<blob>".to_owned(),
                                })
                            })
                            .collect()
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            (HistoryLocation::Postgres(config), _) => {
                let mut client = config.connect(::postgres::NoTls).unwrap();
                // The simple query protocol returns every value as text.
                client
                    .simple_query(sql)
                    .unwrap()
                    .into_iter()
                    .filter_map(|message| match message {
                        ::postgres::SimpleQueryMessage::Row(row) => Some(
                            (0..row.len())
                                .map(|index| row.get(index).unwrap_or("").to_owned())
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect()
            }
        }
    }

    fn plain_execute(&self, sql: &str) {
        match &self.location {
            HistoryLocation::Sqlite(path) => {
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            HistoryLocation::Postgres(config) => {
                config
                    .connect(::postgres::NoTls)
                    .unwrap()
                    .batch_execute(sql)
                    .unwrap();
            }
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some((url, name)) = &self.postgres
            && let Ok(mut admin) = ::postgres::Client::connect(url, ::postgres::NoTls)
        {
            // Best effort: a database left behind is dropped by the next run of the same name.
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// The test server's URL; `None` (with the reason printed) outside CI when it is not set.
fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{POSTGRES_URL} is not set under CI=true: .ci/postgres.sh starts a PostgreSQL \
                 server and exports it; the PostgreSQL half of the history suite must run in CI"
            );
            eprintln!(
                "skipped: {POSTGRES_URL} is not set, so the PostgreSQL half of the history suite \
                 does not run (bash .ci/postgres.sh starts a throwaway server)"
            );
            None
        }
    }
}

fn postgres_location(url: &str, database: &str) -> HistoryLocation {
    let mut config = ::postgres::Config::from_str(url).unwrap();
    config.dbname(database);
    HistoryLocation::Postgres(Box::new(config))
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::Fixture::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(fixture) = super::Fixture::postgres() {
                        super::$name(&fixture);
                    }
                }
            )*
        }
    };
}

suite!(
    migrates_an_empty_database_to_the_current_version,
    migrates_from_the_previous_version_keeping_the_runs,
    refuses_a_newer_schema_without_touching_it,
    refuses_a_changed_migration,
    records_a_run_and_reads_it_back,
    records_measures_and_throughput_and_trends_them,
    concurrent_writers_never_lose_or_interleave_runs,
    a_killed_writer_leaves_no_partial_run,
    budget_violations_is_plain_sql,
    prune_keeps_runs_a_baseline_or_annotation_refers_to,
    prune_by_age,
    trend_follows_a_metric_oldest_first,
    exports_every_run_as_jsonl_and_csv,
    a_missing_run_is_an_error,
    errors_never_show_the_password,
);

fn fingerprint() -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: Some("Test CPU".into()),
        cpu_cores: 2,
        perf_gate_version: "0.1.0".into(),
    }
}

fn metadata(commit: &str) -> RunMetadata {
    RunMetadata {
        time: jiff::Timestamp::from_second(1_780_000_000).unwrap(),
        commit: Some(commit.to_owned()),
        branch: Some("main".into()),
        source: RunSource::Gate,
        budgets_hash: Some("sha256:budgets".into()),
        baseline_hash: None,
        run_baseline_hash: None,
        environment: fingerprint(),
    }
}

fn config() -> RecordConfig {
    RecordConfig {
        quantile_method: perf_stats::QuantileMethod::Linear,
        confidence_level: 0.95,
        percentiles: vec![Percentile::new(75.0).unwrap()],
    }
}

fn groups_at(level: f64, count: usize) -> BTreeMap<GroupKey, GroupSamples> {
    let samples: Vec<f64> = (0..count).map(|i| level + (i % 10) as f64).collect();
    BTreeMap::from([
        (
            GroupKey::new("api", "get"),
            GroupSamples::all_ok(samples.clone()),
        ),
        (
            GroupKey::new("api", "put"),
            GroupSamples {
                counts: OutcomeCounts {
                    ok: count as u64 - 1,
                    errors: 1,
                    unknown: 2,
                },
                latencies_ms: samples,
                ..Default::default()
            },
        ),
    ])
}

fn run<'a>(
    metadata: RunMetadata,
    groups: &'a BTreeMap<GroupKey, GroupSamples>,
    verdicts: Vec<VerdictRecord>,
) -> NewRun<'a> {
    NewRun {
        metadata,
        groups,
        verdicts,
        change_points: Vec::new(),
        config: config(),
    }
}

fn budget_verdict(step: &str, status: &str, observed: f64, limit: f64) -> VerdictRecord {
    VerdictRecord {
        group: GroupKey::new("api", step),
        rule: Rule::Budget,
        metric: "p95".into(),
        status: status.into(),
        severity: Some("fail".into()),
        observed: Some(observed),
        limit: Some(limit),
        delta: Some(observed - limit),
        p_value: None,
    }
}

fn migrates_an_empty_database_to_the_current_version(fixture: &Fixture) {
    let mut store = fixture.open();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let versions = fixture.plain_query("SELECT version, name FROM schema_version ORDER BY version");
    assert_eq!(
        versions,
        [["1", "runs"], ["2", "budget_violations"], ["3", "measures"]]
            .map(|row| row.map(str::to_owned).to_vec())
    );
    assert!(
        fixture
            .plain_query("SELECT * FROM budget_violations")
            .is_empty()
    );
    // Opening again applies nothing.
    drop(store);
    assert_eq!(fixture.open().schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        fixture.plain_query("SELECT COUNT(*) FROM schema_version"),
        [["3"]]
    );
}

fn migrates_from_the_previous_version_keeping_the_runs(fixture: &Fixture) {
    // A database as the previous perf-gate left it: schema 2, one run written with the
    // statements of that version (today's writer fills version 3's columns).
    drop(HistoryStore::open_at(&fixture.location, SCHEMA_VERSION - 1).unwrap());
    fixture.plain_execute(
        "INSERT INTO runs (time, commit_sha, branch, source, environment, environment_json, \
         perf_gate_version, quantile_method, confidence_level) VALUES \
         ('2026-05-28T20:26:40.000000Z', 'old', 'main', 'gate', 'sha256:env', '{}', '0.1.0', \
         'linear', 0.95);
         INSERT INTO group_stats (run_id, tool, step, count_ok, count_errors, count_unknown, \
         sample_count, mean, min, max, error_rate) VALUES (1, 'api', 'get', 50, 0, 0, 50, 14.5, \
         10, 19, 0);
         INSERT INTO verdicts (run_id, position, tool, step, rule, metric, status, severity, \
         observed, limit_value) VALUES (1, 0, 'api', 'get', 'budget', 'p95', 'fail', 'fail', 20, 15);",
    );
    let mut store = fixture.open();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let runs = store.runs(None).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].commit.as_deref(), Some("old"));
    assert_eq!(
        fixture.plain_query("SELECT run, tool, step, metric FROM budget_violations"),
        [["1", "api", "get", "p95"].map(str::to_owned).to_vec()]
    );
    // The old run has no throughput and no measures; a new one records both.
    let old = store.run(RunId(1)).unwrap();
    assert_eq!(old.groups[0].mean, Some(14.5));
    assert_eq!(old.groups[0].throughput_rps, None);
    assert!(old.groups[0].measures.is_empty());
    let groups = measured_groups();
    let id = store
        .record(&run(metadata("new"), &groups, Vec::new()))
        .unwrap();
    let new = store.run(id).unwrap();
    assert_eq!(new.groups[0].throughput_rps, Some(1.0));
    assert_eq!(new.groups[0].measures.len(), 2);
}

/// One group of 11 records a second apart, with two measures (one absent from two records).
fn measured_groups() -> BTreeMap<GroupKey, GroupSamples> {
    let mut group = GroupSamples::all_ok((1..=11).map(f64::from).collect());
    group.measures = vec![
        perf_record::MeasureSamples {
            name: "allocs".into(),
            values: (1..=9).map(|i| f64::from(i) * 100.0).collect(),
            error_values: Vec::new(),
        },
        perf_record::MeasureSamples {
            name: "peak_rss_mb".into(),
            values: (0..11).map(|i| 10.0 + f64::from(i)).collect(),
            error_values: Vec::new(),
        },
    ];
    let first = jiff::Timestamp::from_second(1_780_000_000).unwrap();
    group.span = Some(perf_record::TimeSpan {
        first,
        last: jiff::Timestamp::from_second(1_780_000_010).unwrap(),
    });
    BTreeMap::from([(GroupKey::new("cmd", "build"), group)])
}

fn records_measures_and_throughput_and_trends_them(fixture: &Fixture) {
    let mut store = fixture.open();
    let groups = measured_groups();
    let mut ids = Vec::new();
    for commit in ["a", "b"] {
        ids.push(
            store
                .record(&run(metadata(commit), &groups, Vec::new()))
                .unwrap(),
        );
    }
    // A later run where the group has one record: no throughput, and no measures.
    let lone = BTreeMap::from([(
        GroupKey::new("cmd", "build"),
        GroupSamples::all_ok(vec![5.0]),
    )]);
    ids.push(
        store
            .record(&run(metadata("c"), &lone, Vec::new()))
            .unwrap(),
    );
    let detail = store.run(ids[0]).unwrap();
    let group = &detail.groups[0];
    // 11 records over 10 s: 10 intervals, one per second.
    assert_eq!(group.throughput_rps, Some(1.0));
    let names: Vec<&str> = group.measures.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["allocs", "peak_rss_mb"]);
    let rss = &group.measures[1];
    assert_eq!(
        (rss.sample_count, rss.mean, rss.min, rss.max),
        (11, Some(15.0), Some(10.0), Some(20.0))
    );
    let expected_p95 = perf_stats::quantile(
        &groups[&GroupKey::new("cmd", "build")].measures[1].values,
        0.95,
        perf_stats::QuantileMethod::Linear,
    )
    .unwrap();
    let stored_p95 = rss.percentiles.iter().find(|p| p.rank == 95.0).unwrap();
    assert_eq!(stored_p95.value, expected_p95);
    assert!(rss.mean_ci.is_some());
    assert_eq!(group.measures[0].sample_count, 9);
    assert_eq!(store.run(ids[2]).unwrap().groups[0].throughput_rps, None);

    let key = GroupKey::new("cmd", "build");
    let series = |store: &mut HistoryStore, metric: &str| {
        store
            .series(&key, &metric.parse().unwrap(), 10)
            .unwrap()
            .iter()
            .map(|point| (point.run, point.value, point.sample_count))
            .collect::<Vec<_>>()
    };
    // A measure's series: the runs that stored it, its own value count.
    assert_eq!(
        series(&mut store, "peak_rss_mb p95"),
        [
            (ids[0], Some(expected_p95), 11),
            (ids[1], Some(expected_p95), 11)
        ]
    );
    assert_eq!(
        series(&mut store, "allocs max"),
        [(ids[0], Some(900.0), 9), (ids[1], Some(900.0), 9)]
    );
    // p97 is not stored: computed from the stored raw values.
    let p97 = perf_stats::quantile(
        &groups[&key].measures[1].values,
        0.97,
        perf_stats::QuantileMethod::Linear,
    )
    .unwrap();
    assert_eq!(series(&mut store, "peak_rss_mb p97")[0].1, Some(p97));
    // The throughput's series: every run of the group, `None` where it had none.
    assert_eq!(
        series(&mut store, "throughput_rps"),
        [
            (ids[0], Some(1.0), 11),
            (ids[1], Some(1.0), 11),
            (ids[2], None, 1)
        ]
    );
    // A latency metric goes through the latency trend.
    assert_eq!(series(&mut store, "max")[0].1, Some(11.0));
    assert!(series(&mut store, "cpu_user_ms avg").is_empty());

    // Exported with the runs.
    let mut jsonl = Vec::new();
    store.export(ExportFormat::Jsonl, &mut jsonl).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8(jsonl).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["groups"][0]["throughput_rps"], 1.0);
    assert_eq!(first["groups"][0]["measures"][1]["name"], "peak_rss_mb");
    let mut csv_bytes = Vec::new();
    store.export(ExportFormat::Csv, &mut csv_bytes).unwrap();
    let records: Vec<csv::StringRecord> = csv::Reader::from_reader(csv_bytes.as_slice())
        .records()
        .collect::<Result<_, _>>()
        .unwrap();
    let row = |run: RunId, statistic: &str| {
        records
            .iter()
            .find(|record| record[0] == *run.to_string() && &record[8] == statistic)
            .map(|record| (record[9].to_owned(), record[12].to_owned()))
    };
    assert_eq!(
        row(ids[0], "throughput_rps"),
        Some(("1".into(), "11".into()))
    );
    assert_eq!(
        row(ids[0], "peak_rss_mb max"),
        Some(("20".into(), "11".into()))
    );
    assert_eq!(row(ids[0], "allocs avg"), Some(("500".into(), "9".into())));
    assert_eq!(row(ids[2], "throughput_rps"), None);

    // Pruning a run removes its measures with it.
    store
        .prune(&PrunePolicy {
            keep_runs: Some(1),
            keep_days: None,
            now: jiff::Timestamp::now(),
            protected_baselines: Vec::new(),
        })
        .unwrap();
    for table in ["measure_stats", "measure_percentiles", "measure_samples"] {
        assert_eq!(
            fixture.plain_query(&format!("SELECT COUNT(*) FROM {table}")),
            [["0"]],
            "{table}"
        );
    }
}

fn refuses_a_newer_schema_without_touching_it(fixture: &Fixture) {
    drop(fixture.open());
    fixture.plain_execute(
        "INSERT INTO schema_version (version, name, checksum, applied_at) \
         VALUES (99, 'from_the_future', 'sha256:x', '2030-01-01T00:00:00.000000Z')",
    );
    let error = HistoryStore::open(&fixture.location).unwrap_err();
    assert!(
        matches!(
            error,
            HistoryError::NewerSchema {
                found: 99,
                supported: SCHEMA_VERSION,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("upgrade perf-gate"), "{error}");
    assert_eq!(
        fixture.plain_query("SELECT MAX(version) FROM schema_version"),
        [["99"]]
    );
}

fn refuses_a_changed_migration(fixture: &Fixture) {
    drop(fixture.open());
    fixture.plain_execute("UPDATE schema_version SET checksum = 'sha256:edited' WHERE version = 1");
    let error = HistoryStore::open(&fixture.location).unwrap_err();
    match error {
        HistoryError::ChecksumMismatch {
            version,
            name,
            found,
            ..
        } => {
            assert_eq!(
                (version, name.as_str(), found.as_str()),
                (1, "runs", "sha256:edited")
            );
        }
        other => panic!("expected a checksum mismatch, got {other:?}"),
    }
}

fn records_a_run_and_reads_it_back(fixture: &Fixture) {
    let mut store = fixture.open();
    let groups = groups_at(10.0, 200);
    let mut new_run = run(
        metadata("abc123"),
        &groups,
        vec![
            budget_verdict("get", "pass", 18.0, 20.0),
            budget_verdict("put", "fail", 18.0, 15.0),
        ],
    );
    new_run.change_points.push(ChangePointRecord {
        group: GroupKey::new("api", "get"),
        metric: "p95".into(),
        at_run: Some(RunId(1)),
        kind: ChangeKind::EnvironmentChange,
        before: 10.0,
        after: 12.0,
        change: 0.2,
        p_value: None,
    });
    let id = store.record(&new_run).unwrap();
    let detail = store.run(id).unwrap();
    assert_eq!(detail.run.id, id);
    assert_eq!(detail.run.time, "2026-05-28T20:26:40.000000Z");
    assert_eq!(detail.run.commit.as_deref(), Some("abc123"));
    assert_eq!(detail.run.source, "gate");
    assert_eq!(detail.run.groups, 2);
    assert_eq!(detail.run.failures, 1);
    assert_eq!(
        detail.run.environment,
        crate::environment_hash(&fingerprint())
    );
    assert_eq!(detail.run.quantile_method, "linear");
    assert_eq!(detail.groups.len(), 2);
    let put = &detail.groups[1];
    assert_eq!(put.group, GroupKey::new("api", "put"));
    assert_eq!(
        (put.counts.ok, put.counts.errors, put.counts.unknown),
        (199, 1, 2)
    );
    assert_eq!(put.sample_count, 200);
    assert_eq!(put.mean, Some(14.5));
    assert_eq!((put.min, put.max), (Some(10.0), Some(19.0)));
    assert_eq!(put.error_rate, Some(0.005));
    assert!(
        put.error_rate_ci
            .is_some_and(|(low, high)| low < 0.005 && 0.005 < high)
    );
    let ranks: Vec<f64> = put.percentiles.iter().map(|p| p.rank).collect();
    assert_eq!(ranks, [50.0, 75.0, 90.0, 95.0, 99.0, 99.9]);
    let p95 = put.percentiles[3];
    assert_eq!(p95.value, 19.0);
    assert!(p95.ci_low.is_some_and(|low| low <= 19.0));
    assert_eq!(detail.verdicts, new_run.verdicts);
    assert_eq!(detail.change_points, new_run.change_points);
    let samples = store
        .samples(id, &GroupKey::new("api", "get"))
        .unwrap()
        .unwrap();
    let mut expected = groups[&GroupKey::new("api", "get")].latencies_ms.clone();
    expected.sort_by(f64::total_cmp);
    assert_eq!(samples, expected);
    assert_eq!(
        store.samples(id, &GroupKey::new("api", "none")).unwrap(),
        None
    );
    let listed = store.runs(Some(10)).unwrap();
    assert_eq!(listed, [detail.run]);
}

fn concurrent_writers_never_lose_or_interleave_runs(fixture: &Fixture) {
    const WRITERS: usize = 8;
    const RUNS: usize = 4;
    // Every writer opens the fresh database at once: the migrations race too.
    std::thread::scope(|scope| {
        for writer in 0..WRITERS {
            let location = fixture.location.clone();
            scope.spawn(move || {
                let mut store = HistoryStore::open(&location).unwrap();
                for index in 0..RUNS {
                    // Each run's every sample is its marker, so an interleaved run shows.
                    let marker = (writer * 100 + index) as f64;
                    let groups: BTreeMap<GroupKey, GroupSamples> = (0..6)
                        .map(|group| {
                            (
                                GroupKey::new("tool", format!("step{group}")),
                                GroupSamples::all_ok(vec![marker; 500]),
                            )
                        })
                        .collect();
                    store
                        .record(&run(metadata(&format!("{marker}")), &groups, Vec::new()))
                        .unwrap();
                }
            });
        }
    });
    let mut store = fixture.open();
    let runs = store.runs(None).unwrap();
    assert_eq!(runs.len(), WRITERS * RUNS);
    let mut commits: Vec<String> = runs.iter().filter_map(|run| run.commit.clone()).collect();
    commits.sort();
    commits.dedup();
    assert_eq!(commits.len(), WRITERS * RUNS, "every run recorded once");
    for run in &runs {
        let marker: f64 = run.commit.as_deref().unwrap().parse().unwrap();
        let detail = store.run(run.id).unwrap();
        assert_eq!(detail.groups.len(), 6, "run {}", run.id);
        for group in &detail.groups {
            assert_eq!(
                (group.min, group.max),
                (Some(marker), Some(marker)),
                "run {}",
                run.id
            );
            let samples = store.samples(run.id, &group.group).unwrap().unwrap();
            assert!(samples.iter().all(|value| *value == marker));
        }
    }
}

/// Under `PERF_HISTORY_KILLED_WRITER`, this test is the writer the killed-writer test kills:
/// it records one run, then starts a second and stops inside its transaction, saying so.
#[test]
fn killed_writer_child_process() {
    let Ok(target) = std::env::var("PERF_HISTORY_KILLED_WRITER") else {
        return;
    };
    let location = match target.split_once(':') {
        Some(("postgres", database)) => postgres_location(&postgres_url().unwrap(), database),
        _ => HistoryLocation::Sqlite(target.strip_prefix("sqlite:").unwrap_or(&target).into()),
    };
    let mut store = HistoryStore::open(&location).unwrap();
    let groups = groups_at(10.0, 20_000);
    store
        .record(&run(metadata("complete"), &groups, Vec::new()))
        .unwrap();
    println!("committed");
    let mut pause = || {
        println!("inside the transaction");
        std::thread::sleep(std::time::Duration::from_secs(120));
    };
    store
        .record_observed(&run(metadata("partial"), &groups, Vec::new()), &mut pause)
        .unwrap();
    unreachable!("the parent kills this process");
}

fn a_killed_writer_leaves_no_partial_run(fixture: &Fixture) {
    let target = match (&fixture.location, &fixture.postgres) {
        (HistoryLocation::Sqlite(path), _) => format!("sqlite:{path}"),
        (_, Some((_, database))) => format!("postgres:{database}"),
        _ => unreachable!(),
    };
    drop(fixture.open());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "suite::killed_writer_child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PERF_HISTORY_KILLED_WRITER", &target)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let inside = line.contains("inside the transaction");
        seen.push(line);
        if inside {
            break;
        }
    }
    assert!(
        seen.iter().any(|line| line.ends_with("committed")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|line| line.contains("inside the transaction")),
        "{seen:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let mut store = fixture.open();
    let runs = store.runs(None).unwrap();
    let commits: Vec<Option<&str>> = runs.iter().map(|run| run.commit.as_deref()).collect();
    assert_eq!(commits, [Some("complete")]);
    // Nothing of the second run is anywhere.
    for table in ["group_stats", "samples", "percentiles"] {
        let rows = fixture.plain_query(&format!("SELECT DISTINCT run_id FROM {table}"));
        assert_eq!(rows, [[runs[0].id.to_string()]], "{table}");
    }
    // The store still takes new runs.
    let groups = groups_at(10.0, 10);
    let next = store
        .record(&run(metadata("after"), &groups, Vec::new()))
        .unwrap();
    assert!(next > runs[0].id);
}

fn budget_violations_is_plain_sql(fixture: &Fixture) {
    let mut store = fixture.open();
    let groups = groups_at(10.0, 50);
    let mut warn = budget_verdict("put", "warn", 30.0, 25.0);
    warn.severity = Some("warn".into());
    warn.metric = "avg".into();
    let baseline = VerdictRecord {
        rule: Rule::Baseline,
        status: "regressed".into(),
        ..budget_verdict("get", "regressed", 20.0, 10.0)
    };
    store
        .record(&run(
            metadata("one"),
            &groups,
            vec![
                budget_verdict("get", "fail", 21.5, 20.0),
                budget_verdict("put", "pass", 5.0, 20.0),
                warn,
                baseline,
            ],
        ))
        .unwrap();
    store
        .record(&run(
            metadata("two"),
            &groups,
            vec![budget_verdict("get", "fail", 25.0, 20.0)],
        ))
        .unwrap();
    // The README's example query, as a user would type it.
    let rows = fixture.plain_query(
        "SELECT run, time, tool, step, metric, observed, \"limit\", excess \
         FROM budget_violations WHERE tool = 'api' ORDER BY run, step, metric",
    );
    let expected = [
        [
            "1",
            "2026-05-28T20:26:40.000000Z",
            "api",
            "get",
            "p95",
            "21.5",
            "20",
            "1.5",
        ],
        [
            "1",
            "2026-05-28T20:26:40.000000Z",
            "api",
            "put",
            "avg",
            "30",
            "25",
            "5",
        ],
        [
            "2",
            "2026-05-28T20:26:40.000000Z",
            "api",
            "get",
            "p95",
            "25",
            "20",
            "5",
        ],
    ];
    // SQLite prints whole REALs as `20.0`, PostgreSQL as `20`.
    let normal = |text: &str| text.strip_suffix(".0").unwrap_or(text).to_owned();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| normal(cell)).collect())
        .collect();
    assert_eq!(rows, expected.map(|row| row.map(str::to_owned).to_vec()));
    let worst = fixture.plain_query(
        "SELECT tool, step, MAX(excess) FROM budget_violations GROUP BY tool, step ORDER BY tool, step",
    );
    assert_eq!(worst.len(), 2);
}

fn prune_keeps_runs_a_baseline_or_annotation_refers_to(fixture: &Fixture) {
    let mut store = fixture.open();
    let groups = groups_at(10.0, 20);
    let mut ids = Vec::new();
    for index in 1..=6 {
        let mut metadata = metadata(&format!("run{index}"));
        metadata.run_baseline_hash = Some(format!("sha256:made-by-{index}"));
        if index == 4 {
            // Run 4 was compared against the baseline made from run 1.
            metadata.baseline_hash = Some("sha256:made-by-1".into());
        }
        ids.push(store.record(&run(metadata, &groups, Vec::new())).unwrap());
    }
    store
        .annotate(&NewAnnotation {
            run: ids[1],
            group: Some(GroupKey::new("api", "get")),
            kind: AnnotationKind::AcceptedRegression,
            note: "new serializer, expected".into(),
            time: jiff::Timestamp::from_second(1_780_000_100).unwrap(),
        })
        .unwrap();
    let outcome = store
        .prune(&PrunePolicy {
            keep_runs: Some(1),
            keep_days: None,
            now: jiff::Timestamp::from_second(1_780_000_000).unwrap(),
            // The committed baseline file was made from run 3.
            protected_baselines: vec!["sha256:made-by-3".into()],
        })
        .unwrap();
    assert_eq!(outcome.deleted, [ids[3], ids[4]]);
    assert_eq!(outcome.kept_referenced, [ids[0], ids[1], ids[2]]);
    assert_eq!(outcome.remaining, 4);
    let left: Vec<RunId> = store
        .runs(None)
        .unwrap()
        .iter()
        .map(|run| run.id)
        .rev()
        .collect();
    assert_eq!(left, [ids[0], ids[1], ids[2], ids[5]]);
    // Nothing of a deleted run is left behind.
    let rows = fixture.plain_query(&format!(
        "SELECT COUNT(*) FROM samples WHERE run_id = {}",
        ids[3]
    ));
    assert_eq!(rows, [["0"]]);
    assert!(matches!(
        store.prune(&PrunePolicy {
            keep_runs: None,
            keep_days: None,
            now: jiff::Timestamp::now(),
            protected_baselines: Vec::new(),
        }),
        Err(HistoryError::EmptyPrunePolicy)
    ));
}

fn prune_by_age(fixture: &Fixture) {
    let mut store = fixture.open();
    let groups = groups_at(10.0, 5);
    let day = 86_400;
    let start = 1_780_000_000;
    for age_days in [30, 10, 2, 0] {
        let mut metadata = metadata(&format!("{age_days} days old"));
        metadata.time = jiff::Timestamp::from_second(start - age_days * day).unwrap();
        store.record(&run(metadata, &groups, Vec::new())).unwrap();
    }
    let now = jiff::Timestamp::from_second(start).unwrap();
    let outcome = store
        .prune(&PrunePolicy {
            keep_runs: None,
            keep_days: Some(7),
            now,
            protected_baselines: Vec::new(),
        })
        .unwrap();
    assert_eq!(outcome.deleted, [RunId(1), RunId(2)]);
    // With both limits, a run either keeps is kept.
    let outcome = store
        .prune(&PrunePolicy {
            keep_runs: Some(1),
            keep_days: Some(3),
            now,
            protected_baselines: Vec::new(),
        })
        .unwrap();
    assert!(outcome.deleted.is_empty());
    assert_eq!(time_text(now), "2026-05-28T20:26:40.000000Z");
}

fn trend_follows_a_metric_oldest_first(fixture: &Fixture) {
    let mut store = fixture.open();
    for level in [10.0, 20.0, 30.0, 40.0] {
        let groups = groups_at(level, 100);
        store
            .record(&run(metadata(&format!("{level}")), &groups, Vec::new()))
            .unwrap();
    }
    let key = GroupKey::new("api", "get");
    let p95 = store.trend(&key, "p95".parse().unwrap(), 3).unwrap();
    let values: Vec<Option<f64>> = p95.iter().map(|point| point.value).collect();
    assert_eq!(values, [Some(29.0), Some(39.0), Some(49.0)]);
    assert_eq!(p95[0].run, RunId(2));
    assert!(
        p95.iter()
            .all(|point| point.interval.is_some() && point.sample_count == 100)
    );
    // p97 is not stored: computed from the raw samples with the run's method.
    let p97 = store
        .trend(&key, TrendMetric::from_str("p97").unwrap(), 10)
        .unwrap();
    let expected = perf_stats::quantile(
        &groups_at(10.0, 100)[&key].latencies_ms,
        0.97,
        perf_stats::QuantileMethod::Linear,
    )
    .unwrap();
    assert_eq!(p97.len(), 4);
    assert_eq!(p97[0].value, Some(expected));
    assert_eq!(p97[0].interval, None);
    let mean = store.trend(&key, TrendMetric::Mean, 10).unwrap();
    assert_eq!(mean.last().and_then(|point| point.value), Some(44.5));
    let errors = store
        .trend(&GroupKey::new("api", "put"), TrendMetric::ErrorRate, 1)
        .unwrap();
    assert_eq!(errors[0].value, Some(0.01));
    assert!(
        store
            .trend(&GroupKey::new("api", "nothing"), TrendMetric::Max, 10)
            .unwrap()
            .is_empty()
    );
}

fn exports_every_run_as_jsonl_and_csv(fixture: &Fixture) {
    let mut store = fixture.open();
    let groups = groups_at(10.0, 30);
    store
        .record(&run(
            metadata("a,\"quoted\""),
            &groups,
            vec![budget_verdict("get", "fail", 21.0, 20.0)],
        ))
        .unwrap();
    store
        .record(&run(metadata("b"), &groups, Vec::new()))
        .unwrap();
    let mut jsonl = Vec::new();
    assert_eq!(store.export(ExportFormat::Jsonl, &mut jsonl).unwrap(), 2);
    let lines: Vec<serde_json::Value> = String::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["run"]["commit"], "a,\"quoted\"");
    assert_eq!(lines[0]["verdicts"][0]["status"], "fail");
    assert_eq!(lines[1]["groups"][0]["tool"], "api");
    let mut csv_bytes = Vec::new();
    store.export(ExportFormat::Csv, &mut csv_bytes).unwrap();
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[..3], ["run", "time", "commit"]);
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    // 2 runs x 2 groups x (3 counts + avg, min, max, error rate + 6 percentiles).
    assert_eq!(records.len(), 2 * 2 * 13);
    assert_eq!(&records[0][2], "a,\"quoted\"");
    let p95 = records.iter().find(|record| &record[8] == "p95").unwrap();
    assert_eq!(&p95[9], "19");
}

fn a_missing_run_is_an_error(fixture: &Fixture) {
    let mut store = fixture.open();
    assert!(matches!(
        store.run(RunId(42)),
        Err(HistoryError::NoSuchRun { run: RunId(42) })
    ));
    let annotation = NewAnnotation {
        run: RunId(42),
        group: None,
        kind: AnnotationKind::EnvironmentChanged,
        note: String::new(),
        time: jiff::Timestamp::now(),
    };
    assert!(matches!(
        store.annotate(&annotation),
        Err(HistoryError::NoSuchRun { .. })
    ));
}

fn errors_never_show_the_password(fixture: &Fixture) {
    // A server that refuses the connection, reached with a password in the location.
    let text = match &fixture.location {
        HistoryLocation::Sqlite(_) => "postgres://ci:hunter2@127.0.0.1:1/perf".to_owned(),
        HistoryLocation::Postgres(config) => {
            // The test server with a wrong password for a user that does not exist.
            let port = config.get_ports().first().copied().unwrap_or(5432);
            format!("host=127.0.0.1 port={port} user=nobody_here password=hunter2 dbname=nothing")
        }
    };
    let error = HistoryStore::open(&HistoryLocation::parse(&text).unwrap()).unwrap_err();
    let chain = crate::error::chain(&error);
    assert!(chain.contains("***"), "{chain}");
    assert!(!chain.contains("hunter2"), "{chain}");
    assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");
}
