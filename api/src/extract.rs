//! Request extractors that turn every kind of bad input into a problem response: JSON bodies
//! parsed with the path of the offending field and then validated, pagination, and the
//! handlers for actix's own path and query errors.

use crate::error::{ApiError, ErrorCode, FieldError};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::NaiveDate;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor,
};
use std::fmt::Write as _;
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
///
/// Bad syntax, invalid UTF-8, nesting deeper than 128 levels, a key given twice and data after
/// the value are 400 `malformed_request`. Whole numbers written with a fraction (`4.0`) count as
/// integers, as JSON Schema says they are. Text containing the NUL character (U+0000) is 422
/// naming the field: no database stores it in text, so it is refused before it reaches one.
///
/// A body without the escape `\u0000` (the only way JSON text holds a NUL) is read straight into
/// `T` in one pass; only when that fails, or the escape is there, is it read again strictly (see
/// [`parse_strictly`]) for the precise answer. Both readings agree on every body the first one
/// accepts as long as `T` refuses a key given twice itself, as a derived struct with
/// `deny_unknown_fields` does (so no map or `serde_json::Value` in a request type).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.contains(r"\u0000")
        && let Ok(value) = serde_json::from_str(text)
    {
        return Ok(value);
    }
    parse_strictly(bytes)
}

/// Reads the body as a JSON value first, refusing a key given twice; turns whole-valued floats
/// into integers and lists every text holding a NUL; only then reads the value into `T`.
fn parse_strictly<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut value = Strict.deserialize(&mut de).map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("The request body is not valid JSON: {e}."),
        )
    })?;
    de.end().map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("The request body has data after the JSON value: {e}."),
        )
    })?;
    let mut nul = Vec::new();
    normalise(&mut value, &mut String::new(), &mut nul);
    if !nul.is_empty() {
        return Err(ApiError::validation(nul));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::validation(vec![field_error(&path, &e.into_inner().to_string())])
    })
}

/// Reads any JSON value like `serde_json::Value` does, but refuses an object that names a key
/// twice instead of keeping the last value: reading straight into a request type refuses that
/// too, and I-JSON (RFC 7493) requires unique names.
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = serde_json::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(Strict)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict)? {
            items.push(item);
        }
        Ok(items.into())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let value = map.next_value_seed(Strict)?;
            object.insert(key, value);
        }
        Ok(object.into())
    }
}

/// What text fields say about the NUL character they refuse.
pub const NUL_REFUSED: &str = "must not contain the NUL character (U+0000)";

/// Turns whole-valued floats into integers and lists every string (or key) holding a NUL
/// character, by its path in the style of the other field errors (`levels[4].remarks`).
fn normalise(value: &mut serde_json::Value, path: &mut String, nul: &mut Vec<FieldError>) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
            {
                // Exactly representable in both: beyond ±2^53 a float is no longer a whole
                // number anyone meant.
                const EXACT: f64 = 9_007_199_254_740_992.0;
                if f.abs() <= EXACT {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::String(s) if s.contains('\0') => nul.push(FieldError {
            field: path.clone(),
            message: NUL_REFUSED.into(),
        }),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                normalise(item, path, nul);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if key.contains('\0') {
                    nul.push(FieldError {
                        field: path.replace('\0', "\\u0000"),
                        message: NUL_REFUSED.into(),
                    });
                } else {
                    normalise(item, path, nul);
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// A deserialisation error as a field error a client can act on: the field named (a missing
/// field names itself), the message free of Rust type names and input positions.
fn field_error(path: &str, message: &str) -> FieldError {
    let path = if path == "." { "" } else { path };
    let message = strip_position(message);
    // A missing or repeated field (a query parameter given twice) names itself.
    for (prefix, said) in [
        ("missing field `", "is required"),
        ("duplicate field `", "is given more than once"),
    ] {
        if let Some(name) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix('`'))
        {
            let field = if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            return FieldError {
                field,
                message: said.into(),
            };
        }
    }
    FieldError {
        field: path.to_owned(),
        message: humanize(&message),
    }
}

/// Reads a date written exactly as RFC 3339's `full-date`, `YYYY-MM-DD`, as the OpenAPI
/// document's `format: date` says (chrono alone also takes `2026-1-1`, ` 2026-01-01` or
/// `+2026-01-01`). Use with `#[serde(deserialize_with = "crate::extract::date")]`.
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let text = String::deserialize(d)?;
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shaped = b.len() == 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    if !shaped {
        return Err(D::Error::custom(format_args!(
            "`{text}` is not a date written as YYYY-MM-DD"
        )));
    }
    let number = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
    i32::try_from(number(0..4))
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, number(5..7), number(8..10)))
        .ok_or_else(|| D::Error::custom(format_args!("`{text}` is not a day of the calendar")))
}

/// [`date`] for an optional field; mark it `#[serde(default)]` too.
pub fn optional_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<Wrapped>::deserialize(d).map(|o| o.map(|w| w.0))
}

/// [`date`] for a field where absent (`None`) and `null` (`Some(None)`) differ; mark it
/// `#[serde(default)]` too.
pub fn changed_date<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<NaiveDate>>, D::Error> {
    optional_date(d).map(Some)
}

struct Wrapped(NaiveDate);

impl<'de> Deserialize<'de> for Wrapped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        date(d).map(Wrapped)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        n: u8,
        #[serde(default)]
        text: Option<String>,
    }

    fn read(json: &str) -> Result<Body, ApiError> {
        parse_json(json.as_bytes())
    }

    /// A body the one-pass reading accepts must be one the strict reading accepts too, with
    /// the same value; whatever it refuses, the strict reading answers.
    #[test]
    fn the_one_pass_reading_accepts_only_what_the_strict_one_does() {
        for json in [
            r#"{"n": 4, "text": "Het Baken"}"#,
            r#"{"text": "tab\t \\u0000 is text, not NUL", "n": 4}"#,
            r#"{"n": 4.0}"#,
        ] {
            let one_pass = read(json).map_err(|e| e.to_string());
            let strict = parse_strictly::<Body>(json.as_bytes()).map_err(|e| e.to_string());
            assert_eq!(one_pass, strict, "{json}");
            assert!(one_pass.is_ok(), "{json}");
        }
        assert_eq!(read(r#"{"n": 4.0}"#).map(|b| b.n).ok(), Some(4));
        assert_eq!(
            read(r#"{"n": 1, "text": "a\\u0000"}"#)
                .ok()
                .and_then(|b| b.text),
            Some("a\\u0000".to_owned())
        );
        // A key given twice, known or not and with the same value or not, is malformed.
        for json in [
            r#"{"n": 1, "n": 1}"#,
            r#"{"n": 1, "n": 2}"#,
            r#"{"n": 1, "x": 1, "x": 1}"#,
        ] {
            let e = read(json).expect_err(json);
            assert_eq!(e.code, ErrorCode::MalformedRequest, "{json}");
        }
        // NUL, escaped in a value or in a key, is named.
        let e = read(r#"{"n": 1, "text": "a\u0000b"}"#).expect_err("NUL in a value");
        assert_eq!(e.code, ErrorCode::ValidationFailed);
        assert_eq!(e.errors()[0].field, "text");
        assert_eq!(e.errors()[0].message, NUL_REFUSED);
        let e = read(r#"{"n": 1, "a\u0000": 1}"#).expect_err("NUL in a key");
        assert_eq!(e.errors()[0].field, "a\\u0000");
    }
}
