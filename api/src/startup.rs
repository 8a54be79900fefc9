//! Building and running the service: database and migrations, the first admin, the signing
//! key, the router with its OpenAPI document, and the HTTP server. `main` and the tests share
//! this path; binding port 0 and reading the real port back lets tests run side by side.

use crate::auth::accounts::AccountCache;
use crate::auth::password;
use crate::auth::token::TokenKeys;
use crate::config::Settings;
use crate::db::{Db, SqliteTuning};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{self, BODY_LIMIT};
use crate::middleware::client_addr::TrustedProxies;
use crate::middleware::metrics::{self, Metrics};
use crate::middleware::security_headers::SecurityHeaders;
use crate::openapi::ApiDoc;
use crate::{bootstrap, routes};
use actix_web::dev::Server;
use actix_web::http::Method;
use actix_web::{App, HttpResponse, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as Doc;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// What every request handler can reach.
pub struct AppState {
    pub db: Db,
    pub tokens: TokenKeys,
    /// The state of recently seen accounts, which every authenticated request checks.
    pub accounts: AccountCache,
}

pub struct Application {
    server: Server,
    port: u16,
    db: Db,
}

pub type StartupError = Box<dyn std::error::Error + Send + Sync>;

impl Application {
    /// Connects and migrates the database, makes sure there is an admin and a signing key,
    /// and binds the listener. The server runs once [`Application::run_until_stopped`] is awaited.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        if !password::set_slots(settings.hashing_slots)
            && password::slots() != settings.hashing_slots.get()
        {
            tracing::warn!(
                slots = password::slots(),
                "LOBKADER_HASHING_SLOTS is set once per process; it stays as it was"
            );
        }
        let db = Db::connect_with(
            &settings.database_url,
            settings.db_max_connections,
            SqliteTuning {
                synchronous: settings.sqlite_synchronous,
                cache_kib: settings.sqlite_cache_kib,
                background_checkpoints: true,
            },
        )
        .await?;
        bootstrap::first_admin(&db, &settings).await?;
        let tokens = bootstrap::signing_keys(&db, &settings).await?;
        let listener = TcpListener::bind(&settings.addr)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            db: db.clone(),
            tokens,
            accounts: AccountCache::default(),
        });
        let doc = Arc::new(document());
        let allowed = Arc::new(AllowedMethods::from(&*doc));
        let expose_query_count = settings.expose_query_count;
        let metrics = web::Data::new(Metrics::new(settings.metrics_public));
        let proxies = web::Data::new(TrustedProxies {
            networks: settings.trusted_proxies.clone(),
            header: settings.forwarded_header,
        });
        let login_limits =
            web::Data::new(routes::auth::LoginLimits::new(settings.login_address_limit));
        let security_headers = SecurityHeaders {
            hsts: settings.hsts,
        };
        let mut server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .service(
                    utoipa_actix_web::scope("/api/v1")
                        .configure(routes::configure)
                        // Served from inside the scope: an actix scope answers every path under it.
                        .route("/openapi.json", web::get().to(serve_document)),
                )
                .service(routes::health::healthz)
                .service(routes::health::readyz)
                .service(routes::metrics::metrics)
                .split_for_parts();
            let allowed = allowed.clone();
            app.app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(proxies.clone())
                .app_data(login_limits.clone())
                .app_data(web::Data::from(doc.clone()))
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .app_data(web::PathConfig::default().error_handler(extract::path_error))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").config(Config::from("/api/v1/openapi.json")),
                )
                .default_service(web::to(move |req: actix_web::HttpRequest| {
                    let allowed = allowed.clone();
                    async move { fallback(&req, &allowed) }
                }))
                .wrap(actix_web::middleware::from_fn(
                    crate::auth::authenticate_first,
                ))
                .wrap(actix_web::middleware::Condition::new(
                    expose_query_count,
                    actix_web::middleware::from_fn(count_queries),
                ))
                .wrap(actix_web::middleware::from_fn(head_as_get))
                .wrap(actix_web::middleware::from_fn(metrics::record))
                .wrap(actix_web::middleware::from_fn(request_id))
                .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
                .wrap(actix_web::middleware::from_fn(move |req, next| {
                    security_headers.apply(req, next)
                }))
        })
        .listen(listener)?
        .shutdown_timeout(20);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Application {
            server: server.run(),
            port,
            db,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server is stopped (SIGTERM/SIGINT stop it gracefully: requests in
    /// flight finish, then the database pool closes).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let _ = self.db.close().await;
        result
    }
}

async fn serve_document(doc: web::Data<Doc>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}

/// The OpenAPI document, collected from the same registrations that build the router.
pub fn document() -> Doc {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/api/v1").configure(routes::configure))
        .service(routes::health::healthz)
        .service(routes::health::readyz)
        .service(routes::metrics::metrics)
        .split_for_parts();
    let mut doc = doc;
    crate::openapi::finish(&mut doc);
    doc
}

/// Adds `X-Query-Count`: the number of database queries the request made.
async fn count_queries(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let (res, count) = crate::db::query_count::counted(next.call(req)).await;
    let mut res = res?;
    res.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("x-query-count"),
        actix_web::http::header::HeaderValue::from(count),
    );
    Ok(res)
}

/// Makes the request id (from the request span) known to the audit records the request makes,
/// and tells it the client in `X-Request-Id`, to quote when asking about a request.
async fn request_id(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| uuid::Uuid::from(*id));
    let mut res = crate::db::audit::in_request(id, next.call(req)).await?;
    if let Some(id) = id
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id.to_string())
    {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    Ok(res)
}

/// Answers HEAD wherever GET is answered: the GET handler runs and its body is dropped.
async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let res = next.call(req).await?;
    Ok(if head {
        res.map_body(|_, _| actix_web::body::BoxBody::new(()))
    } else {
        res.map_into_boxed_body()
    })
}

/// The methods each documented path answers, to tell 405 from 404.
struct AllowedMethods(Vec<(actix_web::dev::ResourceDef, Vec<Method>)>);

impl From<&Doc> for AllowedMethods {
    fn from(doc: &Doc) -> Self {
        let table = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (&item.get, Method::GET),
                    (&item.post, Method::POST),
                    (&item.put, Method::PUT),
                    (&item.patch, Method::PATCH),
                    (&item.delete, Method::DELETE),
                ]
                .into_iter()
                .filter(|(op, _)| op.is_some())
                .map(|(_, m)| m)
                .collect();
                (actix_web::dev::ResourceDef::new(path.as_str()), methods)
            })
            .chain(std::iter::once((
                actix_web::dev::ResourceDef::new("/api/v1/openapi.json"),
                vec![Method::GET],
            )))
            .collect();
        AllowedMethods(table)
    }
}

fn fallback(req: &actix_web::HttpRequest, allowed: &AllowedMethods) -> HttpResponse {
    use actix_web::ResponseError;
    let path = req.path();
    let methods = allowed
        .0
        .iter()
        .find(|(def, _)| def.is_match(path))
        .map(|(_, m)| m);
    match methods {
        Some(methods) => {
            let mut list: Vec<&str> = methods.iter().map(Method::as_str).collect();
            if methods.contains(&Method::GET) {
                list.push("HEAD");
            }
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!(
                    "{} is not allowed here; use {}.",
                    req.method(),
                    list.join(", ")
                ),
            )
            .with_allow(list.join(", "))
            .error_response()
        }
        None => ApiError::new(
            ErrorCode::NotFound,
            format!("There is no resource at {path}."),
        )
        .error_response(),
    }
}
