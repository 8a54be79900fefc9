//! The SQL both databases write differently, for queries that return their parts as JSON in
//! one row: each helper gives the SQLite or the PostgreSQL form of the same expression, and
//! [`PerBackend`] keeps a query written with them once per backend.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use std::sync::OnceLock;

/// A query written with `?` placeholders by a function of the backend, made once per backend on
/// first use with the backend's own placeholders, so that a request only binds its values.
/// Declare it as a `static` beside the function that writes it.
pub(crate) struct PerBackend {
    write: fn(DbBackend) -> String,
    sqlite: OnceLock<String>,
    postgres: OnceLock<String>,
}

impl PerBackend {
    pub(crate) const fn new(write: fn(DbBackend) -> String) -> Self {
        PerBackend {
            write,
            sqlite: OnceLock::new(),
            postgres: OnceLock::new(),
        }
    }

    /// The query's text for `backend`.
    pub(crate) fn sql(&self, backend: DbBackend) -> &str {
        let cell = match backend {
            DbBackend::Postgres => &self.postgres,
            _ => &self.sqlite,
        };
        cell.get_or_init(|| placeholders(backend, &(self.write)(backend)))
    }

    /// Runs the query with `values` for its placeholders, in order; its first row, if any.
    pub(crate) async fn one(
        &self,
        db: &impl ConnectionTrait,
        values: Vec<Value>,
    ) -> Result<Option<QueryResult>, DbErr> {
        let backend = db.get_database_backend();
        db.query_one_raw(Statement::from_sql_and_values(
            backend,
            self.sql(backend),
            values,
        ))
        .await
    }
}

/// `sql` written with `?` placeholders, with the backend's own (`$1`, `$2`, … on PostgreSQL).
/// A `?` inside a quoted literal or identifier (`'…'`, `"…"`) is text, not a placeholder; a
/// doubled quote inside one (`'it''s'`) leaves and re-enters it, which changes nothing.
fn placeholders(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            let mut quote: Option<char> = None;
            for c in sql.chars() {
                match (quote, c) {
                    (None, '?') => {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                        continue;
                    }
                    (None, '\'' | '"') => quote = Some(c),
                    (Some(q), _) if q == c => quote = None,
                    _ => {}
                }
                out.push(c);
            }
            out
        }
        _ => sql.to_owned(),
    }
}

/// A uuid column as a JSON value: SQLite keeps uuids as 16-byte blobs, which JSON cannot hold,
/// so there it is their hex digits (which [`Uuid`] reads back); PostgreSQL writes them itself.
pub(crate) fn uuid_json(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => column.to_owned(),
        _ => format!("CASE WHEN {column} IS NULL THEN NULL ELSE hex({column}) END"),
    }
}

/// A JSON array of the SQL expressions `items`.
pub(crate) fn json_array(backend: DbBackend, items: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("json_build_array({items})"),
        _ => format!("json_array({items})"),
    }
}

/// The aggregate of the JSON expression `element` over a query's rows as a JSON array, `[]`
/// when there are none.
pub(crate) fn json_agg(backend: DbBackend, element: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("COALESCE(json_agg({element}), '[]'::json)"),
        _ => format!("json_group_array({element})"),
    }
}

/// The aggregate of the text expression `item` over a query's rows, joined by commas; NULL
/// when there are none.
pub(crate) fn joined(backend: DbBackend, item: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("string_agg({item}, ',')"),
        _ => format!("group_concat({item}, ',')"),
    }
}

/// A JSON expression as a text column.
pub(crate) fn as_text(backend: DbBackend, expr: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("({expr})::text"),
        _ => expr.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_numbers_the_placeholders_and_sqlite_keeps_them() {
        static Q: PerBackend = PerBackend::new(|_| "SELECT ? WHERE a = ? AND b = ?".to_owned());
        assert_eq!(
            Q.sql(DbBackend::Postgres),
            "SELECT $1 WHERE a = $2 AND b = $3"
        );
        assert_eq!(Q.sql(DbBackend::Sqlite), "SELECT ? WHERE a = ? AND b = ?");
    }

    #[test]
    fn a_question_mark_in_a_literal_or_identifier_is_not_a_placeholder() {
        static Q: PerBackend = PerBackend::new(|_| {
            r#"SELECT '?', 'it''s ?', "col?" FROM t WHERE a = ? AND b LIKE '%?%' AND c = ?"#
                .to_owned()
        });
        assert_eq!(
            Q.sql(DbBackend::Postgres),
            r#"SELECT '?', 'it''s ?', "col?" FROM t WHERE a = $1 AND b LIKE '%?%' AND c = $2"#
        );
    }
}
