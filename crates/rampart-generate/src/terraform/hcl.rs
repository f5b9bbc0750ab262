//! A small HCL writer laid out as `terraform fmt` lays it out: two-space indents, `=`
//! aligned across consecutive single-line attributes, a blank line around nested blocks
//! and multi-line values.

use super::hcl_string;

/// An expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Expr {
    /// Written as is: `aws_vpc.this.id`, `443`, `"text"`.
    Raw(String),
    /// `{ key = value }`, one entry per line.
    Object(Vec<(String, Expr)>),
    /// `[a, b]` with one item per line.
    Tuple(Vec<Expr>),
    /// `name(<expression>)`, such as `jsonencode({ … })`.
    Call(&'static str, Box<Expr>),
}

impl Expr {
    pub(super) fn string(text: &str) -> Self {
        Self::Raw(hcl_string(text))
    }

    /// A quoted string whose `${…}` interpolations are kept: for text written here,
    /// never for inventory values.
    pub(super) fn template(text: &str) -> Self {
        Self::Raw(quote_template(text))
    }

    pub(super) fn raw(text: impl Into<String>) -> Self {
        Self::Raw(text.into())
    }

    /// An object from `(key, value)` pairs.
    pub(super) fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Self {
        Self::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    fn is_multiline(&self) -> bool {
        match self {
            Self::Raw(text) => text.contains('\n'),
            Self::Object(entries) => !entries.is_empty(),
            Self::Tuple(items) => match items.as_slice() {
                [] => false,
                [one] => one.is_multiline(),
                _ => true,
            },
            Self::Call(_, inner) => inner.is_multiline(),
        }
    }

    fn render(&self, indent: usize) -> String {
        let pad = "  ".repeat(indent);
        match self {
            Self::Raw(text) => text.clone(),
            Self::Object(entries) if entries.is_empty() => "{}".to_owned(),
            Self::Object(entries) => {
                let mut out = String::from("{\n");
                let lines: Vec<Line> = entries
                    .iter()
                    .map(|(k, v)| Line::Attr(object_key(k), v.clone()))
                    .collect();
                render_lines(&lines, indent + 1, &mut out);
                out.push_str(&pad);
                out.push('}');
                out
            }
            Self::Tuple(items) if items.is_empty() => "[]".to_owned(),
            Self::Tuple(items) if !self.is_multiline() => {
                format!("[{}]", items[0].render(indent))
            }
            Self::Tuple(items) => {
                let mut out = String::from("[\n");
                for item in items {
                    out.push_str(&"  ".repeat(indent + 1));
                    out.push_str(&item.render(indent + 1));
                    out.push_str(",\n");
                }
                out.push_str(&pad);
                out.push(']');
                out
            }
            Self::Call(name, inner) => format!("{name}({})", inner.render(indent)),
        }
    }
}

/// A string literal that keeps its `${…}` interpolations.
fn quote_template(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An object key: bare when it is an identifier, quoted otherwise.
fn object_key(key: &str) -> String {
    let identifier = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier {
        key.to_owned()
    } else {
        hcl_string(key)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Line {
    Attr(String, Expr),
    Comment(String),
    Block(Block),
}

/// A block: `resource "type" "name" { … }`, or a nested `name { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Block {
    header: String,
    lines: Vec<Line>,
}

impl Block {
    /// A nested block, or any block given its full header.
    pub(super) fn new(header: impl Into<String>) -> Self {
        Self {
            header: header.into(),
            lines: Vec::new(),
        }
    }

    pub(super) fn resource(kind: &str, name: &str) -> Self {
        Self::new(format!("resource \"{kind}\" \"{name}\""))
    }

    pub(super) fn data(kind: &str, name: &str) -> Self {
        Self::new(format!("data \"{kind}\" \"{name}\""))
    }

    /// An attribute whose value is an HCL expression written as is.
    pub(super) fn attr(mut self, key: &str, value: impl Into<String>) -> Self {
        self.lines
            .push(Line::Attr(key.to_owned(), Expr::Raw(value.into())));
        self
    }

    /// An attribute whose value is a string literal.
    pub(super) fn string(self, key: &str, text: &str) -> Self {
        self.attr(key, hcl_string(text))
    }

    /// An attribute whose value is a string with `${…}` interpolations.
    pub(super) fn template(self, key: &str, text: &str) -> Self {
        self.attr(key, quote_template(text))
    }

    pub(super) fn expr(mut self, key: &str, value: Expr) -> Self {
        self.lines.push(Line::Attr(key.to_owned(), value));
        self
    }

    pub(super) fn block(mut self, block: Block) -> Self {
        self.lines.push(Line::Block(block));
        self
    }

    pub(super) fn comment(mut self, text: &str) -> Self {
        self.lines.push(Line::Comment(text.to_owned()));
        self
    }

    pub(super) fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(0, &mut out);
        out
    }

    fn render_into(&self, indent: usize, out: &mut String) {
        out.push_str(&self.header);
        if self.lines.is_empty() {
            out.push_str(" {}\n");
            return;
        }
        out.push_str(" {\n");
        render_lines(&self.lines, indent + 1, out);
        out.push_str(&"  ".repeat(indent));
        out.push_str("}\n");
    }
}

/// `key = value` lines whose `=` line up, as `terraform fmt` aligns a run of
/// single-line attributes.
pub(super) fn write_aligned(pairs: &[(&str, &str)], pad: &str, out: &mut String) {
    let width = pairs
        .iter()
        .map(|(key, _)| key.chars().count())
        .max()
        .unwrap_or(0);
    for (key, value) in pairs {
        out.push_str(pad);
        out.push_str(key);
        out.push_str(&" ".repeat(width - key.chars().count()));
        out.push_str(" = ");
        out.push_str(value);
        out.push('\n');
    }
}

/// Lines at one level: runs of single-line attributes aligned on `=`, blank lines
/// around blocks and multi-line values.
fn render_lines(lines: &[Line], indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    let standalone = |line: &Line| match line {
        Line::Block(_) => true,
        Line::Attr(_, value) => value.is_multiline(),
        Line::Comment(_) => false,
    };
    let mut i = 0;
    while i < lines.len() {
        // A comment belongs to the line after it: the blank line goes before the
        // comment, and a comment after an attribute starts a new group.
        let next = lines[i..]
            .iter()
            .find(|l| !matches!(l, Line::Comment(_)))
            .unwrap_or(&lines[i]);
        if i > 0
            && !matches!(lines[i - 1], Line::Comment(_))
            && (matches!(lines[i], Line::Comment(_))
                || standalone(next)
                || standalone(&lines[i - 1]))
        {
            out.push('\n');
        }
        match &lines[i] {
            Line::Comment(text) => {
                out.push_str(&pad);
                out.push_str("# ");
                out.push_str(text);
                out.push('\n');
                i += 1;
            }
            Line::Block(block) => {
                out.push_str(&pad);
                block.render_into(indent, out);
                i += 1;
            }
            Line::Attr(key, value) if value.is_multiline() => {
                out.push_str(&pad);
                out.push_str(key);
                out.push_str(" = ");
                out.push_str(&value.render(indent));
                out.push('\n');
                i += 1;
            }
            Line::Attr(..) => {
                let end = lines[i..]
                    .iter()
                    .position(|l| !matches!(l, Line::Attr(_, v) if !v.is_multiline()))
                    .map_or(lines.len(), |n| i + n);
                let rendered: Vec<(&str, String)> = lines[i..end]
                    .iter()
                    .filter_map(|l| match l {
                        Line::Attr(key, value) => Some((key.as_str(), value.render(indent))),
                        _ => None,
                    })
                    .collect();
                let pairs: Vec<(&str, &str)> =
                    rendered.iter().map(|(k, v)| (*k, v.as_str())).collect();
                write_aligned(&pairs, &pad, out);
                i = end;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_laid_out_as_terraform_fmt_does() {
        let block = Block::resource("aws_security_group", "x")
            .string("name", "x")
            .attr("vpc_id", "aws_vpc.this.id")
            .expr(
                "tags",
                Expr::object([("Name", Expr::string("x")), ("a:b", Expr::string("y"))]),
            )
            .block(Block::new("allow"));
        assert_eq!(
            block.render(),
            "resource \"aws_security_group\" \"x\" {\n  name   = \"x\"\n  vpc_id = aws_vpc.this.id\n\n  tags = {\n    Name  = \"x\"\n    \"a:b\" = \"y\"\n  }\n\n  allow {}\n}\n"
        );
    }
}
