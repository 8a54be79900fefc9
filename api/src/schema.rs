//! OpenAPI schemas for the domain's closed value sets. The domain crate knows nothing of
//! utoipa, so each schema here lists the values straight from the domain's `ALL` table: the
//! document can never disagree with what the service accepts.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

macro_rules! domain_enum_schema {
    ($(#[$meta:meta])* $name:ident => $domain:ty) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(<$domain>::ALL.iter().map(|v| v.id())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

domain_enum_schema!(
    /// A step level of the self-evaluation table, ordered minimal < basic < integrated.
    Level => lobkader_domain::Level
);
domain_enum_schema!(
    /// An answer to a checklist question; for comparisons no < partly < yes, unknown is not comparable.
    Answer => lobkader_domain::Answer
);
domain_enum_schema!(
    /// The kind of measurement moment: baseline (nulmeting), interim (tussenmeting), final (eindmeting), annual or other.
    Moment => lobkader_domain::Moment
);
domain_enum_schema!(
    /// Draft (editable) or submitted (immutable).
    EvaluationStatus => lobkader_domain::Status
);
domain_enum_schema!(
    /// The education sector.
    Sector => lobkader_domain::institution::Sector
);
domain_enum_schema!(
    /// A school type offered by an institution.
    SchoolType => lobkader_domain::institution::SchoolType
);
domain_enum_schema!(
    /// What part of an institution a unit is.
    UnitKind => lobkader_domain::institution::UnitKind
);
domain_enum_schema!(
    /// The function of a member in the kerngroep LOB.
    KerngroepFunction => lobkader_domain::institution::KerngroepFunction
);

domain_enum_schema!(
    /// The direction of a change between two measurements.
    Change => lobkader_domain::Change
);
domain_enum_schema!(
    /// Where a trajectory stands.
    TrajectoryStatus => lobkader_domain::trajectory::TrajectoryStatus
);
domain_enum_schema!(
    /// Where a work component of a trajectory stands.
    ComponentStatus => lobkader_domain::trajectory::ComponentStatus
);
domain_enum_schema!(
    /// Where an action point stands.
    ActionStatus => lobkader_domain::trajectory::ActionStatus
);
domain_enum_schema!(
    /// A reason a trajectory needs the coach's attention.
    Flag => lobkader_domain::trajectory::Flag
);
