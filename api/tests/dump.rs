//! `lobkader export` and `lobkader import` as an operator meets them: a populated service moves
//! from SQLite to PostgreSQL and back with every row equal, and the service on the new database
//! serves the same data to the same accounts; an import into a database that holds anything, of
//! a dump cut short, or of an unknown version or schema is refused and leaves the target as it was.
//!
//! The PostgreSQL parts run on a fresh database per test on the server named by
//! `TEST_DATABASE_URL` (`.ci/test` starts one); without it they are skipped with a note, except
//! under `CI`, where that is a failure.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, Timelike, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::Running;
use support::http::login;

const ADMIN_EMAIL: &str = "admin@lobkader.local";
const ADMIN_PASSWORD: &str = "an-admin-password-for-the-dump-test";
const DEMO_PASSWORD: &str = "a-demo-password-for-the-dump-test";
const COACH: &str = "i.visser@regio-zuiderhaven.example";

fn lobkader(dir: &Path, database_url: &str) -> Command {
    let mut cmd = support::lobkader(dir);
    cmd.env("DATABASE_URL", database_url)
        .env("LOBKADER_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("LOBKADER_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("LOBKADER_DEMO_PASSWORD", DEMO_PASSWORD);
    cmd
}

fn run(dir: &Path, database_url: &str, args: &[&str]) -> Output {
    lobkader(dir, database_url).args(args).output().unwrap()
}

#[track_caller]
fn succeed(dir: &Path, database_url: &str, args: &[&str]) -> String {
    let out = run(dir, database_url, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "lobkader {args:?}: {text}");
    text
}

/// `lobkader import`, expected to fail: its standard error.
#[track_caller]
fn refused(dir: &Path, database_url: &str, dump: &Path) -> String {
    let out = run(dir, database_url, &["import", "--input", path(dump)]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "the import is refused; {stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("imported"),
        "{stderr}"
    );
    stderr
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite://{}?mode=rwc", dir.join(name).display())
}

/// A new, empty database on the `TEST_DATABASE_URL` server, or `None` (with a note) without
/// one. Under `CI` a missing server is a failure, never a silent pass.
fn postgres() -> Option<String> {
    support::fresh_postgres_database_blocking("dump")
}

/// The databases a refusal is checked on: a new SQLite file, and PostgreSQL when there is one.
fn empty_targets(dir: &Path) -> Vec<String> {
    let mut targets = vec![sqlite(dir, "target.db")];
    targets.extend(postgres());
    targets
}

/// The demo region in a new SQLite database, exported: the database's URL and the dump.
fn demo_dump(dir: &Path) -> (String, PathBuf) {
    let url = sqlite(dir, "demo.db");
    succeed(dir, &url, &["demo"]);
    let dump = dir.join("demo.jsonl");
    succeed(dir, &url, &["export", "--output", path(&dump)]);
    (url, dump)
}

fn export(dir: &Path, database_url: &str) -> Vec<Value> {
    let out = run(dir, database_url, &["export"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines(&String::from_utf8(out.stdout).unwrap())
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A dump without the moment it was made, which is all that may differ between two exports.
fn content(mut dump: Vec<Value>) -> Vec<Value> {
    let header = dump[0].as_object_mut().unwrap();
    assert!(header.remove("exported_at").unwrap().is_string());
    dump
}

/// Every table of `dump` holds no row.
#[track_caller]
fn assert_empty(dump: &[Value]) {
    let counts = dump[0]["tables"].as_object().unwrap();
    assert_eq!(dump.len(), 2, "only a header and a trailer: {counts:?}");
    assert!(counts.values().all(|n| n == 0), "{counts:?}");
}

fn write_lines<S: std::borrow::Borrow<str>>(file: &Path, lines: &[S]) {
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

/// Each dump of `cases` is refused with its reason by every empty target, and no target
/// keeps a row of it.
#[track_caller]
fn assert_refused_leaving_targets_empty(dir: &Path, cases: &[(&PathBuf, &str)]) {
    for (file, reason) in cases {
        for target in empty_targets(dir) {
            let stderr = refused(dir, &target, file);
            assert!(stderr.contains(reason), "{}: {stderr}", file.display());
            assert!(stderr.contains("nothing was imported"), "{stderr}");
            assert_empty(&export(dir, &target));
            if target.starts_with("sqlite") {
                std::fs::remove_file(dir.join("target.db")).unwrap();
            }
        }
    }
}

#[test]
fn a_demo_region_moves_from_sqlite_to_postgresql_and_back_with_every_row_equal() {
    let Some(postgres_url) = postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let sqlite_url = sqlite(dir, "demo.db");
    succeed(dir, &sqlite_url, &["demo"]);
    // The first start stores the token-signing key, which must move along.
    let (before, token) = {
        let service = Running::start(lobkader(dir, &sqlite_url));
        let token = login(service.port, ADMIN_EMAIL, ADMIN_PASSWORD);
        (view(service.port, &token), token)
    };

    let first = dir.join("first.jsonl");
    succeed(dir, &sqlite_url, &["export", "-o", path(&first)]);
    let imported = succeed(dir, &postgres_url, &["import", "-i", path(&first)]);
    assert!(imported.contains("imported"), "{imported}");
    let second = export(dir, &postgres_url);
    let back_url = sqlite(dir, "back.db");
    let second_file = dir.join("second.jsonl");
    std::fs::write(
        &second_file,
        second.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    succeed(dir, &back_url, &["import", "-i", path(&second_file)]);
    let third = export(dir, &back_url);

    let first = lines(&std::fs::read_to_string(&first).unwrap());
    let header = &first[0];
    assert_eq!(header["format"], "lobkader-dump");
    assert_eq!(header["version"], 1);
    assert!(header["schema"].as_str().unwrap().starts_with('m'));
    assert_eq!(header["tables"]["service_secrets"], 1, "the signing key");
    assert!(header["tables"]["evaluation_answers"].as_u64().unwrap() > 500);
    assert_eq!(first.last().unwrap()["trailer"]["tables"], header["tables"]);
    let first = content(first);
    assert_eq!(first.len(), content(second.clone()).len());
    for (i, (a, b)) in first.iter().zip(content(second)).enumerate() {
        assert_eq!(*a, b, "line {} from SQLite and from PostgreSQL", i + 1);
    }
    assert_eq!(first, content(third), "back on SQLite, every line is equal");

    let service = Running::start(lobkader(dir, &postgres_url));
    // Passwords and the signing key came along: old tokens and every account still work.
    login(service.port, COACH, DEMO_PASSWORD);
    login(service.port, "lob@techniekcampus.example", DEMO_PASSWORD);
    let admin = login(service.port, ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(view(service.port, &token), view(service.port, &admin));
    let after = view(service.port, &token);
    assert!(after.len() > 50, "{} resources compared", after.len());
    assert_ne!(
        after["/api/v1/audit?limit=200"]["total"], 0,
        "the audit trail came along"
    );
    assert_eq!(
        microseconds(json!(before)),
        microseconds(json!(after)),
        "PostgreSQL serves what SQLite served (timestamps at the microseconds it keeps)"
    );
}

#[test]
fn a_correction_ahead_of_the_evaluation_it_supersedes_is_imported_all_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (source, dump) = demo_dump(dir);
    let text = std::fs::read_to_string(&dump).unwrap();
    let mut rows: Vec<&str> = text.lines().collect();
    let correction = rows
        .iter()
        .position(|l| {
            l.contains(r#""table":"evaluations""#) && !l.contains(r#""supersedes_id":null"#)
        })
        .expect("the demo has a correction");
    let line = rows.remove(correction);
    // Ahead of the evaluation it supersedes, and in an INSERT of its own (a table of
    // another kind follows it), as when the evaluations of a large dump span several batches.
    let last_session = rows
        .iter()
        .rposition(|l| l.contains(r#""table":"coaching_sessions""#))
        .unwrap();
    rows.insert(last_session, line);
    let reordered = dir.join("reordered.jsonl");
    write_lines(&reordered, &rows);

    for target in empty_targets(dir) {
        succeed(dir, &target, &["import", "--input", path(&reordered)]);
        assert_eq!(content(export(dir, &target)), content(export(dir, &source)));
    }
}

#[test]
fn an_import_into_a_database_that_holds_anything_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (_, dump) = demo_dump(dir);
    for target in empty_targets(dir) {
        let out = lobkader(dir, &target)
            .args([
                "user",
                "add",
                "--email",
                "only@school.example",
                "--name",
                "Only",
            ])
            .env("LOBKADER_NEW_USER_PASSWORD", "a-password-of-some-length")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let before = content(export(dir, &target));

        let stderr = refused(dir, &target, &dump);
        assert!(stderr.contains("not empty"), "{stderr}");
        assert!(stderr.contains("1 users"), "{stderr}");
        assert_eq!(content(export(dir, &target)), before, "nothing changed");
    }
}

#[test]
fn a_dump_cut_short_is_refused_and_leaves_the_target_empty() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (_, dump) = demo_dump(dir);
    let text = std::fs::read_to_string(&dump).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    // Far enough in that many rows of several tables were inserted before the end shows.
    let without_trailer = dir.join("without-trailer.jsonl");
    write_lines(&without_trailer, &rows[..rows.len() - 1]);
    let mid_line = dir.join("mid-line.jsonl");
    let mut cut = text.len() * 3 / 4;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    std::fs::write(&mid_line, &text.as_bytes()[..cut]).unwrap();
    let missing_rows = dir.join("missing-rows.jsonl");
    let mut fewer = rows.clone();
    fewer.remove(rows.len() / 2);
    write_lines(&missing_rows, &fewer);

    assert_refused_leaving_targets_empty(
        dir,
        &[
            (&without_trailer, "without its trailer"),
            (&mid_line, "not JSON"),
            (&missing_rows, "its header says"),
        ],
    );
}

#[test]
fn a_row_that_does_not_fit_is_refused_and_leaves_the_target_empty() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (_, dump) = demo_dump(dir);
    let text = std::fs::read_to_string(&dump).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    let first_of = |table: &str| {
        let tag = format!(r#""table":"{table}""#);
        rows.iter().position(|l| l.contains(&tag)).unwrap()
    };
    // Each file keeps its counts in agreement, so only the row itself can be the reason.
    let variant = |name: &str, change: &dyn Fn(&mut Vec<String>)| {
        let mut lines: Vec<String> = rows.iter().map(|l| (*l).to_owned()).collect();
        change(&mut lines);
        let file = dir.join(name);
        write_lines(&file, &lines);
        file
    };
    let edit_row = |lines: &mut Vec<String>, at: usize, edit: &dyn Fn(&mut Value)| {
        let mut line: Value = serde_json::from_str(&lines[at]).unwrap();
        edit(&mut line["row"]);
        lines[at] = line.to_string();
    };
    // A user twice: the second has the first one's primary key.
    let user = first_of("users");
    let twice = variant("twice.jsonl", &|lines| {
        assert!(lines[user + 1].contains(r#""table":"users""#));
        lines[user + 1] = lines[user].clone();
    });
    // An answer to an evaluation that is not in the dump.
    let answer = first_of("evaluation_answers");
    let orphan = variant("orphan.jsonl", &|lines| {
        edit_row(lines, answer, &|row| {
            row["evaluation_id"] = json!("00000000-0000-4000-8000-000000000000");
        });
    });
    // A value of the wrong type.
    let evaluation = first_of("evaluations");
    let mistyped = variant("mistyped.jsonl", &|lines| {
        edit_row(lines, evaluation, &|row| row["revision"] = json!("many"));
    });

    assert_refused_leaving_targets_empty(
        dir,
        &[
            (&twice, "the rows of users on line"),
            (&orphan, "the rows of evaluation_answers on line"),
            (
                &mistyped,
                &format!("line {}: not a row of evaluations", evaluation + 1),
            ),
        ],
    );
}

#[test]
fn a_dump_of_an_unknown_version_or_another_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (_, dump) = demo_dump(dir);
    let text = std::fs::read_to_string(&dump).unwrap();
    let (header, rest) = text.split_once('\n').unwrap();
    let with_header = |name: &str, change: &dyn Fn(&mut Value)| {
        let mut header: Value = serde_json::from_str(header).unwrap();
        change(&mut header);
        let file = dir.join(name);
        std::fs::write(&file, format!("{header}\n{rest}")).unwrap();
        file
    };
    let version_2 = with_header("v2.jsonl", &|h| h["version"] = json!(2));
    let older = with_header("older.jsonl", &|h| {
        h["schema"] = json!("m20261122_000001_initial")
    });
    let not_a_dump = dir.join("not-a-dump.json");
    std::fs::write(&not_a_dump, "{\"hello\":\"world\"}\n").unwrap();

    // An unknown version is refused before the target is even opened.
    let untouched = dir.join("untouched.db");
    let url = format!("sqlite://{}?mode=rwc", untouched.display());
    let stderr = refused(dir, &url, &version_2);
    assert!(stderr.contains("version 2"), "{stderr}");
    assert!(!untouched.exists(), "the target was not created");
    let stderr = refused(dir, &url, &not_a_dump);
    assert!(stderr.contains("not a lobkader dump"), "{stderr}");

    for target in empty_targets(dir) {
        let stderr = refused(dir, &target, &version_2);
        assert!(stderr.contains("reads version 1"), "{stderr}");
        let stderr = refused(dir, &target, &older);
        assert!(
            stderr.contains("schema m20261122_000001_initial"),
            "{stderr}"
        );
        assert_empty(&export(dir, &target));
    }
}

#[test]
fn an_export_reads_only_a_database_at_this_schema_and_never_migrates_it() {
    use lobkader_migration::{Migrator, MigratorTrait};
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (url, _) = demo_dump(dir);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let applied = |url: &str| {
        runtime.block_on(async {
            let db = sea_orm::Database::connect(url).await.unwrap();
            let names: Vec<String> = Migrator::get_applied_migrations(&db)
                .await
                .unwrap()
                .iter()
                .map(|m| m.name().to_owned())
                .collect();
            db.close().await.unwrap();
            names
        })
    };
    let all = applied(&url);
    // As if an older lobkader still served the database: its last migration not yet applied.
    runtime.block_on(async {
        let db = sea_orm::Database::connect(&url).await.unwrap();
        Migrator::down(&db, Some(1)).await.unwrap();
        db.close().await.unwrap();
    });
    let older = applied(&url);
    assert_eq!(older.len() + 1, all.len());

    let out = run(
        dir,
        &url,
        &["export", "--output", path(&dir.join("older.jsonl"))],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the export is refused: {stderr}");
    assert!(stderr.contains("run `lobkader migrate` first"), "{stderr}");
    assert!(!dir.join("older.jsonl").exists(), "no dump was written");
    assert_eq!(
        applied(&url),
        older,
        "the export did not migrate the database"
    );

    succeed(dir, &url, &["migrate"]);
    assert_eq!(applied(&url), all);
    assert_eq!(export(dir, &url)[0]["schema"], json!(all.last().unwrap()));
}

#[test]
fn an_export_to_a_file_that_cannot_be_written_fails_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let url = sqlite(dir, "empty.db");
    succeed(dir, &url, &["migrate"]);
    let target = dir.join("missing-directory").join("dump.jsonl");
    let out = run(dir, &url, &["export", "--output", path(&target)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
    let written = dir.join("empty.jsonl");
    succeed(dir, &url, &["export", "--output", path(&written)]);
    assert_empty(&lines(&std::fs::read_to_string(&written).unwrap()));
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");
}

/// RFC 3339 timestamps anywhere in `value`, cut to microseconds as PostgreSQL keeps them.
fn microseconds(value: Value) -> Value {
    match value {
        Value::String(s) => match DateTime::parse_from_rfc3339(&s) {
            Ok(at) if s.contains('T') => {
                let at = at.with_timezone(&Utc);
                let cut = at.with_nanosecond(at.nanosecond() / 1000 * 1000).unwrap();
                json!(cut)
            }
            _ => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(microseconds).collect()),
        Value::Object(map) => map.into_iter().map(|(k, v)| (k, microseconds(v))).collect(),
        other => other,
    }
}

/// GET `path`, expected to answer 200: the body.
#[track_caller]
fn read(port: u16, token: &str, path: &str) -> Value {
    let r = support::http::get(port, path, token);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

/// The items of a list that fits one page.
fn items(port: u16, token: &str, path: &str) -> Vec<Value> {
    let page = read(port, token, path);
    let items = page["items"].as_array().unwrap().clone();
    assert_eq!(page["total"], items.len(), "{path}: one page holds all");
    items
}

/// What an admin sees of every institution, evaluation, trajectory and account, and of the
/// audit trail, by path.
fn view(port: u16, token: &str) -> BTreeMap<String, Value> {
    let mut view = BTreeMap::new();
    let mut add = |path: String| {
        let body = read(port, token, &path);
        view.insert(path, body);
    };
    add("/api/v1/audit?limit=200".to_owned());
    for user in items(port, token, "/api/v1/users?limit=200") {
        add(format!("/api/v1/users/{}", user["id"].as_str().unwrap()));
    }
    for institution in items(port, token, "/api/v1/institutions?limit=200") {
        let base = format!(
            "/api/v1/institutions/{}",
            institution["id"].as_str().unwrap()
        );
        for sub in [
            "",
            "/members",
            "/units",
            "/progress",
            "/action-points?limit=200",
            "/audit?limit=200",
        ] {
            add(format!("{base}{sub}"));
        }
        for evaluation in items(port, token, &format!("{base}/evaluations?limit=200")) {
            add(format!(
                "/api/v1/evaluations/{}",
                evaluation["id"].as_str().unwrap()
            ));
        }
    }
    for trajectory in items(port, token, "/api/v1/trajectories?limit=200") {
        let base = format!(
            "/api/v1/trajectories/{}",
            trajectory["id"].as_str().unwrap()
        );
        for sub in ["", "/sessions", "/progress"] {
            add(format!("{base}{sub}"));
        }
    }
    view
}
