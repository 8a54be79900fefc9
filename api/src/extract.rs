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
            let field = if path == "." { String::new() } else { path };
            ApiError::validation(vec![FieldError {
                field,
                message: strip_position(&inner.to_string()),
            }])
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

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Pagination of a list: `limit` items from `offset`.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// How many items to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<u64>,
}

impl Page {
    /// The limit and offset to use, or 422 when out of range.
    pub fn resolve(&self) -> Result<(u64, u64), ApiError> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 200"));
        }
        Ok((self.offset.unwrap_or(0), limit))
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

pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let detail = match err {
        actix_web::error::QueryPayloadError::Deserialize(e) => {
            format!("A query parameter is not valid: {e}.")
        }
        _ => "The query string is not valid.".to_owned(),
    };
    ApiError::new(ErrorCode::InvalidQueryParameter, detail).into()
}
