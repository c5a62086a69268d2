//! Go `testing` benchmark text (golang.org/design/14313-benchmark-format).
//!
//! `BenchmarkName/sub-8  N  v ns/op [v unit]...` gives one record per line (per `-count`
//! run) with `ms` = `ns/op` / 1e6: a mean over `b.N` iterations, the finest figure Go prints.
//! `key: value` configuration lines (`pkg:`, `goos:`, `cpu:`) set the fields of the results
//! after them.

use std::io::BufRead;

use perf_record::Outcome;

use super::for_each_line;
use crate::{Context, ImportError};

#[derive(Default)]
struct Configuration {
    pkg: String,
    goos: String,
    goarch: String,
    cpu: String,
}

pub(crate) fn import<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let mut configuration = Configuration::default();
    let mut tool = String::new();
    let mut step = String::new();
    for_each_line(reader, context, |line, number, context| {
        let Ok(text) = std::str::from_utf8(line) else {
            return context.reject(Some(number), None, "not UTF-8");
        };
        if let Some(rest) = text.strip_prefix("Benchmark")
            && rest
                .chars()
                .next()
                .is_none_or(|first| !first.is_lowercase())
        {
            return result_line(text, number, &configuration, context, &mut tool, &mut step);
        }
        if let Some((key, value)) = text.split_once(':')
            && !key.is_empty()
            && key.starts_with(|first: char| first.is_lowercase())
            && !key.contains(char::is_whitespace)
        {
            let value = value.trim().to_owned();
            match key {
                "pkg" => configuration.pkg = value,
                "goos" => configuration.goos = value,
                "goarch" => configuration.goarch = value,
                "cpu" => configuration.cpu = value,
                _ => {}
            }
            context.skip("configuration");
            return Ok(());
        }
        context.skip("not-a-result");
        Ok(())
    })
}

fn result_line(
    text: &str,
    number: u64,
    configuration: &Configuration,
    context: &mut Context<'_>,
    tool: &mut String,
    step: &mut String,
) -> Result<(), ImportError> {
    let mut words = text.split_whitespace();
    let Some(full_name) = words.next() else {
        return context.reject(Some(number), None, "empty benchmark name");
    };
    let Some(iterations) = words.next() else {
        // `go test -v` prints the bare name before the result line.
        context.skip("not-a-result");
        return Ok(());
    };
    if iterations.parse::<u64>().is_err() {
        // `BenchmarkX --- FAIL` and log output.
        context.skip("not-a-result");
        return Ok(());
    }
    let mut ns_per_op = None;
    while let (Some(value), Some(unit)) = (words.next(), words.next()) {
        if unit == "ns/op" {
            match value.parse::<f64>() {
                Ok(value) => ns_per_op = Some(value),
                Err(_) => {
                    return context.reject(
                        Some(number),
                        None,
                        format!("ns/op value {value:?} is not a number"),
                    );
                }
            }
        }
    }
    let Some(ns_per_op) = ns_per_op else {
        return context.reject(Some(number), None, "no ns/op value");
    };
    let name = full_name.strip_prefix("Benchmark").unwrap_or(full_name);
    let (name, procs) = split_procs(name);
    let (top, sub) = name.split_once('/').unwrap_or((name, ""));
    context.names(
        |field| match field {
            "name" => Some(name),
            "top" => Some(top),
            "sub" => Some(sub),
            "procs" => Some(procs),
            "pkg" => Some(configuration.pkg.as_str()),
            "goos" => Some(configuration.goos.as_str()),
            "goarch" => Some(configuration.goarch.as_str()),
            "cpu" => Some(configuration.cpu.as_str()),
            _ => None,
        },
        tool,
        step,
    );
    let ts = context.config.timestamp;
    context.sample(
        ts,
        tool,
        step,
        ns_per_op / 1e6,
        Outcome::Success,
        Some(number),
    )
}

/// `Join/builder/n=10-2` -> (`Join/builder/n=10`, `2`): the suffix is GOMAXPROCS (absent with
/// `-cpu 1`). Only a suffix after the last `/` counts, so `n=10-2` keeps its `n=10`.
fn split_procs(name: &str) -> (&str, &str) {
    match name.rsplit_once('-') {
        Some((base, procs))
            if !base.is_empty()
                && !procs.is_empty()
                && procs.bytes().all(|byte| byte.is_ascii_digit())
                && !procs.contains('/') =>
        {
            (base, procs)
        }
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::split_procs;

    #[test]
    fn procs_suffix_is_split_off_only_when_numeric() {
        assert_eq!(
            split_procs("Join/builder/n=10-2"),
            ("Join/builder/n=10", "2")
        );
        assert_eq!(split_procs("Fields"), ("Fields", ""));
        assert_eq!(split_procs("Sort/n=-5"), ("Sort/n=", "5"));
        assert_eq!(split_procs("Dash-x"), ("Dash-x", ""));
    }
}
