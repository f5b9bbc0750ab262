use rampart_config::Severity;
use rampart_model::ImageUse;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "IMG-001",
        name: "mutable-image-tag",
        severity: Severity::High,
        summary: "Image reference has no tag or uses `latest`",
        requirements: &["P-IIIB2-a", "P-IIIA1-a"],
        docs: RuleDocs {
            what: "Reports every image reference that names no version: no tag and no digest (`nginx`, which the runtime reads as `nginx:latest`), or the tag `latest` in any case, without a valid digest. It checks the images of containers, init containers and ephemeral containers of every workload kind, the `FROM` of every Dockerfile stage and `COPY --from=<image>`. A reference with a valid `@sha256:` digest is pinned whatever its tag says, since the runtime pulls by digest; a malformed digest (`@sha256:abc`) pins nothing. References the scanner cannot read because they are templated (`${REGISTRY}/app`, `{{ .Values.image }}`, a build argument without a default) are never reported.",
            why: "`latest` and an absent tag are whatever the registry points them at when the node or the builder pulls: two replicas of the same Deployment can run different code, a rollback redeploys the new image, and a compromised or simply updated upstream image lands in production without a review. The policy allows only vetted images (P-IIIB2-a) and requires production to be immutable (P-IIIA1-a); an image that can change under the same name is neither.",
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
          image: registry.example.com/agents/summariser:latest
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
            fix: "Reference a released version, ideally pinned by digest: `image: registry.example.com/agents/summariser:2.4.1@sha256:<digest>` (`docker buildx imagetools inspect <image>` prints the digest). Let a dependency bot (Renovate, Dependabot) propose updates, so every change of image is a reviewed commit.",
        },
    },
    check: Check::Image(check),
    inactive_when: None,
};

fn check(image: &ImageUse, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(reference) = &image.reference else {
        return;
    };
    let Some(reason) = super::mutable_reason(reference) else {
        return;
    };
    sink.report(
        image.span,
        format!(
            "{}: `{}` {reason}; the image can change without any change to this file",
            image.context.describe(),
            image.text.trim(),
        ),
    );
}
