//! Drafts for the write runs, written straight into the database just before the run that
//! uses them, so the read runs see the national dataset as generated.

use crate::rows::Bulk;
use chrono::{Months, Utc};
use lobkader_api::db::Db;
use lobkader_api::db::entities::evaluations;
use lobkader_domain::{SchoolYear, catalogue};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::{DbErr, Set, TransactionTrait};
use uuid::Uuid;

/// For each `(institution, member)`, `count` drafts: complete ones (every answer and level,
/// ready to submit) or empty ones. Returns their ids per owner.
pub async fn insert_drafts(
    url: &str,
    owners: &[(Uuid, Uuid)],
    count: usize,
    complete: bool,
) -> Result<Vec<Vec<Uuid>>, DbErr> {
    let instrument = catalogue()
        .latest("kwaliteitskader-lob")
        .ok_or_else(|| DbErr::Custom("instrument missing".into()))?;
    let db = Db::connect(url, 2).await?;
    let tx = db.conn().begin().await?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut bulk = Bulk::default();
    let now = Utc::now();
    let date = now.date_naive() - Months::new(1);
    let mut ids = Vec::with_capacity(owners.len());
    for (institution, member) in owners {
        let mut mine = Vec::with_capacity(count);
        for _ in 0..count {
            let id = Uuid::now_v7();
            mine.push(id);
            bulk.push_evaluation(evaluations::ActiveModel {
                id: Set(id),
                institution_id: Set(*institution),
                unit_id: Set(None),
                instrument_id: Set(instrument.id.clone()),
                instrument_version: Set(instrument.version.clone()),
                reference_date: Set(date),
                school_year: Set(SchoolYear::containing(date).start_year()),
                moment: Set("interim".to_owned()),
                status: Set("draft".to_owned()),
                revision: Set(1),
                title: Set(None),
                participants: Set(serde_json::json!([])),
                supersedes_id: Set(None),
                created_by: Set(*member),
                created_at: Set(now),
                updated_at: Set(now),
                submitted_at: Set(None),
                submitted_by: Set(None),
                trajectory_id: Set(None),
                answers_yes: Set(None),
                answers_partly: Set(None),
                answers_no: Set(None),
                answers_unknown: Set(None),
                step_levels: Set(None),
            });
            if complete {
                bulk.content(instrument, id, 0.8, &mut rng);
            }
            if bulk.pending() >= 2_000 {
                bulk.flush(&tx).await?;
            }
        }
        ids.push(mine);
    }
    bulk.flush(&tx).await?;
    tx.commit().await?;
    db.close().await?;
    Ok(ids)
}
