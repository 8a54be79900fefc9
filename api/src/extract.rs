//! Request extractors that turn every kind of bad input into a problem response: JSON bodies
//! parsed with the path of the offending field and then validated, pagination, and the
//! handlers for actix's own path and query errors.

use crate::error::{ApiError, ErrorCode, FieldError};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use validator::Validate;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 256 * 1024;

/// A JSON body that parsed and passed its `validator` rules. Syntax errors are 400
/// `malformed_request`; a value of the wrong type, an unknown field or a broken rule is 422
/// `validation_failed` naming the field.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "The request body must be JSON, sent with `Content-Type: application/json`.",
                ));
            }
            let bytes = body.await.map_err(|_| {
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("The request body is larger than {BODY_LIMIT} bytes."),
                )
            })?;
            let value: T = parse_json(&bytes)?;
            value.validate()?;
            Ok(ValidJson(value))
        })
    }
}

/// Parses JSON, naming the field that failed.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            ApiError::validation(vec![field_error(&path, &inner.to_string())])
        } else {
            ApiError::new(
                ErrorCode::MalformedRequest,
                format!("The request body is not valid JSON: {inner}."),
            )
        }
    })?;
    de.end().map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("The request body has data after the JSON value: {e}."),
        )
    })?;
    Ok(value)
}

/// A deserialisation error as a field error a client can act on: the field named (a missing
/// field names itself), the message free of Rust type names and input positions.
fn field_error(path: &str, message: &str) -> FieldError {
    let path = if path == "." { "" } else { path };
    let message = strip_position(message);
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        let field = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return FieldError {
            field,
            message: "is required".into(),
        };
    }
    FieldError {
        field: path.to_owned(),
        message: humanize(&message),
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Replaces the Rust names serde puts in its messages with what a client sent or should send.
fn humanize(message: &str) -> String {
    let mut m = message.to_owned();
    if let Some(i) = m.find("expected struct ") {
        m.truncate(i);
        m.push_str("expected a JSON object");
    }
    for (serde_word, json_word) in [
        ("expected a sequence", "expected a JSON array"),
        ("expected a map", "expected a JSON object"),
    ] {
        m = m.replace(serde_word, json_word);
    }
    const NUMBERS: &[(&str, &str)] = &[
        ("u8", "a whole number from 0 to 255"),
        ("u16", "a whole number from 0 to 65535"),
        ("u32", "a whole number from 0 to 4294967295"),
        ("u64", "a whole number of at least 0"),
        ("i16", "a whole number from -32768 to 32767"),
        ("i32", "a whole number from -2147483648 to 2147483647"),
        ("i64", "a whole number"),
        ("usize", "a whole number of at least 0"),
    ];
    for (rust, text) in NUMBERS {
        if let Some(stem) = m.strip_suffix(&format!("expected {rust}")) {
            m = format!("{stem}expected {text}");
            break;
        }
    }
    m
}

/// A query string that parsed into `T`; anything else is 400 `invalid_query_parameter`
/// naming the parameter.
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ValidQuery))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let error = field_error(&path, &e.into_inner().to_string());
        let detail = if error.field.is_empty() {
            format!("The query string is not valid: {}.", error.message)
        } else {
            format!(
                "The query parameter `{}` is not valid: {}.",
                error.field, error.message
            )
        };
        ApiError::new(ErrorCode::InvalidQueryParameter, detail).with_errors(vec![error])
    })
}

/// The largest offset accepted; far beyond any list, and within every database's range.
const MAX_OFFSET: u64 = 1_000_000_000;

/// Pagination of a list: `limit` items from `offset`.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// How many items to skip, 0 to 1,000,000,000 (default 0).
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<u64>,
}

impl Page {
    /// The limit and offset to use, or 422 when out of range.
    pub fn resolve(&self) -> Result<(u64, u64), ApiError> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 200"));
        }
        let offset = self.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(ApiError::field("offset", "must be at most 1000000000"));
        }
        Ok((offset, limit))
    }
}

pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    let detail = match err {
        actix_web::error::PathError::Deserialize(e) => {
            format!("A path parameter is not valid: {e}.")
        }
        _ => "A path parameter is not valid.".to_owned(),
    };
    ApiError::new(ErrorCode::InvalidPathParameter, detail).into()
}
