//! The baseline file: its model, building it from samples, and reading and writing it.

use std::collections::BTreeMap;

use camino::Utf8Path;
use perf_record::{GroupData, GroupKey, GroupSamples, OutcomeCounts};
use perf_stats::QuantileMethod;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canonical::{content_hash_streaming, pretty_json, round_stored};
use crate::error::BaselineError;
use crate::fingerprint::Fingerprint;
use crate::numbers;

/// The newest version of the baseline format, the one this code writes for a baseline whose
/// groups carry record measures (`groups[].measures`). A baseline without measures is written
/// as version 1, byte for byte what earlier perf-gates wrote; both versions are read.
pub const BASELINE_SCHEMA_VERSION: u32 = 2;

/// The version written when no group carries a measure: the format before measures.
const BASELINE_SCHEMA_VERSION_WITHOUT_MEASURES: u32 = 1;

/// The `format` marker every baseline file carries, so another JSON file is not mistaken for one.
pub const BASELINE_FORMAT: &str = "perf-gate-baseline";

/// How many order statistics a group keeps by default, at about 20 KB of JSON per group: an
/// evenly spaced subsample that resolves the quantile function to 1/1999 in probability (the
/// comparison's standard errors are over the true sample count, not over these points).
pub const DEFAULT_MAX_POINTS: usize = 2000;

/// How to build a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildConfig {
    /// The environment the samples were measured in.
    pub fingerprint: Fingerprint,
    /// When the baseline was made (RFC 3339), for people; excluded from the content hash.
    pub created_at: Option<String>,
    /// The most order statistics kept per group (at least 2; [`DEFAULT_MAX_POINTS`]).
    pub max_points: usize,
    /// The quantile definition of the stored percentiles (recorded in the file).
    pub quantile_method: QuantileMethod,
}

/// The latency statistics of one baseline group (present when it had at least one latency).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct LatencyStats {
    /// How many latencies the statistics are over (records with a known outcome).
    pub sample_count: u64,
    /// Smallest latency, ms.
    pub min: f64,
    /// Largest latency, ms.
    pub max: f64,
    /// Arithmetic mean, ms.
    pub mean: f64,
    /// Sample standard deviation (n - 1), ms; `None` below two latencies.
    pub stddev: Option<f64>,
    /// Exact percentiles in ms with the file's `quantile_method`: `p5`, `p50`, `p75`, `p90`,
    /// `p95`, `p99`, `p99.5`, `p99.9`, `p99.99` (files written before these were added have
    /// `p5`, `p50`, `p90`, `p95`, `p99`).
    pub percentiles: BTreeMap<String, f64>,
    /// Ascending order statistics standing for the sample in significance tests: every latency
    /// when there are at most `max_points`, otherwise `max_points` evenly spaced order
    /// statistics (ranks `round(i * (n - 1) / (max_points - 1))`), always including min and max.
    pub order_statistics: Vec<f64>,
}

/// One (tool, step) of a baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct BaselineGroup {
    /// The record's `tool`.
    pub tool: String,
    /// The record's `step`.
    pub step: String,
    /// Outcome counts.
    pub counts: OutcomeCounts,
    /// Latency statistics, `None` when no record had a known outcome.
    pub latency: Option<LatencyStats>,
    /// The same statistics of each record measure the group's records carry (`peak_rss_mb`),
    /// by name, over the values `latency_of` selected; in the measure's unit. Absent (and
    /// schema_version 1) when there is none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub measures: BTreeMap<String, LatencyStats>,
}

impl BaselineGroup {
    /// The group's identity.
    pub fn key(&self) -> GroupKey {
        GroupKey {
            tool: self.tool.clone(),
            step: self.step.clone(),
        }
    }
}

/// A validated baseline: what [`build`] makes and [`parse`] / [`load`] read back.
///
/// The fields are private because the content hash must always match the content; read them
/// with the getters.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    file: BaselineFile,
}

/// The file's JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct BaselineFile {
    format: String,
    schema_version: u32,
    created_at: Option<String>,
    content_hash: String,
    fingerprint: Fingerprint,
    quantile_method: String,
    groups: Vec<BaselineGroup>,
}

/// The schema of the file a [`Baseline`] is saved as.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Baseline {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Baseline".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        BaselineFile::json_schema(generator)
    }
}

/// How the file names the quantile definition of its percentiles: `hyndman-fan-7`.
fn quantile_method_name(method: QuantileMethod) -> String {
    format!("hyndman-fan-{}", method.hyndman_fan_type())
}

fn quantile_method_from_name(name: &str) -> Option<QuantileMethod> {
    let number = name.strip_prefix("hyndman-fan-")?.parse().ok()?;
    QuantileMethod::from_hyndman_fan_type(number)
}

impl Baseline {
    /// The quantile definition of the recorded percentiles.
    pub fn quantile_method(&self) -> Option<QuantileMethod> {
        quantile_method_from_name(&self.file.quantile_method)
    }

    /// The groups, sorted by (tool, step).
    pub fn groups(&self) -> &[BaselineGroup] {
        &self.file.groups
    }

    /// The group of `key`, if the baseline has one.
    pub fn group(&self, key: &GroupKey) -> Option<&BaselineGroup> {
        self.file
            .groups
            .binary_search_by(|group| {
                (group.tool.as_str(), group.step.as_str()).cmp(&(&key.tool, &key.step))
            })
            .ok()
            .map(|index| &self.file.groups[index])
    }

    /// Where the baseline was measured.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.file.fingerprint
    }

    /// `sha256:<hex>` over the canonical JSON of everything but `created_at` and the hash itself.
    pub fn content_hash(&self) -> &str {
        &self.file.content_hash
    }

    /// When the baseline was made, if the maker said.
    pub fn created_at(&self) -> Option<&str> {
        self.file.created_at.as_deref()
    }

    /// The file's text: pretty-printed JSON with a trailing newline, deterministic for the same
    /// baseline.
    pub fn to_json(&self) -> String {
        // Serializing plain data (strings, integers, finite floats) cannot fail.
        pretty_json(&serde_json::to_value(&self.file).unwrap_or(Value::Null))
    }
}

/// Builds a baseline from per-group samples.
///
/// Groups are sorted by (tool, step); every stored number is rounded to 6 decimals (1 ns).
///
/// # Errors
/// A duplicate group, a latency that is negative or not finite, more latencies than the group has
/// known outcomes, or `max_points` below 2.
pub fn build<G: GroupData>(
    samples: &BTreeMap<GroupKey, G>,
    config: &BuildConfig,
) -> Result<Baseline, BaselineError> {
    if config.max_points < 2 {
        return Err(BaselineError::InvalidConfig {
            setting: "max_points",
            value: config.max_points.to_string(),
            expected: "at least 2",
        });
    }
    let mut groups = Vec::with_capacity(samples.len());
    // One group's samples loaded at a time (borrowed when they are in memory).
    for (key, sample) in samples {
        let sample = sample.samples().map_err(|source| BaselineError::Load {
            group: key.clone(),
            source,
        })?;
        groups.push(build_group(key, &sample, config)?);
    }
    let schema_version = if groups.iter().any(|group| !group.measures.is_empty()) {
        BASELINE_SCHEMA_VERSION
    } else {
        BASELINE_SCHEMA_VERSION_WITHOUT_MEASURES
    };
    let mut file = BaselineFile {
        format: BASELINE_FORMAT.to_owned(),
        schema_version,
        created_at: config.created_at.clone(),
        content_hash: String::new(),
        fingerprint: config.fingerprint.clone(),
        quantile_method: quantile_method_name(config.quantile_method),
        groups,
    };
    file.content_hash = hash_of(&mut file);
    Ok(Baseline { file })
}

fn build_group(
    key: &GroupKey,
    sample: &GroupSamples,
    config: &BuildConfig,
) -> Result<BaselineGroup, BaselineError> {
    let invalid = |field: &'static str, problem: String| BaselineError::InvalidGroup {
        source_name: "input".to_owned(),
        tool: key.tool.clone(),
        step: key.step.clone(),
        field,
        problem,
    };
    if sample.latencies_ms.len() as u64 > sample.counts.known() {
        return Err(invalid(
            "latencies",
            format!(
                "{} latencies but only {} records with a known outcome",
                sample.latencies_ms.len(),
                sample.counts.known()
            ),
        ));
    }
    let sorted = numbers::sorted_latencies(&sample.latencies_ms)
        .map_err(|problem| invalid("latencies", problem))?;
    let latency = if sorted.is_empty() {
        None
    } else {
        let stats = latency_stats(&sorted, config).map_err(|source| BaselineError::Statistics {
            group: key.to_string(),
            source,
        })?;
        Some(stats)
    };
    let mut measures = BTreeMap::new();
    for measure in &sample.measures {
        let sorted = numbers::sorted_latencies(&measure.values)
            .map_err(|problem| invalid("measures", format!("{}: {problem}", measure.name)))?;
        if sorted.is_empty() {
            continue;
        }
        let stats = latency_stats(&sorted, config).map_err(|source| BaselineError::Statistics {
            group: format!("{key} {}", measure.name),
            source,
        })?;
        measures.insert(measure.name.clone(), stats);
    }
    Ok(BaselineGroup {
        tool: key.tool.clone(),
        step: key.step.clone(),
        counts: sample.counts,
        latency,
        measures,
    })
}

fn latency_stats(
    sorted: &[f64],
    config: &BuildConfig,
) -> Result<LatencyStats, perf_stats::StatsError> {
    let max_points = config.max_points;
    let summary = numbers::summary(sorted, config.quantile_method)?;
    let percentiles = summary
        .percentiles
        .iter()
        .map(|percentile| (percentile.name(), round_stored(percentile.value)))
        .collect();
    Ok(LatencyStats {
        sample_count: sorted.len() as u64,
        min: round_stored(summary.min),
        max: round_stored(summary.max),
        mean: round_stored(summary.mean),
        stddev: summary.stddev.map(round_stored),
        percentiles,
        order_statistics: evenly_spaced(sorted, max_points)
            .into_iter()
            .map(round_stored)
            .collect(),
    })
}

/// Every value when there are at most `max_points`, else `max_points` evenly spaced ranks.
fn evenly_spaced(sorted: &[f64], max_points: usize) -> Vec<f64> {
    if sorted.len() <= max_points {
        return sorted.to_vec();
    }
    let last = (sorted.len() - 1) as f64;
    let steps = (max_points - 1) as f64;
    (0..max_points)
        .map(|index| sorted[(index as f64 * last / steps).round() as usize])
        .collect()
}

fn reject_duplicates(groups: &[BaselineGroup], source_name: &str) -> Result<(), BaselineError> {
    match groups
        .windows(2)
        .find(|pair| pair[0].tool == pair[1].tool && pair[0].step == pair[1].step)
    {
        Some(pair) => Err(BaselineError::DuplicateGroup {
            source_name: source_name.to_owned(),
            tool: pair[0].tool.clone(),
            step: pair[0].step.clone(),
        }),
        None => Ok(()),
    }
}

/// The content hash of `file`: everything except `created_at` and `content_hash`.
///
/// The groups are hashed one at a time, never built as one `serde_json::Value` of the whole
/// file (which cost about 30 bytes per stored number: a 221 MB baseline needed 1.9 GB); `file`
/// is borrowed mutably only to set its groups aside meanwhile.
fn hash_of(file: &mut BaselineFile) -> String {
    let groups = std::mem::take(&mut file.groups);
    let mut head = serde_json::to_value(&*file).unwrap_or(Value::Null);
    file.groups = groups;
    if let Value::Object(map) = &mut head {
        map.remove("created_at");
        map.remove("content_hash");
    }
    // Serializing plain data (strings, integers, finite floats) cannot fail. The groups' texts
    // are written a batch at a time in parallel (a baseline's load is on the gate's serial
    // path) and hashed in order: the same bytes, and at most a batch of texts at once.
    const BATCH: usize = 64;
    let texts = file.groups.chunks(BATCH).flat_map(|batch| {
        use rayon::prelude::*;
        batch
            .par_iter()
            .map(|group| {
                crate::canonical::canonical_json(
                    &serde_json::to_value(group).unwrap_or(Value::Null),
                )
            })
            .collect::<Vec<String>>()
    });
    content_hash_streaming(&head, "groups", texts)
}

/// Writes `baseline` to `path` (the text of [`Baseline::to_json`]), atomically: a failed or
/// killed run leaves the previous file in place.
///
/// # Errors
/// [`BaselineError::Write`] when the file cannot be written.
pub fn save(path: &Utf8Path, baseline: &Baseline) -> Result<(), BaselineError> {
    let text = baseline.to_json();
    perf_record::write_atomically(path, |out| out.write_all(text.as_bytes()))
        .map_err(BaselineError::Write)
}

/// The largest baseline file read (256 MiB, about 12,000 groups at the default 2,000 points):
/// a wrong path (`/dev/zero`, a log file) fails at once instead of filling memory.
pub const MAX_BASELINE_FILE_BYTES: u64 = 256 << 20;

/// Reads and validates the baseline file at `path` (at most [`MAX_BASELINE_FILE_BYTES`]).
///
/// # Errors
/// As [`parse`], plus [`BaselineError::Read`] when the file cannot be read or is too large.
pub fn load(path: &Utf8Path) -> Result<Baseline, BaselineError> {
    let text =
        perf_record::read_to_string_capped(path, MAX_BASELINE_FILE_BYTES).map_err(|source| {
            BaselineError::Read {
                path: path.to_owned(),
                source,
            }
        })?;
    parse(&text, path.as_str())
}

/// The marker and version of a baseline file, whatever their types (checked by [`parse`]).
#[derive(Deserialize)]
struct Header {
    format: Option<Value>,
    schema_version: Option<Value>,
}

/// Parses and validates a baseline file's text; `source_name` labels errors (usually the path).
///
/// # Errors
/// Not JSON or a wrong field type ([`BaselineError::Json`] with line and column), not a baseline
/// ([`BaselineError::NotABaseline`]), another schema version
/// ([`BaselineError::UnsupportedSchemaVersion`]), a group that breaks the format's rules
/// ([`BaselineError::InvalidGroup`], [`BaselineError::DuplicateGroup`]), or content that does not
/// match its hash ([`BaselineError::HashMismatch`]).
pub fn parse(text: &str, source_name: &str) -> Result<Baseline, BaselineError> {
    let json_error = |error: serde_json::Error| BaselineError::Json {
        source_name: source_name.to_owned(),
        line: error.line(),
        column: error.column(),
        source: error,
    };
    // Check the marker and version before the shape, so a file from a newer perf-gate gets a
    // version message rather than a complaint about a field it added.
    // The two fields alone first: the rest of the document is skipped, not built as a `Value`
    // (about half the cost of loading a baseline, on the gate's serial path).
    let (format, version) = match serde_json::from_str::<Header>(text) {
        Ok(header) => (header.format, header.schema_version),
        // Not an object, a duplicate key or not JSON: the whole document decides, as it always did.
        Err(_) => {
            let value: Value = serde_json::from_str(text).map_err(json_error)?;
            (
                value.get("format").cloned(),
                value.get("schema_version").cloned(),
            )
        }
    };
    let not_a_baseline = || BaselineError::NotABaseline {
        source_name: source_name.to_owned(),
        expected_format: BASELINE_FORMAT,
    };
    let format = format.as_ref().and_then(Value::as_str);
    let version = version.as_ref().and_then(Value::as_u64);
    let (Some(BASELINE_FORMAT), Some(version)) = (format, version) else {
        return Err(not_a_baseline());
    };
    if !(u64::from(BASELINE_SCHEMA_VERSION_WITHOUT_MEASURES)..=u64::from(BASELINE_SCHEMA_VERSION))
        .contains(&version)
    {
        return Err(BaselineError::UnsupportedSchemaVersion {
            source_name: source_name.to_owned(),
            found: version,
            supported: BASELINE_SCHEMA_VERSION,
        });
    }
    // Parse the text again (not the Value) so shape errors keep their line and column.
    let mut file: BaselineFile = serde_json::from_str(text).map_err(json_error)?;
    // The hash first: a hand-edited file is reported as edited, whatever the edit broke.
    let computed = hash_of(&mut file);
    if computed != file.content_hash {
        return Err(BaselineError::HashMismatch {
            source_name: source_name.to_owned(),
            stored: file.content_hash,
            computed,
        });
    }
    if quantile_method_from_name(&file.quantile_method).is_none() {
        return Err(BaselineError::InvalidConfig {
            setting: "quantile_method",
            value: file.quantile_method,
            expected: "hyndman-fan-1 .. hyndman-fan-9",
        });
    }
    validate_groups(&file.groups, source_name)?;
    Ok(Baseline { file })
}

/// The summary figures agree with each other and with the order statistics, which always
/// include the smallest and the largest latency.
fn validate_summary(latency: &LatencyStats) -> Result<(), (&'static str, String)> {
    let points = &latency.order_statistics;
    let (Some(&first), Some(&last)) = (points.first(), points.last()) else {
        return Ok(());
    };
    if latency.min != first || latency.max != last {
        return Err((
            "latency.min",
            format!(
                "min {} and max {} must be the first and last order statistics ({first}, {last})",
                latency.min, latency.max
            ),
        ));
    }
    if !(latency.mean.is_finite() && latency.min <= latency.mean && latency.mean <= latency.max) {
        return Err((
            "latency.mean",
            format!(
                "{} is not between min {} and max {}",
                latency.mean, latency.min, latency.max
            ),
        ));
    }
    if let Some(stddev) = latency.stddev
        && !(stddev.is_finite() && stddev >= 0.0)
    {
        return Err((
            "latency.stddev",
            format!("{stddev} is not a finite value >= 0"),
        ));
    }
    let mut previous: Option<(perf_stats::Percentile, f64)> = None;
    let mut percentiles: Vec<(perf_stats::Percentile, f64)> = Vec::new();
    for (name, &value) in &latency.percentiles {
        let percentile: perf_stats::Percentile = name.parse().map_err(|_| {
            (
                "latency.percentiles",
                format!("{name:?} is not a percentile name such as p95"),
            )
        })?;
        if !(latency.min <= value && value <= latency.max) {
            return Err((
                "latency.percentiles",
                format!(
                    "{name} = {value} is not between min {} and max {}",
                    latency.min, latency.max
                ),
            ));
        }
        percentiles.push((percentile, value));
    }
    percentiles.sort_by(|left, right| left.0.percent().total_cmp(&right.0.percent()));
    for (percentile, value) in percentiles {
        if let Some((lower, lower_value)) = previous
            && value < lower_value
        {
            return Err((
                "latency.percentiles",
                format!("{percentile} = {value} is below {lower} = {lower_value}"),
            ));
        }
        previous = Some((percentile, value));
    }
    Ok(())
}

fn validate_groups(groups: &[BaselineGroup], source_name: &str) -> Result<(), BaselineError> {
    for group in groups {
        let invalid = |field: &'static str, problem: String| BaselineError::InvalidGroup {
            source_name: source_name.to_owned(),
            tool: group.tool.clone(),
            step: group.step.clone(),
            field,
            problem,
        };
        // The latency statistics, then each measure's, checked alike (a measure's problems
        // name it: `measure peak_rss_mb: ...`).
        let all_stats = group.latency.iter().map(|stats| ("", stats)).chain(
            group
                .measures
                .iter()
                .map(|(name, stats)| (name.as_str(), stats)),
        );
        for (measure, latency) in all_stats {
            let invalid = |field: &'static str, problem: String| {
                if measure.is_empty() {
                    invalid(field, problem)
                } else {
                    invalid(field, format!("measure {measure}: {problem}"))
                }
            };
            if !measure.is_empty() && perf_record::validate_measure_name(measure).is_err() {
                return Err(invalid(
                    "measures",
                    "is not a measure name (a lower-case letter, then lower-case letters, \
                     digits or _)"
                        .to_owned(),
                ));
            }
            if latency.sample_count == 0 || latency.sample_count > group.counts.known() {
                return Err(invalid(
                    "latency.sample_count",
                    format!(
                        "{} is not between 1 and the {} records with a known outcome",
                        latency.sample_count,
                        group.counts.known()
                    ),
                ));
            }
            let points = &latency.order_statistics;
            if points.is_empty() || points.len() as u64 > latency.sample_count {
                return Err(invalid(
                    "latency.order_statistics",
                    format!(
                        "has {} values; expected between 1 and sample_count ({})",
                        points.len(),
                        latency.sample_count
                    ),
                ));
            }
            if let Some(bad) = points.iter().find(|ms| !ms.is_finite() || **ms < 0.0) {
                return Err(invalid(
                    "latency.order_statistics",
                    format!("contains {bad}, not a finite non-negative latency"),
                ));
            }
            if let Some(index) = points.windows(2).position(|pair| pair[0] > pair[1]) {
                return Err(invalid(
                    "latency.order_statistics",
                    format!(
                        "not ascending at index {}: {} > {}",
                        index,
                        points[index],
                        points[index + 1]
                    ),
                ));
            }
            validate_summary(latency).map_err(|(field, problem)| invalid(field, problem))?;
        }
    }
    // Lookups binary-search the groups, so their order is part of the format.
    if let Some(pair) = groups
        .windows(2)
        .find(|pair| (&pair[0].tool, &pair[0].step) > (&pair[1].tool, &pair[1].step))
    {
        return Err(BaselineError::InvalidGroup {
            source_name: source_name.to_owned(),
            tool: pair[1].tool.clone(),
            step: pair[1].step.clone(),
            field: "groups",
            problem: format!(
                "groups must be sorted by (tool, step), but this one follows {}/{}",
                pair[0].tool, pair[0].step
            ),
        });
    }
    reject_duplicates(groups, source_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_and_version_are_read_whatever_the_document_shape() {
        let kind = |text: &str| match parse(text, "b.json") {
            Err(BaselineError::NotABaseline { .. }) => "not a baseline",
            Err(BaselineError::UnsupportedSchemaVersion { found, .. }) => {
                assert_eq!(found, 99);
                "version"
            }
            Err(BaselineError::Json { .. }) => "json",
            Err(_) => "other error",
            Ok(_) => "ok",
        };
        // Read by the two-field header: other fields skipped, wrong types not a baseline.
        assert_eq!(
            kind(r#"{"format":"perf-gate-baseline","schema_version":99,"x":[{}]}"#),
            "version"
        );
        assert_eq!(kind(r#"{"format":3,"schema_version":2}"#), "not a baseline");
        assert_eq!(
            kind(r#"{"format":null,"schema_version":2}"#),
            "not a baseline"
        );
        assert_eq!(
            kind(r#"{"schema_version":"2","format":"perf-gate-baseline"}"#),
            "not a baseline"
        );
        // Decided by the whole document, as before: not an object, a duplicate key (the last
        // one counts), not JSON.
        assert_eq!(kind("[1]"), "not a baseline");
        assert_eq!(
            kind(r#"{"format":"x","format":"perf-gate-baseline","schema_version":99}"#),
            "version"
        );
        assert_eq!(kind(r#"{"format":"perf-gate-baseline","#), "json");
    }

    fn fingerprint() -> Fingerprint {
        Fingerprint {
            os: "linux".into(),
            arch: "x86_64".into(),
            cpu_model: Some("Test CPU".into()),
            cpu_cores: 2,
            perf_gate_version: "0.1.0".into(),
        }
    }

    fn config() -> BuildConfig {
        BuildConfig {
            fingerprint: fingerprint(),
            created_at: Some("2025-01-01T00:00:00Z".into()),
            max_points: DEFAULT_MAX_POINTS,
            quantile_method: QuantileMethod::Linear,
        }
    }

    fn sample(tool: &str, step: &str, latencies: Vec<f64>) -> (GroupKey, GroupSamples) {
        let counts = OutcomeCounts {
            ok: latencies.len() as u64,
            errors: 0,
            unknown: 1,
        };
        let samples = GroupSamples {
            counts,
            latencies_ms: latencies,
            ..Default::default()
        };
        (GroupKey::new(tool, step), samples)
    }

    #[test]
    fn measures_are_stored_beside_latency_and_read_back() {
        let (key, mut with_measures) = sample("svc", "get", vec![5.0, 6.0, 7.0, 8.0]);
        with_measures.measures = vec![perf_record::MeasureSamples {
            name: "peak_rss_mb".into(),
            values: vec![12.0, 10.0, 11.0, 13.0],
            error_values: vec![500.0],
        }];
        let baseline = build(&groups([(key, with_measures)]), &config()).unwrap();
        let group = &baseline.groups()[0];
        let memory = &group.measures["peak_rss_mb"];
        assert_eq!(
            (memory.sample_count, memory.min, memory.max),
            (4, 10.0, 13.0)
        );
        assert_eq!(memory.mean, 11.5);
        assert_eq!(memory.percentiles["p50"], 11.5);
        assert_eq!(memory.order_statistics, [10.0, 11.0, 12.0, 13.0]);
        let text = baseline.to_json();
        assert!(text.contains("\"schema_version\": 2"), "{text}");
        assert_eq!(parse(&text, "b.json").unwrap(), baseline);
        // Without measures: version 1 and no `measures` key, what earlier perf-gates wrote.
        let plain = build(&groups([sample("svc", "get", vec![5.0])]), &config()).unwrap();
        let plain_text = plain.to_json();
        assert!(plain_text.contains("\"schema_version\": 1"), "{plain_text}");
        assert!(!plain_text.contains("measures"), "{plain_text}");
        assert_eq!(parse(&plain_text, "b.json").unwrap(), plain);
        // A version this perf-gate does not know is refused with a version message.
        let future = plain_text.replace("\"schema_version\": 1", "\"schema_version\": 3");
        assert!(matches!(
            parse(&future, "b.json"),
            Err(BaselineError::UnsupportedSchemaVersion { found: 3, .. })
        ));
    }

    fn groups<const N: usize>(
        items: [(GroupKey, GroupSamples); N],
    ) -> BTreeMap<GroupKey, GroupSamples> {
        BTreeMap::from(items)
    }

    #[test]
    fn evenly_spaced_keeps_extremes_and_count() {
        let sorted: Vec<f64> = (0..10_001).map(f64::from).collect();
        let points = evenly_spaced(&sorted, 2000);
        assert_eq!(points.len(), 2000);
        assert_eq!(points[0], 0.0);
        assert_eq!(points[1999], 10_000.0);
        assert!(points.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn small_groups_keep_every_latency() {
        let baseline = build(&groups([sample("a", "b", vec![3.0, 1.0, 2.0])]), &config()).unwrap();
        let latency = baseline.groups()[0].latency.as_ref().unwrap();
        assert_eq!(latency.order_statistics, vec![1.0, 2.0, 3.0]);
        assert_eq!(latency.percentiles["p50"], 2.0);
        assert_eq!(latency.stddev, Some(1.0));
    }

    #[test]
    fn group_without_latencies_has_no_statistics() {
        let baseline = build(&groups([sample("a", "b", vec![])]), &config()).unwrap();
        assert_eq!(baseline.groups()[0].latency, None);
        let reread = parse(&baseline.to_json(), "x").unwrap();
        assert_eq!(reread, baseline);
    }

    #[test]
    fn rejects_negative_latency_naming_the_group() {
        let error = build(&groups([sample("api", "get", vec![1.0, -1.0])]), &config()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "input: group api/get: field `latencies`: latency -1 ms is not a finite, non-negative number"
        );
    }

    /// `baseline` with `edit` applied to its first group's statistics and the hash recomputed, as
    /// a careful hand edit would leave it, read back.
    fn edited(
        baseline: &Baseline,
        edit: impl FnOnce(&mut LatencyStats),
    ) -> Result<Baseline, BaselineError> {
        let mut file = baseline.file.clone();
        if let Some(latency) = file.groups[0].latency.as_mut() {
            edit(latency);
        }
        file.content_hash = hash_of(&mut file);
        parse(&Baseline { file }.to_json(), "edited.json")
    }

    #[test]
    fn statistics_that_contradict_each_other_are_rejected() {
        let baseline = build(
            &groups([sample("api", "get", vec![1.0, 2.0, 3.0, 10.0])]),
            &config(),
        )
        .unwrap();
        assert!(
            edited(&baseline, |_| {}).is_ok(),
            "an unchanged file reads back"
        );
        for (edit, field) in [
            (
                Box::new(|latency: &mut LatencyStats| latency.mean = -1.0)
                    as Box<dyn FnOnce(&mut LatencyStats)>,
                "latency.mean",
            ),
            (
                Box::new(|latency: &mut LatencyStats| latency.mean = 11.0),
                "latency.mean",
            ),
            (
                Box::new(|latency: &mut LatencyStats| latency.min = 5.0),
                "latency.min",
            ),
            (
                Box::new(|latency: &mut LatencyStats| latency.max = 0.5),
                "latency.min",
            ),
            (
                Box::new(|latency: &mut LatencyStats| latency.stddev = Some(-2.0)),
                "latency.stddev",
            ),
            (
                Box::new(|latency: &mut LatencyStats| {
                    latency.percentiles.insert("p99".into(), 0.5);
                }),
                "latency.percentiles",
            ),
            (
                Box::new(|latency: &mut LatencyStats| {
                    latency.percentiles.insert("p50".into(), 9.0);
                }),
                "latency.percentiles",
            ),
            (
                Box::new(|latency: &mut LatencyStats| {
                    latency.percentiles.insert("median".into(), 2.0);
                }),
                "latency.percentiles",
            ),
        ] {
            match edited(&baseline, edit) {
                Err(BaselineError::InvalidGroup { field: found, .. }) => assert_eq!(found, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn group_lookup_finds_by_key() {
        let baseline = build(
            &groups([sample("b", "x", vec![1.0]), sample("a", "y", vec![2.0])]),
            &config(),
        )
        .unwrap();
        let key = GroupKey {
            tool: "b".into(),
            step: "x".into(),
        };
        assert_eq!(baseline.group(&key).unwrap().tool, "b");
        assert_eq!(baseline.groups()[0].tool, "a");
    }
}
