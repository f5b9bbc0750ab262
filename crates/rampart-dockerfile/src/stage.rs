use std::ops::Range;

use crate::Dockerfile;

/// What a stage is built `FROM`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseImage {
    /// An image reference, with `ARG` defaults substituted.
    Image(String),
    /// An earlier stage of the same Dockerfile (by index).
    Stage(usize),
    /// `FROM scratch`.
    Scratch,
    /// The reference uses a build argument without a default; what it names is
    /// decided at build time.
    Unresolved(String),
}

/// A build stage: a `FROM` and the instructions up to the next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// The name given with `AS`.
    pub name: Option<String>,
    pub base: BaseImage,
    /// The image reference as written.
    pub base_text: String,
    /// Indices into [`Dockerfile::instructions`], the `FROM` first.
    pub instructions: Range<usize>,
}

impl Stage {
    /// How rules and messages name a stage: its `AS` name, or its position.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("stage `{name}`"),
            None => format!("stage {}", self.index),
        }
    }
}

pub(crate) fn assemble(dockerfile: &mut Dockerfile) {
    let global_args: Vec<(String, Option<String>)> = dockerfile
        .global_args()
        .flat_map(|arg| parse_arg(&arg.arguments))
        .collect();

    let mut stages: Vec<Stage> = Vec::new();
    for (i, instruction) in dockerfile.instructions.iter().enumerate() {
        if instruction.keyword != "FROM" {
            if let Some(stage) = stages.last_mut() {
                stage.instructions.end = i + 1;
            }
            continue;
        }
        let mut words = instruction.arguments.split_whitespace();
        let base_text = words.next().unwrap_or_default().to_owned();
        let name = match (words.next(), words.next()) {
            (Some(kw), Some(name)) if kw.eq_ignore_ascii_case("as") => {
                Some(name.to_ascii_lowercase())
            }
            _ => None,
        };
        let base = match substitute(&base_text, &global_args) {
            None => BaseImage::Unresolved(base_text.clone()),
            Some(image) if image.eq_ignore_ascii_case("scratch") => BaseImage::Scratch,
            Some(image) => {
                let lower = image.to_ascii_lowercase();
                match stages
                    .iter()
                    .position(|s| s.name.as_deref() == Some(lower.as_str()))
                {
                    Some(index) => BaseImage::Stage(index),
                    None => BaseImage::Image(image),
                }
            }
        };
        stages.push(Stage {
            index: stages.len(),
            name,
            base,
            base_text,
            instructions: i..i + 1,
        });
    }
    dockerfile.stages = stages;
}

/// `ARG NAME=default` (several may share one instruction).
pub(crate) fn parse_arg(arguments: &str) -> Vec<(String, Option<String>)> {
    arguments
        .split_whitespace()
        .map(|word| match word.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(unquote(value).to_owned())),
            None => (word.to_owned(), None),
        })
        .collect()
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// Substitutes `$NAME`, `${NAME}`, `${NAME:-default}` from `ARG` defaults.
/// `None` when a variable has no value.
fn substitute(text: &str, args: &[(String, Option<String>)]) -> Option<String> {
    let lookup = |name: &str| -> Option<String> {
        args.iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}')?;
            let expr = &braced[..end];
            let value = match expr.split_once(":-") {
                Some((name, default)) => lookup(name).unwrap_or_else(|| default.to_owned()),
                None => lookup(expr)?,
            };
            out.push_str(&value);
            rest = &braced[end + 1..];
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            out.push_str(&lookup(&after[..end])?);
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::{BaseImage, parse};

    #[test]
    fn stages_resolve_args_and_earlier_stages() {
        let df = parse(
            "ARG BASE=python:3.12-slim\nARG TAG\nFROM ${BASE} AS build\nRUN make\nFROM build AS test\nFROM gcr.io/distroless/base:${TAG}\nFROM scratch\n",
            "Dockerfile",
        );
        let bases: Vec<_> = df.stages.iter().map(|s| s.base.clone()).collect();
        assert_eq!(
            bases,
            vec![
                BaseImage::Image("python:3.12-slim".into()),
                BaseImage::Stage(0),
                BaseImage::Unresolved("gcr.io/distroless/base:${TAG}".into()),
                BaseImage::Scratch,
            ]
        );
        assert_eq!(df.stage_instructions(&df.stages[0]).len(), 2);
        assert_eq!(df.global_args().count(), 2);
        assert_eq!(df.stages[1].label(), "stage `test`");
    }

    #[test]
    fn default_values_in_braces() {
        let df = parse("FROM ${IMG:-alpine:3.20}\n", "Dockerfile");
        assert_eq!(df.stages[0].base, BaseImage::Image("alpine:3.20".into()));
    }
}
