//! Dockerfiles: what the image runs as, where its contents come from, what it
//! bakes in.

use rampart_dockerfile::Instruction;
use rampart_source::{SourceFile, Span};

use crate::engine::Rule;

mod add_remote_url;
mod curl_pipe_shell;
mod root_user;
mod secret_in_dockerfile;
mod sensitive_file_copied;
mod shell;

pub(crate) static RULES: &[&Rule] = &[
    &root_user::RULE,
    &add_remote_url::RULE,
    &secret_in_dockerfile::RULE,
    &curl_pipe_shell::RULE,
    &sensitive_file_copied::RULE,
];

/// Splits on white space outside quotes, removing the quotes (how BuildKit reads
/// the shell form of `COPY`, `ADD`, `ARG`).
pub(crate) fn split_words(text: &str) -> Vec<String> {
    // Most arguments quote and escape nothing: their words are the text's
    // own, split where `char::is_whitespace` says, as below.
    if !text.contains(['"', '\'', '\\']) {
        return text.split_whitespace().map(str::to_owned).collect();
    }
    split_quoted(text)
}

/// [`split_words`] a character at a time, quotes and escapes read.
fn split_quoted(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (_, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// The sources of a `COPY` or `ADD` (every argument but the destination),
/// without heredoc markers (`COPY <<EOF /app/x`), in shell or JSON form.
pub(crate) fn copy_sources(instruction: &Instruction) -> Vec<String> {
    let words = match &instruction.exec_form {
        Some(words) => words.clone(),
        None => split_words(&instruction.arguments),
    };
    let Some((_, sources)) = words.split_last() else {
        return Vec::new();
    };
    sources
        .iter()
        .filter(|s| !s.starts_with("<<"))
        .cloned()
        .collect()
}

/// The destination of a `COPY` or `ADD`.
pub(crate) fn copy_destination(instruction: &Instruction) -> Option<String> {
    match &instruction.exec_form {
        Some(words) => words.last().cloned(),
        None => split_words(&instruction.arguments).pop(),
    }
}

/// The span of `needle` in the source lines of an instruction, as a whole word
/// (not inside a longer name). `None` when it is
/// not on one line (split by a continuation, or written with escapes).
pub(crate) fn find_in_instruction(
    file: &SourceFile,
    instruction: &Instruction,
    needle: &str,
) -> Option<Span> {
    if needle.is_empty() {
        return None;
    }
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for line_number in instruction.span.start.line..=instruction.span.end.line {
        let Some(line) = file.line(line_number) else {
            continue;
        };
        let mut from = 0;
        while let Some(found) = line.get(from..).and_then(|rest| rest.find(needle)) {
            let start = from + found;
            let end = start + needle.len();
            let before = line[..start].chars().next_back();
            let after = line[end..].chars().next();
            let whole_word = !(needle.starts_with(is_name_char)
                && before.is_some_and(is_name_char)
                || needle.ends_with(is_name_char) && after.is_some_and(is_name_char));
            if whole_word {
                let column = line[..start].chars().count() + 1;
                return Some(Span::on_line(
                    line_number,
                    u32::try_from(column).ok()?,
                    u32::try_from(needle.chars().count()).ok()?,
                ));
            }
            from = end;
        }
    }
    None
}

/// The last path component of a source (`a/b/.env` → `.env`), lower-cased.
pub(crate) fn base_name(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{split_quoted, split_words};

    proptest! {
        /// Words without quotes or escapes are split as a character at a
        /// time, with every kind of white space.
        #[test]
        fn unquoted_words_split_as_quoted_words_do(
            text in "[a-z0-9=/.:*-]{0,6}([ \t\n\r\u{b}\u{c}\u{a0}\u{2003}\u{3000}]{1,3}[a-z0-9=/.:*-]{0,6}){0,6}"
        ) {
            prop_assert_eq!(split_words(&text), split_quoted(&text));
        }
    }

    #[test]
    fn quotes_and_escapes_are_read() {
        assert_eq!(
            split_words(r#"--chown=app "my file" 'a b'\ c d\"e /dst"#),
            ["--chown=app", "my file", "a b c", r#"d"e"#, "/dst"]
        );
    }
}
