//! IAM: policies that grant everything, roles anyone can assume, the
//! administrator policy attached to workloads (G-SEC-02, P-IIA-1).

use std::borrow::Cow;

use rampart_model::aws::policy::{
    Statement, data_source_statements, json_document, json_statements,
};
use rampart_model::rampart_iac::{Node, Unknown, Value};

use crate::engine::{Context, IacResource, Rule};

mod administrator_access_attached;
mod policy_grants_everything;
mod service_wildcard;
mod trust_policy_allows_anyone;

pub(crate) static RULES: &[&Rule] = &[
    &policy_grants_everything::RULE,
    &service_wildcard::RULE,
    &trust_policy_allows_anyone::RULE,
    &administrator_access_attached::RULE,
];

/// Resources that carry identity policies, in both languages, and the
/// `aws_iam_policy_document` data source.
pub(crate) const POLICY_TYPES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role",
    "data.aws_iam_policy_document",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::UserPolicy",
    "AWS::IAM::GroupPolicy",
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::IAM::Group",
];

/// A policy document, parsed once, whose statements borrow from it.
pub(crate) enum Document<'a> {
    Json(Cow<'a, Node>),
    DataSource(&'a Node),
}

impl Document<'_> {
    pub(crate) fn statements(&self) -> Vec<Statement<'_>> {
        match self {
            Document::Json(node) => json_statements(node),
            Document::DataSource(attributes) => data_source_statements(attributes),
        }
    }
}

/// The identity-policy documents a resource writes itself. A policy attribute
/// that is a data source's `json` is not among them: the data source is
/// checked on its own, where its statements are written.
pub(crate) fn identity_policies<'a>(resource: &IacResource<'a>) -> Vec<Document<'a>> {
    let resource: &'a rampart_model::rampart_iac::Resource = resource.resource;
    let mut nodes: Vec<&'a Node> = Vec::new();
    match resource.resource_type.as_str() {
        "aws_iam_policy_document" => return vec![Document::DataSource(&resource.attributes)],
        "aws_iam_role" => nodes.extend(
            resource
                .get("inline_policy")
                .into_iter()
                .flat_map(Node::blocks)
                .filter_map(|b| b.get("policy")),
        ),
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => nodes.extend(
            resource
                .get("Policies")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p.get("PolicyDocument")),
        ),
        _ => nodes.extend(resource.attr("policy", "PolicyDocument")),
    }
    nodes
        .into_iter()
        .filter_map(|n| json_document(n).map(Document::Json))
        .collect()
}

/// A policy attribute as a document: JSON (or a structure), or the data
/// source whose `json` it is. `None` when it cannot be read.
pub(crate) fn referenced_document<'p: 'n, 'n>(
    ctx: &Context<'p>,
    owner: &IacResource<'_>,
    node: &'n Node,
) -> Option<Document<'n>> {
    if let Value::Unknown(unknown) = &node.value
        && matches!(**unknown, Unknown::Reference { .. })
    {
        let source = policy_data_source(ctx, owner, node)?;
        return Some(Document::DataSource(&source.resource.attributes));
    }
    json_document(node).map(Document::Json)
}

/// The `aws_iam_policy_document` data source whose `json` a value refers to.
pub(crate) fn policy_data_source<'a>(
    ctx: &Context<'a>,
    owner: &IacResource<'_>,
    node: &Node,
) -> Option<IacResource<'a>> {
    ctx.targets(owner, node)
        .into_iter()
        .find(|(t, attribute)| t.resource_type == "aws_iam_policy_document" && *attribute == "json")
        .map(|(source, _)| source)
}

/// `*` as an action or resource.
pub(crate) fn is_star(node: &Node) -> bool {
    node.as_str().is_some_and(|s| s == "*" || s == "*:*")
}

/// The statement grants on every resource.
pub(crate) fn on_every_resource(statement: &Statement<'_>) -> bool {
    statement.resources.iter().any(|r| r.as_str() == Some("*"))
}
