//! The `lobkader` binary as an operator meets it: first start on an empty SQLite file prints
//! the generated admin password once, `migrate` and `user add` work, and SIGTERM stops the
//! service cleanly.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use support::{Running, lobkader};

#[test]
fn a_first_start_prints_the_admin_password_once_and_sigterm_stops_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = lobkader(dir.path());
    cmd.stdout(Stdio::piped());
    let mut first = Running::spawn(cmd);
    let mut stdout = BufReader::new(first.child.stdout.take().unwrap());
    let mut printed = String::new();
    for _ in 0..4 {
        stdout.read_line(&mut printed).unwrap();
    }
    assert!(
        printed.contains("created the first admin account"),
        "{printed}"
    );
    let password = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .expect("a password line")
        .to_owned();
    assert!(password.len() >= 20);
    first.wait_ready();
    assert!(
        dir.path().join("lobkader.db").exists(),
        "the default database is ./lobkader.db"
    );
    assert!(first.stop().success(), "SIGTERM is a clean stop");

    // A second start on the same database makes no new admin and prints no password.
    let mut cmd = lobkader(dir.path());
    cmd.stdout(Stdio::piped());
    let mut again = Running::spawn(cmd);
    again.wait_ready();
    let mut stdout = again.child.stdout.take().unwrap();
    assert!(again.stop().success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(!rest.contains("password"), "{rest}");
}

#[test]
fn migrate_and_user_add_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = lobkader(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied"));
    let add = |email: &str| {
        lobkader(dir.path())
            .args(["user", "add", "--email", email, "--name", "Coördinator"])
            .env("LOBKADER_NEW_USER_PASSWORD", "a-long-enough-password")
            .output()
            .unwrap()
    };
    let out = add("Coordinator@School.example");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("created user account coordinator@school.example")
    );
    let again = add("coordinator@school.example");
    assert!(!again.status.success(), "the e-mail address is taken");
    let bad = lobkader(dir.path())
        .args(["user", "add", "--email", "nope", "--name", "X"])
        .env("LOBKADER_NEW_USER_PASSWORD", "a-long-enough-password")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid e-mail address"));
}
