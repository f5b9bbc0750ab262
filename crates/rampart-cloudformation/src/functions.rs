//! The intrinsic functions. Each one is evaluated when its inputs are known;
//! otherwise it evaluates to an unknown that says why.

use ipnet::IpNet;
use rampart_iac::{Node, Unknown, Value};
use rampart_source::Span;

use crate::eval::{Call, Evaluated, Evaluator, YamlNode, code};
use crate::text::{self, SubPart, scalar_text};
use crate::unknowns::{derived, first_unknown};

/// Values that exist only once the stack is deployed.
const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// The most subnets `Fn::Cidr` can make.
const MAX_CIDR_COUNT: i64 = 256;

impl<'t> Evaluator<'t> {
    pub fn function(&mut self, call: Call<'t>, depth: usize) -> Evaluated {
        if !self.within_depth(depth, call.span) {
            return Some(self.unevaluated("nested too deeply to evaluate", call.span));
        }
        Some(match call.name {
            "Ref" => return self.reference(call, depth),
            "Fn::If" => return self.if_(call, depth),
            "Fn::GetAtt" => self.get_att(call, depth),
            "Fn::Sub" => self.sub(call, depth),
            "Fn::Join" => self.join(call, depth),
            "Fn::Select" => self.select(call, depth),
            "Fn::Split" => self.split(call, depth),
            "Fn::FindInMap" => self.find_in_map(call, depth),
            "Fn::Base64" => self.base64(call, depth),
            "Fn::Cidr" => self.cidr(call, depth),
            "Fn::GetAZs" => self.get_azs(call, depth),
            "Fn::ImportValue" => self.import_value(call, depth),
            "Fn::Length" => self.length(call, depth),
            "Fn::ToJsonString" => self.json_string(call, depth),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" | "Condition" => {
                self.truth_value(call, depth)
            }
            "Fn::Transform" => {
                let name = call
                    .args
                    .get("Name")
                    .and_then(YamlNode::as_str)
                    .unwrap_or("?");
                self.unevaluated(
                    format!("macro `{name}` (`Fn::Transform`) produces this value at deployment"),
                    call.span,
                )
            }
            other => {
                self.warning(
                    code::INTRINSIC,
                    call.span,
                    format!("unknown function `{other}`; its value is unknown"),
                );
                self.unevaluated(format!("unknown function `{other}`"), call.span)
            }
        })
    }

    /// An unknown built from an unknown input, placed at the call.
    fn derived_at(&self, unknown: &Unknown, at: Span) -> Node {
        Node::unknown(derived(unknown), Some(self.origin(at)))
    }

    /// The text of an evaluated argument: `Ok` for a scalar, `Err` with the
    /// value to return otherwise (unknown, or invalid and reported).
    fn text_of(&mut self, call: &Call<'_>, value: &Node, what: &str) -> Result<String, Node> {
        match (&value.value, scalar_text(value)) {
            (_, Some(text)) => Ok(text),
            (Value::Unknown(unknown), _) => Err(self.derived_at(unknown, call.span)),
            _ => Err(self.invalid(call, format!("{what} must be a string"))),
        }
    }

    // ----- Ref, Fn::GetAtt -----

    fn reference(&mut self, call: Call<'t>, depth: usize) -> Evaluated {
        let name = match call.text() {
            Some(name) => name.to_owned(),
            None => {
                let value = self.whole_value(&call, depth + 1);
                match self.text_of(&call, &value, "the name") {
                    Ok(name) => name,
                    Err(unknown) => return Some(unknown),
                }
            }
        };
        if name.is_empty() {
            return Some(self.invalid(&call, "expected the name of a parameter or resource"));
        }
        self.resolve(&name, call.span, depth)
    }

    /// What `Ref Name` (or `${Name}` in `Fn::Sub`) evaluates to.
    pub fn resolve(&mut self, name: &str, at: Span, depth: usize) -> Evaluated {
        if let Some(local) = self.local(name).cloned() {
            return Some(Node {
                origin: local.origin.or(Some(self.origin(at))),
                ..local
            });
        }
        if name == "AWS::NoValue" {
            return None;
        }
        if PSEUDO_PARAMETERS.contains(&name) {
            return Some(self.unevaluated(
                format!("pseudo parameter `{name}` is known at deployment"),
                at,
            ));
        }
        if self.parameters.contains_key(name) {
            return Some(self.parameter(name, at, depth));
        }
        if self.resources.contains(name) {
            return Some(Node::unknown(
                Unknown::Reference {
                    address: name.to_owned(),
                    attribute: String::new(),
                },
                Some(self.origin(at)),
            ));
        }
        self.warning(
            code::UNDEFINED,
            at,
            format!("`{name}` is not a parameter or resource of this template"),
        );
        Some(self.unevaluated(format!("`{name}` is not defined in this template"), at))
    }

    /// The value of a parameter: its default, where the default was written.
    fn parameter(&mut self, name: &str, at: Span, depth: usize) -> Node {
        let Some((&key, parameter)) = self.parameters.get_key_value(name) else {
            return self.unevaluated(format!("`{name}` is not defined in this template"), at);
        };
        let declaration = parameter.declaration;
        let type_name = parameter.type_name.clone();
        let default = match self.parameter_defaults.get(key) {
            Some(default) => default.clone(),
            None => match declaration.get("Default") {
                None => {
                    self.parameter_defaults.insert(key, None);
                    None
                }
                // Defaults are literals in a valid template; a default that
                // refers back to its own parameter meets this placeholder.
                Some(written) => {
                    let placeholder = self.unevaluated(
                        format!("the default of parameter `{name}` refers to itself"),
                        written.span,
                    );
                    self.parameter_defaults.insert(key, Some(placeholder));
                    let default = self.value(written, depth + 1);
                    self.parameter_defaults.insert(key, Some(default.clone()));
                    Some(default)
                }
            },
        };
        if type_name.starts_with("AWS::SSM::Parameter::Value<") {
            let path = default.as_ref().and_then(scalar_text).unwrap_or_default();
            return self.unevaluated(
                format!(
                    "parameter `{name}` is read from Systems Manager parameter `{path}` at deployment"
                ),
                at,
            );
        }
        let Some(default) = default else {
            return Node::unknown(
                Unknown::UnsetVariable {
                    name: name.to_owned(),
                },
                Some(self.origin(at)),
            );
        };
        let is_list = type_name == "CommaDelimitedList" || type_name.starts_with("List<");
        match scalar_text(&default) {
            // A list parameter's value is its default split at commas, each
            // item trimmed.
            Some(text) if is_list => {
                let items = text
                    .split(',')
                    .map(|item| self.string(item.trim().to_owned(), default.origin))
                    .collect();
                let list = Node::new(Value::List(items), default.origin);
                self.copy(&list, at)
            }
            _ => self.copy(&default, at),
        }
    }

    fn get_att(&mut self, call: Call<'t>, depth: usize) -> Node {
        let (resource, attribute) = if let Some(text) = call.text() {
            match text.split_once('.') {
                Some((resource, attribute)) if !resource.is_empty() && !attribute.is_empty() => {
                    (resource.to_owned(), attribute.to_owned())
                }
                _ => return self.invalid(&call, "expected `Resource.Attribute`"),
            }
        } else if let Some([resource, attribute]) = call.items() {
            let resource = self.value(resource, depth + 1);
            let attribute = self.value(attribute, depth + 1);
            let resource = match self.text_of(&call, &resource, "the resource") {
                Ok(text) => text,
                Err(node) => return node,
            };
            match self.text_of(&call, &attribute, "the attribute") {
                Ok(attribute) => (resource, attribute),
                Err(node) => return node,
            }
        } else {
            return self.invalid(
                &call,
                "expected `Resource.Attribute` or [Resource, Attribute]",
            );
        };
        self.attribute(&resource, &attribute, call.span)
    }

    /// `Fn::GetAtt Resource.Attribute`, or `${Resource.Attribute}` in `Fn::Sub`.
    fn attribute(&mut self, resource: &str, attribute: &str, at: Span) -> Node {
        if self.resources.contains(resource) {
            return Node::unknown(
                Unknown::Reference {
                    address: resource.to_owned(),
                    attribute: attribute.to_owned(),
                },
                Some(self.origin(at)),
            );
        }
        let message = if self.parameters.contains_key(resource) {
            format!("`{resource}` is a parameter; only resources have attributes")
        } else {
            format!("`{resource}` is not a resource of this template")
        };
        self.warning(code::UNDEFINED, at, message.clone());
        self.unevaluated(message, at)
    }

    // ----- Fn::Sub -----

    fn sub(&mut self, call: Call<'t>, depth: usize) -> Node {
        let (template, variables) = match (call.text(), call.items()) {
            (Some(text), _) => (text.to_owned(), &[][..]),
            (None, Some([template, rest @ ..])) if rest.len() <= 1 => {
                let template = if let (rampart_yaml::Value::Scalar(text, _), None) =
                    (&template.value, &template.tag)
                {
                    text.to_string()
                } else {
                    let value = self.value(template, depth + 1);
                    match self.text_of(&call, &value, "the template") {
                        Ok(text) => text,
                        Err(node) => return node,
                    }
                };
                (template, rest)
            }
            _ => {
                return self.invalid(&call, "expected a string or [String, {Variables}]");
            }
        };
        let mut bound: Vec<(&str, Node)> = Vec::new();
        if let [variables] = variables {
            if !variables.is_map() || variables.tag.is_some() {
                return self.invalid(&call, "the variables must be a mapping");
            }
            for entry in variables.entries() {
                let Some(name) = self.key_text(&entry.key) else {
                    continue;
                };
                let value = self.value(&entry.value, depth + 1);
                bound.push((name, value));
            }
        }

        let parts = text::parse_sub(&template);
        // `!Sub "${Name}"` is the value of `Name` itself, where it was written.
        if let [SubPart::Variable(name)] = parts.as_slice() {
            let value = self.sub_variable(name, &bound, &call, depth + 1);
            return match scalar_text(&value) {
                Some(text) => self.string(text, value.origin),
                None if value.is_unknown() => value,
                None => self.invalid(&call, format!("`${{{name}}}` is not a string")),
            };
        }

        let mut out = String::new();
        let mut unknown = None;
        for part in parts {
            let piece = match part {
                SubPart::Text(text) => text.to_owned(),
                SubPart::Variable(name) => {
                    let value = self.sub_variable(name, &bound, &call, depth + 1);
                    match (&value.value, scalar_text(&value)) {
                        (_, Some(text)) => text,
                        (Value::Unknown(u), _) => {
                            unknown.get_or_insert_with(|| derived(u));
                            continue;
                        }
                        _ => return self.invalid(&call, format!("`${{{name}}}` is not a string")),
                    }
                }
            };
            if !self.spend(piece.len(), call.span) {
                return self.over_budget(call.span);
            }
            out.push_str(&piece);
        }
        match unknown {
            Some(unknown) => Node::unknown(unknown, Some(self.origin(call.span))),
            None => self.string(out, Some(self.origin(call.span))),
        }
    }

    fn sub_variable(
        &mut self,
        name: &str,
        bound: &[(&str, Node)],
        call: &Call<'t>,
        depth: usize,
    ) -> Node {
        if let Some((_, value)) = bound.iter().find(|(n, _)| *n == name) {
            return self.copy(value, call.span);
        }
        if self.local(name).is_none()
            && let Some((resource, attribute)) = name.split_once('.')
        {
            return self.attribute(resource, attribute, call.span);
        }
        match self.resolve(name, call.span, depth) {
            Some(value) => value,
            None => self.invalid(call, "`${AWS::NoValue}` cannot be substituted"),
        }
    }

    // ----- Fn::If -----

    fn if_(&mut self, call: Call<'t>, depth: usize) -> Evaluated {
        let Some([condition, when_true, when_false]) = call.items() else {
            return Some(self.invalid(&call, "expected [Condition, ValueIfTrue, ValueIfFalse]"));
        };
        let Some(name) = condition.as_str().filter(|_| condition.tag.is_none()) else {
            return Some(self.invalid(&call, "the first item must be the name of a condition"));
        };
        match self.condition(name, condition.span, depth + 1) {
            crate::conditions::Truth::Known(true) => self.eval(when_true, depth + 1),
            crate::conditions::Truth::Known(false) => self.eval(when_false, depth + 1),
            // Never pick a branch: either may be deployed.
            crate::conditions::Truth::Unknown(why) => Some(self.unevaluated(
                format!("condition `{name}` cannot be known: {why}"),
                call.span,
            )),
        }
    }

    // ----- lists and strings -----

    fn join(&mut self, call: Call<'t>, depth: usize) -> Node {
        let Some([delimiter, list]) = call.items() else {
            return self.invalid(&call, "expected [Delimiter, [Values]]");
        };
        let delimiter = self.value(delimiter, depth + 1);
        let list = self.value(list, depth + 1);
        let delimiter = match self.text_of(&call, &delimiter, "the delimiter") {
            Ok(text) => text,
            Err(node) => return node,
        };
        let items = match &list.value {
            Value::List(items) => items,
            Value::Unknown(unknown) => return self.derived_at(unknown, call.span),
            _ => return self.invalid(&call, "the values must be a list"),
        };
        let mut out = String::new();
        let mut unknown = None;
        for (i, item) in items.iter().enumerate() {
            let piece = match (&item.value, scalar_text(item)) {
                (_, Some(text)) => text,
                (Value::Unknown(u), _) => {
                    unknown.get_or_insert_with(|| derived(u));
                    continue;
                }
                _ => return self.invalid(&call, "every value must be a string"),
            };
            let separator = if i > 0 { delimiter.as_str() } else { "" };
            if !self.spend(separator.len() + piece.len(), call.span) {
                return self.over_budget(call.span);
            }
            out.push_str(separator);
            out.push_str(&piece);
        }
        match unknown {
            Some(unknown) => Node::unknown(unknown, Some(self.origin(call.span))),
            None => self.string(out, Some(self.origin(call.span))),
        }
    }

    fn select(&mut self, call: Call<'t>, depth: usize) -> Node {
        let Some([index, list]) = call.items() else {
            return self.invalid(&call, "expected [Index, [Values]]");
        };
        let index = self.value(index, depth + 1);
        let list = self.value(list, depth + 1);
        if let Some(unknown) = index.unknown_value() {
            return self.derived_at(unknown, call.span);
        }
        let Some(index) = index.as_i64().and_then(|i| usize::try_from(i).ok()) else {
            return self.invalid(&call, "the index must be a whole number of at least 0");
        };
        match list.value {
            Value::List(items) => {
                let len = items.len();
                match items.into_iter().nth(index) {
                    Some(item) => item,
                    None => self.invalid(
                        &call,
                        format!("index {index} is out of range for a list of {len}"),
                    ),
                }
            }
            Value::Unknown(unknown) => self.derived_at(&unknown, call.span),
            _ => self.invalid(&call, "the values must be a list"),
        }
    }

    fn split(&mut self, call: Call<'t>, depth: usize) -> Node {
        let Some([delimiter, source]) = call.items() else {
            return self.invalid(&call, "expected [Delimiter, String]");
        };
        let delimiter = self.value(delimiter, depth + 1);
        let source = self.value(source, depth + 1);
        let delimiter = match self.text_of(&call, &delimiter, "the delimiter") {
            Ok(text) if !text.is_empty() => text,
            Ok(_) => return self.invalid(&call, "the delimiter must not be empty"),
            Err(node) => return node,
        };
        let text = match self.text_of(&call, &source, "the source") {
            Ok(text) => text,
            Err(node) => return node,
        };
        if !self.spend(text.len() * 2, call.span) {
            return self.over_budget(call.span);
        }
        // Each item was written where the source string was (a parameter's
        // default, say): that is where a user changes it.
        let origin = source.origin.or(Some(self.origin(call.span)));
        let items = text
            .split(delimiter.as_str())
            .map(|item| self.string(item.to_owned(), origin))
            .collect();
        Node::new(Value::List(items), Some(self.origin(call.span)))
    }

    fn find_in_map(&mut self, call: Call<'t>, depth: usize) -> Node {
        let (keys, options) = match call.items() {
            Some([map, top, second]) => ([map, top, second], None),
            Some([map, top, second, options]) => ([map, top, second], Some(options)),
            _ => {
                return self.invalid(
                    &call,
                    "expected [MapName, TopLevelKey, SecondLevelKey] (and optionally {DefaultValue: …})",
                );
            }
        };
        let mut names = Vec::with_capacity(3);
        let mut unknown = None;
        for key in keys {
            let value = self.value(key, depth + 1);
            match (&value.value, scalar_text(&value)) {
                (_, Some(text)) => names.push(text),
                (Value::Unknown(u), _) => {
                    unknown.get_or_insert_with(|| derived(u));
                }
                _ => return self.invalid(&call, "the map name and keys must be strings"),
            }
        }
        if let Some(unknown) = unknown {
            return Node::unknown(unknown, Some(self.origin(call.span)));
        }
        let [map, top, second] = names.as_slice() else {
            return self.invalid(&call, "the map name and keys must be strings");
        };
        let Some(mapping) = self.mappings.and_then(|m| m.get(map)) else {
            let message = format!("there is no mapping `{map}` in `Mappings`");
            self.warning(code::UNDEFINED, call.span, message.clone());
            return self.unevaluated(message, call.span);
        };
        let found = mapping.get(top).and_then(|t| t.get(second));
        let Some(found) = found else {
            if let Some(default) = options.and_then(|o| o.get("DefaultValue")) {
                return self.value(default, depth + 1);
            }
            let message = format!("mapping `{map}` has no value for `{top}`, `{second}`");
            self.warning(code::UNDEFINED, call.span, message.clone());
            return self.unevaluated(message, call.span);
        };
        if !self.spend(found.count(), call.span) {
            return self.over_budget(call.span);
        }
        self.value(found, depth + 1)
    }

    fn base64(&mut self, call: Call<'t>, depth: usize) -> Node {
        let value = self.whole_value(&call, depth + 1);
        let text = match self.text_of(&call, &value, "the value") {
            Ok(text) => text,
            Err(node) => return node,
        };
        if !self.spend(text.len() / 3 * 4 + 4, call.span) {
            return self.over_budget(call.span);
        }
        // Where the encoded text was written (the `Fn::Sub` of a user data
        // script), which is where a user changes it.
        let origin = value.origin.or(Some(self.origin(call.span)));
        Node::new(Value::String(text::base64(text.as_bytes()).into()), origin)
    }

    fn cidr(&mut self, call: Call<'t>, depth: usize) -> Node {
        let Some([block, count, bits]) = call.items() else {
            return self.invalid(&call, "expected [IpBlock, Count, CidrBits]");
        };
        let block = self.value(block, depth + 1);
        let count = self.value(count, depth + 1);
        let bits = self.value(bits, depth + 1);
        if let Some(unknown) = [&block, &count, &bits]
            .into_iter()
            .find_map(Node::unknown_value)
        {
            return self.derived_at(unknown, call.span);
        }
        let Some(network) = block
            .as_str()
            .and_then(|text| text.trim().parse::<IpNet>().ok())
        else {
            return self.invalid(&call, "the address block must be a CIDR (`10.0.0.0/16`)");
        };
        let network = network.trunc();
        let Some(count) = count.as_i64().filter(|c| (1..=MAX_CIDR_COUNT).contains(c)) else {
            return self.invalid(&call, "the count must be a number from 1 to 256");
        };
        let max = i64::from(network.max_prefix_len());
        let Some(prefix) = bits
            .as_i64()
            .filter(|b| (1..=max).contains(b))
            .and_then(|b| u8::try_from(max - b).ok())
        else {
            return self.invalid(
                &call,
                format!("the subnet bits must be a number from 1 to {max}"),
            );
        };
        let Ok(subnets) = network.subnets(prefix) else {
            return self.invalid(
                &call,
                format!("/{prefix} subnets do not fit in `{network}`"),
            );
        };
        let origin = Some(self.origin(call.span));
        let subnets: Vec<Node> = subnets
            .take(usize::try_from(count).unwrap_or(0))
            .map(|net| Node::new(Value::String(net.to_string().into()), origin))
            .collect();
        if subnets.len() < usize::try_from(count).unwrap_or(0) {
            return self.invalid(
                &call,
                format!(
                    "only {} /{prefix} subnets fit in `{network}`, not {count}",
                    subnets.len()
                ),
            );
        }
        Node::new(Value::List(subnets.into()), origin)
    }

    fn get_azs(&mut self, call: Call<'t>, depth: usize) -> Node {
        let region = self.whole_value(&call, depth + 1);
        let reason = match scalar_text(&region) {
            Some(region) if !region.is_empty() => {
                format!("the availability zones of `{region}` are known at deployment")
            }
            _ => "the availability zones of the stack's region are known at deployment".to_owned(),
        };
        self.unevaluated(reason, call.span)
    }

    fn import_value(&mut self, call: Call<'t>, depth: usize) -> Node {
        let name = self.whole_value(&call, depth + 1);
        let reason = match scalar_text(&name) {
            Some(name) => format!("`{name}` is exported by another stack, known at deployment"),
            None => {
                "`Fn::ImportValue` reads another stack's export, known at deployment".to_owned()
            }
        };
        self.unevaluated(reason, call.span)
    }

    fn length(&mut self, call: Call<'t>, depth: usize) -> Node {
        let list = self.whole_value(&call, depth + 1);
        match &list.value {
            // Items may be unknown; how many there are is still known.
            Value::List(items) => Node::new(
                Value::Number(items.len() as f64),
                Some(self.origin(call.span)),
            ),
            Value::Unknown(unknown) => self.derived_at(unknown, call.span),
            _ => self.invalid(&call, "expected a list"),
        }
    }

    fn json_string(&mut self, call: Call<'t>, depth: usize) -> Node {
        let value = self.whole_value(&call, depth + 1);
        if !matches!(
            value.value,
            Value::List(_) | Value::Map(_) | Value::Unknown(_)
        ) {
            return self.invalid(&call, "expected a mapping or a list");
        }
        if let Some(unknown) = first_unknown(&value) {
            let node = Node::unknown(derived(unknown), Some(self.origin(call.span)));
            return node;
        }
        // Paid for before it is built: nested encodings double in size.
        let estimate = crate::eval::weight(&value);
        if !self.spend(estimate, call.span) {
            return self.over_budget(call.span);
        }
        let Some(json) = text::to_json(&value) else {
            return self.unevaluated("the value holds unknowns", call.span);
        };
        if !self.spend(json.len().saturating_sub(estimate), call.span) {
            return self.over_budget(call.span);
        }
        Node::new(Value::String(json.into()), Some(self.origin(call.span)))
    }
}
