//! XML 1.0 escaping for text that comes from scanned files.
//!
//! Markup characters become entities. Characters XML 1.0 forbids outright (C0
//! controls other than tab, newline and carriage return; U+FFFE and U+FFFF)
//! cannot be written even as character references, so they become U+FFFD. Inside
//! attributes, tab, newline and carriage return are written as character
//! references so that attribute-value normalisation does not turn them into
//! spaces; in text, carriage return is, so that end-of-line handling keeps it.

use std::fmt::Write;

const REPLACEMENT: char = '\u{FFFD}';

/// Whether XML 1.0 allows `c` anywhere in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes `text` for character data (element content).
pub fn escape_text(text: &str) -> String {
    escape(text, false)
}

/// Escapes `text` for an attribute value in either kind of quotes.
pub fn escape_attribute(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            // `>` only matters in `]]>`, but escaping it everywhere is simplest.
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' if attribute => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c if is_xml_char(c) => out.push(c),
            _ => out.push(REPLACEMENT),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_entities() {
        assert_eq!(
            escape_text(r#"<a href="x">&'</a>"#),
            r#"&lt;a href="x"&gt;&amp;'&lt;/a&gt;"#
        );
        assert_eq!(
            escape_attribute(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(escape_text("]]>"), "]]&gt;");
    }

    #[test]
    fn characters_xml_forbids_are_replaced() {
        assert_eq!(
            escape_text("a\u{0}b\u{1b}[31mc\u{8}\u{b}\u{c}\u{fffe}\u{ffff}d"),
            "a\u{fffd}b\u{fffd}[31mc\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}d"
        );
        // Allowed (if discouraged) characters survive.
        assert_eq!(escape_text("\u{7f}\u{85}é🦀"), "\u{7f}\u{85}é🦀");
    }

    #[test]
    fn whitespace_survives_attribute_normalisation() {
        assert_eq!(escape_attribute("a\tb\nc\r\nd"), "a&#9;b&#10;c&#13;&#10;d");
        assert_eq!(escape_text("a\tb\nc\r\nd"), "a\tb\nc&#13;\nd");
    }
}
