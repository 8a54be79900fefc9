//! A small operator CLI over the migrations: `up`, `down`, `status`, `fresh`, against
//! `DATABASE_URL`. The service itself applies pending migrations at start-up and through
//! `lobkader migrate`; this binary is for inspecting and rolling back by hand.

use clap::{Parser, Subcommand};
use lobkader_migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

#[derive(Parser)]
#[command(
    name = "lobkader-migration",
    about = "Apply, inspect or roll back lobkader's database migrations"
)]
struct Cli {
    /// The database, e.g. `sqlite://lobkader.db?mode=rwc` or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply every pending migration.
    Up,
    /// Roll back the given number of migrations (default one).
    Down {
        #[arg(default_value_t = 1)]
        steps: u32,
    },
    /// Show which migrations are applied.
    Status,
    /// Drop everything and apply all migrations again.
    Fresh,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let db = Database::connect(&cli.database_url).await?;
    match cli.command {
        Command::Up => Migrator::up(&db, None).await?,
        Command::Down { steps } => Migrator::down(&db, Some(steps)).await?,
        Command::Status => Migrator::status(&db).await?,
        Command::Fresh => Migrator::fresh(&db).await?,
    }
    Ok(())
}
