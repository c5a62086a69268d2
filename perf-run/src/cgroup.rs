//! Peak memory from cgroup v2: a child cgroup per run, its `memory.peak` read after the run.
//!
//! `memory.peak` is the largest memory charge of the cgroup since it was created: the command's
//! anonymous memory, page tables, kernel memory and the page cache it brought in, over all of
//! its processes together (a shell script's children included). The cgroup is created empty
//! for every run, so nothing of perf-gate's own size is in it.
//!
//! A cgroup v2 hierarchy is usable when perf-gate's own cgroup (from `/proc/self/cgroup`, under
//! the `cgroup2` mount from `/proc/self/mounts`), or the parent given explicitly, offers the
//! `memory` controller to its children (`cgroup.subtree_control`, enabled here when it can be)
//! and is writable. On hosts whose memory controller is bound to a cgroup v1 hierarchy (hybrid
//! layouts), or inside an unprivileged container, it is not, and perf-run says why.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why cgroup v2 `memory.peak` cannot be used here.
#[derive(Debug, thiserror::Error)]
pub enum CgroupUnavailable {
    /// No `cgroup2` mount in `/proc/self/mounts`.
    #[error("no cgroup v2 hierarchy is mounted")]
    NotMounted,
    /// `/proc/self/mounts` or `/proc/self/cgroup` could not be read.
    #[error("cannot read {path}")]
    Proc {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The process is in no cgroup v2 group (no `0::` line).
    #[error("this process has no cgroup v2 group in /proc/self/cgroup")]
    NoGroup,
    /// The hierarchy does not offer the memory controller.
    #[error(
        "the cgroup v2 group {} does not offer the memory controller (controllers: {controllers:?}; on a hybrid host it is bound to cgroup v1)",
        dir.display()
    )]
    NoMemoryController {
        /// The cgroup directory.
        dir: PathBuf,
        /// What `cgroup.controllers` lists.
        controllers: String,
    },
    /// The controller could not be enabled for child groups (`cgroup.subtree_control`).
    #[error("cannot enable the memory controller for the children of {}", dir.display())]
    CannotEnable {
        /// The cgroup directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// A cgroup v2 directory whose children get the memory controller: the parent of the per-run
/// groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupParent {
    dir: PathBuf,
}

/// Numbers the per-run groups of this process.
static NEXT_GROUP: AtomicU64 = AtomicU64::new(0);

impl CgroupParent {
    /// This process's own cgroup v2 group, when its children can have the memory controller.
    ///
    /// # Errors
    /// [`CgroupUnavailable`] saying why not.
    pub fn detect() -> Result<CgroupParent, CgroupUnavailable> {
        let mounts = read_proc("/proc/self/mounts")?;
        let root = cgroup2_mount(&mounts).ok_or(CgroupUnavailable::NotMounted)?;
        let groups = read_proc("/proc/self/cgroup")?;
        let own = own_group(&groups).ok_or(CgroupUnavailable::NoGroup)?;
        CgroupParent::at(root.join(own.trim_start_matches('/')))
    }

    /// The group `dir`, when its children can have the memory controller (enabling it for them
    /// when it is not yet).
    ///
    /// # Errors
    /// [`CgroupUnavailable`] saying why not.
    pub fn at(dir: PathBuf) -> Result<CgroupParent, CgroupUnavailable> {
        let controllers =
            std::fs::read_to_string(dir.join("cgroup.controllers")).map_err(|source| {
                CgroupUnavailable::Proc {
                    path: dir.join("cgroup.controllers"),
                    source,
                }
            })?;
        if !controllers.split_whitespace().any(|name| name == "memory") {
            return Err(CgroupUnavailable::NoMemoryController {
                dir,
                controllers: controllers.trim().to_owned(),
            });
        }
        let subtree = dir.join("cgroup.subtree_control");
        let enabled = std::fs::read_to_string(&subtree)
            .is_ok_and(|text| text.split_whitespace().any(|name| name == "memory"));
        if !enabled {
            // Refused for a non-root group that holds processes ("no internal processes").
            std::fs::write(&subtree, "+memory").map_err(|source| {
                CgroupUnavailable::CannotEnable {
                    dir: dir.clone(),
                    source,
                }
            })?;
        }
        Ok(CgroupParent { dir })
    }

    /// The parent directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates an empty child group for one run.
    ///
    /// # Errors
    /// The `mkdir`'s error.
    pub fn create_run_group(&self) -> io::Result<RunGroup> {
        let number = NEXT_GROUP.fetch_add(1, Ordering::Relaxed);
        let dir = self
            .dir
            .join(format!("perf-run-{}-{number}", std::process::id()));
        std::fs::create_dir(&dir)?;
        Ok(RunGroup { dir })
    }
}

/// One run's cgroup; removed when dropped (it must be empty by then).
#[derive(Debug)]
pub struct RunGroup {
    dir: PathBuf,
}

impl RunGroup {
    /// The group's directory (the helper joins it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `memory.peak` in bytes.
    ///
    /// # Errors
    /// Reading or parsing the file.
    pub fn peak_bytes(&self) -> io::Result<u64> {
        let text = std::fs::read_to_string(self.dir.join("memory.peak"))?;
        text.trim()
            .parse()
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }
}

impl Drop for RunGroup {
    fn drop(&mut self) {
        // The helper and the command have been reaped; the kernel may still be tearing the
        // last task out of the group for a moment.
        for _ in 0..50 {
            match std::fs::remove_dir(&self.dir) {
                Err(error) if error.raw_os_error() == Some(libc::EBUSY) => {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                _ => return,
            }
        }
    }
}

fn read_proc(path: &str) -> Result<String, CgroupUnavailable> {
    std::fs::read_to_string(path).map_err(|source| CgroupUnavailable::Proc {
        path: PathBuf::from(path),
        source,
    })
}

/// The mount point of the first `cgroup2` file system in a `/proc/self/mounts` text.
fn cgroup2_mount(mounts: &str) -> Option<PathBuf> {
    mounts.lines().find_map(|line| {
        let mut fields = line.split(' ');
        let (_device, point, kind) = (fields.next()?, fields.next()?, fields.next()?);
        (kind == "cgroup2").then(|| PathBuf::from(unescape_mount(point)))
    })
}

/// `/proc/self/mounts` writes space, tab, newline and backslash as octal escapes (`\040`).
fn unescape_mount(point: &str) -> String {
    let mut out = String::with_capacity(point.len());
    let mut rest = point;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 4);
        match code.and_then(|code| u8::from_str_radix(code, 8).ok()) {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The cgroup v2 path (`0::/a/b`) in a `/proc/self/cgroup` text.
fn own_group(groups: &str) -> Option<&str> {
    groups.lines().find_map(|line| line.strip_prefix("0::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cgroup2_mount_is_found_among_v1_mounts() {
        let mounts = "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n\
                      cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n\
                      cgroup2 /sys/fs/cgroup/uni\\040fied cgroup2 rw 0 0\n";
        assert_eq!(
            cgroup2_mount(mounts),
            Some(PathBuf::from("/sys/fs/cgroup/uni fied"))
        );
        assert_eq!(cgroup2_mount("proc /proc proc rw 0 0\n"), None);
    }

    #[test]
    fn the_own_group_is_the_v2_line() {
        let groups = "4:memory:/process_api/x\n0::/user.slice/a\n";
        assert_eq!(own_group(groups), Some("/user.slice/a"));
        assert_eq!(own_group("4:memory:/x\n"), None);
    }

    #[test]
    fn run_groups_are_created_read_and_removed_below_the_parent() {
        // A stand-in for a cgroup v2 directory (the kernel's files are plain files here).
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cgroup.controllers"), "cpu memory pids\n").unwrap();
        std::fs::write(dir.path().join("cgroup.subtree_control"), "").unwrap();
        let parent = CgroupParent::at(dir.path().to_owned()).unwrap();
        // The memory controller was enabled for the children.
        let subtree = std::fs::read_to_string(dir.path().join("cgroup.subtree_control")).unwrap();
        assert_eq!(subtree, "+memory");
        let first = parent.create_run_group().unwrap();
        let second = parent.create_run_group().unwrap();
        assert_ne!(first.dir(), second.dir());
        assert_eq!(first.dir().parent(), Some(dir.path()));
        std::fs::write(first.dir().join("memory.peak"), "209715200\n").unwrap();
        assert_eq!(first.peak_bytes().unwrap(), 200 << 20);
        std::fs::write(first.dir().join("memory.peak"), "max\n").unwrap();
        assert!(first.peak_bytes().is_err());
        std::fs::remove_file(first.dir().join("memory.peak")).unwrap();
        let (first_dir, second_dir) = (first.dir().to_owned(), second.dir().to_owned());
        drop((first, second));
        assert!(
            !first_dir.exists() && !second_dir.exists(),
            "removed when dropped"
        );
    }

    #[test]
    fn a_group_without_the_memory_controller_is_refused_with_its_controllers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cgroup.controllers"), "hugetlb\n").unwrap();
        let error = CgroupParent::at(dir.path().to_owned()).unwrap_err();
        assert!(
            matches!(&error, CgroupUnavailable::NoMemoryController { controllers, .. } if controllers == "hugetlb"),
            "{error}"
        );
    }
}
