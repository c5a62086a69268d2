//! Embedded, versioned, checksummed migrations, the same for both dialects.
//!
//! Each migration has a version, a name and one SQL text per dialect. `schema_version` holds a
//! row per applied migration with the SHA-256 of the text applied. Opening a database applies
//! the missing migrations in one transaction (under an advisory lock on PostgreSQL, under
//! SQLite's write lock), after checking that every applied migration is one this crate knows,
//! with the same checksum: a newer database is never downgraded, a changed migration never
//! silently accepted.

use sha2::{Digest, Sha256};

use crate::error::HistoryError;
use crate::sql::{Sql, Value};

/// Which SQL a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// One schema change.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

impl Migration {
    pub(crate) fn sql(&self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
        }
    }

    /// `sha256:` and the hex SHA-256 of the dialect's text.
    pub(crate) fn checksum(&self, dialect: Dialect) -> String {
        let digest = Sha256::digest(self.sql(dialect).as_bytes());
        let mut text = String::from("sha256:");
        for byte in digest {
            text.push_str(&format!("{byte:02x}"));
        }
        text
    }
}

/// Every migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "runs",
        sqlite: include_str!("../migrations/sqlite/0001_runs.sql"),
        postgres: include_str!("../migrations/postgres/0001_runs.sql"),
    },
    Migration {
        version: 2,
        name: "budget_violations",
        sqlite: include_str!("../migrations/sqlite/0002_budget_violations.sql"),
        postgres: include_str!("../migrations/postgres/0002_budget_violations.sql"),
    },
    Migration {
        version: 3,
        name: "measures",
        sqlite: include_str!("../migrations/sqlite/0003_measures.sql"),
        postgres: include_str!("../migrations/postgres/0003_measures.sql"),
    },
];

/// The schema version this crate writes: the newest migration's.
pub const SCHEMA_VERSION: i64 = 3;

const SCHEMA_VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (
    version    BIGINT NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    checksum   TEXT   NOT NULL,
    applied_at TEXT   NOT NULL
)";

/// An arbitrary, fixed key for `pg_advisory_xact_lock`: "perf" in ASCII.
const POSTGRES_LOCK_KEY: i64 = 0x7065_7266;

/// Brings the schema to `target` (at most [`SCHEMA_VERSION`]) inside the caller's write
/// transaction; returns the version the database is at afterwards.
pub(crate) fn migrate(
    sql: &mut dyn Sql,
    dialect: Dialect,
    location: &str,
    target: i64,
    now: &str,
) -> Result<i64, HistoryError> {
    let database = |operation| {
        let location = location.to_owned();
        move |source| HistoryError::Database {
            location,
            operation,
            source,
        }
    };
    if dialect == Dialect::Postgres {
        // Serialises concurrent first opens: CREATE TABLE IF NOT EXISTS is not safe to race.
        sql.batch(&format!(
            "SELECT pg_advisory_xact_lock({POSTGRES_LOCK_KEY})"
        ))
        .map_err(database("lock the schema"))?;
    }
    sql.batch(SCHEMA_VERSION_TABLE)
        .map_err(database("create schema_version"))?;
    let applied = sql
        .query(
            "SELECT version, name, checksum FROM schema_version ORDER BY version",
            &[],
        )
        .map_err(database("read schema_version"))?;
    let mut current = 0;
    for row in applied {
        let (
            Some(Value::Int(Some(version))),
            Some(Value::Text(Some(name))),
            Some(Value::Text(Some(found))),
        ) = (row.first(), row.get(1), row.get(2))
        else {
            return Err(HistoryError::Corrupt {
                location: location.to_owned(),
                table: "schema_version",
                detail: format!("row {row:?}"),
            });
        };
        let Some(migration) = MIGRATIONS.iter().find(|known| known.version == *version) else {
            return Err(HistoryError::NewerSchema {
                location: location.to_owned(),
                found: *version,
                supported: SCHEMA_VERSION,
            });
        };
        let expected = migration.checksum(dialect);
        if *found != expected {
            return Err(HistoryError::ChecksumMismatch {
                location: location.to_owned(),
                version: *version,
                name: name.clone(),
                expected,
                found: found.clone(),
            });
        }
        current = current.max(*version);
    }
    let applied_before = current;
    for migration in MIGRATIONS
        .iter()
        .filter(|migration| migration.version > applied_before && migration.version <= target)
    {
        sql.batch(migration.sql(dialect))
            .map_err(database("apply a migration"))?;
        sql.execute(
            "INSERT INTO schema_version (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
            &[
                Value::int(migration.version),
                Value::text(migration.name),
                Value::text(migration.checksum(dialect)),
                Value::text(now),
            ],
        )
        .map_err(database("record a migration"))?;
        current = migration.version;
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_and_end_at_the_schema_version() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
    }

    #[test]
    fn both_dialects_define_the_same_tables_and_columns() {
        // One logical schema: the dialects differ only in type names.
        let shape = |sql: &str| -> Vec<String> {
            sql.lines()
                .map(str::trim)
                .filter(|line| !line.starts_with("--") && !line.is_empty())
                .map(|line| line.split_whitespace().next().unwrap_or("").to_owned())
                .collect()
        };
        for migration in MIGRATIONS {
            assert_eq!(
                shape(migration.sql(Dialect::Sqlite)),
                shape(migration.sql(Dialect::Postgres)),
                "migration {}",
                migration.name
            );
        }
    }
}
