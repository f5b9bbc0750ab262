//! A template's sections: parameters, mappings, conditions and resources.

use rampart_iac::{BlockKind, Language, Node, Origin, Resource, UnknownValue, Value};
use rampart_source::{Diagnostic, FileId, Span};

use crate::conditions::Truth;
use crate::eval::{Evaluator, ExpandedEntry, Expansion, Parameter, YamlNode, code};
use crate::unknowns;

/// A template after evaluation.
#[derive(Debug, Default)]
pub struct EvaluatedTemplate {
    /// The parameters (kind [`BlockKind::Variable`]), then the resources (kind
    /// [`BlockKind::Resource`]) whose condition does not evaluate to false, in
    /// template order.
    pub resources: Vec<Resource>,
    /// Every unknown value inside them, for `--show-unknown`.
    pub unknowns: Vec<UnknownValue>,
    /// What is wrong with the template, with lines.
    pub diagnostics: Vec<Diagnostic>,
}

const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Conditions",
    "Description",
    "Globals",
    "Hooks",
    "Mappings",
    "Metadata",
    "Outputs",
    "Parameters",
    "Resources",
    "Rules",
    "Transform",
];

const RESOURCE_KEYS: &[&str] = &[
    "Condition",
    "CreationPolicy",
    "DeletionPolicy",
    "DependsOn",
    "Metadata",
    "Properties",
    "Type",
    "UpdatePolicy",
    "UpdateReplacePolicy",
    "Version",
];

/// Transforms whose effect rampart accounts for: SAM resources are checked as
/// written, and the language extensions (`Fn::ForEach`, `Fn::Length`,
/// `Fn::ToJsonString`, `Fn::FindInMap` defaults) are evaluated.
const UNDERSTOOD_TRANSFORMS: &[&str] = &["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"];

/// Whether a YAML or JSON document is a CloudFormation template: it has
/// `AWSTemplateFormatVersion`, or a `Resources` mapping with an entry whose
/// `Type` is `AWS::…` or `Custom::…` (a SAM template counts).
pub fn is_cloudformation(root: &YamlNode) -> bool {
    if !root.is_map() {
        return false;
    }
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    // A Kubernetes object named `Resources`… is still a Kubernetes object.
    if root.get("apiVersion").is_some() && root.get("kind").is_some() {
        return false;
    }
    root.get("Resources").is_some_and(|resources| {
        resources.entries().iter().any(|entry| {
            entry
                .value
                .get("Type")
                .and_then(YamlNode::as_str)
                .is_some_and(|t| t.starts_with("AWS::") || t.starts_with("Custom::"))
        })
    })
}

/// Evaluates a template: its parameters and resources as
/// [`rampart_iac::Resource`]s whose values remember where they were written,
/// the unknowns among them, and what is wrong with the template. Never
/// panics; a malformed part is reported and the rest is still evaluated.
pub fn evaluate_template(file: FileId, root: &YamlNode, display_path: &str) -> EvaluatedTemplate {
    let mut ev = Evaluator::new(file, display_path);
    let mut out = EvaluatedTemplate::default();
    if !root.is_map() {
        ev.error(
            code::STRUCTURE,
            root.span,
            "a CloudFormation template must be a mapping of sections",
        );
        out.diagnostics = ev.diagnostics;
        return out;
    }

    let transforms = transforms(&mut ev, root);
    for entry in root.entries() {
        if let Some(section) = entry.key.as_str()
            && !SECTIONS.contains(&section)
        {
            ev.warning(
                code::UNKNOWN_KEY,
                entry.key.span,
                format!("unknown template section `{section}`; CloudFormation rejects it"),
            );
        }
    }

    let parameters = declare_parameters(&mut ev, root);
    ev.mappings = section(&mut ev, root, "Mappings");
    if let Some(conditions) = section(&mut ev, root, "Conditions") {
        for entry in conditions.entries() {
            if let Some(name) = ev.key_text(&entry.key) {
                ev.conditions.insert(name, entry);
            }
        }
    }

    let resources = section(&mut ev, root, "Resources");
    if root.get("Resources").is_none() {
        ev.error(
            code::STRUCTURE,
            root.span,
            "the template has no `Resources` section",
        );
    }
    // Every logical id is known before any `Ref` is evaluated; loops are
    // expanded first, so the ids they create are known too.
    let expansions = match resources {
        Some(resources) => {
            for entry in resources.entries() {
                if let Some(id) = entry.key.as_str()
                    && !id.starts_with("Fn::ForEach::")
                {
                    ev.resources.insert(id.to_owned());
                }
            }
            let expansions = ev.expand_entries(resources.entries(), &[], 0);
            for expansion in &expansions {
                if let Expansion::Entry(entry) = expansion {
                    ev.resources.insert(entry.key.clone());
                }
            }
            expansions
        }
        None => Vec::new(),
    };

    ev.evaluate_conditions();

    for (name, key_span) in parameters {
        if let Some(parameter) = variable(&mut ev, name, key_span) {
            collect_unknowns(&ev, &parameter, &mut out.unknowns);
            out.resources.push(parameter);
        }
    }
    let lenient_keys = !transforms.is_empty();
    for expansion in expansions {
        match expansion {
            Expansion::Entry(entry) => {
                let resource =
                    ev.with_locals(&entry.locals, |ev| resource(ev, &entry, lenient_keys));
                if let Some(resource) = resource {
                    collect_unknowns(&ev, &resource, &mut out.unknowns);
                    out.resources.push(resource);
                }
            }
            Expansion::Unexpanded {
                key_node,
                unknown,
                reported: false,
            } => {
                ev.warning(
                    code::TRANSFORM,
                    key_node.span,
                    format!(
                        "{}; the resources it creates are not checked",
                        unknowns::clause(&unknown)
                    ),
                );
            }
            // Already reported.
            Expansion::Unexpanded { reported: true, .. } => {}
        }
    }
    out.diagnostics = ev.diagnostics;
    // Loops and conditions are evaluated first; report in source order.
    out.diagnostics.sort_by_key(|d| (d.line, d.column));
    out
}

/// A section that must be a mapping, if present.
fn section<'t>(ev: &mut Evaluator<'t>, root: &'t YamlNode, name: &str) -> Option<&'t YamlNode> {
    let node = root.get(name)?;
    if node.is_map() && node.tag.is_none() {
        return Some(node);
    }
    if !node.is_null() {
        ev.error(
            code::STRUCTURE,
            node.span,
            format!("`{name}` must be a mapping; it was not evaluated"),
        );
    }
    None
}

/// The template's transforms; a macro rampart does not know is reported,
/// since it may rewrite anything.
fn transforms<'t>(ev: &mut Evaluator<'t>, root: &'t YamlNode) -> Vec<&'t str> {
    let Some(node) = root.get("Transform") else {
        return Vec::new();
    };
    let names: Vec<&'t YamlNode> = if node.is_seq() {
        node.items().iter().collect()
    } else {
        vec![node]
    };
    let mut out = Vec::new();
    for name in names {
        // `Transform: {Name: AWS::Include, …}` at the top of a template.
        let text = name
            .as_str()
            .or_else(|| name.get("Name").and_then(YamlNode::as_str));
        let Some(text) = text else { continue };
        if !UNDERSTOOD_TRANSFORMS.contains(&text) {
            ev.warning(
                code::TRANSFORM,
                name.span,
                format!(
                    "transform `{text}` rewrites the template at deployment; resources are checked as written"
                ),
            );
        }
        out.push(text);
    }
    out
}

/// Records the declared parameters; returns them in template order.
fn declare_parameters<'t>(ev: &mut Evaluator<'t>, root: &'t YamlNode) -> Vec<(&'t str, Span)> {
    let Some(parameters) = section(ev, root, "Parameters") else {
        return Vec::new();
    };
    let mut order = Vec::new();
    for entry in parameters.entries() {
        let Some(name) = ev.key_text(&entry.key) else {
            continue;
        };
        if !entry.value.is_map() {
            ev.error(
                code::STRUCTURE,
                entry.value.span,
                format!("parameter `{name}` must be a mapping; it was not evaluated"),
            );
            continue;
        }
        let type_name = match entry.value.get("Type").and_then(YamlNode::as_str) {
            Some(type_name) => type_name.to_owned(),
            None => {
                ev.warning(
                    code::STRUCTURE,
                    entry.key.span,
                    format!("parameter `{name}` has no `Type`"),
                );
                String::new()
            }
        };
        ev.parameters.insert(
            name,
            Parameter {
                declaration: &entry.value,
                type_name,
            },
        );
        order.push((name, entry.key.span));
    }
    order
}

/// A parameter as a variable: its declaration (`Type`, `Default`, `NoEcho`, …)
/// evaluated.
fn variable(ev: &mut Evaluator<'_>, name: &str, key_span: Span) -> Option<Resource> {
    let parameter = ev.parameters.get(name)?;
    let declaration = parameter.declaration;
    let resource_type = parameter.type_name.clone();
    let attributes = ev.value(declaration, 1);
    Some(Resource {
        language: Language::CloudFormation,
        kind: BlockKind::Variable,
        file: ev.file,
        span: key_span,
        resource_type: resource_type.into(),
        address: name.to_owned(),
        module: Default::default(),
        attributes,
    })
}

fn resource<'t>(
    ev: &mut Evaluator<'t>,
    entry: &ExpandedEntry<'t>,
    lenient_keys: bool,
) -> Option<Resource> {
    let id = entry.key.as_str();
    let span = entry.key_node.span;
    let body = entry.value;
    if !body.is_map() || body.tag.is_some() {
        ev.error(
            code::STRUCTURE,
            body.span,
            format!("resource `{id}` must be a mapping; it was not evaluated"),
        );
        return None;
    }
    let Some(resource_type) = body
        .get("Type")
        .filter(|t| t.tag.is_none())
        .and_then(YamlNode::as_str)
    else {
        ev.error(
            code::STRUCTURE,
            span,
            format!("resource `{id}` has no `Type`; it was not evaluated"),
        );
        return None;
    };
    if !lenient_keys {
        for key in body.entries() {
            if let Some(name) = key.key.as_str()
                && !RESOURCE_KEYS.contains(&name)
            {
                ev.warning(
                    code::UNKNOWN_KEY,
                    key.key.span,
                    format!(
                        "resource `{id}` has an unknown attribute `{name}`; CloudFormation rejects it"
                    ),
                );
            }
        }
    }
    if let Some(condition) = body.get("Condition") {
        match condition.as_str().filter(|_| condition.tag.is_none()) {
            Some(name) => {
                // A resource whose condition is unknown may be created: it is
                // checked.
                if ev.condition(name, condition.span, 1) == Truth::Known(false) {
                    return None;
                }
            }
            None => ev.warning(
                code::INTRINSIC,
                condition.span,
                format!("the `Condition` of resource `{id}` must be the name of a condition"),
            ),
        }
    }
    let attributes = match body.get("Properties") {
        None => Node::new(Value::Map(Box::default()), None),
        Some(properties) if properties.is_null() => {
            Node::new(Value::Map(Box::default()), Some(ev.origin(properties.span)))
        }
        Some(properties) => match ev.eval(properties, 1) {
            None => Node::new(Value::Map(Box::default()), Some(ev.origin(properties.span))),
            Some(node) if matches!(node.value, Value::Map(_) | Value::Unknown(_)) => node,
            Some(_) => {
                ev.error(
                    code::STRUCTURE,
                    properties.span,
                    format!("the `Properties` of resource `{id}` must be a mapping"),
                );
                ev.unevaluated("`Properties` is not a mapping", properties.span)
            }
        },
    };
    Some(Resource {
        language: Language::CloudFormation,
        kind: BlockKind::Resource,
        file: ev.file,
        span,
        resource_type: resource_type.into(),
        address: id.to_owned(),
        module: Default::default(),
        attributes,
    })
}

fn collect_unknowns(ev: &Evaluator<'_>, resource: &Resource, out: &mut Vec<UnknownValue>) {
    let fallback: Origin = ev.origin(resource.span);
    unknowns::collect(&resource.address, &resource.attributes, fallback, out);
}
