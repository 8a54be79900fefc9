//! Accounts and memberships: creating, finding, changing and removing users, and who is a
//! member of which institution. A removed account keeps its row, marked with `removed_at`:
//! evaluations and the audit trail keep naming it, but it is found by nothing except
//! [`find_including_removed`], cannot log in, and its tokens no longer work.

mod changes;

pub use changes::{Changed, Removal, UserChange, remove, update};

use super::audit::{self, Actor, Change};
use super::entities::{memberships, users};
use crate::auth::Role;
use chrono::{DateTime, Utc};
use lobkader_domain::institution::{Email, KerngroepFunction};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Tokens of an earlier generation no longer work.
    pub token_generation: i64,
    pub removed_at: Option<DateTime<Utc>>,
}

/// A user as the login needs it: with the password hash.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct Membership {
    pub user_id: Uuid,
    pub institution_id: Uuid,
    pub function: KerngroepFunction,
    pub created_at: DateTime<Utc>,
}

fn user_from(m: users::Model) -> Result<User, DbErr> {
    let role = Role::parse(&m.role)
        .ok_or_else(|| DbErr::Type(format!("unknown role {} stored for user {}", m.role, m.id)))?;
    Ok(User {
        id: m.id,
        email: m.email,
        display_name: m.display_name,
        role,
        created_at: m.created_at,
        token_generation: i64::from(m.token_generation),
        removed_at: m.removed_at,
    })
}

fn membership_from(m: memberships::Model) -> Result<Membership, DbErr> {
    let function = m
        .function
        .parse()
        .map_err(|_| DbErr::Type(format!("unknown kerngroep function {}", m.function)))?;
    Ok(Membership {
        user_id: m.user_id,
        institution_id: m.institution_id,
        function,
        created_at: m.created_at,
    })
}

/// Inserts a user; a taken e-mail address is a unique violation.
pub async fn create(
    db: &impl ConnectionTrait,
    email: &Email,
    display_name: &str,
    password_hash: String,
    role: Role,
) -> Result<User, DbErr> {
    let model = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.as_str().to_owned()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(password_hash),
        role: Set(role.as_str().to_owned()),
        created_at: Set(super::now()),
        token_generation: Set(0),
        removed_at: Set(None),
    }
    .insert(db)
    .await?;
    user_from(model)
}

/// Records in the audit trail that `actor` made `user`; `by` says how, when it was not through
/// the API (`first start`, `command line`).
pub async fn record_created(
    db: &impl ConnectionTrait,
    actor: impl Into<Actor>,
    user: &User,
    by: Option<&str>,
) -> Result<(), DbErr> {
    let mut details = serde_json::json!({"email": user.email, "role": user.role.as_str()});
    if let Some(by) = by {
        details["by"] = by.into();
    }
    let change = Change::new("user.created", "user", user.id).details(details);
    audit::record(db, actor, change).await
}

/// How many accounts there are or were: removed ones count too.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    users::Entity::find().count(db).await
}

/// The account `id`, unless it has been removed.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<User>, DbErr> {
    Ok(find_including_removed(db, id)
        .await?
        .filter(|u| u.removed_at.is_none()))
}

/// The account `id`, removed or not.
pub async fn find_including_removed(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<User>, DbErr> {
    users::Entity::find_by_id(id)
        .all(db)
        .await?
        .into_iter()
        .next()
        .map(user_from)
        .transpose()
}

/// What the authentication of a request needs of account `id`: its role and token
/// generation, or `None` when it does not exist or has been removed.
pub async fn token_state(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(Role, i64)>, DbErr> {
    let row: Option<(String, i32)> = users::Entity::find_by_id(id)
        .filter(users::Column::RemovedAt.is_null())
        .select_only()
        .column(users::Column::Role)
        .column(users::Column::TokenGeneration)
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .next();
    row.map(|(role, generation)| {
        let role = Role::parse(&role)
            .ok_or_else(|| DbErr::Type(format!("unknown role {role} stored for user {id}")))?;
        Ok((role, i64::from(generation)))
    })
    .transpose()
}

pub async fn list(
    db: &impl ConnectionTrait,
    offset: u64,
    limit: u64,
) -> Result<(Vec<User>, u64), DbErr> {
    let active = users::Entity::find().filter(users::Column::RemovedAt.is_null());
    let total = active.clone().count(db).await?;
    let rows = active
        .order_by_asc(users::Column::Email)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    let users = rows.into_iter().map(user_from).collect::<Result<_, _>>()?;
    Ok((users, total))
}

/// The credentials of the account with this e-mail address, unless it has been removed.
pub async fn credentials(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<Credentials>, DbErr> {
    credentials_where(db, users::Column::Email.eq(email.as_str())).await
}

/// The credentials of account `id`, unless it has been removed.
pub async fn credentials_of(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<Credentials>, DbErr> {
    credentials_where(db, users::Column::Id.eq(id)).await
}

async fn credentials_where(
    db: &impl ConnectionTrait,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> Result<Option<Credentials>, DbErr> {
    let Some(m) = users::Entity::find()
        .filter(condition)
        .filter(users::Column::RemovedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let password_hash = m.password_hash.clone();
    Ok(Some(Credentials {
        user: user_from(m)?,
        password_hash,
    }))
}

pub async fn is_member(
    db: &impl ConnectionTrait,
    user: Uuid,
    institution: Uuid,
) -> Result<bool, DbErr> {
    Ok(!memberships::Entity::find_by_id((user, institution))
        .all(db)
        .await?
        .is_empty())
}

pub async fn memberships_of(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<Membership>, DbErr> {
    memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user))
        .order_by_asc(memberships::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(membership_from)
        .collect()
}

/// The members of an institution with their accounts, ordered by name.
pub async fn members_of(
    db: &impl ConnectionTrait,
    institution: Uuid,
) -> Result<Vec<(Membership, User)>, DbErr> {
    memberships::Entity::find()
        .filter(memberships::Column::InstitutionId.eq(institution))
        .find_also_related(users::Entity)
        .order_by_asc(users::Column::DisplayName)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(m, u)| u.map(|u| (m, u)))
        .map(|(m, u)| Ok((membership_from(m)?, user_from(u)?)))
        .collect()
}

/// Adds a membership; an existing one is a unique violation.
pub async fn add_membership(
    db: &impl ConnectionTrait,
    user: Uuid,
    institution: Uuid,
    function: KerngroepFunction,
) -> Result<Membership, DbErr> {
    let model = memberships::ActiveModel {
        user_id: Set(user),
        institution_id: Set(institution),
        function: Set(function.id().to_owned()),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?;
    membership_from(model)
}

/// Removes a membership; whether there was one to remove.
pub async fn remove_membership(
    db: &impl ConnectionTrait,
    user: Uuid,
    institution: Uuid,
) -> Result<bool, DbErr> {
    let result = memberships::Entity::delete_by_id((user, institution))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}
