//! The Dutch school year, 1 August to 31 July, derived from a reference date.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A school year, named by the calendar year it starts in; written `2025-2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SchoolYear {
    start_year: i32,
}

impl SchoolYear {
    /// The school year a date falls in: from 1 August on it is the year that starts then.
    pub fn containing(date: NaiveDate) -> Self {
        let start_year = if date.month() >= 8 {
            date.year()
        } else {
            date.year() - 1
        };
        SchoolYear { start_year }
    }

    pub fn start_year(self) -> i32 {
        self.start_year
    }

    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.start_year, 8, 1)
    }

    pub fn last_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.start_year + 1, 7, 31)
    }

    pub fn next(self) -> Self {
        SchoolYear {
            start_year: self.start_year + 1,
        }
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start_year, self.start_year + 1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a school year is written as two consecutive years, like `2025-2026`")]
pub struct InvalidSchoolYear;

impl FromStr for SchoolYear {
    type Err = InvalidSchoolYear;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s.split_once('-').ok_or(InvalidSchoolYear)?;
        let parse = |t: &str| -> Result<i32, InvalidSchoolYear> {
            if t.len() != 4 || !t.bytes().all(|c| c.is_ascii_digit()) {
                return Err(InvalidSchoolYear);
            }
            t.parse().map_err(|_| InvalidSchoolYear)
        };
        let (start, end) = (parse(a)?, parse(b)?);
        if end != start + 1 || !(1900..=2999).contains(&start) {
            return Err(InvalidSchoolYear);
        }
        Ok(SchoolYear { start_year: start })
    }
}

impl TryFrom<String> for SchoolYear {
    type Error = InvalidSchoolYear;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<SchoolYear> for String {
    fn from(y: SchoolYear) -> String {
        y.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_school_year_turns_on_the_first_of_august() {
        assert_eq!(
            SchoolYear::containing(d(2026, 7, 31)).to_string(),
            "2025-2026"
        );
        assert_eq!(
            SchoolYear::containing(d(2026, 8, 1)).to_string(),
            "2026-2027"
        );
        assert_eq!(
            SchoolYear::containing(d(2027, 1, 15)).to_string(),
            "2026-2027"
        );
    }

    #[test]
    fn school_years_parse_only_consecutive_years() {
        assert_eq!(
            "2025-2026".parse::<SchoolYear>().map(|y| y.start_year()),
            Ok(2025)
        );
        for bad in [
            "2025-2027",
            "2025",
            "25-26",
            "2025/2026",
            "abcd-abce",
            "+202-2026",
        ] {
            assert!(bad.parse::<SchoolYear>().is_err(), "{bad}");
        }
    }
}
