//! The `lobkader` command line: `serve` (the default), `migrate`, `user add`, `demo`,
//! `export` / `import`, and `keys rotate` / `prune` / `list`.

use crate::auth::{Role, password};
use crate::config::Settings;
use crate::db::audit::Actor;
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
    /// Manage the token-signing keys kept in the database (see the README, "Key rotation").
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Generate a new signing key; the current one keeps verifying the tokens it signed until
    /// they expire. Previous keys no token can need any more are dropped.
    Rotate,
    /// Drop the previous keys retired longer ago than the token lifetime (and five minutes).
    Prune,
    /// Show the ids of the current and previous keys.
    List,
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
        Command::Keys { command } => keys(&cli.settings, command).await?,
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
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err("the name must be 1 to 200 characters, not only white space".into());
            }
            if secrecy::ExposeSecret::expose_secret(&pw).len() < 12 {
                return Err("the password must be at least 12 characters".into());
            }
            let db = Db::connect(&cli.settings.database_url, 1).await?;
            let hash = password::hash(pw).await.map_err(|e| e.to_string())?;
            let role = if admin { Role::Admin } else { Role::User };
            let tx = db.begin_write().await?;
            let user = users::create(&*tx, &email, name, hash, role).await?;
            users::record_created(&*tx, Actor::System, &user, Some("command line")).await?;
            tx.commit().await?;
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

async fn keys(settings: &Settings, command: KeysCommand) -> Result<(), StartupError> {
    if settings.jwt_secret.is_some() {
        return Err("the signing keys are set by LOBKADER_JWT_SECRET and \
                    LOBKADER_JWT_PREVIOUS_SECRETS; rotate them there (see the README, \"Key rotation\")"
            .into());
    }
    // The keys belong to a database a service may be serving: a command that upgraded its
    // schema would do so under an older service still running on it.
    let db = Db::connect_current(&settings.database_url, 1).await?;
    let ttl = settings.token_ttl_seconds;
    match command {
        KeysCommand::Rotate => {
            let rotation = crate::auth::keys::rotate(&db, ttl).await?;
            println!(
                "lobkader: tokens are now signed with key {}",
                rotation.current
            );
            if let Some(retired) = rotation.retired {
                println!("lobkader: key {retired} verifies the tokens it signed until they expire");
            }
            for id in rotation.pruned {
                println!("lobkader: dropped previous key {id}");
            }
        }
        KeysCommand::Prune => {
            for id in crate::auth::keys::prune(&db, ttl).await? {
                println!("lobkader: dropped previous key {id}");
            }
        }
        KeysCommand::List => {
            match crate::auth::keys::read(db.conn()).await? {
                Some((current, _)) => {
                    println!("current  {}", crate::auth::token::key_id(&current));
                }
                None => println!("no key is stored yet; the service makes one on its first start"),
            }
            for (id, retired) in crate::auth::keys::previous(db.conn()).await? {
                println!("previous {id} (retired {})", retired.to_rfc3339());
            }
        }
    }
    db.close().await?;
    Ok(())
}
