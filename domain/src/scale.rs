//! The two rating scales of the framework: the ordered step levels of the self-evaluation
//! table and the answer scale of the checklist questions.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A step level from the self-evaluation table, ordered `Minimal < Basic < Integrated`.
///
/// The source defines no meaning for the levels beyond their order and label, so neither do we.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Minimal,
    Basic,
    Integrated,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Minimal, Level::Basic, Level::Integrated];

    pub fn id(self) -> &'static str {
        match self {
            Level::Minimal => "minimal",
            Level::Basic => "basic",
            Level::Integrated => "integrated",
        }
    }
}

/// An answer to a checklist question. For comparisons `No < Partly < Yes`; `Unknown` has no place
/// on that scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    Partly,
    No,
    Unknown,
}

impl Answer {
    pub const ALL: [Answer; 4] = [Answer::Yes, Answer::Partly, Answer::No, Answer::Unknown];

    pub fn id(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::Partly => "partly",
            Answer::No => "no",
            Answer::Unknown => "unknown",
        }
    }

    /// The position on the comparable scale, or `None` for `Unknown`.
    pub fn rank(self) -> Option<u8> {
        match self {
            Answer::No => Some(0),
            Answer::Partly => Some(1),
            Answer::Yes => Some(2),
            Answer::Unknown => None,
        }
    }
}

/// A value that is not on a scale; carries the rejected text for the error message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a known value")]
pub struct UnknownValue(pub String);

macro_rules! id_enum_text {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.id())
            }
        }

        impl FromStr for $t {
            type Err = $crate::scale::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.id() == s)
                    .ok_or_else(|| $crate::scale::UnknownValue(s.to_owned()))
            }
        }
    };
}
pub(crate) use id_enum_text;

id_enum_text!(Level);
id_enum_text!(Answer);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_minimal_basic_integrated() {
        assert!(Level::Minimal < Level::Basic);
        assert!(Level::Basic < Level::Integrated);
    }

    #[test]
    fn answers_rank_no_below_partly_below_yes_and_unknown_is_unranked() {
        assert!(Answer::No.rank() < Answer::Partly.rank());
        assert!(Answer::Partly.rank() < Answer::Yes.rank());
        assert_eq!(Answer::Unknown.rank(), None);
    }

    #[test]
    fn ids_round_trip_through_text() {
        for l in Level::ALL {
            assert_eq!(l.to_string().parse::<Level>(), Ok(l));
        }
        for a in Answer::ALL {
            assert_eq!(a.to_string().parse::<Answer>(), Ok(a));
        }
        assert!("Basis".parse::<Level>().is_err());
    }
}
