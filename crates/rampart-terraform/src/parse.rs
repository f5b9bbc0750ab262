//! Reading one `.tf` or `.tfvars` file into its syntax tree.

use crate::syntax::Body;
use rampart_source::Diagnostic;

/// Deepest nesting of brackets accepted. The HCL parser is recursive; a hostile
/// file nested thousands deep must be refused before it reaches it.
const MAX_NESTING: usize = 128;

/// A parsed file, or why it could not be parsed.
pub fn parse_body(text: &str, display_path: &str) -> Result<Body, Diagnostic> {
    // A byte-order mark is not HCL; offsets stay valid because callers map spans
    // through the original text with `body_offset`.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if u32::try_from(text.len()).is_err() {
        // The syntax tree keeps byte ranges in 32 bits.
        return Err(Diagnostic::error(
            "hcl-too-large",
            display_path,
            "4 GiB or more of Terraform in one file; the file was skipped",
        ));
    }
    if let Some(line) = too_deep(text) {
        return Err(Diagnostic::error(
            "hcl-depth-limit",
            display_path,
            format!("nesting deeper than {MAX_NESTING} levels; the file was skipped"),
        )
        .at_line(line));
    }
    // hcl-edit's tree is converted and dropped here, on the parsing thread:
    // only the lean tree outlives the file's parse.
    hcl_edit::parser::parse_body(text)
        .map(Body::from)
        .map_err(|error| {
            let location = error.location();
            Diagnostic::error(
                "hcl-syntax",
                display_path,
                format!("invalid HCL: {}", error.message()),
            )
            .at(
                u32::try_from(location.line()).unwrap_or(u32::MAX),
                u32::try_from(location.column()).unwrap_or(u32::MAX),
            )
        })
}

/// Bytes removed from the front of the text before parsing (a BOM), to add
/// back to every span.
pub fn body_offset(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

/// The line where bracket nesting first exceeds the limit, if it does. Strings
/// and comments are skipped roughly (a bracket inside a string is not nesting,
/// an interpolation inside one is, until its closing brace); erring on the
/// side of counting is safe, the limit is far above real code.
fn too_deep(text: &str) -> Option<u32> {
    // Open brackets, interpolations (`i`) and strings (`"`), innermost last.
    let mut open: Vec<char> = Vec::new();
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut escaped = false;
    let mut in_comment = false;
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' {
            line += 1;
            in_comment = false;
        }
        if in_comment {
            previous = c;
            continue;
        }
        if open.last() == Some(&'"') {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    open.pop();
                }
                // Interpolations nest, and hold code up to their closing brace.
                '{' if previous == '$' || previous == '%' => {
                    open.push('i');
                    depth += 1;
                }
                _ => {}
            }
        } else {
            match c {
                '"' => open.push('"'),
                '#' => in_comment = true,
                '/' if previous == '/' => in_comment = true,
                '{' | '[' | '(' => {
                    open.push(c);
                    depth += 1;
                }
                '}' | ']' | ')' => {
                    let closed = open.pop().is_some();
                    depth = depth.saturating_sub(usize::from(closed));
                }
                _ => {}
            }
        }
        if depth > MAX_NESTING {
            return Some(line);
        }
        previous = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse_body("resource \"a\" \"b\" {\n  x = \n}\n", "main.tf").unwrap_err();
        assert_eq!(err.code, "hcl-syntax");
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = format!("x = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse_body(&text, "deep.tf").unwrap_err();
        assert_eq!(err.code, "hcl-depth-limit");
        // Brackets inside strings are not nesting.
        let text = format!("x = \"{}\"\n", "[".repeat(10_000));
        assert!(parse_body(&text, "s.tf").is_ok());
        // Interpolations close: many of them are not deep.
        let text: String = (0..1_000)
            .map(|i| format!("x{i} = \"${{a}}-%{{if b}}c%{{endif}}\"\n"))
            .collect();
        assert!(too_deep(&text).is_none());
        assert!(
            parse_body(&text, "i.tf").is_ok(),
            "{:?}",
            parse_body(&text, "i.tf").err()
        );
        let text = format!("x = \"{}\"\n", "${[".repeat(200));
        assert_eq!(
            parse_body(&text, "d.tf").unwrap_err().code,
            "hcl-depth-limit"
        );
    }

    #[test]
    fn a_bom_is_tolerated() {
        assert!(parse_body("\u{feff}a = 1\n", "bom.tf").is_ok());
        assert_eq!(body_offset("\u{feff}a"), 3);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "[a-z0-9 =\"{}\\[\\]().,:?!<>*/%+\n#$-]{0,200}") {
            let _ = parse_body(&text, "p.tf");
        }
    }
}
