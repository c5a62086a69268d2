//! `cargo xtask man`: the man pages of `perf-gate` and each of its commands, generated from the
//! clap definition (clap_mangen), so they never drift from `--help`.

use anyhow::{Context as _, Result};
use camino::{Utf8Path, Utf8PathBuf};

/// Writes `perf-gate.1` and one `perf-gate-COMMAND.1` per (sub)command into `out`; returns the
/// files written.
pub fn run(out: &Utf8Path) -> Result<Vec<Utf8PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {out}"))?;
    let mut written = Vec::new();
    write_pages(
        &perf_gate_cli::command(),
        "perf-gate",
        "perf-gate",
        out,
        &mut written,
    )?;
    Ok(written)
}

/// `name` is the page's name (`perf-gate-baseline-save`), `invocation` how it is typed
/// (`perf-gate baseline save`).
fn write_pages(
    command: &clap::Command,
    name: &str,
    invocation: &str,
    out: &Utf8Path,
    written: &mut Vec<Utf8PathBuf>,
) -> Result<()> {
    let command = command
        .clone()
        .display_name(name.to_owned())
        .bin_name(invocation.to_owned());
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .title(name.to_owned())
        .render(&mut page)
        .with_context(|| format!("cannot render the man page of {name}"))?;
    let path = out.join(format!("{name}.1"));
    perf_record::write_atomically(&path, |file| file.write_all(&page))
        .with_context(|| format!("cannot write {path}"))?;
    written.push(path);
    for sub in command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
    {
        write_pages(
            sub,
            &format!("{name}-{}", sub.get_name()),
            &format!("{invocation} {}", sub.get_name()),
            out,
            written,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_gets_a_page_that_documents_its_flags() {
        let tree = tempfile::tempdir().unwrap();
        let out = Utf8Path::from_path(tree.path()).unwrap();
        let written = run(out).unwrap();
        let names: Vec<&str> = written.iter().filter_map(|path| path.file_name()).collect();
        for expected in [
            "perf-gate.1",
            "perf-gate-gate.1",
            "perf-gate-completions.1",
            "perf-gate-baseline-ratchet.1",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        let gate = std::fs::read_to_string(out.join("perf-gate-gate.1")).unwrap();
        assert!(gate.starts_with(".ie \\n(.g .ds Aq"), "{}", &gate[..80]);
        assert!(
            gate.contains("baseline\\-if\\-exists"),
            "the gate page lists its flags"
        );
        assert!(
            gate.contains("PERF_GATE_BUDGETS"),
            "and the environment variables they read"
        );
    }
}
