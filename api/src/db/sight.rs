//! What lets an account see an institution's data: a membership of the institution, or the
//! coaching of one of its trajectories. Read in one query on its own, or as two columns of a
//! query that reads the object itself (an evaluation), so a request that reads an object learns
//! in the same round trip whether the caller may see it. The decision made from it is
//! [`crate::auth::AuthUser::access_from`].

use super::sql::PerBackend;
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use uuid::Uuid;

/// How a caller may see an institution, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sight {
    /// The caller is a member of the institution.
    pub member: bool,
    /// The caller coaches a trajectory of the institution.
    pub coach: bool,
}

/// The two columns `sight_member` and `sight_coach` (each 0 or 1) for the institution that the
/// SQL expression `institution` names: for a query that also reads the object. Each column
/// binds the caller's id once: the caller is bound twice, before the query's own parameters
/// that follow these columns.
pub fn columns(institution: &str) -> String {
    format!(
        "CASE WHEN EXISTS (SELECT 1 FROM memberships m \
             WHERE m.user_id = ? AND m.institution_id = {institution}) THEN 1 ELSE 0 END AS sight_member, \
         CASE WHEN EXISTS (SELECT 1 FROM trajectory_coaches tc \
             JOIN trajectories t ON t.id = tc.trajectory_id \
             WHERE tc.user_id = ? AND t.institution_id = {institution}) THEN 1 ELSE 0 END AS sight_coach"
    )
}

/// Reads the columns of [`columns`] from a row.
pub fn from_row(row: &QueryResult) -> Result<Sight, DbErr> {
    Ok(Sight {
        member: row.try_get::<i32>("", "sight_member")? != 0,
        coach: row.try_get::<i32>("", "sight_coach")? != 0,
    })
}

/// How `user` may see `institution`: one query.
pub async fn of(db: &impl ConnectionTrait, user: Uuid, institution: Uuid) -> Result<Sight, DbErr> {
    static SQL: PerBackend = PerBackend::new(|_| format!("SELECT {}", columns("?")));
    // The placeholders in order: user, institution (membership), user, institution (coaching).
    let values = vec![
        user.into(),
        institution.into(),
        user.into(),
        institution.into(),
    ];
    match SQL.one(db, values).await? {
        Some(row) => from_row(&row),
        None => Ok(Sight {
            member: false,
            coach: false,
        }),
    }
}
