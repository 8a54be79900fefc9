//! The OpenAPI 3.1 document: collected by utoipa-actix-web from the same `.service(...)`
//! registrations that build the router, then completed here with the bearer security scheme,
//! the error responses every protected operation can give, and the `X-Request-Id` header
//! every response carries.

use crate::error::Problem;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "lobkader",
        description = "Self-evaluations against the Kwaliteitskader LOB (loopbaanoriëntatie en -begeleiding): the framework as data, a school's evaluations over time, and comparisons between them.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    components(schemas(Problem, crate::error::ErrorCode, crate::error::FieldError)),
    tags(
        (name = "auth", description = "Logging in and the caller"),
        (name = "users", description = "Accounts (admins)"),
        (name = "instruments", description = "The Kwaliteitskader LOB and other instruments, verbatim from their source"),
        (name = "institutions", description = "Institutions, their units and kerngroep members"),
        (name = "evaluations", description = "Self-evaluations: drafts, submission, corrections, comparisons"),
        (name = "trajectories", description = "Traject Borging LOB: trajectories, their work components, targets and coaching sessions"),
        (name = "progress", description = "Timelines of submitted evaluations, per institution and per trajectory"),
        (name = "action-points", description = "Action points linked to a step or question"),
        (name = "coach", description = "The coach's overview of their trajectories"),
        (name = "audit", description = "The append-only audit trail: who changed what, when, in which request"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

/// Completes the collected document: adds the bearer scheme, and to every operation that does
/// not opt out with `security(())` the bearer requirement and the problem responses common to
/// all of them; then names the `X-Request-Id` header on every response. Runs after
/// utoipa-actix-web has merged the paths in (a derive-time modifier would see none).
pub fn finish(doc: &mut Doc) {
    Protected.modify(doc);
}

struct Protected;

const MALFORMED: (&str, &str) = (
    "400",
    "The request is malformed: bad JSON, path or query parameter",
);

const COMMON_ERRORS: &[(&str, &str)] = &[
    MALFORMED,
    ("401", "No valid bearer token"),
    ("403", "The caller's role does not allow this action"),
    (
        "404",
        "No such resource, or it is outside the caller's scope",
    ),
    ("422", "A field is not acceptable; `errors` names it"),
    ("500", "An internal error; the body reveals nothing further"),
];

/// What every operation with a JSON request body can answer about the body itself.
const BODY_ERRORS: &[(&str, &str)] = &[
    MALFORMED,
    (
        "413",
        "The request body is larger than 256 KiB (262,144 bytes)",
    ),
    (
        "415",
        "The request body is not sent as `Content-Type: application/json`",
    ),
    (
        "422",
        "A field is not acceptable; `errors` names it. No text field accepts the NUL character \
         (U+0000), which no database stores in text; a whole number may be written `4.0`",
    ),
];

/// The name under `components/headers` of the request id every response carries.
const REQUEST_ID: &str = "X-Request-Id";

impl Modify for Protected {
    fn modify(&self, doc: &mut Doc) {
        if let Some(components) = doc.components.as_mut() {
            components.headers.insert(
                REQUEST_ID.to_owned(),
                RefOr::T(
                    HeaderBuilder::new()
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
                        ))
                        .description(Some(
                            "The id of this request, as the service's logs and the audit trail \
                             (`request_id`) name it: quote it when asking about a request.",
                        ))
                        .build(),
                ),
            );
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                protect(op);
                for response in op.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response.headers.insert(
                            REQUEST_ID.to_owned(),
                            RefOr::Ref(Ref::new(format!("#/components/headers/{REQUEST_ID}"))),
                        );
                    }
                }
            }
        }
    }
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

fn protect(op: &mut Operation) {
    let public = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
    if op.request_body.is_some() {
        for (status, description) in BODY_ERRORS {
            op.responses
                .responses
                .entry((*status).to_owned())
                .or_insert_with(|| problem_response(description));
        }
    }
    if public {
        op.security = None;
        return;
    }
    op.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    for (status, description) in COMMON_ERRORS {
        op.responses
            .responses
            .entry((*status).to_owned())
            .or_insert_with(|| problem_response(description));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    found.push(r);
                }
                map.values().for_each(|v| references(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }

    /// utoipa registers the schemas that bodies name, not those that parameters name: a
    /// parameter can point at a schema the document does not hold, which breaks every client
    /// generator and fuzzer that reads it.
    #[test]
    fn every_reference_in_the_document_resolves() {
        let doc = serde_json::to_value(crate::startup::document()).unwrap();
        let mut found = Vec::new();
        references(&doc, &mut found);
        assert!(found.len() > 50, "only {} references", found.len());
        for r in found {
            let pointer = r.strip_prefix('#');
            assert!(
                pointer.and_then(|p| doc.pointer(p)).is_some(),
                "{r} does not resolve"
            );
        }
    }
}
