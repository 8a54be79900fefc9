//! The audit trail: who changed what, when, in which request. Every change is recorded in the
//! transaction that makes it, so a change and its record land together or not at all. There
//! is no function here to change or remove a record, and the database refuses both.

use super::batch::Batch;
use super::entities::audit_events;
use crate::auth::AuthUser;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Insert, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Set,
};
use std::future::Future;
use uuid::Uuid;

tokio::task_local! {
    static REQUEST_ID: Option<Uuid>;
}

/// Runs `fut` (the handling of one request) with its request id at hand for the records it makes.
pub async fn in_request<F: Future>(request_id: Option<Uuid>, fut: F) -> F::Output {
    REQUEST_ID.scope(request_id, fut).await
}

/// One change, as a handler describes it.
pub struct Change {
    /// What happened, as `object.verb`, e.g. `evaluation.submitted`.
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: Option<Uuid>,
    /// The institution whose trail shows the change, if any.
    pub institution_id: Option<Uuid>,
    /// A small description of the change: names of changed fields, before and after of short
    /// values. Never passwords, tokens or free text such as remarks.
    pub details: Option<serde_json::Value>,
}

impl Change {
    pub fn new(action: &'static str, object_type: &'static str, object_id: Uuid) -> Self {
        Change {
            action,
            object_type,
            object_id: Some(object_id),
            institution_id: None,
            details: None,
        }
    }

    pub fn at(mut self, institution_id: Uuid) -> Self {
        self.institution_id = Some(institution_id);
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// Who made a change: an account, or the service itself (the command line, the first start).
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    User(AuthUser),
    System,
}

impl From<&AuthUser> for Actor {
    fn from(user: &AuthUser) -> Self {
        Actor::User(*user)
    }
}

/// Appends the record of `change` by `actor`.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: impl Into<Actor>,
    change: Change,
) -> Result<(), DbErr> {
    insert(actor.into(), change)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Adds the record of `change` by `actor` to `batch`.
pub fn push(batch: &mut Batch, actor: impl Into<Actor>, change: Change) {
    let insert = insert(actor.into(), change).build(batch.backend());
    batch.push(insert);
}

fn insert(actor: Actor, change: Change) -> Insert<audit_events::ActiveModel> {
    let (actor_id, actor_role) = match actor {
        Actor::User(u) => (Some(u.id), u.role.as_str()),
        Actor::System => (None, "system"),
    };
    let request_id = REQUEST_ID.try_with(|id| *id).ok().flatten();
    audit_events::Entity::insert(audit_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(super::now()),
        actor_id: Set(actor_id),
        actor_role: Set(actor_role.to_owned()),
        action: Set(change.action.to_owned()),
        object_type: Set(change.object_type.to_owned()),
        object_id: Set(change.object_id),
        institution_id: Set(change.institution_id),
        request_id: Set(request_id.map(|id| id.to_string())),
        details: Set(change.details),
    })
}

/// Which records to list.
#[derive(Debug, Default)]
pub struct Filter {
    pub institution_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The records matching `filter`. Each filter has an index to read: the institution's, the
/// actor's and the action's end in the id, so their records come newest first unsorted.
fn matching(filter: &Filter) -> Select<audit_events::Entity> {
    let mut condition = Condition::all();
    if let Some(id) = filter.institution_id {
        condition = condition.add(audit_events::Column::InstitutionId.eq(id));
    }
    if let Some(id) = filter.actor_id {
        condition = condition.add(audit_events::Column::ActorId.eq(id));
    }
    if let Some(action) = &filter.action {
        condition = condition.add(audit_events::Column::Action.eq(action.as_str()));
    }
    if let Some(from) = filter.from {
        condition = condition.add(audit_events::Column::At.gte(from));
    }
    if let Some(until) = filter.until {
        condition = condition.add(audit_events::Column::At.lt(until));
    }
    audit_events::Entity::find().filter(condition)
}

/// How many records match `filter`, as one `COUNT` over the same index [`matching`] reads.
fn counted(filter: &Filter) -> Select<audit_events::Entity> {
    matching(filter)
        .select_only()
        .column_as(audit_events::Column::Id.count(), "n")
}

/// Records matching `filter`, newest first, and how many match in all.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<audit_events::Model>, u64), DbErr> {
    let total: i64 = counted(filter)
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    let total = u64::try_from(total).map_err(|e| DbErr::Type(e.to_string()))?;
    let rows = matching(filter)
        // Ids are UUIDv7, in the order the records were made: newest first reads the primary
        // key (or an index that ends in the id) backwards, with no sort.
        .order_by_desc(audit_events::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The top-level fields that differ between two versions of an object (as they serialise),
/// as `{"before": …, "after": …}`; timestamps of the change itself are left out, and long text,
/// lists and objects are given as their size only.
pub fn diff<T: serde::Serialize>(
    before: &T,
    after: &T,
) -> Result<serde_json::Value, serde_json::Error> {
    use serde_json::{Map, Value};
    let (before, after) = (serde_json::to_value(before)?, serde_json::to_value(after)?);
    const LONG: usize = 80;
    let small = |v: &Value| match v {
        Value::String(s) if s.chars().count() > LONG => {
            Value::String(format!("({} characters)", s.chars().count()))
        }
        // Lists and objects (a trajectory's components, say) may hold free text of any length.
        Value::Array(items) if v.to_string().chars().count() > LONG => {
            Value::String(format!("({} items)", items.len()))
        }
        Value::Object(fields) if v.to_string().chars().count() > LONG => {
            Value::String(format!("({} fields)", fields.len()))
        }
        other => other.clone(),
    };
    let (mut was, mut is) = (Map::new(), Map::new());
    if let (Value::Object(b), Value::Object(a)) = (&before, &after) {
        for (key, new) in a {
            if key == "updated_at" || key == "updated_by" {
                continue;
            }
            let old = b.get(key).unwrap_or(&Value::Null);
            if old != new {
                was.insert(key.clone(), small(old));
                is.insert(key.clone(), small(new));
            }
        }
    }
    Ok(serde_json::json!({"before": was, "after": is}))
}

#[cfg(test)]
mod tests {
    use super::{Filter, audit_events, counted, diff, matching};
    use crate::db::{Db, sqlite_url};
    use sea_orm::{ConnectionTrait, DbBackend, QueryOrder, QuerySelect, QueryTrait};
    use serde_json::json;

    /// SQLite's plan for `query`, one line per step.
    async fn plan(db: &Db, query: sea_orm::Statement) -> String {
        let explain = sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {}", query.sql),
            query.values.map(|v| v.0).unwrap_or_default(),
        );
        let rows = db.conn().query_all_raw(explain).await.unwrap();
        rows.iter()
            .map(|r| r.try_get::<String>("", "detail").unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn each_filter_of_the_trail_reads_an_index_not_every_record() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&sqlite_url(&dir.path().join("audit.db")), 1)
            .await
            .unwrap();
        let now = chrono::Utc::now();
        let filters = [
            Filter {
                action: Some("evaluation.submitted".into()),
                ..Filter::default()
            },
            Filter {
                from: Some(now),
                ..Filter::default()
            },
            Filter {
                until: Some(now),
                ..Filter::default()
            },
            Filter {
                institution_id: Some(uuid::Uuid::nil()),
                ..Filter::default()
            },
            Filter {
                actor_id: Some(uuid::Uuid::nil()),
                ..Filter::default()
            },
        ];
        // The count `list` runs seeks into an index: no step scans the trail (or a whole index).
        for filter in &filters {
            let count = plan(&db, counted(filter).build(DbBackend::Sqlite)).await;
            assert!(
                count.lines().all(|l| l.starts_with("SEARCH")) && count.contains("INDEX"),
                "{filter:?}: {count}"
            );
        }
        // A page of one action: newest first straight from its index, with no sort.
        let page = matching(&filters[0])
            .order_by_desc(audit_events::Column::Id)
            .limit(20)
            .build(DbBackend::Sqlite);
        let page = plan(&db, page).await;
        assert!(page.contains("audit_events_action_idx"), "{page}");
        assert!(!page.contains("TEMP B-TREE"), "{page}");
    }

    #[test]
    fn a_diff_names_what_changed_and_keeps_long_text_out() {
        let long = "x".repeat(200);
        let d = diff(
            &json!({"name": "Oud", "region": "Eemland", "description": "kort", "updated_at": 1,
                    "steps": [1, 2], "plan": {"notes": "kort"}, "components": [{"notes": "kort"}]}),
            &json!({"name": "Nieuw", "region": "Eemland", "description": long, "updated_at": 2,
                    "steps": [1, 3], "plan": {"notes": long}, "components": [{"notes": long}]}),
        )
        .unwrap();
        assert_eq!(
            d,
            json!({
                "before": {"name": "Oud", "description": "kort", "steps": [1, 2],
                           "plan": {"notes": "kort"}, "components": [{"notes": "kort"}]},
                "after": {"name": "Nieuw", "description": "(200 characters)", "steps": [1, 3],
                          "plan": "(1 fields)", "components": "(1 items)"}
            })
        );
    }
}
