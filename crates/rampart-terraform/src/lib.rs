//! Terraform configurations evaluated the way `terraform plan` would see them,
//! without running Terraform.
//!
//! * Every directory of `.tf` files is a module; directories no other module
//!   calls are root modules and are evaluated on their own.
//! * Variables take their values as Terraform gives them: default, then
//!   `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars` and
//!   `*.auto.tfvars.json` in name order, then `--var-file`, then `--var`; a
//!   null for a `nullable = false` variable is its default, and the
//!   `optional(type, default)` attributes of object types are filled in.
//! * A module that calls itself is instantiated once; one root module's
//!   evaluation builds a bounded number of values (the rest is unknown).
//! * Locals, module inputs and outputs, the common functions, conditionals,
//!   `for` expressions, `count`, `for_each` and `dynamic` blocks are evaluated;
//!   local modules (`source = "./…"`) and modules already downloaded under
//!   `.terraform/modules` (found through `modules.json`) are instantiated with
//!   their inputs.
//! * Every value keeps the place it was written, through all of that.
//! * What cannot be known is an explicit unknown, listed for `--show-unknown`.

mod config;
mod eval;
mod functions;
mod json;
mod parse;
pub mod syntax;
mod types;

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rampart_iac::{BlockKind, Language, Node, Origin, Resource, Unknown, UnknownValue, Value};
use rampart_source::{Diagnostic, FileId, SourceFile};
use rayon::prelude::*;

pub use config::TfFile;
pub use json::parse_json_vars;
pub use parse::{body_offset, parse_body};
use syntax::{ExprKind, Expression, ObjectKey, Structure, TraversalOperator};

use crate::config::{ModuleCall, ModuleConfig, VariableDecl, literal_string};
use crate::eval::{
    Budget, EvalError, Expansion, Instance, Modules, Scope, error, expansion, instance_suffix,
};
use crate::types::Type;

/// Meta-arguments of a `resource` block, which are not attributes of the resource.
const META_ARGUMENTS: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
];

/// Deepest module nesting instantiated.
const MAX_MODULE_DEPTH: usize = 16;

/// A module downloaded by `terraform init`, from `.terraform/modules/modules.json`.
#[derive(Clone, Debug)]
pub struct ManifestEntry {
    /// `vpc`, or `vpc.subnets` for a module called from a module.
    pub key: String,
    /// The module's directory as shown to users (`infra/.terraform/modules/vpc`).
    pub dir: String,
}

/// A file of variable values: HCL (`.tfvars`) or JSON (`.tfvars.json`, read
/// with [`parse_json_vars`]).
#[derive(Clone, Copy)]
pub enum VarsFile<'a> {
    Hcl(TfFile<'a>),
    Json {
        file: FileId,
        source: &'a SourceFile,
        values: &'a [(String, Node)],
    },
}

impl VarsFile<'_> {
    pub fn source(&self) -> &SourceFile {
        match self {
            Self::Hcl(file) => file.source,
            Self::Json { source, .. } => source,
        }
    }

    /// The file's name, without its directory.
    fn name(&self) -> &str {
        let path = &self.source().display_path;
        path.rsplit('/').next().unwrap_or(path)
    }
}

/// What to evaluate.
#[derive(Default)]
pub struct TerraformInput<'a> {
    /// Every `.tf` file.
    pub files: Vec<TfFile<'a>>,
    /// Every `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars` and
    /// `*.auto.tfvars.json` file (applied to the root module of their
    /// directory, in Terraform's order).
    pub auto_tfvars: Vec<VarsFile<'a>>,
    /// `--var-file` files, in order (applied to every root module).
    pub var_files: Vec<VarsFile<'a>>,
    /// `--var name=value`, in order.
    pub vars: Vec<(String, String)>,
    /// `modules.json` entries, by the root module directory they belong to.
    pub manifests: BTreeMap<String, Vec<ManifestEntry>>,
    /// Room to leave in the output's lists of resources, roots and providers
    /// for resources the caller adds to them, so that adding them does not
    /// copy the lists (at 100,000 files, a copy held every resource twice).
    pub spare_capacity: usize,
}

/// What evaluation found. A caller may hold the resources otherwise (boxed,
/// see [`TerraformOutput::map_resources`]) and still [`join`] outputs.
pub struct TerraformOutput<R = Resource> {
    pub resources: Vec<R>,
    /// The root module directory each resource was evaluated under, by the same
    /// index (a module called from two roots yields resources for each): one
    /// string for all of a root's resources.
    pub roots: Vec<Arc<str>>,
    /// The provider configuration each resource and data source uses, by the
    /// same index: the address of its `provider` block as the root module
    /// sees it (`provider.aws`, `provider.aws.critical`,
    /// `module.legacy.provider.aws`), through `provider = …` and the
    /// `providers` of module calls; empty for variables and providers. Short
    /// enough to be held without an allocation.
    pub providers: Vec<CompactString>,
    pub unknowns: Vec<UnknownValue>,
    pub diagnostics: Vec<Diagnostic>,
}

// Not derived: that would ask `R: Default`, which a boxed resource is not.
impl<R> Default for TerraformOutput<R> {
    fn default() -> Self {
        Self {
            resources: Vec::new(),
            roots: Vec::new(),
            providers: Vec::new(),
            unknowns: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

impl<R> TerraformOutput<R> {
    /// The same output with its list of resources made over by `f`, which
    /// keeps their number and order.
    pub fn map_resources<S>(self, f: impl FnOnce(Vec<R>) -> Vec<S>) -> TerraformOutput<S> {
        let resources = f(self.resources);
        // The roots and providers are by the same index.
        debug_assert_eq!(resources.len(), self.roots.len());
        TerraformOutput {
            resources,
            roots: self.roots,
            providers: self.providers,
            unknowns: self.unknowns,
            diagnostics: self.diagnostics,
        }
    }
}

/// The directory of a display path (`.` for a file in the working directory).
pub fn dir_of(display_path: &str) -> String {
    dir_str(display_path).to_owned()
}

/// [`dir_of`], borrowed from the path (or static).
pub fn dir_str(display_path: &str) -> &str {
    match display_path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir,
        Some(_) => "/",
        None => ".",
    }
}

/// `base` joined with a relative path, `.` and `..` resolved.
pub fn join_dir(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = if base == "." {
        Vec::new()
    } else {
        base.split('/').collect()
    };
    let absolute = base.starts_with('/');
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != ".." && !p.is_empty()) {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if joined.is_empty() {
        if absolute {
            "/".to_owned()
        } else {
            ".".to_owned()
        }
    } else {
        joined
    }
}

fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// The directory a `module` block in `caller_dir` calls, when its `source`
/// is a local path written as a literal.
fn local_module_dir(caller_dir: &str, block: &syntax::Block) -> Option<String> {
    let source = literal_string(&block.body.get_attribute("source")?.value)?;
    is_local_source(source).then(|| join_dir(caller_dir, source))
}

/// The local directories the `module` blocks of a `.tf` file in `dir` call:
/// every block, well formed or not, since a [`ModuleSets`] set too large
/// evaluates the same and one too small would not.
pub fn module_calls(dir: &str, body: &syntax::Body) -> Vec<String> {
    (body.get_blocks("module"))
        .filter_map(|block| local_module_dir(dir, block))
        .collect()
}

/// The directories of a configuration split into sets that evaluate on
/// their own: a module's directory is in the set of every directory that
/// calls it (a local `source`, or a module `modules.json` lists for a root
/// module), so each set holds its root modules and everything they call, and
/// no module outside it calls into it. Evaluating each set's files alone
/// ([`evaluate`]) and joining the outputs ([`join`]) gives what evaluating
/// every file together does, and lets a caller release a set's syntax trees
/// as soon as it is evaluated.
#[derive(Debug, Default)]
pub struct ModuleSets {
    set_of_dir: HashMap<String, usize>,
    len: usize,
}

impl ModuleSets {
    /// The sets of the `.tf` files and `modules.json` manifests of `input`.
    pub fn of(input: &TerraformInput<'_>) -> Self {
        Self::from_calls(
            input.files.iter().map(|file| {
                let dir = dir_of(&file.source.display_path);
                let calls = module_calls(&dir, file.body);
                (dir, calls)
            }),
            input
                .manifests
                .iter()
                .map(|(root, entries)| (root.as_str(), entries.as_slice())),
        )
    }

    /// The sets of `files`, each a `.tf` file's directory with the
    /// directories it calls ([`module_calls`]), and of `modules.json`
    /// manifests by the root module directory they belong to.
    pub fn from_calls<'a>(
        files: impl IntoIterator<Item = (String, Vec<String>)>,
        manifests: impl IntoIterator<Item = (&'a str, &'a [ManifestEntry])>,
    ) -> Self {
        let mut dirs: BTreeMap<String, usize> = BTreeMap::new();
        let mut parent: Vec<usize> = Vec::new();
        let mut node = |dir: String, parent: &mut Vec<usize>| -> usize {
            *dirs.entry(dir).or_insert_with(|| {
                parent.push(parent.len());
                parent.len() - 1
            })
        };
        let mut calls: Vec<(usize, usize)> = Vec::new();
        for (dir, callees) in files {
            let caller = node(dir, &mut parent);
            for callee in callees {
                calls.push((caller, node(callee, &mut parent)));
            }
        }
        for (root, entries) in manifests {
            let caller = node(root.to_owned(), &mut parent);
            for entry in entries {
                calls.push((caller, node(entry.dir.clone(), &mut parent)));
            }
        }
        fn find(parent: &mut [usize], mut at: usize) -> usize {
            while parent[at] != at {
                parent[at] = parent[parent[at]];
                at = parent[at];
            }
            at
        }
        for (a, b) in calls {
            let (a, b) = (find(&mut parent, a), find(&mut parent, b));
            parent[a.max(b)] = a.min(b);
        }
        // Numbered in the order of their first directory.
        let mut number: HashMap<usize, usize> = HashMap::new();
        let mut set_of_dir = HashMap::with_capacity(dirs.len());
        for (dir, at) in dirs {
            let set = find(&mut parent, at);
            let next = number.len();
            set_of_dir.insert(dir, *number.entry(set).or_insert(next));
        }
        Self {
            len: number.len(),
            set_of_dir,
        }
    }

    /// The set of a directory (display path), if it has `.tf` files, is
    /// called, or has a `modules.json`.
    pub fn of_dir(&self, dir: &str) -> Option<usize> {
        self.set_of_dir.get(dir).copied()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Evaluates every root module of the input.
pub fn evaluate(input: &TerraformInput<'_>) -> TerraformOutput {
    let mut declarations = TerraformOutput::<Resource>::default();
    let output = &mut declarations;
    let mut by_dir: BTreeMap<String, Vec<TfFile<'_>>> = BTreeMap::new();
    for file in &input.files {
        by_dir
            .entry(dir_of(&file.source.display_path))
            .or_default()
            .push(*file);
    }
    // Each directory's declarations, read on every core; their diagnostics
    // are kept in directory order.
    let collected: Vec<(String, ModuleConfig<'_>, Vec<Diagnostic>)> = by_dir
        .par_iter()
        .map(|(dir, files)| {
            let mut diagnostics = Vec::new();
            let config = ModuleConfig::collect(dir.clone(), files, &mut diagnostics);
            (dir.clone(), config, diagnostics)
        })
        .collect();
    let mut configs: HashMap<String, ModuleConfig<'_>> = HashMap::with_capacity(collected.len());
    for (dir, config, diagnostics) in collected {
        output.diagnostics.extend(diagnostics);
        configs.insert(dir, config);
    }

    // Directories another module calls, and downloaded modules, are not roots;
    // a directory called only by its own descendants (a cycle) still is.
    let mut calls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for config in configs.values() {
        for call in config.module_calls.values() {
            if let Some(callee) = local_module_dir(&config.dir, call.block) {
                calls.entry(config.dir.clone()).or_default().insert(callee);
            }
        }
    }
    let mut callers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (caller, callees) in &calls {
        for callee in callees {
            callers.entry(callee).or_default().insert(caller);
        }
    }
    let mut called: BTreeSet<String> = callers
        .iter()
        .filter(|(dir, callers)| is_called(&calls, dir, callers))
        .map(|(dir, _)| (*dir).to_owned())
        .collect();
    for entries in input.manifests.values() {
        called.extend(entries.iter().map(|e| e.dir.clone()));
    }
    let missing = ModuleConfig::default();
    let mut roots: Vec<&String> = configs
        .keys()
        .filter(|dir| !called.contains(*dir) && !dir.contains(".terraform/modules"))
        .collect();
    roots.sort();

    // Root modules share nothing but the parsed configuration: each is
    // evaluated on its own thread, and their outputs are joined in root order,
    // as if one after the other.
    // Grouped once: looking a root's variables files up among every
    // directory's was quadratic in trees with thousands of roots.
    let mut auto_tfvars: HashMap<String, Vec<&VarsFile<'_>>> = HashMap::new();
    for file in &input.auto_tfvars {
        auto_tfvars
            .entry(dir_of(&file.source().display_path))
            .or_default()
            .push(file);
    }
    let per_root: Vec<TerraformOutput> = roots
        .par_iter()
        .map(|root| {
            let auto = auto_tfvars
                .get(*root)
                .map(Vec::as_slice)
                .unwrap_or_default();
            evaluate_root(root, &configs, &missing, auto, input)
        })
        .collect();
    let mut output = join(per_root, input.spare_capacity);
    // The declarations' diagnostics first, as they were found.
    declarations.diagnostics.append(&mut output.diagnostics);
    output.diagnostics = declarations.diagnostics;
    output
}

/// The outputs of evaluations of disjoint parts of a configuration (root
/// modules, or [`ModuleSets`]) as one: their lists in order, and the
/// resources sorted by file and place (stably, so that resources at the same
/// place, a module evaluated under two roots, stay in the parts' order), with
/// room for `spare_capacity` more.
pub fn join<R: Borrow<Resource> + Sync>(
    parts: Vec<TerraformOutput<R>>,
    spare_capacity: usize,
) -> TerraformOutput<R> {
    // Joined into one list sized once (at 100,000 files, growing it and its
    // three columns page by page cost as much as sorting it), each part's
    // list freed as it is moved, and sorted in place through an order of
    // indices: a sorted copy of the resources would hold them twice.
    let mut output = TerraformOutput::default();
    let count = parts.iter().map(|o| o.resources.len()).sum();
    let capacity = count + spare_capacity;
    output.resources.reserve_exact(capacity);
    output.roots.reserve_exact(capacity);
    output.providers.reserve_exact(capacity);
    for part in parts {
        output.resources.extend(part.resources);
        output.roots.extend(part.roots);
        output.providers.extend(part.providers);
        output.unknowns.extend(part.unknowns);
        output.diagnostics.extend(part.diagnostics);
    }
    let resources = &output.resources;
    let mut order: Vec<usize> = (0..count).collect();
    // A stable sort: resources with the same place stay in root order.
    order.par_sort_by(|&a, &b| {
        let (a, b) = (resources[a].borrow(), resources[b].borrow());
        (a.file, a.span.start, &a.address).cmp(&(b.file, b.span.start, &b.address))
    });
    permute(&mut order, |i, j| {
        output.resources.swap(i, j);
        output.roots.swap(i, j);
        output.providers.swap(i, j);
    });
    output
}

/// Puts the item at `order[k]` at position `k`, for every `k`, by swaps: each
/// cycle of the permutation is followed once. `order` is left as the identity.
fn permute(order: &mut [usize], mut swap: impl FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start || from == at {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

/// Evaluates one root module (and the modules it calls).
fn evaluate_root<'a>(
    root: &String,
    configs: &HashMap<String, ModuleConfig<'a>>,
    missing: &ModuleConfig<'a>,
    auto_tfvars: &[&VarsFile<'a>],
    input: &TerraformInput<'a>,
) -> TerraformOutput {
    let mut output = TerraformOutput::<Resource>::default();
    let Some(config) = configs.get(root) else {
        return output;
    };
    let registry = Registry {
        configs,
        missing,
        manifest: input
            .manifests
            .get(root)
            .map(Vec::as_slice)
            .unwrap_or_default(),
        instances: RefCell::default(),
        notes: RefCell::default(),
        reported: RefCell::default(),
        budget: Budget::default(),
    };
    let vars = root_variables(config, auto_tfvars, input, &registry, missing);
    let instance = Rc::new(Instance::new(config, String::new(), vars, 0));
    registry.collect(&instance, &mut output);
    output.roots = vec![Arc::from(root.as_str()); output.resources.len()];
    output.diagnostics.extend(registry.notes.into_inner());
    output.diagnostics.extend(registry.budget.take_note());
    output
}

/// Whether a directory is a module some other module calls, rather than a
/// root: it has a caller outside the modules it calls itself. When every
/// caller is in a cycle through it, that cycle is entered from nowhere: its
/// outermost directories (no other member's directory holds them) are roots.
fn is_called(
    calls: &BTreeMap<String, BTreeSet<String>>,
    dir: &str,
    callers: &BTreeSet<&str>,
) -> bool {
    if callers
        .iter()
        .any(|caller| *caller != dir && !reaches(calls, dir, caller))
    {
        return true;
    }
    // The cycle: what `dir` calls, directly or not, that calls it back.
    let mut members: BTreeSet<&str> = BTreeSet::new();
    let mut stack = vec![dir];
    while let Some(current) = stack.pop() {
        if members.insert(current)
            && let Some(callees) = calls.get(current)
        {
            stack.extend(callees.iter().map(String::as_str));
        }
    }
    members.retain(|member| reaches(calls, member, dir));
    let entered_from_outside = calls.iter().any(|(caller, callees)| {
        !members.contains(caller.as_str()) && callees.iter().any(|c| members.contains(c.as_str()))
    });
    let inside = |outer: &str| outer == "." || dir.starts_with(&format!("{outer}/"));
    entered_from_outside
        || members
            .iter()
            .any(|member| *member != dir && inside(member))
}

/// Whether `to` can be reached from `from` through module calls.
fn reaches(calls: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack = vec![from];
    while let Some(dir) = stack.pop() {
        if dir == to {
            return true;
        }
        if seen.insert(dir)
            && let Some(callees) = calls.get(dir)
        {
            stack.extend(callees.iter().map(String::as_str));
        }
    }
    false
}

/// Where a variables file comes in Terraform's order: `terraform.tfvars`,
/// `terraform.tfvars.json`, then `*.auto.tfvars` and `*.auto.tfvars.json` by
/// name.
fn tfvars_rank(name: &str) -> (u8, &str) {
    match name {
        "terraform.tfvars" => (0, ""),
        "terraform.tfvars.json" => (1, ""),
        _ => (2, name),
    }
}

/// The root module's variables: default < `terraform.tfvars` <
/// `terraform.tfvars.json` < `*.auto.tfvars(.json)` (by name) < `--var-file` <
/// `--var`.
fn root_variables<'c>(
    config: &ModuleConfig<'c>,
    auto_tfvars: &[&VarsFile<'c>],
    input: &TerraformInput<'c>,
    modules: &dyn Modules<'c>,
    empty: &'c ModuleConfig<'c>,
) -> HashMap<String, Node> {
    let mut values: HashMap<String, Node> = HashMap::new();
    let mut auto: Vec<&VarsFile<'_>> = auto_tfvars.to_vec();
    auto.sort_by(|a, b| tfvars_rank(a.name()).cmp(&tfvars_rank(b.name())));
    for file in auto.into_iter().chain(input.var_files.iter()) {
        match file {
            VarsFile::Hcl(file) => {
                let scope = literal_scope(modules, empty, *file);
                for structure in file.body.iter() {
                    let Structure::Attribute(attribute) = structure else {
                        continue;
                    };
                    let name = &*attribute.key;
                    if !config.variables.contains_key(name) {
                        // Terraform warns about values for undeclared variables;
                        // so do we, only for files that are meant for this module.
                        continue;
                    }
                    let value = scope
                        .expr(&attribute.value)
                        .unwrap_or_else(|EvalError(reason)| {
                            unevaluated(reason, file.origin(attribute.value.span()))
                        });
                    values.insert(name.to_owned(), value);
                }
            }
            VarsFile::Json { values: json, .. } => {
                for (name, value) in json.iter() {
                    if config.variables.contains_key(name.as_str()) {
                        values.insert(name.clone(), value.clone());
                    }
                }
            }
        }
    }
    for (name, text) in &input.vars {
        let Some(declaration) = config.variables.get(name.as_str()) else {
            continue;
        };
        // `--var` values are HCL for complex types, plain strings otherwise.
        let value = match hcl_edit::parser::parse_expr(text).map(Expression::from) {
            Ok(expression)
                if !matches!(
                    expression.kind,
                    ExprKind::Variable(_) | ExprKind::Traversal(_)
                ) =>
            {
                let scope = literal_scope(modules, empty, declaration.file);
                scope
                    .expr(&expression)
                    .map(|mut v| {
                        forget_origins(&mut v);
                        v
                    })
                    .unwrap_or_else(|_| Node::new(Value::String(text.as_str().into()), None))
            }
            _ => Node::new(Value::String(text.as_str().into()), None),
        };
        values.insert(name.clone(), value);
    }
    let mut settled = HashMap::new();
    for (name, declaration) in &config.variables {
        if let Some(value) = settle(declaration, values.remove(*name), modules, empty) {
            settled.insert((*name).to_owned(), value);
        }
    }
    settled
}

/// Clears the origin of a value and of everything in it. A `--var` value is
/// parsed from the command line, not from a file: its byte ranges would point
/// into the file that declares the variable. Without an origin, a value takes
/// the origin of the expression that reads it. (Recursion is bounded as for
/// every evaluated value: expressions nest at most 64 deep, `jsondecode` too.)
fn forget_origins(node: &mut Node) {
    node.origin = None;
    match &mut node.value {
        Value::List(items) => items.iter_mut().for_each(forget_origins),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| forget_origins(v)),
        _ => {}
    }
}

/// A variable's value as the module sees it: the value given, or the
/// default; a null given to a `nullable = false` variable is the default too;
/// the optional attributes of its object type are filled in.
fn settle<'c>(
    declaration: &VariableDecl<'c>,
    given: Option<Node>,
    modules: &dyn Modules<'c>,
    empty: &'c ModuleConfig<'c>,
) -> Option<Node> {
    let scope = literal_scope(modules, empty, declaration.file);
    let body = &declaration.block.body;
    let non_nullable = matches!(
        body.get_attribute("nullable").map(|a| &a.value.kind),
        Some(ExprKind::Bool(false))
    );
    let default = || {
        // Evaluated where it is written (it may use functions but no references).
        body.get_attribute("default").map(|default| {
            scope
                .expr(&default.value)
                .unwrap_or_else(|EvalError(reason)| {
                    unevaluated(reason, declaration.file.origin(default.value.span()))
                })
        })
    };
    let mut value = match given {
        Some(value) if value.is_null() && non_nullable => default()?,
        Some(value) => value,
        None => default()?,
    };
    if let Some(kind) = body
        .get_attribute("type")
        .and_then(|t| Type::parse(&t.value))
    {
        kind.fill(&mut value, &mut |expression| {
            scope.expr(expression).unwrap_or_else(|EvalError(reason)| {
                unevaluated(reason, declaration.file.origin(expression.span()))
            })
        });
    }
    Some(value)
}

/// A scope with no variables, locals or resources: for defaults and tfvars.
fn literal_scope<'s, 'a>(
    modules: &'s dyn Modules<'a>,
    empty: &'a ModuleConfig<'a>,
    file: TfFile<'a>,
) -> Scope<'s, 'a> {
    Scope {
        modules,
        instance: Rc::new(Instance::new(empty, String::new(), HashMap::new(), 0)),
        file,
        bindings: Vec::new(),
        depth: 0,
    }
}

fn unevaluated(reason: String, origin: Origin) -> Node {
    Node::unknown(Unknown::Unevaluated { reason }, Some(origin))
}

/// The module instances of one root module's evaluation.
struct Registry<'c, 'a> {
    configs: &'c HashMap<String, ModuleConfig<'a>>,
    missing: &'c ModuleConfig<'a>,
    manifest: &'c [ManifestEntry],
    instances: RefCell<HashMap<String, Rc<Instance<'c>>>>,
    notes: RefCell<Vec<Diagnostic>>,
    /// Module calls already reported as cycles (file, line, column).
    reported: RefCell<HashSet<(FileId, u32, u32)>>,
    budget: Budget,
}

impl<'c, 'a: 'c> Registry<'c, 'a> {
    fn scope(&self, instance: &Rc<Instance<'c>>, file: TfFile<'c>) -> Scope<'_, 'c> {
        Scope {
            modules: self,
            instance: Rc::clone(instance),
            file,
            bindings: Vec::new(),
            depth: 0,
        }
    }

    /// The module a call's `source` names.
    fn resolve(&self, parent: &Instance<'c>, call: &ModuleCall<'c>) -> &'c ModuleConfig<'a> {
        let source = call
            .block
            .body
            .get_attribute("source")
            .and_then(|a| literal_string(&a.value));
        let dir = match source {
            Some(source) if is_local_source(source) => Some(join_dir(&parent.config.dir, source)),
            _ => {
                // A downloaded module: `modules.json` keys are the chain of call
                // names (`vpc.subnets`).
                let key = manifest_key(&parent.address, call.name);
                self.manifest
                    .iter()
                    .find(|e| e.key == key)
                    .map(|e| e.dir.clone())
            }
        };
        match dir.as_deref().and_then(|dir| self.configs.get(dir)) {
            Some(config) => config,
            None => {
                let header = call.file.header(call.block);
                let hint = match source {
                    // Usually `rampart scan envs/prod` with the module in `modules/`:
                    // rampart reads only what it was asked to scan.
                    Some(source) if is_local_source(source) => {
                        "scan a directory that holds both, such as the repository root"
                    }
                    _ => "run `terraform init` to download it, or scan its directory",
                };
                self.notes.borrow_mut().push(
                    Diagnostic::warning(
                        "terraform-module-not-found",
                        call.file.source.display_path.clone(),
                        format!(
                            "module `{}` ({}) is not in the scanned files; its resources are not checked and its outputs are unknown ({hint})",
                            call.name,
                            source.unwrap_or("a computed source")
                        ),
                    )
                    .at(header.start.line, header.start.column),
                );
                self.missing
            }
        }
    }

    /// Every resource, data source, provider and variable of an instance and of
    /// the module instances it calls.
    fn collect(&self, instance: &Rc<Instance<'c>>, output: &mut TerraformOutput) {
        let config = instance.config;
        for (name, declaration) in &config.variables {
            let body = &declaration.block.body;
            let scope = self.scope(instance, declaration.file);
            let origin = declaration.file.origin(declaration.block.span());
            // The declaration as written (`default`, `sensitive`, …), not the
            // value the instance was given: that is in the attributes of the
            // resources that use it, and a copy of it in every module
            // instance's variable was 6 MiB of a scan of 100,000 files that
            // nothing read (docs/benchmarks-history.md, the twenty-first round).
            let attributes = match scope.body(body, &["validation", "type"], origin) {
                Ok(node) => node,
                Err(EvalError(reason)) => unevaluated(reason, origin),
            };
            output.resources.push(Resource {
                language: Language::Terraform,
                kind: BlockKind::Variable,
                file: declaration.file.file,
                span: declaration.file.header(declaration.block),
                resource_type: "variable".into(),
                address: instance.address_of(&["var.", name]),
                module: instance.address.as_str().into(),
                attributes,
            });
            output.providers.push(CompactString::default());
        }
        for provider in &config.providers {
            let block = provider.item;
            let scope = self.scope(instance, provider.file);
            let origin = provider.file.origin(block.span());
            let attributes = scope
                .body(&block.body, &[], origin)
                .unwrap_or_else(|EvalError(r)| unevaluated(r, origin));
            let name = block.labels.first().map(|l| &**l).unwrap_or_default();
            let alias = attributes.get("alias").and_then(Node::as_str);
            output.resources.push(Resource {
                language: Language::Terraform,
                kind: BlockKind::Provider,
                file: provider.file.file,
                span: provider.file.header(block),
                resource_type: name.into(),
                address: match alias {
                    Some(alias) => instance.address_of(&["provider.", name, ".", alias]),
                    None => instance.address_of(&["provider.", name]),
                },
                module: instance.address.as_str().into(),
                attributes,
            });
            output.providers.push(CompactString::default());
        }
        for declaration in &config.resources {
            let scope = self.scope(instance, declaration.file);
            let body = &declaration.block.body;
            let header = declaration.file.header(declaration.block);
            let origin = Origin {
                file: declaration.file.file,
                span: header,
            };
            let base = instance.address_of(&[
                if declaration.data { "data." } else { "" },
                declaration.resource_type,
                ".",
                declaration.name,
            ]);
            let for_each = body.get_attribute("for_each").is_some();
            let expanded = expansion(
                &scope,
                body.get_attribute("count").map(|a| &a.value),
                body.get_attribute("for_each").map(|a| &a.value),
            );
            let instances = match expanded {
                Ok(Expansion::Single) => vec![(base.clone(), scope.clone())],
                Ok(Expansion::Keys(pairs)) => pairs
                    .into_iter()
                    .map(|(key, value)| {
                        let suffix = instance_suffix(&key).unwrap_or_default();
                        let scope = if for_each {
                            scope.with("each.key", key).with("each.value", value)
                        } else {
                            scope.with("count.index", key)
                        };
                        let mut address = String::with_capacity(base.len() + suffix.len());
                        address.push_str(&base);
                        address.push_str(&suffix);
                        (address, scope)
                    })
                    .collect(),
                other => {
                    // How many instances is unknown: evaluate one, with the
                    // instance key unknown, and say so.
                    let meta = if for_each { "`for_each`" } else { "`count`" };
                    // Too many instances, or a value Terraform rejects, is worth
                    // a diagnostic: it is not in the code's nature, unlike an
                    // unknown count.
                    let (reason, note) = match other {
                        Ok(Expansion::TooMany(reason)) => (reason, Some(false)),
                        Ok(Expansion::Invalid(reason)) => (reason, Some(true)),
                        Err(EvalError(reason)) => (reason, None),
                        _ => (format!("{meta} is known only after apply"), None),
                    };
                    if let Some(is_error) = note {
                        let header = declaration.file.header(declaration.block);
                        let path = declaration.file.source.display_path.clone();
                        let message = format!(
                            "`{base}`: {reason}; one instance is checked, with {} unknown",
                            if for_each {
                                "`each.key`"
                            } else {
                                "`count.index`"
                            }
                        );
                        let diagnostic = if is_error {
                            Diagnostic::error("terraform-expansion", path, message)
                        } else {
                            Diagnostic::warning("terraform-expansion", path, message)
                        };
                        self.notes
                            .borrow_mut()
                            .push(diagnostic.at(header.start.line, header.start.column));
                    }
                    let key = |binding: &str| {
                        unevaluated(
                            format!("{binding} of an instance not known before apply ({reason})"),
                            origin,
                        )
                    };
                    let scope = if for_each {
                        scope
                            .with("each.key", key("`each.key`"))
                            .with("each.value", key("`each.value`"))
                    } else {
                        scope.with("count.index", key("`count.index`"))
                    };
                    output.unknowns.push(UnknownValue {
                        origin,
                        address: format!("{base}.{}", if for_each { "for_each" } else { "count" }),
                        unknown: Unknown::Unevaluated {
                            reason: format!("{reason}, so the instances are not known"),
                        },
                    });
                    vec![(base.clone(), scope)]
                }
            };
            // `provider = aws.critical`, else the provider the type's prefix names.
            let provider = provider_address(
                instance,
                &body
                    .get_attribute("provider")
                    .and_then(|a| provider_name(&a.value))
                    .unwrap_or_else(|| {
                        declaration
                            .resource_type
                            .split('_')
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    }),
            );
            for (address, scope) in instances {
                output.providers.push(provider.as_str().into());
                let attributes = match scope.body(body, META_ARGUMENTS, origin) {
                    Ok(node) => node,
                    Err(EvalError(reason)) => unevaluated(reason, origin),
                };
                record_unknowns(&address, &attributes, origin, &mut output.unknowns);
                output.resources.push(Resource {
                    language: Language::Terraform,
                    kind: if declaration.data {
                        BlockKind::Data
                    } else {
                        BlockKind::Resource
                    },
                    file: declaration.file.file,
                    span: header,
                    resource_type: declaration.resource_type.into(),
                    address,
                    module: instance.address.as_str().into(),
                    attributes,
                });
            }
        }
        if instance.depth >= MAX_MODULE_DEPTH {
            return;
        }
        for name in config.module_calls.keys() {
            let children = match self.child_instances(instance, name) {
                Ok(None) => vec![self.child(instance, name, None, false)],
                Ok(Some(pairs)) => {
                    let for_each = config
                        .module_calls
                        .get(name)
                        .is_some_and(|c| c.block.body.get_attribute("for_each").is_some());
                    pairs
                        .iter()
                        .map(|(k, v)| self.child(instance, name, Some((k, v)), for_each))
                        .collect()
                }
                Err(_) => vec![self.child(instance, name, None, false)],
            };
            for child in children.into_iter().flatten() {
                self.collect(&child, output);
            }
        }
    }
}

impl<'c, 'a: 'c> Modules<'c> for Registry<'c, 'a> {
    fn budget(&self) -> &Budget {
        &self.budget
    }

    fn child_instances(
        &self,
        parent: &Rc<Instance<'c>>,
        name: &str,
    ) -> Result<Option<Vec<(Node, Node)>>, EvalError> {
        let Some(call) = parent.config.module_calls.get(name) else {
            return error(format!("module `{name}` is not called here"));
        };
        let scope = self.scope(parent, call.file);
        let body = &call.block.body;
        match expansion(
            &scope,
            body.get_attribute("count").map(|a| &a.value),
            body.get_attribute("for_each").map(|a| &a.value),
        )? {
            Expansion::Single => Ok(None),
            Expansion::Keys(pairs) => Ok(Some(pairs)),
            Expansion::Unknown => error(format!(
                "the instances of module `{name}` are known only after apply"
            )),
            Expansion::TooMany(reason) | Expansion::Invalid(reason) => {
                error(format!("module `{name}`: {reason}"))
            }
        }
    }

    fn child(
        &self,
        parent: &Rc<Instance<'c>>,
        name: &str,
        key: Option<(&Node, &Node)>,
        for_each: bool,
    ) -> Result<Rc<Instance<'c>>, EvalError> {
        let suffix = key
            .and_then(|(k, _)| instance_suffix(k))
            .unwrap_or_default();
        let address = parent.address_of(&["module.", name, &suffix]);
        if let Some(existing) = self.instances.borrow().get(&address) {
            return Ok(Rc::clone(existing));
        }
        if parent.depth >= MAX_MODULE_DEPTH {
            return error("modules nest too deeply");
        }
        let Some(call) = parent.config.module_calls.get(name).copied() else {
            return error(format!("module `{name}` is not called here"));
        };
        let config = self.resolve(parent, &call);
        if let Some(cycle) = cycle(parent, &config.dir) {
            let header = call.file.header(call.block);
            let at = (call.file.file, header.start.line, header.start.column);
            if self.reported.borrow_mut().insert(at) {
                self.notes.borrow_mut().push(
                    Diagnostic::warning(
                        "terraform-module-cycle",
                        call.file.source.display_path.clone(),
                        format!(
                            "module `{name}` calls `{}`, which is already being instantiated ({cycle}): it is not instantiated again",
                            config.dir
                        ),
                    )
                    .at(header.start.line, header.start.column),
                );
            }
            return error(format!("module `{name}` closes a module cycle ({cycle})"));
        }
        let mut scope = self.scope(parent, call.file);
        if let Some((k, v)) = key {
            scope = if for_each {
                scope
                    .with("each.key", k.clone())
                    .with("each.value", v.clone())
            } else {
                scope.with("count.index", k.clone())
            };
        }
        let mut vars = HashMap::new();
        for (var, declaration) in &config.variables {
            let given = call.block.body.get_attribute(var).map(|input| {
                scope
                    .expr(&input.value)
                    .unwrap_or_else(|EvalError(reason)| {
                        unevaluated(reason, call.file.origin(input.value.span()))
                    })
            });
            if let Some(value) = settle(declaration, given, self, self.missing) {
                vars.insert((*var).to_owned(), value);
            }
        }
        let mut instance = Instance::new(config, address.clone(), vars, parent.depth + 1);
        instance.parent = Some(Rc::clone(parent));
        instance.providers = call
            .block
            .body
            .get_attribute("providers")
            .map(|a| provider_map(&a.value))
            .unwrap_or_default();
        let instance = Rc::new(instance);
        self.instances
            .borrow_mut()
            .insert(address, Rc::clone(&instance));
        Ok(instance)
    }
}

/// The cycle a call of the module in `dir` would close, from the instance
/// that first instantiates `dir` (`modules/a → modules/b → modules/a`).
fn cycle(parent: &Instance<'_>, dir: &str) -> Option<String> {
    if dir.is_empty() {
        return None;
    }
    let mut chain = vec![parent.config.dir.as_str()];
    let mut current = parent.parent.as_deref();
    while let Some(instance) = current {
        chain.push(instance.config.dir.as_str());
        current = instance.parent.as_deref();
    }
    chain.reverse();
    let start = chain.iter().position(|d| *d == dir)?;
    let mut cycle: Vec<&str> = chain[start..].to_vec();
    cycle.push(dir);
    Some(
        cycle
            .iter()
            .map(|d| format!("`{d}`"))
            .collect::<Vec<_>>()
            .join(" → "),
    )
}

/// `aws`, `aws.critical` for a provider reference (`provider = aws.critical`).
fn provider_name(expression: &Expression) -> Option<String> {
    match &expression.kind {
        ExprKind::Variable(name) => Some(name.to_string()),
        ExprKind::Traversal(traversal) => {
            let ExprKind::Variable(name) = &traversal.expr.kind else {
                return None;
            };
            let mut text = name.to_string();
            for operator in traversal.operators.iter() {
                let TraversalOperator::GetAttr(part) = operator else {
                    return None;
                };
                text.push('.');
                text.push_str(part);
            }
            Some(text)
        }
        _ => None,
    }
}

/// A module call's `providers = { aws = aws.critical }`: the child's name and
/// the parent's.
fn provider_map(expression: &Expression) -> Vec<(String, String)> {
    let ExprKind::Object(object) = &expression.kind else {
        return Vec::new();
    };
    object
        .iter()
        .filter_map(|(key, value)| {
            let key = match key {
                ObjectKey::Ident(ident) => ident.to_string(),
                ObjectKey::Expression(e) => provider_name(e)?,
            };
            Some((key, provider_name(value)?))
        })
        .collect()
}

/// Whether a module has a `provider` block of that name (`aws`,
/// `aws.critical`).
fn declares_provider(config: &ModuleConfig<'_>, name: &str) -> bool {
    let (kind, alias) = match name.split_once('.') {
        Some((kind, alias)) => (kind, Some(alias)),
        None => (name, None),
    };
    config.providers.iter().any(|provider| {
        provider.item.labels.first().map(|l| &**l) == Some(kind)
            && provider
                .item
                .body
                .get_attribute("alias")
                .and_then(|a| literal_string(&a.value))
                == alias
    })
}

/// The address of the provider configuration a module instance's provider
/// name stands for: passed in by the call's `providers`, declared in the
/// module, or inherited from the caller (the root's, in the end).
fn provider_address(instance: &Instance<'_>, name: &str) -> String {
    if let Some(parent) = &instance.parent {
        if let Some((_, outer)) = instance.providers.iter().find(|(inner, _)| inner == name) {
            return provider_address(parent, outer);
        }
        if !declares_provider(instance.config, name) {
            return provider_address(parent, name);
        }
    }
    instance.address_of(&["provider.", name])
}

/// `vpc.subnets` for the call `subnets` inside `module.vpc`.
fn manifest_key(parent_address: &str, name: &str) -> String {
    let mut chain: Vec<&str> = parent_address
        .split('.')
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|pair| match pair {
            ["module", call] => Some(call.split('[').next().unwrap_or(call)),
            _ => None,
        })
        .collect();
    chain.push(name);
    chain.join(".")
}

/// Adds the unknowns of a resource's attributes (not references, which are the
/// normal way resources refer to each other) to the `--show-unknown` list.
///
/// One path is kept and cut back as the walk returns, and an address made only
/// for an unknown: most values are known, and a path formatted for every one
/// cost 18 M instructions at 10,000 files (docs/benchmarks-history.md, seventeenth
/// round).
fn record_unknowns(address: &str, node: &Node, fallback: Origin, out: &mut Vec<UnknownValue>) {
    enum Step<'n> {
        Index(usize),
        Key(&'n str),
    }
    let mut path = address.to_owned();
    // A value, the length of its parent's path, and the step that reaches it.
    let mut stack: Vec<(&Node, usize, Option<Step<'_>>)> = vec![(node, path.len(), None)];
    while let Some((node, parent, step)) = stack.pop() {
        path.truncate(parent);
        match step {
            Some(Step::Index(i)) => {
                use std::fmt::Write as _;
                let _ = write!(path, "[{i}]");
            }
            Some(Step::Key(key)) => {
                path.push('.');
                path.push_str(key);
            }
            None => {}
        }
        match &node.value {
            Value::Unknown(unknown) if matches!(**unknown, Unknown::Reference { .. }) => {}
            Value::Unknown(unknown) => out.push(UnknownValue {
                origin: node.origin.unwrap_or(fallback),
                address: path.clone(),
                unknown: (**unknown).clone(),
            }),
            Value::List(items) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, len, Some(Step::Index(i))));
                }
            }
            Value::Map(entries) => {
                let len = path.len();
                for (key, value) in entries {
                    stack.push((value, len, Some(Step::Key(key))));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::permute;

    proptest! {
        /// Permuting in place by swaps gives what a sorted copy gives.
        #[test]
        fn permute_in_place_matches_a_sorted_copy(items in proptest::collection::vec(0u8..8, 0..64)) {
            let mut order: Vec<usize> = (0..items.len()).collect();
            order.sort_by_key(|&i| items[i]);
            let expected: Vec<(u8, usize)> = order.iter().map(|&i| (items[i], i)).collect();
            let mut permuted: Vec<(u8, usize)> = items.iter().copied().zip(0..).collect();
            permute(&mut order, |i, j| permuted.swap(i, j));
            prop_assert_eq!(permuted, expected);
            prop_assert!(order.iter().enumerate().all(|(k, &i)| k == i));
        }
    }
}
