//! Database rows as sea-orm entities, one file per table, mirroring the migrations. They
//! never leave the `db` module: repositories turn them into domain and response types.

pub mod action_points;
pub mod audit_events;
pub mod coaching_sessions;
pub mod evaluation_answers;
pub mod evaluation_levels;
pub mod evaluations;
pub mod institutions;
pub mod login_throttles;
pub mod memberships;
pub mod service_secrets;
pub mod trajectories;
pub mod trajectory_coaches;
pub mod trajectory_components;
pub mod trajectory_kerngroep;
pub mod trajectory_targets;
pub mod units;
pub mod users;
