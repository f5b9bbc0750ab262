//! Terraform's built-in functions, those that decide security-relevant values.
//!
//! A function whose result depends on an unknown argument is unknown; functions
//! that read files, the clock or randomness (`file`, `templatefile`,
//! `timestamp`, `uuid`, hashes) are not evaluated and say so.

use std::net::IpAddr;

use compact_str::{CompactString, ToCompactString, format_compact};
use ipnet::IpNet;
use rampart_iac::{Node, Origin, Unknown, Value};

use crate::eval::{Eval, EvalError, MAX_ITEMS, error, number_text, same, to_text};

fn out(value: Value, origin: Origin) -> Eval {
    Ok(Node::at(value, origin))
}

fn unknown(reason: impl Into<String>, origin: Origin) -> Eval {
    Ok(Node::unknown(
        Unknown::Unevaluated {
            reason: reason.into(),
        },
        Some(origin),
    ))
}

/// Functions that depend on files, time, randomness or cryptography.
const NOT_EVALUATED: &[&str] = &[
    "file",
    "fileexists",
    "fileset",
    "filebase64",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "filebase64sha256",
    "filebase64sha512",
    "templatefile",
    "templatestring",
    "timestamp",
    "plantimestamp",
    "uuid",
    "uuidv5",
    "bcrypt",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "base64sha256",
    "base64sha512",
    "base64gzip",
    "rsadecrypt",
    "abspath",
    "pathexpand",
    "dirname",
    "basename",
    "yamlencode",
    "yamldecode",
    "textencodebase64",
    "textdecodebase64",
    "urlencode",
    "csvdecode",
    "ephemeralasnull",
    "issensitive",
];

pub(crate) fn call(name: &str, args: Vec<Node>, origin: Origin) -> Eval {
    if NOT_EVALUATED.contains(&name) {
        return unknown(
            format!("function `{name}` is not evaluated by rampart"),
            origin,
        );
    }
    // Most functions inspect their arguments: an unknown one makes them unknown.
    let passes_unknowns = matches!(
        name,
        "concat"
            | "merge"
            | "tolist"
            | "toset"
            | "tomap"
            | "flatten"
            | "element"
            | "lookup"
            | "coalesce"
            | "coalescelist"
            | "sensitive"
            | "nonsensitive"
            | "compact"
            | "slice"
            | "reverse"
            | "values"
            | "one"
    );
    if let Some(unknown_arg) = args.iter().find(|a| a.is_unknown()) {
        return Ok(Node::new(unknown_arg.value.clone(), Some(origin)));
    }
    // A policy or container definition encoded with an ARN known only after
    // apply cannot become a string, but its known parts (the actions, the
    // principals) are what rules judge: keep the structure, with each part's
    // position. Rules that read JSON attributes accept both forms.
    if name == "jsonencode"
        && let [value] = args.as_slice()
        && value.contains_unknown()
    {
        return Ok(Node::new(value.value.clone(), Some(origin)));
    }
    if !passes_unknowns && args.iter().any(Node::contains_unknown) {
        return unknown(format!("`{name}` of values known only after apply"), origin);
    }
    match name {
        "length" => length(&args, origin),
        "lookup" => lookup(&args, origin),
        "merge" => merge(&args, origin),
        "concat" => concat(&args, origin),
        "flatten" => {
            let list = list_arg(&args, 0, name)?;
            let mut flat = Vec::new();
            flatten_into(list, &mut flat, 0)?;
            out(Value::List(flat.into()), origin)
        }
        "format" => {
            let format = string_arg(&args, 0, name)?;
            out(
                Value::String(format_string(&format, &args[1..])?.into()),
                origin,
            )
        }
        "formatlist" => formatlist(&args, origin),
        "join" => {
            let separator = string_arg(&args, 0, name)?;
            let mut parts = Vec::new();
            for list in &args[1..] {
                for item in list.items() {
                    match to_text(item)? {
                        Some(text) => parts.push(text),
                        None => return unknown("`join` of values known only after apply", origin),
                    }
                }
            }
            out(Value::String(parts.join(&separator).into()), origin)
        }
        "split" => {
            let separator = string_arg(&args, 0, name)?;
            let text = string_arg(&args, 1, name)?;
            let parts = if separator.is_empty() {
                text.chars().map(|c| c.to_string()).collect::<Vec<_>>()
            } else {
                text.split(separator.as_str()).map(str::to_owned).collect()
            };
            out(
                Value::List(
                    parts
                        .into_iter()
                        .map(|p| Node::at(Value::String(p.into()), origin))
                        .collect(),
                ),
                origin,
            )
        }
        "tolist" | "tuple" => Ok(Node::new(
            list_arg(&args, 0, name)?.value.clone(),
            Some(origin),
        )),
        "toset" => {
            let list = list_arg(&args, 0, name)?;
            let mut items: Vec<Node> = Vec::new();
            for item in list.items() {
                if !items.iter().any(|i| same(i, item)) {
                    items.push(item.clone());
                }
            }
            // Sets are unordered; strings sort, as Terraform shows them.
            items.sort_by(|a, b| match (a.as_str(), b.as_str()) {
                (Some(a), Some(b)) => a.cmp(b),
                _ => std::cmp::Ordering::Equal,
            });
            out(Value::List(items.into()), origin)
        }
        "tomap" | "object" => match args.first().map(|a| &a.value) {
            Some(Value::Map(_)) => Ok(Node::new(args[0].value.clone(), Some(origin))),
            _ => error("tomap() needs an object"),
        },
        "tostring" => match args.first() {
            Some(Node {
                value: Value::Null, ..
            }) => out(Value::Null, origin),
            Some(value) => match to_text(value)? {
                Some(text) => out(Value::String(text), origin),
                None => unknown("tostring of an unknown", origin),
            },
            None => error("tostring() needs one argument"),
        },
        "tonumber" => match args.first() {
            Some(Node {
                value: Value::Null, ..
            }) => out(Value::Null, origin),
            Some(value) => match value.as_f64() {
                Some(n) => out(Value::Number(n), origin),
                None => error("tonumber() of something that is not a number"),
            },
            None => error("tonumber() needs one argument"),
        },
        "tobool" => match args.first() {
            Some(Node {
                value: Value::Null, ..
            }) => out(Value::Null, origin),
            Some(value) => match value.as_bool() {
                Some(b) => out(Value::Bool(b), origin),
                None => error("tobool() of something that is not a boolean"),
            },
            None => error("tobool() needs one argument"),
        },
        "element" => {
            let list = list_arg(&args, 0, name)?;
            let index = number_arg(&args, 1, name)?;
            let items = list.items();
            if items.is_empty() {
                return error("element() of an empty list");
            }
            let i = (index.max(0.0) as usize) % items.len();
            Ok(items[i].clone())
        }
        "cidrsubnet" => {
            let prefix = string_arg(&args, 0, name)?;
            let newbits = number_arg(&args, 1, name)?;
            let netnum = number_arg(&args, 2, name)?;
            out(
                Value::String(cidrsubnet(&prefix, newbits, netnum)?.into()),
                origin,
            )
        }
        "cidrhost" => {
            let prefix = string_arg(&args, 0, name)?;
            let hostnum = number_arg(&args, 1, name)?;
            out(Value::String(cidrhost(&prefix, hostnum)?.into()), origin)
        }
        "cidrnetmask" => {
            let prefix = string_arg(&args, 0, name)?;
            match parse_net(&prefix)? {
                IpNet::V4(net) => out(Value::String(net.netmask().to_string().into()), origin),
                IpNet::V6(_) => error("cidrnetmask() needs an IPv4 prefix"),
            }
        }
        "jsonencode" => {
            let value = args
                .first()
                .ok_or_else(|| EvalError("jsonencode() needs one argument".into()))?;
            out(Value::String(to_json(value).to_string().into()), origin)
        }
        "jsondecode" => {
            let text = string_arg(&args, 0, name)?;
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(json) => Ok(from_json(&json, origin, 0)?),
                Err(e) => error(format!("jsondecode(): {e}")),
            }
        }
        "coalesce" => {
            for arg in &args {
                match &arg.value {
                    Value::Null => continue,
                    Value::String(text) if text.is_empty() => continue,
                    _ => return Ok(arg.clone()),
                }
            }
            error("coalesce() found no non-null, non-empty argument")
        }
        "coalescelist" => {
            for arg in &args {
                if !arg.items().is_empty() || arg.is_unknown() {
                    return Ok(arg.clone());
                }
            }
            error("coalescelist() found no non-empty list")
        }
        "lower" => map_string(&args, name, origin, |s| s.to_lowercase()),
        "upper" => map_string(&args, name, origin, |s| s.to_uppercase()),
        "title" => map_string(&args, name, origin, title),
        "trimspace" => map_string(&args, name, origin, |s| s.trim().to_owned()),
        "chomp" => map_string(&args, name, origin, |s| {
            s.trim_end_matches(['\n', '\r']).to_owned()
        }),
        "strrev" => map_string(&args, name, origin, |s| s.chars().rev().collect()),
        "trim" => {
            let text = string_arg(&args, 0, name)?;
            let cutset = string_arg(&args, 1, name)?;
            out(
                Value::String(text.trim_matches(|c| cutset.contains(c)).into()),
                origin,
            )
        }
        "trimprefix" => {
            let text = string_arg(&args, 0, name)?;
            let prefix = string_arg(&args, 1, name)?;
            out(
                Value::String(text.strip_prefix(prefix.as_str()).unwrap_or(&text).into()),
                origin,
            )
        }
        "trimsuffix" => {
            let text = string_arg(&args, 0, name)?;
            let suffix = string_arg(&args, 1, name)?;
            out(
                Value::String(text.strip_suffix(suffix.as_str()).unwrap_or(&text).into()),
                origin,
            )
        }
        "replace" => {
            let text = string_arg(&args, 0, name)?;
            let search = string_arg(&args, 1, name)?;
            let replacement = string_arg(&args, 2, name)?;
            let replaced = match search.strip_prefix('/').and_then(|s| s.strip_suffix('/')) {
                Some(pattern) if search.len() > 1 => match regex::Regex::new(pattern) {
                    Ok(re) => re
                        .replace_all(&text, replacement.replace("$", "$$").as_str())
                        .into_owned(),
                    Err(e) => return error(format!("replace(): invalid pattern: {e}")),
                },
                _ => text.replace(search.as_str(), &replacement),
            };
            out(Value::String(replaced.into()), origin)
        }
        "substr" => {
            let text = string_arg(&args, 0, name)?;
            let offset = number_arg(&args, 1, name)? as i64;
            let length = number_arg(&args, 2, name)? as i64;
            let chars: Vec<char> = text.chars().collect();
            let len = chars.len() as i64;
            let start = if offset < 0 {
                (len + offset).max(0)
            } else {
                offset.min(len)
            };
            let end = if length < 0 {
                len
            } else {
                (start + length).min(len)
            };
            let start = usize::try_from(start).unwrap_or(0);
            let end = usize::try_from(end).unwrap_or(0).max(start);
            out(Value::String(chars[start..end].iter().collect()), origin)
        }
        "startswith" => {
            let text = string_arg(&args, 0, name)?;
            out(
                Value::Bool(text.starts_with(string_arg(&args, 1, name)?.as_str())),
                origin,
            )
        }
        "endswith" => {
            let text = string_arg(&args, 0, name)?;
            out(
                Value::Bool(text.ends_with(string_arg(&args, 1, name)?.as_str())),
                origin,
            )
        }
        "strcontains" => {
            let text = string_arg(&args, 0, name)?;
            out(
                Value::Bool(text.contains(string_arg(&args, 1, name)?.as_str())),
                origin,
            )
        }
        "contains" => {
            let list = list_arg(&args, 0, name)?;
            let value = args
                .get(1)
                .ok_or_else(|| EvalError("contains() needs two arguments".into()))?;
            out(
                Value::Bool(list.items().iter().any(|i| same(i, value))),
                origin,
            )
        }
        "keys" => match args.first().map(|a| &a.value) {
            Some(Value::Map(entries)) => {
                let mut keys: Vec<&CompactString> = entries.iter().map(|(k, _)| k).collect();
                keys.sort();
                out(
                    Value::List(
                        keys.into_iter()
                            .map(|k| Node::at(Value::String(k.clone()), origin))
                            .collect(),
                    ),
                    origin,
                )
            }
            _ => error("keys() needs a map"),
        },
        "values" => match args.first().map(|a| &a.value) {
            Some(Value::Map(entries)) => {
                let mut sorted: Vec<&(CompactString, Node)> = entries.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                out(
                    Value::List(sorted.into_iter().map(|(_, v)| v.clone()).collect()),
                    origin,
                )
            }
            _ => error("values() needs a map"),
        },
        "distinct" => {
            let list = list_arg(&args, 0, name)?;
            let mut items: Vec<Node> = Vec::new();
            for item in list.items() {
                if !items.iter().any(|i| same(i, item)) {
                    items.push(item.clone());
                }
            }
            out(Value::List(items.into()), origin)
        }
        "compact" => {
            let list = list_arg(&args, 0, name)?;
            let items = list
                .items()
                .iter()
                .filter(|i| !matches!(&i.value, Value::Null) && i.as_str() != Some(""))
                .cloned()
                .collect();
            out(Value::List(items), origin)
        }
        "zipmap" => {
            let keys = list_arg(&args, 0, name)?;
            let values = list_arg(&args, 1, name)?;
            let mut entries = Vec::new();
            for (key, value) in keys.items().iter().zip(values.items()) {
                let Some(key) = to_text(key)? else {
                    return unknown("zipmap() with keys known only after apply", origin);
                };
                entries.push((key, value.clone()));
            }
            out(Value::Map(entries.into()), origin)
        }
        "range" => range(&args, origin),
        "min" | "max" => {
            let numbers = args
                .iter()
                .map(|a| a.as_f64())
                .collect::<Option<Vec<f64>>>();
            let Some(numbers) = numbers.filter(|n| !n.is_empty()) else {
                return error(format!("{name}() needs numbers"));
            };
            let pick = if name == "min" { f64::min } else { f64::max };
            out(
                Value::Number(numbers.into_iter().reduce(pick).unwrap_or(0.0)),
                origin,
            )
        }
        "abs" => out(Value::Number(number_arg(&args, 0, name)?.abs()), origin),
        "ceil" => out(Value::Number(number_arg(&args, 0, name)?.ceil()), origin),
        "floor" => out(Value::Number(number_arg(&args, 0, name)?.floor()), origin),
        "signum" => out(Value::Number(number_arg(&args, 0, name)?.signum()), origin),
        "pow" => out(
            Value::Number(number_arg(&args, 0, name)?.powf(number_arg(&args, 1, name)?)),
            origin,
        ),
        "parseint" => {
            let text = string_arg(&args, 0, name)?;
            let base = number_arg(&args, 1, name)? as u32;
            match i64::from_str_radix(&text, base) {
                Ok(n) => out(Value::Number(n as f64), origin),
                Err(e) => error(format!("parseint(): {e}")),
            }
        }
        "sum" => {
            let list = list_arg(&args, 0, name)?;
            let numbers = list
                .items()
                .iter()
                .map(Node::as_f64)
                .collect::<Option<Vec<f64>>>();
            match numbers {
                Some(numbers) => out(Value::Number(numbers.iter().sum()), origin),
                None => error("sum() needs a list of numbers"),
            }
        }
        "reverse" => {
            let mut items = list_arg(&args, 0, name)?.items().to_vec();
            items.reverse();
            out(Value::List(items.into()), origin)
        }
        "sort" => {
            let list = list_arg(&args, 0, name)?;
            let mut texts = Vec::new();
            for item in list.items() {
                match to_text(item)? {
                    Some(text) => texts.push(text),
                    None => return unknown("sort() of values known only after apply", origin),
                }
            }
            texts.sort();
            out(
                Value::List(
                    texts
                        .into_iter()
                        .map(|t| Node::at(Value::String(t), origin))
                        .collect(),
                ),
                origin,
            )
        }
        "slice" => {
            let list = list_arg(&args, 0, name)?;
            let start = number_arg(&args, 1, name)? as usize;
            let end = number_arg(&args, 2, name)? as usize;
            match list.items().get(start..end) {
                Some(items) => out(Value::List(items.into()), origin),
                None => error("slice() indexes out of range"),
            }
        }
        "index" => {
            let list = list_arg(&args, 0, name)?;
            let value = args
                .get(1)
                .ok_or_else(|| EvalError("index() needs two arguments".into()))?;
            match list.items().iter().position(|i| same(i, value)) {
                Some(i) => out(Value::Number(i as f64), origin),
                None => error("index(): value not in the list"),
            }
        }
        "one" => {
            let list = list_arg(&args, 0, name)?;
            match list.items() {
                [] => out(Value::Null, origin),
                [only] => Ok(only.clone()),
                _ => error("one() of a list with more than one element"),
            }
        }
        "alltrue" | "anytrue" => {
            let list = list_arg(&args, 0, name)?;
            let bools = list
                .items()
                .iter()
                .map(Node::as_bool)
                .collect::<Option<Vec<bool>>>();
            match bools {
                Some(bools) if name == "alltrue" => {
                    out(Value::Bool(bools.iter().all(|b| *b)), origin)
                }
                Some(bools) => out(Value::Bool(bools.iter().any(|b| *b)), origin),
                None => error(format!("{name}() needs a list of booleans")),
            }
        }
        "setunion" | "setintersection" | "setsubtract" => set_operation(name, &args, origin),
        "chunklist" => {
            let list = list_arg(&args, 0, name)?;
            let size = number_arg(&args, 1, name)? as usize;
            if size == 0 {
                return out(
                    Value::List(vec![Node::at(list.value.clone(), origin)].into()),
                    origin,
                );
            }
            let chunks = list
                .items()
                .chunks(size)
                .map(|c| Node::at(Value::List(c.into()), origin))
                .collect();
            out(Value::List(chunks), origin)
        }
        "base64encode" => map_string(&args, name, origin, |s| base64_encode(s.as_bytes())),
        "base64decode" => {
            let text = string_arg(&args, 0, name)?;
            match base64_decode(&text).and_then(|b| String::from_utf8(b).ok()) {
                Some(decoded) => out(Value::String(decoded.into()), origin),
                None => error("base64decode() of something that is not base64 text"),
            }
        }
        "regex" | "regexall" => {
            let pattern = string_arg(&args, 0, name)?;
            let text = string_arg(&args, 1, name)?;
            let re =
                regex::Regex::new(&pattern).map_err(|e| EvalError(format!("{name}(): {e}")))?;
            let capture = |m: regex::Captures<'_>| -> Node {
                if re.captures_len() == 1 {
                    Node::at(
                        Value::String(m.get(0).map_or("", |g| g.as_str()).into()),
                        origin,
                    )
                } else {
                    Node::at(
                        Value::List(
                            (1..re.captures_len())
                                .map(|i| {
                                    Node::at(
                                        Value::String(m.get(i).map_or("", |g| g.as_str()).into()),
                                        origin,
                                    )
                                })
                                .collect(),
                        ),
                        origin,
                    )
                }
            };
            if name == "regex" {
                match re.captures(&text) {
                    Some(m) => Ok(capture(m)),
                    None => error("regex() found no match"),
                }
            } else {
                out(
                    Value::List(re.captures_iter(&text).map(capture).collect()),
                    origin,
                )
            }
        }
        "sensitive" | "nonsensitive" => args
            .into_iter()
            .next()
            .ok_or_else(|| EvalError(format!("{name}() needs one argument"))),
        "type" => unknown("type() is for the console", origin),
        _ => unknown(
            format!("function `{name}` is not evaluated by rampart"),
            origin,
        ),
    }
}

fn arg<'v>(args: &'v [Node], i: usize, name: &str) -> Result<&'v Node, EvalError> {
    args.get(i)
        .ok_or_else(|| EvalError(format!("{name}() needs more arguments")))
}

fn string_arg(args: &[Node], i: usize, name: &str) -> Result<CompactString, EvalError> {
    match to_text(arg(args, i, name)?)? {
        Some(text) => Ok(text),
        None => error(format!("{name}() of an unknown")),
    }
}

fn number_arg(args: &[Node], i: usize, name: &str) -> Result<f64, EvalError> {
    arg(args, i, name)?
        .as_f64()
        .ok_or_else(|| EvalError(format!("{name}() needs a number as argument {}", i + 1)))
}

fn list_arg<'v>(args: &'v [Node], i: usize, name: &str) -> Result<&'v Node, EvalError> {
    let value = arg(args, i, name)?;
    match value.value {
        Value::List(_) => Ok(value),
        _ => error(format!("{name}() needs a list as argument {}", i + 1)),
    }
}

fn map_string(args: &[Node], name: &str, origin: Origin, f: impl Fn(&str) -> String) -> Eval {
    let text = string_arg(args, 0, name)?;
    out(Value::String(f(&text).into()), origin)
}

fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

fn length(args: &[Node], origin: Origin) -> Eval {
    let value = arg(args, 0, "length")?;
    let n = match &value.value {
        Value::List(items) => items.len(),
        Value::Map(entries) => entries.len(),
        Value::String(text) => text.chars().count(),
        _ => return error("length() needs a list, map or string"),
    };
    out(Value::Number(n as f64), origin)
}

fn lookup(args: &[Node], origin: Origin) -> Eval {
    let map = arg(args, 0, "lookup")?;
    let key = string_arg(args, 1, "lookup")?;
    if map.is_unknown() {
        return Ok(Node::new(map.value.clone(), Some(origin)));
    }
    match (map.get(&key), args.get(2)) {
        (Some(found), _) => Ok(found.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => error(format!("lookup(): no key `{key}` and no default")),
    }
}

fn merge(args: &[Node], origin: Origin) -> Eval {
    let mut entries: Vec<(CompactString, Node)> = Vec::new();
    for arg in args {
        match &arg.value {
            Value::Null => {}
            Value::Map(more) => {
                for (key, value) in more {
                    entries.retain(|(k, _)| k != key);
                    entries.push((key.clone(), value.clone()));
                }
            }
            _ => return error("merge() needs maps"),
        }
    }
    out(Value::Map(entries.into()), origin)
}

fn concat(args: &[Node], origin: Origin) -> Eval {
    let mut items = Vec::new();
    for arg in args {
        match &arg.value {
            Value::List(more) => items.extend(more.iter().cloned()),
            _ => return error("concat() needs lists"),
        }
    }
    out(Value::List(items.into()), origin)
}

fn flatten_into(list: &Node, flat: &mut Vec<Node>, depth: usize) -> Result<(), EvalError> {
    if depth > 32 || flat.len() > MAX_ITEMS {
        return error("flatten(): nested too deeply");
    }
    for item in list.items() {
        match &item.value {
            Value::List(_) => flatten_into(item, flat, depth + 1)?,
            _ => flat.push(item.clone()),
        }
    }
    Ok(())
}

fn formatlist(args: &[Node], origin: Origin) -> Eval {
    let format = string_arg(args, 0, "formatlist")?;
    let rest = &args[1..];
    let length = rest
        .iter()
        .filter(|a| matches!(a.value, Value::List(_)))
        .map(|a| a.items().len())
        .max()
        .unwrap_or(1);
    let mut items = Vec::with_capacity(length);
    for i in 0..length {
        let row: Vec<Node> = rest
            .iter()
            .map(|a| match &a.value {
                Value::List(items) => items
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| Node::new(Value::Null, None)),
                _ => a.clone(),
            })
            .collect();
        items.push(Node::at(
            Value::String(format_string(&format, &row)?.into()),
            origin,
        ));
    }
    out(Value::List(items.into()), origin)
}

/// Terraform's `format`: `%s`, `%d`, `%v`, `%q`, `%t`, `%f`, `%%`, with width,
/// precision and the `-`/`0` flags.
fn format_string(format: &str, args: &[Node]) -> Result<String, EvalError> {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars
            .peek()
            .filter(|f| matches!(f, '-' | '0' | '+' | ' ' | '#'))
        {
            flags.push(f);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(d);
                chars.next();
            }
            precision = digits.parse().ok().or(Some(0));
        }
        let Some(verb) = chars.next() else {
            return error("format(): the format ends in the middle of a verb");
        };
        let Some(value) = args.get(next) else {
            return error("format(): not enough arguments for the format");
        };
        next += 1;
        let text = match verb {
            's' | 'v' => {
                to_text(value)?.ok_or_else(|| EvalError("format() of an unknown".into()))?
            }
            'q' => format_compact!("{:?}", to_text(value)?.unwrap_or_default()),
            't' => value
                .as_bool()
                .ok_or_else(|| EvalError("format(): %t needs a boolean".into()))?
                .to_compact_string(),
            'd' => {
                let n = value
                    .as_f64()
                    .ok_or_else(|| EvalError("format(): %d needs a number".into()))?;
                number_text(n.trunc())
            }
            'f' => {
                let n = value
                    .as_f64()
                    .ok_or_else(|| EvalError("format(): %f needs a number".into()))?;
                format_compact!("{n:.*}", precision.unwrap_or(6))
            }
            other => return error(format!("format(): the verb %{other} is not evaluated")),
        };
        let width: usize = width.parse().unwrap_or(0);
        let pad = width.saturating_sub(text.chars().count());
        if flags.contains('-') {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            let fill = if flags.contains('0') { '0' } else { ' ' };
            out.extend(std::iter::repeat_n(fill, pad));
            out.push_str(&text);
        }
    }
    Ok(out)
}

fn range(args: &[Node], origin: Origin) -> Eval {
    let numbers = args.iter().map(Node::as_f64).collect::<Option<Vec<f64>>>();
    let (start, end, step) = match numbers.as_deref() {
        Some([end]) => (0.0, *end, 1.0),
        Some([start, end]) => (*start, *end, if start <= end { 1.0 } else { -1.0 }),
        Some([start, end, step]) => (*start, *end, *step),
        _ => return error("range() needs one to three numbers"),
    };
    if step == 0.0 {
        return error("range(): the step must not be zero");
    }
    let mut items = Vec::new();
    let mut value = start;
    while (step > 0.0 && value < end) || (step < 0.0 && value > end) {
        if items.len() >= MAX_ITEMS {
            return error("range() produces too many numbers");
        }
        items.push(Node::at(Value::Number(value), origin));
        value += step;
    }
    out(Value::List(items.into()), origin)
}

fn set_operation(name: &str, args: &[Node], origin: Origin) -> Eval {
    let mut sets = args.iter().map(|a| match &a.value {
        Value::List(items) => Ok(items.to_vec()),
        _ => error(format!("{name}() needs sets")),
    });
    let mut result = match sets.next() {
        Some(first) => first?,
        None => return error(format!("{name}() needs at least one set")),
    };
    for set in sets {
        let set = set?;
        match name {
            "setunion" => {
                for item in set {
                    if !result.iter().any(|r| same(r, &item)) {
                        result.push(item);
                    }
                }
            }
            "setintersection" => result.retain(|r| set.iter().any(|i| same(i, r))),
            _ => result.retain(|r| !set.iter().any(|i| same(i, r))),
        }
    }
    out(Value::List(result.into()), origin)
}

fn parse_net(prefix: &str) -> Result<IpNet, EvalError> {
    prefix
        .trim()
        .parse::<IpNet>()
        .map_err(|_| EvalError(format!("`{prefix}` is not a CIDR prefix")))
}

fn cidrsubnet(prefix: &str, newbits: f64, netnum: f64) -> Result<String, EvalError> {
    let net = parse_net(prefix)?;
    let newbits = newbits as u8;
    let new_len = net
        .prefix_len()
        .checked_add(newbits)
        .filter(|l| *l <= net.max_prefix_len())
        .ok_or_else(|| EvalError("cidrsubnet(): not enough bits left in the prefix".into()))?;
    if netnum < 0.0 || (newbits < 64 && netnum >= 2f64.powi(i32::from(newbits))) {
        return error("cidrsubnet(): the network number does not fit in the new bits");
    }
    let netnum = netnum as u128;
    let shift = u32::from(net.max_prefix_len() - new_len);
    match net.trunc() {
        IpNet::V4(v4) => {
            let base = u128::from(u32::from(v4.network()));
            let address = base | (netnum << shift);
            let address = u32::try_from(address)
                .map_err(|_| EvalError("cidrsubnet(): out of range".into()))?;
            Ok(format!("{}/{new_len}", std::net::Ipv4Addr::from(address)))
        }
        IpNet::V6(v6) => {
            let base = u128::from(v6.network());
            let address = base | netnum.checked_shl(shift).unwrap_or(0);
            Ok(format!("{}/{new_len}", std::net::Ipv6Addr::from(address)))
        }
    }
}

fn cidrhost(prefix: &str, hostnum: f64) -> Result<String, EvalError> {
    let net = parse_net(prefix)?;
    let size = 2f64.powi(i32::from(net.max_prefix_len() - net.prefix_len()));
    let hostnum = if hostnum < 0.0 {
        size + hostnum
    } else {
        hostnum
    };
    if hostnum < 0.0 || hostnum >= size {
        return error("cidrhost(): the host number does not fit in the prefix");
    }
    let host = hostnum as u128;
    Ok(match net.trunc() {
        IpNet::V4(v4) => {
            let address = u128::from(u32::from(v4.network())) | host;
            IpAddr::from(std::net::Ipv4Addr::from(
                u32::try_from(address).unwrap_or(0),
            ))
            .to_string()
        }
        IpNet::V6(v6) => {
            IpAddr::from(std::net::Ipv6Addr::from(u128::from(v6.network()) | host)).to_string()
        }
    })
}

fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null | Value::Unknown(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
            serde_json::Value::from(*n as i64)
        }
        Value::Number(n) => serde_json::Number::from_f64(*n)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::String(text) => serde_json::Value::String(text.to_string()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => {
            let mut sorted: Vec<&(CompactString, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), to_json(v)))
                    .collect(),
            )
        }
    }
}

fn from_json(json: &serde_json::Value, origin: Origin, depth: usize) -> Eval {
    if depth > 64 {
        return error("jsondecode(): nested too deeply");
    }
    let value = match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(s.as_str().into()),
        serde_json::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|i| from_json(i, origin, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        serde_json::Value::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| Ok((k.as_str().into(), from_json(v, origin, depth + 1)?)))
                .collect::<Result<_, EvalError>>()?,
        ),
    };
    Ok(Node::at(value, origin))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim().bytes().filter(|c| *c != b'=') {
        let value = BASE64.iter().position(|b| *b == c)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(((bits >> count) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_source::{FileId, Span};

    fn o() -> Origin {
        Origin {
            file: FileId(0),
            span: Span::default(),
        }
    }

    fn s(text: &str) -> Node {
        Node::at(Value::String(text.into()), o())
    }

    fn n(value: f64) -> Node {
        Node::at(Value::Number(value), o())
    }

    fn list(items: Vec<Node>) -> Node {
        Node::at(Value::List(items.into()), o())
    }

    fn text(result: Eval) -> String {
        result.unwrap().as_str().unwrap().to_owned()
    }

    #[test]
    fn cidr_functions_match_terraform() {
        assert_eq!(
            text(call(
                "cidrsubnet",
                vec![s("10.0.0.0/16"), n(8.0), n(2.0)],
                o()
            )),
            "10.0.2.0/24"
        );
        assert_eq!(
            text(call(
                "cidrsubnet",
                vec![s("10.0.0.0/16"), n(4.0), n(15.0)],
                o()
            )),
            "10.0.240.0/20"
        );
        assert_eq!(
            text(call(
                "cidrsubnet",
                vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)],
                o()
            )),
            "fd00:fd12:3456:7800:a200::/72"
        );
        assert!(call("cidrsubnet", vec![s("10.0.0.0/16"), n(8.0), n(256.0)], o()).is_err());
        assert_eq!(
            text(call("cidrhost", vec![s("10.12.112.0/20"), n(16.0)], o())),
            "10.12.112.16"
        );
        assert_eq!(
            text(call("cidrhost", vec![s("10.12.112.0/20"), n(-2.0)], o())),
            "10.12.127.254"
        );
    }

    #[test]
    fn format_and_join() {
        assert_eq!(
            text(call("format", vec![s("%s-%03d"), s("sg"), n(7.0)], o())),
            "sg-007"
        );
        assert_eq!(text(call("format", vec![s("%-4s|"), s("a")], o())), "a   |");
        assert_eq!(
            text(call("join", vec![s(","), list(vec![s("a"), n(1.0)])], o())),
            "a,1"
        );
        let split = call("split", vec![s(","), s("a,b")], o()).unwrap();
        assert_eq!(split.items().len(), 2);
    }

    #[test]
    fn collections() {
        let merged = call(
            "merge",
            vec![
                Node::at(
                    Value::Map(vec![("a".into(), n(1.0)), ("b".into(), n(2.0))].into()),
                    o(),
                ),
                Node::at(Value::Map(vec![("b".into(), n(3.0))].into()), o()),
            ],
            o(),
        )
        .unwrap();
        assert_eq!(merged.get("b").unwrap().as_f64(), Some(3.0));
        let flat = call("flatten", vec![list(vec![list(vec![s("a")]), s("b")])], o()).unwrap();
        assert_eq!(flat.items().len(), 2);
        let set = call("toset", vec![list(vec![s("b"), s("a"), s("b")])], o()).unwrap();
        assert_eq!(set.strings(), ["a", "b"]);
        assert_eq!(
            call("element", vec![list(vec![s("a"), s("b")]), n(3.0)], o())
                .unwrap()
                .as_str(),
            Some("b")
        );
        assert_eq!(
            call(
                "coalesce",
                vec![Node::at(Value::Null, o()), s(""), s("x")],
                o()
            )
            .unwrap()
            .as_str(),
            Some("x")
        );
        assert_eq!(call("range", vec![n(3.0)], o()).unwrap().items().len(), 3);
        assert!(call("range", vec![n(1e9)], o()).is_err());
    }

    #[test]
    fn unknowns_propagate_or_pass_through() {
        let unknown = Node::unknown(Unknown::UnsetVariable { name: "x".into() }, None);
        assert!(
            call("upper", vec![unknown.clone()], o())
                .unwrap()
                .is_unknown()
        );
        let joined = call(
            "concat",
            vec![list(vec![unknown.clone()]), list(vec![s("a")])],
            o(),
        )
        .unwrap();
        assert_eq!(joined.items().len(), 2);
        assert!(
            call("join", vec![s(","), list(vec![unknown])], o())
                .unwrap()
                .is_unknown()
        );
        assert!(call("file", vec![s("x")], o()).unwrap().is_unknown());
    }

    #[test]
    fn json_and_base64_round_trip() {
        let encoded = text(call(
            "jsonencode",
            vec![Node::at(
                Value::Map(vec![("b".into(), n(1.0)), ("a".into(), s("x"))].into()),
                o(),
            )],
            o(),
        ));
        assert_eq!(encoded, r#"{"a":"x","b":1}"#);
        let decoded = call("jsondecode", vec![s(&encoded)], o()).unwrap();
        assert_eq!(decoded.get("b").unwrap().as_f64(), Some(1.0));
        assert_eq!(
            text(call("base64encode", vec![s("hunter2")], o())),
            "aHVudGVyMg=="
        );
        assert_eq!(
            text(call("base64decode", vec![s("aHVudGVyMg==")], o())),
            "hunter2"
        );
    }
}
