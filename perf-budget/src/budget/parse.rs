//! Parsing the budget file, with errors that name the JSON path of the offending key.

use std::collections::HashMap;

use camino::Utf8Path;
use perf_record::LatencyOf;
use perf_stats::QuantileMethod;

use super::error::{BudgetError, BudgetFileError};
use super::model::{
    BUDGET_FILE_SCHEMA_VERSION, BudgetEntry, Budgets, ConsecutiveRule, Defaults, Direction, Limit,
    MeasureLimits, Metric, Pattern, RegressionRule, Severity, TrendRule, Unit,
};
use crate::fraction::{self, FractionError};
use crate::json_tree::{JsonPath, Node};

/// The largest budget file read (16 MiB): far beyond any real one, small enough that a wrong
/// path (`/dev/zero`, a log file) fails at once.
pub const MAX_BUDGET_FILE_BYTES: u64 = 16 << 20;

/// Reads and parses the budget file at `path` (at most [`MAX_BUDGET_FILE_BYTES`]).
pub fn read_budgets(path: &Utf8Path) -> Result<Budgets, BudgetFileError> {
    let text =
        perf_record::read_to_string_capped(path, MAX_BUDGET_FILE_BYTES).map_err(|source| {
            BudgetFileError::Read {
                path: path.to_owned(),
                source,
            }
        })?;
    parse_budgets(&text).map_err(|error| BudgetFileError::Invalid {
        path: path.to_owned(),
        error,
    })
}

/// Parses budget file text.
///
/// ```
/// let budgets = perf_budget::parse_budgets(r#"{ "wsap": { "import": { "avg": 40, "p95": 80 } } }"#)?;
/// assert_eq!(budgets.entries().len(), 1);
/// assert_eq!(budgets.defaults().min_samples, None);
/// # Ok::<(), perf_budget::BudgetError>(())
/// ```
pub fn parse_budgets(text: &str) -> Result<Budgets, BudgetError> {
    let root: Node = serde_json::from_str(text).map_err(|error| BudgetError::Syntax {
        line: error.line(),
        column: error.column(),
        message: strip_position(&error.to_string()),
    })?;
    let path = JsonPath::root();
    let members = object(&root, &path, "an object of tools")?;
    let mut defaults = Defaults::default();
    let mut entries = Vec::new();
    for (key, value) in members {
        let key_path = path.key(key);
        match key.as_str() {
            "defaults" => defaults = parse_defaults(value, &key_path)?,
            "schema_version" => {
                let version = non_negative_integer(value, &key_path)?;
                if version != u64::from(BUDGET_FILE_SCHEMA_VERSION) {
                    return Err(BudgetError::InvalidValue {
                        path: key_path.to_string(),
                        value: value.short_display(),
                        reason: format!(
                            "this perf-gate reads budget file schema_version {BUDGET_FILE_SCHEMA_VERSION}"
                        ),
                    });
                }
            }
            tool => {
                let steps = object(value, &key_path, "an object of steps")?;
                for (step, entry) in steps {
                    entries.push(parse_entry(tool, step, entry, &key_path.key(step))?);
                }
            }
        }
    }
    entries.sort_by(|left, right| (&left.tool, &left.step).cmp(&(&right.tool, &right.step)));
    Ok(Budgets::from_parts(defaults, entries))
}

/// serde_json appends " at line L column C"; the variant carries those as fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// The members of an object node, after rejecting duplicate keys.
fn object<'a>(
    node: &'a Node,
    path: &JsonPath,
    expected: &'static str,
) -> Result<&'a [(String, Node)], BudgetError> {
    let Node::Object(members) = node else {
        return Err(BudgetError::WrongType {
            path: path.to_string(),
            expected,
            found: node.type_name(),
        });
    };
    let mut seen = HashMap::with_capacity(members.len());
    for (key, _) in members {
        if seen.insert(key.as_str(), ()).is_some() {
            return Err(BudgetError::DuplicateKey {
                path: path.key(key).to_string(),
            });
        }
    }
    Ok(members)
}

fn parse_defaults(node: &Node, path: &JsonPath) -> Result<Defaults, BudgetError> {
    let mut defaults = Defaults::default();
    for (key, value) in object(node, path, "an object")? {
        let key_path = path.key(key);
        match key.as_str() {
            "min_samples" => defaults.min_samples = Some(non_negative_integer(value, &key_path)?),
            "quantile_method" => {
                defaults.quantile_method = parse_quantile_method(value, &key_path)?
            }
            "latency_of" => defaults.latency_of = parse_latency_of(value, &key_path)?,
            _ => {
                return Err(BudgetError::UnknownKey {
                    path: key_path.to_string(),
                    name: key.clone(),
                    allowed: "min_samples, quantile_method, latency_of",
                });
            }
        }
    }
    Ok(defaults)
}

fn parse_latency_of(node: &Node, path: &JsonPath) -> Result<LatencyOf, BudgetError> {
    let Node::String(text) = node else {
        return Err(BudgetError::WrongType {
            path: path.to_string(),
            expected: "\"ok\" or \"all\"",
            found: node.type_name(),
        });
    };
    text.parse().map_err(
        |error: perf_record::LatencyOfError| BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: error.to_string(),
        },
    )
}

fn parse_quantile_method(node: &Node, path: &JsonPath) -> Result<QuantileMethod, BudgetError> {
    let method = match node {
        Node::Number(number) => u8::try_from(*number as i64)
            .ok()
            .filter(|_| number.fract() == 0.0)
            .and_then(QuantileMethod::from_hyndman_fan_type),
        Node::String(name) => name.parse().ok(),
        other => {
            return Err(BudgetError::WrongType {
                path: path.to_string(),
                expected: "a Hyndman-Fan type 1 to 9 or a numpy method name",
                found: other.type_name(),
            });
        }
    };
    method.ok_or_else(|| BudgetError::InvalidValue {
        path: path.to_string(),
        value: node.short_display(),
        reason: "the quantile method is a Hyndman-Fan type from 1 to 9 or a numpy name such as \"linear\" (type 7, \
                 the default)"
            .to_owned(),
    })
}

fn parse_entry(
    tool: &str,
    step: &str,
    node: &Node,
    path: &JsonPath,
) -> Result<BudgetEntry, BudgetError> {
    let mut entry = BudgetEntry {
        tool: Pattern::from_key(tool),
        step: Pattern::from_key(step),
        limits: Vec::new(),
        measures: Vec::new(),
        min_samples: None,
        severity: Severity::Fail,
        regression: None,
        trend: None,
        consecutive: None,
    };
    let mut metric_keys: Vec<(Metric, &str)> = Vec::new();
    for (key, value) in object(node, path, "an object of limits")? {
        let key_path = path.key(key);
        match key.as_str() {
            "min_samples" => entry.min_samples = Some(non_negative_integer(value, &key_path)?),
            "severity" => entry.severity = parse_severity(value, &key_path)?,
            "regression" => entry.regression = Some(parse_regression(value, &key_path)?),
            "trend" => entry.trend = Some(parse_trend(value, &key_path)?),
            "consecutive" => entry.consecutive = Some(parse_consecutive(value, &key_path)?),
            name if is_measure_key(name, value) => {
                entry.measures.push(parse_measure(name, value, &key_path)?);
            }
            name => {
                let metric: Metric = name.parse().map_err(|_| BudgetError::UnknownMetric {
                    path: key_path.to_string(),
                    name: name.to_owned(),
                    did_you_mean: suggest_metric(name),
                })?;
                if let Some((_, first)) = metric_keys.iter().find(|(known, _)| *known == metric) {
                    return Err(BudgetError::DuplicateMetric {
                        path: key_path.to_string(),
                        metric: metric.to_string(),
                        first: (*first).to_owned(),
                    });
                }
                metric_keys.push((metric, name));
                let value = parse_limit(metric, value, &key_path)?;
                entry.limits.push(Limit { metric, value });
            }
        }
    }
    let has_limits = !entry.limits.is_empty() || !entry.measures.is_empty();
    if !has_limits && entry.regression.is_none() && entry.trend.is_none() {
        return Err(BudgetError::EmptyEntry {
            path: path.to_string(),
        });
    }
    if entry.consecutive.is_some() && !has_limits {
        // The rule confirms limit breaches: with no limit it would never apply.
        return Err(BudgetError::InvalidValue {
            path: path.key("consecutive").to_string(),
            value: entry
                .consecutive
                .map_or_else(String::new, |rule| rule.runs().to_string()),
            reason:
                "\"consecutive\" confirms breaches of this entry's limits, and the entry has none"
                    .to_owned(),
        });
    }
    entry.limits.sort_by_key(|limit| limit.metric);
    entry
        .measures
        .sort_by(|left, right| left.name.cmp(&right.name));
    Ok(entry)
}

/// Whether an entry key names a record measure: its value is an object of limits, the key is a
/// valid measure name, and it does not look like a latency metric (`p59`, `median`, `mean`: those
/// stay unknown-metric errors with their did-you-mean, so a typo never becomes a measure that no
/// record carries).
fn is_measure_key(name: &str, value: &Node) -> bool {
    let looks_like_latency = name.parse::<Metric>().is_ok()
        || suggest_metric(name).is_some()
        || (name.starts_with('p') && name[1..].starts_with(|c: char| c.is_ascii_digit()));
    matches!(value, Node::Object(_))
        && (perf_record::validate_measure_name(name).is_ok()
            || name == perf_record::THROUGHPUT_MEASURE)
        && !looks_like_latency
}

/// `"peak_rss_mb": {"max": 10, "p95": 8, "direction": "higher_is_better"}`: the limits of one
/// measure, in the latency vocabulary (`avg`, `min`, `max`, `pN`; no `error_rate`).
fn parse_measure(name: &str, node: &Node, path: &JsonPath) -> Result<MeasureLimits, BudgetError> {
    if name == perf_record::THROUGHPUT_MEASURE {
        return parse_throughput(node, path);
    }
    let mut measure = MeasureLimits {
        name: name.to_owned(),
        direction: Direction::default(),
        limits: Vec::new(),
    };
    let mut metric_keys: Vec<(Metric, &str)> = Vec::new();
    for (key, value) in object(node, path, "an object of limits")? {
        let key_path = path.key(key);
        if key == "direction" {
            measure.direction = parse_direction(value, &key_path)?;
            continue;
        }
        let metric = key
            .parse::<Metric>()
            .ok()
            .filter(|metric| *metric != Metric::ErrorRate)
            .ok_or_else(|| BudgetError::UnknownKey {
                path: key_path.to_string(),
                name: key.clone(),
                allowed: "avg, min, max, a percentile such as p95, direction",
            })?;
        if let Some((_, first)) = metric_keys.iter().find(|(known, _)| *known == metric) {
            return Err(BudgetError::DuplicateMetric {
                path: key_path.to_string(),
                metric: metric.to_string(),
                first: (*first).to_owned(),
            });
        }
        metric_keys.push((metric, key));
        let value = limit_value(
            value,
            &key_path,
            "a number in the measure's unit",
            "a measure limit is a finite number >= 0 in the measure's unit",
        )?;
        measure.limits.push(Limit { metric, value });
    }
    finished(measure, path)
}

/// `"throughput_rps": {"min": 100, "max": 5000}`: bounds on the group's derived throughput, one
/// figure per group (`perf_record::GroupSamples::throughput_rps`), so the statistics of a sample
/// (`avg`, `pN`) do not apply: `min` is a floor (`observed >= min` passes), `max` a ceiling
/// (`observed <= max` passes), and each bound says its direction, so `direction` is refused.
fn parse_throughput(node: &Node, path: &JsonPath) -> Result<MeasureLimits, BudgetError> {
    let mut measure = MeasureLimits {
        name: perf_record::THROUGHPUT_MEASURE.to_owned(),
        direction: Direction::HigherIsBetter,
        limits: Vec::new(),
    };
    for (key, value) in object(node, path, "an object of limits")? {
        let key_path = path.key(key);
        let metric = match key.as_str() {
            "min" => Metric::Min,
            "max" => Metric::Max,
            // The direction throughput improves in: allowed, and changes nothing.
            "direction" if matches!(value, Node::String(text) if text == "higher_is_better") => {
                continue;
            }
            "direction" => {
                return Err(BudgetError::InvalidValue {
                    path: key_path.to_string(),
                    value: value.short_display(),
                    reason: "throughput_rps is higher_is_better, and its bounds say their \
                             direction: \"min\" is a floor, \"max\" a ceiling"
                        .to_owned(),
                });
            }
            _ => {
                return Err(BudgetError::UnknownKey {
                    path: key_path.to_string(),
                    name: key.clone(),
                    allowed: "min (a floor), max (a ceiling): throughput_rps is one figure per \
                              group, records per second over its records' time span",
                });
            }
        };
        let value = limit_value(
            value,
            &key_path,
            "a number of records per second",
            "a throughput bound is a finite number >= 0 of records per second",
        )?;
        measure.limits.push(Limit { metric, value });
    }
    finished(measure, path)
}

/// A measure limit: a number (`expected` says which, when it is none), finite and `>= 0`
/// (`reason` says so when it is not).
fn limit_value(
    value: &Node,
    path: &JsonPath,
    expected: &'static str,
    reason: &str,
) -> Result<f64, BudgetError> {
    let limit = number(value, path, expected)?;
    if !(limit.is_finite() && limit >= 0.0) {
        return Err(BudgetError::InvalidValue {
            path: path.to_string(),
            value: value.short_display(),
            reason: reason.to_owned(),
        });
    }
    Ok(limit)
}

/// `measure` with its limits in metric order, or the empty-entry error when it has none.
fn finished(mut measure: MeasureLimits, path: &JsonPath) -> Result<MeasureLimits, BudgetError> {
    if measure.limits.is_empty() {
        return Err(BudgetError::EmptyEntry {
            path: path.to_string(),
        });
    }
    measure.limits.sort_by_key(|limit| limit.metric);
    Ok(measure)
}

fn parse_direction(node: &Node, path: &JsonPath) -> Result<Direction, BudgetError> {
    match node {
        Node::String(text) if text == "higher_is_worse" => Ok(Direction::HigherIsWorse),
        Node::String(text) if text == "higher_is_better" => Ok(Direction::HigherIsBetter),
        Node::String(_) => Err(BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: "direction is \"higher_is_worse\" (the default) or \"higher_is_better\""
                .to_owned(),
        }),
        other => Err(BudgetError::WrongType {
            path: path.to_string(),
            expected: "\"higher_is_worse\" or \"higher_is_better\"",
            found: other.type_name(),
        }),
    }
}

/// The budget-file spelling of a metric written the way another tool writes it: k6 (`p(95)`,
/// `med`), Lighthouse CI and statistics packages (`median`, `mean`), or in capitals (`P95`).
fn suggest_metric(name: &str) -> Option<String> {
    let lower = name.trim().to_ascii_lowercase();
    let canonical = |text: &str| text.parse::<Metric>().ok().map(|metric| metric.to_string());
    if let Some(inner) = lower
        .strip_prefix("p(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        return canonical(&format!("p{inner}"));
    }
    let alias = match lower.as_str() {
        "median" | "med" | "p_50" => "p50",
        "mean" | "average" => "avg",
        "minimum" => "min",
        "maximum" => "max",
        "errors" | "error" | "error_ratio" | "errorrate" | "failure_rate" | "http_req_failed" => {
            "error_rate"
        }
        other => return canonical(other).filter(|_| lower != name),
    };
    Some(alias.to_owned())
}

fn number(node: &Node, path: &JsonPath, expected: &'static str) -> Result<f64, BudgetError> {
    match node {
        Node::Number(value) => Ok(*value),
        other => Err(BudgetError::WrongType {
            path: path.to_string(),
            expected,
            found: other.type_name(),
        }),
    }
}

fn parse_limit(metric: Metric, node: &Node, path: &JsonPath) -> Result<f64, BudgetError> {
    let (expected, reason) = match metric.unit() {
        Unit::Milliseconds | Unit::Measure => (
            "a number of milliseconds",
            "a limit is a finite number of milliseconds >= 0",
        ),
        Unit::Fraction => (
            "a fraction such as 0.01",
            "error_rate is a fraction from 0 to 1 (0.01 for 1%)",
        ),
    };
    let value = match (metric.unit(), node) {
        // "1%" reads as it is written; a bare number stays a fraction.
        (Unit::Fraction, Node::String(text)) => {
            fraction::parse_fraction(text).map_err(|source| BudgetError::InvalidFraction {
                path: path.to_string(),
                value: node.short_display(),
                source,
            })?
        }
        _ => number(node, path, expected)?,
    };
    let in_range = match metric.unit() {
        Unit::Milliseconds | Unit::Measure => value.is_finite() && value >= 0.0,
        Unit::Fraction => (0.0..=1.0).contains(&value),
    };
    if !in_range {
        return Err(BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: reason.to_owned(),
        });
    }
    Ok(value)
}

fn non_negative_integer(node: &Node, path: &JsonPath) -> Result<u64, BudgetError> {
    let value = number(node, path, "a whole number")?;
    // 2^53: beyond it f64 no longer holds every integer, and no real count gets there.
    if value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_992.0 {
        Ok(value as u64)
    } else {
        Err(BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: "expected a whole number >= 0".to_owned(),
        })
    }
}

fn parse_severity(node: &Node, path: &JsonPath) -> Result<Severity, BudgetError> {
    match node {
        Node::String(text) if text == "fail" => Ok(Severity::Fail),
        Node::String(text) if text == "warn" => Ok(Severity::Warn),
        Node::String(_) => Err(BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: "severity is \"fail\" or \"warn\"".to_owned(),
        }),
        other => Err(BudgetError::WrongType {
            path: path.to_string(),
            expected: "\"fail\" or \"warn\"",
            found: other.type_name(),
        }),
    }
}

fn parse_regression(node: &Node, path: &JsonPath) -> Result<RegressionRule, BudgetError> {
    let fraction = match node {
        Node::String(text) => fraction::parse_fraction(text),
        Node::Number(value) => fraction::fraction_from_number(*value),
        other => {
            return Err(BudgetError::WrongType {
                path: path.to_string(),
                expected: "a percentage such as \"10%\" or a fraction such as 0.1",
                found: other.type_name(),
            });
        }
    };
    let invalid = |source: FractionError| BudgetError::InvalidFraction {
        path: path.to_string(),
        value: node.short_display(),
        source,
    };
    let fraction = fraction.map_err(invalid)?;
    RegressionRule::new(fraction).ok_or_else(|| {
        invalid(FractionError::Invalid {
            text: node.short_display(),
        })
    })
}

fn parse_trend(node: &Node, path: &JsonPath) -> Result<TrendRule, BudgetError> {
    let mut max_change = None;
    let mut window = None;
    for (key, value) in object(node, path, "an object with max_change and window")? {
        let key_path = path.key(key);
        match key.as_str() {
            "max_change" => {
                let rule = parse_regression(value, &key_path)?;
                max_change = Some((rule.max_increase(), value.short_display()));
            }
            "window" => {
                window = Some((
                    non_negative_integer(value, &key_path)?,
                    value.short_display(),
                ))
            }
            other => {
                return Err(BudgetError::UnknownKey {
                    path: key_path.to_string(),
                    name: other.to_owned(),
                    allowed: "max_change, window",
                });
            }
        }
    }
    let missing = |name: &str| BudgetError::InvalidValue {
        path: path.to_string(),
        value: node.short_display(),
        reason: format!(
            "a trend rule needs {name}, as in {{\"max_change\": \"10%\", \"window\": 20}}"
        ),
    };
    let (max_change, max_change_text) = max_change.ok_or_else(|| missing("max_change"))?;
    let (window, window_text) = window.ok_or_else(|| missing("window"))?;
    if max_change <= 0.0 {
        return Err(BudgetError::InvalidValue {
            path: path.key("max_change").to_string(),
            value: max_change_text,
            reason:
                "max_change is a rise above 0%: a trend rule of 0% would fail on every change point"
                    .to_owned(),
        });
    }
    u32::try_from(window)
        .ok()
        .and_then(|window| TrendRule::new(max_change, window))
        .ok_or_else(|| BudgetError::InvalidValue {
            path: path.key("window").to_string(),
            value: window_text,
            reason: format!(
                "window is a number of runs from {} (two segments of three runs) to {}",
                TrendRule::MIN_WINDOW,
                TrendRule::MAX_WINDOW
            ),
        })
}

fn parse_consecutive(node: &Node, path: &JsonPath) -> Result<ConsecutiveRule, BudgetError> {
    let runs = non_negative_integer(node, path)?;
    u32::try_from(runs)
        .ok()
        .and_then(ConsecutiveRule::new)
        .ok_or_else(|| BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: format!(
                "consecutive is a number of runs from 1 to {}",
                ConsecutiveRule::MAX_RUNS
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use perf_record::GroupKey;

    #[test]
    fn history_rules_parse_with_their_exact_keys() {
        let budgets = parse_budgets(
            r#"{ "a": { "b": { "p95": 80, "trend": {"max_change": "10%", "window": 20}, "consecutive": 3 } } }"#,
        )
        .unwrap();
        let entry = &budgets.entries()[0];
        let trend = entry.trend.unwrap();
        assert_eq!((trend.max_change(), trend.window()), (0.1, 20));
        assert_eq!(entry.consecutive.map(ConsecutiveRule::runs), Some(3));
        // A trend rule alone is an entry.
        let only_trend =
            parse_budgets(r#"{ "a": { "b": { "trend": {"max_change": 0.05, "window": 6} } } }"#)
                .unwrap();
        assert_eq!(
            only_trend.entries()[0].trend.map(TrendRule::max_change),
            Some(0.05)
        );
    }

    #[test]
    fn history_rules_reject_nonsense_naming_the_path() {
        for (text, path) in [
            (r#"{"trend": {"max_change": "10%"}}"#, "$.a.b.trend: "),
            (r#"{"trend": {"window": 20}}"#, "$.a.b.trend: "),
            (
                r#"{"trend": {"max_change": "10%", "window": 5}}"#,
                "$.a.b.trend.window: ",
            ),
            (
                r#"{"trend": {"max_change": "0%", "window": 20}}"#,
                "$.a.b.trend.max_change: ",
            ),
            (
                r#"{"trend": {"max_change": 2, "window": 20}}"#,
                "$.a.b.trend.max_change: ",
            ),
            (
                r#"{"trend": {"max_change": "10%", "window": 20, "alpha": 1}}"#,
                "$.a.b.trend.alpha: ",
            ),
            (r#"{"trend": "10%"}"#, "$.a.b.trend: "),
            (r#"{"p95": 1, "consecutive": 0}"#, "$.a.b.consecutive: "),
            (r#"{"p95": 1, "consecutive": 2.5}"#, "$.a.b.consecutive: "),
            (
                r#"{"consecutive": 3, "trend": {"max_change": "10%", "window": 20}}"#,
                "$.a.b.consecutive: ",
            ),
        ] {
            let error = parse_budgets(&format!(r#"{{"a": {{"b": {text}}}}}"#)).unwrap_err();
            assert!(error.to_string().starts_with(path), "{text}: {error}");
        }
    }
    use perf_stats::Percentile;

    fn key(tool: &str, step: &str) -> GroupKey {
        GroupKey {
            tool: tool.to_owned(),
            step: step.to_owned(),
        }
    }

    #[test]
    fn other_tools_spellings_get_a_did_you_mean() {
        for (written, meant) in [
            ("p(95)", "p95"),
            ("p(99.9)", "p99.9"),
            ("median", "p50"),
            ("med", "p50"),
            ("mean", "avg"),
            ("P95", "p95"),
        ] {
            let error =
                parse_budgets(&format!(r#"{{"a": {{"b": {{"{written}": 10}}}}}}"#)).unwrap_err();
            assert!(
                matches!(&error, BudgetError::UnknownMetric { name, did_you_mean: Some(suggestion), .. }
                    if name == written && suggestion == meant),
                "{error:?}"
            );
            assert!(
                error
                    .to_string()
                    .contains(&format!("did you mean \"{meant}\"?")),
                "{error}"
            );
        }
        let error = parse_budgets(r#"{"a": {"b": {"speed": 10}}}"#).unwrap_err();
        assert!(matches!(
            error,
            BudgetError::UnknownMetric {
                did_you_mean: None,
                ..
            }
        ));
        assert!(!error.to_string().contains("did you mean"));
    }

    #[test]
    fn measure_keys_hold_the_measures_limits() {
        let budgets = parse_budgets(
            r#"{"a": {"b": {"p95": 80, "peak_rss_mb": {"max": 10}, "allocs": {"p50": 1000, "avg": 900},
                "throughput_rps": {"min": 5}}}}"#,
        )
        .unwrap();
        let entry = &budgets.entries()[0];
        assert_eq!(entry.limits.len(), 1);
        let measures: Vec<(&str, Direction, Vec<String>)> = entry
            .measures
            .iter()
            .map(|measure| {
                (
                    measure.name.as_str(),
                    measure.direction,
                    measure
                        .limits
                        .iter()
                        .map(|limit| format!("{}={}", limit.metric, limit.value))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            measures,
            [
                (
                    "allocs",
                    Direction::HigherIsWorse,
                    vec!["avg=900".to_owned(), "p50=1000".to_owned()]
                ),
                (
                    "peak_rss_mb",
                    Direction::HigherIsWorse,
                    vec!["max=10".to_owned()]
                ),
                (
                    "throughput_rps",
                    Direction::HigherIsBetter,
                    vec!["min=5".to_owned()]
                ),
            ]
        );
        // A measure alone is an entry's limit.
        assert!(parse_budgets(r#"{"a": {"b": {"peak_rss_mb": {"max": 10}}}}"#).is_ok());
        assert!(
            parse_budgets(r#"{"a": {"b": {"peak_rss_mb": {"max": 10}, "consecutive": 2}}}"#)
                .is_ok()
        );
    }

    #[test]
    fn throughput_takes_a_floor_and_a_ceiling_and_nothing_else() {
        let budgets =
            parse_budgets(r#"{"a": {"b": {"throughput_rps": {"max": 5000, "min": 100}}}}"#)
                .unwrap();
        // The direction it has anyway may be written.
        let explicit = parse_budgets(
            r#"{"a": {"b": {"throughput_rps": {"max": 5000, "min": 100, "direction": "higher_is_better"}}}}"#,
        )
        .unwrap();
        assert_eq!(explicit.entries(), budgets.entries());
        let throughput = &budgets.entries()[0].measures[0];
        assert_eq!(throughput.direction, Direction::HigherIsBetter);
        let bounds: Vec<_> = throughput
            .limits
            .iter()
            .map(|limit| (limit.metric, limit.value))
            .collect();
        assert_eq!(bounds, [(Metric::Min, 100.0), (Metric::Max, 5000.0)]);
        for (text, expected) in [
            (
                r#"{"throughput_rps": {"p95": 10}}"#,
                "$.a.b.throughput_rps.p95: unknown key \"p95\" (allowed here: min (a floor)",
            ),
            (
                r#"{"throughput_rps": {"avg": 10}}"#,
                "$.a.b.throughput_rps.avg: unknown key",
            ),
            (
                r#"{"throughput_rps": {"min": 1, "direction": "higher_is_worse"}}"#,
                "$.a.b.throughput_rps.direction: invalid value",
            ),
            (
                r#"{"throughput_rps": {"min": -1}}"#,
                "$.a.b.throughput_rps.min: invalid value -1",
            ),
            (
                r#"{"throughput_rps": {}}"#,
                "$.a.b.throughput_rps: entry has no limits",
            ),
        ] {
            let error = parse_budgets(&format!(r#"{{"a": {{"b": {text}}}}}"#)).unwrap_err();
            assert!(error.to_string().starts_with(expected), "{text}: {error}");
        }
    }

    #[test]
    fn measure_limits_reject_nonsense_and_latency_typos_stay_unknown_metrics() {
        for (text, expected) in [
            (
                r#"{"peak_rss_mb": {}}"#,
                "$.a.b.peak_rss_mb: entry has no limits",
            ),
            (
                r#"{"peak_rss_mb": {"max": -1}}"#,
                "$.a.b.peak_rss_mb.max: invalid value -1",
            ),
            (
                r#"{"peak_rss_mb": {"max": "10"}}"#,
                "$.a.b.peak_rss_mb.max: expected a number",
            ),
            (
                r#"{"peak_rss_mb": {"error_rate": 0.1}}"#,
                "$.a.b.peak_rss_mb.error_rate: unknown key",
            ),
            (
                r#"{"peak_rss_mb": {"median": 1}}"#,
                "$.a.b.peak_rss_mb.median: unknown key",
            ),
            (
                r#"{"peak_rss_mb": {"max": 1, "max": 2}}"#,
                "$.a.b.peak_rss_mb.max: duplicate key",
            ),
            (
                r#"{"peak_rss_mb": {"p95": 1, "p95.0": 2}}"#,
                "$.a.b.peak_rss_mb[\"p95.0\"]: metric p95 is already",
            ),
            (
                r#"{"peak_rss_mb": {"max": 1, "direction": "up"}}"#,
                "$.a.b.peak_rss_mb.direction: invalid value",
            ),
            (
                r#"{"peak_rss_mb": 10}"#,
                "$.a.b.peak_rss_mb: unknown metric",
            ),
            (
                r#"{"Peak_RSS": {"max": 1}}"#,
                "$.a.b.Peak_RSS: unknown metric",
            ),
            (
                r#"{"median": {"max": 1}}"#,
                "$.a.b.median: unknown metric \"median\"; did you mean \"p50\"?",
            ),
            (r#"{"p9x": {"max": 1}}"#, "$.a.b.p9x: unknown metric"),
            (
                r#"{"p95": {"max": 1}}"#,
                "$.a.b.p95: expected a number of milliseconds",
            ),
        ] {
            let error = parse_budgets(&format!(r#"{{"a": {{"b": {text}}}}}"#))
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with(expected),
                "{text}\n  got: {error}\n want: {expected}"
            );
        }
    }

    #[test]
    fn error_rate_reads_a_percentage_as_written() {
        let budgets = parse_budgets(r#"{"a": {"b": {"error_rate": "1%"}}}"#).unwrap();
        assert_eq!(budgets.entries()[0].limits[0].value, 0.01);
        let error = parse_budgets(r#"{"a": {"b": {"error_rate": "150%"}}}"#).unwrap_err();
        assert!(
            matches!(error, BudgetError::InvalidValue { .. }),
            "{error:?}"
        );
        assert!(parse_budgets(r#"{"a": {"b": {"error_rate": "lots"}}}"#).is_err());
    }

    #[test]
    fn glob_keys_compile_and_other_keys_are_names() {
        let budgets = parse_budgets(
            r#"{"api": {"get_*": {"p95": 1}, "get_cart": {"p95": 2}, "get_[": {"p95": 3}}, "{a": {"b": {"p95": 4}}}"#,
        )
        .unwrap();
        let kinds: Vec<(String, bool)> = budgets
            .entries()
            .iter()
            .map(|entry| {
                (
                    entry.label().to_string(),
                    matches!(entry.step, Pattern::Glob(_)),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("api/get_*".to_owned(), true),
                ("api/get_[".to_owned(), false),
                ("api/get_cart".to_owned(), false),
                ("{a/b".to_owned(), false),
            ]
        );
        // A key that is not a valid glob is the name it spells.
        assert!(
            budgets
                .resolve(&key("api", "get_["))
                .is_some_and(|entry| entry.limits[0].value == 3.0)
        );
        assert!(budgets.resolve(&key("{a", "b")).is_some());
    }

    #[test]
    fn loads_the_legacy_format_unchanged() {
        let budgets = parse_budgets(
            r#"{ "registry": { "health": { "avg": 50, "p95": 100 }, "registry_get": { "avg": 100, "p95": 150 } },
                 "wsap": { "import": { "avg": 40, "p95": 80 }, "plan": { "avg": 1800, "p95": 3200 } } }"#,
        )
        .unwrap();
        assert_eq!(*budgets.defaults(), Defaults::default());
        let labels: Vec<String> = budgets
            .entries()
            .iter()
            .map(|entry| entry.label().to_string())
            .collect();
        assert_eq!(
            labels,
            [
                "registry/health",
                "registry/registry_get",
                "wsap/import",
                "wsap/plan"
            ]
        );
        let plan = budgets.resolve(&key("wsap", "plan")).unwrap();
        let p95 = Metric::Percentile(Percentile::new(95.0).unwrap());
        assert_eq!(
            plan.limits,
            [
                Limit {
                    metric: Metric::Mean,
                    value: 1800.0
                },
                Limit {
                    metric: p95,
                    value: 3200.0
                }
            ]
        );
        assert_eq!(plan.severity, Severity::Fail);
        assert_eq!(plan.min_samples, None);
    }

    #[test]
    fn reads_extensions_and_defaults() {
        let budgets = parse_budgets(
            r#"{ "schema_version": 1,
                 "defaults": { "min_samples": 20, "quantile_method": "median_unbiased" },
                 "a": { "b": { "p99.9": 500, "p50": 10, "min": 1, "max": 900, "error_rate": 0.01,
                               "min_samples": 5, "severity": "warn", "regression": "12.5%" } } }"#,
        )
        .unwrap();
        assert_eq!(budgets.defaults().min_samples, Some(20));
        assert_eq!(
            budgets.defaults().quantile_method,
            QuantileMethod::MedianUnbiased
        );
        assert_eq!(budgets.defaults().latency_of, LatencyOf::Ok);
        let all = parse_budgets(r#"{"defaults": {"latency_of": "all"}}"#).unwrap();
        assert_eq!(all.defaults().latency_of, LatencyOf::All);
        assert_eq!(
            all.with_latency_of(LatencyOf::Ok).defaults().latency_of,
            LatencyOf::Ok
        );
        let by_number = parse_budgets(r#"{"defaults": {"quantile_method": 1}}"#).unwrap();
        assert_eq!(
            by_number.defaults().quantile_method,
            QuantileMethod::InvertedCdf
        );
        let entry = &budgets.entries()[0];
        let names: Vec<String> = entry
            .limits
            .iter()
            .map(|limit| limit.metric.to_string())
            .collect();
        assert_eq!(names, ["min", "p50", "p99.9", "max", "error_rate"]);
        assert_eq!(entry.min_samples, Some(5));
        assert_eq!(budgets.min_samples_for(entry, Metric::ErrorRate, 0.95), 5);
        assert_eq!(entry.severity, Severity::Warn);
        assert_eq!(entry.regression.unwrap().max_increase(), 0.125);
    }

    #[test]
    fn regression_accepts_a_fraction_and_rejects_nonsense() {
        let parse =
            |value: &str| parse_budgets(&format!(r#"{{"a": {{"b": {{"regression": {value}}}}}}}"#));
        assert_eq!(
            parse("0.1").unwrap().entries()[0]
                .regression
                .unwrap()
                .max_increase(),
            0.1
        );
        assert_eq!(
            parse(r#""5 %""#).unwrap().entries()[0]
                .regression
                .unwrap()
                .max_increase(),
            0.05
        );
        for bad in [
            r#""ten""#, r#""10""#, r#""-5%""#, "-0.1", "10", "true", r#""%""#,
        ] {
            let error = parse(bad).unwrap_err();
            assert!(
                error.to_string().starts_with("$.a.b.regression: "),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn most_specific_entry_wins() {
        let budgets = parse_budgets(
            r#"{ "*": { "*": { "p95": 1 }, "plan": { "p95": 2 } },
                 "wsap": { "*": { "p95": 3 }, "plan": { "p95": 4 } } }"#,
        )
        .unwrap();
        let limit =
            |tool: &str, step: &str| budgets.resolve(&key(tool, step)).unwrap().limits[0].value;
        assert_eq!(limit("wsap", "plan"), 4.0);
        assert_eq!(limit("wsap", "import"), 3.0);
        assert_eq!(limit("other", "plan"), 2.0);
        assert_eq!(limit("other", "import"), 1.0);
    }

    #[test]
    fn resolve_returns_none_without_a_match() {
        let budgets = parse_budgets(r#"{ "a": { "b": { "avg": 1 } } }"#).unwrap();
        assert!(budgets.resolve(&key("a", "c")).is_none());
    }

    #[test]
    fn errors_name_the_json_path() {
        let cases = [
            (
                r#"{"a": {"b": {"p95": 1, "p95": 2}}}"#,
                "$.a.b.p95: duplicate key",
            ),
            (r#"{"a": {"b": {"p95": 1}}, "a": {}}"#, "$.a: duplicate key"),
            (
                r#"{"a": {"b": {"p95": 1, "p95.0": 2}}}"#,
                "$.a.b[\"p95.0\"]: metric p95 is already budgeted",
            ),
            (
                r#"{"a": {"b": {"p95": -1}}}"#,
                "$.a.b.p95: invalid value -1",
            ),
            (
                r#"{"a": {"b": {"p95": "100"}}}"#,
                "$.a.b.p95: expected a number of milliseconds, found a string",
            ),
            (
                r#"{"a": {"b": {"median": 1}}}"#,
                "$.a.b.median: unknown metric \"median\"",
            ),
            (r#"{"a": {"b": {"p101": 1}}}"#, "$.a.b.p101: unknown metric"),
            (r#"{"a": {"b": {"p": 1}}}"#, "$.a.b.p: unknown metric"),
            (r#"{"a": {"b": {"p9e1": 1}}}"#, "$.a.b.p9e1: unknown metric"),
            (
                r#"{"a": {"b": {"error_rate": 5}}}"#,
                "$.a.b.error_rate: invalid value 5",
            ),
            (
                r#"{"a": {"b": {"severity": "fatal", "avg": 1}}}"#,
                "$.a.b.severity: invalid value \"fatal\"",
            ),
            (
                r#"{"a": {"b": {"min_samples": 2.5, "avg": 1}}}"#,
                "$.a.b.min_samples: invalid value 2.5",
            ),
            (r#"{"a": {"b": {}}}"#, "$.a.b: entry has no limits"),
            (
                r#"{"a": {"*": 5}}"#,
                "$.a[\"*\"]: expected an object of limits, found a number",
            ),
            (
                r#"{"a": []}"#,
                "$.a: expected an object of steps, found an array",
            ),
            (r#"[]"#, "$: expected an object of tools"),
            (
                r#"{"defaults": {"min_sample": 3}}"#,
                "$.defaults.min_sample: unknown key",
            ),
            (
                r#"{"defaults": {"quantile_method": 10}}"#,
                "$.defaults.quantile_method: invalid value 10",
            ),
            (
                r#"{"defaults": {"latency_of": "errors"}}"#,
                "$.defaults.latency_of: invalid value \"errors\"",
            ),
            (
                r#"{"defaults": {"latency_of": true}}"#,
                "$.defaults.latency_of: expected \"ok\" or \"all\", found a boolean",
            ),
            (
                r#"{"schema_version": 2}"#,
                "$.schema_version: invalid value 2",
            ),
        ];
        for (text, expected) in cases {
            let error = parse_budgets(text).unwrap_err().to_string();
            assert!(
                error.starts_with(expected),
                "{text}\n  got: {error}\n want: {expected}"
            );
        }
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = parse_budgets("{\n  \"a\": {\n    \"b\": { \"avg\": 1, }\n  }\n}").unwrap_err();
        let BudgetError::Syntax { line, column, .. } = error else {
            panic!("{error:?}")
        };
        assert_eq!((line, column), (3, 22));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            parse_budgets(&text),
            Err(BudgetError::Syntax { .. })
        ));
    }

    #[test]
    fn metric_names_round_trip() {
        for name in [
            "avg",
            "min",
            "max",
            "error_rate",
            "p50",
            "p99.9",
            "p0",
            "p100",
            "p0.1",
        ] {
            assert_eq!(name.parse::<Metric>().unwrap().to_string(), name);
        }
        assert_eq!("p95.0".parse::<Metric>().unwrap().to_string(), "p95");
    }

    #[test]
    fn read_budgets_names_the_file() {
        let error = read_budgets(Utf8Path::new("/nonexistent/budgets.json")).unwrap_err();
        assert!(
            error.to_string().contains("/nonexistent/budgets.json"),
            "{error}"
        );
    }

    #[test]
    fn with_min_samples_replaces_the_default_and_every_entry_setting() {
        let budgets = parse_budgets(
            r#"{"defaults": {"min_samples": 50}, "a": {"b": {"p95": 1, "min_samples": 200}, "c": {"p95": 1}}}"#,
        )
        .unwrap()
        .with_min_samples(7);
        assert_eq!(budgets.defaults().min_samples, Some(7));
        for entry in budgets.entries() {
            assert_eq!(budgets.explicit_min_samples(entry), Some(7), "{entry:?}");
        }
    }

    #[test]
    fn min_samples_follow_the_percentile_unless_the_file_sets_them() {
        let budgets = parse_budgets(
            r#"{"a": {"auto": {"p50": 1, "p95": 1, "p99": 1, "avg": 1, "max": 1},
                       "own": {"p99": 1, "min_samples": 20}}}"#,
        )
        .unwrap();
        let auto = &budgets.entries()[0];
        let needed: Vec<(String, u64)> = auto
            .limits
            .iter()
            .map(|limit| {
                let metric = limit.metric;
                (
                    metric.to_string(),
                    budgets.min_samples_for(auto, metric, 0.95),
                )
            })
            .collect();
        let expected = [
            ("avg", 50),
            ("p50", 50),
            ("p95", 72),
            ("p99", 368),
            ("max", 50),
        ];
        let expected: Vec<(String, u64)> = expected
            .iter()
            .map(|(name, count)| ((*name).to_owned(), *count))
            .collect();
        assert_eq!(needed, expected);
        assert_eq!(budgets.entry_min_samples(auto, 0.95), 368);
        // At 90% a p95 interval exists from 59 samples, a p99 from 299.
        assert_eq!(budgets.entry_min_samples(auto, 0.9), 299);
        let own = &budgets.entries()[1];
        assert_eq!(budgets.entry_min_samples(own, 0.95), 20);
        let defaults =
            parse_budgets(r#"{"defaults": {"min_samples": 10}, "a": {"b": {"p99": 1}}}"#).unwrap();
        assert_eq!(defaults.entry_min_samples(&defaults.entries()[0], 0.95), 10);
    }
}
