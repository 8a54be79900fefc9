//! The black-box HTTP tests, one module per part of the service, linked into one test binary
//! (one binary per file would link the whole service two dozen times).

mod accounts;
mod audit;
mod coach_overview;
mod comparison;
mod errors;
mod framework;
mod hostile;
mod institutions;
mod isolation;
mod lifecycle;
mod login;
mod metrics;
mod migrations;
mod openapi;
mod progress;
mod readme;
mod security_headers;
mod startup;
mod trajectories;
