//! Checking redactions for insta snapshots: a value is only masked after it is checked to be
//! what its place says it is (a UUID is a UUID, a timestamp is a timestamp).

use insta::internals::{Content, ContentPath};

/// Masks a UUID, failing if the value is not one.
pub fn uuid(value: Content, path: ContentPath<'_>) -> String {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{path} is not a string: {value:?}"));
    assert!(
        uuid::Uuid::parse_str(text).is_ok(),
        "{path} is not a UUID: {text}"
    );
    "[uuid]".into()
}

/// Masks an RFC 3339 timestamp, failing if the value is not one.
pub fn timestamp(value: Content, path: ContentPath<'_>) -> String {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{path} is not a string: {value:?}"));
    assert!(
        text.len() >= 20
            && text.as_bytes()[4] == b'-'
            && text.contains('T')
            && (text.ends_with('Z') || text.contains('+')),
        "{path} is not a timestamp: {text}"
    );
    "[timestamp]".into()
}
