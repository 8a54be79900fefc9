//! `lobkader demo` as an operator meets it: on an empty database it fills a fictional region
//! and prints the accounts; a second run refuses and changes nothing; and the service started
//! on that database shows the coaches an overview in which every attention flag is raised.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use support::Running;
use support::http::{get, login};

const ADMIN_EMAIL: &str = "admin@lobkader.local";
const ADMIN_PASSWORD: &str = "an-admin-password-for-the-demo-test";
const COACHES: [&str; 2] = [
    "i.visser@regio-zuiderhaven.example",
    "r.bakker@regio-zuiderhaven.example",
];
const FLAGS: [&str; 4] = [
    "no_evaluation_12_months",
    "regressed_since_previous",
    "components_behind",
    "no_baseline",
];

fn lobkader(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = support::lobkader(dir);
    cmd.env("LOBKADER_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("LOBKADER_ADMIN_PASSWORD", ADMIN_PASSWORD);
    cmd
}

fn total(port: u16, token: &str, path: &str) -> u64 {
    let page = get(port, path, token);
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    page.body["total"].as_u64().unwrap()
}

#[test]
fn demo_fills_an_empty_database_once_and_the_coaches_see_every_flag() {
    let dir = tempfile::tempdir().unwrap();
    let first = lobkader(dir.path()).arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("12 institutions"), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("demo password: "))
        .expect("a demo password line")
        .trim()
        .to_owned();
    assert!(password.len() >= 12);
    let accounts: Vec<&str> = stdout
        .split_whitespace()
        .filter(|w| w.contains('@') && *w != ADMIN_EMAIL)
        .collect();
    for coach in COACHES {
        assert!(accounts.contains(&coach), "{coach} is printed: {stdout}");
    }
    assert!(accounts.len() >= 30, "{stdout}");
    assert!(
        accounts.iter().all(|a| a.ends_with(".example")),
        "only reserved addresses: {accounts:?}"
    );

    let second = lobkader(dir.path()).arg("demo").output().unwrap();
    assert!(!second.status.success(), "a second demo run is refused");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("only fills an empty database"), "{stderr}");
    assert!(!String::from_utf8_lossy(&second.stdout).contains("demo password"));

    let service = Running::start(lobkader(dir.path()));
    let port = service.port;

    // The refused second run added nothing: the counts are those of the first.
    let admin = login(port, ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(total(port, &admin, "/api/v1/institutions?limit=1"), 12);
    let users = total(port, &admin, "/api/v1/users?limit=1");
    assert_eq!(
        users,
        accounts.len() as u64 + 1,
        "the demo accounts and the admin"
    );

    let mut flags = BTreeSet::new();
    for coach in COACHES {
        let token = login(port, coach, &password);
        let overview = get(port, "/api/v1/coach/overview", &token);
        assert_eq!(overview.status, 200, "{}", overview.body);
        let overview = overview.body;
        let trajectories = overview["trajectories"].as_array().unwrap();
        assert!(trajectories.len() >= 4, "{coach}: {overview}");
        let flagged = trajectories
            .iter()
            .filter(|t| !t["flags"].as_array().unwrap().is_empty())
            .count();
        assert!(
            flagged >= 1 && flagged < trajectories.len(),
            "{coach}: a mix"
        );
        for t in trajectories {
            for f in t["flags"].as_array().unwrap() {
                flags.insert(f.as_str().unwrap().to_owned());
            }
        }
    }
    drop(service);
    let expected: BTreeSet<String> = FLAGS.iter().map(|f| (*f).to_owned()).collect();
    assert_eq!(flags, expected, "every flag appears across the demo");
}
