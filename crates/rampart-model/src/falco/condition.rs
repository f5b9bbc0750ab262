//! Falco conditions, parsed the way libsinsp's filter parser reads them
//! (`userspace/libsinsp/filter/parser.cpp`): `or` over `and` over `not`, checks
//! of a field (optionally inside transformers) with an operator and a value or
//! a parenthesised list, and identifiers, which are macros.
//!
//! The parser is never stricter than Falco's, so a condition it rejects is one
//! Falco rejects too; where Falco is pickier than needed (a word operator must
//! be followed by a space, not a line break), this parser accepts.

/// A parsed condition. Offsets (`at`) are byte offsets into the condition text.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// An identifier: the name of a macro.
    Macro(Name),
    Check(Check),
}

/// A name as written, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub at: usize,
}

/// `field operator operand`.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub field: Field,
    /// As written: `=`, `in`, `startswith`, `exists`, …
    pub operator: String,
    pub operand: Operand,
}

/// A field (`proc.name`, `k8s.pod.label[app]`), inside its transformers
/// (`tolower(proc.name)` has `transformers == ["tolower"]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub argument: Option<String>,
    pub transformers: Vec<String>,
    pub at: usize,
}

/// What a field is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `exists`.
    None,
    Value(Literal),
    /// `in (a, "b c", list_name)`: bare items may name lists.
    List(Vec<Literal>),
    /// `in list_name`, without parentheses.
    ListName(Name),
    /// `val(proc.pname)` or a transformed field.
    Field(Field),
}

/// A value: quoted (`"a b"`, unescaped) or bare (`bash`, a list's name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub text: String,
    pub quoted: bool,
    pub at: usize,
}

/// Why a condition does not parse, and where (`len` bytes from `at`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub at: usize,
    pub len: usize,
    /// The condition nests deeper than rampart reads (Falco reads deeper):
    /// not a reason to think Falco rejects it.
    pub too_deep: bool,
}

impl Expr {
    /// Calls `visit` on this expression and every expression inside it.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        let mut stack = vec![self];
        while let Some(expr) = stack.pop() {
            visit(expr);
            match expr {
                Expr::And(children) | Expr::Or(children) => stack.extend(children.iter().rev()),
                Expr::Not(inner) => stack.push(inner),
                Expr::Macro(_) | Expr::Check(_) => {}
            }
        }
    }

    /// The macros this expression names, in order.
    pub fn macros(&self) -> Vec<&Name> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Macro(name) = e {
                out.push(name);
            }
        });
        out
    }

    /// Every check of this expression, in order.
    pub fn checks(&self) -> Vec<&Check> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Check(check) = e {
                out.push(check);
            }
        });
        out
    }
}

const UNARY_OPERATORS: &[&str] = &["exists"];
const NUMBER_OPERATORS: &[&str] = &["<=", "<", ">=", ">"];
const SYMBOL_STRING_OPERATORS: &[&str] = &["==", "=", "!="];
const WORD_STRING_OPERATORS: &[&str] = &[
    "glob",
    "iglob",
    "contains",
    "icontains",
    "bcontains",
    "startswith",
    "bstartswith",
    "endswith",
];
const LIST_OPERATORS: &[&str] = &["intersects", "in", "pmatch"];

/// Recursion bound: about 75 levels of parentheses. Falco's rule loader allows
/// deeper conditions; deeper ones are left unjudged ([`SyntaxError::too_deep`]).
const MAX_DEPTH: usize = 300;

/// Parses a whole condition.
pub fn parse_condition(text: &str) -> Result<Expr, SyntaxError> {
    if let Some(error) = unbalanced_parentheses(text) {
        return Err(error);
    }
    let mut parser = Parser {
        text,
        at: 0,
        depth: 0,
    };
    parser.blank();
    if parser.at == text.len() {
        return Err(SyntaxError {
            message: "the condition is empty".to_owned(),
            at: 0,
            len: 0,
            too_deep: false,
        });
    }
    let expr = parser.or()?;
    parser.blank();
    if parser.at < text.len() {
        return Err(parser
            .error_here("unexpected text after a complete condition (expected `and` or `or`)"));
    }
    Ok(expr)
}

/// Parses a condition appended to another one (`append: true`, `override:
/// {condition: append}`): its leading `and`/`or` joins it to the original.
pub fn parse_fragment(text: &str) -> Result<Expr, SyntaxError> {
    let trimmed = text.trim_start_matches(is_blank);
    let skipped = text.len() - trimmed.len();
    for connective in ["and", "or"] {
        if let Some(rest) = trimmed.strip_prefix(connective)
            && rest.starts_with(|c: char| is_blank(c) || c == '(')
        {
            let offset = skipped + connective.len();
            return parse_condition(&text[offset..]).map_err(|mut e| {
                e.at += offset;
                e
            });
        }
    }
    parse_condition(text)
}

/// The first unbalanced parenthesis outside quoted strings: a `)` without its
/// `(`, or the last `(` never closed.
pub fn unbalanced_parentheses(text: &str) -> Option<SyntaxError> {
    let mut open: Vec<usize> = Vec::new();
    let mut quote: Option<char> = None;
    let mut previous = '\0';
    for (at, c) in text.char_indices() {
        match quote {
            Some(q) => {
                if c == q && previous != '\\' {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' => open.push(at),
                ')' => {
                    let Some(_) = open.pop() else {
                        return Some(SyntaxError {
                            message: "unbalanced parentheses: this `)` closes nothing".to_owned(),
                            at,
                            len: 1,
                            too_deep: false,
                        });
                    };
                }
                _ => {}
            },
        }
        previous = c;
    }
    open.pop().map(|at| SyntaxError {
        message: "unbalanced parentheses: this `(` is never closed".to_owned(),
        at,
        len: 1,
        too_deep: false,
    })
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{8}')
}

fn is_identifier_start(c: char) -> bool {
    c.is_ascii_alphabetic()
}

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Characters a bare value cannot hold.
fn ends_bare_value(c: char) -> bool {
    is_blank(c) || matches!(c, '(' | ')' | '"' | '\'' | '=' | ',')
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn blank(&mut self) -> bool {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches(is_blank);
        self.at += rest.len() - trimmed.len();
        rest.len() != trimmed.len()
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    fn error_here(&self, message: &str) -> SyntaxError {
        let len = self
            .rest()
            .chars()
            .take_while(|c| !is_blank(*c))
            .map(char::len_utf8)
            .sum();
        SyntaxError {
            message: message.to_owned(),
            at: self.at,
            len,
            too_deep: false,
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError {
                too_deep: true,
                ..self.error_here("the condition nests too deeply for rampart to read")
            });
        }
        Ok(())
    }

    /// A keyword (`and`, `or`) followed by a blank or `(`.
    fn keyword(&mut self, word: &str) -> bool {
        let rest = self.rest();
        if rest.starts_with(word)
            && rest[word.len()..].starts_with(|c: char| is_blank(c) || c == '(')
        {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        self.blank();
        let mut children = vec![self.and()?];
        self.blank();
        while self.keyword("or") {
            children.push(self.and()?);
            self.blank();
        }
        self.depth -= 1;
        Ok(if children.len() == 1 {
            children.remove(0)
        } else {
            Expr::Or(children)
        })
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        self.blank();
        let mut children = vec![self.not()?];
        self.blank();
        while self.keyword("and") {
            children.push(self.not()?);
            self.blank();
        }
        self.depth -= 1;
        Ok(if children.len() == 1 {
            children.remove(0)
        } else {
            Expr::And(children)
        })
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        self.blank();
        let mut negated = false;
        while self.keyword("not") {
            negated = !negated;
            self.blank();
        }
        let child = self.check()?;
        self.depth -= 1;
        Ok(if negated {
            Expr::Not(Box::new(child))
        } else {
            child
        })
    }

    fn embedded(&mut self) -> Result<Expr, SyntaxError> {
        let expr = self.or()?;
        self.blank();
        if !self.eat(")") {
            return Err(self.error_here("expected `)`"));
        }
        Ok(expr)
    }

    fn check(&mut self) -> Result<Expr, SyntaxError> {
        self.blank();
        if self.eat("(") {
            return self.embedded();
        }
        let start = self.at;
        let Some(word) = self.dotted_word() else {
            return Err(self.error_here("expected `(`, a field check or a macro name"));
        };
        if word.contains('.') {
            let field = self.field_remainder(word, start, Vec::new())?;
            return self.condition(field);
        }
        if self.peek() == Some('(') {
            // A transformer: `tolower(proc.name) = bash`.
            self.at += 1;
            let field = self.transformed(vec![word])?;
            return self.condition(field);
        }
        Ok(Expr::Macro(Name {
            text: word,
            at: start,
        }))
    }

    /// `[a-zA-Z][a-zA-Z0-9_]*` segments joined by dots.
    fn dotted_word(&mut self) -> Option<String> {
        let rest = self.rest();
        let mut end = 0;
        loop {
            let segment = &rest[end..];
            if !segment.starts_with(is_identifier_start) {
                break;
            }
            let len = segment
                .find(|c: char| !is_identifier_char(c))
                .unwrap_or(segment.len());
            end += len;
            if rest[end..].starts_with('.') && rest[end + 1..].starts_with(is_identifier_start) {
                end += 1;
            } else {
                break;
            }
        }
        (end > 0).then(|| {
            self.at += end;
            rest[..end].to_owned()
        })
    }

    /// The `[argument]` of a field, if any.
    fn field_remainder(
        &mut self,
        name: String,
        at: usize,
        transformers: Vec<String>,
    ) -> Result<Field, SyntaxError> {
        let mut argument = None;
        if self.eat("[") {
            let rest = self.rest();
            let value = if rest.starts_with(['"', '\'']) {
                self.quoted()?.text
            } else {
                let len = rest
                    .find(|c: char| is_blank(c) || matches!(c, '[' | ']' | '"' | '\''))
                    .unwrap_or(rest.len());
                if len == 0 {
                    return Err(self.error_here("expected a field argument"));
                }
                self.at += len;
                rest[..len].to_owned()
            };
            if !self.eat("]") {
                return Err(self.error_here("expected `]` closing the field argument"));
            }
            argument = Some(value);
        }
        Ok(Field {
            name,
            argument,
            transformers,
            at,
        })
    }

    /// The inside of `transformer(` … `)`: a field or another transformer.
    fn transformed(&mut self, mut transformers: Vec<String>) -> Result<Field, SyntaxError> {
        self.enter()?;
        self.blank();
        let start = self.at;
        let Some(word) = self.dotted_word() else {
            return Err(self.error_here("expected a field inside the transformer"));
        };
        let field = if word.contains('.') {
            self.field_remainder(word, start, transformers)?
        } else if self.eat("(") {
            transformers.push(word);
            self.transformed(transformers)?
        } else {
            return Err(SyntaxError {
                message: format!("`{word}` is not a field"),
                at: start,
                len: word.len(),
                too_deep: false,
            });
        };
        self.blank();
        if !self.eat(")") {
            return Err(self.error_here("expected `)` closing the transformer"));
        }
        self.depth -= 1;
        Ok(field)
    }

    fn condition(&mut self, field: Field) -> Result<Expr, SyntaxError> {
        self.blank();
        let check = |operator: &str, operand| {
            Ok(Expr::Check(Check {
                field: field.clone(),
                operator: operator.to_owned(),
                operand,
            }))
        };
        for op in UNARY_OPERATORS {
            if self.eat(op) {
                return check(op, Operand::None);
            }
        }
        for op in NUMBER_OPERATORS.iter().chain(SYMBOL_STRING_OPERATORS) {
            if self.eat(op) {
                let operand = self.value()?;
                return check(op, operand);
            }
        }
        let start = self.at;
        let word: String = self
            .rest()
            .chars()
            .take_while(char::is_ascii_lowercase)
            .collect();
        if WORD_STRING_OPERATORS.contains(&word.as_str())
            && self.rest()[word.len()..].starts_with(is_blank)
        {
            self.at += word.len();
            let operand = self.value()?;
            return check(&word, operand);
        }
        if LIST_OPERATORS.contains(&word.as_str()) {
            self.at += word.len();
            let operand = self.list_value()?;
            return check(&word, operand);
        }
        self.at = start;
        Err(self.error_here(&format!(
            "`{}` needs an operator (=, !=, <, in, contains, startswith, exists, …)",
            field.name
        )))
    }

    /// A transformer or `val(…)`, if one starts here.
    fn try_transformer(&mut self) -> Result<Option<Field>, SyntaxError> {
        let word: String = self
            .rest()
            .chars()
            .take_while(|c| is_identifier_char(*c))
            .collect();
        if !word.is_empty() && self.rest()[word.len()..].starts_with('(') {
            self.at += word.len() + 1;
            return self.transformed(vec![word]).map(Some);
        }
        Ok(None)
    }

    fn value(&mut self) -> Result<Operand, SyntaxError> {
        self.blank();
        if let Some(field) = self.try_transformer()? {
            return Ok(Operand::Field(field));
        }
        match self.literal()? {
            Some(literal) => Ok(Operand::Value(literal)),
            None => Err(self.error_here("expected a value")),
        }
    }

    fn list_value(&mut self) -> Result<Operand, SyntaxError> {
        self.blank();
        if self.eat("(") {
            let mut items = Vec::new();
            self.blank();
            if self.eat(")") {
                return Ok(Operand::List(items));
            }
            loop {
                self.blank();
                match self.literal()? {
                    Some(item) => items.push(item),
                    None => return Err(self.error_here("expected a value in the list")),
                }
                self.blank();
                if self.eat(",") {
                    continue;
                }
                if self.eat(")") {
                    return Ok(Operand::List(items));
                }
                return Err(self.error_here("expected `,` or `)` in the list"));
            }
        }
        if let Some(field) = self.try_transformer()? {
            return Ok(Operand::Field(field));
        }
        let start = self.at;
        let rest = self.rest();
        if rest.starts_with(is_identifier_start) {
            let len = rest
                .find(|c: char| !is_identifier_char(c))
                .unwrap_or(rest.len());
            self.at += len;
            return Ok(Operand::ListName(Name {
                text: rest[..len].to_owned(),
                at: start,
            }));
        }
        Err(self.error_here("expected a parenthesised list"))
    }

    /// A quoted or bare value; `None` when there is none here.
    fn literal(&mut self) -> Result<Option<Literal>, SyntaxError> {
        let rest = self.rest();
        if rest.starts_with(['"', '\'']) {
            return self.quoted().map(Some);
        }
        let len = rest.find(ends_bare_value).unwrap_or(rest.len());
        if len == 0 {
            return Ok(None);
        }
        let at = self.at;
        self.at += len;
        Ok(Some(Literal {
            text: rest[..len].to_owned(),
            quoted: false,
            at,
        }))
    }

    /// A quoted string, read as libsinsp reads it: it ends at the first quote
    /// character not preceded by a backslash.
    fn quoted(&mut self) -> Result<Literal, SyntaxError> {
        let at = self.at;
        let rest = self.rest();
        let mut chars = rest.char_indices();
        let Some((_, quote)) = chars.next() else {
            return Err(self.error_here("expected a quoted string"));
        };
        let mut raw = String::new();
        let mut previous = quote;
        for (i, c) in chars {
            if c == quote && previous != '\\' {
                self.at += i + c.len_utf8();
                return Ok(Literal {
                    text: unescape(&raw),
                    quoted: true,
                    at,
                });
            }
            raw.push(c);
            previous = c;
        }
        Err(SyntaxError {
            message: "unterminated quoted string".to_owned(),
            at,
            len: 1,
            too_deep: false,
        })
    }
}

/// `\"` → `"`, `\\` → `\`.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Expr {
        parse_condition(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    fn error(text: &str) -> SyntaxError {
        parse_condition(text).expect_err(text)
    }

    #[test]
    fn upstream_conditions_parse() {
        for text in [
            "(evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0)",
            "(evt.type in (execve, execveat) and evt.dir=<)",
            "(proc.name!=\"<NA>\")",
            "proc.pname in (runc:[0:PARENT], runc:[1:CHILD], runc, docker-runc, exe)",
            "(proc.aname[2]=qualys-cloud-ag or proc.aname[3]=qualys-cloud-ag)",
            "evt.type=connect and evt.dir=< \n and (fd.typechar=4 or fd.typechar=6) and container",
            "proc.duration <= 5000000000",
            "fd.name contains '/.ssh/' and fd.name glob '/home/*/.ssh/*'",
            "not proc.name in (user_mgmt_binaries, in.proftpd, google_oslogin_\n)",
            "k8s.pod.label[app.kubernetes.io/name] = \"payments\"",
            "tolower(proc.name) = bash and proc.pname = val(proc.name)",
            "basename(toupper(proc.exe)) in (BASH)",
            "not(container) and not  not proc.tty exists",
            "evt.arg[0] contains AF_PACKET and fd.type in (\"ipv4\", \"ipv6\")",
            "proc.name in ()",
            "json.value[/user/name] startswith \"a b\"",
            "evt.rawres >= 0 or evt.res = EINPROGRESS",
        ] {
            parse(text);
        }
    }

    #[test]
    fn structure() {
        let expr = parse("spawned_process and not proc.name in (a, \"b c\", my_list) or shell");
        let Expr::Or(children) = &expr else {
            panic!("{expr:?}")
        };
        let Expr::And(and) = &children[0] else {
            panic!()
        };
        assert_eq!(
            and[0],
            Expr::Macro(Name {
                text: "spawned_process".into(),
                at: 0
            })
        );
        let Expr::Not(inner) = &and[1] else { panic!() };
        let Expr::Check(check) = inner.as_ref() else {
            panic!()
        };
        assert_eq!(check.field.name, "proc.name");
        assert_eq!(check.operator, "in");
        let Operand::List(items) = &check.operand else {
            panic!()
        };
        assert_eq!(
            items
                .iter()
                .map(|i| (i.text.as_str(), i.quoted))
                .collect::<Vec<_>>(),
            vec![("a", false), ("b c", true), ("my_list", false)]
        );
        assert_eq!(expr.macros().len(), 2);
        assert_eq!(expr.macros()[1].text, "shell");
        assert_eq!(expr.macros()[1].at, 60);
    }

    #[test]
    fn errors_falco_reports() {
        let e = error("(evt.type in (setuid, setgid)");
        assert!(e.message.contains("never closed"), "{e:?}");
        assert_eq!(e.at, 0);
        let e = error("a and b)");
        assert!(e.message.contains("closes nothing"), "{e:?}");
        assert_eq!(e.at, 7);
        assert!(
            error("proc.name bash")
                .message
                .contains("needs an operator")
        );
        assert!(error("a and").message.contains("expected"));
        assert!(error("a b").message.contains("unexpected text"));
        assert!(error("   ").message.contains("empty"));
        assert!(error("proc.name = ").message.contains("expected a value"));
        assert!(
            error("proc.name in (a,)")
                .message
                .contains("expected a value")
        );
        assert!(error("proc.name = \"open").message.contains("unterminated"));
        // Parentheses inside quoted strings do not count.
        parse("proc.cmdline = \"a (b\" and proc.name = ')'");
    }

    #[test]
    fn deep_nesting_is_bounded_and_not_judged() {
        let deep = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
        let e = error(&deep);
        assert!(e.too_deep, "{e:?}");
        let fine = format!("{}a{}", "(".repeat(50), ")".repeat(50));
        parse(&fine);
        let transformers = format!(
            "{}proc.name{} = x",
            "tolower(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(error(&transformers).too_deep);
    }

    #[test]
    fn keywords_need_a_blank_or_parenthesis() {
        // `origin`, `notify` and `android` are macros, not keywords.
        let expr = parse("origin and notify or android");
        assert_eq!(expr.macros().len(), 3);
        parse("a and(b or c) or(d)");
        parse("not(a)");
    }

    #[test]
    fn fragments_start_with_a_connective() {
        let expr = parse_fragment("  and not proc.name in (x)").unwrap();
        assert!(matches!(expr, Expr::Not(_)));
        let e = parse_fragment(" or (a").unwrap_err();
        assert_eq!(e.at, 4);
        assert!(parse_fragment("proc.name = x").is_ok());
    }
}
