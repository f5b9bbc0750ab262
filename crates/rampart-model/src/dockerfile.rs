use rampart_config::Tier;
use rampart_dockerfile::{Dockerfile, Instruction, Stage};
use rampart_source::FileId;

use crate::tier::TierOrigin;

/// A parsed Dockerfile in the project.
#[derive(Debug)]
pub struct DockerfileDoc {
    pub file: FileId,
    pub parsed: Dockerfile,
    /// From a `LABEL <tier key>=<tier>` in the final stage.
    pub tier: Option<Tier>,
    pub tier_origin: TierOrigin,
}

impl DockerfileDoc {
    pub(crate) fn new(file: FileId, parsed: Dockerfile, tier_keys: &[String]) -> Self {
        let labels: Vec<(String, String)> = parsed
            .final_stage()
            .map(|stage| {
                parsed
                    .stage_instructions(stage)
                    .iter()
                    .filter(|i| i.keyword == "LABEL")
                    .flat_map(|i| parse_pairs(&i.arguments))
                    .collect()
            })
            .unwrap_or_default();
        let found = tier_keys.iter().find_map(|key| {
            labels
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| Tier::parse(v).map(|t| (key.clone(), t)))
        });
        let (tier, tier_origin) = match found {
            Some((key, tier)) => (Some(tier), TierOrigin::ImageLabel { key }),
            None => (None, TierOrigin::None),
        };
        Self {
            file,
            parsed,
            tier,
            tier_origin,
        }
    }

    /// Drops the instructions and stages, once every rule about the
    /// Dockerfile has run: its file and tier stay, for its findings.
    pub(crate) fn release(&mut self) {
        self.parsed.instructions = Vec::new();
        self.parsed.stages = Vec::new();
    }

    /// The stage an instruction belongs to.
    pub fn stage_of(&self, instruction_index: usize) -> Option<&Stage> {
        self.parsed
            .stages
            .iter()
            .find(|s| s.instructions.contains(&instruction_index))
    }

    /// Instructions with their index.
    pub fn instructions(&self) -> impl Iterator<Item = (usize, &Instruction)> {
        self.parsed.instructions.iter().enumerate()
    }
}

/// `key=value` pairs of `LABEL` and `ENV` (quotes removed). The legacy
/// `ENV key value` form gives one pair.
pub fn parse_pairs(arguments: &str) -> Vec<(String, String)> {
    let words = split_words(arguments);
    if words.first().is_some_and(|w| !w.contains('=')) {
        // `ENV NAME value with spaces`.
        let mut words = words.into_iter();
        let name = words.next().unwrap_or_default();
        let value = words.collect::<Vec<_>>().join(" ");
        return vec![(name, value)];
    }
    words
        .into_iter()
        .filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

/// Splits on whitespace outside quotes, removing the quotes.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            (None, c) if c.is_whitespace() => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            (_, c) => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs() {
        assert_eq!(
            parse_pairs(r#"a=1 b="two words" c='x'"#),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "two words".into()),
                ("c".into(), "x".into())
            ]
        );
        assert_eq!(
            parse_pairs("DB_PASSWORD hunter2 x"),
            vec![("DB_PASSWORD".into(), "hunter2 x".into())]
        );
    }

    #[test]
    fn tier_from_final_stage_label() {
        let parsed = rampart_dockerfile::parse(
            "FROM a AS build\nLABEL classification=high\nFROM b\nLABEL agent-classification=critical\n",
            "Dockerfile",
        );
        let doc = DockerfileDoc::new(
            FileId(0),
            parsed,
            &["agent-classification".into(), "classification".into()],
        );
        assert_eq!(doc.tier, Some(Tier::Critical));
    }
}
