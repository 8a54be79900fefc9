//! The binary's logs hold no secrets. With verbose logging on, a failed and a successful
//! login, authenticated requests, a PATCH with a remark and a PATCH that quotes the remark in
//! its error are logged by route template and status, and none of the passwords, the token,
//! the Authorization header or the remark's text appears in the output.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use std::io::Read;
use std::process::Stdio;
use support::Running;
use support::http::request;

const ADMIN_EMAIL: &str = "admin@logs.test";
const ADMIN_PASSWORD: &str = "Correct-Horse-4d1f9b-Battery";
const WRONG_PASSWORD: &str = "Wrong-Guess-83e2c5-Staple";
const REMARK: &str = "Vertrouwelijk: de decaan vertrekt in maart 5b7e";
const QUOTED: &str = "Citaat-in-een-fout-91a6";

#[test]
fn passwords_tokens_and_remarks_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = support::lobkader(dir.path());
    cmd.env("LOBKADER_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("LOBKADER_ADMIN_PASSWORD", ADMIN_PASSWORD)
        // As verbose as it gets, as an operator might set it to chase a problem.
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut service = Running::spawn(cmd);
    let port = service.port;
    // The log is read only after the service stops; a pipe this busy must not fill up first,
    // so the output is drained on a thread meanwhile.
    let mut stderr = service.child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        stderr.read_to_string(&mut log).unwrap();
        log
    });
    service.wait_ready();

    let login = |password: &str| {
        request(
            port,
            "POST",
            "/api/v1/auth/token",
            &[],
            Some(&json!({"email": ADMIN_EMAIL, "password": password})),
        )
    };
    assert_eq!(login(WRONG_PASSWORD).status, 401);
    let ok = login(ADMIN_PASSWORD);
    assert_eq!(ok.status, 200);
    let token = ok.body["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {token}");
    let auth = [("Authorization", bearer.as_str())];

    assert_eq!(request(port, "GET", "/api/v1/me", &auth, None).status, 200);
    let institution = request(
        port,
        "POST",
        "/api/v1/institutions",
        &auth,
        Some(&json!({"name": "Het Baken", "sector": "vo", "region": "Eemland"})),
    );
    assert_eq!(institution.status, 201, "{}", institution.body);
    let draft = request(
        port,
        "POST",
        &format!(
            "/api/v1/institutions/{}/evaluations",
            institution.body["id"].as_str().unwrap()
        ),
        &auth,
        Some(
            &json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2026-10-01", "moment": "baseline"}),
        ),
    );
    assert_eq!(draft.status, 201, "{}", draft.body);
    let path = format!("/api/v1/evaluations/{}", draft.body["id"].as_str().unwrap());
    let etag = draft.header("etag").unwrap().to_owned();
    let patched = request(
        port,
        "PATCH",
        &path,
        &[auth[0], ("If-Match", &etag)],
        Some(&json!({"levels": [{"step": 1, "level": "basic", "remarks": REMARK}]})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["levels"][0]["remarks"], REMARK);
    let request_id = patched.header("x-request-id").unwrap().to_owned();
    // A malformed change whose error quotes what was sent: the client sees the quote, the log
    // does not.
    let etag = patched.header("etag").unwrap().to_owned();
    let refused = request(
        port,
        "PATCH",
        &path,
        &[auth[0], ("If-Match", &etag)],
        Some(&json!({"levels": [{"step": QUOTED, "remarks": REMARK}]})),
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.to_string().contains(QUOTED),
        "{}",
        refused.body
    );
    // A forged token is refused; it is not logged either.
    let forged = format!("Bearer {token}x");
    let r = request(
        port,
        "GET",
        "/api/v1/me",
        &[("Authorization", forged.as_str())],
        None,
    );
    assert_eq!(r.status, 401);

    assert!(service.stop().success(), "a clean stop");
    let log = reader.join().unwrap();
    // The requests were logged, so the absence below is about what the lines hold.
    for expected in [
        "\"route\":\"/api/v1/auth/token\"",
        "\"route\":\"/api/v1/evaluations/{id}\"",
        "\"code\":\"invalid_credentials\"",
        "\"code\":\"validation_failed\"",
        "\"status\":200",
    ] {
        assert!(log.contains(expected), "{expected} not in the log:\n{log}");
    }
    // A request is found in the log by the id its response carried, and names its client.
    for expected in [
        format!("\"request_id\":\"{request_id}\""),
        "\"client\":\"127.0.0.1\"".to_owned(),
    ] {
        assert!(log.contains(&expected), "{expected} not in the log:\n{log}");
    }
    let signature = token.rsplit('.').next().unwrap();
    for secret in [
        ADMIN_PASSWORD,
        WRONG_PASSWORD,
        &token,
        signature,
        REMARK,
        "Vertrouwelijk",
        QUOTED,
        "Bearer",
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}
