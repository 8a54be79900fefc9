//! Institutions and the people around them: sectors, school types, BRIN codes, units,
//! kerngroep functions, and e-mail addresses as account names.

use crate::scale::id_enum_text;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $id:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }
        }

        id_enum_text!($name);
    };
}

text_enum!(
    /// The education sector of an institution.
    Sector { Vo => "vo", Mbo => "mbo", Hbo => "hbo" }
);

text_enum!(
    /// A school type offered by an institution.
    SchoolType {
        Vmbo => "vmbo", Havo => "havo", Vwo => "vwo", Vso => "vso", Pro => "pro",
        Mavo => "mavo", Isk => "isk", Mbo => "mbo", Hbo => "hbo", Other => "other",
    }
);

text_enum!(
    /// What part of an institution a unit is.
    UnitKind { Location => "location", Department => "department", Team => "team" }
);

text_enum!(
    /// The function a member has in the institution's kerngroep LOB.
    KerngroepFunction {
        Decaan => "decaan", LobCoordinator => "lob_coordinator", Teamleider => "teamleider",
        Mentor => "mentor", Docent => "docent", Student => "student", Other => "other",
    }
);

/// A BRIN number or instellingscode: two digits and two upper-case letters (`12AB`), optionally
/// followed by a two-digit vestiging number (`12AB00`). Stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Brin(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a BRIN code is two digits and two letters, optionally followed by two digits (e.g. `12AB` or `12AB00`)"
)]
pub struct InvalidBrin;

impl Brin {
    pub fn parse(s: &str) -> Result<Self, InvalidBrin> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let core = b.len() >= 4
            && b[..2].iter().all(u8::is_ascii_digit)
            && b[2..4].iter().all(u8::is_ascii_alphanumeric)
            && b[2..4].iter().any(u8::is_ascii_alphabetic);
        let suffix = match b.len() {
            4 => true,
            6 => b[4..].iter().all(u8::is_ascii_digit),
            _ => false,
        };
        if core && suffix {
            Ok(Brin(s))
        } else {
            Err(InvalidBrin)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Brin {
    type Error = InvalidBrin;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Brin::parse(&s)
    }
}

impl From<Brin> for String {
    fn from(b: Brin) -> String {
        b.0
    }
}

/// An e-mail address used as an account name; compared case-insensitively, so stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid e-mail address")]
pub struct InvalidEmail;

impl Email {
    pub fn parse(s: &str) -> Result<Self, InvalidEmail> {
        let s = s.trim().to_lowercase();
        let (local, domain) = s.split_once('@').ok_or(InvalidEmail)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok { Ok(Email(s)) } else { Err(InvalidEmail) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brin_codes_are_normalised_and_validated() {
        assert_eq!(Brin::parse("12ab").unwrap().as_str(), "12AB");
        assert_eq!(Brin::parse(" 25LH01 ").unwrap().as_str(), "25LH01");
        assert_eq!(Brin::parse("00A1").unwrap().as_str(), "00A1");
        for bad in ["", "1234", "AB12", "12AB0", "12AB001", "12-B", "12ÅB"] {
            assert!(Brin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_compare_case_insensitively() {
        assert_eq!(
            Email::parse("Decaan@School.NL").unwrap(),
            Email::parse("decaan@school.nl").unwrap()
        );
        for bad in [
            "",
            "no-at",
            "@school.nl",
            "a@b",
            "a@.nl",
            "a b@school.nl",
            "a@school.nl.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enum_ids_round_trip() {
        for f in KerngroepFunction::ALL {
            assert_eq!(f.id().parse::<KerngroepFunction>(), Ok(*f));
        }
        assert_eq!(
            "lob_coordinator".parse(),
            Ok(KerngroepFunction::LobCoordinator)
        );
        assert!("rector".parse::<KerngroepFunction>().is_err());
    }
}
