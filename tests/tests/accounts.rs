//! Accounts and their tokens: a password change, a password reset, a role change and removal
//! end every token the account holds at once; a removed account cannot log in and loses its
//! memberships but keeps its name on its work; signing keys rotate without logging anyone out.

use lobkader_api::auth::Role;
use lobkader_api::auth::token::{TokenKeys, key_id};
use lobkader_api::cli::{Cli, Command, KeysCommand, UserCommand};
use lobkader_tests::fixtures::Member;
use lobkader_tests::{Backend, Response, TestApp, backend_tests, json, spawn_app, spawn_app_with};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::Value;
use std::time::{Duration, Instant};

backend_tests!(
    changing_the_own_password_ends_every_earlier_token_and_the_new_one_logs_in,
    wrong_current_passwords_count_towards_the_login_limit_of_the_address,
    an_admin_reset_or_role_change_ends_the_account_tokens_and_a_new_name_does_not,
    removing_an_account_ends_its_tokens_login_and_memberships_and_keeps_its_work,
    an_admin_cannot_remove_or_demote_themselves_and_others_may_not_touch_accounts,
    a_change_through_another_instance_takes_effect_there_within_the_cache_lifetime,
    a_revoked_token_is_refused_before_anything_about_the_request_is_told,
    a_token_of_a_previous_key_works_after_a_restart_with_a_new_key,
    tokens_name_their_key_and_an_unknown_key_id_is_refused,
    stored_keys_rotate_without_logging_anyone_out_and_pruned_keys_stop_verifying,
    the_keys_commands_refuse_a_database_at_another_schema_and_never_migrate_it,
    an_account_added_on_the_command_line_is_recorded_and_a_blank_name_is_refused,
);

const PASSWORD: &str = "a-long-enough-password";
const NEW_PASSWORD: &str = "another-long-password";
/// The key `spawn_app` configures.
const HARNESS_KEY: &str = "a-test-signing-key-of-at-least-32-bytes";
const NEXT_KEY: &str = "the-next-signing-key-of-at-least-32-bytes";

async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    let body = json!({"email": email, "password": password});
    app.request(Method::POST, "/api/v1/auth/token", None, Some(body), &[])
        .await
}

async fn change_password(app: &TestApp, token: &str, current: &str, new: &str) -> Response {
    let body = json!({"current_password": current, "new_password": new});
    app.request(
        Method::PUT,
        "/api/v1/me/password",
        Some(token),
        Some(body),
        &[],
    )
    .await
}

/// Asserts that `token` is refused as an RFC 6750 `invalid_token`.
#[track_caller]
fn assert_revoked(r: &Response, what: &str) {
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (401, Some("unauthorized")),
        "{what}: {}",
        r.text
    );
    let challenge = r.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains("error=\"invalid_token\""),
        "{what}: {challenge}"
    );
}

/// The audit records of `action`, newest first.
async fn audit(app: &TestApp, action: &str) -> Vec<Value> {
    let path = format!("/api/v1/audit?action={action}");
    let page = app.get(&path, &app.admin_token).await.expect(200).body;
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn changing_the_own_password_ends_every_earlier_token_and_the_new_one_logs_in(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (id, first) = app.create_user("decaan@baken.test").await;
    let second = login(&app, "decaan@baken.test", PASSWORD).await.expect(200);
    let second = second.body["access_token"].as_str().unwrap().to_owned();

    let wrong = change_password(&app, &first, "not-my-password", NEW_PASSWORD).await;
    assert_eq!(
        (
            wrong.status,
            &wrong.body["code"],
            &wrong.body["errors"][0]["field"]
        ),
        (422, &json!("validation_failed"), &json!("current_password")),
        "{}",
        wrong.text
    );
    let short = change_password(&app, &first, PASSWORD, "too-short").await;
    assert_eq!(
        (short.status, &short.body["errors"][0]["field"]),
        (422, &json!("new_password"))
    );
    // Neither refusal changed anything.
    app.get("/api/v1/me", &first).await.expect(200);

    change_password(&app, &first, PASSWORD, NEW_PASSWORD)
        .await
        .expect(204);
    for (what, token) in [("the token that asked", &first), ("another token", &second)] {
        assert_revoked(&app.get("/api/v1/me", token).await, what);
    }
    let old = login(&app, "decaan@baken.test", PASSWORD).await.expect(401);
    assert_eq!(old.body["code"], "invalid_credentials");
    // Logged in again at once, quite possibly within the second of the change: that token works.
    let fresh = app.login("decaan@baken.test", NEW_PASSWORD).await;
    let me = app.get("/api/v1/me", &fresh).await.expect(200);
    assert_eq!(me.body["id"], json!(id));

    let records = audit(&app, "user.password_changed").await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        (&records[0]["object_id"], &records[0]["actor_id"]),
        (&json!(id), &json!(id))
    );
    let text = records[0].to_string();
    assert!(
        !text.contains(NEW_PASSWORD) && !text.contains(PASSWORD),
        "{text}"
    );
}

async fn wrong_current_passwords_count_towards_the_login_limit_of_the_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, token) = app.create_user("decaan@baken.test").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = change_password(&app, &token, "a-wrong-guess", NEW_PASSWORD).await;
        statuses.push(r.status);
    }
    // Five failures lock the address for a while, as five failed logins do.
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429]);
    let r = change_password(&app, &token, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status, 429, "the right password waits too: {}", r.text);
    assert!(r.header("retry-after").is_some());
    let r = login(&app, "decaan@baken.test", PASSWORD).await;
    assert_eq!(r.status, 429, "logging in waits too: {}", r.text);
    // The token still works: guessing did not change the account.
    app.get("/api/v1/me", &token).await.expect(200);
}

async fn an_admin_reset_or_role_change_ends_the_account_tokens_and_a_new_name_does_not(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (id, token) = app.create_user("decaan@baken.test").await;
    let path = format!("/api/v1/users/{id}");
    let admin = app.admin_token.clone();
    let patch = |body: Value| app.request(Method::PATCH, &path, Some(&admin), Some(body), &[]);

    let renamed = patch(json!({"display_name": "  M. de Boer "}))
        .await
        .expect(200);
    assert_eq!(
        (&renamed.body["display_name"], &renamed.body["role"]),
        (&json!("M. de Boer"), &json!("user"))
    );
    app.get("/api/v1/me", &token).await.expect(200);
    // Nothing to change changes nothing, tokens included.
    patch(json!({"role": "user"})).await.expect(200);
    app.get("/api/v1/me", &token).await.expect(200);

    let promoted = patch(json!({"role": "coach"})).await.expect(200);
    assert_eq!(promoted.body["role"], "coach");
    assert_revoked(&app.get("/api/v1/me", &token).await, "after a role change");
    let token = app.login("decaan@baken.test", PASSWORD).await;
    let me = app.get("/api/v1/me", &token).await.expect(200);
    assert_eq!(me.body["role"], "coach");

    patch(json!({"password": NEW_PASSWORD})).await.expect(200);
    assert_revoked(&app.get("/api/v1/me", &token).await, "after a reset");
    login(&app, "decaan@baken.test", PASSWORD).await.expect(401);
    app.login("decaan@baken.test", NEW_PASSWORD).await;

    let blank = patch(json!({"display_name": " "})).await.expect(422);
    assert_eq!(blank.body["errors"][0]["field"], "display_name");
    let short = patch(json!({"password": "short"})).await.expect(422);
    assert_eq!(short.body["errors"][0]["field"], "password");
    let unknown = patch(json!({"email": "ander@baken.test"}))
        .await
        .expect(422);
    assert_eq!(unknown.body["errors"][0]["field"], "email");
    let nobody = format!("/api/v1/users/{}", uuid::Uuid::new_v4());
    app.request(
        Method::PATCH,
        &nobody,
        Some(&admin),
        Some(json!({"role": "admin"})),
        &[],
    )
    .await
    .expect(404);

    let records = audit(&app, "user.updated").await;
    let fields: Vec<&Value> = records
        .iter()
        .rev()
        .map(|r| &r["details"]["fields"])
        .collect();
    assert_eq!(
        fields,
        [
            &json!(["display_name"]),
            &json!(["role"]),
            &json!(["password"])
        ]
    );
    assert_eq!(
        records[1]["details"]["role"],
        json!({"before": "user", "after": "coach"})
    );
    assert_eq!(records[0]["details"]["tokens_revoked"], true);
    let text = Value::Array(records).to_string();
    assert!(
        !text.contains(NEW_PASSWORD) && !text.contains("argon2"),
        "{text}"
    );
}

async fn removing_an_account_ends_its_tokens_login_and_memberships_and_keeps_its_work(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let Member { user_id, token, .. } = app.create_member(&school, "decaan@baken.test").await;
    let colleague = app.create_member(&school, "mentor@baken.test").await;
    let draft = app
        .create_draft(&school, &token, "2026-03-15", "baseline")
        .await;
    let evaluation = format!("/api/v1/evaluations/{}", draft.id());
    let before = app.get("/api/v1/users", &app.admin_token).await.expect(200);
    let path = format!("/api/v1/users/{user_id}");

    app.delete(&path, &app.admin_token).await.expect(204);

    assert_revoked(&app.get("/api/v1/me", &token).await, "a removed account");
    let refused = login(&app, "decaan@baken.test", PASSWORD).await.expect(401);
    assert_eq!(refused.body["code"], "invalid_credentials");
    let members = format!("/api/v1/institutions/{school}/members");
    let members = app.get(&members, &app.admin_token).await.expect(200).body;
    let ids: Vec<&Value> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["user_id"])
        .collect();
    assert_eq!(ids, [&json!(colleague.user_id)]);
    // Gone from the list; shown, marked, to an admin who asks for it by id.
    let after = app.get("/api/v1/users", &app.admin_token).await.expect(200);
    assert_eq!(
        after.body["total"],
        before.body["total"].as_u64().unwrap() - 1
    );
    assert!(!after.text.contains(&user_id), "{}", after.text);
    let shown = app.get(&path, &app.admin_token).await.expect(200);
    assert!(shown.body["removed_at"].is_string(), "{}", shown.text);
    // Its work stays, naming it.
    let kept = app.get(&evaluation, &app.admin_token).await.expect(200);
    assert_eq!(kept.body["created_by"], json!(user_id), "{}", kept.text);

    // Removed is final: no second removal, no change, no new membership, the address stays taken.
    app.delete(&path, &app.admin_token).await.expect(409);
    let admin = app.admin_token.clone();
    app.request(
        Method::PATCH,
        &path,
        Some(&admin),
        Some(json!({"role": "admin"})),
        &[],
    )
    .await
    .expect(409);
    let join = json!({"user_id": user_id, "function": "decaan"});
    let members = format!("/api/v1/institutions/{school}/members");
    app.post(&members, &admin, join).await.expect(422);
    let again =
        json!({"email": "decaan@baken.test", "display_name": "Opnieuw", "password": PASSWORD});
    app.post("/api/v1/users", &admin, again).await.expect(409);

    let removed = audit(&app, "user.removed").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["object_id"], json!(user_id));
    assert_eq!(removed[0]["details"]["memberships_ended"], json!([school]));
    let trail = format!("/api/v1/institutions/{school}/audit?action=member.removed");
    let trail = app.get(&trail, &colleague.token).await.expect(200).body;
    assert_eq!(trail["items"][0]["object_id"], json!(user_id), "{trail}");

    // A removed coach no longer coaches: the trajectory keeps its other coach, and the trail
    // names the assignment that ended.
    let coach = |email: &str| {
        let body = json!({"email": email, "display_name": "Coach", "password": PASSWORD,
                          "role": "coach"});
        app.post("/api/v1/users", &admin, body)
    };
    let leaving = coach("coach@regio.test").await.expect(201).id();
    let staying = coach("ander@regio.test").await.expect(201).id();
    let body = json!({"institution_id": school, "title": "Traject", "start_date": "2025-09-01",
                      "planned_end_date": "2027-07-31", "coach_ids": [leaving, staying]});
    let trajectory = app.post("/api/v1/trajectories", &admin, body).await;
    let trajectory = trajectory.expect(201).id();
    let coach_token = app.login("coach@regio.test", PASSWORD).await;
    let path = format!("/api/v1/trajectories/{trajectory}");
    app.get(&path, &coach_token).await.expect(200);
    app.delete(&format!("/api/v1/users/{leaving}"), &admin)
        .await
        .expect(204);
    let kept = app.get(&path, &admin).await.expect(200);
    assert_eq!(kept.body["coach_ids"], json!([staying]), "{}", kept.text);
    let removed = audit(&app, "user.removed").await;
    assert_eq!(removed[0]["object_id"], json!(leaving));
    assert_eq!(removed[0]["details"]["coaching_ended"], json!([trajectory]));
    assert_eq!(removed[0]["details"]["memberships_ended"], json!([]));
}

async fn an_admin_cannot_remove_or_demote_themselves_and_others_may_not_touch_accounts(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let me = app.get("/api/v1/me", &app.admin_token).await.expect(200);
    let own = format!("/api/v1/users/{}", me.body["id"].as_str().unwrap());
    let admin = app.admin_token.clone();
    let r = app.delete(&own, &admin).await.expect(409);
    assert_eq!(r.body["code"], "conflict");
    let demote = Some(json!({"role": "user"}));
    app.request(Method::PATCH, &own, Some(&admin), demote, &[])
        .await
        .expect(409);
    app.get("/api/v1/me", &admin).await.expect(200);

    let (id, token) = app.create_user("decaan@baken.test").await;
    let (_, other) = app.create_user("mentor@baken.test").await;
    let path = format!("/api/v1/users/{id}");
    app.delete(&path, &other).await.expect(403);
    let promote = Some(json!({"role": "admin"}));
    app.request(Method::PATCH, &path, Some(&token), promote, &[])
        .await
        .expect(403);
    app.get("/api/v1/me", &token).await.expect(200);
    let nobody = format!("/api/v1/users/{}", uuid::Uuid::new_v4());
    app.delete(&nobody, &admin).await.expect(404);
}

async fn a_change_through_another_instance_takes_effect_there_within_the_cache_lifetime(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let other = app.another_service().await;
    let (_, token) = app.create_user("decaan@baken.test").await;
    // The other instance has seen the account, so it holds its state in memory.
    other.get("/api/v1/me", &token).await.expect(200);
    change_password(&app, &token, PASSWORD, NEW_PASSWORD)
        .await
        .expect(204);
    let changed = Instant::now();
    assert_revoked(&app.get("/api/v1/me", &token).await, "where it changed");
    let limit = lobkader_api::auth::accounts::TTL + Duration::from_secs(1);
    loop {
        let r = other.get("/api/v1/me", &token).await;
        if r.status == 401 {
            assert_revoked(&r, "on the other instance");
            break;
        }
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(changed.elapsed() < limit, "still accepted after {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_revoked_token_is_refused_before_anything_about_the_request_is_told(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token.clone();
    let bad_body = Some(json!({"current_password": 5, "new_password": NEW_PASSWORD}));
    let cases = [
        (Method::PUT, "/api/v1/me/password", bad_body, 422),
        (Method::GET, "/api/v1/users/not-an-id", None, 400),
        (Method::GET, "/api/v1/users?limit=many", None, 400),
    ];
    for (i, (method, path, body, fault)) in cases.into_iter().enumerate() {
        let (id, token) = app.create_user(&format!("lid{i}@baken.test")).await;
        let r = app
            .request(method.clone(), path, Some(&token), body.clone(), &[])
            .await;
        assert_eq!(r.status, fault, "{path} while the token works: {}", r.text);
        let role = Some(json!({"role": "coach"}));
        let user = format!("/api/v1/users/{id}");
        app.request(Method::PATCH, &user, Some(&admin), role, &[])
            .await
            .expect(200);
        // The account is read from the database again now, which takes a while; the fault of
        // the request, found at once, must not be told meanwhile.
        let r = app.request(method, path, Some(&token), body, &[]).await;
        assert_revoked(&r, path);
    }
}

/// The `kid` header of a token.
fn kid(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).unwrap().kid
}

async fn a_token_of_a_previous_key_works_after_a_restart_with_a_new_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, token) = app.create_user("decaan@baken.test").await;
    assert_eq!(kid(&token), Some(key_id(HARNESS_KEY.as_bytes())));

    let rotated = app
        .another_service_with(|s| {
            s.jwt_secret = Some(SecretString::from(NEXT_KEY));
            s.jwt_previous_secrets = vec![SecretString::from(HARNESS_KEY)];
        })
        .await;
    let me = rotated.get("/api/v1/me", &token).await.expect(200);
    assert_eq!(me.body["email"], "decaan@baken.test");
    let fresh = rotated.login("decaan@baken.test", PASSWORD).await;
    assert_eq!(kid(&fresh), Some(key_id(NEXT_KEY.as_bytes())));
    rotated.get("/api/v1/me", &fresh).await.expect(200);
    // Revocation holds across keys.
    change_password(&rotated, &fresh, PASSWORD, NEW_PASSWORD)
        .await
        .expect(204);
    assert_revoked(&rotated.get("/api/v1/me", &token).await, "after the change");
    let token = rotated.login("decaan@baken.test", NEW_PASSWORD).await;

    // Once the previous key is dropped, its tokens stop working.
    let dropped = app
        .another_service_with(|s| s.jwt_secret = Some(SecretString::from(NEXT_KEY)))
        .await;
    dropped.get("/api/v1/me", &token).await.expect(200);
    let old = app.login("decaan@baken.test", NEW_PASSWORD).await;
    assert_eq!(kid(&old), Some(key_id(HARNESS_KEY.as_bytes())));
    assert_revoked(&dropped.get("/api/v1/me", &old).await, "a dropped key");
}

async fn tokens_name_their_key_and_an_unknown_key_id_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, token) = app.create_user("decaan@baken.test").await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref().map(str::len), Some(16));
    let user = uuid::Uuid::parse_str(&id).unwrap();
    let claims = |kid: Option<&str>| {
        let now = chrono::Utc::now().timestamp();
        let claims = json!({"sub": user, "role": "user", "iss": "lobkader", "aud": "lobkader-api",
                            "iat": now, "nbf": now, "exp": now + 600, "gen": 0});
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = kid.map(String::from);
        let key = jsonwebtoken::EncodingKey::from_secret(HARNESS_KEY.as_bytes());
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    };
    // The recipe works with the right key id and without one (tokens made before key ids).
    let right = key_id(HARNESS_KEY.as_bytes());
    app.get("/api/v1/me", &claims(Some(&right)))
        .await
        .expect(200);
    app.get("/api/v1/me", &claims(None)).await.expect(200);
    for unknown in ["AAAAAAAAAAAAAAAA", "", "../../etc/passwd"] {
        let r = app.get("/api/v1/me", &claims(Some(unknown))).await;
        assert_revoked(&r, unknown);
    }
    // The right key under another key's id is refused too.
    let other = key_id(NEXT_KEY.as_bytes());
    assert_revoked(
        &app.get("/api/v1/me", &claims(Some(&other))).await,
        "another id",
    );
    // A token of the current generation made by the library itself, for completeness.
    let made = TokenKeys::new(HARNESS_KEY.as_bytes(), 600).issue(user, Role::User);
    app.get("/api/v1/me", &made.unwrap()).await.expect(200);
}

async fn keys_command(app: &TestApp, command: KeysCommand) {
    let mut settings = lobkader_tests::test_settings(&app.database_url);
    settings.jwt_secret = None;
    let cli = Cli {
        command: Some(Command::Keys { command }),
        settings,
    };
    lobkader_api::cli::run(cli).await.expect("the keys command");
}

async fn the_keys_commands_refuse_a_database_at_another_schema_and_never_migrate_it(
    backend: Backend,
) {
    use lobkader_migration::{Migrator, MigratorTrait};
    let app = spawn_app_with(backend, |s| s.jwt_secret = None).await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let applied = || async {
        Migrator::get_applied_migrations(&db)
            .await
            .unwrap()
            .iter()
            .map(|m| m.name().to_owned())
            .collect::<Vec<_>>()
    };
    let all = applied().await;
    // As if an older lobkader served the database: its last migration not yet applied.
    Migrator::down(&db, Some(1)).await.unwrap();
    let older = applied().await;
    assert_eq!(older.len() + 1, all.len());
    for command in [KeysCommand::List, KeysCommand::Rotate, KeysCommand::Prune] {
        let mut settings = lobkader_tests::test_settings(&app.database_url);
        settings.jwt_secret = None;
        let cli = Cli {
            command: Some(Command::Keys { command }),
            settings,
        };
        let refused = lobkader_api::cli::run(cli).await.unwrap_err().to_string();
        assert!(
            refused.contains("run `lobkader migrate` first"),
            "{refused}"
        );
        assert_eq!(applied().await, older, "the keys command migrated nothing");
    }
    Migrator::up(&db, None).await.unwrap();
    keys_command(&app, KeysCommand::Rotate).await;
    db.close().await.unwrap();
}

async fn stored_keys_rotate_without_logging_anyone_out_and_pruned_keys_stop_verifying(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |s| s.jwt_secret = None).await;
    let (_, token) = app.create_user("decaan@baken.test").await;
    let first = kid(&token);
    assert!(first.is_some());

    keys_command(&app, KeysCommand::Rotate).await;

    // A restarted instance signs with the new key and still accepts the old one's tokens.
    let restarted = app.another_service_with(|s| s.jwt_secret = None).await;
    restarted.get("/api/v1/me", &token).await.expect(200);
    let fresh = restarted.login("decaan@baken.test", PASSWORD).await;
    assert!(kid(&fresh).is_some() && kid(&fresh) != first);
    // The instance that kept running learns the new key from the first token signed with it,
    // and signs with it from then on.
    app.get("/api/v1/me", &fresh).await.expect(200);
    app.get("/api/v1/me", &token).await.expect(200);
    let later = app.login("decaan@baken.test", PASSWORD).await;
    assert_eq!(kid(&later), kid(&fresh));
    let rotations = audit(&app, "signing_key.rotated").await;
    assert_eq!(rotations.len(), 1);
    assert_eq!(rotations[0]["details"]["retired"], json!(first));

    // Pruning keeps a key as long as its tokens may live.
    keys_command(&app, KeysCommand::Prune).await;
    restarted.get("/api/v1/me", &token).await.expect(200);
    // Retired long ago, the previous key is pruned, and its tokens stop working.
    age_previous_keys(&app).await;
    keys_command(&app, KeysCommand::Prune).await;
    let pruned = app.another_service_with(|s| s.jwt_secret = None).await;
    assert_revoked(&pruned.get("/api/v1/me", &token).await, "a pruned key");
    pruned.get("/api/v1/me", &fresh).await.expect(200);
}

/// Makes the stored previous keys look retired a day ago.
async fn age_previous_keys(app: &TestApp) {
    use lobkader_api::db::entities::service_secrets;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
    let aged = service_secrets::Entity::update_many()
        .filter(service_secrets::Column::Name.starts_with("jwt_previous_key:"))
        .col_expr(service_secrets::Column::CreatedAt, Expr::value(day_ago))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(aged.rows_affected, 1);
    db.close().await.unwrap();
}

async fn an_account_added_on_the_command_line_is_recorded_and_a_blank_name_is_refused(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let add = |name: &str| {
        let command = UserCommand::Add {
            email: "decaan@baken.test".into(),
            name: name.into(),
            password: SecretString::from(PASSWORD),
            admin: false,
        };
        let cli = Cli {
            command: Some(Command::User { command }),
            settings: lobkader_tests::test_settings(&app.database_url),
        };
        lobkader_api::cli::run(cli)
    };
    let blank = add(" \t ").await.expect_err("a blank name");
    assert!(blank.to_string().contains("name"), "{blank}");
    assert!(blank.to_string().contains("1 to 200 characters"), "{blank}");
    login(&app, "decaan@baken.test", PASSWORD).await.expect(401);

    add("  J. de Vries ").await.expect("the user add command");
    let token = app.login("decaan@baken.test", PASSWORD).await;
    let me = app.get("/api/v1/me", &token).await.expect(200);
    assert_eq!(me.body["display_name"], "J. de Vries");
    let created = audit(&app, "user.created").await;
    let record = created
        .iter()
        .find(|r| r["object_id"] == me.body["id"])
        .unwrap_or_else(|| panic!("{created:?}"));
    assert_eq!(
        (&record["actor_id"], &record["actor_role"]),
        (&Value::Null, &json!("system")),
        "{record}"
    );
    assert_eq!(
        record["details"],
        json!({"email": "decaan@baken.test", "role": "user", "by": "command line"})
    );
}
