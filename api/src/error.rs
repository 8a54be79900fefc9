//! The one error type at the HTTP edge and its rendering as RFC 9457
//! `application/problem+json`. Every code lives in the closed [`ErrorCode`] catalogue with its
//! status; 5xx bodies say nothing about the cause, which is logged instead.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use lobkader_domain::Missing;
use sea_orm::DbErr;
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// Every error the API can answer with. The snake_case name is the `code` of the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedRequest,
    InvalidPathParameter,
    InvalidQueryParameter,
    ValidationFailed,
    IncompleteEvaluation,
    Unauthorized,
    InvalidCredentials,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    EvaluationSubmitted,
    PreconditionFailed,
    PreconditionRequired,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    InternalError,
    DatabaseUnavailable,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            MalformedRequest | InvalidPathParameter | InvalidQueryParameter => {
                StatusCode::BAD_REQUEST
            }
            ValidationFailed | IncompleteEvaluation => StatusCode::UNPROCESSABLE_ENTITY,
            Unauthorized | InvalidCredentials => StatusCode::UNAUTHORIZED,
            Forbidden => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Conflict | EvaluationSubmitted => StatusCode::CONFLICT,
            PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MalformedRequest => "malformed_request",
            InvalidPathParameter => "invalid_path_parameter",
            InvalidQueryParameter => "invalid_query_parameter",
            ValidationFailed => "validation_failed",
            IncompleteEvaluation => "incomplete_evaluation",
            Unauthorized => "unauthorized",
            InvalidCredentials => "invalid_credentials",
            Forbidden => "forbidden",
            NotFound => "not_found",
            MethodNotAllowed => "method_not_allowed",
            Conflict => "conflict",
            EvaluationSubmitted => "evaluation_submitted",
            PreconditionFailed => "precondition_failed",
            PreconditionRequired => "precondition_required",
            PayloadTooLarge => "payload_too_large",
            UnsupportedMediaType => "unsupported_media_type",
            TooManyRequests => "too_many_requests",
            InternalError => "internal_error",
            DatabaseUnavailable => "database_unavailable",
        }
    }

    /// The status's reason phrase as RFC 9110 names it.
    fn title(self) -> &'static str {
        match self.status() {
            StatusCode::PAYLOAD_TOO_LARGE => "Content Too Large",
            StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable Content",
            status => status.canonical_reason().unwrap_or("Error"),
        }
    }
}

/// One rejected field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where in the request, e.g. `answers[2].answer` or `reference_date`.
    pub field: String,
    pub message: String,
}

/// Something still to fill in before an evaluation can be submitted: an unanswered question
/// or a step without a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MissingItem {
    /// `answer` or `level`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u8>,
}

impl From<Missing> for MissingItem {
    fn from(m: Missing) -> Self {
        match m {
            Missing::Answer { question_id } => MissingItem {
                kind: "answer".into(),
                question_id: Some(question_id),
                step: None,
            },
            Missing::Level { step } => MissingItem {
                kind: "level".into(),
                question_id: None,
                step: Some(step),
            },
        }
    }
}

/// An RFC 9457 problem detail, as every error response carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:lobkader:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The stable, machine-readable error code.
    pub code: ErrorCode,
    /// The rejected fields, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// What is still to be filled in, for `incomplete_evaluation`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<MissingItem>,
}

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    /// What only some errors carry; boxed so that every `Result` stays small.
    more: Option<Box<More>>,
}

#[derive(Debug, Default)]
struct More {
    errors: Vec<FieldError>,
    missing: Vec<MissingItem>,
    retry_after: Option<u64>,
    allow: Option<String>,
    /// The RFC 6750 `error` of a bearer challenge, e.g. `invalid_token`.
    bearer_error: Option<&'static str>,
    /// The underlying cause of a 5xx, for the log only.
    cause: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError {
            code,
            detail: detail.into(),
            more: None,
        }
    }

    fn more(&mut self) -> &mut More {
        self.more.get_or_insert_with(Default::default)
    }

    /// What is still to be filled in, for `incomplete_evaluation`.
    pub fn with_missing(mut self, missing: Vec<Missing>) -> Self {
        self.more().missing = missing.into_iter().map(Into::into).collect();
        self
    }

    /// Seconds after which a retry may succeed, sent as `Retry-After`.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.more().retry_after = Some(seconds);
        self
    }

    /// The methods a resource answers, sent as `Allow`.
    pub fn with_allow(mut self, methods: String) -> Self {
        self.more().allow = Some(methods);
        self
    }

    /// Marks a 401 as caused by a token that was presented but is not valid.
    pub fn invalid_token(mut self) -> Self {
        self.more().bearer_error = Some("invalid_token");
        self
    }

    /// Names the rejected fields (for `validation_failed` and bad parameters).
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.more().errors = errors;
        self
    }

    /// The rejected fields of a `validation_failed` error.
    pub fn errors(&self) -> &[FieldError] {
        self.more
            .as_ref()
            .map(|m| m.errors.as_slice())
            .unwrap_or_default()
    }

    pub fn not_found() -> Self {
        Self::new(
            ErrorCode::NotFound,
            "The requested resource does not exist.",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "Your role does not allow this action.",
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            ErrorCode::ValidationFailed,
            "The request is well-formed but some fields are not acceptable.",
        );
        e.more().errors = errors;
        e
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// A database error in which a unique violation means what `detail` says.
    pub fn unique(err: DbErr, detail: &str) -> Self {
        if crate::db::is_unique_violation(&err) {
            Self::conflict(detail)
        } else {
            Self::from(err)
        }
    }

    /// The database cannot answer now (unreachable, restarting, out of space, busy): 503 with
    /// `Retry-After`.
    pub fn database_unavailable() -> Self {
        Self::new(
            ErrorCode::DatabaseUnavailable,
            "The database is unavailable at the moment; try again shortly.",
        )
        .with_retry_after(DATABASE_RETRY_AFTER_SECONDS)
    }

    pub fn internal(cause: impl fmt::Display) -> Self {
        Self::new(ErrorCode::InternalError, "An internal error occurred.").caused_by(cause)
    }

    /// Keeps the cause of a 5xx for the log; the client never sees it.
    pub fn caused_by(mut self, cause: impl fmt::Display) -> Self {
        self.more().cause = Some(cause.to_string());
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:lobkader:problem:{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            errors: self.errors().to_vec(),
            missing: self
                .more
                .as_ref()
                .map(|m| m.missing.clone())
                .unwrap_or_default(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let more = self.more.as_deref();
        if let Some(cause) = more.and_then(|m| m.cause.as_ref()) {
            let code = self.code.as_str();
            // An unavailable database is an operational condition that may last a while, and
            // every request during it fails alike: a warning each, not an error.
            if self.code == ErrorCode::DatabaseUnavailable {
                tracing::warn!(code, cause = %cause, "request failed");
            } else {
                tracing::error!(code, cause = %cause, "request failed");
            }
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if self.code.status() == StatusCode::UNAUTHORIZED {
            let challenge = match more.and_then(|m| m.bearer_error) {
                Some(error) => format!("Bearer realm=\"lobkader\", error=\"{error}\""),
                None => "Bearer realm=\"lobkader\"".to_owned(),
            };
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Some(seconds) = more.and_then(|m| m.retry_after) {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(allow) = more.and_then(|m| m.allow.as_ref())
            && let Ok(value) = HeaderValue::from_str(allow)
        {
            response.insert_header((header::ALLOW, value));
        }
        response.json(self.problem())
    }
}

impl From<lobkader_domain::evaluation::PatchError> for FieldError {
    fn from(e: lobkader_domain::evaluation::PatchError) -> Self {
        FieldError {
            field: e.field,
            message: e.message,
        }
    }
}

impl From<lobkader_domain::evaluation::PatchError> for ApiError {
    fn from(e: lobkader_domain::evaluation::PatchError) -> Self {
        ApiError::validation(vec![e.into()])
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        if crate::db::is_unique_violation(&err) {
            return ApiError::conflict("A resource with these unique values already exists.");
        }
        if is_unavailable(&err) {
            return ApiError::database_unavailable().caused_by(err);
        }
        ApiError::internal(err)
    }
}

/// How long a client is asked to wait after `database_unavailable`: long enough for a
/// database restart or a busy writer, short enough not to stall a person at a form.
const DATABASE_RETRY_AFTER_SECONDS: u64 = 2;

/// Whether a database error says the database cannot answer *now* rather than that the
/// request or the code is wrong: no connection to be had, a connection lost, the server
/// shutting down, out of disk or memory, or a lock that did not come free in time. A
/// transaction that fails rolls back whole; only a connection lost during the commit itself
/// leaves open whether the change was made, which `If-Match` on the retry settles.
fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => sqlx_unavailable(e),
        _ => false,
    }
}

fn sqlx_unavailable(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    use sea_orm::sqlx::postgres::PgDatabaseError;
    use sea_orm::sqlx::sqlite::SqliteError;
    match err {
        Error::Io(_)
        | Error::Tls(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(e) => {
            let code = e.code().unwrap_or_default();
            if e.try_downcast_ref::<PgDatabaseError>().is_some() {
                postgres_unavailable(&code)
            } else if e.try_downcast_ref::<SqliteError>().is_some() {
                code.parse().is_ok_and(sqlite_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// SQLSTATE classes 08 (connection exception) and 53 (insufficient resources: `53100`
/// disk_full, out of memory, too many connections); `57P01`–`57P03` (the server is shutting
/// down, crashed, or is not yet accepting connections); `58030` (an I/O error on the server).
fn postgres_unavailable(sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || sqlstate.starts_with("53")
        || matches!(sqlstate, "57P01" | "57P02" | "57P03" | "58030")
}

/// The primary result codes `SQLITE_BUSY` (5, "database is locked"), `SQLITE_LOCKED` (6),
/// `SQLITE_IOERR` (10), `SQLITE_FULL` (13, "database or disk is full") and
/// `SQLITE_CANTOPEN` (14); sqlx reports extended codes, whose low byte is the primary code.
fn sqlite_unavailable(extended_code: i32) -> bool {
    matches!(extended_code & 0xff, 5 | 6 | 10 | 13 | 14)
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        flatten_validation("", &errors, &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::validation(fields)
    }
}

fn flatten_validation(
    prefix: &str,
    errors: &validator::ValidationErrors,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe_validation(e));
                    out.push(FieldError {
                        field: path.clone(),
                        message,
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten_validation(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn describe_validation(e: &validator::ValidationError) -> String {
    let param = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max} characters long"),
            (Some(min), None) => format!("must be at least {min} characters long"),
            (None, Some(max)) => format!("must be at most {max} characters long"),
            _ => "has an unacceptable length".to_owned(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            _ => "is out of range".to_owned(),
        },
        code => format!("is not acceptable ({code})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_that_pass_answer_503_with_retry_after_and_others_500() {
        let timeout = ApiError::from(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout));
        assert_eq!(timeout.code, ErrorCode::DatabaseUnavailable);
        let response = timeout.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static("2"))
        );
        let lost = sea_orm::sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into());
        let lost = DbErr::Query(sea_orm::RuntimeErr::SqlxError(lost.into()));
        assert_eq!(ApiError::from(lost).code, ErrorCode::DatabaseUnavailable);
        let bug = DbErr::Type("unknown status stored".into());
        assert_eq!(ApiError::from(bug).code, ErrorCode::InternalError);
    }

    #[test]
    fn lost_connections_shutdowns_and_full_disks_are_unavailable_syntax_errors_are_not() {
        for code in ["08006", "08001", "53100", "53300", "57P01", "57P03"] {
            assert!(postgres_unavailable(code), "{code}");
        }
        for code in ["42601", "23505", "40001", "57014"] {
            assert!(!postgres_unavailable(code), "{code}");
        }
        // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_CANTOPEN
        for code in [5, 517, 13, 778, 14] {
            assert!(sqlite_unavailable(code), "{code}");
        }
        // SQLITE_ERROR, SQLITE_CONSTRAINT_UNIQUE, SQLITE_CORRUPT
        for code in [1, 2067, 11] {
            assert!(!sqlite_unavailable(code), "{code}");
        }
    }
}
