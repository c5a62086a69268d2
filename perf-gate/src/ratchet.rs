//! Proposing tighter budgets from a baseline.

use perf_baseline::{Baseline, LatencyStats};
use perf_budget::{BudgetError, Metric};
use perf_record::GroupKey;
use perf_stats::QuantileMethod;
use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Why a ratchet could not be proposed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RatchetError {
    /// A setting is out of range.
    #[error("invalid {setting}: {value} ({expected})")]
    InvalidConfig {
        /// The setting (`headroom`, `significant_digits`).
        setting: &'static str,
        /// The offending value.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },
    /// The budget file is not valid.
    #[error("invalid budget file {source_name}")]
    InvalidBudgetFile {
        /// The budget file name.
        source_name: String,
        /// What the budget parser reported, with the JSON path.
        #[source]
        source: BudgetError,
    },
    /// The budget file passed the budget parser but its layout could not be read for editing.
    #[error("cannot edit budget file {source_name} in place")]
    Layout {
        /// The budget file name.
        source_name: String,
        /// What the layout-preserving parser reported.
        #[source]
        source: jsonc_parser::errors::ParseError,
    },
    /// A limit the ratchet would tighten is not a number.
    #[error("{source_name}: $.{group}.{metric}: expected a number, found {found}")]
    NotANumber {
        /// The budget file name.
        source_name: String,
        /// The entry.
        group: GroupKey,
        /// The metric key.
        metric: String,
        /// The JSON value found.
        found: String,
    },
}

/// How to ratchet.
#[derive(Debug, Clone, PartialEq)]
pub struct RatchetConfig {
    /// Room left above the observed value, as a fraction (default 0.20 = 20%).
    pub headroom: f64,
    /// Significant digits of a proposed limit, rounded up (default 2: 83.4 -> 84, 3213 -> 3300).
    pub significant_digits: u32,
}

impl Default for RatchetConfig {
    fn default() -> Self {
        RatchetConfig {
            headroom: 0.20,
            significant_digits: 2,
        }
    }
}

/// One limit the ratchet tightens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatchetChange {
    /// The budget entry's tool.
    pub tool: String,
    /// The budget entry's step.
    pub step: String,
    /// The metric key (`avg`, `p95`, ...).
    pub metric: String,
    /// The baseline's value of the metric, ms.
    pub observed_ms: f64,
    /// The limit in the budget file today.
    pub current_limit: f64,
    /// The proposed limit: `observed x (1 + headroom)` rounded up, below `current_limit`.
    pub proposed_limit: f64,
}

/// A proposed budget file.
#[derive(Debug, Clone, PartialEq)]
pub struct RatchetProposal {
    /// The proposed budget file: the current text byte for byte, except the limits it tightens
    /// (same key order, indentation and line breaks).
    pub budget_json: String,
    /// A unified diff from the current file to the proposal, which `patch` applies to the file;
    /// empty when nothing changes.
    pub diff: String,
    /// Each tightened limit, in file order (tool, step, metric sorted).
    pub changes: Vec<RatchetChange>,
}

/// Proposes tighter budgets for `budget_json` from `baseline`.
///
/// For every budget entry naming a concrete (tool, step) the baseline has latencies for, each
/// latency limit (`avg`, `min`, `max`, `pNN`) becomes `observed x (1 + headroom)` rounded up to
/// `significant_digits`, but only where that is below the current limit: a ratchet never loosens a
/// budget. Wildcard (`*`) entries, `defaults`, `schema_version`, `error_rate`, `min_samples`, `severity` and
/// `regression` are left as they are. The proposal is the current text with only the tightened
/// numbers replaced, so the file keeps its order and layout, and the diff (against the file as it
/// is) applies with `patch`. `source_name` names the budget file in errors and in the diff header.
///
/// # Errors
/// An out-of-range setting, or a budget file that [`perf_budget::parse_budgets`] rejects
/// ([`RatchetError::InvalidBudgetFile`] with its message and JSON path).
pub fn ratchet(
    baseline: &Baseline,
    budget_json: &str,
    source_name: &str,
    config: &RatchetConfig,
) -> Result<RatchetProposal, RatchetError> {
    if !(config.headroom.is_finite() && config.headroom >= 0.0) {
        return Err(RatchetError::InvalidConfig {
            setting: "headroom",
            value: config.headroom.to_string(),
            expected: "a finite fraction >= 0, e.g. 0.2 for 20%",
        });
    }
    if !(1..=15).contains(&config.significant_digits) {
        return Err(RatchetError::InvalidConfig {
            setting: "significant_digits",
            value: config.significant_digits.to_string(),
            expected: "between 1 and 15",
        });
    }
    // The budget parser's checks first: unknown metrics, negative limits, duplicate keys and
    // invalid JSON get its messages, with their JSON paths. What it accepts is a JSON object of
    // objects.
    perf_budget::parse_budgets(budget_json).map_err(|source| RatchetError::InvalidBudgetFile {
        source_name: source_name.to_owned(),
        source,
    })?;
    let original: Value = serde_json::from_str(budget_json).unwrap_or(Value::Null);
    let Value::Object(tools) = &original else {
        return Ok(RatchetProposal {
            budget_json: budget_json.to_owned(),
            diff: String::new(),
            changes: Vec::new(),
        });
    };
    let mut proposed_tools = tools.clone();
    let mut changes = Vec::new();
    for (tool, steps) in &mut proposed_tools {
        if tool == "defaults" || tool == "schema_version" || tool == "*" {
            continue;
        }
        let Value::Object(steps) = steps else {
            continue;
        };
        for (step, entry) in steps.iter_mut() {
            if step == "*" {
                continue;
            }
            let Value::Object(entry) = entry else {
                continue;
            };
            let key = GroupKey::new(tool.clone(), step.clone());
            let Some(stats) = baseline
                .group(&key)
                .and_then(|group| group.latency.as_ref())
            else {
                continue;
            };
            let method = baseline.quantile_method().unwrap_or_default();
            tighten_entry(&key, entry, stats, method, config, &mut changes).map_err(
                |(metric, found)| RatchetError::NotANumber {
                    source_name: source_name.to_owned(),
                    group: key.clone(),
                    metric,
                    found,
                },
            )?;
        }
    }
    let proposed = edit_limits(budget_json, &changes).map_err(|source| RatchetError::Layout {
        source_name: source_name.to_owned(),
        source,
    })?;
    let diff = if proposed == budget_json {
        String::new()
    } else {
        similar::TextDiff::from_lines(budget_json, &proposed)
            .unified_diff()
            .context_radius(3)
            .header(source_name, source_name)
            .to_string()
    };
    Ok(RatchetProposal {
        budget_json: proposed,
        diff,
        changes,
    })
}

/// `text` with the number of every `tool -> step -> metric` in `changes` replaced by its proposed
/// limit, and every other byte kept.
fn edit_limits(
    text: &str,
    changes: &[RatchetChange],
) -> Result<String, jsonc_parser::errors::ParseError> {
    use jsonc_parser::ast::{ObjectPropName, Value as Node};
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default())?;
    let name = |name: &ObjectPropName| match name {
        ObjectPropName::String(literal) => literal.value.to_string(),
        ObjectPropName::Word(word) => word.value.to_owned(),
    };
    // (start, end, replacement) of each number to replace.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    if let Some(Node::Object(tools)) = &parsed.value {
        for tool in &tools.properties {
            let Node::Object(steps) = &tool.value else {
                continue;
            };
            let tool_name = name(&tool.name);
            for step in &steps.properties {
                let Node::Object(metrics) = &step.value else {
                    continue;
                };
                let step_name = name(&step.name);
                for metric in &metrics.properties {
                    let Node::NumberLit(number) = &metric.value else {
                        continue;
                    };
                    let metric_name = name(&metric.name);
                    if let Some(change) = changes.iter().find(|change| {
                        change.tool == tool_name
                            && change.step == step_name
                            && change.metric == metric_name
                    }) {
                        edits.push((
                            number.range.start,
                            number.range.end,
                            json_number(change.proposed_limit).to_string(),
                        ));
                    }
                }
            }
        }
    }
    edits.sort_by_key(|&(start, _, _)| start);
    let mut edited = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end, replacement) in edits {
        edited.push_str(&text[copied..start]);
        edited.push_str(&replacement);
        copied = end;
    }
    edited.push_str(&text[copied..]);
    Ok(edited)
}

fn tighten_entry(
    key: &GroupKey,
    entry: &mut Map<String, Value>,
    stats: &LatencyStats,
    method: QuantileMethod,
    config: &RatchetConfig,
    changes: &mut Vec<RatchetChange>,
) -> Result<(), (String, String)> {
    for (metric, limit) in entry.iter_mut() {
        let Some(observed) = observed_value(metric, stats, method) else {
            continue;
        };
        let Some(current_limit) = limit.as_f64() else {
            return Err((metric.clone(), limit.to_string()));
        };
        let proposed = round_up_significant(
            observed * (1.0 + config.headroom),
            config.significant_digits,
        );
        if proposed < current_limit {
            *limit = json_number(proposed);
            changes.push(RatchetChange {
                tool: key.tool.clone(),
                step: key.step.clone(),
                metric: metric.clone(),
                observed_ms: observed,
                current_limit,
                proposed_limit: proposed,
            });
        }
    }
    Ok(())
}

/// The baseline's value of a latency budget key, `None` for keys that are not latency limits.
fn observed_value(metric: &str, stats: &LatencyStats, method: QuantileMethod) -> Option<f64> {
    match metric.parse::<Metric>().ok()? {
        Metric::Mean => Some(stats.mean),
        Metric::Min => Some(stats.min),
        Metric::Max => Some(stats.max),
        Metric::ErrorRate => None,
        // Recorded percentiles are exact; others come from the order statistics.
        Metric::Percentile(percentile) => match stats.percentiles.get(&percentile.to_string()) {
            Some(value) => Some(*value),
            None => {
                perf_stats::quantile(&stats.order_statistics, percentile.probability(), method).ok()
            }
        },
    }
}

/// Rounds a positive `value` up to `digits` significant digits (83.4 -> 84, 0.0123 -> 0.013).
fn round_up_significant(value: f64, digits: u32) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return value.max(0.0);
    }
    let exponent = value.log10().floor() as i32 - digits as i32 + 1;
    // Multiply or divide by an exact power of ten so 0.013 comes out as 0.013, not 0.0130000001.
    let power = 10f64.powi(exponent.abs());
    let scaled = if exponent >= 0 {
        value / power
    } else {
        value * power
    };
    // A hair of slack so a value already on the grid (84.0000000001) is not pushed up a step.
    let steps = (scaled - 1e-9 * scaled).ceil();
    if exponent >= 0 {
        steps * power
    } else {
        steps / power
    }
}

/// An integer JSON number when the value is whole, else a float.
fn json_number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::Number(Number::from(value as i64))
    } else {
        Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_up_to_two_significant_digits() {
        assert_eq!(round_up_significant(83.4, 2), 84.0);
        assert_eq!(round_up_significant(84.0, 2), 84.0);
        assert_eq!(round_up_significant(3213.6, 2), 3300.0);
        assert_eq!(round_up_significant(0.0123, 2), 0.013);
        assert_eq!(round_up_significant(99.5, 2), 100.0);
        assert_eq!(round_up_significant(7.01, 2), 7.1);
        assert_eq!(round_up_significant(0.0, 2), 0.0);
    }

    #[test]
    fn only_the_tightened_numbers_change_and_the_diff_applies_to_the_file() {
        let text = "{\n  \"wsap\": {\"plan\": {\"p95\": 3200, \"avg\": 1800,\n      \"severity\": \"warn\"},\n    \"import\": { \"p95\": 80 }},\n  \"defaults\": { \"min_samples\": 5 }\n}";
        let change = |step: &str, metric: &str, proposed_limit: f64| RatchetChange {
            tool: "wsap".to_owned(),
            step: step.to_owned(),
            metric: metric.to_owned(),
            observed_ms: 0.0,
            current_limit: 0.0,
            proposed_limit,
        };
        let edited = edit_limits(
            text,
            &[change("plan", "avg", 1500.0), change("import", "p95", 62.5)],
        )
        .unwrap();
        assert_eq!(
            edited,
            text.replace("\"avg\": 1800", "\"avg\": 1500")
                .replace("\"p95\": 80 ", "\"p95\": 62.5 ")
        );
        assert_eq!(edit_limits(text, &[]).unwrap(), text);
    }

    #[test]
    fn whole_numbers_are_json_integers() {
        assert_eq!(json_number(84.0).to_string(), "84");
        assert_eq!(json_number(0.013).to_string(), "0.013");
    }
}
