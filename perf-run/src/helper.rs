//! The launch helper: the small process between perf-run and the measured command.
//!
//! On Linux, `execve` copies the old address space's RSS high-water mark into the new program's
//! `maxrss`, so a command spawned straight from a big process (perf-gate holding 300 MB of
//! samples) reports the parent's size through `wait4` and `getrusage(RUSAGE_CHILDREN)`. The
//! helper is small: perf-run starts it (its own high-water mark starts fresh at its `execve`
//! except for that copy, which stays in the helper's `signal_struct` and never reaches its
//! children), and the helper starts the command, so the command inherits only the helper's
//! high-water mark. That mark is the method's floor (see the crate README for its measured
//! value).
//!
//! The exchange is one line each way, both written by this module:
//!
//! ```text
//! perf-run-helper [--timeout-ms N] [--cgroup DIR] [--show-output] -- PROGRAM ARGS...
//! ```
//!
//! The helper joins the cgroup `DIR` first when one is given (by writing `0` to its
//! `cgroup.procs`), starts `PROGRAM` with stdin from `/dev/null`, stdout and stderr discarded
//! (with `--show-output`: both to the helper's stderr), waits for it (sending `SIGKILL` through
//! a pidfd once `N` ms have passed), and prints one [`Report`] line on its stdout.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write as _};
use std::os::fd::AsFd as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The first word of every report line; a new field layout gets a new number.
pub const PROTOCOL: &str = "perf-run-helper/1";

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal (this number) ended it.
    Signal(i32),
    /// It was still running at the timeout and the helper killed it.
    Timeout,
}

impl fmt::Display for Exit {
    /// The record's `errorReason` spelling: `exit 3`, `signal 9`, `timeout`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exit {code}"),
            Exit::Signal(signal) => write!(f, "signal {signal}"),
            Exit::Timeout => f.write_str("timeout"),
        }
    }
}

/// What the helper measured of one finished command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// How it ended.
    pub exit: Exit,
    /// Wall time from just before the spawn to the reaping, in nanoseconds.
    pub wall_ns: u64,
    /// User CPU time of the command and the descendants it waited for, in microseconds.
    pub user_us: u64,
    /// System CPU time, in microseconds.
    pub sys_us: u64,
    /// `ru_maxrss`: the largest resident set of the command or a waited-for descendant, KiB.
    pub max_rss_kib: u64,
}

/// The helper's one line of answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// The command ran to its end (or was killed at the timeout).
    Done(Usage),
    /// The command could not be started (`errno` 0 when the error had none).
    SpawnError {
        /// The OS error number.
        errno: i32,
        /// The error's text.
        message: String,
    },
    /// The helper itself failed (bad arguments, cgroup, pidfd).
    Error(String),
}

impl Report {
    /// The report as its line (without `\n`).
    pub fn to_line(&self) -> String {
        match self {
            Report::Done(usage) => {
                let exit = match usage.exit {
                    Exit::Code(code) => format!("exit:{code}"),
                    Exit::Signal(signal) => format!("signal:{signal}"),
                    Exit::Timeout => "timeout:9".to_owned(),
                };
                format!(
                    "{PROTOCOL} done {exit} {} {} {} {}",
                    usage.wall_ns, usage.user_us, usage.sys_us, usage.max_rss_kib
                )
            }
            Report::SpawnError { errno, message } => {
                format!("{PROTOCOL} spawn-error {errno} {}", one_line(message))
            }
            Report::Error(message) => format!("{PROTOCOL} error {}", one_line(message)),
        }
    }

    /// Reads a report line (a trailing newline allowed); `None` for anything else.
    pub fn parse(line: &str) -> Option<Report> {
        let rest = line.trim_end_matches('\n').strip_prefix(PROTOCOL)?;
        let rest = rest.strip_prefix(' ')?;
        let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        match kind {
            "done" => {
                let mut fields = rest.split(' ');
                let (exit_kind, value) = fields.next()?.split_once(':')?;
                let value: i32 = value.parse().ok()?;
                let exit = match exit_kind {
                    "exit" => Exit::Code(value),
                    "signal" => Exit::Signal(value),
                    "timeout" => Exit::Timeout,
                    _ => return None,
                };
                let mut number = || fields.next()?.parse::<u64>().ok();
                let usage = Usage {
                    exit,
                    wall_ns: number()?,
                    user_us: number()?,
                    sys_us: number()?,
                    max_rss_kib: number()?,
                };
                fields.next().is_none().then_some(Report::Done(usage))
            }
            "spawn-error" => {
                let (errno, message) = rest.split_once(' ').unwrap_or((rest, ""));
                Some(Report::SpawnError {
                    errno: errno.parse().ok()?,
                    message: message.to_owned(),
                })
            }
            "error" => Some(Report::Error(rest.to_owned())),
            _ => None,
        }
    }
}

/// A message on one line: the protocol is line-based.
fn one_line(message: &str) -> String {
    message.replace(['\n', '\r'], " ")
}

/// What the helper was asked to do.
#[derive(Debug, Default, PartialEq)]
struct Request {
    timeout: Option<Duration>,
    cgroup: Option<PathBuf>,
    show_output: bool,
    program: OsString,
    args: Vec<OsString>,
}

fn parse_request(args: impl IntoIterator<Item = OsString>) -> Result<Request, String> {
    let mut args = args.into_iter();
    let mut request = Request::default();
    loop {
        let Some(arg) = args.next() else {
            return Err("expected `-- PROGRAM ARGS...`".to_owned());
        };
        match arg.to_str() {
            Some("--") => break,
            Some("--show-output") => request.show_output = true,
            Some("--timeout-ms") => {
                let value = args.next().and_then(|value| value.into_string().ok());
                let ms = value
                    .as_deref()
                    .and_then(|value| value.parse::<u64>().ok())
                    .ok_or("--timeout-ms needs a whole number of milliseconds")?;
                request.timeout = Some(Duration::from_millis(ms));
            }
            Some("--cgroup") => {
                let dir = args.next().ok_or("--cgroup needs a directory")?;
                request.cgroup = Some(PathBuf::from(dir));
            }
            _ => return Err(format!("unknown helper argument {arg:?}")),
        }
    }
    request.program = args.next().ok_or("no program after `--`")?;
    request.args = args.collect();
    Ok(request)
}

/// The helper's `main`: `args` are its arguments without the program name. Exits 0 once a
/// report line is written (whatever the command did), 1 when even that failed.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let report = match parse_request(args) {
        Ok(request) => serve(&request),
        Err(message) => Report::Error(message),
    };
    let mut stdout = io::stdout().lock();
    match writeln!(stdout, "{}", report.to_line()).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn serve(request: &Request) -> Report {
    // perf-gate killed (a cancelled CI job) takes the helper with it, and the helper its
    // command (below): nothing keeps running after the run is gone.
    if let Err(error) =
        rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))
    {
        return Report::Error(format!("cannot tie the helper to perf-gate: {error}"));
    }
    if let Some(dir) = &request.cgroup {
        // `0` is the writing process; the command started below is born inside.
        if let Err(error) = std::fs::write(dir.join("cgroup.procs"), "0") {
            return Report::Error(format!("cannot join the cgroup {}: {error}", dir.display()));
        }
    }
    let mut command = Command::new(&request.program);
    command.args(&request.args).stdin(Stdio::null());
    {
        use std::os::unix::process::CommandExt as _;
        // SAFETY: the closure runs in the forked child before exec and only calls prctl(2),
        // which is async-signal-safe; it allocates nothing and touches no lock.
        #[allow(unsafe_code)]
        unsafe {
            command.pre_exec(|| {
                rustix::process::set_parent_process_death_signal(Some(
                    rustix::process::Signal::KILL,
                ))
                .map_err(io::Error::from)
            });
        }
    }
    if request.show_output {
        match io::stderr().as_fd().try_clone_to_owned() {
            Ok(stderr) => command.stdout(Stdio::from(stderr)),
            Err(error) => return Report::Error(format!("cannot duplicate stderr: {error}")),
        };
    } else {
        command.stdout(Stdio::null()).stderr(Stdio::null());
    }
    let start = Instant::now();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            return Report::SpawnError {
                errno: error.raw_os_error().unwrap_or(0),
                message: error.to_string(),
            };
        }
    };
    let (status, killed) = match wait(&mut child, request.timeout) {
        Ok(waited) => waited,
        Err(error) => return Report::Error(format!("cannot wait for the command: {error}")),
    };
    let wall = start.elapsed();
    let usage = match children_usage() {
        Ok(usage) => usage,
        Err(error) => return Report::Error(format!("getrusage failed: {error}")),
    };
    let exit = match (status.code(), status.signal()) {
        // Killed by us, and it did die of the kill (not of its own exit just before).
        (_, Some(signal)) if killed && signal == libc::SIGKILL => Exit::Timeout,
        (_, Some(signal)) => Exit::Signal(signal),
        (Some(code), None) => Exit::Code(code),
        (None, None) => Exit::Signal(0),
    };
    Report::Done(Usage {
        exit,
        wall_ns: u64::try_from(wall.as_nanos()).unwrap_or(u64::MAX),
        user_us: timeval_us(usage.ru_utime),
        sys_us: timeval_us(usage.ru_stime),
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    })
}

/// Waits for `child`; with a timeout, kills it through a pidfd (never a recycled pid) once the
/// time is up. Returns the status and whether the kill was sent.
fn wait(child: &mut Child, timeout: Option<Duration>) -> io::Result<(ExitStatus, bool)> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

    let mut killed = false;
    if let Some(limit) = timeout {
        let pidfd = pidfd_open(Pid::from_child(child), PidfdFlags::empty())?;
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let left = Timespec {
                tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: left.subsec_nanos().into(),
            };
            // The pidfd becomes readable when the process exits.
            let mut fds = [PollFd::new(&pidfd, PollFlags::IN)];
            match poll(&mut fds, Some(&left)) {
                Ok(0) => {
                    // Already exited but not reaped: the signal is a no-op, not an error.
                    pidfd_send_signal(&pidfd, Signal::KILL)?;
                    killed = true;
                    break;
                }
                Ok(_) => break,
                Err(rustix::io::Errno::INTR) => continue,
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok((child.wait()?, killed))
}

/// `getrusage(RUSAGE_CHILDREN)`: the helper has exactly one child, so this is the command's
/// usage (with the descendants it waited for).
fn children_usage() -> io::Result<libc::rusage> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `usage` is a valid, writable `rusage`-sized buffer that lives across the call;
    // getrusage writes nothing else and keeps no pointer.
    #[allow(unsafe_code)]
    let status = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    if status != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: getrusage returned 0, so it filled the whole struct.
    #[allow(unsafe_code)]
    Ok(unsafe { usage.assume_init() })
}

fn timeval_us(time: libc::timeval) -> u64 {
    let seconds = u64::try_from(time.tv_sec).unwrap_or(0);
    let micros = u64::try_from(time.tv_usec).unwrap_or(0);
    seconds.saturating_mul(1_000_000).saturating_add(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn reports_round_trip_through_their_line() {
        let reports = [
            Report::Done(Usage {
                exit: Exit::Code(3),
                wall_ns: 12_345_678,
                user_us: 1_000,
                sys_us: 2,
                max_rss_kib: 1_812,
            }),
            Report::Done(Usage {
                exit: Exit::Signal(9),
                wall_ns: 1,
                user_us: 0,
                sys_us: 0,
                max_rss_kib: 0,
            }),
            Report::Done(Usage {
                exit: Exit::Timeout,
                wall_ns: 1,
                user_us: 0,
                sys_us: 0,
                max_rss_kib: 7,
            }),
            Report::SpawnError {
                errno: 2,
                message: "No such file or directory (os error 2)".to_owned(),
            },
            Report::Error("cannot join the cgroup /x: denied".to_owned()),
        ];
        for report in reports {
            let line = report.to_line();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(Report::parse(&format!("{line}\n")), Some(report), "{line}");
        }
    }

    #[test]
    fn other_lines_are_not_reports() {
        for line in [
            "",
            "hello",
            "perf-run-helper/2 done exit:0 1 1 1 1",
            "perf-run-helper/1 done exit:0 1 1 1",
            "perf-run-helper/1 done exit:0 1 1 1 1 1",
            "perf-run-helper/1 done stop:0 1 1 1 1",
            "perf-run-helper/1 done exit:x 1 1 1 1",
            "perf-run-helper/1 later",
        ] {
            assert_eq!(Report::parse(line), None, "{line:?}");
        }
    }

    #[test]
    fn a_multi_line_message_stays_one_line() {
        let line = Report::Error("a\nb\rc".to_owned()).to_line();
        assert_eq!(line, "perf-run-helper/1 error a b c");
    }

    #[test]
    fn requests_are_parsed_up_to_the_program() {
        let request = parse_request(args(&[
            "--timeout-ms",
            "1500",
            "--cgroup",
            "/sys/fs/cgroup/x",
            "--show-output",
            "--",
            "sleep",
            "--",
            "1",
        ]))
        .unwrap();
        assert_eq!(request.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(request.cgroup, Some(PathBuf::from("/sys/fs/cgroup/x")));
        assert!(request.show_output);
        assert_eq!(request.program, "sleep");
        assert_eq!(request.args, args(&["--", "1"]));
        for bad in [
            &["sleep"][..],
            &["--timeout-ms", "soon", "--", "x"],
            &["--cgroup"],
            &["--"],
            &["--what", "--", "x"],
        ] {
            assert!(parse_request(args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn exits_spell_the_record_reasons() {
        assert_eq!(Exit::Code(3).to_string(), "exit 3");
        assert_eq!(Exit::Signal(9).to_string(), "signal 9");
        assert_eq!(Exit::Timeout.to_string(), "timeout");
    }
}
