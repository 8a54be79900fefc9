//! The committed `openapi/openapi.json` is exactly what the service serves. On drift the test
//! fails; `UPDATE_OPENAPI=1 cargo test -p lobkader-tests --test http openapi::` rewrites the file.

use lobkader_tests::{Backend, backend_tests, spawn_app};
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json")
}

fn generated() -> String {
    let doc = lobkader_api::startup::document();
    let mut text = serde_json::to_string_pretty(&doc).expect("the document serialises");
    text.push('\n');
    text
}

#[test]
fn the_committed_openapi_document_matches_the_generated_one() {
    let path = committed_path();
    let fresh = generated();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &fresh).expect("write openapi/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "openapi/openapi.json is out of date; regenerate it with \
         `UPDATE_OPENAPI=1 cargo test -p lobkader-tests --test http openapi::` and review the diff"
    );
}

#[test]
fn every_operation_documents_its_security_and_error_responses() {
    let doc: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let public = ["POST /api/v1/auth/token", "GET /healthz", "GET /readyz"];
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            seen += 1;
            assert!(op["operationId"].is_string(), "{name} has an operationId");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{name} documents success"
            );
            if public.contains(&name.as_str()) {
                assert!(op.get("security").is_none(), "{name} is public");
                continue;
            }
            assert_eq!(
                op["security"],
                serde_json::json!([{"bearer": []}]),
                "{name} needs a bearer token"
            );
            for status in ["400", "401", "403", "404", "422", "500"] {
                let r = &responses[status];
                assert_eq!(
                    r["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{name} documents {status} as a problem"
                );
            }
        }
    }
    assert!(seen >= 25, "only {seen} operations documented");
}

backend_tests!(the_service_serves_the_committed_document_and_an_offline_documentation_page);

async fn the_service_serves_the_committed_document_and_an_offline_documentation_page(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let served = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    let served: serde_json::Value = served.json().await.unwrap();
    let committed: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(served, committed);

    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("swagger-ui"),
        "the documentation page is Swagger UI"
    );
    assert!(
        !html.contains("https://"),
        "the page loads nothing from another host"
    );
    let init = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/v1/openapi.json"));
    let bundle = app
        .client
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bundle.status(),
        200,
        "the Swagger UI script is served by the service itself"
    );
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A handler's path in its route macro is relative to the scope it is registered in; the
/// comment beside the macro names the whole path, so that a route can be found by it. Each such
/// comment names the method and path the document gives the handler's operation, and every
/// operation under `/api/v1` has one.
#[test]
fn each_handler_names_its_whole_path_as_the_document_has_it() {
    let doc: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    let mut operations = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                operations.insert(id.to_owned(), format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let mut files = Vec::new();
    rust_files(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api/src/routes"),
        &mut files,
    );
    let mut named = std::collections::BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((_, comment)) = line.split_once(")] // ") else {
                continue;
            };
            if !line.starts_with("#[") {
                continue;
            }
            let handler = lines[i + 1..]
                .iter()
                .find_map(|l| l.strip_prefix("pub async fn "))
                .and_then(|l| l.split('(').next())
                .unwrap_or_else(|| panic!("no handler after {file:?}:{}", i + 1));
            named.insert(handler.to_owned(), comment.to_owned());
        }
    }
    for (id, whole) in &operations {
        if whole.contains(" /api/v1/") {
            assert_eq!(
                named.get(id),
                Some(whole),
                "the comment beside {id}'s route"
            );
        }
    }
    assert_eq!(
        named.len(),
        operations
            .values()
            .filter(|w| w.contains(" /api/v1/"))
            .count()
    );
}
