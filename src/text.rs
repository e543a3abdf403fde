//! The one test of which characters hide, reorder or control text, and text cut for display.

/// A character that can hide or reorder text, or control a terminal: every Unicode format
/// character (General_Category=Cf: soft hyphen, Arabic number signs, zero-width and
/// directional marks, bidirectional embeddings, overrides and isolates, invisible operators,
/// the byte-order mark, interlinear annotation, Egyptian and shorthand format controls, musical
/// beams, and the tag characters U+E0001 and U+E0020 to U+E007F that can spell hidden ASCII),
/// the combining grapheme joiner U+034F, the variation selectors (U+FE00 to U+FE0F, U+E0100 to
/// U+E01EF), the line and paragraph separators U+2028 and U+2029, and C0/C1 controls other
/// than newline and tab.
pub fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{600}'..='\u{605}' | '\u{61C}' | '\u{6DD}' | '\u{70F}'
        | '\u{890}'..='\u{891}' | '\u{8E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}'
        | '\u{34F}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'
        | '\u{2028}' | '\u{2029}')
        || (c.is_control() && c != '\n' && c != '\t')
}

/// `text` on one line, as an error or a log shows it: hidden characters, newlines and tabs
/// removed, cut to `max` characters (an ellipsis marks a cut).
pub fn one_line(text: &str, max: usize) -> String {
    let mut visible = text
        .chars()
        .filter(|c| !is_hidden(*c) && *c != '\n' && *c != '\t');
    let mut out: String = visible.by_ref().take(max).collect();
    if visible.next().is_some() {
        out.pop();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_character_and_control_is_hidden_and_text_is_not() {
        let ranges: &[(u32, u32)] = &[
            (0x0, 0x8),
            (0xB, 0x1F),
            (0x7F, 0x9F),
            (0xAD, 0xAD),
            (0x600, 0x605),
            (0x61C, 0x61C),
            (0x6DD, 0x6DD),
            (0x70F, 0x70F),
            (0x890, 0x891),
            (0x8E2, 0x8E2),
            (0x180E, 0x180E),
            (0x200B, 0x200F),
            (0x202A, 0x202E),
            (0x2060, 0x2064),
            (0x2066, 0x206F),
            (0xFEFF, 0xFEFF),
            (0xFFF9, 0xFFFB),
            (0x110BD, 0x110BD),
            (0x110CD, 0x110CD),
            (0x13430, 0x1343F),
            (0x1BCA0, 0x1BCA3),
            (0x1D173, 0x1D17A),
            (0xE0001, 0xE0001),
            (0xE0020, 0xE007F),
            (0x34F, 0x34F),
            (0xFE00, 0xFE0F),
            (0xE0100, 0xE01EF),
            (0x2028, 0x2029),
        ];
        for &(from, to) in ranges {
            for c in (from..=to).filter_map(char::from_u32) {
                assert!(is_hidden(c), "U+{:04X}", c as u32);
            }
        }
        for c in [
            '\n',
            '\t',
            ' ',
            'a',
            'é',
            '\u{2010}',
            '\u{2070}',
            '\u{A0}',
            '😀',
            '\u{E0080}',
        ] {
            assert!(!is_hidden(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn one_line_removes_hidden_characters_and_line_breaks_and_cuts() {
        assert_eq!(one_line("a\u{202e}b\n\tc\u{E0075}d\u{AD}", 80), "abcd");
        let long = "x".repeat(500);
        assert_eq!(one_line(&long, 10).chars().count(), 10);
        assert!(one_line(&long, 10).ends_with('…'));
        assert_eq!(one_line("exactly10!", 10), "exactly10!");
    }
}
