//! `perf-gate probe`, and the probe half of `perf-gate gate --probe`.

use anyhow::{Context as _, Result};
use camino::Utf8Path;
use perf_gate::Probed;
use perf_probe::{ApiKey, LoadArgs, Plan, QuickPlan, SecretSource};
use perf_report::ExitCode;

use super::Context;
use crate::cli::{ProbeArgs, ProbeLoadArgs};

/// `perf-gate probe`: the records go to `--out`, the summary to stderr.
pub fn run(args: &ProbeArgs, context: Context) -> Result<u8> {
    let plan = match &args.plan {
        Some(path) => Plan::load(path.as_std_path())?,
        None => Plan::quick(&quick_plan(args))?,
    };
    let probed = probe_to(&plan, &args.load, &args.out, &args.out, context)?;
    Ok(if probed.outcome.self_check.generator_bottleneck {
        ExitCode::INCONCLUSIVE
    } else {
        ExitCode::PASS
    })
}

/// Runs the plan with the command line's load options over the plan's, writes every record to
/// `out` atomically, and prints the probe's summary on stderr (naming the file `shown`: where
/// `out` ends up).
pub fn probe_to(
    plan: &Plan,
    load: &ProbeLoadArgs,
    out: &Utf8Path,
    shown: &Utf8Path,
    context: Context,
) -> Result<Probed> {
    let config = perf_probe::validate(&plan.load.overridden_by(&load_args(load)?))?;
    let mut probed = None;
    perf_record::write_atomically(out, |writer| {
        let result = perf_gate::probe(plan, &config, writer).map_err(std::io::Error::other);
        probed = Some(result?);
        Ok(())
    })
    .map_err(
        |error| match error.source.downcast::<perf_probe::ProbeError>() {
            // The probe failed, not the file: report the probe's error, with its cause.
            Ok(probe_error) => anyhow::Error::new(probe_error),
            Err(source) => anyhow::Error::new(perf_record::WriteError {
                path: error.path,
                source,
            }),
        },
    )?;
    let probed = probed.context("the probe wrote no records")?;
    context
        .diagnostics
        .note(&perf_probe::render_summary(&probed.outcome));
    context.diagnostics.note(&format!(
        "probe records written to {}",
        perf_report::render::escape::line(shown.as_str())
    ));
    Ok(probed)
}

fn quick_plan(args: &ProbeArgs) -> QuickPlan {
    let source = match (&args.api_key_env, &args.api_key_file) {
        (Some(variable), _) => Some(SecretSource::Env(variable.clone())),
        (None, Some(path)) => Some(SecretSource::File(path.clone().into_std_path_buf())),
        (None, None) => None,
    };
    QuickPlan {
        base_url: args.base_url.clone().unwrap_or_default(),
        paths: args.get.clone(),
        tool: args.tool.clone(),
        api_key: source.map(|source| ApiKey {
            source,
            header: args.api_key_header.clone(),
            prefix: String::new(),
        }),
        http_version: Default::default(),
    }
}

/// The command line's load options in the probe's terms; `--warmup` is a request count or a
/// duration.
fn load_args(load: &ProbeLoadArgs) -> Result<LoadArgs> {
    let (warmup_requests, warmup_duration) = match load.warmup.as_deref() {
        None => (None, None),
        Some(text) => match text.parse::<u64>() {
            Ok(count) => (Some(count), None),
            Err(_) => (
                None,
                Some(perf_probe::parse_duration(text).with_context(|| {
                    format!(
                        "--warmup {text:?} is neither a request count nor a duration such as 5s"
                    )
                })?),
            ),
        },
    };
    Ok(LoadArgs {
        rate: load.rate,
        concurrency: load.concurrency,
        max_in_flight: load.max_in_flight,
        samples: load.samples,
        duration: load.duration,
        warmup_requests,
        warmup_duration,
        seed: load.seed,
        timeout: load.timeout,
        connect_timeout: load.connect_timeout,
        session_id: load.session_id.clone(),
        max_lag_p99: load.max_lag_p99,
        max_oversleep_p99: load.max_oversleep_p99,
    })
}
