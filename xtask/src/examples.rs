//! `cargo xtask examples`: the deterministic generator of the bundled example logs.
//!
//! The logs under `examples/logs/` are committed, and this generator is how they are made: same
//! seed, same bytes. They exercise what a first-time user should see: several tools across files
//! and sub-directories (one of them gzip-compressed), mixed outcomes (errors with and without a
//! reason, records without `ok`, records with only an HTTP `status`), a few broken lines, and
//! enough samples per (tool, step) for a real verdict.

use std::fs;
use std::io::Write as _;

use anyhow::{Context as _, Result};
use camino::{Utf8Path, Utf8PathBuf};
use flate2::Compression;
use flate2::write::GzEncoder;

use perf_stats::SplitMix64;

/// One kind of timed operation the generator produces: a step of a tool.
#[derive(Debug, Clone, Copy)]
pub struct StepProfile {
    /// The record's `step`.
    pub step: &'static str,
    /// Median latency in milliseconds.
    pub median_ms: f64,
    /// Spread of the latency in log space (0.3 is a typical service).
    pub sigma: f64,
    /// How many times one session runs the step.
    pub repeats: usize,
}

/// A tool: the steps one of its sessions runs, and how its failures read.
#[derive(Debug, Clone, Copy)]
pub struct ToolProfile {
    /// The record's `tool`.
    pub tool: &'static str,
    /// The prefix of its session ids.
    pub session_prefix: &'static str,
    /// Steps of one session, in order.
    pub steps: &'static [StepProfile],
    /// The `errorReason`s its failures carry.
    pub error_reasons: &'static [&'static str],
}

const WSAP: ToolProfile = ToolProfile {
    tool: "wsap",
    session_prefix: "wsap",
    steps: &[
        StepProfile {
            step: "import",
            median_ms: 24.0,
            sigma: 0.25,
            repeats: 1,
        },
        StepProfile {
            step: "plan",
            median_ms: 900.0,
            sigma: 0.35,
            repeats: 1,
        },
        StepProfile {
            step: "apply",
            median_ms: 350.0,
            sigma: 0.30,
            repeats: 1,
        },
    ],
    error_reasons: &["plan conflict", "timeout after 5s", "workspace locked"],
};

const REGISTRY: ToolProfile = ToolProfile {
    tool: "registry",
    session_prefix: "reg",
    steps: &[
        StepProfile {
            step: "health",
            median_ms: 12.0,
            sigma: 0.30,
            repeats: 1,
        },
        StepProfile {
            step: "registry_get",
            median_ms: 70.0,
            sigma: 0.35,
            repeats: 3,
        },
        StepProfile {
            step: "registry_put",
            median_ms: 110.0,
            sigma: 0.40,
            repeats: 1,
        },
    ],
    error_reasons: &["http 429 too many requests", "http 503 service unavailable"],
};

const A2A: ToolProfile = ToolProfile {
    tool: "a2a",
    session_prefix: "a2a",
    steps: &[
        StepProfile {
            step: "echo",
            median_ms: 18.0,
            sigma: 0.30,
            repeats: 2,
        },
        StepProfile {
            step: "delegate",
            median_ms: 240.0,
            sigma: 0.40,
            repeats: 1,
        },
    ],
    error_reasons: &["peer unreachable", "handshake rejected"],
};

/// How a generated log file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Plain JSONL.
    Plain,
    /// gzip-compressed JSONL.
    Gzip,
}

/// What to put in one generated log file.
#[derive(Debug, Clone)]
pub struct LogFileSpec {
    /// Path relative to the output directory.
    pub relative_path: &'static str,
    /// The tool whose sessions fill the file.
    pub tool: ToolProfile,
    /// How many sessions.
    pub sessions: usize,
    /// Start of the first session (seconds since the Unix epoch).
    pub start_unix_seconds: i64,
    /// Seed of this file's random stream.
    pub seed: u64,
    /// Whether some outcome-less records carry an HTTP `status` instead (normalize's input).
    pub http_status_for_unknown: bool,
    /// Raw broken lines spliced in after these session numbers.
    pub broken_lines: &'static [(usize, &'static str)],
    /// Plain or gzip.
    pub encoding: Encoding,
}

/// 2025-10-15T09:00:00Z.
const OCT_15_9AM: i64 = 1_760_518_800;
const DAY: i64 = 86_400;

/// The files of `examples/logs/`.
pub fn example_files() -> Vec<LogFileSpec> {
    vec![
        LogFileSpec {
            relative_path: "wsap/2025-10-16.jsonl",
            tool: WSAP,
            sessions: 60,
            start_unix_seconds: OCT_15_9AM + DAY,
            seed: 16,
            http_status_for_unknown: false,
            broken_lines: &[],
            encoding: Encoding::Plain,
        },
        LogFileSpec {
            relative_path: "wsap/2025-10-17.jsonl",
            tool: WSAP,
            sessions: 60,
            start_unix_seconds: OCT_15_9AM + 2 * DAY,
            seed: 17,
            http_status_for_unknown: false,
            broken_lines: &[],
            encoding: Encoding::Plain,
        },
        LogFileSpec {
            relative_path: "registry/registry-2025-10-16.ndjson",
            tool: REGISTRY,
            sessions: 40,
            start_unix_seconds: OCT_15_9AM + DAY,
            seed: 116,
            http_status_for_unknown: true,
            broken_lines: &[],
            encoding: Encoding::Plain,
        },
        LogFileSpec {
            relative_path: "registry/archive/registry-2025-10-15.jsonl.gz",
            tool: REGISTRY,
            sessions: 40,
            start_unix_seconds: OCT_15_9AM,
            seed: 115,
            http_status_for_unknown: false,
            broken_lines: &[],
            encoding: Encoding::Gzip,
        },
        LogFileSpec {
            relative_path: "a2a/a2a.jsonl",
            tool: A2A,
            sessions: 90,
            start_unix_seconds: OCT_15_9AM + DAY,
            seed: 216,
            http_status_for_unknown: false,
            broken_lines: &[
                (
                    10,
                    r#"{"ts":"2025-10-16T09:14:02.000Z","sessionId":"a2a-broken","tool":"a2a","step":"echo","ms":"#,
                ),
                (
                    25,
                    r#"{"ts":"2025-10-16T09:30:00.000Z","sessionId":"a2a-broken","tool":"a2a","step":"echo","ms":-4.2,"ok":true}"#,
                ),
                (
                    40,
                    r#"{"ts":"2025-10-16T09:45:00.000Z","sessionId":"a2a-broken","step":"echo","ms":12.5,"ok":true}"#,
                ),
                (
                    60,
                    r#"{"ts":"yesterday","sessionId":"a2a-broken","tool":"a2a","step":"delegate","ms":250,"ok":true}"#,
                ),
            ],
            encoding: Encoding::Plain,
        },
    ]
}

/// Generates one file's lines (each ending in `\n`).
pub fn generate_lines(spec: &LogFileSpec) -> Result<Vec<String>> {
    let mut rng = SplitMix64::seeded(spec.seed);
    let mut lines = Vec::new();
    let mut clock_ms = spec.start_unix_seconds * 1000;
    for session in 0..spec.sessions {
        let session_id = format!("{}-{}", spec.tool.session_prefix, clock_ms / 1000);
        for step in spec.tool.steps {
            for _ in 0..step.repeats {
                let ms = rng.next_log_normal(step.median_ms, step.sigma);
                let outcome = outcome_fields(&mut rng, &spec.tool, spec.http_status_for_unknown);
                let ts = format_timestamp(clock_ms)?;
                lines.push(format!(
                    r#"{{"ts":"{ts}","sessionId":"{session_id}","tool":"{tool}","step":"{step}","ms":{ms:.3}{outcome}}}"#,
                    tool = spec.tool.tool,
                    step = step.step,
                ) + "\n");
                // The next operation starts after this one plus a short think time.
                clock_ms += ms.ceil() as i64 + 5 + rng.next_index(50) as i64;
            }
        }
        for (after_session, broken) in spec.broken_lines {
            if *after_session == session {
                lines.push(format!("{broken}\n"));
            }
        }
        clock_ms += 20_000 + rng.next_index(10_000) as i64;
    }
    Ok(lines)
}

/// The outcome part of a record: about 3% errors, 2% without a known outcome, the rest `ok`.
fn outcome_fields(rng: &mut SplitMix64, tool: &ToolProfile, http_status: bool) -> String {
    let roll = rng.next_unit();
    if roll < 0.03 {
        let reason_roll = rng.next_index(10);
        if reason_roll == 0 {
            // An error without a reason: normalize gives it one.
            r#","ok":false"#.to_owned()
        } else {
            let reason = tool.error_reasons[rng.next_index(tool.error_reasons.len())];
            // Some producers still use the old `err` alias.
            let field = if reason_roll == 1 {
                "err"
            } else {
                "errorReason"
            };
            format!(r#","ok":false,"{field}":"{reason}""#)
        }
    } else if roll < 0.05 {
        if http_status {
            let status = if rng.next_index(2) == 0 { 200 } else { 429 };
            format!(r#","status":{status}"#)
        } else {
            String::new()
        }
    } else {
        r#","ok":true"#.to_owned()
    }
}

fn format_timestamp(unix_ms: i64) -> Result<String> {
    let ts = jiff::Timestamp::from_millisecond(unix_ms)
        .with_context(|| format!("timestamp out of range: {unix_ms} ms"))?;
    Ok(ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// Writes one generated file under `out_dir`, creating its directories.
pub fn write_file(out_dir: &Utf8Path, spec: &LogFileSpec) -> Result<Utf8PathBuf> {
    let path = out_dir.join(spec.relative_path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {parent}"))?;
    }
    let body = generate_lines(spec)?.concat();
    let bytes = match spec.encoding {
        Encoding::Plain => body.into_bytes(),
        Encoding::Gzip => {
            // flate2's default gzip header has no timestamp or name: the bytes are reproducible.
            let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
            encoder.write_all(body.as_bytes())?;
            encoder.finish()?
        }
    };
    fs::write(&path, bytes).with_context(|| format!("writing {path}"))?;
    Ok(path)
}

/// `cargo xtask examples`: regenerates `examples/logs/` under `examples_dir`.
pub fn run(examples_dir: &Utf8Path) -> Result<()> {
    let logs = examples_dir.join("logs");
    if logs.exists() {
        fs::remove_dir_all(&logs).with_context(|| format!("removing old {logs}"))?;
    }
    for spec in example_files() {
        let path = write_file(&logs, &spec)?;
        eprintln!("wrote {path}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_lines() {
        let spec = &example_files()[0];
        assert_eq!(generate_lines(spec).unwrap(), generate_lines(spec).unwrap());
    }

    #[test]
    fn unit_numbers_stay_inside_the_open_interval() {
        let mut rng = SplitMix64::seeded(7);
        for _ in 0..10_000 {
            let x = rng.next_unit();
            assert!(x > 0.0 && x < 1.0, "{x}");
        }
    }

    #[test]
    fn log_normal_median_is_close_to_the_requested_one() {
        let mut rng = SplitMix64::seeded(3);
        let mut samples: Vec<f64> = (0..20_001)
            .map(|_| rng.next_log_normal(50.0, 0.3))
            .collect();
        samples.sort_by(f64::total_cmp);
        let median = samples[10_000];
        assert!((median - 50.0).abs() < 1.5, "median {median}");
    }

    #[test]
    fn every_budgeted_group_gets_at_least_fifty_samples() {
        let mut counts = std::collections::BTreeMap::<(String, String), usize>::new();
        for spec in example_files() {
            for step in spec.tool.steps {
                *counts
                    .entry((spec.tool.tool.into(), step.step.into()))
                    .or_default() += spec.sessions * step.repeats;
            }
        }
        assert_eq!(counts.len(), 8);
        assert!(counts.values().all(|&n| n >= 50), "{counts:?}");
    }

    #[test]
    fn broken_lines_are_spliced_in() {
        let a2a = example_files()
            .into_iter()
            .find(|s| s.tool.tool == "a2a")
            .unwrap();
        let lines = generate_lines(&a2a).unwrap();
        assert_eq!(lines.len(), 90 * 3 + 4);
        assert!(lines.iter().any(|l| l.contains(r#""ts":"yesterday""#)));
    }
}
