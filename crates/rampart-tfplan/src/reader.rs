//! Reading one plan document.

use std::collections::{HashMap, HashSet};

use rampart_iac::{BlockKind, Language, Node, Resource, Unknown, UnknownValue, Value};
use rampart_source::{Diagnostic, FileId, Secret};
use rampart_yaml::{Node as Json, Value as JsonValue};

use crate::address::{self, Step, render};
use crate::config::{self, Configuration};
use crate::json::{self, Fields, MAX_VALUE_DEPTH};
use crate::{Action, Drift, PlanOutput, SensitiveValue};

/// Deepest module nesting followed (`child_modules`, `module_calls`). Terraform
/// has no limit, but real configurations stay far below this.
pub(crate) const MAX_MODULE_DEPTH: usize = 64;

const KNOWN_AFTER_APPLY: &str = "known after apply";

pub(crate) fn read(file: FileId, display_path: &str, root: &Json) -> PlanOutput {
    let mut reader = Reader {
        file,
        display_path,
        depth_reported: false,
        out: PlanOutput::default(),
    };
    reader.plan(root);
    reader.out
}

struct Reader<'p> {
    file: FileId,
    display_path: &'p str,
    depth_reported: bool,
    out: PlanOutput,
}

/// Where a `values` tree comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    /// `planned_values`: what the plan will leave.
    Planned,
    /// `prior_state`: what exists now (data sources read while planning).
    PriorState,
}

/// What the reader knows while it reads one module tree.
struct Context<'j> {
    section: Section,
    /// `resource_changes[].change` by address (current objects only).
    changes: HashMap<&'j str, &'j Json>,
    configuration: Configuration<'j>,
}

/// The resource whose values are being read.
struct Owner<'a, 'j> {
    address: &'a str,
    /// The module instance, which prefixes references made inside it.
    module: &'a str,
    expressions: Option<&'j Json>,
}

/// The sensitivity markers that apply to a value: `true` for the whole value,
/// or trees mirroring it (`sensitive_values` and `after_sensitive` together).
#[derive(Clone, Copy, Default)]
struct Marks<'j> {
    all: bool,
    trees: [Option<&'j Json>; 2],
}

impl<'j> Marks<'j> {
    fn new(a: Option<&'j Json>, b: Option<&'j Json>) -> Self {
        Self {
            all: json::is_true(a) || json::is_true(b),
            trees: [a, b],
        }
    }

    fn all() -> Self {
        Self {
            all: true,
            trees: [None, None],
        }
    }

    /// Whether anything below may be sensitive.
    fn any(&self) -> bool {
        self.all
            || self
                .trees
                .iter()
                .flatten()
                .any(|t| !t.entries().is_empty() || !t.items().is_empty())
    }

    fn index(&self, index: usize) -> Self {
        if self.all {
            return *self;
        }
        let item = |t: Option<&'j Json>| t.and_then(|t| t.items().get(index));
        Self::new(item(self.trees[0]), item(self.trees[1]))
    }

    fn fields(&self) -> [Fields<'j>; 2] {
        [Fields::new(self.trees[0]), Fields::new(self.trees[1])]
    }

    fn key(&self, fields: &[Fields<'j>; 2], key: &str) -> Self {
        if self.all {
            return *self;
        }
        Self::new(fields[0].get(key), fields[1].get(key))
    }
}

fn items(node: Option<&Json>) -> &[Json] {
    node.map_or(&[][..], Json::items)
}

fn block_kind(mode: Option<&str>) -> Option<BlockKind> {
    match mode? {
        "managed" => Some(BlockKind::Resource),
        "data" => Some(BlockKind::Data),
        _ => None,
    }
}

fn prefixed(module: &str, local: &str) -> String {
    if module.is_empty() {
        local.to_owned()
    } else {
        format!("{module}.{local}")
    }
}

impl Reader<'_> {
    fn error(&mut self, code: &'static str, at: &Json, message: String) {
        let start = at.span.start;
        self.out
            .diagnostics
            .push(Diagnostic::error(code, self.display_path, message).at(start.line, start.column));
    }

    fn warning(&mut self, code: &'static str, at: &Json, message: String) {
        let start = at.span.start;
        self.out.diagnostics.push(
            Diagnostic::warning(code, self.display_path, message).at(start.line, start.column),
        );
    }

    fn malformed(&mut self, at: &Json, message: String) {
        self.error("tfplan-malformed", at, message);
    }

    /// The items of `parent.key`, which must be a list when present.
    fn list<'j>(&mut self, parent: &'j Json, key: &str) -> &'j [Json] {
        match parent.get(key) {
            Some(node) if !node.is_seq() && !node.is_null() => {
                self.malformed(node, format!("`{key}` is not a list; it was skipped"));
                &[]
            }
            node => items(node),
        }
    }

    fn too_deep(&mut self, at: &Json) {
        if !self.depth_reported {
            self.depth_reported = true;
            self.error(
                "tfplan-depth-limit",
                at,
                format!("modules nest deeper than {MAX_MODULE_DEPTH} levels; deeper modules were skipped"),
            );
        }
    }

    fn plan(&mut self, root: &Json) {
        if !root.is_map() {
            self.malformed(root, "a Terraform plan is a JSON object".to_owned());
            return;
        }
        let Some(version) = root.get("format_version") else {
            self.malformed(root, "no `format_version`: not a Terraform plan".to_owned());
            return;
        };
        let major = json::string(version).and_then(|v| v.split('.').next());
        if major != Some("1") {
            let shown = json::string(version).unwrap_or("?");
            self.error(
                "tfplan-version",
                version,
                format!("plan format version `{shown}` is not supported (rampart reads 1.x); the plan was not read"),
            );
            return;
        }
        self.out.terraform_version = json::text(root, "terraform_version").map(str::to_owned);
        if let Some(errored) = root.get("errored").filter(|e| json::is_true(Some(e))) {
            self.warning(
                "tfplan-errored",
                errored,
                "this plan comes from a `terraform plan` that failed; resources it did not reach are missing".to_owned(),
            );
        }

        let mut changes = HashMap::new();
        for entry in self.list(root, "resource_changes") {
            self.change_secrets(entry);
            // A deposed object is an old copy waiting to be destroyed, not
            // what the plan leaves.
            if entry.get("deposed").is_some() {
                continue;
            }
            if let (Some(address), Some(change)) =
                (json::text(entry, "address"), entry.get("change"))
            {
                changes.entry(address).or_insert(change);
            }
        }
        let configuration = Configuration::new(root.get("configuration"), MAX_MODULE_DEPTH);
        if configuration.too_deep
            && let Some(at) = root.get("configuration")
        {
            self.too_deep(at);
        }

        let mut context = Context {
            section: Section::Planned,
            changes,
            configuration,
        };
        let mut seen = HashSet::new();
        if let Some(module) = root.path(&["planned_values", "root_module"]) {
            self.module(&context, module, 0, &mut seen);
        }
        context.section = Section::PriorState;
        if let Some(module) = root.path(&["prior_state", "values", "root_module"]) {
            self.module(&context, module, 0, &mut seen);
        }

        if let Some(providers) = root.path(&["configuration", "provider_config"]) {
            for entry in providers.entries() {
                self.provider(entry);
            }
        }
        for entry in self.list(root, "resource_drift") {
            self.drift(entry);
        }
        self.output_secrets(root);
        self.variable_secrets(root);
    }

    fn module<'j>(
        &mut self,
        context: &Context<'j>,
        module: &'j Json,
        depth: usize,
        seen: &mut HashSet<&'j str>,
    ) {
        for resource in self.list(module, "resources") {
            self.resource(context, resource, seen);
        }
        for child in self.list(module, "child_modules") {
            if depth + 1 >= MAX_MODULE_DEPTH {
                self.too_deep(child);
                continue;
            }
            self.module(context, child, depth + 1, seen);
        }
    }

    fn resource<'j>(
        &mut self,
        context: &Context<'j>,
        entry: &'j Json,
        seen: &mut HashSet<&'j str>,
    ) {
        let Some(address_node) = entry.get("address") else {
            self.malformed(
                entry,
                "resource without an `address`; it was skipped".to_owned(),
            );
            return;
        };
        let Some(address) = json::string(address_node) else {
            self.malformed(
                address_node,
                "resource `address` is not a string; it was skipped".to_owned(),
            );
            return;
        };
        let (Some(kind), Some(resource_type)) = (
            block_kind(json::text(entry, "mode")),
            json::text(entry, "type"),
        ) else {
            self.malformed(
                entry,
                format!("resource `{address}` has no valid `mode` and `type`; it was skipped"),
            );
            return;
        };
        let Some((module, _)) = address::split_module(address) else {
            self.malformed(
                address_node,
                format!("`{address}` is not a resource address; it was skipped"),
            );
            return;
        };

        let marks = Marks::new(entry.get("sensitive_values"), None);
        let (change, marks) = match context.section {
            Section::Planned => {
                if !seen.insert(address) {
                    self.warning(
                        "tfplan-duplicate-address",
                        address_node,
                        format!("resource `{address}` appears twice; the first was read"),
                    );
                    return;
                }
                let change = context.changes.get(address).copied();
                let after_sensitive = change.and_then(|c| c.get("after_sensitive"));
                (change, Marks::new(marks.trees[0], after_sensitive))
            }
            Section::PriorState => {
                // Every resource of the prior state may hold secrets that the
                // plan file shows; only data sources are read as resources.
                self.value_secrets(address, entry.get("values"), marks);
                if kind != BlockKind::Data || !seen.insert(address) {
                    return;
                }
                (None, Marks::default())
            }
        };

        let owner = Owner {
            address,
            module,
            expressions: json::text(entry, "name").and_then(|name| {
                context
                    .configuration
                    .expressions(module, kind, resource_type, name)
            }),
        };
        let values = entry.get("values").filter(|v| !v.is_null());
        if let Some(values) = values.filter(|v| !v.is_map()) {
            self.malformed(
                values,
                format!("the `values` of `{address}` are not an object; they were skipped"),
            );
        }
        let after_unknown = change.and_then(|c| c.get("after_unknown"));
        let attributes = self
            .merge(
                &owner,
                values.filter(|v| v.is_map()),
                after_unknown.filter(|u| u.is_map()),
                marks,
                &mut Vec::new(),
                0,
            )
            .unwrap_or_else(|| Node::new(Value::Map(Box::default()), None));

        self.out.resources.push(Resource {
            language: Language::TerraformPlan,
            kind,
            file: self.file,
            span: address_node.span,
            resource_type: resource_type.into(),
            address: address.to_owned(),
            module: module.into(),
            attributes,
        });
    }

    /// A planned value with its unknown and sensitive markers: unknown parts
    /// become explicit unknowns (wholly unknown attributes are missing from
    /// `values` and are added), sensitive parts are listed.
    fn merge<'j>(
        &mut self,
        owner: &Owner<'_, 'j>,
        value: Option<&'j Json>,
        unknown: Option<&'j Json>,
        marks: Marks<'j>,
        path: &mut Vec<Step>,
        depth: usize,
    ) -> Option<Node> {
        let at = value.or(unknown).map(|n| json::origin(self.file, n));
        if depth >= MAX_VALUE_DEPTH {
            return Some(Node::unknown(json::too_deep(), at));
        }
        if json::is_true(unknown) {
            let origin = at?;
            let unknown = self.unknown_at(owner, path);
            self.out.unknowns.push(UnknownValue {
                origin,
                address: render(owner.address, path),
                unknown: unknown.clone(),
            });
            return Some(Node::unknown(unknown, Some(origin)));
        }
        let Some(value) = value else {
            return self.unknown_only(owner, unknown?, path, depth);
        };
        let node = match &value.value {
            JsonValue::Scalar(..) => {
                if marks.all {
                    self.secret(owner.address, path, value);
                }
                Node::new(json::scalar(value), at)
            }
            JsonValue::Seq(known) => {
                let hidden = items(unknown);
                let len = known.len().max(hidden.len());
                let mut list = Vec::with_capacity(len);
                for index in 0..len {
                    path.push(Step::Index { index, len });
                    let item = self.merge(
                        owner,
                        known.get(index),
                        hidden.get(index),
                        marks.index(index),
                        path,
                        depth + 1,
                    );
                    path.pop();
                    list.push(item.unwrap_or_else(|| Node::new(Value::Null, None)));
                }
                Node::new(Value::List(list.into()), at)
            }
            JsonValue::Map(entries) => {
                let hidden = Fields::new(unknown);
                let sensitive = marks.fields();
                let mut map = Vec::with_capacity(entries.len());
                for entry in entries {
                    let Some(key) = entry.key.as_str() else {
                        continue;
                    };
                    path.push(Step::Key(key.to_owned()));
                    let node = self.merge(
                        owner,
                        Some(&entry.value),
                        hidden.get(key),
                        marks.key(&sensitive, key),
                        path,
                        depth + 1,
                    );
                    path.pop();
                    if let Some(node) = node {
                        map.push((key.into(), node));
                    }
                }
                // What is wholly unknown is missing from `values`.
                let hidden = unknown.map_or(&[][..], Json::entries);
                let known = Fields::new((!hidden.is_empty()).then_some(value));
                for entry in hidden {
                    let Some(key) = entry.key.as_str() else {
                        continue;
                    };
                    if known.get(key).is_some() {
                        continue;
                    }
                    path.push(Step::Key(key.to_owned()));
                    let node = self.unknown_only(owner, &entry.value, path, depth + 1);
                    path.pop();
                    if let Some(node) = node {
                        map.push((key.into(), node));
                    }
                }
                Node::new(Value::Map(map.into()), at)
            }
        };
        Some(node)
    }

    /// A value `values` leaves out: only its unknown parts exist.
    fn unknown_only<'j>(
        &mut self,
        owner: &Owner<'_, 'j>,
        unknown: &'j Json,
        path: &mut Vec<Step>,
        depth: usize,
    ) -> Option<Node> {
        if depth >= MAX_VALUE_DEPTH {
            return Some(Node::unknown(
                json::too_deep(),
                Some(json::origin(self.file, unknown)),
            ));
        }
        if json::is_true(Some(unknown)) {
            return self.merge(owner, None, Some(unknown), Marks::default(), path, depth);
        }
        let at = Some(json::origin(self.file, unknown));
        match &unknown.value {
            JsonValue::Map(entries) => {
                let mut map = Vec::new();
                for entry in entries {
                    let Some(key) = entry.key.as_str() else {
                        continue;
                    };
                    path.push(Step::Key(key.to_owned()));
                    let node = self.unknown_only(owner, &entry.value, path, depth + 1);
                    path.pop();
                    if let Some(node) = node {
                        map.push((key.into(), node));
                    }
                }
                (!map.is_empty()).then(|| Node::new(Value::Map(map.into()), at))
            }
            JsonValue::Seq(hidden) => {
                let len = hidden.len();
                let mut list = Vec::with_capacity(len);
                let mut any = false;
                for (index, item) in hidden.iter().enumerate() {
                    path.push(Step::Index { index, len });
                    let node = self.unknown_only(owner, item, path, depth + 1);
                    path.pop();
                    any |= node.is_some();
                    list.push(node.unwrap_or_else(|| Node::new(Value::Null, None)));
                }
                any.then(|| Node::new(Value::List(list.into()), at))
            }
            JsonValue::Scalar(..) => None,
        }
    }

    /// What an unknown value at `path` of `owner` is: a reference when the
    /// configuration shows the one resource attribute it comes from.
    fn unknown_at(&self, owner: &Owner<'_, '_>, path: &[Step]) -> Unknown {
        match owner
            .expressions
            .and_then(|e| config::reference_at(e, path))
        {
            Some((subject, attribute)) => Unknown::Reference {
                address: prefixed(owner.module, subject),
                attribute: attribute.to_owned(),
            },
            None => Unknown::Unevaluated {
                reason: KNOWN_AFTER_APPLY.to_owned(),
            },
        }
    }

    fn secret(&mut self, address: &str, path: &[Step], node: &Json) {
        let text = match (json::scalar(node), &node.value) {
            (Value::String(text), _) if !text.is_empty() => text.to_string(),
            (Value::Number(_), JsonValue::Scalar(text, _)) => text.to_string(),
            _ => return,
        };
        self.out.sensitive.push(SensitiveValue {
            address: render(address, path),
            origin: json::origin(self.file, node),
            secret: Secret::new(text),
        });
    }

    /// Lists the sensitive parts of a value that is not read as attributes.
    fn value_secrets(&mut self, address: &str, value: Option<&Json>, marks: Marks<'_>) {
        if let Some(value) = value
            && marks.any()
        {
            self.walk_secrets(address, value, marks, &mut Vec::new(), 0);
        }
    }

    fn walk_secrets(
        &mut self,
        address: &str,
        value: &Json,
        marks: Marks<'_>,
        path: &mut Vec<Step>,
        depth: usize,
    ) {
        if depth >= MAX_VALUE_DEPTH || !marks.any() {
            return;
        }
        match &value.value {
            JsonValue::Scalar(..) => {
                if marks.all {
                    self.secret(address, path, value);
                }
            }
            JsonValue::Seq(list) => {
                let len = list.len();
                for (index, item) in list.iter().enumerate() {
                    path.push(Step::Index { index, len });
                    self.walk_secrets(address, item, marks.index(index), path, depth + 1);
                    path.pop();
                }
            }
            JsonValue::Map(entries) => {
                let fields = marks.fields();
                for entry in entries {
                    let Some(key) = entry.key.as_str() else {
                        continue;
                    };
                    path.push(Step::Key(key.to_owned()));
                    self.walk_secrets(
                        address,
                        &entry.value,
                        marks.key(&fields, key),
                        path,
                        depth + 1,
                    );
                    path.pop();
                }
            }
        }
    }

    /// The sensitive parts of a change's `before` and `after`.
    fn change_secrets(&mut self, entry: &Json) {
        let (Some(address), Some(change)) = (json::text(entry, "address"), entry.get("change"))
        else {
            return;
        };
        for (value, marks) in [("before", "before_sensitive"), ("after", "after_sensitive")] {
            self.value_secrets(
                address,
                change.get(value),
                Marks::new(change.get(marks), None),
            );
        }
    }

    /// Sensitive output values, in `planned_values`, `prior_state` and
    /// `output_changes`.
    fn output_secrets(&mut self, root: &Json) {
        let outputs = [
            root.path(&["planned_values", "outputs"]),
            root.path(&["prior_state", "values", "outputs"]),
        ];
        for output in outputs.into_iter().flatten().flat_map(Json::entries) {
            let Some(name) = output.key.as_str() else {
                continue;
            };
            if json::is_true(output.value.get("sensitive")) {
                let address = format!("output.{name}");
                self.value_secrets(&address, output.value.get("value"), Marks::all());
            }
        }
        for output in root.get("output_changes").map_or(&[][..], Json::entries) {
            let Some(name) = output.key.as_str() else {
                continue;
            };
            // Terraform writes the change itself; the documentation shows it
            // wrapped in `change`.
            let change = output.value.get("change").unwrap_or(&output.value);
            let address = format!("output.{name}");
            for (value, marks) in [("before", "before_sensitive"), ("after", "after_sensitive")] {
                self.value_secrets(
                    &address,
                    change.get(value),
                    Marks::new(change.get(marks), None),
                );
            }
        }
    }

    /// Values of variables declared `sensitive`: the root module's values in
    /// `variables`, and every module's defaults in `configuration`.
    fn variable_secrets(&mut self, root: &Json) {
        let Some(module) = root.path(&["configuration", "root_module"]) else {
            return;
        };
        for declaration in module.get("variables").map_or(&[][..], Json::entries) {
            let Some(name) = declaration.key.as_str() else {
                continue;
            };
            if json::is_true(declaration.value.get("sensitive")) {
                let value = root.path(&["variables", name, "value"]);
                self.value_secrets(&format!("var.{name}"), value, Marks::all());
            }
        }
        self.default_secrets(module, "", 0);
    }

    fn default_secrets(&mut self, module: &Json, prefix: &str, depth: usize) {
        for declaration in module.get("variables").map_or(&[][..], Json::entries) {
            let Some(name) = declaration.key.as_str() else {
                continue;
            };
            if json::is_true(declaration.value.get("sensitive")) {
                let address = prefixed(prefix, &format!("var.{name}"));
                self.value_secrets(&address, declaration.value.get("default"), Marks::all());
            }
        }
        if depth + 1 >= MAX_MODULE_DEPTH {
            return;
        }
        for call in module.get("module_calls").map_or(&[][..], Json::entries) {
            if let (Some(name), Some(child)) = (call.key.as_str(), call.value.get("module")) {
                let prefix = prefixed(prefix, &format!("module.{name}"));
                self.default_secrets(child, &prefix, depth + 1);
            }
        }
    }

    /// A `configuration.provider_config` entry as a provider resource.
    fn provider(&mut self, entry: &rampart_yaml::Entry) {
        let config = &entry.value;
        let Some(name) = json::text(config, "name") else {
            self.malformed(
                config,
                "provider configuration without a `name`; it was skipped".to_owned(),
            );
            return;
        };
        let module = json::text(config, "module_address").unwrap_or("");
        let alias = config.get("alias");
        let local = match alias.and_then(json::string) {
            Some(alias) => format!("provider.{name}.{alias}"),
            None => format!("provider.{name}"),
        };
        let address = prefixed(module, &local);
        // `registry.terraform.io/hashicorp/aws` is `aws` whatever local name
        // the configuration gave it.
        let resource_type = json::text(config, "full_name")
            .and_then(|full| full.rsplit('/').next())
            .filter(|t| !t.is_empty())
            .unwrap_or(name);

        let owner = Owner {
            address: &address,
            module,
            expressions: None,
        };
        let expressions = config.get("expressions").filter(|e| e.is_map());
        let mut attributes = match expressions {
            Some(expressions) => self.block(&owner, expressions, &mut Vec::new(), 0),
            None => Node::new(Value::Map(Box::default()), None),
        };
        if let (Some(alias), Value::Map(map)) = (alias, &mut attributes.value) {
            rampart_iac::push_entry(map, "alias".into(), json::to_node(self.file, alias, 0));
        }
        self.out.resources.push(Resource {
            language: Language::TerraformPlan,
            kind: BlockKind::Provider,
            file: self.file,
            span: entry.key.span,
            resource_type: resource_type.into(),
            address,
            module: module.into(),
            attributes,
        });
    }

    /// A block expressions representation: arguments (expression
    /// representations) and nested blocks (an object, or a list of them).
    fn block(
        &mut self,
        owner: &Owner<'_, '_>,
        node: &Json,
        path: &mut Vec<Step>,
        depth: usize,
    ) -> Node {
        let at = Some(json::origin(self.file, node));
        if depth >= MAX_VALUE_DEPTH {
            return Node::unknown(json::too_deep(), at);
        }
        let JsonValue::Map(entries) = &node.value else {
            return json::to_node(self.file, node, depth);
        };
        let mut map = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some(key) = entry.key.as_str() else {
                continue;
            };
            let value = &entry.value;
            path.push(Step::Key(key.to_owned()));
            let node = if let JsonValue::Seq(blocks) = &value.value {
                let len = blocks.len();
                let mut list = Vec::with_capacity(len);
                for (index, block) in blocks.iter().enumerate() {
                    path.push(Step::Index { index, len });
                    list.push(self.block(owner, block, path, depth + 2));
                    path.pop();
                }
                Node::new(
                    Value::List(list.into()),
                    Some(json::origin(self.file, value)),
                )
            } else if config::is_expression(value) {
                self.expression(owner, value, path, depth + 1)
            } else {
                self.block(owner, value, path, depth + 1)
            };
            path.pop();
            map.push((key.into(), node));
        }
        Node::new(Value::Map(map.into()), at)
    }

    /// One argument: its constant, or an unknown naming what it is computed from.
    fn expression(
        &mut self,
        owner: &Owner<'_, '_>,
        node: &Json,
        path: &[Step],
        depth: usize,
    ) -> Node {
        if let Some(constant) = node.get("constant_value") {
            return json::to_node(self.file, constant, depth);
        }
        let origin = json::origin(self.file, node);
        let references = config::references(node);
        let unknown = match address::single_resource_reference(&references) {
            Some((subject, attribute)) => Unknown::Reference {
                address: prefixed(owner.module, subject),
                attribute: attribute.to_owned(),
            },
            None if references.is_empty() => Unknown::Unevaluated {
                reason: "not recorded in the plan (neither a constant nor a reference: a function call?)"
                    .to_owned(),
            },
            None => {
                let leaves: Vec<String> = address::leaf_references(&references)
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect();
                Unknown::Unevaluated {
                    reason: format!(
                        "computed from {}; a plan records provider arguments unevaluated",
                        leaves.join(", ")
                    ),
                }
            }
        };
        self.out.unknowns.push(UnknownValue {
            origin,
            address: render(owner.address, path),
            unknown: unknown.clone(),
        });
        Node::unknown(unknown, Some(origin))
    }

    /// A `resource_drift` entry.
    fn drift(&mut self, entry: &Json) {
        let Some(address_node) = entry.get("address") else {
            self.malformed(
                entry,
                "drift entry without an `address`; it was skipped".to_owned(),
            );
            return;
        };
        let (Some(address), Some(kind), Some(resource_type)) = (
            json::string(address_node),
            block_kind(json::text(entry, "mode")),
            json::text(entry, "type"),
        ) else {
            self.malformed(
                entry,
                "drift entry without a valid `address`, `mode` and `type`; it was skipped"
                    .to_owned(),
            );
            return;
        };
        self.change_secrets(entry);
        let change = entry.get("change");
        let actions: Vec<Action> = items(change.and_then(|c| c.get("actions")))
            .iter()
            .filter_map(json::string)
            .map(Action::parse)
            .collect();
        // A refresh-only plan also lists objects that were only moved: no
        // change outside Terraform.
        if actions == [Action::NoOp] {
            return;
        }
        let module = address::split_module(address)
            .map(|(module, _)| module)
            .or_else(|| json::text(entry, "module_address"))
            .unwrap_or("");
        let before = change.and_then(|c| c.get("before"));
        let after = change.and_then(|c| c.get("after"));
        self.out.drift.push(Drift {
            file: self.file,
            span: address_node.span,
            address: address.to_owned(),
            previous_address: json::text(entry, "previous_address").map(str::to_owned),
            module: module.to_owned(),
            kind,
            resource_type: resource_type.to_owned(),
            actions,
            changed_attributes: changed_attributes(before, after),
        });
    }
}

/// The top-level attributes that differ between two objects.
fn changed_attributes(before: Option<&Json>, after: Option<&Json>) -> Vec<String> {
    let (Some(before), Some(after)) = (before, after) else {
        return Vec::new();
    };
    if !before.is_map() || !after.is_map() {
        return Vec::new();
    }
    let (old, new) = (Fields::new(Some(before)), Fields::new(Some(after)));
    let mut changed = Vec::new();
    for entry in before.entries() {
        let Some(key) = entry.key.as_str() else {
            continue;
        };
        if !new.get(key).is_some_and(|v| json::same(&entry.value, v, 0)) {
            changed.push(key.to_owned());
        }
    }
    for entry in after.entries() {
        if let Some(key) = entry.key.as_str()
            && old.get(key).is_none()
        {
            changed.push(key.to_owned());
        }
    }
    changed
}
