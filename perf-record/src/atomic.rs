//! The one way perf-gate replaces a file: all or nothing.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use camino::{Utf8Path, Utf8PathBuf};

/// A file could not be written; the previous file, if any, is still in place.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}")]
pub struct WriteError {
    /// The file that was to be replaced.
    pub path: Utf8PathBuf,
    /// What failed.
    #[source]
    pub source: io::Error,
}

/// Replaces `path` with what `write` produces, or leaves it untouched.
///
/// The bytes go to a temporary file in the same directory, created with mode `0644` less the
/// process umask (reports, baselines and `latest.jsonl` are meant to be shared), or with the
/// mode of the file it replaces when there is one (a budget file the user made private stays
/// private); it is flushed, fsynced and renamed over `path` only when `write` succeeded, and the
/// directory is then fsynced so the rename survives a crash. A large file goes to disk as it is
/// written, 32 MiB at a time, so that the last fsync waits for its tail only. A failure or a
/// kill at any point leaves the previous file (or no file) in place, never a truncated one.
/// Missing parent directories are created. A path that is a device or a pipe (`/dev/stdout`,
/// `/dev/null`, a FIFO) is written to directly: it cannot be replaced, and renaming over it
/// would destroy it.
///
/// The temporary file is named `.NAME.perf-gate-PID.RANDOM.tmp`. A run killed before its rename
/// leaves one behind; the next write of the same file removes those whose process is gone (on
/// Linux, no `/proc/PID`; elsewhere, older than a day), so killed runs never pile up.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = camino::Utf8PathBuf::try_from(dir.path().join("report.json"))?;
/// perf_record::write_atomically(&path, |out| out.write_all(b"{}\n"))?;
/// assert_eq!(std::fs::read_to_string(&path)?, "{}\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_atomically(
    path: &Utf8Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let failed = |source: io::Error| WriteError {
        path: path.to_path_buf(),
        source,
    };
    // A device or a pipe (`--out /dev/stdout`, `/dev/null`, a FIFO) is written to as it is:
    // renaming a temporary file over it would replace the device with a regular file.
    if let Ok(metadata) = std::fs::metadata(path)
        && !metadata.is_file()
        && !metadata.is_dir()
    {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(failed)?;
        let mut writer = BufWriter::new(&mut file);
        write(&mut writer).map_err(failed)?;
        return writer.flush().map_err(failed);
    }
    let directory = match path.parent() {
        Some(parent) if !parent.as_str().is_empty() => parent,
        _ => Utf8Path::new("."),
    };
    std::fs::create_dir_all(directory).map_err(failed)?;
    let name = path.file_name().unwrap_or("output");
    let family = format!(".{name}.{TEMPORARY_MARK}");
    remove_stale_temporaries(directory, &family);
    let prefix = format!("{family}{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // The mode goes to open(2), which applies the umask, as for any newly created file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let temporary = builder.tempfile_in(directory).map_err(failed)?;
    if let Ok(previous) = std::fs::metadata(path)
        && previous.is_file()
    {
        temporary
            .as_file()
            .set_permissions(previous.permissions())
            .map_err(failed)?;
    }
    {
        let syncing = Syncing {
            file: temporary.as_file(),
            unsynced: 0,
        };
        let mut writer = BufWriter::with_capacity(1 << 20, syncing);
        write(&mut writer).map_err(failed)?;
        writer.flush().map_err(failed)?;
    }
    temporary.as_file().sync_all().map_err(failed)?;
    temporary
        .persist(path)
        .map_err(|error| failed(error.error))?;
    #[cfg(unix)]
    File::open(directory)
        .and_then(|handle| handle.sync_all())
        .map_err(failed)?;
    Ok(())
}

/// How many bytes [`write_atomically`] writes before it has them written to disk.
const SYNC_STEP: u64 = 32 << 20;

/// The temporary file, written through: every [`SYNC_STEP`] bytes, what was written goes to disk
/// (`fdatasync`). A machine with much memory would otherwise keep the whole file in its page
/// cache until the final fsync, which then waits for all of it (0.3 s for `collect`'s 261 MB),
/// while a caller that produces its bytes on other threads (`collect` formats in parallel)
/// keeps producing during these earlier flushes.
struct Syncing<'a> {
    file: &'a File,
    unsynced: u64,
}

impl Write for Syncing<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = (&mut &*self.file).write(bytes)?;
        self.unsynced += written as u64;
        if self.unsynced >= SYNC_STEP {
            self.file.sync_data()?;
            self.unsynced = 0;
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads the text file at `path`, refusing one larger than `limit` bytes (an error of kind
/// [`io::ErrorKind::FileTooLarge`] that says the limit) without reading past it: a configuration
/// file given as `/dev/zero` or a 10 GB mistake fails at once instead of filling memory.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = camino::Utf8PathBuf::try_from(dir.path().join("budgets.json"))?;
/// std::fs::write(&path, "{}")?;
/// assert_eq!(perf_record::read_to_string_capped(&path, 2)?, "{}");
/// let error = perf_record::read_to_string_capped(&path, 1).unwrap_err();
/// assert_eq!(error.kind(), std::io::ErrorKind::FileTooLarge);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_to_string_capped(path: &Utf8Path, limit: u64) -> io::Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("the file is larger than {limit} bytes, the most perf-gate reads here"),
        ));
    }
    Ok(text)
}

/// A new private directory for temporary files of `purpose` (such as `collect-spill`) in
/// `directory`, named as [`write_atomically`] names its temporary files
/// (`.PURPOSE.perf-gate-PID.RANDOM.tmp`) and removed with everything in it when the returned
/// guard drops (success, error or panic). Directories (and files) of that name left by a run
/// that was killed are removed first, by the same rule as [`write_atomically`]'s temporaries.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let root = camino::Utf8PathBuf::try_from(dir.path().to_path_buf())?;
/// let spill = perf_record::temporary_directory(&root, "collect-spill")?;
/// std::fs::write(spill.path().join("run-0"), b"...")?;
/// drop(spill);
/// assert_eq!(std::fs::read_dir(&root)?.count(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn temporary_directory(directory: &Utf8Path, purpose: &str) -> io::Result<tempfile::TempDir> {
    named_temporary_directory(directory, purpose, None)
}

/// [`temporary_directory`] with the mode given to mkdir(2) (less the umask); private (0700,
/// tempfile's default) without one.
pub(crate) fn named_temporary_directory(
    directory: &Utf8Path,
    purpose: &str,
    mode: Option<u32>,
) -> io::Result<tempfile::TempDir> {
    std::fs::create_dir_all(directory)?;
    let family = format!(".{purpose}.{TEMPORARY_MARK}");
    remove_stale_temporaries(directory, &family);
    let prefix = format!("{family}{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder.tempdir_in(directory)
}

/// What marks perf-gate's temporary files, after `.NAME.`.
const TEMPORARY_MARK: &str = "perf-gate-";

/// Removes `FAMILY<pid>.<random>.tmp` files (and directories) in `directory` left by runs that
/// are gone. Best
/// effort: a file that cannot be listed or removed is left for the next run.
fn remove_stale_temporaries(directory: &Utf8Path, family: &str) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|name| name.strip_prefix(family))
            .filter(|rest| rest.ends_with(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest
            .split('.')
            .next()
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && writer_is_gone(pid, &entry) {
            let path = entry.path();
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                let _ = std::fs::remove_dir_all(path);
            } else {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Whether the process that made a temporary file no longer runs.
fn writer_is_gone(pid: u32, entry: &std::fs::DirEntry) -> bool {
    if cfg!(target_os = "linux") {
        return !std::path::Path::new(&format!("/proc/{pid}")).exists();
    }
    const A_DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
    entry
        .metadata()
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|age| age > A_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(directory: &tempfile::TempDir, name: &str) -> Utf8PathBuf {
        Utf8PathBuf::from_path_buf(directory.path().join(name)).unwrap()
    }

    #[test]
    fn creates_directories_and_replaces_the_old_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = temp_path(&directory, "a/b/report.json");
        write_atomically(&path, |out| out.write_all(b"first")).unwrap();
        write_atomically(&path, |out| out.write_all(b"second")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "the temporary file was not renamed away");
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = temp_path(&directory, "latest.jsonl");
        write_atomically(&path, |out| out.write_all(b"first\n")).unwrap();
        let error = write_atomically(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(error.path, path);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
        assert_eq!(std::fs::read_dir(directory.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_file_in_place_of_a_directory_fails_with_the_path() {
        let directory = tempfile::tempdir().unwrap();
        let file = temp_path(&directory, "plain");
        std::fs::write(&file, "x").unwrap();
        let error =
            write_atomically(&file.join("report.json"), |out| out.write_all(b"x")).unwrap_err();
        assert!(error.to_string().contains("plain"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt as _;
        write_atomically(Utf8Path::new("/dev/null"), |out| out.write_all(b"gone")).unwrap();
        let kind = std::fs::metadata("/dev/null").unwrap().file_type();
        assert!(kind.is_char_device(), "/dev/null is still a device");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn temporaries_of_killed_runs_are_removed_and_live_ones_kept() {
        let directory = tempfile::tempdir().unwrap();
        let path = temp_path(&directory, "report.json");
        // A process that has exited: its pid has no /proc entry any more.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = temp_path(
            &directory,
            &format!(".report.json.perf-gate-{dead}.abc123.tmp"),
        );
        let live = temp_path(&directory, ".report.json.perf-gate-1.abc123.tmp");
        let other = temp_path(
            &directory,
            &format!(".junit.xml.perf-gate-{dead}.abc123.tmp"),
        );
        let unrelated = temp_path(&directory, ".report.json.mine.tmp");
        for file in [&stale, &live, &other, &unrelated] {
            std::fs::write(file, "half").unwrap();
        }
        write_atomically(&path, |out| out.write_all(b"{}")).unwrap();
        assert!(!stale.exists(), "a dead run's temporary file is removed");
        assert!(
            live.exists(),
            "pid 1 is alive: its file may still be renamed"
        );
        assert!(other.exists(), "only the file being written is cleaned");
        assert!(
            unrelated.exists(),
            "files without the mark are never touched"
        );
    }

    #[cfg(unix)]
    #[test]
    fn temporary_directories_of_killed_runs_are_removed_and_live_ones_kept() {
        let directory = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(directory.path().to_path_buf()).unwrap();
        // No process has pid 4,194,304 or more (Linux's pid_max ceiling).
        let stale = root.join(".collect-spill.perf-gate-4194305.abc.tmp");
        std::fs::create_dir_all(stale.join("inner")).unwrap();
        std::fs::write(stale.join("inner/run"), b"x").unwrap();
        let live = root.join(format!(
            ".collect-spill.perf-gate-{}.abc.tmp",
            std::process::id()
        ));
        std::fs::create_dir_all(&live).unwrap();
        let spill = temporary_directory(&root, "collect-spill").unwrap();
        assert!(!stale.exists(), "a dead run's directory is removed");
        assert!(live.exists(), "this process's own directory is kept");
        let name = spill
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(name.starts_with(&format!(".collect-spill.perf-gate-{}.", std::process::id())));
        drop(spill);
        assert!(!root.join(name).exists());
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let directory = tempfile::tempdir().unwrap();
        let path = temp_path(&directory, "budgets.json");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomically(&path, |out| out.write_all(b"{ }")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }

    #[cfg(unix)]
    #[test]
    fn files_are_shared_readable_like_any_new_file() {
        use std::os::unix::fs::PermissionsExt as _;
        let directory = tempfile::tempdir().unwrap();
        let path = temp_path(&directory, "report.json");
        write_atomically(&path, |out| out.write_all(b"{}")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // 0644 less the umask: the owner can write, nobody else can; the umask of a test run
        // is at most 022 on the machines we use, so group and others can read.
        assert_eq!(mode & 0o600, 0o600, "{mode:o}");
        assert_eq!(mode & 0o022, 0, "{mode:o}");
        assert_eq!(mode & 0o111, 0, "{mode:o}");
    }
}
