//! The pure core of lobkader: the Kwaliteitskader LOB as data, the scales it rates with,
//! evaluations and the rules they obey (completeness, consistency hints), and comparisons
//! between two evaluations. No web framework, database or async runtime lives here; the
//! layering check in `.ci/run` fails the build if one appears.

pub mod comparison;
pub mod evaluation;
pub mod institution;
pub mod instrument;
pub mod scale;
pub mod school_year;

pub use comparison::{Change, Comparison, compare};
pub use evaluation::{
    AnswerEntry, Content, Hint, LevelEntry, Missing, Moment, Participant, Status,
};
pub use instrument::{Instrument, catalogue};
pub use scale::{Answer, Level};
pub use school_year::SchoolYear;
pub mod progress;
pub mod trajectory;
