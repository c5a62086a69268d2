//! Where a history lives: an SQLite file or a PostgreSQL database, and how a location is written.

use std::fmt;
use std::str::FromStr;

use camino::{Utf8Path, Utf8PathBuf};

use crate::error::HistoryError;

/// The history file used when neither `--history` nor `PERF_GATE_HISTORY_URL` names one.
pub const DEFAULT_HISTORY_FILE: &str = ".perf/history.sqlite";

/// A history database: an SQLite file or a PostgreSQL server.
///
/// Written as (see [`HistoryLocation::parse`]):
/// - `postgres://user:password@host:5432/db` or `postgresql://...`, a libpq URL;
/// - `host=127.0.0.1 port=5432 user=ci dbname=perf`, a libpq `key=value` string;
/// - `sqlite:PATH`, or a plain `PATH`, an SQLite file (its parent directory is created).
///
/// Its [`Display`](fmt::Display) never shows a password: a PostgreSQL location prints as a URL
/// with the password replaced by `***`, whatever form it was given in.
///
/// ```
/// use perf_history::HistoryLocation;
///
/// let location = HistoryLocation::parse("postgres://ci:s3cret@db.internal:5433/perf")?;
/// assert_eq!(location.to_string(), "postgres://ci:***@db.internal:5433/perf");
/// let file = HistoryLocation::parse("sqlite:.perf/history.sqlite")?;
/// assert_eq!(file.to_string(), "sqlite:.perf/history.sqlite");
/// # Ok::<(), perf_history::HistoryError>(())
/// ```
#[derive(Clone)]
pub enum HistoryLocation {
    /// An SQLite database file.
    Sqlite(Utf8PathBuf),
    /// A PostgreSQL database.
    Postgres(Box<postgres::Config>),
}

impl HistoryLocation {
    /// Reads a location: a `postgres://` or `postgresql://` URL, a libpq `key=value` string
    /// (its first word is `key=value`), `sqlite:PATH`, or else a path to an SQLite file.
    ///
    /// # Errors
    /// [`HistoryError::InvalidLocation`] for an empty text or a PostgreSQL location the libpq
    /// grammar rejects; the error shows the text with any password redacted.
    pub fn parse(text: &str) -> Result<HistoryLocation, HistoryError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(HistoryError::EmptyLocation);
        }
        if let Some(path) = trimmed.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(HistoryError::EmptyLocation);
            }
            return Ok(HistoryLocation::Sqlite(Utf8PathBuf::from(path)));
        }
        if is_postgres_url(trimmed) || is_key_value(trimmed) {
            return postgres::Config::from_str(trimmed)
                .map(|config| HistoryLocation::Postgres(Box::new(config)))
                .map_err(|source| HistoryError::InvalidLocation {
                    location: redact_text(trimmed),
                    source: crate::error::BackendError::Postgres(source),
                });
        }
        Ok(HistoryLocation::Sqlite(Utf8PathBuf::from(trimmed)))
    }

    /// The location a run uses: the `--history` flag when given, else the
    /// `PERF_GATE_HISTORY_URL` value when set and not empty, else [`DEFAULT_HISTORY_FILE`].
    /// The caller reads the environment; this crate never does.
    ///
    /// # Errors
    /// As [`HistoryLocation::parse`].
    pub fn resolve(
        flag: Option<&str>,
        environment: Option<&str>,
    ) -> Result<HistoryLocation, HistoryError> {
        let environment = environment.filter(|value| !value.trim().is_empty());
        match flag.or(environment) {
            Some(text) => HistoryLocation::parse(text),
            None => Ok(HistoryLocation::Sqlite(Utf8PathBuf::from(
                DEFAULT_HISTORY_FILE,
            ))),
        }
    }

    /// The SQLite file, when the location is one.
    pub fn sqlite_path(&self) -> Option<&Utf8Path> {
        match self {
            HistoryLocation::Sqlite(path) => Some(path),
            HistoryLocation::Postgres(_) => None,
        }
    }
}

impl FromStr for HistoryLocation {
    type Err = HistoryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        HistoryLocation::parse(text)
    }
}

impl fmt::Display for HistoryLocation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryLocation::Sqlite(path) => write!(formatter, "sqlite:{path}"),
            HistoryLocation::Postgres(config) => write_postgres_url(config, formatter),
        }
    }
}

impl fmt::Debug for HistoryLocation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The redacted form: a Debug print (in a panic, a log) must not leak a password either.
        write!(formatter, "HistoryLocation({self})")
    }
}

fn is_postgres_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// A libpq `key=value` string: its first word is an option name followed by `=`.
fn is_key_value(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    match first.split_once('=') {
        Some((key, _)) => {
            !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        }
        None => false,
    }
}

/// A PostgreSQL location as a URL with the password replaced by `***`, built from the parsed
/// configuration so no form of input can smuggle the password through.
fn write_postgres_url(
    config: &postgres::Config,
    formatter: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    formatter.write_str("postgres://")?;
    if let Some(user) = config.get_user() {
        formatter.write_str(&percent_encode(user))?;
        if config.get_password().is_some() {
            formatter.write_str(":***")?;
        }
        formatter.write_str("@")?;
    } else if config.get_password().is_some() {
        formatter.write_str(":***@")?;
    }
    let ports = config.get_ports();
    for (index, host) in config.get_hosts().iter().enumerate() {
        if index > 0 {
            formatter.write_str(",")?;
        }
        match host {
            postgres::config::Host::Tcp(name) => formatter.write_str(&percent_encode(name))?,
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => {
                formatter.write_str(&percent_encode(&path.to_string_lossy()))?;
            }
        }
        // One port for all hosts, or one per host.
        let port = ports.get(index).or(if ports.len() == 1 {
            ports.first()
        } else {
            None
        });
        if let Some(port) = port {
            write!(formatter, ":{port}")?;
        }
    }
    formatter.write_str("/")?;
    if let Some(dbname) = config.get_dbname() {
        formatter.write_str(&percent_encode(dbname))?;
    }
    Ok(())
}

/// Percent-encodes what would break a URL's structure (and every non-printable byte).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Best-effort redaction of a location that did not parse: the password of a URL's user info
/// and the value of any `password=` option become `***`.
pub(crate) fn redact_text(text: &str) -> String {
    if is_postgres_url(text) {
        let Some(scheme_end) = text.find("://") else {
            return text.to_owned();
        };
        let rest = &text[scheme_end + 3..];
        // The user info ends at the last '@' before the path or query.
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let redacted_authority = match authority.rfind('@') {
            Some(at) => {
                let user_info = &authority[..at];
                let user = user_info.split(':').next().unwrap_or("");
                if user_info.contains(':') {
                    format!("{user}:***{}", &authority[at..])
                } else {
                    authority.to_owned()
                }
            }
            None => authority.to_owned(),
        };
        let query = redact_query(&rest[authority_end..]);
        return format!("{}{redacted_authority}{query}", &text[..scheme_end + 3]);
    }
    redact_key_values(text)
}

/// `?password=...` in a URL's query string.
fn redact_query(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => part.to_owned(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// `password=...` in a `key=value` string, quoted (`password='a b'`) or not.
fn redact_key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = find_password_key(rest) {
        out.push_str(&rest[..found]);
        out.push_str("password=***");
        let mut value = rest[found..]
            .split_once('=')
            .map_or("", |(_, value)| value)
            .trim_start();
        if let Some(quoted) = value.strip_prefix('\'') {
            // Up to the closing quote that is not escaped.
            let mut end = quoted.len();
            let mut escaped = false;
            for (index, character) in quoted.char_indices() {
                match character {
                    '\\' if !escaped => escaped = true,
                    '\'' if !escaped => {
                        end = index + 1;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            value = &quoted[end.min(quoted.len())..];
        } else {
            let end = value.find(char::is_whitespace).unwrap_or(value.len());
            value = &value[end..];
        }
        rest = value;
    }
    out.push_str(rest);
    out
}

/// The byte offset of the next `password` option name (`password =` allowed) in `text`.
fn find_password_key(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(offset) = lower[from..].find("password") {
        let start = from + offset;
        let before_ok = start == 0 || lower.as_bytes()[start - 1].is_ascii_whitespace();
        let after = lower[start + "password".len()..].trim_start();
        if before_ok && after.starts_with('=') {
            return Some(start);
        }
        from = start + "password".len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        HistoryLocation::parse(text)
            .map(|location| location.to_string())
            .unwrap()
    }

    #[test]
    fn postgres_urls_print_without_their_password() {
        assert_eq!(
            shown("postgres://ci:hunter2@127.0.0.1:5433/perf"),
            "postgres://ci:***@127.0.0.1:5433/perf"
        );
        assert_eq!(
            shown("postgresql://ci:hunter2@db/perf?sslmode=disable"),
            "postgres://ci:***@db:5432/perf"
        );
        assert_eq!(
            shown("postgres://db.internal/perf?user=ci&password=hunter2"),
            "postgres://ci:***@db.internal:5432/perf"
        );
        assert_eq!(shown("postgres://ci@db/perf"), "postgres://ci@db:5432/perf");
    }

    #[test]
    fn key_value_strings_print_as_urls_without_their_password() {
        let text = "host=127.0.0.1 port=5433 user=ci password='hunter 2' dbname=perf";
        let location = HistoryLocation::parse(text).unwrap();
        assert!(matches!(location, HistoryLocation::Postgres(_)));
        assert_eq!(
            location.to_string(),
            "postgres://ci:***@127.0.0.1:5433/perf"
        );
        assert!(!format!("{location:?}").contains("hunter"));
    }

    #[test]
    fn sqlite_locations_are_paths() {
        assert_eq!(shown("sqlite:.perf/h.sqlite"), "sqlite:.perf/h.sqlite");
        assert_eq!(shown("sqlite:///tmp/h.sqlite"), "sqlite:/tmp/h.sqlite");
        assert_eq!(shown("history.db"), "sqlite:history.db");
        assert_eq!(
            HistoryLocation::parse("/var/h.sqlite")
                .unwrap()
                .sqlite_path(),
            Some(Utf8Path::new("/var/h.sqlite"))
        );
    }

    #[test]
    fn resolution_prefers_the_flag_then_the_environment_then_the_default() {
        let resolve = |flag, environment| {
            HistoryLocation::resolve(flag, environment)
                .unwrap()
                .to_string()
        };
        assert_eq!(
            resolve(Some("a.sqlite"), Some("b.sqlite")),
            "sqlite:a.sqlite"
        );
        assert_eq!(resolve(None, Some("b.sqlite")), "sqlite:b.sqlite");
        assert_eq!(resolve(None, Some("  ")), "sqlite:.perf/history.sqlite");
        assert_eq!(resolve(None, None), "sqlite:.perf/history.sqlite");
    }

    #[test]
    fn invalid_locations_are_errors_that_do_not_show_the_password() {
        for text in [
            "postgres://ci:hunter2@db:notaport/perf",
            "host=db password=hunter2 port=notaport",
            "host=db password='hunter2 port=5432",
        ] {
            let error = HistoryLocation::parse(text).unwrap_err();
            let chain = crate::error::chain(&error);
            assert!(chain.contains("***"), "{chain}");
            assert!(!chain.contains("hunter2"), "{text}: {chain}");
        }
        assert!(matches!(
            HistoryLocation::parse(" "),
            Err(HistoryError::EmptyLocation)
        ));
    }

    #[test]
    fn redaction_of_text_handles_every_form() {
        assert_eq!(
            redact_text("postgres://u:p@ss@h/db?password=x&sslmode=disable"),
            "postgres://u:***@h/db?password=***&sslmode=disable"
        );
        assert_eq!(
            redact_text("host=h password = 'a\\' b' user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(redact_text("user=u mypassword=1"), "user=u mypassword=1");
    }
}
