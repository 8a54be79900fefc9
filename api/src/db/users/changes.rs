//! Changing and removing accounts. A new password or another role counts the account's token
//! generation up, so every token issued before stops working; so does removal.

use super::{User, user_from};
use crate::auth::Role;
use crate::db::entities::{memberships, trajectory_coaches, users};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// What to change of an account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub password_hash: Option<String>,
}

/// What a change did: the account as it was and as it is now, the names of the fields that
/// changed, and whether its tokens were revoked.
#[derive(Debug)]
pub struct Changed {
    pub before: User,
    pub user: User,
    pub fields: Vec<&'static str>,
    pub tokens_revoked: bool,
}

/// Applies `change` to account `id`; `None` when there is no such account or it has been
/// removed. Run it in a write transaction: the row is locked until it ends.
pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    change: UserChange,
) -> Result<Option<Changed>, DbErr> {
    let Some(row) = users::Entity::find_by_id(id)
        .filter(users::Column::RemovedAt.is_null())
        .lock_exclusive()
        .all(db)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let before = user_from(row)?;
    let mut user = before.clone();
    let mut update = users::Entity::update_many().filter(users::Column::Id.eq(id));
    let mut fields = Vec::new();
    if let Some(name) = change.display_name.filter(|n| *n != before.display_name) {
        update = update.col_expr(users::Column::DisplayName, Expr::value(name.clone()));
        user.display_name = name;
        fields.push("display_name");
    }
    if let Some(role) = change.role.filter(|r| *r != before.role) {
        update = update.col_expr(users::Column::Role, Expr::value(role.as_str()));
        user.role = role;
        fields.push("role");
    }
    if let Some(hash) = change.password_hash {
        update = update.col_expr(users::Column::PasswordHash, Expr::value(hash));
        fields.push("password");
    }
    let tokens_revoked = fields.iter().any(|f| *f == "role" || *f == "password");
    if tokens_revoked {
        update = update.col_expr(
            users::Column::TokenGeneration,
            Expr::col(users::Column::TokenGeneration).add(1),
        );
        // The row is locked: nothing moved it on since it was read.
        user.token_generation += 1;
    }
    if !fields.is_empty() {
        update.exec(db).await?;
    }
    Ok(Some(Changed {
        before,
        user,
        fields,
        tokens_revoked,
    }))
}

/// What removing an account ended.
#[derive(Debug)]
pub struct Removal {
    /// The institutions it was a member of.
    pub memberships: Vec<Uuid>,
    /// The trajectories it coached.
    pub coached: Vec<Uuid>,
}

/// Marks account `id` removed at `now`, revokes its tokens and ends its memberships and
/// coaching assignments; `None` when there is no such account or it was removed already.
pub async fn remove(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Removal>, DbErr> {
    let marked = users::Entity::update_many()
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::RemovedAt.is_null())
        .col_expr(users::Column::RemovedAt, Expr::value(now))
        .col_expr(
            users::Column::TokenGeneration,
            Expr::col(users::Column::TokenGeneration).add(1),
        )
        .exec(db)
        .await?;
    if marked.rows_affected == 0 {
        return Ok(None);
    }
    let memberships: Vec<Uuid> = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::InstitutionId)
        .filter(memberships::Column::UserId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    memberships::Entity::delete_many()
        .filter(memberships::Column::UserId.eq(id))
        .exec(db)
        .await?;
    let coached: Vec<Uuid> = trajectory_coaches::Entity::find()
        .select_only()
        .column(trajectory_coaches::Column::TrajectoryId)
        .filter(trajectory_coaches::Column::UserId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    trajectory_coaches::Entity::delete_many()
        .filter(trajectory_coaches::Column::UserId.eq(id))
        .exec(db)
        .await?;
    Ok(Some(Removal {
        memberships,
        coached,
    }))
}
