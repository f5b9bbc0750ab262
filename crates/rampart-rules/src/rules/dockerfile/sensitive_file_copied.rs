use rampart_config::Severity;
use rampart_model::DockerfileDoc;

use super::{base_name, copy_destination, copy_sources};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "DF-005",
        name: "sensitive-file-copied",
        severity: Severity::High,
        summary: "Secret file copied into the image",
        requirements: &["P-IIB2-a", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports `COPY` and `ADD` (also `COPY --from`) whose sources name a file that holds credentials: `.env` and `.env.<name>` (not `.env.example`, `.env.sample`, `.env.template`, `.env.dist`, `.env.defaults`), SSH private keys (`id_rsa`, `id_ed25519`, `id_ecdsa`, `id_dsa`, a `.ssh/` directory other than `known_hosts`, `config` or a `.pub` key), `.aws/` (other than `.aws/config`), `credentials` files, `*.pem` and `*.key` (not certificates and CA bundles, nor public and GPG keys, judged by name and by a destination in a CA store), key stores (`*.p12`, `*.pfx`, `*.jks`, `*.keystore`, `*.ppk`), `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.pgpass`, `.docker/config.json`, kubeconfigs and Terraform state (`*.tfstate`). Wildcards that select such files (`*.pem`, `.env*`) count. `COPY . .` is not reported: what it copies depends on the build context and `.dockerignore`, which the scan does not see.",
            why: "Every file copied into a layer stays in the image, even if a later step deletes it, and anyone who can pull the image (every node, every registry mirror, every developer) can read it. A key or token in the build context is also, most of the time, a file someone committed or will. The policy requires secrets to come from a vault at runtime (P-IIB2-a) and never be committed (P-IIB2-b); build-time secrets belong in `RUN --mount=type=secret`.",
            fail: Example::dockerfile(
                r#"FROM node:22-slim@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev
COPY src ./src
USER 10001
"#,
            ),
            pass: Example::dockerfile(
                r#"FROM node:22-slim@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm ci --omit=dev
COPY src ./src
USER 10001
"#,
            ),
            fix: "Stop copying the file: mount it for the one step that needs it with `RUN --mount=type=secret,id=<id>,target=<path> …` (build with `--secret id=<id>,src=<file>`), use `RUN --mount=type=ssh` for SSH keys, and pass runtime secrets to the container from a Secret. Add the file to `.dockerignore` so a broad `COPY` cannot pick it up, and rotate it if an image with it was ever pushed.",
        },
    },
    check: Check::Dockerfile(check),
    inactive_when: None,
};

/// Words of a file name (`rds-combined-ca-bundle.pem` → rds, combined, ca, bundle, pem).
fn tokens(name: &str) -> Vec<&str> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Names of `.pem` files that hold certificates, not keys.
fn is_certificate_name(name: &str) -> bool {
    tokens(name).iter().any(|t| {
        t.starts_with("cert")
            || matches!(
                *t,
                "ca" | "cacert"
                    | "cacerts"
                    | "chain"
                    | "fullchain"
                    | "bundle"
                    | "root"
                    | "rootca"
                    | "intermediate"
                    | "trust"
                    | "truststore"
                    | "crt"
                    | "public"
                    | "pub"
            )
    })
}

/// Names of `.key` files that hold public or package-signing keys.
fn is_public_key_name(name: &str) -> bool {
    tokens(name).iter().any(|t| {
        matches!(
            *t,
            "pub"
                | "public"
                | "gpg"
                | "pgp"
                | "asc"
                | "keyring"
                | "signing"
                | "apt"
                | "repo"
                | "release"
        )
    })
}

/// Destinations where certificates are installed.
fn is_certificate_store(destination: &str) -> bool {
    let lower = destination.to_ascii_lowercase();
    [
        "ca-certificates",
        "/certs",
        "ca-trust",
        "/etc/ssl/",
        "/etc/pki/",
    ]
    .iter()
    .any(|d| lower.contains(d))
}

/// What sensitive file a source names, or `None`.
fn sensitive(source: &str, destination: &str) -> Option<&'static str> {
    let path = source.trim_end_matches('/').to_ascii_lowercase();
    let components: Vec<&str> = path.split(['/', '\\']).collect();
    let name = base_name(source);
    let has_component = |c: &str| components.contains(&c);
    const EXAMPLES: &[&str] = &[
        "example", "sample", "template", "dist", "defaults", "default", "schema",
    ];

    if matches!(
        name.as_str(),
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk"
    ) {
        return Some("an SSH private key");
    }
    if has_component(".ssh") {
        let harmless = matches!(name.as_str(), "known_hosts" | "config" | "authorized_keys")
            || name.ends_with(".pub");
        return (!harmless).then_some("SSH keys");
    }
    if has_component(".aws") {
        return (name != "config").then_some("AWS credentials");
    }
    if has_component(".docker") && name == "config.json" {
        return Some("Docker registry credentials");
    }
    if has_component(".kube") && name == "config" {
        return Some("a kubeconfig");
    }
    if let Some(suffix) = name.strip_prefix(".env") {
        let variant = suffix.trim_start_matches(['.', '-', '_']);
        let is_env = suffix.is_empty()
            || suffix.starts_with(['.', '*'])
            || suffix.starts_with(['-', '_']) && !variant.is_empty();
        let is_example = EXAMPLES.iter().any(|e| variant.starts_with(e));
        return (is_env && !is_example).then_some("an environment file");
    }
    let stem = name.split('.').next().unwrap_or_default();
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
    match name.as_str() {
        ".npmrc" => return Some("npm credentials"),
        ".pypirc" => return Some("PyPI credentials"),
        ".netrc" | "_netrc" => return Some("netrc credentials"),
        ".git-credentials" => return Some("Git credentials"),
        ".pgpass" => return Some("PostgreSQL passwords"),
        _ => {}
    }
    if stem == "credentials"
        && matches!(
            extension,
            "credentials"
                | "json"
                | "yaml"
                | "yml"
                | "csv"
                | "ini"
                | "xml"
                | "toml"
                | "conf"
                | "cfg"
                | "txt"
        )
    {
        return Some("a credentials file");
    }
    if name.contains("kubeconfig") {
        return Some("a kubeconfig");
    }
    if name.ends_with(".tfstate") || name.ends_with(".tfstate.backup") {
        return Some("Terraform state, which holds every secret Terraform manages");
    }
    match extension {
        "p12" | "pfx" | "jks" | "keystore" => Some("a key store"),
        "ppk" => Some("a PuTTY private key"),
        "pem" if !is_certificate_name(&path) && !is_certificate_store(destination) => {
            Some("a PEM file, usually a private key")
        }
        "key" if !is_public_key_name(&path) && !is_certificate_store(destination) => {
            Some("a private key")
        }
        _ => None,
    }
}

fn check(doc: &DockerfileDoc, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    for instruction in &doc.parsed.instructions {
        if instruction.keyword != "COPY" && instruction.keyword != "ADD" {
            continue;
        }
        let destination = copy_destination(instruction).unwrap_or_default();
        for source in copy_sources(instruction) {
            let lower = source.to_ascii_lowercase();
            if lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("git@")
            {
                continue;
            }
            if let Some(what) = sensitive(&source, &destination) {
                sink.report(
                    instruction.span,
                    format!(
                        "`{}` puts `{source}` ({what}) into the image, where anyone who can pull it can read it",
                        instruction.keyword
                    ),
                );
            }
        }
    }
}
