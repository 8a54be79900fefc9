//! What wraps every request: security headers, request metrics, and the client's address as
//! seen through trusted reverse proxies.

pub mod client_addr;
pub mod metrics;
pub mod security_headers;
