//! The one seam between the store's logic and the two database clients.
//!
//! Every statement the store runs is written once, in the SQL both dialects share, with `$1`,
//! `$2`, ... placeholders (PostgreSQL's; SQLite reads `$1` as a parameter named `$1`, numbered
//! in order of first appearance, so each statement names its parameters first in ascending
//! order, which [`SqliteSql`] checks). Values travel as [`Value`], typed even when null,
//! because PostgreSQL checks a parameter's type against its column's.

use postgres::types::{ToSql, Type};

use crate::error::BackendError;

/// A value sent to or read from the database.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `INTEGER` / `BIGINT`.
    Int(Option<i64>),
    /// `REAL` / `DOUBLE PRECISION`.
    Real(Option<f64>),
    /// `TEXT`.
    Text(Option<String>),
    /// `BLOB` / `BYTEA`.
    Blob(Option<Vec<u8>>),
}

impl Value {
    pub(crate) fn int(value: i64) -> Value {
        Value::Int(Some(value))
    }

    pub(crate) fn text(value: impl Into<String>) -> Value {
        Value::Text(Some(value.into()))
    }

    pub(crate) fn real(value: Option<f64>) -> Value {
        Value::Real(value)
    }

    pub(crate) fn optional_text(value: Option<&str>) -> Value {
        Value::Text(value.map(str::to_owned))
    }

    pub(crate) fn is_null(&self) -> bool {
        match self {
            Value::Int(value) => value.is_none(),
            Value::Real(value) => value.is_none(),
            Value::Text(value) => value.is_none(),
            Value::Blob(value) => value.is_none(),
        }
    }
}

/// One result row.
pub(crate) type Row = Vec<Value>;

/// What the store needs from a database: statements and queries inside one transaction.
pub(crate) trait Sql {
    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), BackendError>;
    /// Runs one statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, BackendError>;
    /// Runs one query; its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, BackendError>;
}

/// SQLite inside a transaction.
pub(crate) struct SqliteSql<'a>(pub(crate) &'a rusqlite::Connection);

impl SqliteSql<'_> {
    fn prepare(
        &self,
        sql: &str,
        params: usize,
    ) -> Result<rusqlite::CachedStatement<'_>, BackendError> {
        let statement = self.0.prepare_cached(sql)?;
        // `$N` must be the N-th parameter SQLite sees, or values would bind to the wrong place.
        debug_assert_eq!(statement.parameter_count(), params, "{sql}");
        for index in 1..=statement.parameter_count() {
            debug_assert_eq!(
                statement.parameter_name(index),
                Some(format!("${index}").as_str()),
                "{sql}"
            );
        }
        Ok(statement)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Int(Some(value)) => ToSqlOutput::Borrowed(ValueRef::Integer(*value)),
            Value::Real(Some(value)) => ToSqlOutput::Borrowed(ValueRef::Real(*value)),
            Value::Text(Some(value)) => ToSqlOutput::Borrowed(ValueRef::Text(value.as_bytes())),
            Value::Blob(Some(value)) => ToSqlOutput::Borrowed(ValueRef::Blob(value)),
            _ => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

fn sqlite_value(value: rusqlite::types::ValueRef<'_>) -> Result<Value, BackendError> {
    use rusqlite::types::ValueRef;
    Ok(match value {
        ValueRef::Null => Value::Text(None),
        ValueRef::Integer(value) => Value::Int(Some(value)),
        ValueRef::Real(value) => Value::Real(Some(value)),
        ValueRef::Text(text) => Value::Text(Some(
            std::str::from_utf8(text)
                .map_err(|error| BackendError::Sqlite(rusqlite::Error::Utf8Error(0, error)))?
                .to_owned(),
        )),
        ValueRef::Blob(bytes) => Value::Blob(Some(bytes.to_vec())),
    })
}

impl Sql for SqliteSql<'_> {
    fn batch(&mut self, sql: &str) -> Result<(), BackendError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, BackendError> {
        let mut statement = self.prepare(sql, params.len())?;
        Ok(statement.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, BackendError> {
        let mut statement = self.prepare(sql, params.len())?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                values.push(sqlite_value(row.get_ref(index)?)?);
            }
            out.push(values);
        }
        Ok(out)
    }
}

/// PostgreSQL inside a transaction.
pub(crate) struct PostgresSql<'a, 'b>(pub(crate) &'a mut postgres::Transaction<'b>);

fn postgres_params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|value| -> &(dyn ToSql + Sync) {
            match value {
                Value::Int(value) => value,
                Value::Real(value) => value,
                Value::Text(value) => value,
                Value::Blob(value) => value,
            }
        })
        .collect()
}

fn postgres_value(row: &postgres::Row, index: usize) -> Result<Value, BackendError> {
    let column_type = row.columns()[index].type_().clone();
    Ok(if column_type == Type::INT8 {
        Value::Int(row.try_get(index)?)
    } else if column_type == Type::INT4 {
        Value::Int(row.try_get::<_, Option<i32>>(index)?.map(i64::from))
    } else if column_type == Type::FLOAT8 {
        Value::Real(row.try_get(index)?)
    } else if column_type == Type::BYTEA {
        Value::Blob(row.try_get(index)?)
    } else {
        // TEXT, VARCHAR, NAME; anything else is an error the client reports with its type.
        Value::Text(row.try_get(index)?)
    })
}

impl Sql for PostgresSql<'_, '_> {
    fn batch(&mut self, sql: &str) -> Result<(), BackendError> {
        Ok(self.0.batch_execute(sql)?)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, BackendError> {
        Ok(self.0.execute(sql, &postgres_params(params))?)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, BackendError> {
        let rows = self.0.query(sql, &postgres_params(params))?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|index| postgres_value(row, index))
                    .collect()
            })
            .collect()
    }
}
