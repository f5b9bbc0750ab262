//! Literals that every match of a regular expression contains, read from its
//! syntax: a search for them rules a text out before the expression runs.

use std::ops::RangeInclusive;

use regex_syntax::hir::{Class, Hir, HirKind};

/// The most strings a run of a concatenation may stand for: each small class
/// in a run multiplies them.
const MAX_STRINGS: usize = 64;

/// The most characters a class may hold and still be spelled out.
const MAX_CLASS_CHARS: u32 = 8;

/// Strings such that every match of `hir` contains one of them, or `None`
/// when no such strings are known (a match may be made of large classes and
/// repetitions only). None of them is empty.
///
/// Sound by construction: a match of a concatenation holds a match of each
/// of its parts, side by side; of an alternation, a match of one branch; of
/// a repetition of at least one, a match of what it repeats.
pub(crate) fn required_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(literal) => (!literal.0.is_empty()).then(|| vec![literal.0.to_vec()]),
        HirKind::Capture(capture) => required_literals(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => {
            required_literals(&repetition.sub)
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(required_literals(branch)?);
            }
            Some(all)
        }
        HirKind::Concat(parts) => best(concat_candidates(parts)),
        HirKind::Empty | HirKind::Class(_) | HirKind::Look(_) | HirKind::Repetition(_) => None,
    }
}

/// Every set of strings one of which each match of the concatenation of
/// `parts` contains: the strings of each run of parts that match one of
/// a few strings exactly (literals, small classes, assertions, which match
/// the empty string), and what each other part requires.
fn concat_candidates(parts: &[Hir]) -> Vec<Vec<Vec<u8>>> {
    let mut candidates = Vec::new();
    let mut run: Vec<Vec<u8>> = vec![Vec::new()];
    for part in parts {
        match exact_strings(part).and_then(|strings| product(&run, &strings)) {
            Some(longer) => run = longer,
            None => {
                candidates.push(std::mem::replace(&mut run, vec![Vec::new()]));
                candidates.extend(required_literals(part));
            }
        }
    }
    candidates.push(run);
    // A run of assertions only stands for the empty string, which every
    // text contains.
    candidates.retain(|strings| strings.iter().all(|s| !s.is_empty()));
    candidates
}

/// The strings `hir` matches, when they are few; assertions match the empty
/// string.
fn exact_strings(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(literal) => Some(vec![literal.0.to_vec()]),
        HirKind::Class(class) => class_strings(class),
        HirKind::Capture(capture) => exact_strings(&capture.sub),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(exact_strings(branch)?);
                if all.len() > MAX_STRINGS {
                    return None;
                }
            }
            Some(all)
        }
        HirKind::Concat(parts) => parts.iter().try_fold(vec![Vec::new()], |run, part| {
            product(&run, &exact_strings(part)?)
        }),
        HirKind::Repetition(_) => None,
    }
}

/// Each character of a small class, as UTF-8 (or each byte of a byte class).
fn class_strings(class: &Class) -> Option<Vec<Vec<u8>>> {
    match class {
        Class::Unicode(class) => {
            spelled_out(class.ranges().iter().map(|r| r.start()..=r.end()), |c| {
                c.to_string().into_bytes()
            })
        }
        Class::Bytes(class) => {
            spelled_out(class.ranges().iter().map(|r| r.start()..=r.end()), |b| {
                vec![b]
            })
        }
    }
}

/// Every item of `ranges`, each as `encode` writes it, when there are at
/// most [`MAX_CLASS_CHARS`].
fn spelled_out<T>(
    ranges: impl Iterator<Item = RangeInclusive<T>> + Clone,
    encode: impl Fn(T) -> Vec<u8>,
) -> Option<Vec<Vec<u8>>>
where
    T: Copy + Into<u32>,
    RangeInclusive<T>: Iterator<Item = T>,
{
    let count: u32 = (ranges.clone())
        .map(|r| (*r.end()).into() - (*r.start()).into() + 1)
        .sum();
    (count <= MAX_CLASS_CHARS).then(|| ranges.flatten().map(encode).collect())
}

/// Every string of `left` followed by every string of `right`, unless that
/// is more than [`MAX_STRINGS`].
fn product(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len().saturating_mul(right.len()) > MAX_STRINGS {
        return None;
    }
    Some(
        left.iter()
            .flat_map(|l| right.iter().map(move |r| [l.as_slice(), r].concat()))
            .collect(),
    )
}

/// The candidate whose shortest string is longest (the rarest to find in a
/// text), then the one with the fewest strings.
fn best(candidates: Vec<Vec<Vec<u8>>>) -> Option<Vec<Vec<u8>>> {
    candidates.into_iter().max_by(|a, b| {
        let shortest = |c: &[Vec<u8>]| c.iter().map(Vec::len).min().unwrap_or(0);
        (shortest(a).cmp(&shortest(b))).then_with(|| b.len().cmp(&a.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(pattern: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::parse(pattern).expect("the pattern parses");
        let mut found: Vec<String> = required_literals(&hir)?
            .into_iter()
            .map(|s| String::from_utf8(s).expect("UTF-8"))
            .collect();
        found.sort();
        Some(found)
    }

    #[test]
    fn runs_of_literals_and_small_classes_are_spelled_out() {
        assert_eq!(
            literals(r"\b(?:ghp|gho)_[A-Za-z0-9]{36}\b"),
            Some(vec!["gho_".into(), "ghp_".into()])
        );
        assert_eq!(
            literals(r"\bxox[ab]-[A-Za-z0-9-]{10,}"),
            Some(vec!["xoxa-".into(), "xoxb-".into()])
        );
    }

    #[test]
    fn the_longest_required_part_is_chosen() {
        // `://` rather than `:` or `@`, `.eyJ` rather than `eyJ`.
        assert_eq!(
            literals(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]*:[^\s@/$]{3,}@[^\s/]+"),
            Some(vec!["://".into()])
        );
        assert_eq!(
            literals(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}"),
            Some(vec![".eyJ".into()])
        );
    }

    #[test]
    fn an_alternation_needs_every_branch() {
        assert_eq!(literals(r"(?:^[ \t]*|--)[a-z]+"), None);
        assert_eq!(literals(r"(?:^[ \t]*|--)x+"), Some(vec!["x".into()]));
        assert_eq!(
            literals(r"(?:^[ \t]*|--)(?:requirepass|masterauth)[ =]+"),
            Some(vec!["masterauth".into(), "requirepass".into()])
        );
        assert_eq!(
            literals(r"(?:requirepass|masterauth)[ =]x"),
            Some(vec![
                "masterauth x".into(),
                "masterauth=x".into(),
                "requirepass x".into(),
                "requirepass=x".into()
            ])
        );
        assert_eq!(literals(r"abc|[a-z]+"), None);
        assert_eq!(
            literals(r"abc|x[0-9]+yz"),
            Some(vec!["abc".into(), "yz".into()])
        );
    }

    #[test]
    fn optional_and_class_only_patterns_require_nothing() {
        assert_eq!(literals(r"(?:abc)?[0-9]+"), None);
        assert_eq!(literals(r"[A-Za-z0-9]{20}"), None);
        assert_eq!(literals(r"\b"), None);
        assert_eq!(literals(r"(?:abc){2,}"), Some(vec!["abc".into()]));
    }
}
