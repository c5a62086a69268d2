//! Tidy tests (rust-analyzer's `xtask/src/tidy.rs` is the model): the architecture invariants
//! of `ARCHITECTURE.md` that a machine can check, read from `cargo metadata`.
//!
//! Only normal (and build) dependencies count: a test or a benchmark may use any crate.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::process::Command;

    use crate::workspace_root;

    /// The sources: they make records.
    const SOURCES: [&str; 5] = [
        "perf-collect",
        "perf-import",
        "perf-probe",
        "perf-recorder",
        "perf-run",
    ];
    /// The judges: they turn samples into a report section.
    const JUDGES: [&str; 3] = ["perf-budget", "perf-baseline", "perf-history"];
    /// Crates that know clap, terminals, colour or the process environment.
    const COMMAND_LINE_CRATES: [&str; 2] = ["clap", "indicatif"];
    /// Crates that open databases.
    const DATABASE_CRATES: [&str; 3] = ["rusqlite", "postgres", "tokio-postgres"];
    /// Crates that write output formats for people or CI systems.
    const FORMAT_CRATES: [&str; 3] = ["quick-junit", "quick-xml", "similar"];

    /// Each workspace member and the names of its normal dependencies.
    fn dependency_graph() -> BTreeMap<String, BTreeSet<String>> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = Command::new(cargo)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .current_dir(workspace_root())
            .output()
            .expect("cargo metadata runs");
        assert!(
            output.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let metadata: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
        let packages = metadata["packages"].as_array().expect("a package list");
        packages
            .iter()
            .map(|package| {
                let name = package["name"].as_str().expect("a name").to_owned();
                let dependencies = package["dependencies"]
                    .as_array()
                    .expect("a dependency list")
                    .iter()
                    .filter(|dependency| dependency["kind"].as_str() != Some("dev"))
                    .map(|dependency| dependency["name"].as_str().expect("a name").to_owned())
                    .collect();
                (name, dependencies)
            })
            .collect()
    }

    fn ours(name: &str) -> bool {
        name.starts_with("perf-")
    }

    /// Every (crate, dependency) edge that breaks a rule, with the rule.
    fn violations(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
        let mut found = Vec::new();
        let mut forbid = |krate: &str, dependency: &str, rule: &str| {
            found.push(format!("{krate} -> {dependency}: {rule}"));
        };
        for (krate, dependencies) in graph {
            let krate = krate.as_str();
            for dependency in dependencies {
                let dependency = dependency.as_str();
                if matches!(krate, "perf-record" | "perf-stats") && ours(dependency) {
                    forbid(
                        krate,
                        dependency,
                        "perf-record and perf-stats depend on no crate of ours",
                    );
                }
                if SOURCES.contains(&krate)
                    && (JUDGES.contains(&dependency)
                        || matches!(dependency, "perf-report" | "perf-gate" | "perf-gate-cli"))
                {
                    forbid(
                        krate,
                        dependency,
                        "sources never depend on a judge or on the report",
                    );
                }
                if JUDGES.contains(&krate)
                    && (SOURCES.contains(&dependency)
                        || matches!(dependency, "perf-report" | "perf-gate" | "perf-gate-cli"))
                {
                    forbid(
                        krate,
                        dependency,
                        "judges depend on no source, report or gate",
                    );
                }
                if JUDGES.contains(&krate) && FORMAT_CRATES.contains(&dependency) {
                    forbid(krate, dependency, "judges never format text for people");
                }
                if krate == "perf-report" && ours(dependency) {
                    let allowed = [
                        "perf-record",
                        "perf-stats",
                        "perf-budget",
                        "perf-baseline",
                        "perf-history",
                    ];
                    if !allowed.contains(&dependency) {
                        forbid(
                            krate,
                            dependency,
                            "perf-report depends only on the vocabulary and the judges",
                        );
                    }
                }
                if FORMAT_CRATES.contains(&dependency)
                    && !matches!(krate, "perf-report" | "perf-gate" | "xtask" | "tests")
                {
                    forbid(
                        krate,
                        dependency,
                        "perf-report is the only crate that knows an output format (ratchet's diff is perf-gate's)",
                    );
                }
                if COMMAND_LINE_CRATES.contains(&dependency)
                    && !matches!(krate, "perf-gate-cli" | "xtask" | "tests")
                {
                    forbid(
                        krate,
                        dependency,
                        "perf-gate-cli is the only crate that knows clap or terminals",
                    );
                }
                if DATABASE_CRATES.contains(&dependency)
                    && !matches!(krate, "perf-history" | "perf-gate-cli")
                {
                    forbid(krate, dependency, "only perf-history opens a database");
                }
                if krate == "perf-run" && ours(dependency) && dependency != "perf-record" {
                    forbid(
                        krate,
                        dependency,
                        "perf-run depends only on perf-record (its helper binary stays small)",
                    );
                }
                if krate == "perf-recorder"
                    && ours(dependency)
                    && !matches!(dependency, "perf-record" | "perf-stats")
                {
                    forbid(
                        krate,
                        dependency,
                        "perf-recorder depends only on perf-record and perf-stats",
                    );
                }
            }
            // Budgets and baselines meet in perf-gate; perf-report only renders both sections,
            // and the command line, xtask and the tests stand above the gate.
            let meets =
                dependencies.contains("perf-budget") && dependencies.contains("perf-baseline");
            if meets
                && !matches!(
                    krate,
                    "perf-gate" | "perf-report" | "perf-gate-cli" | "xtask" | "tests"
                )
            {
                forbid(
                    krate,
                    "perf-budget + perf-baseline",
                    "perf-gate is the only crate where budgets and baselines meet",
                );
            }
        }
        found
    }

    #[test]
    fn dependencies_point_the_way_architecture_md_says() {
        let graph = dependency_graph();
        assert!(graph.contains_key("perf-gate"), "{graph:?}");
        let found = violations(&graph);
        assert!(
            found.is_empty(),
            "architecture rules broken:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_rules_catch_a_broken_edge() {
        let graph = BTreeMap::from([
            (
                "perf-record".to_owned(),
                BTreeSet::from(["perf-stats".to_owned()]),
            ),
            (
                "perf-collect".to_owned(),
                BTreeSet::from(["perf-budget".to_owned()]),
            ),
            (
                "perf-budget".to_owned(),
                BTreeSet::from(["clap".to_owned()]),
            ),
            (
                "perf-recorder".to_owned(),
                BTreeSet::from(["perf-collect".to_owned()]),
            ),
            (
                "perf-import".to_owned(),
                BTreeSet::from(["perf-budget".to_owned(), "perf-baseline".to_owned()]),
            ),
            (
                "perf-run".to_owned(),
                BTreeSet::from(["perf-stats".to_owned(), "perf-report".to_owned()]),
            ),
        ]);
        let found = violations(&graph);
        for expected in [
            "perf-record -> perf-stats",
            "perf-collect -> perf-budget",
            "perf-budget -> clap",
            "perf-recorder -> perf-collect",
            "perf-import -> perf-budget + perf-baseline",
            "perf-run -> perf-stats",
            "perf-run -> perf-report",
        ] {
            assert!(
                found.iter().any(|line| line.starts_with(expected)),
                "{expected} not caught in {found:?}"
            );
        }
    }
}
