//! The `lobkader` command line: `serve` (the default), `migrate`, `user add`, `demo`, and
//! `export` / `import`.

use crate::auth::{Role, password};
use crate::config::Settings;
use crate::db::{Db, users};
use crate::startup::{Application, StartupError};
use clap::{Parser, Subcommand};
use lobkader_domain::institution::Email;
use secrecy::SecretString;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "lobkader",
    version,
    about = "Self-evaluations against the Kwaliteitskader LOB"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Fill an empty database with a fictional demo region: schools, kerngroepen, two coaches,
    /// trajectories, evaluations, action points and sessions. Prints the demo accounts.
    Demo {
        /// The password of every demo account (at least 12 characters); generated when unset.
        #[arg(long, env = "LOBKADER_DEMO_PASSWORD", hide_env_values = true)]
        password: Option<SecretString>,
    },
    /// Write the whole database as a dump: a versioned JSON Lines file that `import` loads into
    /// an empty SQLite or PostgreSQL database (see the README, "Backup and restore").
    Export {
        /// A file (written whole or not at all), or `-` for standard output.
        #[arg(long, short, default_value = "-")]
        output: PathBuf,
    },
    /// Load a dump made by `export` into an empty database; all of it, or nothing.
    Import {
        /// The dump file, or `-` for standard input.
        #[arg(long, short)]
        input: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from LOBKADER_NEW_USER_PASSWORD.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, env = "LOBKADER_NEW_USER_PASSWORD", hide_env_values = true)]
        password: SecretString,
        #[arg(long)]
        admin: bool,
    },
}

pub async fn run(cli: Cli) -> Result<(), StartupError> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(cli.settings.clone()).await?;
            tracing::info!(addr = %cli.settings.addr, port = app.port(), "lobkader listening");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            Db::connect(&cli.settings.database_url, 1)
                .await?
                .close()
                .await?;
            println!("lobkader: migrations applied");
        }
        Command::Demo { password } => crate::demo::run(&cli.settings, password).await?,
        Command::Export { output } => {
            crate::dump::export(&cli.settings.database_url, &output).await?;
        }
        Command::Import { input } => {
            crate::dump::import(&cli.settings.database_url, &input).await?;
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    password: pw,
                    admin,
                },
        } => {
            let email = Email::parse(&email).map_err(|_| "not a valid e-mail address")?;
            if secrecy::ExposeSecret::expose_secret(&pw).len() < 12 {
                return Err("the password must be at least 12 characters".into());
            }
            let db = Db::connect(&cli.settings.database_url, 1).await?;
            let hash = password::hash(pw).await.map_err(|e| e.to_string())?;
            let role = if admin { Role::Admin } else { Role::User };
            let user = users::create(db.conn(), &email, name.trim(), hash, role).await?;
            println!(
                "lobkader: created {} account {} ({})",
                role.as_str(),
                user.email,
                user.id
            );
            db.close().await?;
        }
    }
    Ok(())
}
