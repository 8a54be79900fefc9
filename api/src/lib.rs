//! The lobkader service: the HTTP edge and persistence over the pure `lobkader-domain` core.

pub mod auth;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod dump;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod schema;
pub mod startup;
pub mod telemetry;
