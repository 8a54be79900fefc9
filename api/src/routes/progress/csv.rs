//! The progress timeline as CSV that opens cleanly in Excel: UTF-8 with a byte-order mark,
//! comma or (for a Dutch locale) semicolon separated, and no cell that Excel would take for a
//! formula.

use lobkader_domain::progress::Progress;
use serde::Deserialize;

/// The field separator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    #[default]
    Comma,
    /// What Excel expects with a Dutch locale.
    Semicolon,
}

impl Delimiter {
    fn char(self) -> char {
        match self {
            Delimiter::Comma => ',',
            Delimiter::Semicolon => ';',
        }
    }
}

/// A cell as text: text that Excel would evaluate (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) is prefixed with an apostrophe; a cell holding the separator, a quote or a
/// line break is quoted.
pub fn cell(value: &str, delimiter: Delimiter) -> String {
    let mut text = value.to_owned();
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        text.insert(0, '\'');
    }
    if text.contains([delimiter.char(), '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One row per evaluation in the timeline, oldest first.
pub fn render(progress: &Progress, steps: &[u8], delimiter: Delimiter) -> String {
    let sep = delimiter.char().to_string();
    let mut header: Vec<String> = [
        "evaluation_id",
        "reference_date",
        "school_year",
        "moment",
        "title",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    header.extend(steps.iter().map(|s| format!("step_{s}")));
    header.extend(
        ["yes", "partly", "no", "unknown"]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    let mut out = String::from("\u{feff}");
    out.push_str(&header.join(&sep));
    out.push_str("\r\n");
    for m in &progress.evaluations {
        let mut row = vec![
            m.id.to_string(),
            m.reference_date.to_string(),
            lobkader_domain::SchoolYear::containing(m.reference_date).to_string(),
            m.moment.id().to_owned(),
            cell(m.title.as_deref().unwrap_or_default(), delimiter),
        ];
        row.extend(
            steps
                .iter()
                .map(|s| m.level(*s).map_or(String::new(), |l| l.id().to_owned())),
        );
        row.extend(
            [
                m.answers.yes,
                m.answers.partly,
                m.answers.no,
                m.answers.unknown,
            ]
            .iter()
            .map(u32::to_string),
        );
        out.push_str(&row.join(&sep));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_separators_quoted() {
        assert_eq!(
            cell("=HYPERLINK(\"x\")", Delimiter::Comma),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(cell("+31", Delimiter::Comma), "'+31");
        assert_eq!(cell("-1", Delimiter::Semicolon), "'-1");
        assert_eq!(cell("@SUM(A1)", Delimiter::Comma), "'@SUM(A1)");
        assert_eq!(cell("a;b", Delimiter::Semicolon), "\"a;b\"");
        assert_eq!(cell("a;b", Delimiter::Comma), "a;b");
        assert_eq!(cell("regel\nregel", Delimiter::Comma), "\"regel\nregel\"");
        assert_eq!(cell("Nulmeting 2025", Delimiter::Comma), "Nulmeting 2025");
    }
}
