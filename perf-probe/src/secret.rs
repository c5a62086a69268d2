//! Secrets: read from an environment variable or a file, never printed.

use std::fmt;
use std::path::{Path, PathBuf};

/// A secret value (an API key, a token). `Debug` and `Display` print `***`; the only way to
/// the value is [`Secret::expose`], used where the request header is built.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value. The caller is responsible for never having printed it.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself, for building a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("***")
    }
}

/// Where a secret comes from. Errors name the source (variable name or path), never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable, by name.
    Env(String),
    /// A file whose contents (without a trailing line ending) are the secret.
    File(PathBuf),
}

impl fmt::Display for SecretSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => write!(formatter, "environment variable {name}"),
            SecretSource::File(path) => write!(formatter, "file {}", path.display()),
        }
    }
}

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set, is empty or is not UTF-8.
    #[error("the secret's environment variable {name} is not set (or empty, or not UTF-8)")]
    MissingEnv {
        /// The variable's name.
        name: String,
    },
    /// The file could not be read.
    #[error("cannot read the secret file {}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty or not UTF-8.
    #[error("the secret file {} is empty or not UTF-8", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
    },
}

impl SecretSource {
    /// Reads the secret now. A file path is taken relative to `base_dir` when relative.
    ///
    /// # Errors
    /// [`SecretError`] naming the variable or file, never the value.
    pub fn read(&self, base_dir: &Path) -> Result<Secret, SecretError> {
        match self {
            SecretSource::Env(name) => match std::env::var(name) {
                Ok(value) if !value.is_empty() => Ok(Secret(value)),
                _ => Err(SecretError::MissingEnv { name: name.clone() }),
            },
            SecretSource::File(path) => {
                let path = base_dir.join(path);
                let bytes = std::fs::read(&path).map_err(|source| SecretError::ReadFile {
                    path: path.clone(),
                    source,
                })?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| SecretError::BadFile { path: path.clone() })?;
                let value = text.trim_end_matches(['\r', '\n']);
                if value.is_empty() {
                    return Err(SecretError::BadFile { path });
                }
                Ok(Secret(value.to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), "*** ***");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn reads_a_file_without_its_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key"), "k3y\n").unwrap();
        let secret = SecretSource::File("key".into()).read(dir.path()).unwrap();
        assert_eq!(secret.expose(), "k3y");
        let missing = SecretSource::Env("PERF_PROBE_SURELY_UNSET_VARIABLE".into())
            .read(dir.path())
            .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("PERF_PROBE_SURELY_UNSET_VARIABLE")
        );
    }
}
