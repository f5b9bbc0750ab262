//! The internet edge, related: load balancers with their listeners and the
//! tier of what they front, WAFv2 web ACLs parsed into rules, what each ACL
//! protects and where it logs, Shield Advanced protections, and Network
//! Firewall (policies, rule groups, and whether a subnet's way to the internet
//! passes a firewall).
//!
//! Terraform (HCL and plans) and CloudFormation arrive in one shape: Terraform
//! nested blocks are lists of maps, CloudFormation properties are maps and
//! lists in PascalCase; the views here read both, and a web ACL's `rule_json`
//! too. Anything that cannot be told from the code (a reference rampart cannot
//! resolve, a `dynamic` block over an unknown collection) makes the answer
//! `None` or `Unknown`, never "missing": rules report nothing on it.

use std::collections::{BTreeSet, HashMap, HashSet};

use rampart_config::Tier;
use rampart_iac::{BlockKind, Language, Node, Origin, Resource, Unknown, Value};
use rayon::prelude::*;

use crate::Project;
use crate::project::FastMap;

// ----- resource types -------------------------------------------------------

pub const LOAD_BALANCER_TYPES: &[&str] = &[
    "aws_lb",
    "aws_alb",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
];
pub const LISTENER_TYPES: &[&str] = &[
    "aws_lb_listener",
    "aws_alb_listener",
    "AWS::ElasticLoadBalancingV2::Listener",
];
pub const LISTENER_RULE_TYPES: &[&str] = &[
    "aws_lb_listener_rule",
    "aws_alb_listener_rule",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
];
pub const TARGET_GROUP_TYPES: &[&str] = &[
    "aws_lb_target_group",
    "aws_alb_target_group",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
];
const TARGET_GROUP_ATTACHMENT_TYPES: &[&str] = &[
    "aws_lb_target_group_attachment",
    "aws_alb_target_group_attachment",
];
pub const WEB_ACL_TYPES: &[&str] = &["aws_wafv2_web_acl", "AWS::WAFv2::WebACL"];
pub const WAF_RULE_GROUP_TYPES: &[&str] = &["aws_wafv2_rule_group", "AWS::WAFv2::RuleGroup"];
const WEB_ACL_RULE_GROUP_ASSOCIATION_TYPES: &[&str] = &["aws_wafv2_web_acl_rule_group_association"];
pub const WEB_ACL_ASSOCIATION_TYPES: &[&str] = &[
    "aws_wafv2_web_acl_association",
    "AWS::WAFv2::WebACLAssociation",
];
pub const IP_SET_TYPES: &[&str] = &["aws_wafv2_ip_set", "AWS::WAFv2::IPSet"];
pub const WAF_LOGGING_TYPES: &[&str] = &[
    "aws_wafv2_web_acl_logging_configuration",
    "AWS::WAFv2::LoggingConfiguration",
];
pub const SHIELD_PROTECTION_TYPES: &[&str] = &["aws_shield_protection", "AWS::Shield::Protection"];
pub const CLOUDFRONT_TYPES: &[&str] = &[
    "aws_cloudfront_distribution",
    "AWS::CloudFront::Distribution",
];
pub const ACCELERATOR_TYPES: &[&str] = &[
    "aws_globalaccelerator_accelerator",
    "AWS::GlobalAccelerator::Accelerator",
];
pub const FIREWALL_TYPES: &[&str] = &[
    "aws_networkfirewall_firewall",
    "AWS::NetworkFirewall::Firewall",
];
pub const FIREWALL_POLICY_TYPES: &[&str] = &[
    "aws_networkfirewall_firewall_policy",
    "AWS::NetworkFirewall::FirewallPolicy",
];
const FIREWALL_RULE_GROUP_TYPES: &[&str] = &[
    "aws_networkfirewall_rule_group",
    "AWS::NetworkFirewall::RuleGroup",
];
pub const SUBNET_TYPES: &[&str] = &["aws_subnet", "AWS::EC2::Subnet"];
const ROUTE_TABLE_TYPES: &[&str] = &[
    "aws_route_table",
    "aws_default_route_table",
    "AWS::EC2::RouteTable",
];
const ROUTE_TYPES: &[&str] = &["aws_route", "AWS::EC2::Route"];
const ROUTE_TABLE_ASSOCIATION_TYPES: &[&str] = &[
    "aws_route_table_association",
    "AWS::EC2::SubnetRouteTableAssociation",
];
const MAIN_ROUTE_TABLE_ASSOCIATION_TYPES: &[&str] = &["aws_main_route_table_association"];
const NAT_GATEWAY_TYPES: &[&str] = &["aws_nat_gateway", "AWS::EC2::NatGateway"];
const INTERNET_GATEWAY_TYPES: &[&str] = &[
    "aws_internet_gateway",
    "AWS::EC2::InternetGateway",
    "aws_egress_only_internet_gateway",
    "AWS::EC2::EgressOnlyInternetGateway",
];
const VPC_TYPES: &[&str] = &["aws_vpc", "AWS::EC2::VPC"];

// ----- reading values -------------------------------------------------------

/// A value that is set: written (or planned) and not `null`.
fn present(node: Option<&Node>) -> Option<&Node> {
    node.filter(|n| !n.is_null())
}

/// How keys are spelled: Terraform's snake_case, or the PascalCase of
/// CloudFormation and the AWS APIs (a web ACL's `rule_json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    Terraform,
    Api,
}

impl Dialect {
    fn of(resource: &Resource) -> Self {
        match resource.language {
            Language::CloudFormation => Self::Api,
            Language::Terraform | Language::TerraformPlan => Self::Terraform,
        }
    }

    fn key<'k>(self, terraform: &'k str, api: &'k str) -> &'k str {
        match self {
            Self::Terraform => terraform,
            Self::Api => api,
        }
    }
}

/// An attribute in either spelling, when set.
fn field<'a>(node: &'a Node, dialect: Dialect, terraform: &str, api: &str) -> Option<&'a Node> {
    present(node.get(dialect.key(terraform, api)))
}

/// The (first) nested block `key` (Terraform) or the map (CloudFormation).
fn sub_block<'a>(node: &'a Node, dialect: Dialect, terraform: &str, api: &str) -> Option<&'a Node> {
    field(node, dialect, terraform, api).and_then(|n| n.blocks().next())
}

/// Whether a nested block is present but cannot be read: unknown, or a list
/// holding an unknown (a `dynamic` block over an unknown collection).
fn unknown_blocks(node: Option<&Node>) -> bool {
    node.is_some_and(|n| n.is_unknown() || n.items().iter().any(Node::is_unknown))
}

/// Every block of a nested block, or `None` when some cannot be read.
fn all_blocks(node: Option<&Node>) -> Option<Vec<&Node>> {
    if unknown_blocks(node) {
        return None;
    }
    Some(node.map(|n| n.blocks().collect()).unwrap_or_default())
}

fn is_resource(resource: &Resource) -> bool {
    resource.kind == BlockKind::Resource && !resource.attributes.is_unknown()
}

/// Indices of the managed resources of `types` (data sources excluded).
pub fn resources_of<'p>(
    project: &'p Project,
    types: &'p [&str],
) -> impl Iterator<Item = usize> + 'p {
    project
        .resources_of_types(types)
        .into_iter()
        .filter(move |&i| is_resource(&project.resources[i]))
}

fn resource(project: &Project, index: usize) -> Option<&Resource> {
    project.resources.get(index).map(|resource| &**resource)
}

fn scope_of(project: &Project, index: usize) -> &str {
    project.scope_of(index)
}

fn tier_of(project: &Project, index: usize) -> Option<Tier> {
    project.resource_tiers.get(index).copied().flatten()
}

fn type_is(project: &Project, index: usize, types: &[&str]) -> bool {
    resource(project, index).is_some_and(|r| types.contains(&r.resource_type.as_str()))
}

/// What a value names: resources of the scan, literal strings (ARNs, ids),
/// and whether some of it cannot be resolved.
#[derive(Debug, Default)]
pub struct Named<'a> {
    pub resources: Vec<usize>,
    pub literals: Vec<&'a Node>,
    pub unresolved: bool,
}

/// What `node`, written in resource `from`, names.
pub fn named<'a>(project: &Project, from: usize, node: &'a Node) -> Named<'a> {
    let scope = scope_of(project, from);
    let mut out = Named::default();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Unknown(unknown) if matches!(**unknown, Unknown::Reference { .. }) => {
                let found = project.link_targets(scope, n);
                if found.is_empty() {
                    out.unresolved = true;
                }
                out.resources.extend(found.iter().map(|(i, _)| *i));
            }
            Value::Unknown(_) => out.unresolved = true,
            Value::List(items) => stack.extend(items.iter().rev()),
            Value::String(_) => out.literals.push(n),
            _ => {}
        }
    }
    out
}

/// Every resource a resource's attributes refer to.
fn forward_references(project: &Project, from: usize) -> Vec<usize> {
    forward_references_with(project, from, &mut Vec::new())
}

/// [`forward_references`], walking with `stack` (left empty): one stack
/// serves every resource a thread walks, instead of one allocated for each.
fn forward_references_with<'p>(
    project: &'p Project,
    from: usize,
    stack: &mut Vec<&'p Node>,
) -> Vec<usize> {
    let Some(r) = resource(project, from) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    stack.clear();
    stack.push(&r.attributes);
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Unknown(unknown) => {
                if let Unknown::Reference { address, .. } = &**unknown {
                    out.extend(project.resources_named_from(from, address));
                }
            }
            Value::List(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The text written at a value's place, when it is on one line: a template
/// whose value is unknown (`"arn:aws:…:${data.aws_region.current.region}:…/Name"`)
/// still shows its literal parts.
fn written_text(project: &Project, node: &Node) -> Option<String> {
    let origin = node.origin?;
    if origin.span.start.line != origin.span.end.line {
        return None;
    }
    let line = project
        .files
        .get(origin.file.index())?
        .line(origin.span.start.line)?;
    let start = usize::try_from(origin.span.start.column.saturating_sub(1)).ok()?;
    let end = usize::try_from(origin.span.end.column.saturating_sub(1)).ok()?;
    let text: String = line
        .chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    (!text.is_empty()).then_some(text)
}

// ----- load balancers and listeners ----------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LbType {
    Application,
    Network,
    Gateway,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    InternetFacing,
    Internal,
}

/// An Elastic Load Balancing v2 load balancer.
#[derive(Clone, Copy, Debug)]
pub struct LoadBalancer<'p> {
    pub index: usize,
    pub resource: &'p Resource,
    /// `None` when not known (the type is a value known after apply).
    pub lb_type: Option<LbType>,
    pub exposure: Option<Exposure>,
    /// The node that makes it internet-facing (`internal = false`,
    /// `Scheme: internet-facing`); `None` when that is AWS's default.
    pub exposure_node: Option<&'p Node>,
    pub name: Option<&'p str>,
}

/// A load balancer, from its index.
pub fn load_balancer(project: &Project, index: usize) -> Option<LoadBalancer<'_>> {
    let r = resource(project, index)?;
    if !LOAD_BALANCER_TYPES.contains(&r.resource_type.as_str()) || !is_resource(r) {
        return None;
    }
    let type_node = present(r.attr("load_balancer_type", "Type"));
    let lb_type = match type_node {
        None => Some(LbType::Application),
        Some(n) => match n.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("application") => Some(LbType::Application),
            Some("network") => Some(LbType::Network),
            Some("gateway") => Some(LbType::Gateway),
            _ => None,
        },
    };
    let (exposure, exposure_node) = if r.is_cloudformation() {
        match present(r.get("Scheme")) {
            None => (Some(Exposure::InternetFacing), None),
            Some(n) => match n.as_str() {
                Some("internal") => (Some(Exposure::Internal), None),
                Some("internet-facing") => (Some(Exposure::InternetFacing), Some(n)),
                _ => (None, None),
            },
        }
    } else {
        match present(r.get("internal")) {
            None => (Some(Exposure::InternetFacing), None),
            Some(n) => match n.as_bool() {
                Some(true) => (Some(Exposure::Internal), None),
                Some(false) => (Some(Exposure::InternetFacing), Some(n)),
                None => (None, None),
            },
        }
    };
    // A gateway load balancer has no scheme: it is never an entry point.
    let exposure = if lb_type == Some(LbType::Gateway) {
        Some(Exposure::Internal)
    } else {
        exposure
    };
    Some(LoadBalancer {
        index,
        resource: r,
        lb_type,
        exposure,
        exposure_node,
        name: present(r.attr("name", "Name")).and_then(Node::as_str),
    })
}

/// What a listener or listener rule does with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    Forward,
    Redirect,
    FixedResponse,
    Authenticate,
    Other(String),
    Unknown,
}

/// One action of a listener (`default_action`, `DefaultActions`) or a
/// listener rule (`action`, `Actions`).
#[derive(Clone, Debug)]
pub struct Action<'p> {
    pub kind: ActionKind,
    /// The action's block (Terraform) or map.
    pub node: &'p Node,
    /// `type` / `Type`.
    pub type_node: Option<&'p Node>,
    /// The redirect's block, for a redirect.
    pub redirect: Option<&'p Node>,
    /// The redirect's `protocol` (`None`: unset, which keeps the request's
    /// protocol, `#{protocol}`).
    pub redirect_protocol: Option<&'p Node>,
    /// The target group ARNs the action forwards to.
    pub target_groups: Vec<&'p Node>,
}

impl Action<'_> {
    /// Whether the action redirects to HTTPS.
    pub fn redirects_to_https(&self) -> Option<bool> {
        if self.kind != ActionKind::Redirect {
            return Some(false);
        }
        match self.redirect_protocol {
            None => Some(false),
            Some(n) => n.as_str().map(|p| p.eq_ignore_ascii_case("HTTPS")),
        }
    }
}

/// The actions of a listener or listener rule; `None` when they cannot be read.
fn actions<'p>(r: &'p Resource, terraform: &str, api: &str) -> Option<Vec<Action<'p>>> {
    let dialect = Dialect::of(r);
    let blocks = all_blocks(present(r.attributes.get(dialect.key(terraform, api))))?;
    let mut out = Vec::new();
    for block in blocks {
        let type_node = field(block, dialect, "type", "Type");
        let kind = match type_node {
            None => ActionKind::Unknown,
            Some(n) => match n.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("forward") => ActionKind::Forward,
                Some("redirect") => ActionKind::Redirect,
                Some("fixed-response") => ActionKind::FixedResponse,
                Some("authenticate-oidc" | "authenticate-cognito") => ActionKind::Authenticate,
                Some(other) => ActionKind::Other(other.to_owned()),
                None => ActionKind::Unknown,
            },
        };
        let redirect = sub_block(block, dialect, "redirect", "RedirectConfig");
        let redirect_protocol = redirect.and_then(|n| field(n, dialect, "protocol", "Protocol"));
        let mut target_groups = Vec::new();
        if let Some(arn) = field(block, dialect, "target_group_arn", "TargetGroupArn") {
            target_groups.push(arn);
        }
        if let Some(forward) = sub_block(block, dialect, "forward", "ForwardConfig") {
            let groups = field(forward, dialect, "target_group", "TargetGroups");
            for group in groups.into_iter().flat_map(Node::blocks) {
                if let Some(arn) = field(group, dialect, "arn", "TargetGroupArn") {
                    target_groups.push(arn);
                }
            }
        }
        out.push(Action {
            kind,
            node: block,
            type_node,
            redirect,
            redirect_protocol,
            target_groups,
        });
    }
    Some(out)
}

/// An ELBv2 listener.
#[derive(Clone, Debug)]
pub struct Listener<'p> {
    pub index: usize,
    pub resource: &'p Resource,
    /// The load balancers `load_balancer_arn` names (none when unresolved).
    pub load_balancers: Vec<usize>,
    /// The protocol in upper case: as written, or the default (`HTTP` on an
    /// application load balancer); `None` when not known.
    pub protocol: Option<String>,
    /// Where the protocol was written (`None` for the default).
    pub protocol_node: Option<&'p Node>,
    pub ssl_policy: Option<&'p Node>,
    /// `None` when the default actions cannot be read.
    pub default_actions: Option<Vec<Action<'p>>>,
}

/// A listener, from its index.
pub fn listener(project: &Project, index: usize) -> Option<Listener<'_>> {
    let r = resource(project, index)?;
    if !LISTENER_TYPES.contains(&r.resource_type.as_str()) || !is_resource(r) {
        return None;
    }
    let load_balancers: Vec<usize> = present(r.attr("load_balancer_arn", "LoadBalancerArn"))
        .map(|n| named(project, index, n).resources)
        .unwrap_or_default()
        .into_iter()
        .filter(|&i| type_is(project, i, LOAD_BALANCER_TYPES))
        .collect();
    let protocol_node = present(r.attr("protocol", "Protocol"));
    let protocol = match protocol_node {
        Some(n) => n.as_str().map(str::to_ascii_uppercase),
        // Unset: HTTP on an application load balancer (the API's default).
        None => {
            let types: BTreeSet<Option<LbType>> = load_balancers
                .iter()
                .map(|&i| load_balancer(project, i).and_then(|lb| lb.lb_type))
                .collect();
            (types.len() == 1 && types.contains(&Some(LbType::Application)))
                .then(|| "HTTP".to_owned())
        }
    };
    Some(Listener {
        index,
        resource: r,
        load_balancers,
        protocol,
        protocol_node,
        ssl_policy: present(r.attr("ssl_policy", "SslPolicy")),
        default_actions: actions(r, "default_action", "DefaultActions"),
    })
}

/// An ELBv2 listener rule.
#[derive(Clone, Debug)]
pub struct ListenerRule<'p> {
    pub index: usize,
    pub resource: &'p Resource,
    /// The listeners `listener_arn` names.
    pub listeners: Vec<Listener<'p>>,
    pub actions: Option<Vec<Action<'p>>>,
}

pub fn listener_rule(project: &Project, index: usize) -> Option<ListenerRule<'_>> {
    let r = resource(project, index)?;
    if !LISTENER_RULE_TYPES.contains(&r.resource_type.as_str()) || !is_resource(r) {
        return None;
    }
    let listeners = present(r.attr("listener_arn", "ListenerArn"))
        .map(|n| named(project, index, n).resources)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| listener(project, i))
        .collect();
    Some(ListenerRule {
        index,
        resource: r,
        listeners,
        actions: actions(r, "action", "Actions"),
    })
}

/// What a TLS security policy of Elastic Load Balancing accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsPolicy {
    /// TLS 1.2 or newer only.
    Tls12OrNewer,
    /// Also accepts an older protocol (the oldest is named).
    AcceptsOlder(&'static str),
    /// Not a predefined policy rampart knows.
    NotKnown,
}

/// The security policy a listener gets when `ssl_policy` / `SslPolicy` is not
/// set through the API, the AWS CLI, CloudFormation or Terraform.
pub const DEFAULT_TLS_POLICY: &str = "ELBSecurityPolicy-2016-08";

/// Predefined ELB security policies that also accept TLS 1.0 or 1.1, from the
/// policy tables of "Security policies for your Application Load Balancer"
/// and "… Network Load Balancer"
/// (docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
const OLDER_TLS_POLICIES: &[(&str, &str)] = &[
    ("ELBSecurityPolicy-2016-08", "TLS 1.0"),
    ("ELBSecurityPolicy-2015-05", "TLS 1.0"),
    ("ELBSecurityPolicy-TLS-1-0-2015-04", "TLS 1.0"),
    ("ELBSecurityPolicy-FS-2018-06", "TLS 1.0"),
    ("ELBSecurityPolicy-TLS-1-1-2017-01", "TLS 1.1"),
    ("ELBSecurityPolicy-FS-1-1-2019-08", "TLS 1.1"),
];

/// The TLS 1.2+ allowlist. ELB names its policies after the oldest protocol
/// they accept: `ELBSecurityPolicy-TLS13-1-2-*` and `-TLS13-1-3-*` (the TLS 1.3
/// families, with their `Res`, `Ext0`–`Ext2`, `FIPS` and post-quantum `PQ`
/// variants), `ELBSecurityPolicy-TLS-1-2-*` and `ELBSecurityPolicy-FS-1-2-*`
/// accept nothing older than TLS 1.2; `-TLS13-1-0-*` and `-TLS13-1-1-*`
/// accept TLS 1.0 and 1.1.
const TLS12_POLICY_PREFIXES: &[&str] = &[
    "ELBSecurityPolicy-TLS13-1-2-",
    "ELBSecurityPolicy-TLS13-1-3-",
    "ELBSecurityPolicy-TLS-1-2-",
    "ELBSecurityPolicy-FS-1-2-",
];
const OLDER_TLS_POLICY_PREFIXES: &[(&str, &str)] = &[
    ("ELBSecurityPolicy-TLS13-1-0-", "TLS 1.0"),
    ("ELBSecurityPolicy-TLS13-1-1-", "TLS 1.1"),
];

/// Whether an ELB security policy accepts only TLS 1.2 or newer.
pub fn tls_policy(name: &str) -> TlsPolicy {
    let name = name.trim();
    if let Some((_, oldest)) = OLDER_TLS_POLICIES.iter().find(|(p, _)| *p == name) {
        return TlsPolicy::AcceptsOlder(oldest);
    }
    if let Some((_, oldest)) = OLDER_TLS_POLICY_PREFIXES
        .iter()
        .find(|(p, _)| name.starts_with(p))
    {
        return TlsPolicy::AcceptsOlder(oldest);
    }
    if TLS12_POLICY_PREFIXES
        .iter()
        .any(|p| name.starts_with(p) && name.len() > p.len())
    {
        return TlsPolicy::Tls12OrNewer;
    }
    TlsPolicy::NotKnown
}

// ----- the edge view --------------------------------------------------------

/// The types whose scopes [`Edge`] gathers referrers in.
const REFERRED_TYPES: [&[&str]; 3] = [LOAD_BALANCER_TYPES, LISTENER_TYPES, TARGET_GROUP_TYPES];

/// Which resources refer to which, built once for rules that relate many
/// edge resources.
pub struct Edge<'p> {
    pub project: &'p Project,
    /// Which resources refer to each resource of a scope that holds a load
    /// balancer, a listener or a target group (see [`Edge::referrers`]).
    referrers: FastMap<usize, Vec<usize>>,
}

/// The tier an entry point serves, and how rampart knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServedTier {
    pub tier: Tier,
    /// `None`: the resource's own tag; else the resource whose tier it is (a
    /// target group, an instance, an ECS service, a load balancer behind a
    /// CloudFront distribution).
    pub via: Option<usize>,
}

/// Whether something is in place: `Some(true)`, `Some(false)`, or `None` when
/// the code cannot tell.
pub type Known = Option<bool>;

/// What kind of internet entry point a resource is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    LoadBalancer,
    CloudFront,
    Accelerator,
}

/// The web ACLs associated with an entry point.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Association {
    /// Web ACLs of the scan.
    pub acls: Vec<usize>,
    /// Also associated with an ACL managed elsewhere (or one rampart cannot
    /// resolve).
    pub external: bool,
}

impl Association {
    pub fn is_protected(&self) -> bool {
        self.external || !self.acls.is_empty()
    }
}

/// A resource that receives traffic from the internet.
#[derive(Clone, Copy, Debug)]
pub struct EntryPoint {
    pub index: usize,
    pub kind: EntryKind,
    pub tier: Option<ServedTier>,
}

impl<'p> Edge<'p> {
    pub fn build(project: &'p Project) -> Self {
        // Referrers are asked for from a load balancer: its listeners, their
        // rules, the target groups those forward to, and what registers with
        // the groups (see `referrers`). A reference leads within its scope
        // only, so only the scopes that hold one of those are walked: walking
        // every resource's values is a read of the whole model from memory,
        // for a view that most scopes (and many scans) never ask of.
        let mut scopes: Vec<&str> = (project
            .resources_of_types(&REFERRED_TYPES.concat())
            .into_iter())
        .map(|i| scope_of(project, i))
        .collect();
        scopes.sort_unstable();
        scopes.dedup();
        let mut walked: Vec<usize> = (scopes.into_iter())
            .flat_map(|scope| project.resources_in(scope).iter().copied())
            .collect();
        walked.sort_unstable();
        // Their resources' references, found on every core, then inverted
        // in index order.
        let references: Vec<(usize, Vec<usize>)> = walked
            .par_iter()
            .filter(|&&i| resource(project, i).is_some_and(is_resource))
            .map_init(Vec::new, |stack, &i| {
                (i, forward_references_with(project, i, stack))
            })
            .collect();
        let mut referrers: FastMap<usize, Vec<usize>> = FastMap::default();
        for (i, targets) in references {
            for target in targets {
                if target != i {
                    referrers.entry(target).or_default().push(i);
                }
            }
        }
        Self { project, referrers }
    }

    /// The resources whose attributes refer to `index`, which must be in a
    /// scope that holds a load balancer, a listener or a target group: those
    /// of other scopes are not gathered (see [`Edge::build`]).
    fn referrers(&self, index: usize) -> &[usize] {
        debug_assert!(
            (self
                .project
                .resources_in(scope_of(self.project, index))
                .iter())
            .any(|&i| REFERRED_TYPES
                .iter()
                .any(|types| type_is(self.project, i, types))),
            "referrers asked of a scope that was not walked"
        );
        self.referrers.get(&index).map_or(&[], Vec::as_slice)
    }

    fn referrers_of(
        &self,
        index: usize,
        types: &'static [&'static str],
    ) -> impl Iterator<Item = usize> + '_ {
        self.referrers(index)
            .iter()
            .copied()
            .filter(move |&i| type_is(self.project, i, types))
    }

    /// Every resource of `types` in the scope of `index` (including itself).
    fn in_scope(
        &self,
        index: usize,
        types: &'static [&'static str],
    ) -> impl Iterator<Item = usize> + '_ {
        let project = self.project;
        let scope = scope_of(project, index);
        types
            .iter()
            .flat_map(move |t| project.resources_in_of_types(scope, std::slice::from_ref(t)))
            .filter(move |&i| is_resource(&project.resources[i]))
    }

    /// The target groups a load balancer routes to, through its listeners'
    /// default actions and their listener rules.
    pub fn target_groups_of(&self, lb: usize) -> Vec<usize> {
        let project = self.project;
        let mut groups = BTreeSet::new();
        for l in self.referrers_of(lb, LISTENER_TYPES) {
            let Some(listener) = listener(project, l) else {
                continue;
            };
            if !listener.load_balancers.contains(&lb) {
                continue;
            }
            let mut all: Vec<Action<'_>> = listener.default_actions.unwrap_or_default();
            for rule in self.referrers_of(l, LISTENER_RULE_TYPES) {
                if let Some(rule) = listener_rule(project, rule) {
                    all.extend(rule.actions.unwrap_or_default());
                }
            }
            for action in &all {
                for arn in &action.target_groups {
                    groups.extend(
                        named(project, l, arn)
                            .resources
                            .into_iter()
                            .filter(|&i| type_is(project, i, TARGET_GROUP_TYPES)),
                    );
                }
            }
        }
        groups.into_iter().collect()
    }

    /// The tier of what a target group routes to: its own tag, else the most
    /// critical tier among its attachments' targets and the resources that
    /// register with it (Auto Scaling groups, ECS services, CloudFormation
    /// `Targets`). `group` must be a target group: the referrers of other
    /// resources are not all gathered (see [`Edge::build`]).
    pub fn target_group_tier(&self, group: usize) -> Option<ServedTier> {
        let project = self.project;
        if let Some(tier) = tier_of(project, group) {
            return Some(ServedTier {
                tier,
                via: Some(group),
            });
        }
        let mut found: Vec<(Tier, usize)> = Vec::new();
        for &r in self.referrers(group) {
            if type_is(project, r, LISTENER_TYPES) || type_is(project, r, LISTENER_RULE_TYPES) {
                continue;
            }
            if type_is(project, r, TARGET_GROUP_ATTACHMENT_TYPES) {
                let targets = resource(project, r)
                    .and_then(|a| present(a.get("target_id")))
                    .map(|n| named(project, r, n).resources)
                    .unwrap_or_default();
                found.extend(
                    targets
                        .iter()
                        .filter_map(|&t| tier_of(project, t).map(|x| (x, t))),
                );
                if let Some(tier) = tier_of(project, r) {
                    found.push((tier, r));
                }
                continue;
            }
            if let Some(tier) = tier_of(project, r) {
                found.push((tier, r));
            }
        }
        // CloudFormation registers targets on the group itself.
        if let Some(targets) = resource(project, group).and_then(|g| present(g.get("Targets"))) {
            for target in targets.blocks() {
                if let Some(id) = present(target.get("Id")) {
                    for t in named(project, group, id).resources {
                        if let Some(tier) = tier_of(project, t) {
                            found.push((tier, t));
                        }
                    }
                }
            }
        }
        found
            .into_iter()
            .max_by_key(|(tier, _)| *tier)
            .map(|(tier, via)| ServedTier {
                tier,
                via: Some(via),
            })
    }

    /// The tier a load balancer serves: its own tag, else the most critical
    /// tier of its target groups.
    pub fn load_balancer_tier(&self, lb: usize) -> Option<ServedTier> {
        if let Some(tier) = tier_of(self.project, lb) {
            return Some(ServedTier { tier, via: None });
        }
        self.target_groups_of(lb)
            .into_iter()
            .filter_map(|g| self.target_group_tier(g))
            .max_by_key(|t| t.tier)
    }

    /// The tier a CloudFront distribution or accelerator serves: its own
    /// tag, else the most critical tier of the load balancers it refers to.
    fn fronting_tier(&self, index: usize) -> Option<ServedTier> {
        if let Some(tier) = tier_of(self.project, index) {
            return Some(ServedTier { tier, via: None });
        }
        forward_references(self.project, index)
            .into_iter()
            .filter(|&i| type_is(self.project, i, LOAD_BALANCER_TYPES))
            .filter_map(|lb| {
                self.load_balancer_tier(lb).map(|t| ServedTier {
                    tier: t.tier,
                    via: Some(lb),
                })
            })
            .max_by_key(|t| t.tier)
    }

    /// The internet-facing entry points: internet-facing application and
    /// network load balancers, CloudFront distributions, Global Accelerator
    /// accelerators.
    pub fn internet_entry_points(&self) -> Vec<EntryPoint> {
        let project = self.project;
        let mut out = Vec::new();
        for i in resources_of(project, LOAD_BALANCER_TYPES) {
            if load_balancer(project, i).is_some_and(|lb| {
                lb.exposure == Some(Exposure::InternetFacing) && lb.lb_type != Some(LbType::Gateway)
            }) {
                out.push(EntryPoint {
                    index: i,
                    kind: EntryKind::LoadBalancer,
                    tier: self.load_balancer_tier(i),
                });
            }
        }
        for (types, kind) in [
            (CLOUDFRONT_TYPES, EntryKind::CloudFront),
            (ACCELERATOR_TYPES, EntryKind::Accelerator),
        ] {
            for i in resources_of(project, types) {
                out.push(EntryPoint {
                    index: i,
                    kind,
                    tier: self.fronting_tier(i),
                });
            }
        }
        out
    }

    /// Whether a literal ARN names web ACL `acl`
    /// (`arn:aws:wafv2:…:regional/webacl/<name>/<id>`).
    fn arn_names_acl(&self, arn: &Node, acl: usize) -> bool {
        let Some(name) = resource(self.project, acl)
            .and_then(|r| present(r.attr("name", "Name")))
            .and_then(Node::as_str)
        else {
            return false;
        };
        arn.as_str()
            .is_some_and(|text| text.contains(&format!("/webacl/{name}/")))
    }

    /// Whether a literal ARN names load balancer `lb`
    /// (`arn:aws:elasticloadbalancing:…:loadbalancer/app/<name>/<id>`).
    fn arn_names(&self, arn: &Node, target: usize) -> bool {
        let Some(name) = load_balancer(self.project, target).and_then(|lb| lb.name) else {
            return false;
        };
        arn.as_str().is_some_and(|text| {
            ["loadbalancer/app/", "loadbalancer/net/"]
                .iter()
                .any(|kind| text.contains(&format!("{kind}{name}/")))
        })
    }

    /// The resources of `types` (in `target`'s scope) whose `attribute`
    /// (`resource_arn`) names `target`; `None` when one of them names
    /// something rampart cannot resolve, which may be `target`.
    fn attached(
        &self,
        target: usize,
        types: &'static [&'static str],
        terraform: &str,
        api: &str,
    ) -> Option<Vec<usize>> {
        let project = self.project;
        let is_lb = type_is(project, target, LOAD_BALANCER_TYPES);
        let mut found = Vec::new();
        let mut unknown = false;
        for i in self.in_scope(target, types) {
            let Some(value) = resource(project, i).and_then(|r| present(r.attr(terraform, api)))
            else {
                continue;
            };
            let names = named(project, i, value);
            if names.resources.contains(&target)
                || names.literals.iter().any(|l| self.arn_names(l, target))
            {
                found.push(i);
                continue;
            }
            // A literal ARN names a load balancer by its name; other ARNs
            // (a CloudFront distribution's id) cannot be matched to the code.
            let literal_may_be_target = !is_lb
                && names
                    .literals
                    .iter()
                    .any(|l| l.as_str().is_some_and(|t| !t.contains(":loadbalancer/")));
            if names.unresolved || literal_may_be_target {
                unknown = true;
            }
        }
        if found.is_empty() && unknown {
            None
        } else {
            Some(found)
        }
    }

    /// The web ACLs associated with an entry point; `None` when the code
    /// cannot tell.
    pub fn web_acls_of(&self, entry: usize) -> Option<Association> {
        let project = self.project;
        let mut out = Association::default();
        // CloudFront names its ACL itself.
        if type_is(project, entry, CLOUDFRONT_TYPES) {
            let r = resource(project, entry)?;
            let id = if r.is_cloudformation() {
                r.path(&["DistributionConfig", "WebACLId"])
            } else {
                r.get("web_acl_id")
            };
            if let Some(id) = present(id) {
                let names = named(project, entry, id);
                out.external = names.resources.is_empty();
                out.acls.extend(names.resources);
            }
        }
        let associations = match self.attached(
            entry,
            WEB_ACL_ASSOCIATION_TYPES,
            "resource_arn",
            "ResourceArn",
        ) {
            Some(a) => a,
            None if out.is_protected() => Vec::new(),
            None => return None,
        };
        for a in associations {
            let Some(acl) =
                resource(project, a).and_then(|r| present(r.attr("web_acl_arn", "WebACLArn")))
            else {
                out.external = true;
                continue;
            };
            let acls: Vec<usize> = named(project, a, acl)
                .resources
                .into_iter()
                .filter(|&i| type_is(project, i, WEB_ACL_TYPES))
                .collect();
            out.external = out.external || acls.is_empty();
            out.acls.extend(acls);
        }
        out.acls.sort_unstable();
        out.acls.dedup();
        Some(out)
    }

    /// Whether an entry point has a Shield Advanced protection
    /// (`aws_shield_protection`, `AWS::Shield::Protection`).
    pub fn shield_protected(&self, entry: usize) -> Known {
        self.attached(
            entry,
            SHIELD_PROTECTION_TYPES,
            "resource_arn",
            "ResourceArn",
        )
        .map(|found| !found.is_empty())
    }

    /// The entry points a web ACL protects (associations and CloudFront
    /// distributions naming it), and whether an association names an ACL
    /// rampart cannot resolve (it may be this one).
    pub fn protected_by(&self, acl: usize) -> (Vec<usize>, bool) {
        let project = self.project;
        let mut protected = BTreeSet::new();
        let mut unknown = false;
        for a in self.in_scope(acl, WEB_ACL_ASSOCIATION_TYPES) {
            let Some(r) = resource(project, a) else {
                continue;
            };
            let Some(acl_arn) = present(r.attr("web_acl_arn", "WebACLArn")) else {
                continue;
            };
            let names = named(project, a, acl_arn);
            if names.resources.contains(&acl) {
                if let Some(target) = present(r.attr("resource_arn", "ResourceArn")) {
                    let targets = named(project, a, target);
                    unknown = unknown || targets.unresolved;
                    protected.extend(targets.resources);
                }
            } else if names.unresolved {
                unknown = true;
            }
        }
        for d in self.in_scope(acl, CLOUDFRONT_TYPES) {
            let Some(r) = resource(project, d) else {
                continue;
            };
            let id = if r.is_cloudformation() {
                r.path(&["DistributionConfig", "WebACLId"])
            } else {
                r.get("web_acl_id")
            };
            if let Some(id) = present(id)
                && named(project, d, id).resources.contains(&acl)
            {
                protected.insert(d);
            }
        }
        (protected.into_iter().collect(), unknown)
    }

    /// The tier a web ACL protects: the most critical tier of the entry
    /// points it protects, else its own tag.
    pub fn web_acl_tier(&self, acl: usize) -> Option<ServedTier> {
        let (protected, _) = self.protected_by(acl);
        let served = protected
            .into_iter()
            .filter_map(|entry| {
                let tier = if type_is(self.project, entry, LOAD_BALANCER_TYPES) {
                    self.load_balancer_tier(entry)
                } else {
                    self.fronting_tier(entry)
                }?;
                Some(ServedTier {
                    tier: tier.tier,
                    via: Some(entry),
                })
            })
            .max_by_key(|t| t.tier);
        served.or_else(|| tier_of(self.project, acl).map(|tier| ServedTier { tier, via: None }))
    }

    /// The web ACL at `index`, parsed, with the rules that
    /// `aws_wafv2_web_acl_rule_group_association` resources add to it.
    pub fn web_acl(&self, index: usize) -> Option<WebAcl> {
        let project = self.project;
        let r = resource(project, index)?;
        if !WEB_ACL_TYPES.contains(&r.resource_type.as_str()) || !is_resource(r) {
            return None;
        }
        let dialect = Dialect::of(r);
        let default_node = sub_block(&r.attributes, dialect, "default_action", "DefaultAction");
        let default_action = default_node.and_then(|d| {
            if sub_block(d, dialect, "allow", "Allow").is_some() {
                Some(DefaultAction::Allow)
            } else if sub_block(d, dialect, "block", "Block").is_some() {
                Some(DefaultAction::Block)
            } else {
                None
            }
        });
        let mut rules = rules_of(project, index, "rule", "Rules", 0);
        if let Some(rules) = rules.as_mut() {
            for a in self.in_scope(index, WEB_ACL_RULE_GROUP_ASSOCIATION_TYPES) {
                match association_rule(project, a, index) {
                    Some(Some(rule)) => rules.push(rule),
                    Some(None) => {}
                    None => {
                        return Some(WebAcl::unknown_rules(
                            index,
                            default_action,
                            default_node,
                            r,
                            dialect,
                        ));
                    }
                }
            }
            rules.sort_by_key(|rule| rule.priority.unwrap_or(i64::MAX));
        }
        Some(WebAcl {
            index,
            default_action,
            default_node: default_node.cloned(),
            rules,
            visibility: sub_block(
                &r.attributes,
                dialect,
                "visibility_config",
                "VisibilityConfig",
            )
            .cloned(),
        })
    }

    /// Every web ACL of the scan, parsed.
    pub fn web_acls(&self) -> Vec<WebAcl> {
        resources_of(self.project, WEB_ACL_TYPES)
            .filter_map(|i| self.web_acl(i))
            .collect()
    }

    /// The logging configurations of a web ACL; `None` when one of the scope's
    /// logging configurations names an ACL rampart cannot resolve.
    pub fn waf_logging(&self, acl: usize) -> Option<Vec<WafLogging>> {
        let project = self.project;
        let mut out = Vec::new();
        let mut unknown = false;
        for l in self.in_scope(acl, WAF_LOGGING_TYPES) {
            let Some(r) = resource(project, l) else {
                continue;
            };
            let Some(target) = present(r.attr("resource_arn", "ResourceArn")) else {
                continue;
            };
            let names = named(project, l, target);
            if !names.resources.contains(&acl)
                && !names.literals.iter().any(|a| self.arn_names_acl(a, acl))
            {
                unknown = unknown || names.unresolved;
                continue;
            }
            let dialect = Dialect::of(r);
            let destinations = field(
                &r.attributes,
                dialect,
                "log_destination_configs",
                "LogDestinationConfigs",
            );
            let mut found = Vec::new();
            let mut stack: Vec<&Node> = destinations.into_iter().collect();
            while let Some(n) = stack.pop() {
                if let Value::List(items) = &n.value {
                    stack.extend(items.iter().rev());
                    continue;
                }
                found.push(Destination {
                    node: n.clone(),
                    name: destination_name(project, l, n),
                });
            }
            out.push(WafLogging {
                index: l,
                destinations: found,
            });
        }
        if out.is_empty() && unknown {
            None
        } else {
            Some(out)
        }
    }
}

// ----- WAF ------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Allow,
    Block,
}

/// What a WAF rule does when its statement matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleAction {
    Allow,
    Block,
    Count,
    Captcha,
    Challenge,
    /// A rule group whose rules act as the group says (`override_action none`).
    GroupRules,
    /// A rule group in monitor-only mode (`override_action count`).
    GroupCount,
    Unknown,
}

impl RuleAction {
    /// Whether a matching request is stopped (block, CAPTCHA, challenge).
    pub fn stops(self) -> bool {
        matches!(self, Self::Block | Self::Captcha | Self::Challenge)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Block => "block",
            Self::Count => "count",
            Self::Captcha => "captcha",
            Self::Challenge => "challenge",
            Self::GroupRules => "none",
            Self::GroupCount => "count",
            Self::Unknown => "(not known)",
        }
    }
}

/// What a WAF rule's statement is, as far as the edge rules care.
#[derive(Clone, Debug)]
pub enum Statement {
    /// `managed_rule_group_statement` / `ManagedRuleGroupStatement`.
    ManagedGroup {
        vendor: Option<String>,
        name: Option<String>,
        node: Node,
        /// Bot Control's `inspection_level`, when configured.
        inspection_level: Option<Node>,
    },
    /// `rule_group_reference_statement`: the group's rules when it is a
    /// resource of the scan (`None` when not known).
    RuleGroup {
        arn: Node,
        rules: Option<Vec<WafRule>>,
    },
    /// `rate_based_statement` (never nested).
    RateBased {
        node: Node,
        limit: Option<Node>,
        /// `evaluation_window_sec` (default 300).
        window: Option<Node>,
        scoped_down: bool,
    },
    /// A geo match, or its negation.
    Geo {
        countries: Node,
        negated: bool,
    },
    /// An IP set reference, or its negation, with the IP sets it names
    /// (`None` when the reference cannot be resolved).
    IpSet {
        arn: Node,
        negated: bool,
        sets: Option<Vec<usize>>,
    },
    /// Anything else, and whether a geo match or IP set appears inside it.
    Other {
        geo: bool,
        ip_set: bool,
    },
    Unknown,
}

/// A WAF rule: of a web ACL, of a rule group, or added by an
/// `aws_wafv2_web_acl_rule_group_association`.
#[derive(Clone, Debug)]
pub struct WafRule {
    /// The resource where the rule is written.
    pub source: usize,
    pub name: Option<String>,
    pub priority: Option<i64>,
    pub action: RuleAction,
    /// The action or override action block (where to report about it).
    pub action_node: Option<Node>,
    pub statement: Statement,
    pub visibility: Option<Node>,
    /// The rule's block or map (`origin` is where it starts).
    pub node: Node,
}

impl WafRule {
    /// `rule "name"`, for messages.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("rule `{name}`"),
            None => "a rule".to_owned(),
        }
    }
}

/// A WAFv2 web ACL.
#[derive(Clone, Debug)]
pub struct WebAcl {
    pub index: usize,
    pub default_action: Option<DefaultAction>,
    pub default_node: Option<Node>,
    /// By priority; `None` when the rules cannot be read.
    pub rules: Option<Vec<WafRule>>,
    pub visibility: Option<Node>,
}

/// A rule as it takes effect in a web ACL: a rule of the ACL, or a rule of
/// a rule group it references, with the action it ends up with.
#[derive(Clone, Copy, Debug)]
pub struct EffectiveRule<'a> {
    pub rule: &'a WafRule,
    pub action: RuleAction,
    /// The ACL's rule that brings it in (itself, or the rule group reference).
    pub entry: &'a WafRule,
}

impl EffectiveRule<'_> {
    /// The priority of the ACL rule that brings it in.
    pub fn priority(&self) -> Option<i64> {
        self.entry.priority
    }
}

impl WebAcl {
    /// The rules in effect, rule group references replaced by the groups'
    /// rules (`count` overrides them all), and whether a referenced rule
    /// group cannot be read. `None` when the ACL's rules cannot be read.
    pub fn effective_rules(&self) -> Option<(Vec<EffectiveRule<'_>>, bool)> {
        let rules = self.rules.as_ref()?;
        let mut out = Vec::new();
        let mut unknown = false;
        for rule in rules {
            match &rule.statement {
                Statement::RuleGroup {
                    rules: Some(inner), ..
                } => {
                    for r in inner {
                        let action = match rule.action {
                            RuleAction::GroupRules => r.action,
                            RuleAction::GroupCount => RuleAction::Count,
                            _ => RuleAction::Unknown,
                        };
                        out.push(EffectiveRule {
                            rule: r,
                            action,
                            entry: rule,
                        });
                    }
                }
                Statement::RuleGroup { rules: None, .. } | Statement::Unknown => unknown = true,
                _ => out.push(EffectiveRule {
                    rule,
                    action: rule.action,
                    entry: rule,
                }),
            }
        }
        Some((out, unknown))
    }

    fn unknown_rules(
        index: usize,
        default_action: Option<DefaultAction>,
        default_node: Option<&Node>,
        r: &Resource,
        dialect: Dialect,
    ) -> Self {
        Self {
            index,
            default_action,
            default_node: default_node.cloned(),
            rules: None,
            visibility: sub_block(
                &r.attributes,
                dialect,
                "visibility_config",
                "VisibilityConfig",
            )
            .cloned(),
        }
    }
}

/// The name AWS requires of a WAF logging destination: `aws-waf-logs-`.
pub const WAF_LOG_PREFIX: &str = "aws-waf-logs-";

/// A WAF logging configuration naming a web ACL.
#[derive(Clone, Debug)]
pub struct WafLogging {
    pub index: usize,
    pub destinations: Vec<Destination>,
}

#[derive(Clone, Debug)]
pub struct Destination {
    /// The entry of `log_destination_configs`.
    pub node: Node,
    pub name: DestinationName,
}

/// The name of a log group, bucket or Firehose stream a WAF logs to.
#[derive(Clone, Debug)]
pub enum DestinationName {
    /// `name` as written in resource `resource` (or in the ARN), at `node`
    /// (`None`: not written, so AWS or Terraform generates it); `prefix`
    /// when only a name prefix is given.
    Known {
        name: String,
        prefix: bool,
        resource: usize,
        node: Option<Node>,
    },
    Unknown,
}

/// The name a logging destination has.
fn destination_name(project: &Project, from: usize, node: &Node) -> DestinationName {
    let names = named(project, from, node);
    if let Some(&target) = names.resources.first() {
        let Some(r) = resource(project, target) else {
            return DestinationName::Unknown;
        };
        let (name_keys, prefix_key): (&[&str], Option<&str>) = match r.resource_type.as_str() {
            "aws_cloudwatch_log_group" => (&["name"], Some("name_prefix")),
            "aws_s3_bucket" => (&["bucket"], Some("bucket_prefix")),
            "aws_kinesis_firehose_delivery_stream" => (&["name"], None),
            "AWS::Logs::LogGroup" => (&["LogGroupName"], None),
            "AWS::S3::Bucket" => (&["BucketName"], None),
            "AWS::KinesisFirehose::DeliveryStream" => (&["DeliveryStreamName"], None),
            _ => return DestinationName::Unknown,
        };
        if let Some(n) = name_keys.iter().find_map(|k| present(r.get(k))) {
            return match n.as_str() {
                Some(name) => DestinationName::Known {
                    name: name.to_owned(),
                    prefix: false,
                    resource: target,
                    node: Some(n.clone()),
                },
                None => DestinationName::Unknown,
            };
        }
        if let Some(n) = prefix_key.and_then(|k| present(r.get(k))) {
            return match n.as_str() {
                Some(name) => DestinationName::Known {
                    name: name.to_owned(),
                    prefix: true,
                    resource: target,
                    node: Some(n.clone()),
                },
                None => DestinationName::Unknown,
            };
        }
        // Not named: Terraform or CloudFormation generates a name, which never
        // starts with `aws-waf-logs-` (a plan shows it only after apply).
        if r.language == Language::TerraformPlan {
            return DestinationName::Unknown;
        }
        return DestinationName::Known {
            name: String::new(),
            prefix: false,
            resource: target,
            node: None,
        };
    }
    if names.unresolved {
        return DestinationName::Unknown;
    }
    let Some(arn) = names.literals.first().and_then(|n| n.as_str()) else {
        return DestinationName::Unknown;
    };
    let name = if let Some((_, rest)) = arn.split_once(":log-group:") {
        rest.split(':').next().unwrap_or(rest)
    } else if let Some((_, rest)) = arn.split_once(":deliverystream/") {
        rest
    } else if let Some((_, rest)) = arn.split_once(":s3:::") {
        rest.split('/').next().unwrap_or(rest)
    } else {
        return DestinationName::Unknown;
    };
    DestinationName::Known {
        name: name.to_owned(),
        prefix: false,
        resource: from,
        node: Some(node.clone()),
    }
}

/// The rules of a web ACL or rule group (`rule` blocks, `Rules`, and
/// `rule_json`); `None` when they cannot be read.
fn rules_of(
    project: &Project,
    index: usize,
    terraform: &str,
    api: &str,
    depth: usize,
) -> Option<Vec<WafRule>> {
    let r = resource(project, index)?;
    let dialect = Dialect::of(r);
    let blocks = all_blocks(present(r.attributes.get(dialect.key(terraform, api))))?;
    let mut out: Vec<WafRule> = blocks
        .into_iter()
        .map(|b| parse_rule(project, index, b, dialect, depth))
        .collect();
    if dialect == Dialect::Terraform {
        for key in ["rule_json", "rules_json"] {
            if let Some(json) = present(r.get(key)) {
                let text = json.as_str()?;
                let parsed: serde_json::Value = serde_json::from_str(text).ok()?;
                let node = json_node(&parsed, json.origin, 0)?;
                for rule in node.blocks() {
                    out.push(parse_rule(project, index, rule, Dialect::Api, depth));
                }
            }
        }
    }
    out.sort_by_key(|rule| rule.priority.unwrap_or(i64::MAX));
    Some(out)
}

/// A JSON value as a node written at `origin` (a `rule_json` attribute).
fn json_node(value: &serde_json::Value, origin: Option<Origin>, depth: usize) -> Option<Node> {
    if depth > 64 {
        return None;
    }
    let value = match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64()?),
        serde_json::Value::String(s) => Value::String(s.as_str().into()),
        serde_json::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|i| json_node(i, origin, depth + 1))
                .collect::<Option<_>>()?,
        ),
        serde_json::Value::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| json_node(v, origin, depth + 1).map(|n| (k.as_str().into(), n)))
                .collect::<Option<_>>()?,
        ),
    };
    Some(Node::new(value, origin))
}

const STOPPING: &[(&str, &str, RuleAction)] = &[
    ("allow", "Allow", RuleAction::Allow),
    ("block", "Block", RuleAction::Block),
    ("count", "Count", RuleAction::Count),
    ("captcha", "Captcha", RuleAction::Captcha),
    ("challenge", "Challenge", RuleAction::Challenge),
];

fn parse_rule(
    project: &Project,
    source: usize,
    rule: &Node,
    dialect: Dialect,
    depth: usize,
) -> WafRule {
    let statement_node = field(rule, dialect, "statement", "Statement");
    let statement = match statement_node {
        Some(n) if unknown_blocks(Some(n)) => Statement::Unknown,
        Some(n) => match n.blocks().next() {
            Some(s) => parse_statement(project, source, s, dialect, depth),
            None => Statement::Unknown,
        },
        None => Statement::Unknown,
    };
    let is_group = matches!(
        statement,
        Statement::ManagedGroup { .. } | Statement::RuleGroup { .. }
    );
    let (action, action_node) = if is_group {
        let node = sub_block(rule, dialect, "override_action", "OverrideAction");
        let action = match node {
            Some(o) if sub_block(o, dialect, "none", "None").is_some() => RuleAction::GroupRules,
            Some(o) if sub_block(o, dialect, "count", "Count").is_some() => RuleAction::GroupCount,
            _ => RuleAction::Unknown,
        };
        (action, node)
    } else {
        let node = sub_block(rule, dialect, "action", "Action");
        let action = node
            .and_then(|a| {
                STOPPING
                    .iter()
                    .find(|(tf, api, _)| sub_block(a, dialect, tf, api).is_some())
                    .map(|(_, _, action)| *action)
            })
            .unwrap_or(RuleAction::Unknown);
        (action, node)
    };
    WafRule {
        source,
        name: field(rule, dialect, "name", "Name")
            .and_then(Node::as_str)
            .map(str::to_owned),
        priority: field(rule, dialect, "priority", "Priority").and_then(Node::as_i64),
        action,
        action_node: action_node.cloned(),
        statement,
        visibility: sub_block(rule, dialect, "visibility_config", "VisibilityConfig").cloned(),
        node: rule.clone(),
    }
}

/// Whether a key appears anywhere inside a statement.
fn mentions(node: &Node, keys: &[&str]) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    if keys.contains(&k.as_str()) {
                        return true;
                    }
                    stack.push(v);
                }
            }
            Value::List(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    false
}

/// Whether a nested statement cannot be read (a `dynamic "statement"`
/// over an unknown collection).
fn has_unknown_statement(node: &Node) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    if k.to_ascii_lowercase().contains("statement") && unknown_blocks(Some(v)) {
                        return true;
                    }
                    stack.push(v);
                }
            }
            Value::List(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    false
}

const GEO_KEYS: &[&str] = &["geo_match_statement", "GeoMatchStatement"];
const IP_SET_KEYS: &[&str] = &["ip_set_reference_statement", "IPSetReferenceStatement"];

/// An `arn` in Terraform, `Arn` in CloudFormation, `ARN` in the API's JSON.
fn arn_field(node: &Node, dialect: Dialect) -> Option<&Node> {
    match dialect {
        Dialect::Terraform => present(node.get("arn")),
        Dialect::Api => present(node.get("Arn")).or_else(|| present(node.get("ARN"))),
    }
}

fn parse_statement(
    project: &Project,
    source: usize,
    s: &Node,
    dialect: Dialect,
    depth: usize,
) -> Statement {
    if let Some(m) = sub_block(
        s,
        dialect,
        "managed_rule_group_statement",
        "ManagedRuleGroupStatement",
    ) {
        let configs = field(
            m,
            dialect,
            "managed_rule_group_configs",
            "ManagedRuleGroupConfigs",
        );
        let inspection_level = configs
            .into_iter()
            .flat_map(Node::blocks)
            .filter_map(|c| {
                sub_block(
                    c,
                    dialect,
                    "aws_managed_rules_bot_control_rule_set",
                    "AWSManagedRulesBotControlRuleSet",
                )
            })
            .find_map(|b| field(b, dialect, "inspection_level", "InspectionLevel"))
            .cloned();
        return Statement::ManagedGroup {
            vendor: field(m, dialect, "vendor_name", "VendorName")
                .and_then(Node::as_str)
                .map(str::to_owned),
            name: field(m, dialect, "name", "Name")
                .and_then(Node::as_str)
                .map(str::to_owned),
            node: m.clone(),
            inspection_level,
        };
    }
    if let Some(g) = sub_block(
        s,
        dialect,
        "rule_group_reference_statement",
        "RuleGroupReferenceStatement",
    ) {
        let Some(arn) = arn_field(g, dialect) else {
            return Statement::Unknown;
        };
        let groups: Vec<usize> = named(project, source, arn)
            .resources
            .into_iter()
            .filter(|&i| type_is(project, i, WAF_RULE_GROUP_TYPES))
            .collect();
        let rules = match groups.as_slice() {
            [group] if depth == 0 => rules_of(project, *group, "rule", "Rules", depth + 1),
            _ => None,
        };
        return Statement::RuleGroup {
            arn: arn.clone(),
            rules,
        };
    }
    if let Some(rate) = sub_block(s, dialect, "rate_based_statement", "RateBasedStatement") {
        return Statement::RateBased {
            node: rate.clone(),
            limit: field(rate, dialect, "limit", "Limit").cloned(),
            window: field(
                rate,
                dialect,
                "evaluation_window_sec",
                "EvaluationWindowSec",
            )
            .cloned(),
            scoped_down: field(rate, dialect, "scope_down_statement", "ScopeDownStatement")
                .is_some(),
        };
    }
    if let Some(inner) = simple_match(project, source, s, dialect) {
        return inner;
    }
    if let Some(not) = sub_block(s, dialect, "not_statement", "NotStatement")
        && let Some(inner) = sub_block(not, dialect, "statement", "Statement")
    {
        match simple_match(project, source, inner, dialect) {
            Some(Statement::Geo { countries, .. }) => {
                return Statement::Geo {
                    countries,
                    negated: true,
                };
            }
            Some(Statement::IpSet { arn, sets, .. }) => {
                return Statement::IpSet {
                    arn,
                    negated: true,
                    sets,
                };
            }
            _ => {}
        }
    }
    if has_unknown_statement(s) {
        // A nested statement that cannot be read may be anything.
        return Statement::Other {
            geo: true,
            ip_set: true,
        };
    }
    Statement::Other {
        geo: mentions(s, GEO_KEYS),
        ip_set: mentions(s, IP_SET_KEYS),
    }
}

/// A geo match or IP set reference statement.
fn simple_match(project: &Project, source: usize, s: &Node, dialect: Dialect) -> Option<Statement> {
    if let Some(geo) = sub_block(s, dialect, "geo_match_statement", "GeoMatchStatement") {
        let countries = field(geo, dialect, "country_codes", "CountryCodes")?;
        return Some(Statement::Geo {
            countries: countries.clone(),
            negated: false,
        });
    }
    if let Some(ip) = sub_block(
        s,
        dialect,
        "ip_set_reference_statement",
        "IPSetReferenceStatement",
    ) {
        let arn = arn_field(ip, dialect)?;
        let names = named(project, source, arn);
        let sets: Vec<usize> = names
            .resources
            .iter()
            .copied()
            .filter(|&i| type_is(project, i, IP_SET_TYPES))
            .collect();
        let sets =
            (!names.unresolved && names.literals.is_empty() && !sets.is_empty()).then_some(sets);
        return Some(Statement::IpSet {
            arn: arn.clone(),
            negated: false,
            sets,
        });
    }
    None
}

/// The rule an `aws_wafv2_web_acl_rule_group_association` adds to `acl`:
/// `Some(None)` when it names another ACL, `None` when it cannot be told.
fn association_rule(project: &Project, index: usize, acl: usize) -> Option<Option<WafRule>> {
    let r = resource(project, index)?;
    let target = present(r.get("web_acl_arn"))?;
    let names = named(project, index, target);
    if !names.resources.contains(&acl) {
        return if names.unresolved { None } else { Some(None) };
    }
    let action = match present(r.get("override_action")).map(|n| n.as_str()) {
        None | Some(Some("none")) => RuleAction::GroupRules,
        Some(Some("count")) => RuleAction::GroupCount,
        _ => RuleAction::Unknown,
    };
    let statement =
        if let Some(m) = sub_block(&r.attributes, Dialect::Terraform, "managed_rule_group", "") {
            Statement::ManagedGroup {
                vendor: present(m.get("vendor_name"))
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                name: present(m.get("name"))
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                node: m.clone(),
                inspection_level: None,
            }
        } else if let Some(g) = sub_block(
            &r.attributes,
            Dialect::Terraform,
            "rule_group_reference",
            "",
        ) {
            let arn = present(g.get("arn"))?;
            let groups: Vec<usize> = named(project, index, arn)
                .resources
                .into_iter()
                .filter(|&i| type_is(project, i, WAF_RULE_GROUP_TYPES))
                .collect();
            Statement::RuleGroup {
                arn: arn.clone(),
                rules: match groups.as_slice() {
                    [group] => rules_of(project, *group, "rule", "Rules", 1),
                    _ => None,
                },
            }
        } else {
            Statement::Unknown
        };
    Some(Some(WafRule {
        source: index,
        name: present(r.get("rule_name"))
            .and_then(Node::as_str)
            .map(str::to_owned),
        priority: present(r.get("priority")).and_then(Node::as_i64),
        action,
        action_node: present(r.get("override_action")).cloned(),
        statement,
        visibility: None,
        node: Node::new(Value::Null, None),
    }))
}

/// The addresses of a WAF IP set (`addresses`, `Addresses`).
pub fn ip_set_addresses(project: &Project, index: usize) -> Option<&Node> {
    let r = resource(project, index)?;
    present(r.attr("addresses", "Addresses"))
}

/// The rules written in a web ACL or WAF rule group resource itself (`rule`
/// blocks, `Rules`, `rule_json`), without those other resources add;
/// `None` when they cannot be read.
pub fn written_rules(project: &Project, index: usize) -> Option<Vec<WafRule>> {
    if !type_is(project, index, WEB_ACL_TYPES) && !type_is(project, index, WAF_RULE_GROUP_TYPES) {
        return None;
    }
    rules_of(project, index, "rule", "Rules", 1)
}

// ----- Network Firewall -----------------------------------------------------

/// A rule group a firewall policy refers to.
#[derive(Clone, Debug)]
pub enum FirewallGroup {
    /// A rule group of the scan.
    Custom {
        index: usize,
        /// `Some(true)` for `STATEFUL`, `Some(false)` for `STATELESS`.
        stateful: Option<bool>,
        /// Whether it holds Suricata signatures (`alert`/`drop` rules with a
        /// `sid`); `None` when the rules cannot be read.
        signatures: Option<bool>,
    },
    /// An AWS managed rule group, by name (`ThreatSignaturesBotnetStrictOrder`).
    Managed {
        name: String,
        stateful: bool,
    },
    Unknown,
}

impl FirewallGroup {
    /// Whether the group is an IDS signature group: an AWS managed
    /// `ThreatSignatures*` group, or a stateful group with Suricata signatures.
    pub fn is_ids(&self) -> Option<bool> {
        match self {
            Self::Managed { name, stateful } => {
                Some(*stateful && name.starts_with("ThreatSignatures"))
            }
            Self::Custom {
                stateful,
                signatures,
                ..
            } => match (stateful, signatures) {
                (Some(false), _) => Some(false),
                (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Self::Unknown => None,
        }
    }
}

/// A Network Firewall policy.
#[derive(Clone, Debug)]
pub struct FirewallPolicy<'p> {
    pub index: usize,
    pub resource: &'p Resource,
    /// The `firewall_policy` block / `FirewallPolicy` map.
    pub body: Option<&'p Node>,
    pub stateless_default_actions: Option<&'p Node>,
    pub stateless_groups: Vec<FirewallGroup>,
    pub stateful_groups: Vec<FirewallGroup>,
    /// A group list that cannot be read (a `dynamic` block over an unknown).
    pub groups_unknown: bool,
    /// `stateful_engine_options.rule_order` (default `DEFAULT_ACTION_ORDER`).
    pub rule_order: Option<&'p Node>,
    pub stateful_default_actions: Option<&'p Node>,
}

pub fn firewall_policy(project: &Project, index: usize) -> Option<FirewallPolicy<'_>> {
    let r = resource(project, index)?;
    if !FIREWALL_POLICY_TYPES.contains(&r.resource_type.as_str()) || !is_resource(r) {
        return None;
    }
    let dialect = Dialect::of(r);
    let body = sub_block(&r.attributes, dialect, "firewall_policy", "FirewallPolicy");
    let mut policy = FirewallPolicy {
        index,
        resource: r,
        body,
        stateless_default_actions: None,
        stateless_groups: Vec::new(),
        stateful_groups: Vec::new(),
        groups_unknown: body.is_none()
            && present(r.attr("firewall_policy", "FirewallPolicy")).is_some(),
        rule_order: None,
        stateful_default_actions: None,
    };
    let Some(body) = body else {
        return Some(policy);
    };
    policy.stateless_default_actions = field(
        body,
        dialect,
        "stateless_default_actions",
        "StatelessDefaultActions",
    );
    policy.stateful_default_actions = field(
        body,
        dialect,
        "stateful_default_actions",
        "StatefulDefaultActions",
    );
    policy.rule_order = sub_block(
        body,
        dialect,
        "stateful_engine_options",
        "StatefulEngineOptions",
    )
    .and_then(|o| field(o, dialect, "rule_order", "RuleOrder"));
    for (terraform, api, stateful) in [
        (
            "stateless_rule_group_reference",
            "StatelessRuleGroupReferences",
            false,
        ),
        (
            "stateful_rule_group_reference",
            "StatefulRuleGroupReferences",
            true,
        ),
    ] {
        let Some(references) = all_blocks(field(body, dialect, terraform, api)) else {
            policy.groups_unknown = true;
            continue;
        };
        for reference in references {
            let group = match field(reference, dialect, "resource_arn", "ResourceArn") {
                Some(arn) => firewall_group(project, index, arn, stateful),
                None => FirewallGroup::Unknown,
            };
            if stateful {
                policy.stateful_groups.push(group);
            } else {
                policy.stateless_groups.push(group);
            }
        }
    }
    Some(policy)
}

/// The AWS managed group an ARN names (its literal parts suffice).
fn managed_group_name(text: &str) -> Option<(String, bool)> {
    for (marker, stateful) in [
        (":aws-managed:stateful-rulegroup/", true),
        (":aws-managed:stateless-rulegroup/", false),
    ] {
        if let Some((_, rest)) = text.split_once(marker) {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !name.is_empty() {
                return Some((name, stateful));
            }
        }
    }
    None
}

fn firewall_group(project: &Project, from: usize, arn: &Node, stateful: bool) -> FirewallGroup {
    let names = named(project, from, arn);
    if let Some(&group) = names
        .resources
        .iter()
        .find(|&&i| type_is(project, i, FIREWALL_RULE_GROUP_TYPES))
    {
        return custom_firewall_group(project, group);
    }
    let text = arn
        .as_str()
        .map(str::to_owned)
        .or_else(|| written_text(project, arn));
    match text.as_deref().and_then(managed_group_name) {
        Some((name, managed_stateful)) if managed_stateful == stateful => FirewallGroup::Managed {
            name,
            stateful: managed_stateful,
        },
        _ => FirewallGroup::Unknown,
    }
}

fn custom_firewall_group(project: &Project, index: usize) -> FirewallGroup {
    let Some(r) = resource(project, index) else {
        return FirewallGroup::Unknown;
    };
    let dialect = Dialect::of(r);
    let stateful = present(r.attr("type", "Type"))
        .and_then(Node::as_str)
        .and_then(|t| match t {
            "STATEFUL" => Some(true),
            "STATELESS" => Some(false),
            _ => None,
        });
    // Suricata rules: `rules` (Terraform), or `rules_source.rules_string`.
    let group = present(r.attr("rule_group", "RuleGroup"));
    let rules_source = group
        .and_then(|g| g.blocks().next())
        .map(|g| field(g, dialect, "rules_source", "RulesSource"));
    let unreadable = unknown_blocks(group) || rules_source.is_some_and(|s| unknown_blocks(s));
    let source = rules_source.flatten().and_then(|s| s.blocks().next());
    let text = present(r.get("rules"))
        .or_else(|| source.and_then(|s| field(s, dialect, "rules_string", "RulesString")));
    let signatures = match text {
        _ if unreadable => None,
        Some(t) => t.as_str().map(has_suricata_signatures),
        None => Some(false),
    };
    FirewallGroup::Custom {
        index,
        stateful,
        signatures,
    }
}

/// Whether Suricata rules hold an `alert` or `drop` signature with a `sid`.
pub fn has_suricata_signatures(rules: &str) -> bool {
    rules.lines().map(str::trim).any(|line| {
        let action = line.split_whitespace().next().unwrap_or_default();
        matches!(action, "alert" | "drop" | "reject") && line.contains("sid:")
    })
}

/// A Network Firewall.
#[derive(Clone, Debug)]
pub struct Firewall {
    pub index: usize,
    /// The policies `firewall_policy_arn` names (empty when unresolved).
    pub policies: Vec<usize>,
    /// The firewall's own subnets (`subnet_mapping`).
    pub subnets: Vec<usize>,
}

pub fn firewalls(project: &Project) -> Vec<Firewall> {
    resources_of(project, FIREWALL_TYPES)
        .filter_map(|i| {
            let r = resource(project, i)?;
            let dialect = Dialect::of(r);
            let policies = present(r.attr("firewall_policy_arn", "FirewallPolicyArn"))
                .map(|n| named(project, i, n).resources)
                .unwrap_or_default()
                .into_iter()
                .filter(|&p| type_is(project, p, FIREWALL_POLICY_TYPES))
                .collect();
            let subnets = field(&r.attributes, dialect, "subnet_mapping", "SubnetMappings")
                .into_iter()
                .flat_map(Node::blocks)
                .filter_map(|m| field(m, dialect, "subnet_id", "SubnetId"))
                .flat_map(|s| named(project, i, s).resources)
                .collect();
            Some(Firewall {
                index: i,
                policies,
                subnets,
            })
        })
        .collect()
}

// ----- routing: does a subnet reach the internet through a firewall? -------

/// How a subnet reaches the internet.
#[derive(Clone, Debug)]
pub enum InternetPath {
    /// No route to an internet or NAT gateway.
    None,
    /// Every route to the internet passes these firewalls.
    Firewalls(Vec<usize>),
    /// A route reaches the internet without a firewall: the route's target
    /// value, written in resource `route_resource` (a route table or route),
    /// and the NAT gateway it passes, if any.
    Bypass {
        route_resource: usize,
        target: Node,
        gateway: usize,
        nat: Option<usize>,
    },
    /// The code does not tell (an unresolved reference, a transit gateway, a
    /// third-party appliance, a route table chosen elsewhere).
    Unknown,
}

/// A route of a route table.
#[derive(Clone, Debug)]
struct Route {
    /// Where it is written (the route table, or an `aws_route`).
    resource: usize,
    /// To `0.0.0.0/0` or `::/0` (`None`: not known).
    default_route: Option<bool>,
    /// The target key and value (`gateway_id`, `NatGatewayId`, …).
    target: Option<(String, Node)>,
}

/// Route tables, their routes and associations, built once.
pub struct Routing<'p> {
    project: &'p Project,
    /// Subnet → the route tables associated with it.
    subnet_tables: HashMap<usize, Vec<usize>>,
    /// VPC → its main route table, when the code sets it.
    main_tables: HashMap<usize, Vec<usize>>,
    /// Route table → its routes.
    routes: HashMap<usize, Vec<Route>>,
    /// Route tables whose routes cannot all be read.
    unknown_tables: HashSet<usize>,
    /// Scopes where an association or route names something unresolved.
    unknown_scopes: HashSet<String>,
}

const ROUTE_TARGETS: &[(&str, &str)] = &[
    ("gateway_id", "GatewayId"),
    ("nat_gateway_id", "NatGatewayId"),
    ("vpc_endpoint_id", "VpcEndpointId"),
    ("egress_only_gateway_id", "EgressOnlyInternetGatewayId"),
    ("transit_gateway_id", "TransitGatewayId"),
    ("network_interface_id", "NetworkInterfaceId"),
    ("vpc_peering_connection_id", "VpcPeeringConnectionId"),
    ("carrier_gateway_id", "CarrierGatewayId"),
    ("local_gateway_id", "LocalGatewayId"),
    ("core_network_arn", "CoreNetworkArn"),
    ("instance_id", "InstanceId"),
];

fn route_of(
    resource_index: usize,
    route: &Node,
    dialect: Dialect,
    terraform_inline: bool,
) -> Route {
    let destinations: &[(&str, &str)] = if terraform_inline {
        &[
            ("cidr_block", ""),
            ("ipv6_cidr_block", ""),
            ("destination_prefix_list_id", ""),
        ]
    } else {
        &[
            ("destination_cidr_block", "DestinationCidrBlock"),
            ("destination_ipv6_cidr_block", "DestinationIpv6CidrBlock"),
            ("destination_prefix_list_id", "DestinationPrefixListId"),
        ]
    };
    let mut default_route = Some(false);
    for (terraform, api) in destinations {
        if let Some(d) = field(route, dialect, terraform, api) {
            match d.as_str() {
                Some("0.0.0.0/0" | "::/0") => default_route = Some(true),
                Some(_) => {}
                None => default_route = None,
            }
        }
    }
    let target = ROUTE_TARGETS.iter().find_map(|(terraform, api)| {
        let key = dialect.key(terraform, api);
        present(route.get(key))
            .filter(|n| n.as_str() != Some(""))
            .map(|n| (key.to_owned(), n.clone()))
    });
    Route {
        resource: resource_index,
        default_route,
        target,
    }
}

enum Hop {
    Firewall(usize),
    Internet(usize),
    Nat(usize),
    Ignore,
    Unknown,
}

impl<'p> Routing<'p> {
    pub fn build(project: &'p Project) -> Self {
        let mut routing = Self {
            project,
            subnet_tables: HashMap::new(),
            main_tables: HashMap::new(),
            routes: HashMap::new(),
            unknown_tables: HashSet::new(),
            unknown_scopes: HashSet::new(),
        };
        for a in resources_of(project, ROUTE_TABLE_ASSOCIATION_TYPES) {
            let Some(r) = resource(project, a) else {
                continue;
            };
            let Some(subnet) = present(r.attr("subnet_id", "SubnetId")) else {
                // A gateway (edge) association: not a subnet's.
                continue;
            };
            let subnets = named(project, a, subnet);
            let tables =
                present(r.attr("route_table_id", "RouteTableId")).map(|t| named(project, a, t));
            let tables_unresolved = tables
                .as_ref()
                .is_none_or(|t| t.unresolved || t.resources.is_empty());
            if subnets.unresolved || tables_unresolved {
                routing
                    .unknown_scopes
                    .insert(scope_of(project, a).to_owned());
            }
            for s in subnets.resources {
                let entry = routing.subnet_tables.entry(s).or_default();
                entry.extend(tables.iter().flat_map(|t| t.resources.iter().copied()));
                if tables_unresolved {
                    // Marked unknown through the scope; keep the subnet listed.
                    entry.push(usize::MAX);
                }
            }
        }
        for a in resources_of(project, MAIN_ROUTE_TABLE_ASSOCIATION_TYPES) {
            let Some(r) = resource(project, a) else {
                continue;
            };
            let vpcs = present(r.get("vpc_id"))
                .map(|v| named(project, a, v))
                .unwrap_or_default();
            let tables = present(r.get("route_table_id"))
                .map(|t| named(project, a, t))
                .unwrap_or_default();
            for v in vpcs.resources {
                routing
                    .main_tables
                    .entry(v)
                    .or_default()
                    .extend(tables.resources.iter().copied());
                if tables.unresolved {
                    routing.main_tables.entry(v).or_default().push(usize::MAX);
                }
            }
        }
        for t in resources_of(project, ROUTE_TABLE_TYPES) {
            let Some(r) = resource(project, t) else {
                continue;
            };
            if r.resource_type == "aws_default_route_table" {
                // `default_route_table_id = aws_vpc.main.default_route_table_id`
                if let Some(id) = present(r.get("default_route_table_id")) {
                    for v in named(project, t, id).resources {
                        if type_is(project, v, VPC_TYPES) {
                            routing.main_tables.entry(v).or_default().push(t);
                        }
                    }
                }
            }
            routing.routes.entry(t).or_default();
            if r.is_cloudformation() {
                continue;
            }
            match all_blocks(present(r.get("route"))) {
                Some(blocks) => {
                    for b in blocks {
                        let route = route_of(t, b, Dialect::Terraform, true);
                        routing.routes.entry(t).or_default().push(route);
                    }
                }
                None => {
                    routing.unknown_tables.insert(t);
                }
            }
        }
        for i in resources_of(project, ROUTE_TYPES) {
            let Some(r) = resource(project, i) else {
                continue;
            };
            let dialect = Dialect::of(r);
            let tables =
                present(r.attr("route_table_id", "RouteTableId")).map(|t| named(project, i, t));
            match tables {
                Some(tables) if !tables.unresolved && !tables.resources.is_empty() => {
                    for t in tables.resources {
                        let route = route_of(i, &r.attributes, dialect, false);
                        routing.routes.entry(t).or_default().push(route);
                    }
                }
                _ => {
                    routing
                        .unknown_scopes
                        .insert(scope_of(project, i).to_owned());
                }
            }
        }
        routing
    }

    /// The route tables a subnet uses: its association, else its VPC's main
    /// route table; `Some(empty)` when AWS's own main table (local routes
    /// only) applies; `None` when unknown.
    fn tables_of(&self, subnet: usize) -> Option<Vec<usize>> {
        let project = self.project;
        if self.unknown_scopes.contains(scope_of(project, subnet)) {
            return None;
        }
        if let Some(tables) = self.subnet_tables.get(&subnet) {
            return (!tables.contains(&usize::MAX)).then(|| tables.clone());
        }
        let r = resource(project, subnet)?;
        let vpc = present(r.attr("vpc_id", "VpcId"))?;
        let vpcs = named(project, subnet, vpc);
        if vpcs.unresolved || vpcs.resources.is_empty() {
            // A VPC managed elsewhere: its main route table is not known.
            return None;
        }
        let mut tables = Vec::new();
        for v in vpcs.resources {
            if let Some(main) = self.main_tables.get(&v) {
                if main.contains(&usize::MAX) {
                    return None;
                }
                tables.extend(main.iter().copied());
            }
        }
        Some(tables)
    }

    fn hop(&self, route: &Route) -> Hop {
        let project = self.project;
        let Some((key, target)) = &route.target else {
            return Hop::Ignore;
        };
        let names = named(project, route.resource, target);
        let literal = names
            .literals
            .first()
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        let key = key.as_str();
        let internet_key = matches!(
            key,
            "gateway_id" | "GatewayId" | "egress_only_gateway_id" | "EgressOnlyInternetGatewayId"
        );
        if let Some(&gw) = names
            .resources
            .iter()
            .find(|&&i| type_is(project, i, INTERNET_GATEWAY_TYPES))
        {
            return Hop::Internet(gw);
        }
        if let Some(&fw) = names
            .resources
            .iter()
            .find(|&&i| type_is(project, i, FIREWALL_TYPES))
        {
            return Hop::Firewall(fw);
        }
        if let Some(&nat) = names
            .resources
            .iter()
            .find(|&&i| type_is(project, i, NAT_GATEWAY_TYPES))
        {
            let private = resource(project, nat)
                .and_then(|n| present(n.attr("connectivity_type", "ConnectivityType")))
                .and_then(Node::as_str)
                == Some("private");
            return if private { Hop::Ignore } else { Hop::Nat(nat) };
        }
        if internet_key && (literal.starts_with("igw-") || literal.starts_with("eigw-")) {
            return Hop::Internet(route.resource);
        }
        if literal == "local" {
            return Hop::Ignore;
        }
        match route.default_route {
            Some(false) => Hop::Ignore,
            _ => Hop::Unknown,
        }
    }

    /// How a subnet reaches the internet.
    pub fn internet_path(&self, subnet: usize) -> InternetPath {
        self.path(subnet, 0)
    }

    fn path(&self, subnet: usize, depth: usize) -> InternetPath {
        let Some(tables) = self.tables_of(subnet) else {
            return InternetPath::Unknown;
        };
        let mut firewalls = BTreeSet::new();
        let mut unknown = false;
        for t in tables {
            if self.unknown_tables.contains(&t) {
                unknown = true;
            }
            let routes = self.routes.get(&t).map(Vec::as_slice).unwrap_or_default();
            for route in routes {
                match self.hop(route) {
                    Hop::Ignore => {}
                    Hop::Unknown => unknown = true,
                    Hop::Firewall(f) => {
                        firewalls.insert(f);
                    }
                    Hop::Internet(gateway) => {
                        if let Some((_, target)) = &route.target {
                            return InternetPath::Bypass {
                                route_resource: route.resource,
                                target: target.clone(),
                                gateway,
                                nat: None,
                            };
                        }
                    }
                    Hop::Nat(nat) => {
                        let nat_subnet = resource(self.project, nat)
                            .and_then(|n| present(n.attr("subnet_id", "SubnetId")))
                            .map(|s| named(self.project, nat, s).resources)
                            .unwrap_or_default();
                        let [nat_subnet] = nat_subnet.as_slice() else {
                            unknown = true;
                            continue;
                        };
                        if depth >= 3 {
                            unknown = true;
                            continue;
                        }
                        match self.path(*nat_subnet, depth + 1) {
                            InternetPath::Bypass { gateway, .. } => {
                                if let Some((_, target)) = &route.target {
                                    return InternetPath::Bypass {
                                        route_resource: route.resource,
                                        target: target.clone(),
                                        gateway,
                                        nat: Some(nat),
                                    };
                                }
                            }
                            InternetPath::Firewalls(f) => firewalls.extend(f),
                            InternetPath::None => {}
                            InternetPath::Unknown => unknown = true,
                        }
                    }
                }
            }
        }
        if unknown {
            InternetPath::Unknown
        } else if firewalls.is_empty() {
            InternetPath::None
        } else {
            InternetPath::Firewalls(firewalls.into_iter().collect())
        }
    }

    /// Subnets that are the edge's own, not a tier's: firewall subnets, NAT
    /// gateway subnets, and subnets of internet-facing load balancers.
    pub fn edge_subnets(&self) -> HashSet<usize> {
        let project = self.project;
        let mut out = HashSet::new();
        for f in firewalls(project) {
            out.extend(f.subnets);
        }
        for nat in resources_of(project, NAT_GATEWAY_TYPES) {
            if let Some(s) =
                resource(project, nat).and_then(|n| present(n.attr("subnet_id", "SubnetId")))
            {
                out.extend(named(project, nat, s).resources);
            }
        }
        for lb in resources_of(project, LOAD_BALANCER_TYPES) {
            let Some(balancer) = load_balancer(project, lb) else {
                continue;
            };
            if balancer.exposure != Some(Exposure::InternetFacing) {
                continue;
            }
            let r = balancer.resource;
            let dialect = Dialect::of(r);
            if let Some(s) = field(&r.attributes, dialect, "subnets", "Subnets") {
                out.extend(named(project, lb, s).resources);
            }
            for m in field(&r.attributes, dialect, "subnet_mapping", "SubnetMappings")
                .into_iter()
                .flat_map(Node::blocks)
            {
                if let Some(s) = field(m, dialect, "subnet_id", "SubnetId") {
                    out.extend(named(project, lb, s).resources);
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use rampart_config::Config;
    use rampart_discover::{FileKind, InputFile};

    fn project(files: &[(&str, &str)]) -> Project {
        let input = files
            .iter()
            .map(|(name, text)| {
                let kind = if name.ends_with(".tf") {
                    FileKind::Terraform
                } else if name.ends_with(".json") {
                    FileKind::TerraformPlan
                } else {
                    FileKind::CloudFormation
                };
                InputFile::new(kind, name, text)
            })
            .collect();
        Project::build(input, &Config::default())
    }

    fn index(project: &Project, address: &str) -> usize {
        project
            .resources
            .iter()
            .position(|r| r.address == address)
            .unwrap_or_else(|| panic!("no {address}"))
    }

    #[test]
    fn tls_policies_follow_their_names() {
        assert_eq!(
            tls_policy("ELBSecurityPolicy-2016-08"),
            TlsPolicy::AcceptsOlder("TLS 1.0")
        );
        assert_eq!(
            tls_policy("ELBSecurityPolicy-TLS13-1-2-2021-06"),
            TlsPolicy::Tls12OrNewer
        );
        assert_eq!(
            tls_policy("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"),
            TlsPolicy::Tls12OrNewer
        );
        assert_eq!(
            tls_policy("ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04"),
            TlsPolicy::Tls12OrNewer
        );
        assert_eq!(
            tls_policy("ELBSecurityPolicy-FS-1-2-Res-2020-10"),
            TlsPolicy::Tls12OrNewer
        );
        assert_eq!(
            tls_policy("ELBSecurityPolicy-TLS13-1-1-2021-06"),
            TlsPolicy::AcceptsOlder("TLS 1.1")
        );
        assert_eq!(
            tls_policy("ELBSecurityPolicy-FS-1-1-2019-08"),
            TlsPolicy::AcceptsOlder("TLS 1.1")
        );
        assert_eq!(tls_policy("MyPolicy"), TlsPolicy::NotKnown);
        assert_eq!(
            tls_policy("ELBSecurityPolicy-TLS13-1-2-"),
            TlsPolicy::NotKnown
        );
    }

    const LB: &str = r#"
resource "aws_lb" "public" {
  name = "public"
}
resource "aws_lb" "private" {
  internal           = true
  load_balancer_type = "network"
}
resource "aws_lb_target_group" "payments" {
  port = 443
}
resource "aws_instance" "payments" {
  tags = { classification = "critical" }
}
resource "aws_lb_target_group_attachment" "payments" {
  target_group_arn = aws_lb_target_group.payments.arn
  target_id        = aws_instance.payments.id
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.public.arn
  default_action {
    type = "redirect"
    redirect {
      status_code = "HTTP_301"
    }
  }
}
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.public.arn
  protocol          = "HTTPS"
  default_action {
    type = "forward"
    forward {
      target_group {
        arn = aws_lb_target_group.payments.arn
      }
    }
  }
}
resource "aws_shield_protection" "public" {
  name         = "public"
  resource_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/public/50dc6c495c0c9188"
}
"#;

    #[test]
    fn load_balancers_listeners_and_the_tier_they_serve() {
        let p = project(&[("main.tf", LB)]);
        let public = load_balancer(&p, index(&p, "aws_lb.public")).unwrap();
        assert_eq!(public.lb_type, Some(LbType::Application));
        assert_eq!(public.exposure, Some(Exposure::InternetFacing));
        let private = load_balancer(&p, index(&p, "aws_lb.private")).unwrap();
        assert_eq!(private.exposure, Some(Exposure::Internal));
        assert_eq!(private.lb_type, Some(LbType::Network));

        let http = listener(&p, index(&p, "aws_lb_listener.http")).unwrap();
        assert_eq!(http.protocol.as_deref(), Some("HTTP"));
        let actions = http.default_actions.unwrap();
        assert_eq!(actions[0].kind, ActionKind::Redirect);
        assert_eq!(actions[0].redirects_to_https(), Some(false));

        let edge = Edge::build(&p);
        let lb = index(&p, "aws_lb.public");
        assert_eq!(
            edge.target_groups_of(lb),
            vec![index(&p, "aws_lb_target_group.payments")]
        );
        let served = edge.load_balancer_tier(lb).unwrap();
        assert_eq!(served.tier, Tier::Critical);
        assert_eq!(served.via, Some(index(&p, "aws_instance.payments")));
        assert_eq!(edge.shield_protected(lb), Some(true));
        assert_eq!(edge.web_acls_of(lb), Some(Association::default()));
        let entries = edge.internet_entry_points();
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn referrers_are_gathered_in_the_scopes_of_load_balancers_only() {
        // Two root modules: one serves a load balancer, the other's
        // resources refer to each other but hold none of its kind.
        let other = r#"
resource "aws_security_group" "db" {
  name = "db"
}
resource "aws_security_group_rule" "in" {
  type              = "ingress"
  security_group_id = aws_security_group.db.id
}
"#;
        let p = project(&[("lb/main.tf", LB), ("db/main.tf", other)]);
        let edge = Edge::build(&p);
        let lb = index(&p, "aws_lb.public");
        assert_eq!(scope_of(&p, lb), "lb");
        assert!(!edge.referrers.is_empty());
        assert!(
            (edge.referrers.iter()).all(|(&target, from)| scope_of(&p, target) == "lb"
                && from.iter().all(|&i| scope_of(&p, i) == "lb")),
            "{:?}",
            edge.referrers
        );
        assert_eq!(
            edge.target_groups_of(lb),
            vec![index(&p, "aws_lb_target_group.payments")]
        );
        assert_eq!(
            edge.load_balancer_tier(lb).map(|served| served.tier),
            Some(Tier::Critical)
        );
    }

    const ACL: &str = r#"
resource "aws_wafv2_ip_set" "office" {
  name               = "office"
  scope              = "REGIONAL"
  ip_address_version = "IPV4"
  addresses          = ["10.0.0.0/8"]
}
resource "aws_wafv2_web_acl" "main" {
  name  = "main"
  scope = "REGIONAL"
  default_action {
    allow {}
  }
  rule {
    name     = "office"
    priority = 25
    action {
      allow {}
    }
    statement {
      ip_set_reference_statement {
        arn = aws_wafv2_ip_set.office.arn
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "office"
      sampled_requests_enabled   = false
    }
  }
  rule {
    name     = "geo"
    priority = 50
    action {
      block {}
    }
    statement {
      not_statement {
        statement {
          geo_match_statement {
            country_codes = ["US", "CA"]
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "geo"
      sampled_requests_enabled   = true
    }
  }
  rule {
    name     = "common"
    priority = 100
    override_action {
      count {}
    }
    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "common"
      sampled_requests_enabled   = true
    }
  }
  rule_json = jsonencode([{
    Name     = "rate"
    Priority = 500
    Action   = { Block = {} }
    Statement = { RateBasedStatement = { Limit = 100, AggregateKeyType = "IP" } }
    VisibilityConfig = { CloudWatchMetricsEnabled = true, MetricName = "rate", SampledRequestsEnabled = true }
  }])
  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "main"
    sampled_requests_enabled   = true
  }
}
resource "aws_wafv2_web_acl_rule_group_association" "bots" {
  rule_name   = "bots"
  priority    = 400
  web_acl_arn = aws_wafv2_web_acl.main.arn
  managed_rule_group {
    name        = "AWSManagedRulesBotControlRuleSet"
    vendor_name = "AWS"
  }
}
resource "aws_lb" "public" {}
resource "aws_wafv2_web_acl_association" "public" {
  resource_arn = aws_lb.public.arn
  web_acl_arn  = aws_wafv2_web_acl.main.arn
}
resource "aws_cloudwatch_log_group" "waf" {
  name = "waf-main"
}
resource "aws_wafv2_web_acl_logging_configuration" "main" {
  resource_arn            = aws_wafv2_web_acl.main.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]
}
"#;

    #[test]
    fn web_acls_are_parsed_into_rules() {
        let p = project(&[("main.tf", ACL)]);
        let edge = Edge::build(&p);
        let acl_index = index(&p, "aws_wafv2_web_acl.main");
        let acl = edge.web_acl(acl_index).unwrap();
        assert_eq!(acl.default_action, Some(DefaultAction::Allow));
        let rules = acl.rules.unwrap();
        let names: Vec<_> = rules
            .iter()
            .map(|r| r.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["office", "geo", "common", "bots", "rate"]);
        assert_eq!(rules[0].action, RuleAction::Allow);
        assert!(matches!(
            &rules[0].statement,
            Statement::IpSet { negated: false, sets: Some(s), .. } if s == &vec![index(&p, "aws_wafv2_ip_set.office")]
        ));
        assert!(matches!(
            &rules[1].statement,
            Statement::Geo { negated: true, .. }
        ));
        assert_eq!(rules[1].action, RuleAction::Block);
        assert_eq!(rules[2].action, RuleAction::GroupCount);
        assert!(matches!(
            &rules[2].statement,
            Statement::ManagedGroup { name: Some(n), .. } if n == "AWSManagedRulesCommonRuleSet"
        ));
        assert_eq!(rules[3].action, RuleAction::GroupRules);
        assert!(matches!(
            &rules[4].statement,
            Statement::RateBased { limit: Some(l), window: None, .. } if l.as_i64() == Some(100)
        ));
        assert_eq!(rules[4].action, RuleAction::Block);

        let lb = index(&p, "aws_lb.public");
        assert_eq!(
            edge.web_acls_of(lb),
            Some(Association {
                acls: vec![acl_index],
                external: false
            })
        );
        assert_eq!(edge.protected_by(acl_index), (vec![lb], false));
        let logging = edge.waf_logging(acl_index).unwrap();
        assert_eq!(logging.len(), 1);
        assert!(matches!(
            &logging[0].destinations[0].name,
            DestinationName::Known { name, .. } if name == "waf-main"
        ));
    }

    #[test]
    fn cloudformation_web_acls_read_the_same() {
        let template = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Acl:
    Type: AWS::WAFv2::WebACL
    Properties:
      Scope: REGIONAL
      DefaultAction: { Block: {} }
      VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: acl, SampledRequestsEnabled: true }
      Rules:
        - Name: bots
          Priority: 400
          OverrideAction: { None: {} }
          Statement:
            ManagedRuleGroupStatement:
              VendorName: AWS
              Name: AWSManagedRulesBotControlRuleSet
              ManagedRuleGroupConfigs:
                - AWSManagedRulesBotControlRuleSet: { InspectionLevel: COMMON }
          VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: bots, SampledRequestsEnabled: true }
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Scheme: internal
  Association:
    Type: AWS::WAFv2::WebACLAssociation
    Properties:
      ResourceArn: !Ref Lb
      WebACLArn: !GetAtt Acl.Arn
"#;
        let p = project(&[("template.yaml", template)]);
        let edge = Edge::build(&p);
        let acl_index = index(&p, "Acl");
        let acl = edge.web_acl(acl_index).unwrap();
        assert_eq!(acl.default_action, Some(DefaultAction::Block));
        let rules = acl.rules.unwrap();
        assert_eq!(rules[0].action, RuleAction::GroupRules);
        assert!(matches!(
            &rules[0].statement,
            Statement::ManagedGroup { inspection_level: Some(l), .. } if l.as_str() == Some("COMMON")
        ));
        let lb = index(&p, "Lb");
        assert_eq!(
            load_balancer(&p, lb).unwrap().exposure,
            Some(Exposure::Internal)
        );
        assert_eq!(
            edge.web_acls_of(lb),
            Some(Association {
                acls: vec![acl_index],
                external: false
            })
        );
        assert_eq!(edge.waf_logging(acl_index).map(|l| l.len()), Some(0));
    }

    const NETWORK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}
resource "aws_subnet" "public" {
  vpc_id = aws_vpc.main.id
}
resource "aws_subnet" "firewall" {
  vpc_id = aws_vpc.main.id
}
resource "aws_subnet" "critical" {
  vpc_id = aws_vpc.main.id
  tags   = { classification = "critical" }
}
resource "aws_subnet" "standard" {
  vpc_id = aws_vpc.main.id
  tags   = { classification = "standard" }
}
resource "aws_subnet" "isolated" {
  vpc_id = aws_vpc.main.id
}
resource "aws_nat_gateway" "main" {
  subnet_id = aws_subnet.public.id
}
resource "aws_networkfirewall_firewall_policy" "main" {
  name = "main"
  firewall_policy {
    stateless_default_actions          = ["aws:forward_to_sfe"]
    stateless_fragment_default_actions = ["aws:forward_to_sfe"]
    stateful_engine_options {
      rule_order = "STRICT_ORDER"
    }
    stateful_default_actions = ["aws:drop_established"]
    stateful_rule_group_reference {
      priority     = 1
      resource_arn = "arn:aws:network-firewall:${data.aws_region.current.region}:aws-managed:stateful-rulegroup/ThreatSignaturesBotnetStrictOrder"
    }
  }
}
data "aws_region" "current" {}
resource "aws_networkfirewall_firewall" "main" {
  name                = "main"
  vpc_id              = aws_vpc.main.id
  firewall_policy_arn = aws_networkfirewall_firewall_policy.main.arn
  subnet_mapping {
    subnet_id = aws_subnet.firewall.id
  }
}
resource "aws_route_table" "critical" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block      = "0.0.0.0/0"
    vpc_endpoint_id = tolist(aws_networkfirewall_firewall.main.firewall_status[0].sync_states)[0].attachment[0].endpoint_id
  }
}
resource "aws_route_table" "standard" {
  vpc_id = aws_vpc.main.id
}
resource "aws_route" "standard" {
  route_table_id         = aws_route_table.standard.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.main.id
}
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}
resource "aws_route_table_association" "critical" {
  subnet_id      = aws_subnet.critical.id
  route_table_id = aws_route_table.critical.id
}
resource "aws_route_table_association" "standard" {
  subnet_id      = aws_subnet.standard.id
  route_table_id = aws_route_table.standard.id
}
resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}
"#;

    #[test]
    fn subnets_reach_the_internet_through_firewalls_or_not() {
        let p = project(&[("main.tf", NETWORK)]);
        let routing = Routing::build(&p);
        let firewall = index(&p, "aws_networkfirewall_firewall.main");
        assert!(matches!(
            routing.internet_path(index(&p, "aws_subnet.critical")),
            InternetPath::Firewalls(f) if f == vec![firewall]
        ));
        assert!(matches!(
            routing.internet_path(index(&p, "aws_subnet.standard")),
            InternetPath::Bypass { nat: Some(_), .. }
        ));
        assert!(matches!(
            routing.internet_path(index(&p, "aws_subnet.isolated")),
            InternetPath::None
        ));
        let edge = routing.edge_subnets();
        assert!(edge.contains(&index(&p, "aws_subnet.firewall")));
        assert!(edge.contains(&index(&p, "aws_subnet.public")));
        assert!(!edge.contains(&index(&p, "aws_subnet.critical")));

        let policy =
            firewall_policy(&p, index(&p, "aws_networkfirewall_firewall_policy.main")).unwrap();
        assert_eq!(policy.stateful_groups.len(), 1);
        assert_eq!(policy.stateful_groups[0].is_ids(), Some(true));
        assert_eq!(
            policy.rule_order.and_then(Node::as_str),
            Some("STRICT_ORDER")
        );
        let fw = firewalls(&p);
        assert_eq!(fw[0].policies, vec![policy.index]);
    }

    #[test]
    fn plans_read_like_configurations() {
        let plan = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.0",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_wafv2_web_acl.main", "mode": "managed", "type": "aws_wafv2_web_acl", "name": "main",
     "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
     "values": {
       "name": "main", "scope": "REGIONAL", "rule_json": null,
       "default_action": [{"allow": [{"custom_request_handling": []}], "block": []}],
       "rule": [{
         "name": "rate", "priority": 500,
         "action": [{"allow": [], "block": [{"custom_response": []}], "captcha": [], "challenge": [], "count": []}],
         "override_action": [],
         "statement": [{"geo_match_statement": [], "rate_based_statement": [{"limit": 2000, "evaluation_window_sec": 300, "aggregate_key_type": "IP", "scope_down_statement": []}]}],
         "visibility_config": [{"cloudwatch_metrics_enabled": true, "metric_name": "rate", "sampled_requests_enabled": false}]
       }],
       "visibility_config": [{"cloudwatch_metrics_enabled": true, "metric_name": "main", "sampled_requests_enabled": true}],
       "tags": {"classification": "critical"}
     }}
  ]}}
}"#;
        let p = project(&[("plan.json", plan)]);
        let edge = Edge::build(&p);
        let acl = edge.web_acl(index(&p, "aws_wafv2_web_acl.main")).unwrap();
        assert_eq!(acl.default_action, Some(DefaultAction::Allow));
        let rules = acl.rules.unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].action, RuleAction::Block);
        assert!(matches!(
            &rules[0].statement,
            Statement::RateBased { limit: Some(l), window: Some(w), .. }
                if l.as_i64() == Some(2000) && w.as_i64() == Some(300)
        ));
        assert_eq!(
            edge.web_acl_tier(acl.index).map(|t| t.tier),
            Some(Tier::Critical)
        );
    }

    #[test]
    fn managed_groups_are_named_by_the_literal_parts_of_their_arn() {
        let template = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Policy:
    Type: AWS::NetworkFirewall::FirewallPolicy
    Properties:
      FirewallPolicyName: critical
      FirewallPolicy:
        StatelessDefaultActions: ["aws:forward_to_sfe"]
        StatelessFragmentDefaultActions: ["aws:forward_to_sfe"]
        StatefulRuleGroupReferences:
          - ResourceArn: !Sub arn:${AWS::Partition}:network-firewall:${AWS::Region}:aws-managed:stateful-rulegroup/ThreatSignaturesBotnetStrictOrder
          - ResourceArn: !Sub arn:${AWS::Partition}:network-firewall:${AWS::Region}:aws-managed:stateful-rulegroup/${GroupName}
          - ResourceArn: !GetAtt Domains.RuleGroupArn
  Domains:
    Type: AWS::NetworkFirewall::RuleGroup
    Properties:
      RuleGroupName: domains
      Type: STATEFUL
      Capacity: 100
      RuleGroup:
        RulesSource:
          RulesSourceList:
            GeneratedRulesType: ALLOWLIST
            TargetTypes: [TLS_SNI]
            Targets: [".amazonaws.com"]
Parameters:
  GroupName:
    Type: String
"#;
        let p = project(&[("template.yaml", template)]);
        let policy = firewall_policy(&p, index(&p, "Policy")).unwrap();
        let ids: Vec<Option<bool>> = policy
            .stateful_groups
            .iter()
            .map(FirewallGroup::is_ids)
            .collect();
        assert_eq!(ids, [Some(true), None, Some(false)]);
    }

    #[test]
    fn suricata_signatures() {
        assert!(has_suricata_signatures(
            "alert http any any -> any any (msg:\"x\"; sid:1; rev:1;)\n"
        ));
        assert!(!has_suricata_signatures(
            "pass tcp any any -> any 443 (sid:2;)"
        ));
        assert!(!has_suricata_signatures("# alert with sid: in a comment"));
    }
}
