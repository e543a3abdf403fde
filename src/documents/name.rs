//! What an upload is called and declared as: the document name (by default the file name of
//! the path given, not of what a symlink resolves to) and the content type, checked locally.

use std::path::Path;

use super::UploadError;
use super::send::guess_content_type;

/// The longest document name taken.
const MAX_NAME_CHARS: usize = 255;

fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// The name given, or the file name of the path given; refused (naming `name`) when it
/// holds hidden, bidirectional or control characters, a '/' or '\', or is over 255 characters.
pub(super) fn document_name(
    given: Option<&str>,
    path: Option<&Path>,
) -> Result<String, UploadError> {
    let from_path = path
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().to_string());
    let name = match given.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => from_path.ok_or_else(|| {
            UploadError::Invalid(
                "name is required with content_base64 (or a path ending in a file name)".into(),
            )
        })?,
    };
    let why = if name.chars().any(is_hidden) {
        Some("holds control, zero-width or bidirectional characters")
    } else if name.contains(['/', '\\']) {
        Some("holds '/' or '\\'")
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some("is longer than 255 characters")
    } else if name == "." || name == ".." {
        Some("is not a file name")
    } else {
        None
    };
    match why {
        Some(why) => Err(UploadError::Invalid(format!(
            "name {why}; give a plain document name with `name`"
        ))),
        None => Ok(name),
    }
}

/// The content type given (checked: `type/subtype`, optional parameters, no controls or
/// spaces in the type), or one guessed from the name's extension.
pub(super) fn content_type(given: Option<&str>, name: &str) -> Result<String, UploadError> {
    let Some(ct) = given.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(guess_content_type(name).to_string());
    };
    let essence = ct.split(';').next().unwrap_or_default().trim();
    let token = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    let ok = ct.len() <= 255
        && !ct.chars().any(|c| c.is_control() || !c.is_ascii())
        && essence
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s));
    if ok {
        Ok(ct.to_string())
    } else {
        Err(UploadError::Invalid(
            "content_type is not a MIME type such as application/pdf (type/subtype, printable \
             ASCII); give one, or leave it out to guess from the name"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_default_name_is_the_given_paths_file_name_and_bad_names_are_refused() {
        let p = Path::new("/files/link-to-brief.pdf");
        assert_eq!(document_name(None, Some(p)).unwrap(), "link-to-brief.pdf");
        assert_eq!(document_name(Some(" A.pdf "), Some(p)).unwrap(), "A.pdf");
        for bad in [
            "a/b.pdf",
            "a\\b.pdf",
            "x\u{202e}fdp.exe",
            "a\u{0}b",
            "..",
            &"n".repeat(256),
        ] {
            let e = document_name(Some(bad), None).unwrap_err().to_string();
            assert!(e.contains("`name`"), "{bad:?}: {e}");
        }
        assert!(document_name(None, None).is_err());
    }

    #[test]
    fn content_types_are_checked_locally_naming_content_type() {
        assert_eq!(content_type(None, "a.pdf").unwrap(), "application/pdf");
        assert_eq!(
            content_type(Some("text/plain; charset=utf-8"), "a").unwrap(),
            "text/plain; charset=utf-8"
        );
        for bad in ["pdf", "text/plain\r\nX-Evil: 1", "a b/c", "/x", "text/"] {
            let e = content_type(Some(bad), "a").unwrap_err().to_string();
            assert!(e.contains("content_type"), "{bad:?}: {e}");
        }
    }
}
