use rampart_config::{Config, Severity};
use rampart_model::ImageUse;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "IMG-003",
        name: "image-from-unapproved-registry",
        severity: Severity::High,
        summary: "Image comes from a registry that is not approved",
        requirements: &["P-IIIB2-a", "P-IIIB1-a"],
        docs: RuleDocs {
            what: "Reports every image reference whose registry (and path prefix, when the approved entry has one) is not listed in `images.approved-registries`, in containers, init containers and ephemeral containers of every workload kind, the `FROM` of every Dockerfile stage and `COPY --from=<image>`. Entries match at path boundaries: `ghcr.io/acme` approves `ghcr.io/acme/agent` but not `ghcr.io/acme-corp/agent`; a reference without a registry is a Docker Hub image (`nginx` is `docker.io/library/nginx`), and a bare Docker Hub namespace entry such as `bitnami` means `docker.io/bitnami`. Templated references (`${REGISTRY}/app`, `{{ .Values.image }}`) are never reported. With an empty list the rule checks nothing, and the scan says so.",
            why: "An approved registry is one whose images are built by the organisation's pipelines, scanned for vulnerabilities before and after they are pushed, and protected against tampering. An image pulled from anywhere else skipped all of that: typosquatted and backdoored images on public registries are a known attack path. The policy allows containers only from vetted, secured sources (P-IIIB2-a) and requires every base image to be scanned (P-IIIB1-a).",
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
          image: docker.io/someone/summariser:2.4.1@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
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
            fix: "Mirror or rebuild the image into an approved registry (pulling it through the registry's scanning and signing pipeline) and reference it there. If the registry is in fact vetted, add it, or the narrowest path prefix that covers the image, to `images.approved-registries` in `rampart.toml`.",
        },
    },
    check: Check::Image(check),
    inactive_when: Some(inactive),
};

fn inactive(config: &Config) -> Option<String> {
    config.images.approved_registries.is_empty().then(|| {
        "`images.approved-registries` is empty, so there is no list to check images against"
            .to_owned()
    })
}

fn check(image: &ImageUse, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(reference) = &image.reference else {
        return;
    };
    let approved = &ctx.config.images.approved_registries;
    if approved.is_empty() || approved.iter().any(|a| reference.is_from(a)) {
        return;
    }
    let list = match approved.as_slice() {
        [one] => format!("`{one}`"),
        [first, second] => format!("`{first}` and `{second}`"),
        [first, second, rest @ ..] => {
            format!("`{first}`, `{second}` and {} more", rest.len())
        }
        [] => String::new(),
    };
    sink.report(
        image.span,
        format!(
            "{}: `{}` is pulled from `{}`, outside the approved registries ({list})",
            image.context.describe(),
            image.text.trim(),
            reference.name(),
        ),
    );
}
