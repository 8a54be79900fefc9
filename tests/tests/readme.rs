//! The README's walk-through works as printed: its shell blocks run against a fresh service.

use lobkader_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, backend_tests, spawn_app};

fn walkthrough() -> String {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Walk-through")
        .nth(1)
        .expect("README has a walk-through");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap_or_default())
        // The line that tells the reader to set the printed password; the test sets it itself.
        .filter(|block| !block.trim_start().starts_with("export ADMIN_PASSWORD="))
        .collect::<Vec<_>>()
        .join("\n")
}

backend_tests!(the_readme_walk_through_runs_as_printed);

async fn the_readme_walk_through_runs_as_printed(backend: Backend) {
    let app = spawn_app(backend).await;
    let script = walkthrough();
    assert!(
        script.contains("comparison?with="),
        "the walk-through ends in a comparison"
    );
    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .env("BASE", address)
            .env("ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
            .output()
    })
    .await
    .expect("joined")
    .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the walk-through failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(
        lines[0].starts_with("Is er een gedeelde LOB-visie en ambitie"),
        "{stdout}"
    );
    assert_eq!(lines[1], "2");
    assert!(
        lines[2].contains("'from': 'minimal', 'to': 'basic', 'change': 'improved'"),
        "{stdout}"
    );
    assert!(
        lines[2].contains("'step': 3, 'from': 'minimal', 'to': 'minimal', 'change': 'unchanged'"),
        "{stdout}"
    );
    // The trajectory's first measurement against its target for step 1.
    assert!(
        lines[3].contains("'latest': 'basic'")
            && lines[3].contains("'target': 'integrated'")
            && lines[3].contains("'gap': 1"),
        "{stdout}"
    );
    assert!(
        lines[4].starts_with('[') && lines[4].ends_with(']'),
        "the overview lists flags: {stdout}"
    );
}
