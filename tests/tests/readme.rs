//! The README's walk-through works as printed: its shell blocks run against a fresh service. And
//! its tables of settings and commands name every one the binary has.

use lobkader_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, backend_tests, spawn_app};

const README: &str = include_str!("../../README.md");

/// The README's section under the heading `## {title}`, up to the next one.
fn section(title: &str) -> &'static str {
    let section = README
        .split(&format!("\n## {title}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("README has a section {title}"));
    section.split("\n## ").next().unwrap_or(section)
}

fn walkthrough() -> String {
    section("Walk-through")
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

#[test]
fn the_readme_tables_name_every_setting_and_every_command() {
    use clap::CommandFactory;
    let cli = lobkader_api::cli::Cli::command();
    let configuration = section("Configuration");
    for arg in cli.get_arguments() {
        if let Some(name) = arg.get_env() {
            let row = format!("\n| `{}` |", name.to_string_lossy());
            assert!(
                configuration.contains(&row),
                "the configuration table has no row {row:?}"
            );
        }
    }
    let commands = section("Run it");
    for command in cli.get_subcommands() {
        let name = command.get_name();
        let row = commands
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}")))
            .unwrap_or_else(|| panic!("the commands table has no row for `{name}`"));
        for part in command.get_subcommands() {
            let part = format!("{name} {}", part.get_name());
            assert!(row.contains(&part), "{row} does not name `{part}`");
        }
        for arg in command
            .get_subcommands()
            .flat_map(|c| c.get_arguments())
            .chain(command.get_arguments())
        {
            if let Some(env) = arg.get_env() {
                let env = env.to_string_lossy();
                assert!(row.contains(&*env), "{row} does not name {env}");
            }
        }
    }
}
