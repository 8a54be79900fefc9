//! When the database goes away the service answers `503 database_unavailable` problems with
//! `Retry-After`, quickly and without corrupting anything, keeps answering what it can, and
//! serves again without a restart when the database returns:
//!
//! - PostgreSQL: a private server for this test, stopped with `pg_ctl stop -m immediate` while
//!   the service (the real binary) runs, then started again;
//! - SQLite: a disk that is really full — the database lives on a small tmpfs in a private
//!   mount namespace (`unshare`, no root needed where user namespaces are allowed), filled up
//!   by a ballast file, which is removed again afterwards.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::Service;
use support::client::{Answer, Client, School, school};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_postgresql_answers_503_quickly_and_the_service_recovers_without_a_restart() {
    let Some(mut server) = PostgresServer::launch() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut service = Service::new(dir.path(), &server.url);
    service.start();
    let client = Client::new(&service.base);
    service.wait_ready(&client, Duration::from_secs(60)).await;
    let school = school(&client).await;
    let token = Some(school.member_token.as_str());
    let pid = service.pid();

    // Acknowledged before the outage.
    let draft = create(&client, &school).await;
    let path = format!("/api/v1/evaluations/{}", draft.body["id"].as_str().unwrap());
    let before = patch(
        &client,
        &school,
        &path,
        &draft,
        &answers("yes", "voor de storing"),
    )
    .await;
    assert_eq!(before.status, 200, "{}", before.body);

    server.stop_immediately();

    // Reads, writes and readiness fail fast with a problem, and say nothing of the cause.
    let started = Instant::now();
    let read = client.get(&path, token).await.unwrap();
    assert_unavailable(&read, "a read");
    let write = patch(&client, &school, &path, &before, &answers("no", "tijdens")).await;
    assert_unavailable(&write, "a write");
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(10),
        "two requests took {elapsed:?}: the pool does not give up fast enough"
    );
    let started = Instant::now();
    let ready = client.get("/readyz", None).await.unwrap();
    assert_unavailable(&ready, "readiness");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "readiness answered slowly"
    );
    let live = client.get("/healthz", None).await.unwrap();
    assert_eq!(live.status, 200, "liveness does not depend on the database");
    for _ in 0..3 {
        assert_unavailable(&client.get("/readyz", None).await.unwrap(), "a probe");
    }
    assert_logged_as_warnings(&service);

    server.start();

    // The same process serves again once the database is back.
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        let r = client.get(&path, token).await.unwrap();
        if r.status == 200 {
            break r;
        }
        assert_unavailable(&r, "a read while the database starts");
        assert!(Instant::now() < deadline, "the service did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(service.pid(), pid);
    assert_eq!(
        content(&after.body),
        content(&before.body),
        "the acknowledged change is there and the refused one is not"
    );
    assert_eq!(after.etag, before.etag);
    assert_eq!(client.get("/readyz", None).await.unwrap().status, 200);
    let again = patch(
        &client,
        &school,
        &path,
        &after,
        &answers("partly", "na de storing"),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let read = client.get(&path, token).await.unwrap();
    assert_eq!(content(&read.body), content(&again.body));
    service.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_corrupts_nothing_keeps_serving_reads_and_recovers_when_freed() {
    let dir = tempfile::tempdir().unwrap();
    // Seen from inside the namespace, a tmpfs of a few MiB is mounted here.
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let Some(unshare) = private_mount_namespace(&disk) else {
        return;
    };
    let url = format!("sqlite://{}?mode=rwc", disk.join("lobkader.db").display());
    let mut service = Service::new(dir.path(), &url);
    let mut cmd = Command::new("unshare");
    cmd.args(unshare).args([
        "--",
        "sh",
        "-c",
        r#"mount -t tmpfs -o size=16m lobkader-full "$0" && exec "$1" serve"#,
    ]);
    cmd.arg(&disk).arg(support::binary());
    service.start_with(cmd);
    let client = Client::new(&service.base);
    service.wait_ready(&client, Duration::from_secs(60)).await;
    let school = school(&client).await;
    let token = Some(school.member_token.as_str());
    let pid = service.pid();
    // The service's view of its disk.
    let inside = PathBuf::from(format!("/proc/{pid}/root")).join(disk.strip_prefix("/").unwrap());

    let draft = create(&client, &school).await;
    let path = format!("/api/v1/evaluations/{}", draft.body["id"].as_str().unwrap());
    let ballast = inside.join("ballast");
    fill(&ballast);

    // Large changes until one no longer fits; each answered 200 is acknowledged.
    let mut acknowledged = draft;
    let mut full = None;
    for round in 0..2000 {
        let change = answers(
            ["yes", "no"][round % 2],
            &format!("{round} {}", "x".repeat(3900)),
        );
        let r = patch(&client, &school, &path, &acknowledged, &change).await;
        match r.status {
            200 => acknowledged = r,
            _ => {
                full = Some(r);
                break;
            }
        }
    }
    let full = full.expect("the disk never filled up");
    assert_unavailable(&full, "a write to a full disk");
    let log = service.log_tail();
    assert!(
        log.contains("database or disk is full"),
        "the refusal was SQLITE_FULL:\n{log}"
    );
    assert_logged_as_warnings(&service);

    // Nothing half-written, and reads and readiness still work.
    let read = client.get(&path, token).await.unwrap();
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(content(&read.body), content(&acknowledged.body));
    assert_eq!(read.etag, acknowledged.etag);
    let list = format!("/api/v1/institutions/{}/evaluations", school.institution);
    assert_eq!(client.get(&list, token).await.unwrap().status, 200);
    assert_eq!(client.get("/readyz", None).await.unwrap().status, 200);
    assert_eq!(integrity(&inside.join("lobkader.db")).await, "ok");

    // Space again: the same process writes again.
    std::fs::remove_file(&ballast).unwrap();
    let change = answers("partly", "weer ruimte");
    let deadline = Instant::now() + Duration::from_secs(20);
    let freed = loop {
        let r = patch(&client, &school, &path, &acknowledged, &change).await;
        if r.status == 200 {
            break r;
        }
        assert_unavailable(&r, "a write after the disk was freed");
        assert!(Instant::now() < deadline, "writes did not resume");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(service.pid(), pid);
    let read = client.get(&path, token).await.unwrap();
    assert_eq!(content(&read.body), content(&freed.body));
    assert_eq!(integrity(&inside.join("lobkader.db")).await, "ok");
    service.stop();
}

/// A 503 `database_unavailable` problem with `Retry-After` that says nothing of the cause.
#[track_caller]
fn assert_unavailable(r: &Answer, what: &str) {
    assert_eq!(r.status, 503, "{what}: {}", r.body);
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/problem+json"),
        "{what}"
    );
    assert_eq!(r.body["code"], "database_unavailable", "{what}: {}", r.body);
    assert_eq!(r.body["type"], "urn:lobkader:problem:database_unavailable");
    assert_eq!(r.retry_after.as_deref(), Some("2"), "{what}");
    let detail = r.body["detail"].as_str().unwrap().to_lowercase();
    for internal in [
        "sqlx",
        "sqlite",
        "postgres",
        "127.0.0.1",
        "refused",
        "disk",
        "code",
    ] {
        assert!(
            !detail.contains(internal),
            "{what} leaks `{internal}`: {detail}"
        );
    }
}

/// The service logged the unavailable database, as warnings: an outage that lasts while probes
/// and clients keep asking is no flood of errors.
#[track_caller]
fn assert_logged_as_warnings(service: &Service) {
    let log = std::fs::read_to_string(service.log_path()).unwrap();
    let errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(r#""level":"ERROR""#))
        .collect();
    assert!(
        errors.is_empty(),
        "logged as errors:\n{}",
        errors.join("\n")
    );
    let warnings = log
        .lines()
        .filter(|l| l.contains(r#""level":"WARN""#) && l.contains("database_unavailable"))
        .count();
    assert!(warnings >= 2, "the outage is logged:\n{log}");
}

async fn create(client: &Client, school: &School) -> Answer {
    let body = json!({
        "instrument_id": "kwaliteitskader-lob",
        "reference_date": "2025-10-01",
        "moment": "baseline",
    });
    let path = format!("/api/v1/institutions/{}/evaluations", school.institution);
    let r = client
        .post(&path, Some(&school.member_token), &body)
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    r
}

/// PATCHes `change` onto the revision `base` acknowledged.
async fn patch(
    client: &Client,
    school: &School,
    path: &str,
    base: &Answer,
    change: &Value,
) -> Answer {
    client
        .send(
            Method::PATCH,
            path,
            Some(&school.member_token),
            base.etag.as_deref(),
            Some(change),
        )
        .await
        .unwrap()
}

/// A change answering every question `answer`, explained by `explanation`.
fn answers(answer: &str, explanation: &str) -> Value {
    let questions = [(1, 4), (2, 7), (3, 3), (4, 3), (5, 3)]
        .iter()
        .flat_map(|&(step, n)| (1..=n).map(move |i| format!("{step}.{i}")));
    let answers: Vec<Value> = questions
        .map(|q| json!({"question_id": q, "answer": answer, "explanation": explanation}))
        .collect();
    json!({"answers": answers})
}

/// The part of an evaluation a change writes, and its revision.
fn content(body: &Value) -> Value {
    json!({"revision": body["revision"], "answers": body["answers"], "levels": body["levels"]})
}

/// Writes `path` until the file system refuses: a disk with no space left.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = file.write_all(&chunk).and_then(|()| file.flush()) {
            assert_eq!(e.kind(), std::io::ErrorKind::StorageFull, "{e}");
            return;
        }
    }
}

/// `PRAGMA integrity_check` of the SQLite database at `path`, the service's view of it. SQLite
/// resolves the `/proc/<pid>/root` link, so the file and its write-ahead log are checked as a
/// copy, taken while the service is idle.
async fn integrity(path: &Path) -> String {
    let copy = tempfile::tempdir().unwrap();
    let db_copy = copy.path().join("copy.db");
    std::fs::copy(path, &db_copy).unwrap();
    let wal = path.with_extension("db-wal");
    if wal.exists() {
        std::fs::copy(&wal, copy.path().join("copy.db-wal")).unwrap();
    }
    let db = Database::connect(format!("sqlite://{}?mode=rw", db_copy.display()))
        .await
        .unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check".to_owned(),
        ))
        .await
        .unwrap();
    let verdict: String = rows[0].try_get_by_index(0).unwrap();
    db.close().await.ok();
    verdict
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

fn ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// The `unshare` options for a private mount namespace in which this user may mount a
/// tmpfs; `None` (with a note) where that is not allowed, except under `CI`.
fn private_mount_namespace(mount_point: &Path) -> Option<&'static [&'static str]> {
    let options: &'static [&'static str] = if is_root() {
        &["-m"]
    } else {
        &["-U", "-r", "-m"]
    };
    let probe = Command::new("unshare")
        .args(options)
        .args(["--", "sh", "-c", r#"mount -t tmpfs -o size=1m probe "$0""#])
        .arg(mount_point)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if probe.is_ok_and(|s| s.success()) {
        return Some(options);
    }
    assert!(
        !ci(),
        "CI is set but a private tmpfs cannot be mounted here (unshare -m)"
    );
    eprintln!("no private mount namespace allowed here: skipping the full-disk test");
    None
}

/// A PostgreSQL server of this test's own, on a free loopback port, from the binaries in
/// `/usr/lib/postgresql/*/bin` (as user `postgres` when run as root, which PostgreSQL refuses).
struct PostgresServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    url: String,
    running: bool,
}

impl PostgresServer {
    fn launch() -> Option<PostgresServer> {
        let Some(bin) = postgres_binaries() else {
            assert!(
                !ci(),
                "CI is set but no PostgreSQL server binaries are installed"
            );
            eprintln!("no PostgreSQL binaries (apt-get install postgresql): skipping");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let exists = Command::new("id").arg("postgres").output().unwrap();
            if !exists.status.success() {
                run(Command::new("useradd").args(["--system", "--no-create-home", "postgres"]));
            }
            run(Command::new("chown").arg("postgres").arg(dir.path()));
        }
        let port = support::free_port();
        let mut server = PostgresServer {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            bin,
            dir,
            port,
            running: false,
        };
        let data = server.dir.path().join("data");
        run(server.command("initdb").arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        ]));
        server.start();
        Some(server)
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if is_root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }

    fn pg_ctl(&self) -> Command {
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D").arg(self.dir.path().join("data"));
        cmd
    }

    fn start(&mut self) {
        let options = format!(
            "-h 127.0.0.1 -p {} -k {}",
            self.port,
            self.dir.path().display()
        );
        run(self
            .pg_ctl()
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-w", "-o", &options, "start"]));
        self.running = true;
    }

    /// Stops the server the hard way: every backend is killed, nothing is flushed cleanly.
    fn stop_immediately(&mut self) {
        run(self.pg_ctl().args(["-m", "immediate", "-w", "stop"]));
        self.running = false;
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if self.running {
            let _ = self
                .pg_ctl()
                .args(["-m", "immediate", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn postgres_binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

#[track_caller]
fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
