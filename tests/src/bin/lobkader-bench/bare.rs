//! The ceiling: a minimal actix-web server answering `GET /evaluations/{id}` with one
//! primary-key lookup of the `evaluations` row through sea-orm — the same driver, pool and
//! connection settings as the service (`Db::connect`) — as JSON. No auth, no content, no
//! middleware: what any endpoint reading one row costs at least. It runs as a child process
//! of the benchmark, and exits when the benchmark closes its standard input.

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Args;
use lobkader_api::db::Db;
use lobkader_api::db::entities::evaluations;
use sea_orm::{DatabaseConnection, EntityTrait};
use std::io::{Read, Write};
use std::net::TcpListener;
use uuid::Uuid;

#[derive(Debug, Args)]
pub struct BareArgs {
    #[arg(long)]
    pub database_url: String,
    #[arg(long, default_value_t = 8)]
    pub max_connections: u32,
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: String,
}

pub async fn serve(args: BareArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let db = Db::connect(&args.database_url, args.max_connections).await?;
    let conn = db.conn().clone();
    let listener = TcpListener::bind(&args.addr)?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(conn.clone()))
            .route("/evaluations/{id}", web::get().to(read_evaluation))
    })
    .listen(listener)?
    .run();
    println!("port {port}");
    std::io::stdout().flush()?;
    server.await?;
    Ok(())
}

/// `.all()`, not `.one()`: `.one()` binds `LIMIT ?`, which makes SQLite prepare the
/// statement again on every execution (STACK.md); the service reads by `.all()` too.
async fn read_evaluation(db: web::Data<DatabaseConnection>, id: web::Path<Uuid>) -> HttpResponse {
    let rows = match evaluations::Entity::find_by_id(id.into_inner())
        .all(db.get_ref())
        .await
    {
        Ok(rows) => rows,
        Err(e) => return HttpResponse::InternalServerError().body(e.to_string()),
    };
    let Some(m) = rows.into_iter().next() else {
        return HttpResponse::NotFound().finish();
    };
    HttpResponse::Ok().json(serde_json::json!({
        "id": m.id,
        "institution_id": m.institution_id,
        "unit_id": m.unit_id,
        "instrument_id": m.instrument_id,
        "instrument_version": m.instrument_version,
        "reference_date": m.reference_date,
        "school_year": m.school_year,
        "moment": m.moment,
        "status": m.status,
        "revision": m.revision,
        "title": m.title,
        "participants": m.participants,
        "supersedes_id": m.supersedes_id,
        "created_by": m.created_by,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "submitted_at": m.submitted_at,
        "submitted_by": m.submitted_by,
        "trajectory_id": m.trajectory_id,
    }))
}
