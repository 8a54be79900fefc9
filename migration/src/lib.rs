//! The database schema of lobkader as an ordered list of migrations, for SQLite and
//! PostgreSQL alike. One file per change; a migration that has landed is never edited, and
//! later changes are additive so that SQLite (which cannot alter much) follows along.
//! Migrations never import the service's entities.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261122_000002_trajectories;
mod m20261122_000003_login_throttles;
mod m20261123_000004_evaluation_summaries;
mod m20261123_000006_audit_events;
mod m20261123_000007_token_revocation;
mod m20261123_000008_audit_filters;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261122_000002_trajectories::Migration),
            Box::new(m20261122_000003_login_throttles::Migration),
            Box::new(m20261123_000004_evaluation_summaries::Migration),
            Box::new(m20261123_000006_audit_events::Migration),
            Box::new(m20261123_000007_token_revocation::Migration),
            Box::new(m20261123_000008_audit_filters::Migration),
        ]
    }
}
