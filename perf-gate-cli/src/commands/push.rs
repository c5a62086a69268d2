//! `perf-gate push`, and the push of `gate --push-gateway`.

use anyhow::{Context as _, Result};
use perf_report::Report;
use perf_report::render::openmetrics::{ExpositionFormat, render};

use super::Context;
use crate::cli::PushArgs;
use crate::push::{PushTarget, grouping_path, push};

/// `perf-gate push`: the metrics file, as it is, to the gateway.
pub fn run(args: &PushArgs, context: Context) -> Result<u8> {
    let body = std::fs::read_to_string(&args.metrics_file)
        .with_context(|| format!("cannot read the metrics file {}", args.metrics_file))?;
    let target = PushTarget {
        gateway: args.gateway.clone(),
        job: args.job.clone(),
        labels: args.labels.clone(),
        timeout: args.timeout,
    };
    send(&target, body, context)?;
    Ok(perf_report::ExitCode::PASS)
}

/// The report's metrics (Prometheus text) to the gateway.
pub fn push_report(target: &PushTarget, report: &Report, context: Context) -> Result<()> {
    send(
        target,
        render(report, ExpositionFormat::Prometheus),
        context,
    )
}

fn send(target: &PushTarget, body: String, context: Context) -> Result<()> {
    let bytes = body.len();
    push(target, body)?;
    context.diagnostics.note(&format!(
        "pushed {bytes} bytes to the Pushgateway group {}",
        perf_report::render::escape::ascii(&grouping_path(&target.job, &target.labels))
    ));
    Ok(())
}
