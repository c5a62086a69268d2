//! The one way perf-gate replaces a directory of files: as a set.
//!
//! [`write_atomically`](crate::write_atomically) makes each file all or nothing; a run's
//! artifacts (`report.json`, `report.md`, `junit.xml`, ...) must also agree with each other. A
//! [`StagedDirectory`] collects the run's files in a fresh sibling directory and
//! [`commit`](StagedDirectory::commit) swaps it in with one `renameat2(RENAME_EXCHANGE)`, so a
//! reader, a full disk, a `kill -9` or a concurrent run sees the previous set or the new one,
//! never a mixture.

use std::io;

use camino::{Utf8Path, Utf8PathBuf};

use crate::WriteError;
use crate::atomic::named_temporary_directory;

/// A directory being prepared beside the one it will replace.
///
/// Files are written under [`path`](Self::path) (with [`write_atomically`](crate::write_atomically)
/// or anything else); nothing is visible at the target until [`commit`](Self::commit). Dropping
/// it without a commit removes the staged files and leaves the target as it was.
///
/// The staging directory is a sibling of the target named `.NAME.perf-gate-PID.RANDOM.tmp`
/// (the temporary-file rule of [`write_atomically`](crate::write_atomically)); one left by a
/// killed run is removed by the next run that stages the same directory.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let out = camino::Utf8PathBuf::try_from(dir.path().join("perf"))?;
/// let staged = perf_record::StagedDirectory::new(&out)?;
/// std::fs::write(staged.path().join("report.json"), "{}")?;
/// assert!(!out.exists(), "nothing is visible before the commit");
/// staged.commit()?;
/// assert_eq!(std::fs::read_to_string(out.join("report.json"))?, "{}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StagedDirectory {
    /// The directory to replace, symlinks resolved.
    target: Utf8PathBuf,
    /// Removes whatever is at the staging path on drop: the new set before a commit, the
    /// previous one after an exchange.
    _removal: tempfile::TempDir,
    /// `staging`'s path as UTF-8 (it is the target's parent plus an ASCII name).
    staging_path: Utf8PathBuf,
}

/// How [`StagedDirectory::commit`] put the new files in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement {
    /// The whole directory was swapped in one step: every reader sees the old set or the new.
    Swapped,
    /// The files were renamed into the target one by one (each file atomically, the set not),
    /// because the directory cannot be swapped; the reason says why.
    FileByFile(SwapRefusal),
}

/// Why a directory could not be swapped in one step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SwapRefusal {
    /// The target holds an entry that is neither a file nor a symlink (a subdirectory, a socket),
    /// which cannot be carried into the new directory without a moment where it is missing.
    #[error("{0} is a directory or a special file, which the swap cannot carry over")]
    UncarriableEntry(String),
    /// This process works inside the target: swapping it would leave the process in the
    /// removed directory.
    #[error("the current directory is inside it")]
    HoldsCurrentDirectory,
    /// The file system (or the platform) has no atomic exchange of two directories, or the
    /// target is a mount point.
    #[error("the file system cannot exchange two directories ({0})")]
    Unsupported(String),
}

impl StagedDirectory {
    /// Prepares a replacement for `target` (which need not exist yet; missing parents are
    /// created). A symlink at `target` is followed: the directory it points to is replaced and
    /// the link stays.
    pub fn new(target: &Utf8Path) -> Result<Self, WriteError> {
        let failed = |source: io::Error| WriteError {
            path: target.to_path_buf(),
            source,
        };
        let target = resolve_target(target).map_err(failed)?;
        let parent = target
            .parent()
            .ok_or_else(|| failed(io::Error::other("a root directory cannot be replaced")))?;
        let name = target.file_name().unwrap_or("artifacts");
        // mkdir(2) applies the umask, as for any new directory; a replaced directory's own mode
        // is copied at the commit.
        let staging = named_temporary_directory(parent, name, Some(0o755)).map_err(failed)?;
        let staging_path = Utf8PathBuf::try_from(staging.path().to_path_buf())
            .map_err(|error| failed(error.into_io_error()))?;
        Ok(StagedDirectory {
            target,
            _removal: staging,
            staging_path,
        })
    }

    /// Where to write the new files.
    pub fn path(&self) -> &Utf8Path {
        &self.staging_path
    }

    /// The directory that [`commit`](Self::commit) replaces (symlinks resolved).
    pub fn target(&self) -> &Utf8Path {
        &self.target
    }

    /// Puts the staged files in place of the target's.
    ///
    /// Files of the target that the staged set does not have (a file of another tool, a
    /// `latest.jsonl` this run did not write) are kept: hard-linked into the new set before
    /// the swap, and anything that appeared in the old directory meanwhile is moved over after
    /// it. Then one `renameat2(RENAME_EXCHANGE)` swaps the two directories, the parent is
    /// fsynced, and the previous set is removed. Where no swap is possible
    /// ([`Replacement::FileByFile`]: a subdirectory in the target, the current directory inside
    /// it, a file system or platform without the exchange) each staged file is renamed into the
    /// target on its own, which is the per-file guarantee only.
    pub fn commit(self) -> Result<Replacement, WriteError> {
        let failed = |source: io::Error| WriteError {
            path: self.target.clone(),
            source,
        };
        let staged = entry_names(&self.staging_path).map_err(failed)?;
        let refusal = match std::fs::symlink_metadata(&self.target) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                match std::fs::rename(&self.staging_path, &self.target) {
                    Ok(()) => {
                        sync_directory(self.target.parent()).map_err(failed)?;
                        // The staging path no longer exists; the guard's removal finds nothing.
                        return Ok(Replacement::Swapped);
                    }
                    // Created meanwhile (a concurrent run): replace it like any other.
                    Err(_) => self.swap_refusal().map_err(failed)?,
                }
            }
            Err(error) => return Err(failed(error)),
            Ok(metadata) if !metadata.is_dir() => {
                return Err(failed(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    "it is not a directory",
                )));
            }
            Ok(_) => self.swap_refusal().map_err(failed)?,
        };
        if let Some(refusal) = refusal {
            self.move_files_into_target(&staged).map_err(failed)?;
            return Ok(Replacement::FileByFile(refusal));
        }
        if let Some(refusal) = self.carry_over_and_exchange(&staged).map_err(failed)? {
            self.move_files_into_target(&staged).map_err(failed)?;
            return Ok(Replacement::FileByFile(refusal));
        }
        sync_directory(self.target.parent()).map_err(failed)?;
        // The old directory is now at the staging path. A file created in it between the
        // listing and the exchange moves to the new set instead of being removed with it.
        for name in entry_names(&self.staging_path).map_err(failed)? {
            let destination = self.target.join(&name);
            if std::fs::symlink_metadata(&destination).is_err() {
                std::fs::rename(self.staging_path.join(&name), destination).map_err(failed)?;
            }
        }
        Ok(Replacement::Swapped)
        // Dropping `self._removal` removes the previous set.
    }

    /// Why the target cannot be swapped, before anything is touched; `None` if it can.
    fn swap_refusal(&self) -> io::Result<Option<SwapRefusal>> {
        if !cfg!(target_os = "linux") {
            return Ok(Some(SwapRefusal::Unsupported(
                "no renameat2 on this platform".to_owned(),
            )));
        }
        if let Ok(current) = std::env::current_dir()
            && current.starts_with(&self.target)
        {
            return Ok(Some(SwapRefusal::HoldsCurrentDirectory));
        }
        for entry in std::fs::read_dir(&self.target)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if !(kind.is_file() || kind.is_symlink()) {
                let name = entry.file_name().to_string_lossy().into_owned();
                return Ok(Some(SwapRefusal::UncarriableEntry(name)));
            }
        }
        Ok(None)
    }

    /// Hard-links (or, for symlinks, recreates) the target's entries the staged set lacks,
    /// copies the target's mode, and exchanges the two directories. `Some` when the file
    /// system refused the exchange; the staged set is then unchanged apart from the links.
    fn carry_over_and_exchange(&self, staged: &[String]) -> io::Result<Option<SwapRefusal>> {
        let mut carried = Vec::new();
        for entry in std::fs::read_dir(&self.target)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if staged.contains(&name) {
                continue;
            }
            let source = entry.path();
            let destination = self.staging_path.join(&name);
            let kind = entry.file_type()?;
            let linked = if kind.is_symlink() {
                copy_symlink(&source, destination.as_std_path())
            } else {
                std::fs::hard_link(&source, &destination)
            };
            match linked {
                Ok(()) => carried.push(destination),
                // Gone meanwhile: nothing to keep.
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => {
                    remove_all(&carried);
                    return Ok(Some(SwapRefusal::Unsupported(format!(
                        "cannot link {name}: {error}"
                    ))));
                }
            }
        }
        let permissions = std::fs::metadata(&self.target)?.permissions();
        std::fs::set_permissions(&self.staging_path, permissions)?;
        sync_directory(Some(&self.staging_path))?;
        match exchange(&self.staging_path, &self.target) {
            Ok(()) => Ok(None),
            Err(error) => {
                remove_all(&carried);
                Ok(Some(SwapRefusal::Unsupported(error.to_string())))
            }
        }
    }

    /// The fallback: each staged file renamed into the target (created if missing).
    fn move_files_into_target(&self, staged: &[String]) -> io::Result<()> {
        std::fs::create_dir_all(&self.target)?;
        for name in staged {
            std::fs::rename(self.staging_path.join(name), self.target.join(name))?;
        }
        sync_directory(Some(&self.target))
    }
}

/// `target` with a symlink at its end resolved, relative paths made absolute.
fn resolve_target(target: &Utf8Path) -> io::Result<Utf8PathBuf> {
    let absolute = match std::fs::canonicalize(target) {
        Ok(real) => real,
        Err(error) if error.kind() == io::ErrorKind::NotFound => std::path::absolute(target)?,
        Err(error) => return Err(error),
    };
    Utf8PathBuf::try_from(absolute).map_err(|error| error.into_io_error())
}

/// The names in `directory`, sorted.
fn entry_names(directory: &Utf8Path) -> io::Result<Vec<String>> {
    let mut names = std::fs::read_dir(directory)?
        .map(|entry| entry.map(|entry| entry.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<Vec<_>>>()?;
    names.sort();
    Ok(names)
}

fn remove_all(paths: &[Utf8PathBuf]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(unix)]
fn copy_symlink(source: &std::path::Path, destination: &std::path::Path) -> io::Result<()> {
    std::os::unix::fs::symlink(std::fs::read_link(source)?, destination)
}

#[cfg(not(unix))]
fn copy_symlink(_source: &std::path::Path, _destination: &std::path::Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Swaps two directories in one step.
#[cfg(target_os = "linux")]
fn exchange(first: &Utf8Path, second: &Utf8Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(
        CWD,
        first.as_std_path(),
        CWD,
        second.as_std_path(),
        RenameFlags::EXCHANGE,
    )
    .map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_first: &Utf8Path, _second: &Utf8Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// fsyncs a directory, so the renames in it survive a crash (a no-op where directories cannot
/// be opened).
fn sync_directory(directory: Option<&Utf8Path>) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(directory) = directory {
        std::fs::File::open(directory)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = directory;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, Utf8PathBuf) {
        let directory = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::try_from(directory.path().to_path_buf()).unwrap();
        (directory, path)
    }

    fn names(directory: &Utf8Path) -> Vec<String> {
        entry_names(directory).unwrap()
    }

    #[test]
    fn a_new_directory_appears_whole() {
        let (_guard, root) = root();
        let out = root.join("artifacts/perf");
        let staged = StagedDirectory::new(&out).unwrap();
        std::fs::write(staged.path().join("report.json"), "new").unwrap();
        std::fs::write(staged.path().join("junit.xml"), "new").unwrap();
        assert!(!out.exists());
        assert_eq!(staged.commit().unwrap(), Replacement::Swapped);
        assert_eq!(names(&out), ["junit.xml", "report.json"]);
        assert_eq!(names(&root.join("artifacts")), ["perf"], "no staging left");
    }

    #[test]
    fn the_set_is_replaced_and_other_files_are_kept() {
        let (_guard, root) = root();
        let out = root.join("perf");
        std::fs::create_dir(&out).unwrap();
        for name in ["report.json", "junit.xml", "notes.txt"] {
            std::fs::write(out.join(name), "old").unwrap();
        }
        let staged = StagedDirectory::new(&out).unwrap();
        std::fs::write(staged.path().join("report.json"), "new").unwrap();
        std::fs::write(staged.path().join("junit.xml"), "new").unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("report.json")).unwrap(),
            "old",
            "the old set stays until the commit"
        );
        assert_eq!(staged.commit().unwrap(), Replacement::Swapped);
        for name in ["report.json", "junit.xml"] {
            assert_eq!(std::fs::read_to_string(out.join(name)).unwrap(), "new");
        }
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "old"
        );
        assert_eq!(names(&root), ["perf"], "the previous set is removed");
    }

    #[cfg(unix)]
    #[test]
    fn the_replaced_directory_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_guard, root) = root();
        let out = root.join("perf");
        std::fs::create_dir(&out).unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o750)).unwrap();
        let staged = StagedDirectory::new(&out).unwrap();
        std::fs::write(staged.path().join("report.json"), "new").unwrap();
        staged.commit().unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o750, "{mode:o}");
    }

    #[test]
    fn dropping_without_commit_leaves_the_old_set() {
        let (_guard, root) = root();
        let out = root.join("perf");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("report.json"), "old").unwrap();
        let staged = StagedDirectory::new(&out).unwrap();
        std::fs::write(staged.path().join("report.json"), "half").unwrap();
        drop(staged);
        assert_eq!(
            std::fs::read_to_string(out.join("report.json")).unwrap(),
            "old"
        );
        assert_eq!(names(&root), ["perf"]);
    }

    #[test]
    fn a_subdirectory_falls_back_to_file_by_file_and_is_kept() {
        let (_guard, root) = root();
        let out = root.join("perf");
        std::fs::create_dir_all(out.join("history")).unwrap();
        std::fs::write(out.join("history/db"), "keep").unwrap();
        std::fs::write(out.join("report.json"), "old").unwrap();
        let staged = StagedDirectory::new(&out).unwrap();
        std::fs::write(staged.path().join("report.json"), "new").unwrap();
        let replacement = staged.commit().unwrap();
        assert_eq!(
            replacement,
            Replacement::FileByFile(SwapRefusal::UncarriableEntry("history".to_owned()))
        );
        assert_eq!(
            std::fs::read_to_string(out.join("report.json")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("history/db")).unwrap(),
            "keep"
        );
        assert_eq!(names(&root), ["perf"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_target_is_replaced_behind_its_link() {
        let (_guard, root) = root();
        let real = root.join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::write(real.join("report.json"), "old").unwrap();
        let link = root.join("perf");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let staged = StagedDirectory::new(&link).unwrap();
        std::fs::write(staged.path().join("report.json"), "new").unwrap();
        staged.commit().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(link.join("report.json")).unwrap(),
            "new"
        );
    }

    #[test]
    fn a_file_at_the_target_is_an_error_and_stays() {
        let (_guard, root) = root();
        let out = root.join("perf");
        std::fs::write(&out, "a file").unwrap();
        let staged = StagedDirectory::new(&out).unwrap();
        std::fs::write(staged.path().join("report.json"), "new").unwrap();
        let error = staged.commit().unwrap_err();
        assert!(error.to_string().contains("perf"), "{error}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "a file");
        assert_eq!(names(&root), ["perf"], "the staged set is removed");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_killed_runs_staging_is_removed_by_the_next() {
        let (_guard, root) = root();
        let stale = root.join(".perf.perf-gate-4194305.abc.tmp");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("report.json"), "half").unwrap();
        let staged = StagedDirectory::new(&root.join("perf")).unwrap();
        assert!(!stale.exists());
        staged.commit().unwrap();
        assert_eq!(names(&root), ["perf"]);
    }
}
