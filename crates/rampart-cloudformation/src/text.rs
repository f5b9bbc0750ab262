//! Text helpers with CloudFormation's semantics: how a value reads as a string,
//! `Fn::Sub` templates, Base64, JSON and numbers as written.

use rampart_iac::{Node, Value};

/// How CloudFormation turns a scalar into text (`443`, `true`, `"a"`); `None`
/// for lists, maps, null and unknowns.
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(text) => Some(text.to_string()),
        Value::Number(n) => Some(number_text(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The number a plain scalar stands for, when reading it as a number loses
/// nothing of what was written: `443`, `-1`, `0.5`. `0123`, `1.0`, `11.10`,
/// `1e3` and `0x1F` stay strings, so that `EngineVersion: 11.10` is not turned
/// into `11.1`; `Node::as_f64` still reads the decimal ones as numbers.
pub(crate) fn canonical_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let whole_ok = whole == "0"
        || (!whole.is_empty()
            && !whole.starts_with('0')
            && whole.bytes().all(|b| b.is_ascii_digit()));
    let fraction_ok = fraction.is_none_or(|f| {
        !f.is_empty() && !f.ends_with('0') && f.bytes().all(|b| b.is_ascii_digit())
    });
    // Beyond 2^53 an f64 no longer holds every integer.
    if !whole_ok || !fraction_ok || whole.len() > 15 || text == "-0" {
        return None;
    }
    text.parse().ok()
}

/// A part of an `Fn::Sub` template.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SubPart<'a> {
    Text(&'a str),
    /// `${Name}`, `${Resource.Attribute}`, `${AWS::Region}` (trimmed).
    Variable(&'a str),
}

/// Splits an `Fn::Sub` template into text and variables. `${!Literal}` is the
/// text `${Literal}`; a `${` without a closing brace is text.
pub(crate) fn parse_sub(template: &str) -> Vec<SubPart<'_>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let (before, from_dollar) = rest.split_at(start);
        if !before.is_empty() {
            parts.push(SubPart::Text(before));
        }
        let inner = &from_dollar[2..];
        if let Some(literal) = inner.strip_prefix('!') {
            // `${!Literal}`: the `!` is dropped and the rest is text.
            parts.push(SubPart::Text("${"));
            rest = literal;
            continue;
        }
        match inner.find('}') {
            Some(end) if !inner[..end].trim().is_empty() => {
                parts.push(SubPart::Variable(inner[..end].trim()));
                rest = &inner[end + 1..];
            }
            _ => {
                parts.push(SubPart::Text("${"));
                rest = inner;
            }
        }
    }
    if !rest.is_empty() {
        parts.push(SubPart::Text(rest));
    }
    parts
}

/// Standard Base64 with padding, as `Fn::Base64` encodes.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Compact JSON for `Fn::ToJsonString`, keys in template order. `None` when
/// anything inside is unknown.
pub(crate) fn to_json(node: &Node) -> Option<String> {
    let mut out = String::new();
    write_json(node, &mut out).then_some(out)
}

fn write_json(node: &Node, out: &mut String) -> bool {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => out.push_str(&number_text(*n)),
        Value::Number(_) => out.push_str("null"),
        Value::String(text) => write_json_string(text, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !write_json(item, out) {
                    return false;
                }
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                if !write_json(value, out) {
                    return false;
                }
            }
            out.push('}');
        }
        Value::Unknown(_) => return false,
    }
    true
}

fn write_json_string(text: &str, out: &mut String) {
    match serde_json::to_string(text) {
        Ok(quoted) => out.push_str(&quoted),
        // Serialising a `str` cannot fail; keep the text rather than panic.
        Err(_) => {
            out.push('"');
            out.push_str(text);
            out.push('"');
        }
    }
}

/// `&{Name}` in an `Fn::ForEach` output key drops the characters a logical id
/// cannot hold.
pub(crate) fn alphanumeric(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_what_was_written() {
        assert_eq!(canonical_number("443"), Some(443.0));
        assert_eq!(canonical_number("-1"), Some(-1.0));
        assert_eq!(canonical_number("0.5"), Some(0.5));
        assert_eq!(canonical_number("0"), Some(0.0));
        for text in [
            "0123", "1.0", "11.10", "1e3", "0x1F", ".5", "1.", "-", "", "+1", "-0", "1_000",
        ] {
            assert_eq!(canonical_number(text), None, "{text}");
        }
        assert_eq!(canonical_number("1234567890123456"), None);
    }

    #[test]
    fn sub_templates() {
        use SubPart::{Text, Variable};
        assert_eq!(
            parse_sub("arn:${AWS::Partition}:s3:::${Bucket}/*"),
            vec![
                Text("arn:"),
                Variable("AWS::Partition"),
                Text(":s3:::"),
                Variable("Bucket"),
                Text("/*")
            ]
        );
        assert_eq!(
            parse_sub("${!Literal}-${ Name }"),
            vec![Text("${"), Text("Literal}-"), Variable("Name")]
        );
        assert_eq!(parse_sub("a ${b"), vec![Text("a "), Text("${"), Text("b")]);
        assert_eq!(parse_sub("${}"), vec![Text("${"), Text("}")]);
        assert_eq!(parse_sub(""), vec![]);
    }

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn json_is_compact_and_escaped() {
        let node = Node::new(
            Value::Map(
                vec![
                    ("a".into(), Node::new(Value::String("x\"y".into()), None)),
                    ("b".into(), Node::new(Value::Number(2.0), None)),
                    (
                        "c".into(),
                        Node::new(
                            Value::List(
                                vec![
                                    Node::new(Value::Bool(true), None),
                                    Node::new(Value::Null, None),
                                ]
                                .into(),
                            ),
                            None,
                        ),
                    ),
                ]
                .into(),
            ),
            None,
        );
        assert_eq!(
            to_json(&node).as_deref(),
            Some(r#"{"a":"x\"y","b":2,"c":[true,null]}"#)
        );
    }
}
