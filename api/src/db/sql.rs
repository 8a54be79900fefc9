//! The SQL both databases write differently, for queries that return their parts as JSON in
//! one row: each helper gives the SQLite or the PostgreSQL form of the same expression.

use sea_orm::DbBackend;

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
