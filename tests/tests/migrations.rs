//! Migrations applied to a database that already holds evaluations: the summary columns that
//! progress reads are filled in from the answers and levels stored before them.

use lobkader_migration::{Migrator, MigratorTrait};
use lobkader_tests::{Backend, backend_tests, spawn_app};
use serde_json::Value;

backend_tests!(the_summary_migration_fills_in_what_progress_reads_from_existing_evaluations);

async fn the_summary_migration_fills_in_what_progress_reads_from_existing_evaluations(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("De Oude Haven").await;
    let member = app.create_member(&school, "kerngroep@oudehaven.test").await;
    let answers = ["yes", "partly", "no", "unknown"];
    let levels = ["minimal", "basic", "integrated"];
    for (k, date) in ["2024-03-01", "2025-03-01", "2026-03-01"]
        .iter()
        .enumerate()
    {
        app.submitted_evaluation(
            &school,
            &member.token,
            date,
            move |q| answers[(q.len() + q.as_bytes()[2] as usize + k) % 4],
            move |s| levels[(usize::from(s) + k) % 3],
        )
        .await;
    }
    // A draft has no summary, before or after.
    app.create_draft(&school, &member.token, "2026-06-01", "interim")
        .await;
    let path = format!("/api/v1/institutions/{school}/progress");
    let before = app.get(&path, &app.admin_token).await.expect(200).body;
    assert_eq!(before["evaluations"].as_array().map(Vec::len), Some(3));
    assert_ne!(
        before["evaluations"][0]["answers"], before["evaluations"][2]["answers"],
        "the evaluations differ, so a summary taken from the wrong one would show"
    );

    // Undo the summary migration (dropping the columns) and apply it again: it must restore
    // every summary from the answers and levels alone.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let applied = Migrator::get_applied_migrations(&db).await.unwrap();
    let last = applied.last().unwrap().name().to_owned();
    let steps_back = applied.len()
        - applied
            .iter()
            .position(|m| m.name() == "m20261123_000004_evaluation_summaries")
            .expect("the summary migration is applied");
    Migrator::down(&db, Some(steps_back as u32)).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let again = Migrator::get_applied_migrations(&db).await.unwrap();
    assert_eq!(again.last().unwrap().name(), last);
    db.close().await.unwrap();

    // A fresh service on the migrated database (a running one may hold plans of the old rows).
    let fresh = app.another_service().await;
    let after: Value = fresh.get(&path, &fresh.admin_token).await.expect(200).body;
    assert_eq!(after, before);
}
