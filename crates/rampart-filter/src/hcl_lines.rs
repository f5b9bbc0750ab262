//! What suppression matching needs to know about the lines of a Terraform file:
//! where its comments are and how far the block or attribute starting on each
//! line extends. HCL has `#` and `//` line comments, `/* */` block comments,
//! quoted strings with `${ }` interpolations (which may hold quoted strings
//! themselves) and heredocs, inside all of which a `#` is text. A lexical pass
//! is enough for that; the evaluated form, which rules read, has no comments.

use std::collections::HashMap;

/// A line comment.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LineComment {
    /// 1-based line.
    pub line: u32,
    /// 1-based column of the `#` or `//`.
    pub column: u32,
    /// The text after the comment marker.
    pub text: String,
    /// Whether nothing but whitespace precedes it.
    pub own_line: bool,
}

#[derive(Default, Debug)]
pub(crate) struct HclLines {
    pub comments: Vec<LineComment>,
    /// First line → last line of the outermost block, attribute value or
    /// heredoc opening on it.
    pub by_start: HashMap<u32, u32>,
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    /// Expressions; `depth` counts braces opened inside an interpolation, so the
    /// `}` that closes it can be told from one that closes an object.
    Code {
        interpolation: bool,
        depth: u32,
    },
    Str,
}

/// Scans `text` once. Malformed input (an unterminated string or heredoc) ends
/// the scan where it goes wrong; what was found before it stands.
pub(crate) fn scan(text: &str) -> HclLines {
    let mut out = HclLines::default();
    let mut stack = vec![Context::Code {
        interpolation: false,
        depth: 0,
    }];
    // Lines where each open bracket was opened.
    let mut open: Vec<u32> = Vec::new();
    let mut block_comment = false;
    let mut heredoc: Option<(String, u32)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if let Some((terminator, start)) = &heredoc {
            if line.trim() == terminator {
                extend(&mut out.by_start, *start, number);
                heredoc = None;
            }
            continue;
        }
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        let mut i = 0;
        let mut content_before = false;
        while i < chars.len() {
            let (byte, c) = chars[i];
            let next = chars.get(i + 1).map(|&(_, c)| c);
            if block_comment {
                if c == '*' && next == Some('/') {
                    block_comment = false;
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            match stack.last().copied() {
                Some(Context::Str) => {
                    match (c, next) {
                        ('\\', Some(_)) => i += 1,
                        ('"', _) => {
                            stack.pop();
                        }
                        ('$' | '%', Some('{')) => {
                            // `$${` and `%%{` are escapes, handled by skipping
                            // the doubled sigil below.
                            stack.push(Context::Code {
                                interpolation: true,
                                depth: 0,
                            });
                            i += 1;
                        }
                        ('$', Some('$')) | ('%', Some('%')) => i += 1,
                        _ => {}
                    }
                    i += 1;
                }
                Some(Context::Code {
                    interpolation,
                    depth,
                }) => {
                    match (c, next) {
                        ('#', _) | ('/', Some('/')) => {
                            let marker = if c == '#' { 1 } else { 2 };
                            let column = u32::try_from(i + 1).unwrap_or(u32::MAX);
                            out.comments.push(LineComment {
                                line: number,
                                column,
                                text: line[byte + marker..].to_owned(),
                                own_line: !content_before,
                            });
                            break;
                        }
                        ('/', Some('*')) => {
                            block_comment = true;
                            i += 2;
                            continue;
                        }
                        ('"', _) => stack.push(Context::Str),
                        ('<', Some('<')) => {
                            let rest = line[byte + 2..].trim_start_matches('-');
                            let terminator = rest.trim_end();
                            if !terminator.is_empty()
                                && terminator
                                    .chars()
                                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                                && terminator
                                    .chars()
                                    .next()
                                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                            {
                                heredoc = Some((terminator.to_owned(), number));
                                break;
                            }
                        }
                        ('{', _) => {
                            open.push(number);
                            if interpolation && let Some(top) = stack.last_mut() {
                                *top = Context::Code {
                                    interpolation,
                                    depth: depth + 1,
                                };
                            }
                        }
                        ('[' | '(', _) => open.push(number),
                        ('}', _) if interpolation && depth == 0 => {
                            stack.pop();
                        }
                        ('}' | ']' | ')', _) => {
                            if let Some(start) = open.pop() {
                                extend(&mut out.by_start, start, number);
                            }
                            if c == '}'
                                && interpolation
                                && let Some(top) = stack.last_mut()
                            {
                                *top = Context::Code {
                                    interpolation,
                                    depth: depth.saturating_sub(1),
                                };
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                None => break,
            }
            if !c.is_whitespace() {
                content_before = true;
            }
        }
        // A quoted string cannot span lines; recover at the line's end so one
        // stray quote does not hide every later comment.
        while stack.len() > 1 && matches!(stack.last(), Some(Context::Str)) {
            stack.pop();
        }
    }
    out
}

fn extend(by_start: &mut HashMap<u32, u32>, first: u32, last: u32) {
    if last > first {
        let entry = by_start.entry(first).or_insert(first);
        *entry = (*entry).max(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comments(text: &str) -> Vec<(u32, u32, String, bool)> {
        scan(text)
            .comments
            .into_iter()
            .map(|c| (c.line, c.column, c.text, c.own_line))
            .collect()
    }

    #[test]
    fn hashes_and_slashes_in_strings_are_text() {
        let text = r##"url = "http://x/#y" # real
name = "a \" # still text" // real too
tpl = "${lookup(m, "#k")} #no" # yes
"##;
        assert_eq!(
            comments(text),
            vec![
                (1, 21, " real".into(), false),
                (2, 28, " real too".into(), false),
                (3, 32, " yes".into(), false),
            ]
        );
    }

    #[test]
    fn heredocs_and_block_comments_hide_comments() {
        let text =
            "user_data = <<-EOT\n  # not a comment\n  EOT\n/* # not\n either */\n# own line\n";
        assert_eq!(comments(text), vec![(6, 1, " own line".into(), true)]);
        assert_eq!(scan(text).by_start.get(&1), Some(&3));
    }

    #[test]
    fn blocks_extend_to_their_closing_brace() {
        let text = "resource \"a\" \"b\" {\n  tags = {\n    x = \"${var.y}\"\n  }\n  n = 1\n}\n";
        let lines = scan(text);
        assert_eq!(lines.by_start.get(&1), Some(&6));
        assert_eq!(lines.by_start.get(&2), Some(&4));
        assert_eq!(lines.by_start.get(&5), None);
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for text in [
            "x = \"abc",
            "x = <<EOT\nabc",
            "/* abc",
            "x = \"${",
            "}}}]]))",
            "\"$",
            "a = <<",
        ] {
            let _ = scan(text);
        }
    }
}
