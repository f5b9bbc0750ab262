use rampart_config::Tier;
use rampart_source::Span;
use rampart_yaml::Node;

/// Where a resource's tier came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TierOrigin {
    /// The resource's own label (or tag).
    Label {
        key: String,
    },
    /// A label of the pods a workload runs.
    PodLabel {
        key: String,
    },
    /// The label of the resource's Namespace.
    Namespace {
        name: String,
    },
    /// A `LABEL` of a Dockerfile's final stage.
    ImageLabel {
        key: String,
    },
    None,
}

/// A label that carries (or tries to carry) a tier.
#[derive(Clone, Debug)]
pub struct TierLabel {
    pub key: String,
    pub value: String,
    pub span: Span,
    /// `None` when the value is not a tier name.
    pub tier: Option<Tier>,
}

/// The tier labels among `labels`, in the order of the configured keys.
pub fn tier_labels(labels: Option<&Node>, keys: &[String]) -> Vec<TierLabel> {
    let Some(labels) = labels else {
        return Vec::new();
    };
    keys.iter()
        .filter_map(|key| {
            let node = labels.get(key)?;
            let value = node.as_str().unwrap_or_default().to_owned();
            Some(TierLabel {
                key: key.clone(),
                tier: Tier::parse(&value),
                value,
                span: node.span,
            })
        })
        .collect()
}
