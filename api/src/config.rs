//! Settings from the environment (or the command line), with defaults that run the service
//! on an SQLite file with no other setup.

use crate::db::{SqliteSync, SqliteTuning};
use crate::middleware::client_addr::{ForwardedHeader, IpNet};
use clap::Args;
use secrecy::SecretString;
use std::num::NonZeroUsize;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// The address to listen on.
    #[arg(long, env = "LOBKADER_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// The database: an SQLite file (created if missing) or a PostgreSQL URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://lobkader.db?mode=rwc"
    )]
    pub database_url: String,
    /// The largest number of pooled database connections.
    #[arg(long, env = "LOBKADER_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
    /// SQLite only: `normal` acknowledges a write once it is in the write-ahead log (it survives
    /// a crash of the process), `full` once it is fsynced (it survives a power cut too).
    #[arg(long, env = "LOBKADER_SQLITE_SYNCHRONOUS", value_enum, default_value_t = SqliteSync::Normal)]
    pub sqlite_synchronous: SqliteSync,
    /// SQLite only: the page cache of each connection (the pooled ones and the writer's), in
    /// KiB (SQLite's own default is 2,000). Pages it misses come from the operating system's
    /// file cache.
    #[arg(long, env = "LOBKADER_SQLITE_CACHE_KIB", default_value_t = SqliteTuning::DEFAULT_CACHE_KIB, value_parser = clap::value_parser!(u32).range(64..=1_048_576))]
    pub sqlite_cache_kib: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "LOBKADER_WORKERS")]
    pub workers: Option<usize>,
    /// The key that signs bearer tokens (at least 32 bytes). When unset, a key is generated
    /// once and kept in the database, so tokens survive restarts.
    #[arg(long, env = "LOBKADER_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// Keys that signed bearer tokens before `LOBKADER_JWT_SECRET` (comma-separated, each at
    /// least 32 bytes): they no longer sign, but their tokens stay valid until they expire.
    #[arg(
        long,
        env = "LOBKADER_JWT_PREVIOUS_SECRETS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub jwt_previous_secrets: Vec<SecretString>,
    /// How long a bearer token is valid, in seconds.
    #[arg(long, env = "LOBKADER_TOKEN_TTL_SECONDS", default_value_t = 1800)]
    pub token_ttl_seconds: i64,
    /// The e-mail address of the first admin, made on the first start with an empty database.
    #[arg(
        long,
        env = "LOBKADER_ADMIN_EMAIL",
        default_value = "admin@lobkader.local"
    )]
    pub admin_email: String,
    /// Adds an `X-Query-Count` header to every response: how many database queries the request
    /// made. A diagnostic for tests and benchmarks; leave it off in production.
    #[arg(long, env = "LOBKADER_EXPOSE_QUERY_COUNT", default_value_t = false)]
    pub expose_query_count: bool,
    /// The password of the first admin; when unset, one is generated and printed once.
    #[arg(long, env = "LOBKADER_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<SecretString>,
    /// Sends `Strict-Transport-Security` on every response. Turn it on when clients reach the
    /// service only over HTTPS (usually through a TLS-terminating proxy).
    #[arg(long, env = "LOBKADER_HSTS", default_value_t = false)]
    pub hsts: bool,
    /// Serves `/metrics` without a token, for a Prometheus scraper on a private network. By
    /// default it needs an admin's bearer token.
    #[arg(long, env = "LOBKADER_METRICS_PUBLIC", default_value_t = false)]
    pub metrics_public: bool,
    /// The reverse proxies (addresses or CIDR networks, comma-separated) whose forwarding
    /// header names the client. Without them the connection's peer is the client.
    #[arg(long, env = "LOBKADER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNet>,
    /// The header in which the trusted proxies name the client.
    #[arg(long, env = "LOBKADER_FORWARDED_HEADER", value_enum, default_value_t = ForwardedHeader::XForwardedFor)]
    pub forwarded_header: ForwardedHeader,
    /// Failed logins allowed from one client address (an IPv6 /64) per quarter of an hour
    /// before its logins answer 429 for a while; 0 turns the limit off.
    #[arg(long, env = "LOBKADER_LOGIN_ADDRESS_LIMIT", default_value_t = 20)]
    pub login_address_limit: u32,
    /// Password hashes (logins, new passwords) computed at once. Each holds 7 MiB and a core
    /// while it runs (~20 ms), so one keeps a burst of logins to one core and 7 MiB, at about 50
    /// logins a second; more only for many logins at once on a machine with cores to spare.
    #[arg(long, env = "LOBKADER_HASHING_SLOTS", default_value_t = NonZeroUsize::MIN)]
    pub hashing_slots: NonZeroUsize,
}
