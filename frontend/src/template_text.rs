//! Message templates as text: which message a template is, a variable as it is written
//! (`{{friend}}`), putting one in where the cursor is, and a refused template's error in words.
//! Pure, so it is tested on the host.

use std::collections::BTreeMap;

use plexward_shared::{
    FRIEND_INACTIVE_TEMPLATE, FRIEND_REMINDER_TEMPLATE, FRIEND_REQUEST_TEMPLATE,
};

use crate::notify_text::event_words;

/// Longest subject (the server's rule too).
pub const SUBJECT_MAX: usize = 200;
/// Longest body (the server's rule too).
pub const BODY_MAX: usize = 4000;

/// Which message a template is: the event in words, or one of the friend's own emails.
pub fn template_label(event: &str) -> &str {
    match event {
        FRIEND_REMINDER_TEMPLATE => "Friend's own reminder email",
        FRIEND_REQUEST_TEMPLATE => "Friend's request answered (email)",
        FRIEND_INACTIVE_TEMPLATE => "Friend not watching (email)",
        _ => event_words(event),
    }
}

/// Who gets it: the channels, or the friend.
pub fn template_audience(event: &str) -> &'static str {
    match event {
        FRIEND_REMINDER_TEMPLATE => "Sent to the friend, by email, before their access ends.",
        FRIEND_REQUEST_TEMPLATE => {
            "Sent to the friend, by email, when their request from the portal is approved or declined."
        }
        FRIEND_INACTIVE_TEMPLATE => {
            "Sent to the friend, by email, when the inactivity policy reminds them to watch."
        }
        _ => "Sent to the channels that get this event.",
    }
}

/// A variable as it is written in a template.
pub fn variable_tag(name: &str) -> String {
    format!("{{{{{name}}}}}")
}

/// `text` with `insert` put in at `at` — a position in UTF-16 units, as the browser counts a
/// text field's cursor (past the end: at the end) — and where the cursor goes after it (UTF-16).
pub fn insert_at(text: &str, at: u32, insert: &str) -> (String, u32) {
    let mut units = 0_u32;
    let mut byte = text.len();
    for (i, c) in text.char_indices() {
        if units >= at {
            byte = i;
            break;
        }
        units += u32::try_from(c.len_utf16()).unwrap_or(1);
    }
    let before = &text[..byte];
    let cursor = before.encode_utf16().count() + insert.encode_utf16().count();
    (
        format!("{before}{insert}{}", &text[byte..]),
        u32::try_from(cursor).unwrap_or(u32::MAX),
    )
}

/// A refused template in words: what is wrong with the subject and the body (`Body: line 3:
/// unknown variable `frend``), or the general message when no field is named.
pub fn template_error(fields: &BTreeMap<String, String>, message: &str) -> String {
    let named: Vec<String> = fields
        .iter()
        .map(|(field, why)| match field.as_str() {
            "subject" => format!("Subject: {why}"),
            "body" => format!("Body: {why}"),
            other => format!("{other}: {why}"),
        })
        .collect();
    if named.is_empty() {
        message.to_owned()
    } else {
        // Subject first, as the form shows it.
        let mut named = named;
        named.sort_by_key(|n| !n.starts_with("Subject"));
        named.join(" ")
    }
}

/// The lengths the server refuses, said before saving (empty: both fit).
pub fn length_errors(subject: &str, body: &str) -> BTreeMap<String, String> {
    let mut errors = BTreeMap::new();
    if subject.contains('\n') {
        errors.insert("subject".to_owned(), "One line only.".to_owned());
    } else if subject.chars().count() > SUBJECT_MAX {
        errors.insert(
            "subject".to_owned(),
            format!("At most {SUBJECT_MAX} characters."),
        );
    }
    if body.chars().count() > BODY_MAX {
        errors.insert("body".to_owned(), format!("At most {BODY_MAX} characters."));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_named_by_their_event() {
        assert_eq!(template_label("access.ending"), "Access ending soon");
        assert_eq!(
            template_label("friend.access.ending"),
            "Friend's own reminder email"
        );
        assert!(template_audience("friend.access.ending").contains("friend"));
        assert_eq!(
            template_label("friend.request.decided"),
            "Friend's request answered (email)"
        );
        assert!(template_audience("friend.request.decided").contains("approved or declined"));
        assert_eq!(template_label("request.created"), "A friend asked for more");
        assert!(template_audience("sync.failed").contains("channels"));
    }

    #[test]
    fn variables_are_written_in_braces() {
        assert_eq!(variable_tag("friend"), "{{friend}}");
    }

    #[test]
    fn a_variable_goes_in_at_the_cursor() {
        assert_eq!(
            insert_at("Hi , bye", 3, "{{friend}}"),
            ("Hi {{friend}}, bye".to_owned(), 13)
        );
        assert_eq!(insert_at("", 0, "{{a}}"), ("{{a}}".to_owned(), 5));
        assert_eq!(insert_at("end", 99, "!"), ("end!".to_owned(), 4));
        // The cursor counts UTF-16 units: “ is one, 🎬 two.
        assert_eq!(insert_at("“🎬”x", 4, "{{a}}"), ("“🎬”{{a}}x".to_owned(), 9));
        // A position inside a surrogate pair lands after the character.
        assert_eq!(insert_at("🎬", 1, "a"), ("🎬a".to_owned(), 3));
    }

    #[test]
    fn a_refused_template_reads_as_words() {
        let fields = BTreeMap::from([
            (
                "body".to_owned(),
                "line 1: `{{#if` is never closed".to_owned(),
            ),
            ("subject".to_owned(), "unknown variable `frend`".to_owned()),
        ]);
        assert_eq!(
            template_error(&fields, "Invalid"),
            "Subject: unknown variable `frend` Body: line 1: `{{#if` is never closed"
        );
        assert_eq!(template_error(&BTreeMap::new(), "Boom."), "Boom.");
    }

    #[test]
    fn lengths_are_checked_before_sending() {
        assert!(length_errors("Hi", "Body").is_empty());
        assert_eq!(length_errors("a\nb", "")["subject"], "One line only.");
        assert!(length_errors(&"x".repeat(201), "").contains_key("subject"));
        assert!(length_errors("", &"x".repeat(4001)).contains_key("body"));
        assert!(length_errors(&"é".repeat(200), &"é".repeat(4000)).is_empty());
    }
}
