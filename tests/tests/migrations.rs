//! Migrations applied to a database that already holds evaluations: the summary columns that
//! progress reads are filled in from the answers and levels stored before them, and the
//! answers and levels keep every row when SQLite's tables for them are made anew.

use lobkader_migration::{Migrator, MigratorTrait};
use lobkader_tests::{Backend, backend_tests, spawn_app};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

backend_tests!(the_summary_migration_fills_in_what_progress_reads_from_existing_evaluations);
backend_tests!(the_content_migration_keeps_every_answer_and_level);

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

/// How many migrations to undo so that `name` is the first one undone.
async fn steps_back_to(db: &DatabaseConnection, name: &str) -> u32 {
    let applied = Migrator::get_applied_migrations(db).await.unwrap();
    let at = applied
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("{name} is applied"));
    u32::try_from(applied.len() - at).unwrap()
}

/// Whether SQLite's table `table` has a rowid (a table made `WITHOUT ROWID` has none).
async fn has_rowid(db: &DatabaseConnection, table: &str) -> bool {
    db.execute_unprepared(&format!("SELECT rowid FROM {table} LIMIT 1"))
        .await
        .is_ok()
}

/// On SQLite the answers and levels move into tables without a rowid, and back when the
/// migration is undone; on PostgreSQL it changes nothing. Either way a submitted evaluation and
/// a draft with explanations and remarks read the same afterwards.
async fn the_content_migration_keeps_every_answer_and_level(backend: Backend) {
    let sqlite = matches!(backend, Backend::Sqlite);
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let member = app.create_member(&school, "kerngroep@hetbaken.test").await;
    let answers = ["yes", "partly", "no", "unknown"];
    let submitted = app
        .submitted_evaluation(
            &school,
            &member.token,
            "2025-03-01",
            move |q| answers[q.len() % 4],
            |s| ["minimal", "basic", "integrated"][usize::from(s) % 3],
        )
        .await;
    let draft = app
        .create_draft(&school, &member.token, "2026-03-01", "interim")
        .await;
    let draft_path = format!("/api/v1/evaluations/{}", draft.id());
    app.patch(
        &draft_path,
        &member.token,
        &draft.etag(),
        json!({
            "answers": [{"question_id": "1.1", "answer": "partly", "explanation": "Alleen in klas 3"}],
            "levels": [{"step": 2, "level": "basic", "remarks": "Loopbaangesprekken twee keer per jaar"}],
        }),
    )
    .await
    .expect(200);
    let paths = [
        format!("/api/v1/evaluations/{}", submitted["id"].as_str().unwrap()),
        draft_path,
    ];
    let mut before = Vec::new();
    for path in &paths {
        before.push(app.get(path, &app.admin_token).await.expect(200).body);
    }
    assert_eq!(before[1]["answers"][0]["explanation"], "Alleen in klas 3");

    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let tables = ["evaluation_answers", "evaluation_levels"];
    if sqlite {
        for table in tables {
            assert!(!has_rowid(&db, table).await, "{table} has a rowid");
        }
    }
    let steps = steps_back_to(&db, "m20261123_000009_content_without_rowid").await;
    Migrator::down(&db, Some(steps)).await.unwrap();
    if sqlite {
        for table in tables {
            assert!(
                has_rowid(&db, table).await,
                "{table} has no rowid after the undo"
            );
        }
    }
    Migrator::up(&db, None).await.unwrap();
    if sqlite {
        for table in tables {
            assert!(!has_rowid(&db, table).await, "{table} has a rowid again");
        }
    }
    db.close().await.unwrap();

    let fresh = app.another_service().await;
    for (path, before) in paths.iter().zip(before) {
        let after = fresh.get(path, &fresh.admin_token).await.expect(200).body;
        assert_eq!(after, before);
    }
}
