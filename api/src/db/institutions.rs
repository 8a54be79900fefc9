//! Institutions and their units.

use super::entities::{institutions, memberships, trajectories, trajectory_coaches, units};
use chrono::{DateTime, Utc};
use lobkader_domain::institution::{Brin, SchoolType, Sector, UnitKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Institution {
    pub id: Uuid,
    pub name: String,
    pub sector: Sector,
    pub school_types: Vec<SchoolType>,
    pub brin: Option<Brin>,
    pub region: Option<String>,
    pub municipality: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields of an institution that can be set.
#[derive(Debug, Clone)]
pub struct InstitutionFields {
    pub name: String,
    pub sector: Sector,
    pub school_types: Vec<SchoolType>,
    pub brin: Option<Brin>,
    pub region: Option<String>,
    pub municipality: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    pub kind: UnitKind,
    pub created_at: DateTime<Utc>,
}

fn corrupt(what: &str, value: &str) -> DbErr {
    DbErr::Type(format!("unknown {what} `{value}` stored"))
}

fn institution_from(m: institutions::Model) -> Result<Institution, DbErr> {
    Ok(Institution {
        sector: m.sector.parse().map_err(|_| corrupt("sector", &m.sector))?,
        school_types: serde_json::from_value(m.school_types.clone())
            .map_err(|_| corrupt("school types", &m.school_types.to_string()))?,
        brin: m
            .brin
            .as_deref()
            .map(|b| Brin::parse(b).map_err(|_| corrupt("BRIN", b)))
            .transpose()?,
        id: m.id,
        name: m.name,
        region: m.region,
        municipality: m.municipality,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn unit_from(m: units::Model) -> Result<Unit, DbErr> {
    Ok(Unit {
        kind: m.kind.parse().map_err(|_| corrupt("unit kind", &m.kind))?,
        id: m.id,
        institution_id: m.institution_id,
        name: m.name,
        created_at: m.created_at,
    })
}

fn school_types_json(types: &[SchoolType]) -> serde_json::Value {
    serde_json::Value::Array(types.iter().map(|t| t.id().into()).collect())
}

/// Inserts an institution; a BRIN code already in use is a unique violation.
pub async fn create(
    db: &impl ConnectionTrait,
    fields: InstitutionFields,
) -> Result<Institution, DbErr> {
    let now = super::now();
    let model = institutions::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(fields.name),
        sector: Set(fields.sector.id().to_owned()),
        school_types: Set(school_types_json(&fields.school_types)),
        brin: Set(fields.brin.map(String::from)),
        region: Set(fields.region),
        municipality: Set(fields.municipality),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    institution_from(model)
}

/// Replaces the settable fields of an existing institution.
pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    fields: InstitutionFields,
) -> Result<Institution, DbErr> {
    let model = institutions::ActiveModel {
        id: Set(id),
        name: Set(fields.name),
        sector: Set(fields.sector.id().to_owned()),
        school_types: Set(school_types_json(&fields.school_types)),
        brin: Set(fields.brin.map(String::from)),
        region: Set(fields.region),
        municipality: Set(fields.municipality),
        updated_at: Set(super::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    institution_from(model)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Institution>, DbErr> {
    institutions::Entity::find_by_id(id)
        .all(db)
        .await?
        .into_iter()
        .next()
        .map(institution_from)
        .transpose()
}

/// Institutions by name, all of them or only those `member` belongs to or coaches a
/// trajectory at; with the total count.
pub async fn list(
    db: &impl ConnectionTrait,
    member: Option<Uuid>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Institution>, u64), DbErr> {
    let mut query = institutions::Entity::find();
    if let Some(user) = member {
        let mine = memberships::Entity::find()
            .select_only()
            .column(memberships::Column::InstitutionId)
            .filter(memberships::Column::UserId.eq(user))
            .into_query();
        let coached = trajectories::Entity::find()
            .select_only()
            .column(trajectories::Column::InstitutionId)
            .filter(
                trajectories::Column::Id.in_subquery(
                    trajectory_coaches::Entity::find()
                        .select_only()
                        .column(trajectory_coaches::Column::TrajectoryId)
                        .filter(trajectory_coaches::Column::UserId.eq(user))
                        .into_query(),
                ),
            )
            .into_query();
        query = query.filter(
            sea_orm::Condition::any()
                .add(institutions::Column::Id.in_subquery(mine))
                .add(institutions::Column::Id.in_subquery(coached)),
        );
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(institutions::Column::Name)
        .order_by_asc(institutions::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((
        rows.into_iter()
            .map(institution_from)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// Inserts a unit; a name already used in the institution is a unique violation.
pub async fn create_unit(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    name: String,
    kind: UnitKind,
) -> Result<Unit, DbErr> {
    let model = units::ActiveModel {
        id: Set(Uuid::now_v7()),
        institution_id: Set(institution_id),
        name: Set(name),
        kind: Set(kind.id().to_owned()),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?;
    unit_from(model)
}

pub async fn units_of(db: &impl ConnectionTrait, institution_id: Uuid) -> Result<Vec<Unit>, DbErr> {
    units::Entity::find()
        .filter(units::Column::InstitutionId.eq(institution_id))
        .order_by_asc(units::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(unit_from)
        .collect()
}

pub async fn find_unit(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Unit>, DbErr> {
    units::Entity::find_by_id(id)
        .all(db)
        .await?
        .into_iter()
        .next()
        .map(unit_from)
        .transpose()
}
