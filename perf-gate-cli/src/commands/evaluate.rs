//! `perf-gate evaluate` and `perf-gate gate`.

use anyhow::Result;
use perf_gate::GateConfig;

use super::{Context, budgets_path, comparison_settings, load_budgets, print_stdout, read_groups};
use crate::cli::{EvaluateArgs, GateArgs, ReportFormat};
use crate::diagnostics::{collect_config, scope};
use crate::output::{
    ArtifactsDirectory, GithubActions, Rendering, annotation_path, job_summary, render_report,
    write_artifacts, write_file,
};
use perf_report::render::escape;

/// `perf-gate evaluate`.
pub fn run_evaluate(args: &EvaluateArgs, context: Context) -> Result<u8> {
    let budgets_file = budgets_path(args.budgets.as_deref())?;
    let budgets = load_budgets(Some(&budgets_file), args.min_samples)?;
    let budgets = match args.latency_of {
        Some(latency_of) => budgets.with_latency_of(latency_of),
        None => budgets,
    };
    let groups = read_groups(&args.inputs, &args.filter, args.memory_limit, context)?;
    let config = GateConfig {
        scope: scope(&args.filter),
        // Only the formats that draw or sum the distributions need them (the --json,
        // --markdown and --junit files do not).
        distributions: matches!(
            args.format,
            ReportFormat::Openmetrics | ReportFormat::Prometheus | ReportFormat::Html
        ),
        ..GateConfig::default()
    };
    let report =
        perf_gate::gate_with_reported(&budgets, None, &groups.groups, &groups.reported, &config)?;
    let budget_file = annotation_path(&budgets_file);
    let rendering = Rendering {
        color: context.color,
        max_bytes: args.markdown.max_bytes,
        files: perf_report::render::github::GithubConfig {
            budget_file: Some(&budget_file),
            baseline_file: None,
        },
    };
    for (path, format) in [
        (&args.files.json, ReportFormat::Json),
        (&args.files.markdown, ReportFormat::Markdown),
        (&args.files.junit, ReportFormat::Junit),
    ] {
        if let Some(path) = path {
            let plain = Rendering {
                color: false,
                ..rendering
            };
            write_file(path, &render_report(&report, format, plain)?)?;
        }
    }
    print_stdout(&render_report(&report, args.format, rendering)?)?;
    Ok(report.verdict().exit_code())
}

/// The baseline `gate` compares with: `--baseline` (which must exist), `--baseline-if-exists`
/// (skipped with a note while missing), or none; comparison options without a baseline warn.
fn load_gate_baseline(
    args: &GateArgs,
    context: Context,
) -> Result<Option<perf_baseline::Baseline>> {
    let path = match (&args.baseline, &args.baseline_if_exists) {
        (Some(path), _) => {
            if !path.exists() {
                anyhow::bail!(
                    "baseline file {} does not exist: create it with `perf-gate baseline save LOGS --out {}`, \
                     or pass --baseline-if-exists {} to gate on the budgets alone until it exists",
                    escape::ascii(path.as_str()),
                    escape::ascii(path.as_str()),
                    escape::ascii(path.as_str()),
                );
            }
            path
        }
        (None, Some(path)) if path.exists() => path,
        (None, Some(path)) => {
            context.diagnostics.note(&format!(
                "note: no baseline at {} yet (--baseline-if-exists): gating on the budgets alone; \
                 create it with `perf-gate baseline save LOGS --out {}`",
                escape::ascii(path.as_str()),
                escape::ascii(path.as_str()),
            ));
            return Ok(None);
        }
        (None, None) => {
            let given = args.comparison.given();
            if !given.is_empty() {
                context.diagnostics.note(&format!(
                    "warning: {} only change(s) a baseline comparison, and no --baseline is given",
                    given.join(", ")
                ));
            }
            return Ok(None);
        }
    };
    Ok(Some(perf_baseline::load(path)?))
}

/// `perf-gate gate`.
pub fn run_gate(args: &GateArgs, context: Context) -> Result<u8> {
    let budgets_file = budgets_path(args.budgets.as_deref())?;
    let budgets = load_budgets(Some(&budgets_file), args.min_samples)?;
    let budgets = match args.latency_of {
        Some(latency_of) => budgets.with_latency_of(latency_of),
        None => budgets,
    };
    // Load the baseline before reading logs: a bad baseline file is a configuration error that
    // should not wait for a long collection.
    let baseline = load_gate_baseline(args, context)?;
    let sample_limit = args
        .memory_limit
        .unwrap_or(perf_collect::DEFAULT_SAMPLE_MEMORY_LIMIT);
    // Every file of the run goes into one staged set, swapped in after the reports.
    let artifacts = ArtifactsDirectory::stage(&args.out_dir)?;
    let probed = args
        .probe
        .as_deref()
        .map(|plan| {
            let plan = perf_probe::Plan::load(plan.as_std_path())?;
            super::probe::probe_to(
                &plan,
                &args.probe_load,
                &artifacts.staged("probe.jsonl"),
                &artifacts.committed("probe.jsonl"),
                context,
            )
        })
        .transpose()?;
    let ran = args
        .run_plan
        .as_deref()
        .map(|plan| {
            super::run::run_plan_file(
                plan,
                &artifacts.staged("run.jsonl"),
                &artifacts.committed("run.jsonl"),
                context,
            )
        })
        .transpose()?;
    // The staged set is tagged, so a walk skips it; the committed names are excluded for an
    // artifacts directory an older version wrote without the tag.
    let config = collect_config(
        &args.filter,
        ["latest.jsonl", "probe.jsonl", "run.jsonl"]
            .map(|name| artifacts.committed(name))
            .into(),
        context.diagnostics,
    )?;
    // One pass over the logs, also for `--write-latest` (stdin can be read only once anyway).
    let mut reported = Default::default();
    let (mut groups, collection) = if args.roots.is_empty() {
        (Default::default(), None)
    } else if args.filter.from.is_some() {
        let input = super::read_groups(&args.roots, &args.filter, sample_limit, context)?;
        reported = input.reported;
        (input.groups, None)
    } else if args.write_latest {
        let (groups, collection) = perf_gate::read_groups_and_records(
            &args.roots,
            &config,
            &perf_collect::SortConfig {
                memory_limit: args
                    .memory_limit
                    .unwrap_or(perf_collect::DEFAULT_MEMORY_LIMIT),
                // The same file system as latest.jsonl, tagged, removed at the commit.
                temp_dir: Some(artifacts.staged_directory().to_path_buf()),
            },
            &super::sample_memory(sample_limit),
        )?;
        context.diagnostics.scan_report(&collection.report);
        (groups, Some(collection))
    } else {
        let read = perf_gate::read_groups_within(
            &args.roots,
            &config,
            &super::sample_memory(sample_limit),
        )?;
        context.diagnostics.scan_report(&read.report);
        (read.groups, None)
    };
    if let Some(ran) = ran {
        // The commands' groups are judged with the logs' (and the probe's) like any others.
        for (key, samples) in ran.groups {
            groups.entry(key).or_default().append(samples);
        }
    }
    let gate_config = GateConfig {
        comparison: comparison_settings(&args.comparison),
        scope: scope(&args.filter),
        ..GateConfig::default()
    };
    let (report, groups) = match probed {
        Some(mut probed) => {
            // Logs given beside the probe are judged with its groups.
            for (key, group) in std::mem::take(&mut groups) {
                let samples = group.into_samples()?;
                probed.groups.entry(key).or_default().merge(&samples);
            }
            let report = perf_gate::gate_probed(
                &budgets,
                baseline.as_ref(),
                &probed,
                &reported,
                &gate_config,
            )?;
            let groups = probed
                .groups
                .into_iter()
                .map(|(key, samples)| (key, perf_record::StoredGroup::from(samples)))
                .collect();
            (report, groups)
        }
        None if has_history_rules(&budgets) => {
            // The budgets' trend / consecutive rules read the history before the report.
            let mut store = super::history::open(&args.history)?;
            let report = perf_gate::gate_with_history(
                &budgets,
                baseline.as_ref(),
                &groups,
                &reported,
                &gate_config,
                &mut store,
            )?;
            (report, groups)
        }
        None => {
            let report = perf_gate::gate_with_reported(
                &budgets,
                baseline.as_ref(),
                &groups,
                &reported,
                &gate_config,
            )?;
            (report, groups)
        }
    };

    if let Some(collection) = collection {
        collection.write_jsonl(&artifacts.staged("latest.jsonl"))?;
        // Dropped here: its spilled runs leave the staged set before the commit.
    }
    let budget_file = annotation_path(&budgets_file);
    let baseline_file = args
        .baseline
        .as_deref()
        .or(args.baseline_if_exists.as_deref())
        .map(annotation_path);
    let rendering = Rendering {
        color: context.color,
        max_bytes: args.markdown.max_bytes,
        files: perf_report::render::github::GithubConfig {
            budget_file: Some(&budget_file),
            baseline_file: baseline_file.as_deref(),
        },
    };
    write_artifacts(artifacts.staged_directory(), &report, rendering)?;
    artifacts.commit(context.diagnostics)?;
    print_stdout(&render_report(&report, args.format, rendering)?)?;

    if let Some(github) = GithubActions::detect() {
        // An unwritable job summary must not change the gate's verdict or hide its annotations.
        if let Err(error) = github.append_step_summary(&job_summary(&report)) {
            context.diagnostics.note(&format!(
                "warning: {}",
                perf_report::render::escape::ascii(&crate::diagnostics::chain_line(error.as_ref()))
            ));
        }
        let annotations = perf_report::render::github::render(&report, &rendering.files);
        match args.format {
            ReportFormat::Github => {}
            // Beside a human report on stdout; the runner reads workflow commands there.
            ReportFormat::Text => print_stdout(&annotations)?,
            // Never mixed into a machine format: the runner reads stderr too.
            ReportFormat::Json
            | ReportFormat::Markdown
            | ReportFormat::Junit
            | ReportFormat::Openmetrics
            | ReportFormat::Prometheus
            | ReportFormat::Html => {
                use std::io::Write as _;
                let _ = std::io::stderr().lock().write_all(annotations.as_bytes());
            }
        }
    }
    context.diagnostics.note(&format!(
        "artifacts written to {}",
        escape::line(args.out_dir.as_str())
    ));
    if args.record_history {
        // After every report is written: the report is final, recording changes nothing in it.
        let mut store = super::history::open(&args.history)?;
        let provenance = super::history::provenance(&args.provenance, Some(&budgets_file))?;
        let id = perf_gate::record_gate_run(&mut store, &report, &budgets, &groups, &provenance)?;
        context.diagnostics.note(&format!(
            "recorded run {id} in {}",
            perf_report::render::escape::ascii(&store.location().to_string())
        ));
    }
    if let Some(gateway) = &args.push_gateway {
        // Asked for explicitly, so a failed push fails the run (exit 1), after the report and
        // the artifacts are out.
        let target = crate::push::PushTarget {
            gateway: gateway.clone(),
            job: args.push_job.clone(),
            labels: args.push_labels.clone(),
            timeout: args.push_timeout,
        };
        super::push::push_report(&target, &report, context)?;
    }
    Ok(report.verdict().exit_code())
}

/// Whether any budget entry has a rule over the run history.
fn has_history_rules(budgets: &perf_budget::Budgets) -> bool {
    budgets
        .entries()
        .iter()
        .any(|entry| entry.trend.is_some() || entry.consecutive.is_some())
}
