//! The store: one interface over the SQLite and PostgreSQL backends.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::Duration;

use std::borrow::Cow;

use perf_record::{GroupData, GroupKey, GroupSamples, OutcomeCounts};
use perf_stats::{QuantileMethod, SummaryConfig};
use serde::Serialize;

use crate::encoding::{SAMPLES_ENCODING, decode_samples, encode_samples};
use crate::error::{BackendError, ExportError, HistoryError};
use crate::location::HistoryLocation;
use crate::migrations::{self, Dialect, SCHEMA_VERSION};
use crate::model::{
    Annotation, ChangeKind, ChangePointRecord, ExportFormat, GroupRecord, HistoryMetric,
    MeasureRecord, NewAnnotation, NewRun, PruneOutcome, PrunePolicy, RecordConfig, Run, RunDetail,
    RunId, StoredPercentile, TrendMetric, TrendPoint, VerdictRecord,
};
use crate::sql::{PostgresSql, Row, Sql, SqliteSql, Value};

/// How long an SQLite writer waits for another writer's lock before giving up. Eight CI jobs
/// finishing at once each hold the lock for one run's transaction; a minute is ample.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(60);

enum Connection {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

/// Whether a transaction writes. SQLite takes its write lock up front for writers
/// (`BEGIN IMMEDIATE`), so two writers never deadlock upgrading a read lock.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

/// A history database, opened and migrated to [`SCHEMA_VERSION`].
///
/// Every method runs in one transaction: a run is recorded whole or not at all, and readers
/// never see half a run.
pub struct HistoryStore {
    location: HistoryLocation,
    shown: String,
    connection: Connection,
}

impl std::fmt::Debug for HistoryStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("HistoryStore")
            .field("location", &self.shown)
            .finish_non_exhaustive()
    }
}

/// Time as stored: RFC 3339 in UTC with exactly six decimals, so text order is time order.
pub(crate) fn time_text(time: jiff::Timestamp) -> String {
    let micros = time.as_microsecond();
    let seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    let (year, month, day) = perf_record::civil_from_days(seconds.div_euclid(86_400));
    let second_of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{fraction:06}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The hash of a fingerprint without the perf-gate version: what "the environment changed"
/// means for history (a new perf-gate does not move the system measured).
pub fn environment_hash(fingerprint: &perf_baseline::Fingerprint) -> String {
    #[derive(Serialize)]
    struct Machine<'a> {
        os: &'a str,
        arch: &'a str,
        cpu_model: Option<&'a str>,
        cpu_cores: u64,
    }
    let machine = Machine {
        os: &fingerprint.os,
        arch: &fingerprint.arch,
        cpu_model: fingerprint.cpu_model.as_deref(),
        cpu_cores: fingerprint.cpu_cores,
    };
    // Serialising a struct of strings and integers cannot fail; an empty text would still hash.
    content_hash(
        serde_json::to_string(&machine)
            .unwrap_or_default()
            .as_bytes(),
    )
}

/// `sha256:` and the lower-case hex SHA-256 of `bytes` (a budget file's content, say).
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut text = String::with_capacity(71);
    text.push_str("sha256:");
    for byte in digest {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// A group's statistics and encoded samples, computed before the transaction opens so the
/// write lock is held only for the inserts.
struct PreparedGroup<'a> {
    key: &'a GroupKey,
    counts: OutcomeCounts,
    latency: ValueStatistics,
    error_rate: Option<f64>,
    error_rate_ci: Option<(f64, f64)>,
    throughput_rps: Option<f64>,
    measures: Vec<(&'a str, ValueStatistics)>,
}

/// The statistics of one set of values (the latencies, or one measure's) as the history stores
/// them, with the values encoded.
struct ValueStatistics {
    sample_count: u64,
    mean: Option<f64>,
    mean_ci: Option<(f64, f64)>,
    min: Option<f64>,
    max: Option<f64>,
    percentiles: Vec<StoredPercentile>,
    samples: Vec<u8>,
}

impl ValueStatistics {
    fn of(
        values: &[f64],
        ranks: &[f64],
        config: &RecordConfig,
    ) -> Result<ValueStatistics, ValueError> {
        let mut prepared = ValueStatistics {
            sample_count: values.len() as u64,
            mean: None,
            mean_ci: None,
            min: None,
            max: None,
            percentiles: Vec::new(),
            samples: encode_samples(values).map_err(ValueError::Encode)?,
        };
        if values.is_empty() {
            return Ok(prepared);
        }
        let summary = perf_stats::summarize(
            values,
            &SummaryConfig {
                percentiles: ranks.to_vec(),
                method: config.quantile_method,
            },
        )
        .map_err(ValueError::Statistics)?;
        prepared.mean = Some(summary.mean);
        prepared.min = Some(summary.min);
        prepared.max = Some(summary.max);
        if values.len() >= 2 {
            let interval = perf_stats::latency_mean_interval(values, config.confidence_level)
                .map_err(ValueError::Statistics)?;
            prepared.mean_ci = Some((interval.lower, interval.upper));
        }
        for value in &summary.percentiles {
            // An interval exists only when the sample is large enough for the rank and level.
            let interval = perf_stats::quantile_confidence_interval(
                values,
                value.percent / 100.0,
                config.confidence_level,
            )
            .ok();
            prepared.percentiles.push(StoredPercentile {
                rank: value.percent,
                value: value.value,
                ci_low: interval.map(|interval| interval.lower),
                ci_high: interval.map(|interval| interval.upper),
            });
        }
        Ok(prepared)
    }
}

/// Why [`ValueStatistics::of`] failed.
enum ValueError {
    Encode(std::io::Error),
    Statistics(perf_stats::StatsError),
}

fn prepare_group<'a>(
    key: &'a GroupKey,
    samples: &'a GroupSamples,
    config: &RecordConfig,
) -> Result<PreparedGroup<'a>, HistoryError> {
    let failed = |error| match error {
        ValueError::Encode(source) => HistoryError::Export(ExportError::Io(source)),
        ValueError::Statistics(source) => HistoryError::Statistics {
            group: key.clone(),
            source,
        },
    };
    let mut ranks: Vec<f64> = RecordConfig::STANDARD_PERCENTILES.to_vec();
    ranks.extend(config.percentiles.iter().map(|p| p.percent()));
    ranks.sort_by(f64::total_cmp);
    ranks.dedup();
    let mut error_rate_ci = None;
    if samples.counts.known() > 0 {
        let interval = perf_stats::error_rate_confidence_interval(
            samples.counts.errors,
            samples.counts.known(),
            config.confidence_level,
        )
        .map_err(|source| failed(ValueError::Statistics(source)))?;
        error_rate_ci = Some((interval.lower, interval.upper));
    }
    let measures = samples
        .measures
        .iter()
        .map(|measure| {
            ValueStatistics::of(&measure.values, &ranks, config)
                .map(|statistics| (measure.name.as_str(), statistics))
        })
        .collect::<Result<_, _>>()
        .map_err(failed)?;
    Ok(PreparedGroup {
        key,
        counts: samples.counts,
        latency: ValueStatistics::of(&samples.latencies_ms, &ranks, config).map_err(failed)?,
        error_rate: samples.counts.error_rate(),
        error_rate_ci,
        throughput_rps: samples.throughput_rps().ok(),
        measures,
    })
}

/// Reads typed values from a result row, naming the table when a value has the wrong shape.
struct Reader<'a> {
    row: &'a Row,
    table: &'static str,
    location: &'a str,
}

impl Reader<'_> {
    fn corrupt(&self, index: usize, expected: &str) -> HistoryError {
        HistoryError::Corrupt {
            location: self.location.to_owned(),
            table: self.table,
            detail: format!(
                "column {index}: expected {expected}, found {:?}",
                self.row.get(index)
            ),
        }
    }

    fn optional_int(&self, index: usize) -> Result<Option<i64>, HistoryError> {
        match self.row.get(index) {
            Some(Value::Int(value)) => Ok(*value),
            Some(value) if value.is_null() => Ok(None),
            _ => Err(self.corrupt(index, "an integer")),
        }
    }

    fn int(&self, index: usize) -> Result<i64, HistoryError> {
        self.optional_int(index)?
            .ok_or_else(|| self.corrupt(index, "an integer"))
    }

    fn count(&self, index: usize) -> Result<u64, HistoryError> {
        u64::try_from(self.int(index)?).map_err(|_| self.corrupt(index, "a count"))
    }

    fn optional_real(&self, index: usize) -> Result<Option<f64>, HistoryError> {
        match self.row.get(index) {
            Some(Value::Real(value)) => Ok(*value),
            // SQLite returns a whole REAL written as an integer by a hand-made row as one.
            Some(Value::Int(Some(value))) => Ok(Some(*value as f64)),
            Some(value) if value.is_null() => Ok(None),
            _ => Err(self.corrupt(index, "a number")),
        }
    }

    fn real(&self, index: usize) -> Result<f64, HistoryError> {
        self.optional_real(index)?
            .ok_or_else(|| self.corrupt(index, "a number"))
    }

    fn optional_text(&self, index: usize) -> Result<Option<String>, HistoryError> {
        match self.row.get(index) {
            Some(Value::Text(value)) => Ok(value.clone()),
            Some(value) if value.is_null() => Ok(None),
            _ => Err(self.corrupt(index, "text")),
        }
    }

    fn text(&self, index: usize) -> Result<String, HistoryError> {
        self.optional_text(index)?
            .ok_or_else(|| self.corrupt(index, "text"))
    }

    fn blob(&self, index: usize) -> Result<Vec<u8>, HistoryError> {
        match self.row.get(index) {
            Some(Value::Blob(Some(value))) => Ok(value.clone()),
            _ => Err(self.corrupt(index, "bytes")),
        }
    }

    fn pair(&self, low: usize, high: usize) -> Result<Option<(f64, f64)>, HistoryError> {
        Ok(self.optional_real(low)?.zip(self.optional_real(high)?))
    }
}

const RUN_COLUMNS: &str = "r.id, r.time, r.commit_sha, r.branch, r.source, r.budgets_hash, \
    r.baseline_hash, r.run_baseline_hash, r.environment, r.perf_gate_version, r.quantile_method, \
    (SELECT COUNT(*) FROM group_stats g WHERE g.run_id = r.id), \
    (SELECT COUNT(*) FROM verdicts v WHERE v.run_id = r.id AND v.status IN ('fail', 'regressed')), \
    (SELECT COUNT(*) FROM annotations a WHERE a.run_id = r.id)";

impl HistoryStore {
    /// Opens (creating when needed) the history at `location` and brings its schema to
    /// [`SCHEMA_VERSION`]. An SQLite file's parent directory is created; the file is put in
    /// WAL mode with a busy timeout of [`SQLITE_BUSY_TIMEOUT`].
    ///
    /// # Errors
    /// The database cannot be opened or reached; it was written by a newer perf-gate
    /// ([`HistoryError::NewerSchema`]); an applied migration differs from this crate's
    /// ([`HistoryError::ChecksumMismatch`]).
    pub fn open(location: &HistoryLocation) -> Result<HistoryStore, HistoryError> {
        HistoryStore::open_at(location, SCHEMA_VERSION)
    }

    /// [`HistoryStore::open`], migrating no further than `version` (tests of upgrades).
    pub(crate) fn open_at(
        location: &HistoryLocation,
        version: i64,
    ) -> Result<HistoryStore, HistoryError> {
        let shown = location.to_string();
        let open_error = |source: BackendError| HistoryError::Open {
            location: shown.clone(),
            source,
        };
        let connection = match location {
            HistoryLocation::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|parent| !parent.as_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|source| {
                        HistoryError::CreateDirectory {
                            path: parent.to_owned(),
                            source,
                        }
                    })?;
                }
                let connection =
                    rusqlite::Connection::open(path).map_err(|source| open_error(source.into()))?;
                configure_sqlite(&connection).map_err(|source| open_error(source.into()))?;
                Connection::Sqlite(connection)
            }
            HistoryLocation::Postgres(config) => {
                let mut config = (**config).clone();
                if config.get_application_name().is_none() {
                    config.application_name("perf-gate");
                }
                let client = config
                    .connect(postgres::NoTls)
                    .map_err(|source| open_error(source.into()))?;
                Connection::Postgres(Box::new(client))
            }
        };
        let mut store = HistoryStore {
            location: location.clone(),
            shown,
            connection,
        };
        let dialect = store.dialect();
        let location_text = store.shown.clone();
        let now = time_text(jiff::Timestamp::now());
        store.transaction(Mode::Write, "migrate the schema", |sql| {
            migrations::migrate(sql, dialect, &location_text, version, &now)
        })?;
        Ok(store)
    }

    /// Where this history lives.
    pub fn location(&self) -> &HistoryLocation {
        &self.location
    }

    fn dialect(&self) -> Dialect {
        match self.connection {
            Connection::Sqlite(_) => Dialect::Sqlite,
            Connection::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `body` in one transaction, committed when it returns `Ok`, rolled back otherwise.
    fn transaction<T>(
        &mut self,
        mode: Mode,
        operation: &'static str,
        body: impl FnOnce(&mut dyn Sql) -> Result<T, HistoryError>,
    ) -> Result<T, HistoryError> {
        let shown = self.shown.clone();
        let database = |source: BackendError| HistoryError::Database {
            location: shown.clone(),
            operation,
            source,
        };
        match &mut self.connection {
            Connection::Sqlite(connection) => {
                let behavior = match mode {
                    Mode::Read => rusqlite::TransactionBehavior::Deferred,
                    Mode::Write => rusqlite::TransactionBehavior::Immediate,
                };
                let transaction = connection
                    .transaction_with_behavior(behavior)
                    .map_err(|source| database(source.into()))?;
                let value = body(&mut SqliteSql(&transaction))?;
                transaction
                    .commit()
                    .map_err(|source| database(source.into()))?;
                Ok(value)
            }
            Connection::Postgres(client) => {
                let mut transaction = client
                    .transaction()
                    .map_err(|source| database(source.into()))?;
                let value = body(&mut PostgresSql(&mut transaction))?;
                transaction
                    .commit()
                    .map_err(|source| database(source.into()))?;
                Ok(value)
            }
        }
    }

    fn failed(&self, operation: &'static str) -> impl Fn(BackendError) -> HistoryError + use<> {
        let location = self.shown.clone();
        move |source| HistoryError::Database {
            location: location.clone(),
            operation,
            source,
        }
    }

    /// The schema version of the database.
    ///
    /// # Errors
    /// A failed query.
    pub fn schema_version(&mut self) -> Result<i64, HistoryError> {
        let failed = self.failed("read schema_version");
        let location = self.shown.clone();
        self.transaction(Mode::Read, "read schema_version", |sql| {
            let rows = sql
                .query("SELECT MAX(version) FROM schema_version", &[])
                .map_err(&failed)?;
            let row = rows.first().cloned().unwrap_or_default();
            Reader {
                row: &row,
                table: "schema_version",
                location: &location,
            }
            .optional_int(0)
            .map(Option::unwrap_or_default)
        })
    }

    /// Records one run, whole, in one transaction: its metadata, every group's statistics and
    /// compact raw samples, its verdicts and change points.
    ///
    /// # Errors
    /// Statistics that cannot be computed (a NaN latency), or a failed write; nothing is
    /// recorded then.
    pub fn record<G: GroupData>(&mut self, run: &NewRun<'_, G>) -> Result<RunId, HistoryError> {
        self.record_observed(run, &mut || {})
    }

    /// [`HistoryStore::record`], calling `inside` once the run's row is written and before its
    /// groups are (the killed-writer test stops the process there).
    pub(crate) fn record_observed<G: GroupData>(
        &mut self,
        run: &NewRun<'_, G>,
        inside: &mut dyn FnMut(),
    ) -> Result<RunId, HistoryError> {
        let loaded: Vec<(&GroupKey, Cow<'_, GroupSamples>)> = run
            .groups
            .iter()
            .map(|(key, group)| {
                let samples = group.samples().map_err(|source| HistoryError::Load {
                    group: key.clone(),
                    source,
                })?;
                Ok((key, samples))
            })
            .collect::<Result<_, HistoryError>>()?;
        let prepared: Vec<PreparedGroup<'_>> = loaded
            .iter()
            .map(|(key, samples)| prepare_group(key, samples, &run.config))
            .collect::<Result<_, _>>()?;
        let metadata = &run.metadata;
        let environment_json = serde_json::to_string(&metadata.environment).unwrap_or_default();
        let failed = self.failed("record the run");
        let location = self.shown.clone();
        self.transaction(Mode::Write, "record the run", |sql| {
            let rows = sql
                .query(
                    "INSERT INTO runs (time, commit_sha, branch, source, budgets_hash, baseline_hash, \
                     run_baseline_hash, environment, environment_json, perf_gate_version, \
                     quantile_method, confidence_level) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                    &[
                        Value::text(time_text(metadata.time)),
                        Value::optional_text(metadata.commit.as_deref()),
                        Value::optional_text(metadata.branch.as_deref()),
                        Value::text(metadata.source.as_str()),
                        Value::optional_text(metadata.budgets_hash.as_deref()),
                        Value::optional_text(metadata.baseline_hash.as_deref()),
                        Value::optional_text(metadata.run_baseline_hash.as_deref()),
                        Value::text(environment_hash(&metadata.environment)),
                        Value::text(environment_json.clone()),
                        Value::text(metadata.environment.perf_gate_version.clone()),
                        Value::text(run.config.quantile_method.to_string()),
                        Value::real(Some(run.config.confidence_level)),
                    ],
                )
                .map_err(&failed)?;
            let row = rows.first().cloned().unwrap_or_default();
            let id = Reader { row: &row, table: "runs", location: &location }.int(0)?;
            inside();
            for group in &prepared {
                insert_group(sql, id, group).map_err(&failed)?;
            }
            for (position, verdict) in run.verdicts.iter().enumerate() {
                sql.execute(
                    "INSERT INTO verdicts (run_id, position, tool, step, rule, metric, status, \
                     severity, observed, limit_value, delta, p_value) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    &[
                        Value::int(id),
                        Value::int(position as i64),
                        Value::text(verdict.group.tool.clone()),
                        Value::text(verdict.group.step.clone()),
                        Value::text(verdict.rule.as_str()),
                        Value::text(verdict.metric.clone()),
                        Value::text(verdict.status.clone()),
                        Value::optional_text(verdict.severity.as_deref()),
                        Value::real(verdict.observed),
                        Value::real(verdict.limit),
                        Value::real(verdict.delta),
                        Value::real(verdict.p_value),
                    ],
                )
                .map_err(&failed)?;
            }
            for (position, point) in run.change_points.iter().enumerate() {
                sql.execute(
                    "INSERT INTO change_points (run_id, position, tool, step, metric, at_run, kind, \
                     before, after, change, p_value) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    &[
                        Value::int(id),
                        Value::int(position as i64),
                        Value::text(point.group.tool.clone()),
                        Value::text(point.group.step.clone()),
                        Value::text(point.metric.clone()),
                        Value::int(point.at_run.map_or(id, |run| run.0)),
                        Value::text(point.kind.as_str()),
                        Value::real(Some(point.before)),
                        Value::real(Some(point.after)),
                        Value::real(Some(point.change)),
                        Value::real(point.p_value),
                    ],
                )
                .map_err(&failed)?;
            }
            Ok(RunId(id))
        })
    }

    /// The newest `limit` runs (all when `None`), newest first.
    ///
    /// # Errors
    /// A failed query or unexpected data.
    pub fn runs(&mut self, limit: Option<u64>) -> Result<Vec<Run>, HistoryError> {
        let failed = self.failed("list the runs");
        let location = self.shown.clone();
        let limit = limit.map_or(i64::MAX, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        self.transaction(Mode::Read, "list the runs", |sql| {
            let rows = sql
                .query(
                    &format!("SELECT {RUN_COLUMNS} FROM runs r ORDER BY r.id DESC LIMIT $1"),
                    &[Value::int(limit)],
                )
                .map_err(&failed)?;
            rows.iter().map(|row| read_run(row, &location)).collect()
        })
    }

    /// Everything stored about one run.
    ///
    /// # Errors
    /// [`HistoryError::NoSuchRun`], a failed query or unexpected data.
    pub fn run(&mut self, id: RunId) -> Result<RunDetail, HistoryError> {
        let failed = self.failed("read the run");
        let location = self.shown.clone();
        self.transaction(Mode::Read, "read the run", |sql| {
            run_detail(sql, id, &location, &failed)
        })
    }

    /// The raw samples of `group` in run `id`, sorted ascending, or `None` when the run has no
    /// such group.
    ///
    /// # Errors
    /// A failed query or samples that cannot be decoded.
    pub fn samples(
        &mut self,
        id: RunId,
        group: &GroupKey,
    ) -> Result<Option<Vec<f64>>, HistoryError> {
        let failed = self.failed("read the samples");
        let location = self.shown.clone();
        self.transaction(Mode::Read, "read the samples", |sql| {
            read_samples(sql, id, group, &location, &failed)
        })
    }

    /// The series of `metric` of `group` over its newest `last` runs, oldest first.
    ///
    /// A percentile a run did not store is computed from its raw samples, with the run's own
    /// quantile method.
    ///
    /// # Errors
    /// A failed query or unexpected data.
    pub fn trend(
        &mut self,
        group: &GroupKey,
        metric: TrendMetric,
        last: u64,
    ) -> Result<Vec<TrendPoint>, HistoryError> {
        let failed = self.failed("read the trend");
        let location = self.shown.clone();
        let last = i64::try_from(last).unwrap_or(i64::MAX);
        self.transaction(Mode::Read, "read the trend", |sql| {
            let key = [
                Value::text(group.tool.clone()),
                Value::text(group.step.clone()),
            ];
            let (value, low, high, join) = match metric {
                TrendMetric::Percentile(_) => (
                    "p.value",
                    "p.ci_low",
                    "p.ci_high",
                    "LEFT JOIN percentiles p ON p.run_id = r.id AND p.tool = $1 AND p.step = $2 AND p.rank = $3",
                ),
                TrendMetric::Mean => ("g.mean", "g.mean_ci_low", "g.mean_ci_high", ""),
                TrendMetric::Max => ("g.max", "NULL", "NULL", ""),
                TrendMetric::ErrorRate => (
                    "g.error_rate",
                    "g.error_rate_ci_low",
                    "g.error_rate_ci_high",
                    "",
                ),
            };
            let mut params = key.to_vec();
            let limit_placeholder = match metric {
                TrendMetric::Percentile(percentile) => {
                    params.push(Value::real(Some(percentile.percent())));
                    "$4"
                }
                _ => "$3",
            };
            params.push(Value::int(last));
            let query = format!(
                "SELECT r.id, r.time, r.commit_sha, r.environment, g.sample_count, {value}, {low}, {high}, \
                 r.quantile_method \
                 FROM runs r JOIN group_stats g ON g.run_id = r.id AND g.tool = $1 AND g.step = $2 \
                 {join} ORDER BY r.id DESC LIMIT {limit_placeholder}"
            );
            let rows = sql.query(&query, &params).map_err(&failed)?;
            let mut points = Vec::with_capacity(rows.len());
            for row in rows.iter().rev() {
                let reader = Reader { row, table: "group_stats", location: &location };
                let run = RunId(reader.int(0)?);
                let sample_count = reader.count(4)?;
                let mut value = reader.optional_real(5)?;
                let interval = reader.pair(6, 7)?;
                if let (TrendMetric::Percentile(percentile), None, true) =
                    (metric, value, sample_count > 0)
                {
                    // Not stored: from the raw samples, with the run's quantile method.
                    let method: QuantileMethod = reader
                        .text(8)?
                        .parse()
                        .unwrap_or_default();
                    if let Some(samples) = read_samples(sql, run, group, &location, &failed)? {
                        value = perf_stats::quantile(&samples, percentile.percent() / 100.0, method).ok();
                    }
                }
                points.push(TrendPoint {
                    run,
                    time: reader.text(1)?,
                    commit: reader.optional_text(2)?,
                    environment: reader.text(3)?,
                    value,
                    interval,
                    sample_count,
                });
            }
            Ok(points)
        })
    }

    /// The series of any [`HistoryMetric`] of `group` over its newest `last` runs, oldest
    /// first: a latency statistic as [`HistoryStore::trend`]; a measure's statistic from the
    /// runs that stored the measure (a percentile a run did not store computed from its raw
    /// values, with the run's quantile method), `sample_count` the measure's values; the
    /// throughput from every run of the group, `None` where it had none, `sample_count` the
    /// group's records.
    ///
    /// # Errors
    /// A failed query or unexpected data.
    pub fn series(
        &mut self,
        group: &GroupKey,
        metric: &HistoryMetric,
        last: u64,
    ) -> Result<Vec<TrendPoint>, HistoryError> {
        let (name, statistic) = match metric {
            HistoryMetric::Latency(metric) => return self.trend(group, *metric, last),
            HistoryMetric::Measure { name, statistic } => (Some(name.as_str()), *statistic),
            HistoryMetric::Throughput => (None, TrendMetric::Mean),
        };
        let failed = self.failed("read the trend");
        let location = self.shown.clone();
        let last = i64::try_from(last).unwrap_or(i64::MAX);
        self.transaction(Mode::Read, "read the trend", |sql| {
            let mut params = vec![
                Value::text(group.tool.clone()),
                Value::text(group.step.clone()),
            ];
            let (table, query) = match name {
                None => (
                    "group_stats",
                    "SELECT r.id, r.time, r.commit_sha, r.environment, \
                     g.count_ok + g.count_errors + g.count_unknown, g.throughput_rps, NULL, NULL, \
                     r.quantile_method \
                     FROM runs r JOIN group_stats g ON g.run_id = r.id AND g.tool = $1 AND g.step = $2 \
                     ORDER BY r.id DESC LIMIT $3"
                        .to_owned(),
                ),
                Some(name) => {
                    params.push(Value::text(name));
                    let (value, low, high, join) = match statistic {
                        TrendMetric::Percentile(_) => (
                            "p.value",
                            "p.ci_low",
                            "p.ci_high",
                            "LEFT JOIN measure_percentiles p ON p.run_id = r.id AND p.tool = $1 \
                             AND p.step = $2 AND p.measure = $3 AND p.rank = $4",
                        ),
                        TrendMetric::Mean => ("m.mean", "m.mean_ci_low", "m.mean_ci_high", ""),
                        TrendMetric::Max => ("m.max", "NULL", "NULL", ""),
                        // A measure has no error rate (the parser refuses it).
                        TrendMetric::ErrorRate => ("NULL", "NULL", "NULL", ""),
                    };
                    let limit = match statistic {
                        TrendMetric::Percentile(percentile) => {
                            params.push(Value::real(Some(percentile.percent())));
                            "$5"
                        }
                        _ => "$4",
                    };
                    (
                        "measure_stats",
                        format!(
                            "SELECT r.id, r.time, r.commit_sha, r.environment, m.sample_count, \
                             {value}, {low}, {high}, r.quantile_method \
                             FROM runs r JOIN measure_stats m ON m.run_id = r.id AND m.tool = $1 \
                             AND m.step = $2 AND m.measure = $3 \
                             {join} ORDER BY r.id DESC LIMIT {limit}"
                        ),
                    )
                }
            };
            params.push(Value::int(last));
            let rows = sql.query(&query, &params).map_err(&failed)?;
            let mut points = Vec::with_capacity(rows.len());
            for row in rows.iter().rev() {
                let reader = Reader { row, table, location: &location };
                let run = RunId(reader.int(0)?);
                let sample_count = reader.count(4)?;
                let mut value = reader.optional_real(5)?;
                if let (Some(name), TrendMetric::Percentile(percentile), None, true) =
                    (name, statistic, value, sample_count > 0)
                {
                    // Not stored: from the raw values, with the run's quantile method.
                    let method: QuantileMethod = reader.text(8)?.parse().unwrap_or_default();
                    if let Some(values) =
                        read_measure_samples(sql, run, group, name, &location, &failed)?
                    {
                        value = perf_stats::quantile(&values, percentile.percent() / 100.0, method)
                            .ok();
                    }
                }
                points.push(TrendPoint {
                    run,
                    time: reader.text(1)?,
                    commit: reader.optional_text(2)?,
                    environment: reader.text(3)?,
                    value,
                    interval: reader.pair(6, 7)?,
                    sample_count,
                });
            }
            Ok(points)
        })
    }

    /// The statuses of `rule` on `metric` of `group` in the newest `last` runs that checked it,
    /// newest first.
    ///
    /// # Errors
    /// A failed query or unexpected data.
    pub fn verdict_history(
        &mut self,
        group: &GroupKey,
        rule: crate::Rule,
        metric: &str,
        last: u64,
    ) -> Result<Vec<(RunId, String)>, HistoryError> {
        let failed = self.failed("read the verdict history");
        let location = self.shown.clone();
        let last = i64::try_from(last).unwrap_or(i64::MAX);
        self.transaction(Mode::Read, "read the verdict history", |sql| {
            let rows = sql
                .query(
                    "SELECT run_id, status FROM verdicts WHERE tool = $1 AND step = $2 AND rule = $3 \
                     AND metric = $4 ORDER BY run_id DESC LIMIT $5",
                    &[
                        Value::text(group.tool.clone()),
                        Value::text(group.step.clone()),
                        Value::text(rule.as_str()),
                        Value::text(metric),
                        Value::int(last),
                    ],
                )
                .map_err(&failed)?;
            rows.iter()
                .map(|row| {
                    let reader = Reader { row, table: "verdicts", location: &location };
                    Ok((RunId(reader.int(0)?), reader.text(1)?))
                })
                .collect()
        })
    }

    /// Annotates a run (or one group of it); the annotation keeps the run from being pruned.
    ///
    /// # Errors
    /// [`HistoryError::NoSuchRun`] or a failed write.
    pub fn annotate(&mut self, annotation: &NewAnnotation) -> Result<i64, HistoryError> {
        let failed = self.failed("annotate the run");
        let location = self.shown.clone();
        self.transaction(Mode::Write, "annotate the run", |sql| {
            let exists = sql
                .query(
                    "SELECT id FROM runs WHERE id = $1",
                    &[Value::int(annotation.run.0)],
                )
                .map_err(&failed)?;
            if exists.is_empty() {
                return Err(HistoryError::NoSuchRun {
                    run: annotation.run,
                });
            }
            let rows = sql
                .query(
                    "INSERT INTO annotations (run_id, tool, step, kind, note, time) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        Value::int(annotation.run.0),
                        Value::optional_text(annotation.group.as_ref().map(|g| g.tool.as_str())),
                        Value::optional_text(annotation.group.as_ref().map(|g| g.step.as_str())),
                        Value::text(annotation.kind.as_str()),
                        Value::text(annotation.note.clone()),
                        Value::text(time_text(annotation.time)),
                    ],
                )
                .map_err(&failed)?;
            let row = rows.first().cloned().unwrap_or_default();
            Reader {
                row: &row,
                table: "annotations",
                location: &location,
            }
            .int(0)
        })
    }

    /// Deletes the runs `policy` does not keep, except runs an annotation refers to and runs
    /// whose own baseline a recorded run was compared against (or one of
    /// `policy.protected_baselines`). One transaction.
    ///
    /// A run is kept when it is among the newest `keep_runs` **or** recorded within
    /// `keep_days`; with only one of the two given, that one decides.
    ///
    /// # Errors
    /// [`HistoryError::EmptyPrunePolicy`] when neither limit is given, or a failed write.
    pub fn prune(&mut self, policy: &PrunePolicy) -> Result<PruneOutcome, HistoryError> {
        if policy.keep_runs.is_none() && policy.keep_days.is_none() {
            return Err(HistoryError::EmptyPrunePolicy);
        }
        let cutoff = policy.keep_days.map(|days| {
            let seconds = i64::try_from(days.saturating_mul(86_400)).unwrap_or(i64::MAX);
            let micros = policy
                .now
                .as_microsecond()
                .saturating_sub(seconds.saturating_mul(1_000_000));
            time_text(jiff::Timestamp::from_microsecond(micros).unwrap_or(jiff::Timestamp::MIN))
        });
        let failed = self.failed("prune the history");
        let location = self.shown.clone();
        self.transaction(Mode::Write, "prune the history", |sql| {
            let rows = sql
                .query(
                    "SELECT id, time, run_baseline_hash FROM runs ORDER BY id DESC",
                    &[],
                )
                .map_err(&failed)?;
            let annotated: BTreeSet<i64> = sql
                .query("SELECT DISTINCT run_id FROM annotations", &[])
                .map_err(&failed)?
                .iter()
                .map(|row| {
                    Reader {
                        row,
                        table: "annotations",
                        location: &location,
                    }
                    .int(0)
                })
                .collect::<Result<_, _>>()?;
            let mut referenced: BTreeSet<String> = sql
                .query(
                    "SELECT DISTINCT baseline_hash FROM runs WHERE baseline_hash IS NOT NULL",
                    &[],
                )
                .map_err(&failed)?
                .iter()
                .map(|row| {
                    Reader {
                        row,
                        table: "runs",
                        location: &location,
                    }
                    .text(0)
                })
                .collect::<Result<_, _>>()?;
            referenced.extend(policy.protected_baselines.iter().cloned());
            let mut outcome = PruneOutcome::default();
            for (index, row) in rows.iter().enumerate() {
                let reader = Reader {
                    row,
                    table: "runs",
                    location: &location,
                };
                let id = reader.int(0)?;
                let time = reader.text(1)?;
                let kept_by_count = policy.keep_runs.is_some_and(|keep| (index as u64) < keep);
                let kept_by_age = cutoff.as_ref().is_some_and(|cutoff| time >= *cutoff);
                if kept_by_count || kept_by_age {
                    continue;
                }
                let baseline = reader.optional_text(2)?;
                let is_referenced = annotated.contains(&id)
                    || baseline.is_some_and(|hash| referenced.contains(&hash));
                if is_referenced {
                    outcome.kept_referenced.push(RunId(id));
                } else {
                    outcome.deleted.push(RunId(id));
                }
            }
            outcome.deleted.sort();
            outcome.kept_referenced.sort();
            for chunk in outcome.deleted.chunks(500) {
                // Ids are integers read from the database: safe to write into the statement.
                let ids: Vec<String> = chunk.iter().map(|id| id.0.to_string()).collect();
                let ids = ids.join(", ");
                for table in [
                    "measure_samples",
                    "measure_percentiles",
                    "measure_stats",
                    "samples",
                    "percentiles",
                    "group_stats",
                    "verdicts",
                    "change_points",
                ] {
                    sql.execute(&format!("DELETE FROM {table} WHERE run_id IN ({ids})"), &[])
                        .map_err(&failed)?;
                }
                sql.execute(&format!("DELETE FROM runs WHERE id IN ({ids})"), &[])
                    .map_err(&failed)?;
            }
            outcome.remaining = (rows.len() - outcome.deleted.len()) as u64;
            Ok(outcome)
        })
    }

    /// Writes every run (oldest first) to `out`; the number of runs written.
    ///
    /// `jsonl`: one [`RunDetail`] object per line. `csv`: a header, then one row per run,
    /// group and statistic (`run,time,commit,branch,source,environment,tool,step,statistic,
    /// value,ci_low,ci_high,sample_count`).
    ///
    /// # Errors
    /// A failed query or write.
    pub fn export(
        &mut self,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<u64, HistoryError> {
        let failed = self.failed("export the history");
        let location = self.shown.clone();
        self.transaction(Mode::Read, "export the history", |sql| {
            let ids: Vec<i64> = sql
                .query("SELECT id FROM runs ORDER BY id", &[])
                .map_err(&failed)?
                .iter()
                .map(|row| {
                    Reader {
                        row,
                        table: "runs",
                        location: &location,
                    }
                    .int(0)
                })
                .collect::<Result<_, _>>()?;
            let export = |error: ExportError| HistoryError::Export(error);
            match format {
                ExportFormat::Jsonl => {
                    for id in &ids {
                        let detail = run_detail(sql, RunId(*id), &location, &failed)?;
                        serde_json::to_writer(&mut *out, &detail)
                            .map_err(|error| export(error.into()))?;
                        out.write_all(b"\n").map_err(|error| export(error.into()))?;
                    }
                }
                ExportFormat::Csv => {
                    let mut writer = csv::Writer::from_writer(&mut *out);
                    writer
                        .write_record([
                            "run",
                            "time",
                            "commit",
                            "branch",
                            "source",
                            "environment",
                            "tool",
                            "step",
                            "statistic",
                            "value",
                            "ci_low",
                            "ci_high",
                            "sample_count",
                        ])
                        .map_err(|error| export(error.into()))?;
                    for id in &ids {
                        let detail = run_detail(sql, RunId(*id), &location, &failed)?;
                        for row in csv_rows(&detail) {
                            writer
                                .write_record(&row)
                                .map_err(|error| export(error.into()))?;
                        }
                    }
                    writer.flush().map_err(|error| export(error.into()))?;
                }
            }
            Ok(ids.len() as u64)
        })
    }
}

fn configure_sqlite(connection: &rusqlite::Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    // WAL: readers never block the writer and a writer never blocks readers; NORMAL
    // synchronisation is durable against a killed process (not against power loss of the last
    // transaction), which is the CI case.
    //
    // Switching a fresh database to WAL needs its exclusive lock, and SQLite can answer
    // SQLITE_BUSY at once, without its busy handler, while other connections open the same
    // file (eight CI jobs creating the history together): retry within the same timeout.
    let deadline = std::time::Instant::now() + SQLITE_BUSY_TIMEOUT;
    loop {
        match connection.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(failure, _))
                if failure.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            result => break result?,
        }
    }
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn insert_group(sql: &mut dyn Sql, id: i64, group: &PreparedGroup<'_>) -> Result<(), BackendError> {
    let tool = Value::text(group.key.tool.clone());
    let step = Value::text(group.key.step.clone());
    let low = |pair: Option<(f64, f64)>| Value::real(pair.map(|(low, _)| low));
    let high = |pair: Option<(f64, f64)>| Value::real(pair.map(|(_, high)| high));
    let latency = &group.latency;
    sql.execute(
        "INSERT INTO group_stats (run_id, tool, step, count_ok, count_errors, count_unknown, \
         sample_count, mean, mean_ci_low, mean_ci_high, min, max, error_rate, error_rate_ci_low, \
         error_rate_ci_high, throughput_rps) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        &[
            Value::int(id),
            tool.clone(),
            step.clone(),
            count_value(group.counts.ok),
            count_value(group.counts.errors),
            count_value(group.counts.unknown),
            count_value(latency.sample_count),
            Value::real(latency.mean),
            low(latency.mean_ci),
            high(latency.mean_ci),
            Value::real(latency.min),
            Value::real(latency.max),
            Value::real(group.error_rate),
            low(group.error_rate_ci),
            high(group.error_rate_ci),
            Value::real(group.throughput_rps),
        ],
    )?;
    for percentile in &latency.percentiles {
        sql.execute(
            "INSERT INTO percentiles (run_id, tool, step, rank, value, ci_low, ci_high) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                Value::int(id),
                tool.clone(),
                step.clone(),
                Value::real(Some(percentile.rank)),
                Value::real(Some(percentile.value)),
                Value::real(percentile.ci_low),
                Value::real(percentile.ci_high),
            ],
        )?;
    }
    sql.execute(
        "INSERT INTO samples (run_id, tool, step, encoding, sample_count, data) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::int(id),
            tool.clone(),
            step.clone(),
            Value::text(SAMPLES_ENCODING),
            count_value(latency.sample_count),
            Value::Blob(Some(latency.samples.clone())),
        ],
    )?;
    for (name, measure) in &group.measures {
        let name = Value::text(*name);
        sql.execute(
            "INSERT INTO measure_stats (run_id, tool, step, measure, sample_count, mean, \
             mean_ci_low, mean_ci_high, min, max) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                Value::int(id),
                tool.clone(),
                step.clone(),
                name.clone(),
                count_value(measure.sample_count),
                Value::real(measure.mean),
                low(measure.mean_ci),
                high(measure.mean_ci),
                Value::real(measure.min),
                Value::real(measure.max),
            ],
        )?;
        for percentile in &measure.percentiles {
            sql.execute(
                "INSERT INTO measure_percentiles (run_id, tool, step, measure, rank, value, \
                 ci_low, ci_high) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    Value::int(id),
                    tool.clone(),
                    step.clone(),
                    name.clone(),
                    Value::real(Some(percentile.rank)),
                    Value::real(Some(percentile.value)),
                    Value::real(percentile.ci_low),
                    Value::real(percentile.ci_high),
                ],
            )?;
        }
        sql.execute(
            "INSERT INTO measure_samples (run_id, tool, step, measure, encoding, sample_count, \
             data) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                Value::int(id),
                tool.clone(),
                step.clone(),
                name,
                Value::text(SAMPLES_ENCODING),
                count_value(measure.sample_count),
                Value::Blob(Some(measure.samples.clone())),
            ],
        )?;
    }
    Ok(())
}

/// A count as the databases' signed 64-bit integer.
fn count_value(count: u64) -> Value {
    Value::int(i64::try_from(count).unwrap_or(i64::MAX))
}

fn read_run(row: &Row, location: &str) -> Result<Run, HistoryError> {
    let reader = Reader {
        row,
        table: "runs",
        location,
    };
    Ok(Run {
        id: RunId(reader.int(0)?),
        time: reader.text(1)?,
        commit: reader.optional_text(2)?,
        branch: reader.optional_text(3)?,
        source: reader.text(4)?,
        budgets_hash: reader.optional_text(5)?,
        baseline_hash: reader.optional_text(6)?,
        run_baseline_hash: reader.optional_text(7)?,
        environment: reader.text(8)?,
        perf_gate_version: reader.text(9)?,
        quantile_method: reader.text(10)?,
        groups: reader.count(11)?,
        failures: reader.count(12)?,
        annotations: reader.count(13)?,
    })
}

fn read_samples(
    sql: &mut dyn Sql,
    id: RunId,
    group: &GroupKey,
    location: &str,
    failed: &dyn Fn(BackendError) -> HistoryError,
) -> Result<Option<Vec<f64>>, HistoryError> {
    let rows = sql
        .query(
            "SELECT encoding, sample_count, data FROM samples WHERE run_id = $1 AND tool = $2 AND step = $3",
            &[
                Value::int(id.0),
                Value::text(group.tool.clone()),
                Value::text(group.step.clone()),
            ],
        )
        .map_err(failed)?;
    decode_sample_row(rows.first(), "samples", location, id, group)
}

/// The measures of every group of a run, by group and name, their percentiles by rank.
fn read_measures(
    sql: &mut dyn Sql,
    run_id: &[Value],
    location: &str,
    failed: &dyn Fn(BackendError) -> HistoryError,
) -> Result<BTreeMap<GroupKey, Vec<MeasureRecord>>, HistoryError> {
    let mut percentiles: BTreeMap<(GroupKey, String), Vec<StoredPercentile>> = BTreeMap::new();
    for row in sql
        .query(
            "SELECT tool, step, measure, rank, value, ci_low, ci_high FROM measure_percentiles \
             WHERE run_id = $1 ORDER BY tool, step, measure, rank",
            run_id,
        )
        .map_err(failed)?
        .iter()
    {
        let reader = Reader {
            row,
            table: "measure_percentiles",
            location,
        };
        percentiles
            .entry((
                GroupKey::new(reader.text(0)?, reader.text(1)?),
                reader.text(2)?,
            ))
            .or_default()
            .push(StoredPercentile {
                rank: reader.real(3)?,
                value: reader.real(4)?,
                ci_low: reader.optional_real(5)?,
                ci_high: reader.optional_real(6)?,
            });
    }
    let mut measures: BTreeMap<GroupKey, Vec<MeasureRecord>> = BTreeMap::new();
    for row in sql
        .query(
            "SELECT tool, step, measure, sample_count, mean, mean_ci_low, mean_ci_high, min, max \
             FROM measure_stats WHERE run_id = $1 ORDER BY tool, step, measure",
            run_id,
        )
        .map_err(failed)?
        .iter()
    {
        let reader = Reader {
            row,
            table: "measure_stats",
            location,
        };
        let group = GroupKey::new(reader.text(0)?, reader.text(1)?);
        let name = reader.text(2)?;
        let stored = percentiles
            .remove(&(group.clone(), name.clone()))
            .unwrap_or_default();
        measures.entry(group).or_default().push(MeasureRecord {
            name,
            sample_count: reader.count(3)?,
            mean: reader.optional_real(4)?,
            mean_ci: reader.pair(5, 6)?,
            min: reader.optional_real(7)?,
            max: reader.optional_real(8)?,
            percentiles: stored,
        });
    }
    Ok(measures)
}

/// The raw values of measure `name` of `group` in run `id`, sorted ascending, or `None` when
/// the run has no such measure.
fn read_measure_samples(
    sql: &mut dyn Sql,
    id: RunId,
    group: &GroupKey,
    name: &str,
    location: &str,
    failed: &dyn Fn(BackendError) -> HistoryError,
) -> Result<Option<Vec<f64>>, HistoryError> {
    let rows = sql
        .query(
            "SELECT encoding, sample_count, data FROM measure_samples \
             WHERE run_id = $1 AND tool = $2 AND step = $3 AND measure = $4",
            &[
                Value::int(id.0),
                Value::text(group.tool.clone()),
                Value::text(group.step.clone()),
                Value::text(name),
            ],
        )
        .map_err(failed)?;
    decode_sample_row(rows.first(), "measure_samples", location, id, group)
}

/// The raw values of a `(encoding, sample_count, data)` row of `table`, or `None` without one.
fn decode_sample_row(
    row: Option<&Row>,
    table: &'static str,
    location: &str,
    id: RunId,
    group: &GroupKey,
) -> Result<Option<Vec<f64>>, HistoryError> {
    let Some(row) = row else {
        return Ok(None);
    };
    let reader = Reader {
        row,
        table,
        location,
    };
    let samples =
        decode_samples(&reader.text(0)?, &reader.blob(2)?, reader.count(1)?).map_err(|source| {
            HistoryError::Samples {
                run: id,
                group: group.clone(),
                source,
            }
        })?;
    Ok(Some(samples))
}

fn run_detail(
    sql: &mut dyn Sql,
    id: RunId,
    location: &str,
    failed: &dyn Fn(BackendError) -> HistoryError,
) -> Result<RunDetail, HistoryError> {
    let run_id = [Value::int(id.0)];
    let rows = sql
        .query(
            &format!("SELECT {RUN_COLUMNS} FROM runs r WHERE r.id = $1"),
            &run_id,
        )
        .map_err(failed)?;
    let Some(row) = rows.first() else {
        return Err(HistoryError::NoSuchRun { run: id });
    };
    let run = read_run(row, location)?;

    let mut percentiles: BTreeMap<GroupKey, Vec<StoredPercentile>> = BTreeMap::new();
    for row in sql
        .query(
            "SELECT tool, step, rank, value, ci_low, ci_high FROM percentiles WHERE run_id = $1 \
             ORDER BY tool, step, rank",
            &run_id,
        )
        .map_err(failed)?
        .iter()
    {
        let reader = Reader {
            row,
            table: "percentiles",
            location,
        };
        percentiles
            .entry(GroupKey::new(reader.text(0)?, reader.text(1)?))
            .or_default()
            .push(StoredPercentile {
                rank: reader.real(2)?,
                value: reader.real(3)?,
                ci_low: reader.optional_real(4)?,
                ci_high: reader.optional_real(5)?,
            });
    }
    let mut measures = read_measures(sql, &run_id, location, failed)?;
    let mut groups = Vec::new();
    for row in sql
        .query(
            "SELECT tool, step, count_ok, count_errors, count_unknown, sample_count, mean, \
             mean_ci_low, mean_ci_high, min, max, error_rate, error_rate_ci_low, error_rate_ci_high, \
             throughput_rps FROM group_stats WHERE run_id = $1 ORDER BY tool, step",
            &run_id,
        )
        .map_err(failed)?
        .iter()
    {
        let reader = Reader { row, table: "group_stats", location };
        let group = GroupKey::new(reader.text(0)?, reader.text(1)?);
        groups.push(GroupRecord {
            percentiles: percentiles.remove(&group).unwrap_or_default(),
            measures: measures.remove(&group).unwrap_or_default(),
            group,
            counts: OutcomeCounts {
                ok: reader.count(2)?,
                errors: reader.count(3)?,
                unknown: reader.count(4)?,
            },
            sample_count: reader.count(5)?,
            mean: reader.optional_real(6)?,
            mean_ci: reader.pair(7, 8)?,
            min: reader.optional_real(9)?,
            max: reader.optional_real(10)?,
            error_rate: reader.optional_real(11)?,
            error_rate_ci: reader.pair(12, 13)?,
            throughput_rps: reader.optional_real(14)?,
        });
    }
    let mut verdicts = Vec::new();
    for row in sql
        .query(
            "SELECT tool, step, rule, metric, status, severity, observed, limit_value, delta, p_value \
             FROM verdicts WHERE run_id = $1 ORDER BY position",
            &run_id,
        )
        .map_err(failed)?
        .iter()
    {
        let reader = Reader { row, table: "verdicts", location };
        let rule_text = reader.text(2)?;
        let rule = VerdictRecord::rule_from(&rule_text).ok_or_else(|| reader.corrupt(2, "a rule"))?;
        verdicts.push(VerdictRecord {
            group: GroupKey::new(reader.text(0)?, reader.text(1)?),
            rule,
            metric: reader.text(3)?,
            status: reader.text(4)?,
            severity: reader.optional_text(5)?,
            observed: reader.optional_real(6)?,
            limit: reader.optional_real(7)?,
            delta: reader.optional_real(8)?,
            p_value: reader.optional_real(9)?,
        });
    }
    let mut change_points = Vec::new();
    for row in sql
        .query(
            "SELECT tool, step, metric, at_run, kind, before, after, change, p_value \
             FROM change_points WHERE run_id = $1 ORDER BY position",
            &run_id,
        )
        .map_err(failed)?
        .iter()
    {
        let reader = Reader {
            row,
            table: "change_points",
            location,
        };
        let kind =
            ChangeKind::parse(&reader.text(4)?).ok_or_else(|| reader.corrupt(4, "a kind"))?;
        change_points.push(ChangePointRecord {
            group: GroupKey::new(reader.text(0)?, reader.text(1)?),
            metric: reader.text(2)?,
            at_run: Some(RunId(reader.int(3)?)),
            kind,
            before: reader.real(5)?,
            after: reader.real(6)?,
            change: reader.real(7)?,
            p_value: reader.optional_real(8)?,
        });
    }
    let mut annotations = Vec::new();
    for row in sql
        .query(
            "SELECT id, tool, step, kind, note, time FROM annotations WHERE run_id = $1 ORDER BY id",
            &run_id,
        )
        .map_err(failed)?
        .iter()
    {
        let reader = Reader { row, table: "annotations", location };
        let group = match (reader.optional_text(1)?, reader.optional_text(2)?) {
            (Some(tool), Some(step)) => Some(GroupKey::new(tool, step)),
            _ => None,
        };
        annotations.push(Annotation {
            id: reader.int(0)?,
            run: id,
            group,
            kind: reader.text(3)?,
            note: reader.text(4)?,
            time: reader.text(5)?,
        });
    }
    Ok(RunDetail {
        run,
        groups,
        verdicts,
        change_points,
        annotations,
    })
}

fn csv_rows(detail: &RunDetail) -> Vec<Vec<String>> {
    let number = |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
    let run = &detail.run;
    let mut rows = Vec::new();
    for group in &detail.groups {
        let mut push = |statistic: String,
                        value: Option<f64>,
                        interval: Option<(f64, f64)>,
                        sample_count: u64| {
            rows.push(vec![
                run.id.to_string(),
                run.time.clone(),
                run.commit.clone().unwrap_or_default(),
                run.branch.clone().unwrap_or_default(),
                run.source.clone(),
                run.environment.clone(),
                group.group.tool.clone(),
                group.group.step.clone(),
                statistic,
                number(value),
                number(interval.map(|(low, _)| low)),
                number(interval.map(|(_, high)| high)),
                sample_count.to_string(),
            ]);
        };
        let count = group.sample_count;
        push("count_ok".into(), Some(group.counts.ok as f64), None, count);
        push(
            "count_errors".into(),
            Some(group.counts.errors as f64),
            None,
            count,
        );
        push(
            "count_unknown".into(),
            Some(group.counts.unknown as f64),
            None,
            count,
        );
        push("avg".into(), group.mean, group.mean_ci, count);
        push("min".into(), group.min, None, count);
        push("max".into(), group.max, None, count);
        push(
            "error_rate".into(),
            group.error_rate,
            group.error_rate_ci,
            count,
        );
        for percentile in &group.percentiles {
            push(
                percentile_name(percentile.rank),
                Some(percentile.value),
                percentile.ci_low.zip(percentile.ci_high),
                count,
            );
        }
        // The derived throughput rests on every record; a measure's rows on its own values.
        if let Some(throughput) = group.throughput_rps {
            push(
                perf_record::THROUGHPUT_MEASURE.to_owned(),
                Some(throughput),
                None,
                group.counts.total(),
            );
        }
        for measure in &group.measures {
            let name = &measure.name;
            let count = measure.sample_count;
            push(format!("{name} avg"), measure.mean, measure.mean_ci, count);
            push(format!("{name} min"), measure.min, None, count);
            push(format!("{name} max"), measure.max, None, count);
            for percentile in &measure.percentiles {
                push(
                    format!("{name} {}", percentile_name(percentile.rank)),
                    Some(percentile.value),
                    percentile.ci_low.zip(percentile.ci_high),
                    count,
                );
            }
        }
    }
    rows
}

/// `p95`, or `pRANK` for a rank the percentile grammar does not name.
fn percentile_name(rank: f64) -> String {
    perf_stats::Percentile::new(rank).map_or_else(|| format!("p{rank}"), |p| p.to_string())
}
