//! The run plan: which commands, how often, in which order, with which limits.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Measured runs of each command unless the plan or the command says otherwise.
pub const DEFAULT_RUNS: u32 = 10;
/// Warm-up runs of each command (written with `"phase":"warmup"`, left out of the statistics):
/// the first run pays for cold caches and page faults of the binary.
pub const DEFAULT_WARMUP: u32 = 1;
/// A run still going after this long is killed and recorded as `timeout`: a hung command must
/// not hang the CI job.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// The records' `tool` when a command names none.
pub const DEFAULT_TOOL: &str = "run";

/// The largest plan file read (a plan is a few lines; this bounds a mistaken path).
const MAX_PLAN_BYTES: u64 = 1 << 20;

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The commands, in plan order.
    pub commands: Vec<CommandSpec>,
    /// Measured runs of a command that does not say (`runs`).
    pub runs: u32,
    /// Warm-up runs of a command that does not say (`warmup`).
    pub warmup: u32,
    /// Shuffle the commands' order in each round with this seed (default: plan order).
    pub shuffle_seed: Option<u64>,
    /// Per-run timeout of a command that does not say; `None` is no limit.
    pub timeout: Option<Duration>,
}

/// One command of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandSpec {
    /// The records' `tool` (default [`DEFAULT_TOOL`]).
    pub tool: String,
    /// The records' `step` (default: the name, else the program's file name).
    pub step: String,
    /// The program and its arguments, run without a shell.
    pub argv: Vec<OsString>,
    /// Environment variables set for the command (beside the inherited ones).
    pub env: Vec<(OsString, OsString)>,
    /// The working directory (default: perf-gate's).
    pub cwd: Option<PathBuf>,
    /// Its measured runs (default: the plan's).
    pub runs: Option<u32>,
    /// Its warm-up runs (default: the plan's).
    pub warmup: Option<u32>,
    /// Its timeout (default: the plan's); `Some(None)` is no limit.
    pub timeout: Option<Option<Duration>>,
}

/// A plan that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file could not be read.
    #[error("cannot read the run plan {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than any plan.
    #[error("the run plan {} is larger than {MAX_PLAN_BYTES} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// Not valid TOML, or fields of the wrong shape.
    #[error("invalid run plan")]
    Toml(#[source] toml::de::Error),
    /// A duration that does not read (`"10s"`, `"2m"`, `"none"`).
    #[error("{field}: invalid duration {value:?}")]
    Duration {
        /// Where.
        field: String,
        /// The text.
        value: String,
        /// Why.
        #[source]
        source: humantime::DurationError,
    },
    /// Shape or value checks.
    #[error("{field}: {problem}")]
    Invalid {
        /// Where (`command[2].argv`).
        field: String,
        /// What is wrong.
        problem: String,
    },
}

impl CommandSpec {
    /// A command with the default tool, the program's file name as step, and the plan's runs,
    /// warm-up and timeout.
    pub fn new(argv: Vec<OsString>) -> CommandSpec {
        let step = argv
            .first()
            .map(|program| program_name(program))
            .unwrap_or_default();
        CommandSpec {
            tool: DEFAULT_TOOL.to_owned(),
            step,
            argv,
            env: Vec::new(),
            cwd: None,
            runs: None,
            warmup: None,
            timeout: None,
        }
    }

    /// The command line for messages: the arguments, space-separated, as text.
    pub fn display_argv(&self) -> String {
        let words: Vec<String> = self
            .argv
            .iter()
            .map(|word| word.to_string_lossy().into_owned())
            .collect();
        words.join(" ")
    }
}

/// The file name of a program path (`/usr/bin/sleep` -> `sleep`).
pub fn program_name(program: &std::ffi::OsStr) -> String {
    Path::new(program)
        .file_name()
        .unwrap_or(program)
        .to_string_lossy()
        .into_owned()
}

impl Plan {
    /// A plan of `commands` with the default runs, warm-up and timeout, in plan order.
    pub fn new(commands: Vec<CommandSpec>) -> Plan {
        Plan {
            commands,
            runs: DEFAULT_RUNS,
            warmup: DEFAULT_WARMUP,
            shuffle_seed: None,
            timeout: Some(DEFAULT_TIMEOUT),
        }
    }

    /// Reads and checks a TOML plan file; relative `cwd`s are relative to the file's directory.
    ///
    /// # Errors
    /// [`PlanError`] naming the file, the field and the problem.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        let read_error = |source| PlanError::Read {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut text = String::new();
        let read = std::io::Read::read_to_string(
            &mut std::io::Read::take(file, MAX_PLAN_BYTES + 1),
            &mut text,
        )
        .map_err(read_error)?;
        if read as u64 > MAX_PLAN_BYTES {
            return Err(PlanError::TooLarge {
                path: path.to_owned(),
            });
        }
        Plan::parse(&text, path.parent().unwrap_or(Path::new(".")))
    }

    /// Parses and checks a TOML plan; relative `cwd`s are joined to `base_dir`.
    ///
    /// ```
    /// let plan = perf_run::Plan::parse(r#"
    ///     runs = 5
    ///     [[command]]
    ///     name = "short"
    ///     argv = ["sleep", "0.01"]
    ///     [[command]]
    ///     tool = "shell"
    ///     argv = ["sh", "-c", "exit 0"]
    /// "#, std::path::Path::new("."))?;
    /// assert_eq!(plan.commands[0].step, "short");
    /// assert_eq!(plan.commands[1].step, "sh");
    /// # Ok::<(), perf_run::PlanError>(())
    /// ```
    ///
    /// # Errors
    /// [`PlanError`] naming the field and the problem.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Plan, PlanError> {
        let file: PlanFile = toml::from_str(text).map_err(PlanError::Toml)?;
        let mut plan = Plan::new(Vec::new());
        if let Some(runs) = file.runs {
            plan.runs = runs;
        }
        if let Some(warmup) = file.warmup {
            plan.warmup = warmup;
        }
        plan.shuffle_seed = file.shuffle_seed;
        if let Some(text) = &file.timeout {
            plan.timeout = parse_timeout("timeout", text)?;
        }
        for (index, command) in file.command.into_iter().enumerate() {
            let field = |name: &str| format!("command[{index}].{name}");
            if command.name.is_some() && command.step.is_some() {
                return Err(PlanError::Invalid {
                    field: field("name"),
                    problem: "give name or step, not both (the name is the step)".to_owned(),
                });
            }
            let mut spec = CommandSpec::new(command.argv.into_iter().map(OsString::from).collect());
            if let Some(tool) = command.tool {
                spec.tool = tool;
            }
            if let Some(step) = command.name.or(command.step) {
                spec.step = step;
            }
            spec.env = command
                .env
                .into_iter()
                .map(|(key, value)| (OsString::from(key), OsString::from(value)))
                .collect();
            spec.cwd = command.cwd.map(|cwd| base_dir.join(cwd));
            spec.runs = command.runs;
            spec.warmup = command.warmup;
            if let Some(text) = &command.timeout {
                spec.timeout = Some(parse_timeout(&field("timeout"), text)?);
            }
            plan.commands.push(spec);
        }
        plan.validate()?;
        Ok(plan)
    }

    /// Checks what the types do not: at least one command, each with a program, a tool and a
    /// step, at least one measured run, no two commands in one tool/step group, no zero
    /// timeout.
    ///
    /// # Errors
    /// [`PlanError::Invalid`] naming the first problem.
    pub fn validate(&self) -> Result<(), PlanError> {
        let invalid = |field: String, problem: &str| {
            Err(PlanError::Invalid {
                field,
                problem: problem.to_owned(),
            })
        };
        if self.commands.is_empty() {
            return invalid("command".to_owned(), "the plan has no command");
        }
        if self.timeout == Some(Duration::ZERO) {
            return invalid("timeout".to_owned(), "must be more than 0 (or \"none\")");
        }
        let mut groups = BTreeSet::new();
        for (index, command) in self.commands.iter().enumerate() {
            let field = |name: &str| format!("command[{index}].{name}");
            if command
                .argv
                .first()
                .is_none_or(|program| program.is_empty())
            {
                return invalid(field("argv"), "needs a program");
            }
            if command.tool.is_empty() {
                return invalid(field("tool"), "must not be empty");
            }
            if command.step.is_empty() {
                return invalid(field("step"), "must not be empty");
            }
            if self.runs_of(command) == 0 {
                return invalid(field("runs"), "needs at least one measured run");
            }
            if command.timeout == Some(Some(Duration::ZERO)) {
                return invalid(field("timeout"), "must be more than 0 (or \"none\")");
            }
            if !groups.insert((command.tool.as_str(), command.step.as_str())) {
                return Err(PlanError::Invalid {
                    field: field("step"),
                    problem: format!(
                        "a second command in the group {}/{} (give each a --name or step)",
                        command.tool, command.step
                    ),
                });
            }
        }
        Ok(())
    }

    /// The measured runs of `command`.
    pub fn runs_of(&self, command: &CommandSpec) -> u32 {
        command.runs.unwrap_or(self.runs)
    }

    /// The warm-up runs of `command`.
    pub fn warmup_of(&self, command: &CommandSpec) -> u32 {
        command.warmup.unwrap_or(self.warmup)
    }

    /// The timeout of `command`; `None` is no limit.
    pub fn timeout_of(&self, command: &CommandSpec) -> Option<Duration> {
        command.timeout.unwrap_or(self.timeout)
    }
}

/// `"none"` is no limit; anything else a humantime duration.
fn parse_timeout(field: &str, text: &str) -> Result<Option<Duration>, PlanError> {
    if text.trim() == "none" {
        return Ok(None);
    }
    humantime::parse_duration(text.trim())
        .map(Some)
        .map_err(|source| PlanError::Duration {
            field: field.to_owned(),
            value: text.to_owned(),
            source,
        })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    runs: Option<u32>,
    warmup: Option<u32>,
    shuffle_seed: Option<u64>,
    timeout: Option<String>,
    #[serde(default)]
    command: Vec<CommandFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandFile {
    name: Option<String>,
    tool: Option<String>,
    step: Option<String>,
    argv: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    cwd: Option<PathBuf>,
    runs: Option<u32>,
    warmup: Option<u32>,
    timeout: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Plan, PlanError> {
        Plan::parse(text, Path::new("/plans"))
    }

    #[test]
    fn a_full_plan_reads_with_its_defaults_applied() {
        let plan = parse(
            r#"
            runs = 3
            warmup = 0
            shuffle_seed = 7
            timeout = "30s"
            [[command]]
            name = "parse"
            tool = "perf-gate"
            argv = ["perf-gate", "summarize", "x.jsonl"]
            cwd = "work"
            env = { LANG = "C" }
            runs = 50
            timeout = "none"
            [[command]]
            argv = ["/usr/bin/sleep", "0.1"]
            warmup = 2
            "#,
        )
        .unwrap();
        assert_eq!(plan.runs, 3);
        assert_eq!(plan.warmup, 0);
        assert_eq!(plan.shuffle_seed, Some(7));
        assert_eq!(plan.timeout, Some(Duration::from_secs(30)));
        let [parse, sleep] = &plan.commands[..] else {
            panic!("two commands: {plan:?}")
        };
        assert_eq!(
            (parse.tool.as_str(), parse.step.as_str()),
            ("perf-gate", "parse")
        );
        assert_eq!(parse.cwd.as_deref(), Some(Path::new("/plans/work")));
        assert_eq!(parse.env, [(OsString::from("LANG"), OsString::from("C"))]);
        assert_eq!(plan.runs_of(parse), 50);
        assert_eq!(plan.timeout_of(parse), None);
        assert_eq!((sleep.tool.as_str(), sleep.step.as_str()), ("run", "sleep"));
        assert_eq!(plan.runs_of(sleep), 3);
        assert_eq!(plan.warmup_of(sleep), 2);
        assert_eq!(plan.timeout_of(sleep), Some(Duration::from_secs(30)));
    }

    #[test]
    fn bad_plans_name_the_field() {
        let cases = [
            ("", "command: the plan has no command"),
            ("[[command]]\nargv = []", "command[0].argv: needs a program"),
            (
                "[[command]]\nargv = [\"\"]",
                "command[0].argv: needs a program",
            ),
            (
                "[[command]]\nargv = [\"x\"]\ntool = \"\"",
                "command[0].tool: must not be empty",
            ),
            (
                "runs = 0\n[[command]]\nargv = [\"x\"]",
                "command[0].runs: needs at least one",
            ),
            (
                "timeout = \"0s\"\n[[command]]\nargv = [\"x\"]",
                "timeout: must be more than 0",
            ),
            (
                "[[command]]\nargv = [\"x\"]\ntimeout = \"soon\"",
                "command[0].timeout: invalid duration",
            ),
            (
                "[[command]]\nargv = [\"x\"]\nname = \"a\"\nstep = \"b\"",
                "command[0].name: give name or step",
            ),
            (
                "[[command]]\nargv = [\"x\", \"1\"]\n[[command]]\nargv = [\"x\", \"2\"]",
                "command[1].step: a second command in the group run/x",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{text:?}: {error}");
        }
        let unknown = parse("[[command]]\nargv = [\"x\"]\nrepeat = 3").unwrap_err();
        assert!(matches!(unknown, PlanError::Toml(_)), "{unknown}");
        let source = std::error::Error::source(&unknown).unwrap().to_string();
        assert!(source.contains("repeat"), "{source}");
    }

    #[test]
    fn a_huge_file_is_refused_before_parsing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.toml");
        std::fs::write(&path, "#".repeat(MAX_PLAN_BYTES as usize + 1)).unwrap();
        assert!(matches!(Plan::load(&path), Err(PlanError::TooLarge { .. })));
        let missing = Plan::load(&dir.path().join("none.toml")).unwrap_err();
        assert!(matches!(missing, PlanError::Read { .. }), "{missing}");
    }
}
