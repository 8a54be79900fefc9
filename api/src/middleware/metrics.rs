//! Request metrics for Prometheus: a counter and a latency histogram per method, route
//! template and status class, rendered in the Prometheus text format with the database pool
//! and the process's resident memory.
//!
//! The text format is small enough to write here, and the label sets are closed (the routes
//! are the router's templates, never raw paths; methods and status classes are fixed lists),
//! so a map of atomic counters is all the registry needed. Each service keeps its own
//! [`Metrics`], so services started side by side (as the tests do) never mix their numbers.
//!
//! Counting a request costs a shared read lock, a lookup by the route (borrowed, never
//! copied) and three relaxed atomic additions; only the first request of a new series takes
//! the write lock. The route template is found once per request ([`Route::of`]) and shared
//! with the request log.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use std::collections::HashMap;
use std::fmt::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

/// The upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The route template a request matched, or [`UNMATCHED`]. Before routing, actix finds it by
/// matching the path against every route again, so it is found once per request and kept in
/// the request's extensions for the log and the metrics alike.
#[derive(Clone)]
pub struct Route(pub Rc<str>);

impl Route {
    pub fn of(req: &ServiceRequest) -> Route {
        if let Some(route) = req.extensions().get::<Route>() {
            return route.clone();
        }
        let route = Route(
            req.match_pattern()
                .map_or_else(|| Rc::from(UNMATCHED), Rc::from),
        );
        req.extensions_mut().insert(route.clone());
        route
    }
}

/// The requests of one method and status class on one route.
struct Series {
    method: &'static str,
    status_class: &'static str,
    count: AtomicU64,
    nanos: AtomicU64,
    /// Per bucket, the requests that took at most its bound and more than the previous one.
    buckets: [AtomicU64; BUCKETS.len()],
}

impl Series {
    fn new(method: &'static str, status_class: &'static str) -> Series {
        Series {
            method,
            status_class,
            count: AtomicU64::default(),
            nanos: AtomicU64::default(),
            buckets: Default::default(),
        }
    }

    fn is(&self, method: &str, status_class: &str) -> bool {
        self.method == method && self.status_class == status_class
    }

    fn add(&self, elapsed: Duration) {
        self.count.fetch_add(1, Ordering::Relaxed);
        // u64 nanoseconds hold 584 years of latency.
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The metrics of one service.
#[derive(Default)]
pub struct Metrics {
    /// Per route template, the series of each method and status class seen on it (a handful).
    routes: RwLock<HashMap<Box<str>, Vec<Series>>>,
    /// Whether `/metrics` answers without an admin token.
    pub public: bool,
}

/// A snapshot of the database pool.
pub struct PoolStats {
    pub in_use: u64,
    pub idle: u64,
    pub max: u64,
}

impl Metrics {
    pub fn new(public: bool) -> Metrics {
        Metrics {
            public,
            ..Metrics::default()
        }
    }

    fn observe(
        &self,
        method: &'static str,
        route: &str,
        status_class: &'static str,
        elapsed: Duration,
    ) {
        let find = |routes: &HashMap<Box<str>, Vec<Series>>| {
            routes
                .get(route)?
                .iter()
                .position(|s| s.is(method, status_class))
        };
        {
            let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(i) = find(&routes) {
                routes[route][i].add(elapsed);
                return;
            }
        }
        let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
        let i = find(&routes).unwrap_or_else(|| {
            let series = routes.entry(Box::from(route)).or_default();
            series.push(Series::new(method, status_class));
            series.len() - 1
        });
        routes[route][i].add(elapsed);
    }

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self, pool: &PoolStats) -> String {
        let mut out = String::new();
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        // By method, route and status class, so that the text is stable between scrapes.
        let mut series: Vec<(String, &Series)> = routes
            .iter()
            .flat_map(|(route, list)| list.iter().map(move |s| (route, s)))
            .map(|(route, s)| (label_text(s.method, route, s.status_class), s))
            .collect();
        series.sort_by(|a, b| {
            (a.1.method, &a.0, a.1.status_class).cmp(&(b.1.method, &b.0, b.1.status_class))
        });
        let _ = writeln!(
            out,
            "# HELP lobkader_http_requests_total HTTP requests answered, by method, route template and status class.\n\
             # TYPE lobkader_http_requests_total counter"
        );
        for (labels, s) in &series {
            let _ = writeln!(
                out,
                "lobkader_http_requests_total{{{labels}}} {}",
                s.count.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP lobkader_http_request_duration_seconds Time to answer an HTTP request, up to its first byte.\n\
             # TYPE lobkader_http_request_duration_seconds histogram"
        );
        for (labels, s) in &series {
            let mut cumulative = 0;
            for (bound, bucket) in BUCKETS.iter().zip(&s.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "lobkader_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let count = s.count.load(Ordering::Relaxed);
            let seconds = s.nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(
                out,
                "lobkader_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}\n\
                 lobkader_http_request_duration_seconds_sum{{{labels}}} {seconds}\n\
                 lobkader_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP lobkader_db_pool_connections Open database connections, in use by a request or idle.\n\
             # TYPE lobkader_db_pool_connections gauge\n\
             lobkader_db_pool_connections{{state=\"in_use\"}} {}\n\
             lobkader_db_pool_connections{{state=\"idle\"}} {}\n\
             # HELP lobkader_db_pool_max_connections The most connections the pool opens.\n\
             # TYPE lobkader_db_pool_max_connections gauge\n\
             lobkader_db_pool_max_connections {}",
            pool.in_use, pool.idle, pool.max
        );
        if let Some(bytes) = resident_memory_bytes() {
            let _ = writeln!(
                out,
                "# HELP process_resident_memory_bytes Resident memory size in bytes.\n\
                 # TYPE process_resident_memory_bytes gauge\n\
                 process_resident_memory_bytes {bytes}"
            );
        }
        out
    }
}

fn label_text(method: &str, route: &str, status_class: &str) -> String {
    format!(
        "method=\"{method}\",route=\"{}\",status_class=\"{status_class}\"",
        escape(route)
    )
}

/// Escapes a label value as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The resident set size from `/proc` (Linux); `None` elsewhere.
fn resident_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib * 1024)
}

/// A method as a label: the methods the API knows, `other` for the rest, so that a client
/// cannot make up new series.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The middleware: times each request and counts it under its route template.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = method_label(req.method());
    let route = Route::of(&req);
    let res = next.call(req).await;
    if let Some(metrics) = metrics {
        let status = match &res {
            Ok(res) => res.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        metrics.observe(
            method,
            &route.0,
            status_class(status.as_u16()),
            started.elapsed(),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_is_cumulative_and_labels_are_escaped() {
        let m = Metrics::new(false);
        let observe = |route: &str, elapsed| m.observe("GET", route, "2xx", elapsed);
        observe("/a/{id}", Duration::from_millis(2));
        observe("/a/{id}", Duration::from_millis(300));
        observe("/a/{id}", Duration::from_secs(60));
        observe("q\"\\\n", Duration::ZERO);
        m.observe("POST", "/a/{id}", "4xx", Duration::from_millis(2));
        let text = m.render(&PoolStats {
            in_use: 1,
            idle: 2,
            max: 4,
        });
        let series = "method=\"GET\",route=\"/a/{id}\",status_class=\"2xx\"";
        for line in [
            format!("lobkader_http_requests_total{{{series}}} 3"),
            format!("lobkader_http_request_duration_seconds_bucket{{{series},le=\"0.001\"}} 0"),
            format!("lobkader_http_request_duration_seconds_bucket{{{series},le=\"0.0025\"}} 1"),
            format!("lobkader_http_request_duration_seconds_bucket{{{series},le=\"0.5\"}} 2"),
            format!("lobkader_http_request_duration_seconds_bucket{{{series},le=\"10\"}} 2"),
            format!("lobkader_http_request_duration_seconds_bucket{{{series},le=\"+Inf\"}} 3"),
            format!("lobkader_http_request_duration_seconds_count{{{series}}} 3"),
            "lobkader_http_requests_total{method=\"POST\",route=\"/a/{id}\",status_class=\"4xx\"} 1"
                .to_owned(),
            "route=\"q\\\"\\\\\\n\"".to_owned(),
            "lobkader_db_pool_connections{state=\"in_use\"} 1".to_owned(),
            "lobkader_db_pool_max_connections 4".to_owned(),
        ] {
            assert!(text.contains(&line), "{line} missing from\n{text}");
        }
    }

    #[test]
    fn status_classes_and_unknown_methods_are_closed_lists() {
        assert_eq!(
            [200, 204, 301, 404, 429, 500, 503].map(status_class),
            ["2xx", "2xx", "3xx", "4xx", "4xx", "5xx", "5xx"]
        );
        let odd = actix_web::http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&odd), "other");
    }
}
