use rampart_config::Severity;
use rampart_dockerfile::BaseImage;
use rampart_model::DockerfileDoc;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "DF-001",
        name: "dockerfile-runs-as-root",
        severity: Severity::High,
        summary: "Image runs as root",
        requirements: &["S-PSS-01", "G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports a Dockerfile whose final stage (the image that ships) ends with `USER root`, `USER 0` or `USER 0:<group>`, or sets no `USER` at all while building from an image other than `scratch` or a base published as non-root (a tag containing `nonroot`, as distroless images use). A `USER` in an earlier stage does not carry over to the final one; a final stage built `FROM` an earlier stage inherits that stage's last `USER`.",
            why: "Without a `USER`, the container's process runs as root unless every deployment remembers to override it. Agents are held to the `restricted` Pod Security profile, which refuses root; an image that needs root either fails to start there or pushes teams to weaken the profile.",
            fail: Example::dockerfile(
                r#"FROM python:3.12-slim@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
COPY app /app
CMD ["python", "/app/main.py"]
"#,
            ),
            pass: Example::dockerfile(
                r#"FROM python:3.12-slim@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
COPY app /app
USER 10001:10001
CMD ["python", "/app/main.py"]
"#,
            ),
            fix: "Add `USER <uid>:<gid>` with a non-zero numeric id after the last step that needs root (package installs). Numeric ids let Kubernetes verify `runAsNonRoot` without reading `/etc/passwd`.",
        },
    },
    check: Check::Dockerfile(check),
    inactive_when: None,
};

/// Whether a `USER` argument names root.
fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default().trim();
    name == "root" || name == "0"
}

/// The last `USER` of a stage, following `FROM <earlier stage>` back.
fn last_user(doc: &DockerfileDoc, stage_index: usize, depth: usize) -> Option<(usize, String)> {
    let stage = doc.parsed.stages.get(stage_index)?;
    let own = doc
        .parsed
        .instructions
        .get(stage.instructions.clone())?
        .iter()
        .enumerate()
        .rev()
        .find(|(_, i)| i.keyword == "USER")
        .map(|(offset, i)| {
            (
                stage.instructions.start + offset,
                i.arguments.trim().to_owned(),
            )
        });
    match (own, &stage.base) {
        (Some(found), _) => Some(found),
        // Bounded: a stage can only name an earlier one, but stay safe anyway.
        (None, BaseImage::Stage(parent)) if depth < 64 => last_user(doc, *parent, depth + 1),
        _ => None,
    }
}

fn base_is_non_root(stage: &rampart_dockerfile::Stage) -> bool {
    let BaseImage::Image(text) = &stage.base else {
        return false;
    };
    let tag = text
        .split('@')
        .next()
        .and_then(|name| name.rsplit_once(':'))
        .map(|(_, tag)| tag.to_ascii_lowercase())
        .unwrap_or_default();
    tag.contains("nonroot") || tag.contains("non-root")
}

fn check(doc: &DockerfileDoc, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(stage) = doc.parsed.final_stage() else {
        return;
    };
    match last_user(doc, stage.index, 0) {
        Some((index, user)) if is_root(&user) => {
            let instruction = &doc.parsed.instructions[index];
            sink.report(
                instruction.span,
                format!("the image runs as `{user}`: the last `USER` of the final stage is root"),
            );
        }
        Some(_) => {}
        None if stage.base == BaseImage::Scratch => {}
        // Distroless and Chainguard publish non-root variants under these tags.
        None if base_is_non_root(stage) => {}
        None => {
            let from = &doc.parsed.instructions[stage.instructions.start];
            sink.report(
                from.span,
                "the final stage sets no `USER`, so the image runs as its base image's user: root, unless the base image sets another",
            );
        }
    }
}
