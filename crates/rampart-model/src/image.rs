use rampart_source::Span;

use crate::kubernetes::ContainerKind;
use crate::project::Subject;

/// A container image reference, normalised the way container runtimes read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// `docker.io` when the reference names no registry.
    pub registry: String,
    /// `library/nginx` for `nginx`.
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:…`.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses `[registry/]repository[:tag][@digest]`. `None` for text that is not
    /// a literal reference (templated with `${…}`, `$(…)` or `{{…}}`, or empty).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty()
            || text.contains(char::is_whitespace)
            || text.contains('$')
            || text.contains("{{")
        {
            return None;
        }
        let (name, digest) = match text.split_once('@') {
            Some((name, digest)) => (name, Some(digest.to_owned())),
            None => (text, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(colon) => {
                let split = last_slash + colon;
                (&name[..split], Some(name[split + 1..].to_owned()))
            }
            None => (name, None),
        };
        if name.is_empty() {
            return None;
        }
        // Without a `/` there is no registry part: `foo.bar` is Docker Hub's
        // `library/foo.bar`, however much it looks like a host name.
        let (registry, repository) = if name.contains('/') {
            split_registry(name)
        } else {
            ("docker.io".to_owned(), name)
        };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository.to_owned()
        };
        Some(Self {
            registry,
            repository,
            tag: tag.filter(|t| !t.is_empty()),
            digest: digest.filter(|d| !d.is_empty()),
        })
    }

    /// `registry/repository`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Whether the image comes from `approved`, a registry optionally followed by a
    /// path prefix (`ghcr.io/acme`); matched at path boundaries.
    pub fn is_from(&self, approved: &str) -> bool {
        let approved = approved.trim().trim_end_matches('/');
        let (registry, path) = split_registry(approved);
        // A bare Docker Hub namespace such as `bitnami` means `docker.io/bitnami`.
        if registry != self.registry {
            return false;
        }
        path.is_empty()
            || self.repository == path
            || self
                .repository
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// Splits off the registry host the way Docker does: the first path component is
/// a registry when it contains `.` or `:`, or is `localhost`.
fn split_registry(name: &str) -> (String, &str) {
    match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            let registry = match first {
                "index.docker.io" | "registry-1.docker.io" => "docker.io",
                other => other,
            };
            (registry.to_ascii_lowercase(), rest)
        }
        _ if name.contains(['.', ':']) && !name.contains('/') => (name.to_ascii_lowercase(), ""),
        _ => ("docker.io".to_owned(), name),
    }
}

/// Where an image is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageContext {
    /// A container of a Kubernetes workload.
    Container { kind: ContainerKind, name: String },
    /// The base image of a Dockerfile stage.
    Stage { label: String, is_final: bool },
    /// `COPY --from=<image>` in a Dockerfile stage.
    CopyFrom { label: String },
}

impl ImageContext {
    pub fn describe(&self) -> String {
        match self {
            Self::Container { kind, name } => format!("{} `{name}`", kind.noun()),
            Self::Stage { label, .. } => format!("base image of {label}"),
            Self::CopyFrom { label } => format!("`COPY --from` image in {label}"),
        }
    }
}

/// One use of an image.
#[derive(Clone, Debug)]
pub struct ImageUse {
    pub subject: Subject,
    /// As written (after `ARG` substitution in Dockerfiles).
    pub text: String,
    /// `None` when the text is not a literal reference.
    pub reference: Option<ImageRef>,
    pub span: Span,
    pub context: ImageContext,
}

impl ImageUse {
    /// The use with its subject moved (see [`Subject::moved`]).
    pub(crate) fn moved(mut self, objects: usize, dockerfiles: usize) -> Self {
        self.subject = self.subject.moved(objects, dockerfiles);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> ImageRef {
        ImageRef::parse(text).unwrap()
    }

    #[test]
    fn docker_hub_shorthands() {
        let nginx = r("nginx");
        assert_eq!(nginx.name(), "docker.io/library/nginx");
        assert_eq!(nginx.tag, None);
        assert_eq!(r("bitnami/redis:7.2").name(), "docker.io/bitnami/redis");
        assert_eq!(r("index.docker.io/library/nginx:1").registry, "docker.io");
        assert_eq!(r("foo.bar:1").name(), "docker.io/library/foo.bar");
    }

    #[test]
    fn registries_ports_tags_and_digests() {
        let img = r("registry.example.com:5000/team/app:1.2@sha256:abc");
        assert_eq!(img.registry, "registry.example.com:5000");
        assert_eq!(img.repository, "team/app");
        assert_eq!(img.tag.as_deref(), Some("1.2"));
        assert_eq!(img.digest.as_deref(), Some("sha256:abc"));
        let img = r("localhost/app");
        assert_eq!(img.registry, "localhost");
        let img = r("ghcr.io/acme/app@sha256:abc");
        assert_eq!(img.tag, None);
    }

    #[test]
    fn templated_references_are_not_parsed() {
        assert!(ImageRef::parse("${REGISTRY}/app:1").is_none());
        assert!(ImageRef::parse("{{ .Values.image }}").is_none());
        assert!(ImageRef::parse("").is_none());
    }

    #[test]
    fn approval_matches_at_path_boundaries() {
        let img = r("ghcr.io/acme/app:1");
        assert!(img.is_from("ghcr.io"));
        assert!(img.is_from("ghcr.io/acme"));
        assert!(img.is_from("ghcr.io/acme/"));
        assert!(!img.is_from("ghcr.io/acm"));
        assert!(!img.is_from("docker.io"));
        assert!(r("nginx").is_from("docker.io/library"));
        assert!(r("bitnami/redis").is_from("bitnami"));
        assert!(
            r("123456789012.dkr.ecr.us-east-1.amazonaws.com/agents/x:1")
                .is_from("123456789012.dkr.ecr.us-east-1.amazonaws.com")
        );
    }
}
