use rampart_config::Severity;
use rampart_model::ImageUse;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "IMG-002",
        name: "image-not-pinned-by-digest",
        severity: Severity::Medium,
        summary: "Image is not pinned by digest",
        requirements: &["P-IIIA1-a", "P-IIIB2-a"],
        docs: RuleDocs {
            what: "Reports every image reference with a version tag but no valid `@sha256:` digest, in containers, init containers and ephemeral containers of every workload kind, the `FROM` of every Dockerfile stage and `COPY --from=<image>`. A tag plus a digest (`app:1.4.2@sha256:…`) is pinned: the runtime pulls the digest and the tag only documents it. A digest must be `sha256:` followed by 64 lower-case hex digits (or `sha512:` and 128); a malformed one pins nothing and is reported. References without a tag or with `latest` are reported by IMG-001 instead, so one reference never gets both findings; templated references (`${REGISTRY}/app:1`, `{{ .Values.image }}`) are never reported.",
            why: "A tag is a pointer the registry lets anyone with push rights move: `app:1.4.2` today and `app:1.4.2` after a re-push or a registry compromise are different images, and nothing in the manifest changes. Only a digest names the exact bytes that were scanned and approved. The policy requires production to be immutable and images referenced by digest (P-IIIA1-a), and only vetted images to run (P-IIIB2-a).",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: summariser
          image: registry.example.com/agents/summariser:2.4.1
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: summariser
          image: registry.example.com/agents/summariser:2.4.1@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
"#,
            ),
            fix: "Append the digest of the tested image and keep the tag for readers: `image: registry.example.com/agents/summariser:2.4.1@sha256:<digest>`. `docker buildx imagetools inspect <image>` or `crane digest <image>` prints it; Renovate and Dependabot update tag and digest together.",
        },
    },
    check: Check::Image(check),
    inactive_when: None,
};

fn check(image: &ImageUse, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(reference) = &image.reference else {
        return;
    };
    // IMG-001 reports untagged and `latest` references; never both on one line.
    if super::is_pinned(reference) || super::mutable_reason(reference).is_some() {
        return;
    }
    let what = match reference.digest.as_deref() {
        Some(digest) => format!(
            "has a malformed digest `{digest}`, which pins nothing ({})",
            super::DIGEST_SHAPE
        ),
        None => "is not pinned by digest".to_owned(),
    };
    sink.report(
        image.span,
        format!(
            "{}: `{}` {what}; the tag can be moved to another image",
            image.context.describe(),
            image.text.trim(),
        ),
    );
}
