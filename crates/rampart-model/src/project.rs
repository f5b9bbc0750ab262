use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};

use rampart_config::{Config, Tier};
use rampart_discover::{FileKind, InputFile, LeaveUnread, ReadLater};
use rampart_dockerfile::BaseImage;
use rampart_source::{Diagnostic, FileId, SourceFile, Span};
use rampart_yaml::{Document, Limits, Node, Value};
use rayon::prelude::*;

use rampart_iac::{BlockKind, Resource, UnknownValue};
use rampart_source::Secret;
use rampart_terraform::ManifestEntry;
use rampart_tfplan::Drift;

use crate::dockerfile::DockerfileDoc;
use crate::falco::{Falco, FalcoConfig, RulesFile};
use crate::iac::{self, TerraformContent, TerraformFile, TerraformOptions, TerraformSets};
use crate::image::{ImageContext, ImageRef, ImageUse};
use crate::kubernetes::{K8sObject, Workload};
use crate::links::Links;
use crate::locate;
use crate::network_policy::{Direction, NetworkPolicy};
use crate::scopes::{Scopes, ranges_by_scope, run_of};
use crate::tier::{TierOrigin, tier_labels};

/// Where the resources of a released part of the infrastructure went
/// ([`Project::release_infrastructure_part`]).
#[derive(Debug)]
pub struct ResourceMoves {
    start: usize,
    /// By index from `start`: the resource's new index, `None` when released.
    to: Vec<Option<usize>>,
}

impl ResourceMoves {
    /// `subject` as it is after the release: a resource of the part that was
    /// released names no resource any more ([`Project::resources`] has none
    /// at `usize::MAX`), and no later part's.
    pub fn subject(&self, subject: Subject) -> Subject {
        match subject {
            Subject::Resource(i) if i >= self.start => Subject::Resource(
                (self.to.get(i - self.start).copied().flatten()).unwrap_or(usize::MAX),
            ),
            other => other,
        }
    }
}

/// The thing a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// Index into [`Project::objects`].
    Object(usize),
    /// Index into [`Project::dockerfiles`].
    Dockerfile(usize),
    /// A file as a whole (a suppression comment, a file-level problem).
    File(FileId),
    /// Index into [`Project::resources`].
    Resource(usize),
    /// Index into [`Project::drift`].
    Drift(usize),
}

impl Subject {
    /// The subject of an object or Dockerfile [`Project::model_manifest`]
    /// read, counted within its file, as the project counts it once the file
    /// is added: its file's first object is at `objects`, its Dockerfile at
    /// `dockerfiles`.
    pub fn moved(self, objects: usize, dockerfiles: usize) -> Self {
        match self {
            Self::Object(i) => Self::Object(i + objects),
            Self::Dockerfile(d) => Self::Dockerfile(d + dockerfiles),
            other => other,
        }
    }
}

/// Everything a scan read, parsed once and indexed.
#[derive(Debug, Default)]
pub struct Project {
    pub files: Vec<SourceFile>,
    /// What each file of [`Project::files`] is, by the same index.
    pub file_kinds: Vec<FileKind>,
    pub objects: Vec<K8sObject>,
    pub dockerfiles: Vec<DockerfileDoc>,
    /// The images of the objects and Dockerfiles modelled; a streamed scan
    /// releases most with their part (see [`Project::release_manifest_part`]),
    /// and every scan the rest once the rules about images have run
    /// ([`Project::add_infrastructure`]).
    pub images: Vec<ImageUse>,
    /// How many images were ever listed in [`Project::images`].
    images_read: usize,
    /// How many objects were ever listed in [`Project::objects`].
    objects_read: usize,
    /// How many infrastructure resources were read, including those released
    /// with their part ([`Project::release_infrastructure_part`]).
    resources_read: usize,
    /// Problems met while parsing (the discovery stage has its own), in the
    /// order the stages met them: a scan that evaluates meets Terraform's,
    /// the templates' and the plans' after the Kubernetes files'. Reports
    /// sort them by place.
    pub diagnostics: Vec<Diagnostic>,
    /// Infrastructure resources (Terraform, plans, CloudFormation), evaluated.
    /// Each in an allocation of its own, made once its evaluation is over
    /// ([`rampart_iac::compacted`]): the list holds pointers, so that it is
    /// joined from the evaluations' lists and sorted without copying them.
    /// A scan that reads the infrastructure in parts holds those every part
    /// is checked with, the resources of earlier parts declared in files
    /// that write a suppression marker, and one part at a time
    /// ([`Project::add_infrastructure_part`]).
    pub resources: Vec<Box<Resource>>,
    /// The tier of each of [`Project::resources`], by the same index.
    pub resource_tiers: Vec<Option<Tier>>,
    /// Where each resource's address means something, by the same index: the
    /// root module directory (Terraform), the template or plan file, by
    /// number ([`Project::scope_of`] names it).
    resource_scopes: Vec<u32>,
    scopes: Scopes,
    /// Resources by scope and address, to follow references between them
    /// ([`Project::link_targets`]).
    links: Links,
    /// Values that could not be evaluated, references the scan can follow
    /// included: [`Project::unknowns`] leaves those out.
    unknowns: Vec<UnknownValue>,
    /// Changes made outside Terraform, from plans' `resource_drift`.
    pub drift: Vec<Drift>,
    /// Values a plan marks sensitive: never printed, by file.
    pub sensitive: Vec<(FileId, Secret)>,
    /// The YAML of CloudFormation templates as written, for the templates
    /// that write a suppression comment: its comments and layout are what
    /// suppressions are matched against (the others' trees are not kept).
    pub templates: Vec<(FileId, Node)>,
    /// Falco rules files and Falco's configuration.
    pub falco: Falco,
    /// What rules about the infrastructure read of the Kubernetes objects,
    /// gathered before their trees are released.
    pub manifest_facts: ManifestFacts,
    object_index: ObjectIndex,
    /// The tier each namespace's `Namespace` object gives the objects in it
    /// that have none of their own.
    namespace_tiers: FastMap<String, Tier>,
    resource_index: ResourceIndex,
}

/// The infrastructure of a project whose manifests are modelled
/// ([`Project::manifests_from_parsed`]), to add with
/// [`Project::add_infrastructure`].
#[derive(Default)]
pub struct Infrastructure {
    pub(crate) terraform_files: Vec<TerraformFile>,
    /// `modules.json` manifests, by root module directory.
    pub(crate) manifests: Vec<(String, Vec<ManifestEntry>)>,
    /// Terraform's files already grouped by module set, instead of
    /// `terraform_files` and `manifests`: a part of the infrastructure
    /// ([`Infrastructure::split`]).
    pub(crate) terraform_sets: Option<TerraformSets>,
    pub(crate) plans: Vec<rampart_tfplan::PlanOutput>,
    /// CloudFormation templates' resources, evaluated, with their tier and
    /// scope (the template file).
    pub(crate) templates: Vec<(Box<Resource>, Option<Tier>, FileId)>,
    pub(crate) template_unknowns: Vec<UnknownValue>,
    /// Templates and plans still to parse and model (`Content::Infrastructure`),
    /// in file order.
    pub(crate) later: Vec<FileId>,
}

impl Infrastructure {
    /// Its files, in order: Terraform's (grouped by module set or not), the
    /// templates and plans still to model.
    fn files(&self) -> Vec<FileId> {
        let sets = self.terraform_sets.iter();
        let mut files: Vec<FileId> = (self.terraform_files.iter())
            .chain(sets.clone().flat_map(|sets| sets.files.iter().flatten()))
            .chain(sets.flat_map(|sets| &sets.var_files))
            .map(|terraform| terraform.file)
            .chain(self.later.iter().copied())
            .collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// Those of its Terraform files not grouped by module set yet whose text
    /// the walk left unread, and found to write `module`
    /// ([`crate::infrastructure_facts`]): the grouping parses them.
    fn files_calling_modules(&self, sources: &[SourceFile]) -> Vec<FileId> {
        let calls = |file: FileId| {
            (sources.get(file.index()).and_then(SourceFile::still_unread)).is_some_and(|unread| {
                unread.facts & crate::infrastructure_parts::WRITES_MODULE != 0
            })
        };
        (self.terraform_files.iter())
            .map(|terraform| terraform.file)
            .filter(|&file| calls(file))
            .collect()
    }

    /// Adds the templates of `file` (their resources are in its scope), and
    /// gives the project what else they hold.
    fn add_templates(
        &mut self,
        file: FileId,
        templates: Vec<ModeledTemplate>,
        project: &mut Project,
    ) {
        for template in templates {
            for resource in template.resources {
                self.templates.push((resource, None, file));
            }
            self.template_unknowns.extend(template.unknowns);
            project.diagnostics.extend(template.diagnostics);
            if let Some(root) = template.root {
                project.templates.push((template.file, root));
            }
        }
    }
}

/// What of its tree an object whose record is kept once the rules about
/// manifests have run keeps (see [`Project::release_manifest_trees`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeptTree {
    /// All of it: a `Namespace` (other objects' rules read its labels), or
    /// an object of a file that writes a suppression marker (the filter
    /// matches suppressions against its layout).
    Whole,
    /// What NP-001 reads of the first workload of a namespace: its name's
    /// place ([`K8sObject::release_tree_keeping_name`]).
    NamePlace,
}

/// Whether [`Project::add_infrastructure`] releases the Kubernetes objects'
/// trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestTrees {
    /// Kept: rules about manifests may still run.
    Keep,
    /// Released: every rule about manifests has run.
    Release,
}

/// What rules about the infrastructure read of the Kubernetes objects.
#[derive(Debug, Default)]
pub struct ManifestFacts {
    /// The ConfigMap `kube-system/amazon-vpc-cni` sets
    /// `enable-network-policy-controller: "true"`, which turns network policy
    /// on in EKS Auto Mode.
    pub vpc_cni_network_policy_controller: bool,
    /// The first `calico-node` or `cilium` DaemonSet in file order.
    pub policy_engine_daemon_set: Option<SeenObject>,
    /// The first Tigera operator `Installation` (Calico) in file order.
    pub policy_engine_installation: Option<SeenObject>,
}

/// An object a rule about the infrastructure names, kept as a fact: the
/// objects themselves are released before those rules run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenObject {
    /// Its file and its index in [`Project::objects`] when it was read,
    /// which order objects as the files do.
    pub place: (FileId, usize),
    /// `DaemonSet \`cilium\``.
    pub description: String,
}

impl ManifestFacts {
    /// Adds what `objects` say (what it reads of their trees is in `facts`,
    /// by the same index, gathered while the trees were there); `objects`
    /// are [`Project::objects`] from `offset` on.
    fn add(&mut self, objects: &[K8sObject], facts: &[TreeFacts], offset: usize) {
        for (i, object) in objects.iter().enumerate() {
            let first = match object.kind.as_str() {
                "DaemonSet" if object.name == "calico-node" || object.name == "cilium" => {
                    &mut self.policy_engine_daemon_set
                }
                "Installation" if object.api_version.starts_with("operator.tigera.io/") => {
                    &mut self.policy_engine_installation
                }
                _ => continue,
            };
            let place = (object.file, offset + i);
            if first.as_ref().is_none_or(|seen| place < seen.place) {
                *first = Some(SeenObject {
                    place,
                    description: format!("{} `{}`", object.kind, object.name),
                });
            }
        }
        self.vpc_cni_network_policy_controller |= facts
            .iter()
            .any(|facts| facts.vpc_cni_network_policy_controller);
    }
}

/// What the project gathers of an object from its tree rather than from its
/// kind, name and namespace. Read while the tree is there: a streamed scan
/// releases a file's trees once its rules have run, before its objects are
/// added ([`Project::model_manifest`]).
#[derive(Clone, Debug, Default)]
struct TreeFacts {
    /// A `networking.k8s.io` NetworkPolicy: whether it denies all ingress,
    /// and all egress.
    policy: Option<(bool, bool)>,
    /// It runs pods.
    runs_pods: bool,
    /// The ConfigMap `kube-system/amazon-vpc-cni` sets
    /// `enable-network-policy-controller: "true"`.
    vpc_cni_network_policy_controller: bool,
    /// A ServiceAccount's `automountServiceAccountToken`, when a boolean.
    automount: Option<bool>,
    /// A RoleBinding's or ClusterRoleBinding's.
    binding: Option<Box<BindingFacts>>,
}

/// What a RoleBinding or ClusterRoleBinding grants, and to whom, as the
/// object index reads it.
#[derive(Clone, Debug, Default)]
struct BindingFacts {
    /// The ClusterRole its `roleRef` names (RBAC-003).
    cluster_role: Option<String>,
    /// The service accounts it names as `ServiceAccount` subjects (the
    /// namespace defaulting to the binding's).
    service_accounts: Vec<(Option<String>, String)>,
    /// It names the group `system:serviceaccounts`.
    all_service_accounts: bool,
    /// The namespaces of the groups `system:serviceaccounts:<namespace>`.
    namespaces: Vec<String>,
    /// The users `system:serviceaccount:<namespace>:<name>`.
    users: Vec<(String, String)>,
}

impl BindingFacts {
    fn of(object: &K8sObject) -> Self {
        let mut facts = Self::default();
        let role = object.root.get("roleRef");
        if role.and_then(|r| r.get("kind")).and_then(Node::as_str) == Some("ClusterRole") {
            facts.cluster_role =
                (role.and_then(|r| r.get("name")).and_then(Node::as_str)).map(str::to_owned);
        }
        for subject in (object.root.get("subjects"))
            .map(Node::items)
            .unwrap_or_default()
        {
            let Some(name) = subject.get("name").and_then(Node::as_str) else {
                continue;
            };
            match subject.get("kind").and_then(Node::as_str) {
                Some("ServiceAccount") => {
                    let namespace = (subject.get("namespace").and_then(Node::as_str))
                        .map(str::to_owned)
                        .or_else(|| object.namespace.clone());
                    facts.service_accounts.push((namespace, name.to_owned()));
                }
                Some("Group") if name == "system:serviceaccounts" => {
                    facts.all_service_accounts = true;
                }
                Some("Group") => {
                    if let Some(ns) = name.strip_prefix("system:serviceaccounts:") {
                        facts.namespaces.push(ns.to_owned());
                    }
                }
                Some("User") => {
                    if let Some((ns, sa)) = name
                        .strip_prefix("system:serviceaccount:")
                        .and_then(|rest| rest.split_once(':'))
                    {
                        facts.users.push((ns.to_owned(), sa.to_owned()));
                    }
                }
                _ => {}
            }
        }
        facts
    }
}

impl TreeFacts {
    fn of(object: &K8sObject) -> Self {
        Self::with_workload(object, object.workload().as_ref())
    }

    /// As [`TreeFacts::of`], given `object`'s workload (the pods it runs).
    fn with_workload(object: &K8sObject, workload: Option<&Workload<'_>>) -> Self {
        Self {
            policy: NetworkPolicy::new(object).map(|policy| {
                (
                    policy.is_default_deny(Direction::Ingress),
                    policy.is_default_deny(Direction::Egress),
                )
            }),
            runs_pods: workload.is_some(),
            vpc_cni_network_policy_controller: object.kind == "ConfigMap"
                && object.name == "amazon-vpc-cni"
                && object.namespace.as_deref() == Some("kube-system")
                && object
                    .root
                    .path(&["data", "enable-network-policy-controller"])
                    .and_then(Node::as_str)
                    == Some("true"),
            automount: (object.kind == "ServiceAccount")
                .then(|| object.root.get("automountServiceAccountToken"))
                .flatten()
                .and_then(Node::as_bool),
            binding: matches!(object.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
                .then(|| Box::new(BindingFacts::of(object))),
        }
    }
}

/// [`Project::objects`] looked up by what rules ask of them.
#[derive(Debug, Default)]
struct ObjectIndex {
    namespaces: FastMap<String, usize>,
    /// By kind, in index order (objects are indexed in order, and
    /// [`ObjectIndex::follow`] relies on it).
    by_kind: FastMap<String, Vec<usize>>,
    bound_service_accounts: FastSet<(Option<String>, String)>,
    /// What each ServiceAccount's `automountServiceAccountToken` reads as,
    /// with the file that says it: of the objects of one namespace and name,
    /// the last in file order decides, whichever part of a streamed scan
    /// reads it.
    service_account_automount: FastMap<(Option<String>, String), (FileId, Option<bool>)>,
    /// Service accounts the bindings grant a role through users and groups.
    service_account_groups: ServiceAccountGroups,
    /// How each ClusterRole is bound (RBAC-003), by its name.
    cluster_role_bindings: FastMap<String, ClusterRoleBindings>,
    /// By namespace (quotas without one belong to none).
    resource_quotas: FastMap<String, ResourceQuotas>,
    /// By namespace, and for LimitRanges without one.
    limit_range_defaults: FastMap<String, LimitRangeDefaults>,
    limit_range_defaults_without_namespace: Option<LimitRangeDefaults>,
    /// What NP-001 judges each namespace by, in name order.
    namespace_traffic: std::collections::BTreeMap<String, NamespaceTraffic>,
}

/// A namespace's workloads and NetworkPolicies, from every scanned object.
#[derive(Debug, Default, Clone)]
pub struct NamespaceTraffic {
    /// The last scanned `Namespace` object of this name (an index into
    /// [`Project::objects`]).
    pub namespace_object: Option<usize>,
    /// How many `networking.k8s.io` NetworkPolicies are in the namespace.
    pub policies: usize,
    pub denies_ingress: bool,
    pub denies_egress: bool,
    /// How many objects in the namespace run pods.
    pub workloads: usize,
    /// The first of them in file order: its file and index.
    pub first_workload: Option<(FileId, usize)>,
}

/// The kinds of the scanned bindings whose `roleRef` names a ClusterRole.
#[derive(Debug, Default, Clone, Copy)]
struct ClusterRoleBindings {
    /// A RoleBinding: the role applies in that binding's namespace.
    in_namespace: bool,
    /// A ClusterRoleBinding: the role applies in every namespace.
    cluster_wide: bool,
}

/// Service accounts the scanned bindings grant a role through users and
/// groups rather than as `ServiceAccount` subjects.
#[derive(Debug, Default)]
struct ServiceAccountGroups {
    /// `system:serviceaccounts`: every service account.
    all: bool,
    /// `system:serviceaccounts:<namespace>`.
    namespaces: FastSet<String>,
    /// `system:serviceaccount:<namespace>:<name>` users.
    users: FastSet<(String, String)>,
}

/// The `v1` ResourceQuotas of a namespace.
#[derive(Debug, Default)]
pub struct ResourceQuotas {
    /// How many there are.
    pub count: usize,
    /// The `spec.hard` keys with a value (`requests.cpu`, `limits.memory`, …)
    /// of those that apply to every pod of the namespace: no `scopes`, and no
    /// `scopeSelector.matchExpressions`.
    pub unscoped_hard: BTreeSet<String>,
}

impl ResourceQuotas {
    /// Adds one quota.
    fn add(&mut self, quota: &Node) {
        self.count += 1;
        let listed = |path: &[&str]| quota.path(path).is_some_and(|n| !n.items().is_empty());
        if listed(&["spec", "scopes"]) || listed(&["spec", "scopeSelector", "matchExpressions"]) {
            return;
        }
        let mut seen = BTreeSet::new();
        let entries = quota.path(&["spec", "hard"]).map(Node::entries);
        for entry in entries.unwrap_or_default() {
            // As `Node::get` reads a key: its first entry (a null key has no
            // text).
            let Some(key) = entry.key.as_str() else {
                continue;
            };
            if seen.insert(key) && !entry.value.is_null() {
                self.unscoped_hard.insert(key.to_owned());
            }
        }
    }
}

/// What the `type: Container` items of a namespace's LimitRanges give a
/// container that sets no value of its own: the resources (`cpu`, `memory`,
/// `ephemeral-storage`, …) they give a limit (from `default` or `max`) and a
/// request (from `defaultRequest`, `default`, `max` or `min`, any of which
/// makes the API server fill one in).
#[derive(Debug, Default)]
pub struct LimitRangeDefaults {
    pub limits: BTreeSet<String>,
    pub requests: BTreeSet<String>,
}

impl LimitRangeDefaults {
    /// Adds what one LimitRange gives.
    fn add(&mut self, limit_range: &Node) {
        let items = limit_range
            .path(&["spec", "limits"])
            .map(Node::items)
            .unwrap_or_default();
        let keys = |node: Option<&Node>| -> Vec<String> {
            node.map(Node::entries)
                .unwrap_or_default()
                .iter()
                .filter(|e| !e.value.is_null())
                .filter_map(|e| e.key.as_str().map(str::to_owned))
                .collect()
        };
        for item in items {
            if item.get("type").and_then(Node::as_str) != Some("Container") {
                continue;
            }
            let default = keys(item.get("default"));
            let max = keys(item.get("max"));
            self.limits
                .extend(default.iter().cloned().chain(max.iter().cloned()));
            self.requests.extend(
                keys(item.get("defaultRequest"))
                    .into_iter()
                    .chain(default)
                    .chain(max)
                    .chain(keys(item.get("min"))),
            );
        }
    }
}

/// [`Project::resources`] by scope and by type, each in index order: rules and
/// model helpers look resources up by type once per subject (a walk of every
/// resource each time made a large tree quadratic), and a resource's
/// companions (a bucket's policy, a trail's siblings) within its scope.
/// Within a scope, lists of indices sorted by type rather than a map of
/// types: most scopes have a few resources of each type, and such small
/// lists took three times the memory of what they listed.
#[derive(Debug, Default)]
struct ResourceIndex {
    /// Each scope's share of `by_scope` and `by_scope_type`, by scope number.
    scopes: Vec<std::ops::Range<usize>>,
    /// By scope, then index.
    by_scope: Vec<usize>,
    /// By scope, then type, then index.
    by_scope_type: Vec<u32>,
    by_type: FastMap<String, Vec<usize>>,
    /// The variables (Terraform's, CloudFormation's parameters), in order:
    /// rules about them would otherwise read every resource to find them.
    variables: Vec<usize>,
    /// The provider configurations, in order.
    providers: Vec<usize>,
}

/// A map keyed by what the scanned files name: foldhash is several times
/// faster than the standard library's SipHash on such keys, and seeded per
/// process like it.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

impl ResourceIndex {
    /// Indexes `resources` by their scope (`scopes`, by the same index:
    /// numbers below `scope_count`).
    fn build(resources: &[Box<Resource>], scopes: &[u32], scope_count: usize) -> Self {
        let mut by_type = FastMap::default();
        let mut keyed: Vec<(u32, usize)> = Vec::with_capacity(resources.len());
        let (mut variables, mut providers) = (Vec::new(), Vec::new());
        for (i, (resource, &scope)) in resources.iter().zip(scopes).enumerate() {
            push_index(&mut by_type, &resource.resource_type, i);
            keyed.push((scope, i));
            match resource.kind {
                BlockKind::Variable => variables.push(i),
                BlockKind::Provider => providers.push(i),
                BlockKind::Resource | BlockKind::Data => {}
            }
        }
        // Each type's rank among the types, so that a scope's resources are
        // sorted by type without reading each resource again per comparison
        // (every resource is its own allocation, most of them out of the
        // cache by now).
        let mut types: Vec<(&str, &Vec<usize>)> = by_type
            .iter()
            .map(|(t, indices)| (t.as_str(), indices))
            .collect();
        types.sort_unstable_by_key(|&(t, _)| t);
        let mut type_rank = vec![0u32; resources.len()];
        for (rank, (_, indices)) in types.iter().enumerate() {
            let rank = u32::try_from(rank).unwrap_or(u32::MAX);
            for &i in *indices {
                type_rank[i] = rank;
            }
        }
        drop(types);
        // Stable: each scope's indices stay in order.
        keyed.par_sort_by_key(|&(scope, _)| scope);
        let ranges = ranges_by_scope(keyed.iter().map(|&(scope, _)| scope), scope_count);
        let by_scope: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
        // No scan holds four billion resources; one past that has no type
        // in its scope.
        let mut by_scope_type: Vec<u32> = Vec::with_capacity(by_scope.len());
        for range in &ranges {
            let start = by_scope_type.len();
            let scope = by_scope.get(range.clone()).unwrap_or_default();
            by_scope_type.extend(scope.iter().map(|&i| u32::try_from(i).unwrap_or(u32::MAX)));
            by_scope_type[start..].sort_by_key(|&i| type_rank.get(i as usize).copied());
        }
        Self {
            scopes: ranges,
            by_scope,
            by_scope_type,
            by_type,
            variables,
            providers,
        }
    }

    /// The resources of `scope`, in order.
    fn in_scope(&self, scope: u32) -> &[usize] {
        (self.scopes.get(scope as usize))
            .and_then(|range| self.by_scope.get(range.clone()))
            .unwrap_or_default()
    }

    /// The resources of any of `types` in `scope`, in order, each once;
    /// `resources` are those the index was built from.
    fn in_scope_of_types(
        &self,
        resources: &[Box<Resource>],
        scope: u32,
        types: &[&str],
    ) -> Vec<usize> {
        let by_type = (self.scopes.get(scope as usize))
            .and_then(|range| self.by_scope_type.get(range.clone()))
            .unwrap_or_default();

        let mut found = Vec::new();
        for wanted in types {
            let of_type = run_of(by_type, |i| type_of(resources, i), wanted);
            found.extend(of_type.iter().map(|&i| i as usize));
        }
        if types.len() > 1 {
            found.sort_unstable();
            found.dedup();
        }
        found
    }
}

/// The type of resource `index` (empty for one there is not).
fn type_of(resources: &[Box<Resource>], index: u32) -> &str {
    (resources.get(index as usize)).map_or("", |resource| resource.resource_type.as_str())
}

/// Appends `index` under `key`, copying the key only the first time it is seen.
fn push_index<S: std::hash::BuildHasher>(
    map: &mut HashMap<String, Vec<usize>, S>,
    key: &str,
    index: usize,
) {
    match map.get_mut(key) {
        Some(indices) => indices.push(index),
        None => {
            map.insert(key.to_owned(), vec![index]);
        }
    }
}

/// Boxed where a variant is large: a scan holds one for every file, and most
/// are a marker (`Deferred`, `Infrastructure`, Terraform still unparsed).
enum Content {
    Kubernetes(Vec<Document>),
    Dockerfile(Box<rampart_dockerfile::Dockerfile>),
    Terraform {
        content: Option<TerraformContent>,
        vars: bool,
    },
    TerraformModules(Box<(String, Vec<ManifestEntry>)>),
    /// Parsed, not yet evaluated (CloudFormation templates, plans, Falco files).
    Structured(Vec<Document>),
    /// A Kubernetes file or Dockerfile left to [`Project::add_modeled_manifests`].
    Deferred,
    /// A CloudFormation template or a plan left to
    /// [`Project::add_infrastructure`], which parses and models it.
    Infrastructure,
    /// A file the walk left unread that could not be read since
    /// ([`SourceFile::skipped`]).
    Skipped,
}

struct Parsed {
    kind: FileKind,
    source: SourceFile,
    content: Content,
    diagnostics: Vec<Diagnostic>,
}

/// Copies each file's text and paths, in parallel, before anything is parsed
/// ([`ParsedFiles::parse_deferring`], the scans that evaluate).
///
/// Discovery reads files on the walk's own threads, which end with it. What
/// they allocated and what outlives them (texts, paths) would hold their
/// memory pages for the whole scan, scattered among the walk's freed
/// temporaries: copied on the scan's threads, those pages are freed whole
/// and the parse reuses them. At 100,000 files the first files' model peaked
/// 34 MiB lower, the copy's time within the runs' spread
/// (docs/benchmarks-history.md, tenth round). `ParsedFiles::parse`, which the parse
/// floor (`--stop-after parse`) measures, does not copy: the copy is the
/// evaluating scan's cost, not parsing's.
fn copy_off_the_walk(input: &mut [InputFile]) {
    input.par_iter_mut().for_each(|file| {
        file.text = file.text.clone();
        file.display_path = file.display_path.clone();
        file.root_relative_path = file.root_relative_path.clone();
    });
}

/// Reads one file; `file` is the id it gets (its index in the input). A
/// file the walk left unread is read first ([`read_left_text`]).
fn parse_file(file: FileId, input: InputFile) -> Parsed {
    let mut source = source_of(
        input.display_path,
        input.root_relative_path,
        input.text,
        input.unread,
    );
    let mut diagnostics = read_left_text(&mut source);
    let content = if source.skipped() {
        Content::Skipped
    } else {
        let (content, more) = parse_source(file, &source, input.kind);
        diagnostics.extend(more);
        content
    };
    Parsed {
        kind: input.kind,
        source,
        content,
        diagnostics,
    }
}

fn source_of(
    display_path: String,
    root_relative_path: String,
    text: String,
    unread: Option<rampart_discover::Unread>,
) -> SourceFile {
    match unread {
        Some(unread) => SourceFile::unread(display_path, root_relative_path, unread),
        None => SourceFile::new(display_path, root_relative_path, text),
    }
}

/// The files the walk leaves for a scan that evaluates to read
/// (`rampart_discover::LeaveUnread`), once it has kept `kept` bytes of their
/// texts: those [`read_in_parts`] says a streamed scan reads a part at a
/// time (every Dockerfile, and the Kubernetes files that cannot declare a
/// namespace-wide object), and Terraform's `.tf` files and CloudFormation's
/// templates, with what the split needs to know of them
/// ([`crate::infrastructure_facts`]). Their texts are then in memory only
/// while their part is read, not from the walk to the end. A scan that
/// does not stream its manifests reads those before it parses; the
/// infrastructure reads its files when it is evaluated, whole or a part at
/// a time.
pub const LEAVE_UNREAD: LeaveUnread = LeaveUnread {
    dockerfiles: true,
    kubernetes: Some(kubernetes_read_in_parts),
    infrastructure: Some(crate::infrastructure_facts),
    kept: 0,
};

fn kubernetes_read_in_parts(text: &str) -> bool {
    read_in_parts(FileKind::Kubernetes, text)
}

/// Reads the text of `source` if it is still to be read
/// ([`SourceFile::still_unread`]): left so by the walk ([`LEAVE_UNREAD`]),
/// or released since. It must be the file the walk found
/// (`rampart_discover::read_later`), or it is skipped
/// ([`SourceFile::skipped`]); the problems met are returned.
fn read_left_text(source: &mut SourceFile) -> Vec<Diagnostic> {
    match read_left(source) {
        Some(read) => give_text(source, read),
        None => Vec::new(),
    }
}

/// Reads the text of `source` if it is still to be read.
fn read_left(source: &SourceFile) -> Option<ReadLater> {
    let unread = source.still_unread()?;
    Some(rampart_discover::read_later(&source.display_path, unread))
}

/// Gives `source` the text [`read_left`] read, or skips it; returns the
/// problems met.
fn give_text(source: &mut SourceFile, read: ReadLater) -> Vec<Diagnostic> {
    match read.text {
        Some(text) => source.read_later(text),
        None => source.skip_unreadable(),
    }
    read.diagnostics
}

/// What a file of `kind` holds, parsed, and the problems met reading it.
fn parse_source(file: FileId, source: &SourceFile, kind: FileKind) -> (Content, Vec<Diagnostic>) {
    match kind {
        FileKind::Kubernetes => {
            let stream =
                rampart_yaml::parse_stream(&source.text, &source.display_path, &Limits::default());
            (Content::Kubernetes(stream.documents), stream.diagnostics)
        }
        FileKind::Dockerfile => {
            let mut parsed = rampart_dockerfile::parse(&source.text, &source.display_path);
            let diagnostics = std::mem::take(&mut parsed.diagnostics);
            (Content::Dockerfile(Box::new(parsed)), diagnostics)
        }
        FileKind::TerraformVars if iac::is_json_vars(&source.display_path) => {
            let (values, diagnostics) =
                rampart_terraform::parse_json_vars(file, &source.text, &source.display_path);
            (
                Content::Terraform {
                    content: Some(TerraformContent::JsonVars(values)),
                    vars: true,
                },
                diagnostics,
            )
        }
        FileKind::Terraform | FileKind::TerraformVars => {
            let (body, diagnostics) = iac::parse_hcl(source);
            (
                Content::Terraform {
                    content: body,
                    vars: kind == FileKind::TerraformVars,
                },
                diagnostics,
            )
        }
        FileKind::TerraformModules => {
            let (root, entries) = iac::manifest_entries(&source.display_path, &source.text);
            (
                Content::TerraformModules(Box::new((root, entries))),
                Vec::new(),
            )
        }
        FileKind::TerraformPlan
        | FileKind::CloudFormation
        | FileKind::FalcoRules
        | FileKind::FalcoConfig => {
            let stream =
                rampart_yaml::parse_stream(&source.text, &source.display_path, &Limits::default());
            (Content::Structured(stream.documents), stream.diagnostics)
        }
    }
}

/// The Kubernetes objects of one YAML document (each item of a `…List`),
/// appended to `objects`.
fn add_document(file: FileId, document: Document, objects: &mut Vec<K8sObject>) {
    let root = document.root;
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|kind| kind.ends_with("List"))
        && root.get("items").is_some_and(Node::is_seq);
    if !is_list {
        add_object(file, document.index, None, root, objects);
        return;
    }
    let Value::Map(entries) = root.value else {
        return;
    };
    let items = entries
        .into_iter()
        .find(|e| e.key.as_str() == Some("items"))
        .map(|e| e.value.value);
    if let Some(Value::Seq(items)) = items {
        for (i, item) in items.into_iter().enumerate() {
            add_object(file, document.index, Some(i), item, objects);
        }
    }
}

/// `root` as a Kubernetes object, when it has an `apiVersion` and a `kind`.
fn add_object(
    file: FileId,
    document: usize,
    list_item: Option<usize>,
    root: Node,
    objects: &mut Vec<K8sObject>,
) {
    let text = |key: &str| root.get(key).and_then(Node::as_str).map(str::to_owned);
    let (Some(api_version), Some(kind)) = (text("apiVersion"), text("kind")) else {
        // Not a Kubernetes object (a Kustomize patch, a values file, …).
        return;
    };
    let metadata = |key: &str| {
        root.path(&["metadata", key])
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    let name = metadata("name")
        .or_else(|| metadata("generateName").map(|g| format!("{g}*")))
        .unwrap_or_else(|| "<unnamed>".to_owned());
    let mut object = K8sObject {
        file,
        document,
        list_item,
        api_version,
        kind,
        name,
        namespace: metadata("namespace"),
        root,
        tier: None,
        tier_origin: TierOrigin::None,
        name_place: None,
    };
    if object.is_cluster_scoped() {
        object.namespace = None;
    }
    objects.push(object);
}

/// The indices `by_type` lists under any of `types`, merged in index order,
/// each once.
fn of_types(by_type: &FastMap<String, Vec<usize>>, types: &[&str]) -> Vec<usize> {
    let mut found: Vec<usize> = types
        .iter()
        .filter_map(|t| by_type.get(*t))
        .flatten()
        .copied()
        .collect();
    if types.len() > 1 {
        found.sort_unstable();
        found.dedup();
    }
    found
}

impl ObjectIndex {
    /// Follows [`Project::objects`] losing objects from `start` on:
    /// `moved(i)` is where object `i` now is, `None` for one that is gone (no
    /// longer looked up).
    fn follow(&mut self, start: usize, moved: impl Fn(usize) -> Option<usize> + Copy) {
        self.namespaces
            .retain(|_, i| moved(*i).map(|to| *i = to).is_some());
        for indices in self.by_kind.values_mut() {
            // In order, as the objects were added: those before `start` stay.
            debug_assert!(indices.is_sorted(), "objects indexed out of order");
            let stay = indices.partition_point(|&i| i < start);
            let from_start = indices.split_off(stay);
            indices.extend(from_start.into_iter().filter_map(moved));
        }
        self.by_kind.retain(|_, indices| !indices.is_empty());
        for traffic in self.namespace_traffic.values_mut() {
            traffic.namespace_object = traffic.namespace_object.and_then(moved);
            traffic.first_workload =
                (traffic.first_workload).and_then(|(file, i)| moved(i).map(|to| (file, to)));
        }
    }

    fn build(objects: &[K8sObject]) -> Self {
        let facts: Vec<TreeFacts> = objects.par_iter().map(TreeFacts::of).collect();
        let mut index = Self::default();
        index.add(objects, &facts, 0);
        index
    }

    /// Indexes `objects`, which are [`Project::objects`] from `offset` on.
    /// Objects are added in file order, but for the files a streamed scan
    /// reads first (see [`may_declare_namespace_wide_objects`]): the last
    /// `Namespace` of a name, whose order decides, is in those files; the
    /// last `ServiceAccount` of a name and the first workload of a
    /// namespace are chosen by their place in the files.
    /// `facts` are the objects' [`TreeFacts`], by the same index.
    fn add(&mut self, objects: &[K8sObject], facts: &[TreeFacts], offset: usize) {
        for (i, (object, facts)) in objects.iter().zip(facts).enumerate() {
            let i = i + offset;
            push_index(&mut self.by_kind, &object.kind, i);
            self.add_traffic(object, facts, i);
            match object.kind.as_str() {
                "Namespace" => {
                    self.namespaces.insert(object.name.clone(), i);
                }
                "ServiceAccount" => {
                    let key = (object.namespace.clone(), object.name.clone());
                    // A file's objects are added together, in their order.
                    let said = (object.file, facts.automount);
                    match self.service_account_automount.entry(key) {
                        Entry::Occupied(mut entry) => {
                            if entry.get().0 <= object.file {
                                entry.insert(said);
                            }
                        }
                        Entry::Vacant(entry) => {
                            entry.insert(said);
                        }
                    }
                }
                "ResourceQuota" if object.api_version == "v1" => {
                    if let Some(namespace) = &object.namespace {
                        self.resource_quotas
                            .entry(namespace.clone())
                            .or_default()
                            .add(&object.root);
                    }
                }
                "LimitRange" => match &object.namespace {
                    Some(namespace) => self
                        .limit_range_defaults
                        .entry(namespace.clone())
                        .or_default()
                        .add(&object.root),
                    None => self
                        .limit_range_defaults_without_namespace
                        .get_or_insert_default()
                        .add(&object.root),
                },
                "RoleBinding" | "ClusterRoleBinding" => {
                    if let Some(binding) = &facts.binding {
                        self.add_binding(object, binding);
                    }
                }
                _ => {}
            }
        }
    }

    /// What the RoleBinding or ClusterRoleBinding `object` grants.
    fn add_binding(&mut self, object: &K8sObject, binding: &BindingFacts) {
        if let Some(role) = &binding.cluster_role {
            let bindings = self.cluster_role_bindings.entry(role.clone()).or_default();
            if object.kind == "RoleBinding" {
                bindings.in_namespace = true;
            } else {
                bindings.cluster_wide = true;
            }
        }
        let groups = &mut self.service_account_groups;
        self.bound_service_accounts
            .extend(binding.service_accounts.iter().cloned());
        groups.all |= binding.all_service_accounts;
        groups.namespaces.extend(binding.namespaces.iter().cloned());
        groups.users.extend(binding.users.iter().cloned());
    }

    /// NP-001's facts about `object`, index `i` of [`Project::objects`].
    fn add_traffic(&mut self, object: &K8sObject, tree: &TreeFacts, i: usize) {
        if object.kind == "Namespace" {
            self.update_traffic(&object.name, |facts| facts.namespace_object = Some(i));
            return;
        }
        let Some(namespace) = object.namespace.as_deref() else {
            return;
        };
        if let Some((denies_ingress, denies_egress)) = tree.policy {
            self.update_traffic(namespace, |facts| {
                facts.policies += 1;
                facts.denies_ingress |= denies_ingress;
                facts.denies_egress |= denies_egress;
            });
        } else if tree.runs_pods {
            self.update_traffic(namespace, |facts| {
                facts.workloads += 1;
                // A streamed scan indexes some files first: the first
                // workload in file order wins, whenever it is indexed. The
                // objects of one file are indexed together, in their order.
                let place = (object.file, i);
                if facts.first_workload.is_none_or(|first| place < first) {
                    facts.first_workload = Some(place);
                }
            });
        }
    }

    /// Updates the facts of `namespace`, copying its name only the first
    /// time: nearly every object is in a namespace already there.
    fn update_traffic(&mut self, namespace: &str, update: impl FnOnce(&mut NamespaceTraffic)) {
        match self.namespace_traffic.get_mut(namespace) {
            Some(facts) => update(facts),
            None => update(
                self.namespace_traffic
                    .entry(namespace.to_owned())
                    .or_default(),
            ),
        }
    }
}

/// The tier of every Kubernetes object, in order, and where it comes from: its
/// own label, its pods' label, or its namespace's label (of the `Namespace`
/// objects of one name with a tier label, the last decides).
fn resolve_tiers(
    objects: &[K8sObject],
    namespace_tiers: &FastMap<String, Tier>,
    keys: &[String],
) -> Vec<Option<(Tier, TierOrigin)>> {
    objects
        .par_iter()
        .map(|object| resolve_tier(object, namespace_tiers, keys))
        .collect()
}

/// An object's tier: its own label, else its pods', else its namespace's.
fn resolve_tier(
    object: &K8sObject,
    namespace_tiers: &FastMap<String, Tier>,
    keys: &[String],
) -> Option<(Tier, TierOrigin)> {
    if object.kind == "Namespace" {
        return own_tier(object.labels(), keys).map(|(t, key)| (t, TierOrigin::Label { key }));
    }
    own_tier(object.labels(), keys)
        .map(|(t, key)| (t, TierOrigin::Label { key }))
        .or_else(|| {
            own_tier(object.pod_labels(), keys).map(|(t, key)| (t, TierOrigin::PodLabel { key }))
        })
        .or_else(|| {
            let ns = object.namespace.as_ref()?;
            namespace_tiers
                .get(ns.as_str())
                .map(|t| (*t, TierOrigin::Namespace { name: ns.clone() }))
        })
}

/// The model of a file [`ParsedFiles::parse_deferring`] left unparsed (a
/// Kubernetes file's objects, a Dockerfile, a template's resources, a
/// plan's), and the problems met reading it.
fn model_deferred(
    file: FileId,
    source: Option<&SourceFile>,
    kind: Option<&FileKind>,
    tier_keys: &[String],
) -> (Vec<Diagnostic>, Modeled) {
    let (Some(source), Some(&kind)) = (source, kind) else {
        return (Vec::new(), Modeled::Nothing);
    };
    // Read by the part first ([`Project::read_texts`]).
    debug_assert!(
        source.still_unread().is_none(),
        "a file not read before its part"
    );
    if source.skipped() {
        return (Vec::new(), Modeled::Nothing);
    }
    let (content, diagnostics) = parse_source(file, source, kind);
    (
        diagnostics,
        model_file(file, source, kind, content, tier_keys),
    )
}

fn set_tiers(objects: &mut [K8sObject], tiers: Vec<Option<(Tier, TierOrigin)>>) {
    (objects.par_iter_mut().zip(tiers)).for_each(|(object, resolved)| {
        if let Some((tier, origin)) = resolved {
            object.tier = Some(tier);
            object.tier_origin = origin;
        }
    });
}

/// Where the objects, Dockerfiles and images of [`Project::add_modeled_manifests`]
/// went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManifestPart {
    /// In [`Project::objects`].
    pub objects: std::ops::Range<usize>,
    /// In [`Project::dockerfiles`].
    pub dockerfiles: std::ops::Range<usize>,
    /// In [`Project::images`].
    pub images: std::ops::Range<usize>,
}

/// Where a finding is, as its report and its fingerprint say it (see
/// [`Project::place`]). Worked out from the object or Dockerfile itself for
/// one not yet added to the project ([`Project::model_manifest`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingPlace {
    pub file: FileId,
    pub tier: Option<Tier>,
    /// `Kind/namespace/name`, `Dockerfile/<stage>`, a resource's address.
    pub resource: String,
    /// Where in the resource, without line numbers ([`Project::locate`]).
    pub location: String,
    /// The scalar there, or empty ([`Project::evidence`]).
    pub evidence: String,
}

impl FindingPlace {
    /// A finding at `span` of `object`, with the scalar there when `evidence`.
    pub fn in_object(object: &K8sObject, span: Span, evidence: bool) -> Self {
        Self {
            file: object.file,
            tier: object.tier,
            resource: object.identity(),
            location: object.location(span.start),
            evidence: if evidence {
                object.scalar(span.start).unwrap_or_default()
            } else {
                String::new()
            },
        }
    }

    /// A finding at `span` of `doc` (a Dockerfile's findings have no evidence:
    /// the instruction located says it).
    pub fn in_dockerfile(doc: &DockerfileDoc, span: Span) -> Self {
        Self {
            file: doc.file,
            tier: doc.tier,
            resource: locate::dockerfile_resource(doc, span),
            location: locate::dockerfile_instruction(doc, span),
            evidence: String::new(),
        }
    }
}

/// A Kubernetes file or Dockerfile [`Project::model_manifest`] read, not yet
/// added to the project.
pub struct ModeledManifest {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    modeled: Modeled,
    /// Of the objects, by the same index.
    facts: Vec<TreeFacts>,
    /// Their subjects count from 0 within the file.
    images: Vec<ImageUse>,
}

impl ModeledManifest {
    /// The file's objects (none for a Dockerfile), with their tiers.
    pub fn objects(&self) -> &[K8sObject] {
        match &self.modeled {
            Modeled::Kubernetes(objects) => objects,
            _ => &[],
        }
    }

    /// The file's Dockerfile, if it is one.
    pub fn dockerfile(&self) -> Option<&DockerfileDoc> {
        match &self.modeled {
            Modeled::Dockerfile(doc) => Some(doc),
            _ => None,
        }
    }

    /// The images the file's objects run, or its Dockerfile builds from
    /// (their subjects counted within the file).
    pub fn images(&self) -> &[ImageUse] {
        &self.images
    }
}

/// The kinds of the namespace-wide objects, which
/// [`may_declare_namespace_wide_objects`] looks for: what every object of a
/// namespace is judged by, its tier (`Namespace`), its containers' default
/// limits (`LimitRange`) and its quotas (`ResourceQuota`).
pub const NAMESPACE_WIDE_KINDS: &[&str] = &["Namespace", "LimitRange", "ResourceQuota"];

/// Whether a Kubernetes file's text may declare a namespace-wide object:
/// a `Namespace` (the tier its objects inherit, which every finding about
/// them shows; NP-001, TIER-004/005), a `LimitRange` or a `ResourceQuota`
/// (RES-001 to RES-004). A kind is read from the text as written but for
/// escapes, so a file whose text names none of them and has no backslash
/// declares none; a streamed scan reads the files that may first
/// ([`ParsedFiles::parse_deferring`] defers the others).
///
/// Service accounts and bindings, which SA-001, SA-002 and RBAC-003 read,
/// may be in any part: the findings that depend on them wait until every
/// part is read.
pub fn may_declare_namespace_wide_objects(text: &str) -> bool {
    // One pass over the text for all the names (leftmost-first, with needles
    // of seven bytes or more, so that the search runs on packed SIMD
    // instructions rather than byte by byte), and one for the escape.
    // Building the searcher cannot fail on these needles; if it did, every
    // file would be read first, as without streaming.
    static NAMES: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(NAMESPACE_WIDE_KINDS)
                .ok()
        });
    if memchr::memchr(b'\\', text.as_bytes()).is_some() {
        return true;
    }
    NAMES
        .as_ref()
        .is_none_or(|names| names.find(text).is_some())
}

/// Whether a streamed scan leaves a file to be read a part at a time
/// ([`ParsedFiles::parse_deferring`]): a Dockerfile, whose rules read nothing
/// of other files, or a Kubernetes file that cannot declare a namespace-wide
/// object ([`may_declare_namespace_wide_objects`]).
pub fn read_in_parts(kind: FileKind, text: &str) -> bool {
    match kind {
        FileKind::Dockerfile => true,
        FileKind::Kubernetes => !may_declare_namespace_wide_objects(text),
        _ => false,
    }
}

/// The tier each `Namespace` object of `objects` gives its namespace (of the
/// objects of one name with a tier label, the last decides).
fn namespace_tiers(objects: &[K8sObject], keys: &[String]) -> FastMap<String, Tier> {
    objects
        .iter()
        .filter(|o| o.kind == "Namespace")
        .filter_map(|o| own_tier(o.labels(), keys).map(|(tier, _)| (o.name.clone(), tier)))
        .collect()
}

/// The tier a set of labels names, and the key that names it.
fn own_tier(labels: Option<&Node>, keys: &[String]) -> Option<(Tier, String)> {
    tier_labels(labels, keys)
        .into_iter()
        .find_map(|l| l.tier.map(|t| (t, l.key)))
}

/// Every image reference: containers' `image`, Dockerfiles' `FROM` and `COPY
/// --from`, in object then Dockerfile order.
/// `objects` are [`Project::objects`] from `offset` on, `dockerfiles`
/// [`Project::dockerfiles`] from `dockerfile_offset` on.
fn collect_images(objects: &[K8sObject], dockerfiles: &[DockerfileDoc]) -> Vec<ImageUse> {
    let mut images: Vec<ImageUse> = (objects.par_iter().enumerate())
        .flat_map_iter(|(i, object)| object_images(object.workload().as_ref(), i))
        .collect();
    images.par_extend(
        (dockerfiles.par_iter().enumerate()).flat_map_iter(|(d, doc)| dockerfile_images(doc, d)),
    );
    images
}

/// The images the containers of object `i` of [`Project::objects`] run, given
/// its workload.
fn object_images(workload: Option<&Workload<'_>>, i: usize) -> Vec<ImageUse> {
    let mut images = Vec::new();
    let Some(workload) = workload else {
        return images;
    };
    for container in workload.containers() {
        let Some(node) = container.get("image") else {
            continue;
        };
        let text = node.as_str().unwrap_or_default().to_owned();
        images.push(ImageUse {
            subject: Subject::Object(i),
            reference: ImageRef::parse(&text),
            text,
            span: node.span,
            context: ImageContext::Container {
                kind: container.kind,
                name: container.name().to_owned(),
            },
        });
    }
    images
}

/// The images Dockerfile `d` of [`Project::dockerfiles`] builds from and copies from.
fn dockerfile_images(doc: &DockerfileDoc, d: usize) -> Vec<ImageUse> {
    let mut images = Vec::new();
    let stages = &doc.parsed.stages;
    for stage in stages {
        let from = &doc.parsed.instructions[stage.instructions.start];
        let label = stage.label();
        let is_final = stage.index + 1 == stages.len();
        let text = match &stage.base {
            BaseImage::Image(text) => text.clone(),
            BaseImage::Unresolved(text) => text.clone(),
            BaseImage::Stage(_) | BaseImage::Scratch => continue,
        };
        images.push(ImageUse {
            subject: Subject::Dockerfile(d),
            reference: ImageRef::parse(&text),
            text,
            span: from.span,
            context: ImageContext::Stage { label, is_final },
        });
        for instruction in doc.parsed.stage_instructions(stage) {
            if instruction.keyword != "COPY" {
                continue;
            }
            let Some(from) = instruction.flag("from").and_then(|f| f.value.as_deref()) else {
                continue;
            };
            let names_stage = from.parse::<usize>().is_ok()
                || stages
                    .iter()
                    .any(|s| s.name.as_deref() == Some(&from.to_ascii_lowercase()));
            if names_stage {
                continue;
            }
            images.push(ImageUse {
                subject: Subject::Dockerfile(d),
                reference: ImageRef::parse(from),
                text: from.to_owned(),
                span: instruction.span,
                context: ImageContext::CopyFrom {
                    label: stage.label(),
                },
            });
        }
    }
    images
}

/// A CloudFormation template, evaluated.
struct ModeledTemplate {
    file: FileId,
    /// Kept only when the file writes a suppression comment.
    root: Option<Node>,
    /// Their tiers are worked out once every file is modelled. Boxed, as
    /// the project holds them (see `rampart_iac::compacted`).
    #[expect(clippy::vec_box, reason = "moved into the project's list as pointers")]
    resources: Vec<Box<Resource>>,
    unknowns: Vec<UnknownValue>,
    diagnostics: Vec<Diagnostic>,
}

/// What one file adds to the model and the problems met reading it, boxed,
/// and `None` when it adds nothing (see [`Project::manifests_from_parsed`]).
type FileModel = Option<Box<(Vec<Diagnostic>, Modeled)>>;

/// What one file adds to the model.
enum Modeled {
    Nothing,
    /// Parsed and modelled with the infrastructure (`Content::Infrastructure`).
    Later,
    Kubernetes(Vec<K8sObject>),
    Dockerfile(Box<DockerfileDoc>),
    Terraform(TerraformFile),
    TerraformModules(Box<(String, Vec<ManifestEntry>)>),
    FalcoRules(RulesFile),
    FalcoConfig(Option<FalcoConfig>),
    CloudFormation(Vec<ModeledTemplate>),
    Plans(Vec<rampart_tfplan::PlanOutput>),
}

/// Where the objects [`retain_objects`] kept went.
struct ObjectMoves {
    start: usize,
    /// By index from `start` on: the new index, `None` for one dropped.
    moves: Vec<Option<usize>>,
}

impl ObjectMoves {
    /// Where object `i` now is (those before `start` stay).
    fn of(&self, i: usize) -> Option<usize> {
        match i.checked_sub(self.start) {
            None => Some(i),
            Some(at) => self.moves.get(at).copied().flatten(),
        }
    }
}

/// Keeps, of the objects from `start` on, those `keep` says (by index and
/// object), in order, drops the others, and moves `index` with them.
fn retain_objects(
    objects: &mut Vec<K8sObject>,
    index: &mut ObjectIndex,
    start: usize,
    keep: impl Fn(usize, &K8sObject) -> bool,
) -> ObjectMoves {
    let mut next = start;
    let moves: Vec<Option<usize>> = (objects.get(start..).unwrap_or_default().iter())
        .enumerate()
        .map(|(i, object)| {
            keep(start + i, object).then(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    let moves = ObjectMoves { start, moves };
    // Only the objects from `start` on move: a streamed scan releases each
    // part this way, and the objects before (the first files') are not
    // walked again for every part.
    let mut kept = start;
    for at in start..objects.len() {
        if moves.of(at).is_some() {
            objects.swap(kept, at);
            kept += 1;
        }
    }
    objects.truncate(kept);
    index.follow(start, |i| moves.of(i));
    moves
}

/// How many items the files' models add to each list of the project.
#[derive(Default)]
struct ModeledLengths {
    objects: usize,
    dockerfiles: usize,
    terraform_files: usize,
    template_resources: usize,
}

impl ModeledLengths {
    fn add(&mut self, modeled: &Modeled) {
        match modeled {
            Modeled::Kubernetes(objects) => self.objects += objects.len(),
            Modeled::Dockerfile(_) => self.dockerfiles += 1,
            Modeled::Terraform(_) => self.terraform_files += 1,
            Modeled::CloudFormation(templates) => {
                self.template_resources +=
                    templates.iter().map(|t| t.resources.len()).sum::<usize>();
            }
            _ => {}
        }
    }
}

/// The model of one parsed file: what needs no other file.
fn model_file(
    file: FileId,
    source: &SourceFile,
    kind: FileKind,
    content: Content,
    tier_keys: &[String],
) -> Modeled {
    match content {
        Content::Deferred | Content::Skipped => Modeled::Nothing,
        Content::Infrastructure => Modeled::Later,
        Content::Kubernetes(documents) => {
            // Most documents are one object each. Every file's list is alive
            // at once when they are joined into the project's (the scan's
            // peak at 100,000 files): kept at its length, not at the capacity
            // of four a growing list starts with.
            let mut objects = Vec::with_capacity(documents.len());
            for document in documents {
                add_document(file, document, &mut objects);
            }
            objects.shrink_to_fit();
            Modeled::Kubernetes(objects)
        }
        Content::Dockerfile(dockerfile) => {
            Modeled::Dockerfile(Box::new(DockerfileDoc::new(file, *dockerfile, tier_keys)))
        }
        Content::Terraform { content, vars } => match content {
            Some(content) => Modeled::Terraform(TerraformFile {
                file,
                content,
                vars,
            }),
            None => Modeled::Nothing,
        },
        Content::TerraformModules(modules) => Modeled::TerraformModules(modules),
        Content::Structured(documents) => match kind {
            FileKind::FalcoRules => {
                let roots = documents.into_iter().map(|d| d.root).collect();
                Modeled::FalcoRules(RulesFile::new(file, roots))
            }
            FileKind::FalcoConfig => {
                let roots = documents.into_iter().map(|d| d.root).collect();
                Modeled::FalcoConfig(FalcoConfig::new(file, roots))
            }
            FileKind::CloudFormation => {
                let display = &source.display_path;
                // A template's tree is read again only to place suppression
                // comments: without one, it goes (60 MiB of a 100,000-file
                // scan were templates' trees kept for nothing).
                let keep_layout = source.writes_suppression_marker();
                let templates = documents
                    .into_iter()
                    .filter(|d| rampart_cloudformation::is_cloudformation(&d.root))
                    .map(|document| {
                        let template = rampart_cloudformation::evaluate_template(
                            file,
                            &document.root,
                            display,
                        );
                        // The tree goes before the resources are packed.
                        let root = if keep_layout {
                            Some(document.root)
                        } else {
                            drop(document);
                            None
                        };
                        ModeledTemplate {
                            file,
                            root,
                            resources: (template.resources.iter())
                                .map(rampart_iac::compacted)
                                .collect(),
                            unknowns: template.unknowns,
                            diagnostics: template.diagnostics,
                        }
                    })
                    .collect();
                Modeled::CloudFormation(templates)
            }
            FileKind::TerraformPlan => Modeled::Plans(
                documents
                    .iter()
                    .filter(|d| rampart_tfplan::is_plan(&d.root))
                    .map(|d| rampart_tfplan::read_plan(file, &source.display_path, &d.root))
                    .collect(),
            ),
            _ => Modeled::Nothing,
        },
    }
}

/// Every file parsed (in parallel), nothing evaluated or modelled yet: the
/// parse stage on its own, so that it can be timed (`rampart scan
/// --stop-after parse`) and benchmarked.
///
/// In three lists, by file id, rather than one of `Parsed`: the model
/// moves the sources and kinds into the project as they are, and only the
/// contents are worked through. One list would be copied out of a file at a
/// time while all of it stays allocated, the scan's largest lists side by
/// side at the manifests' peak (docs/benchmarks-history.md, eleventh round).
pub struct ParsedFiles {
    sources: Vec<SourceFile>,
    kinds: Vec<FileKind>,
    /// What each file holds, parsed, and the problems met reading it.
    contents: Vec<(Content, Vec<Diagnostic>)>,
}

impl FromParallelIterator<Parsed> for ParsedFiles {
    fn from_par_iter<I: IntoParallelIterator<Item = Parsed>>(parsed: I) -> Self {
        let (sources, (kinds, contents)) = parsed
            .into_par_iter()
            .map(|p| (p.source, (p.kind, (p.content, p.diagnostics))))
            .unzip();
        Self {
            sources,
            kinds,
            contents,
        }
    }
}

impl ParsedFiles {
    /// Parses every file, in parallel; a file's id is its index in `input`.
    pub fn parse(input: Vec<InputFile>) -> Self {
        input
            .into_par_iter()
            .enumerate()
            .map(|(index, file)| parse_file(FileId::from_index(index), file))
            .collect()
    }

    /// As [`ParsedFiles::parse`], but what a scan that evaluates reads
    /// later is left unparsed. Terraform's `.tf` and `.tfvars` files are
    /// parsed only when [`Project::add_infrastructure`] evaluates them, a
    /// module set at a time, and CloudFormation templates and plans when it
    /// models them, a file at a time: their syntax trees are then never all
    /// in memory, nor beside the manifests'. The Kubernetes files and
    /// Dockerfiles for which `defer` (asked of those two kinds only, with
    /// the file's text) holds are left to [`Project::add_modeled_manifests`]
    /// ([`ParsedFiles::deferred`] lists them), so that a scan can parse,
    /// check and release them a part at a time ([`read_in_parts`] says which
    /// a streamed scan leaves); the model has none of their objects until
    /// they are added.
    pub fn parse_deferring(
        mut input: Vec<InputFile>,
        defer: impl Fn(FileKind, &str) -> bool + Sync,
    ) -> Self {
        copy_off_the_walk(&mut input);
        input
            .into_par_iter()
            .enumerate()
            .map(|(index, file)| {
                let id = FileId::from_index(index);
                let unparsed = if file.kind == FileKind::Terraform
                    || file.kind == FileKind::TerraformVars
                        && !iac::is_json_vars(&file.display_path)
                {
                    // Parsed when Terraform is evaluated, after the
                    // manifests' rules: its syntax trees are then never
                    // beside the manifests' (see `iac::evaluate_terraform`).
                    Content::Terraform {
                        content: Some(TerraformContent::Unparsed),
                        vars: file.kind == FileKind::TerraformVars,
                    }
                } else if matches!(file.kind, FileKind::Kubernetes | FileKind::Dockerfile)
                    && defer(file.kind, &file.text)
                {
                    // A file the walk left unread ([`LEAVE_UNREAD`]) is one
                    // `read_in_parts` holds for: asked with its empty text,
                    // `defer` says whether the scan streams.
                    Content::Deferred
                } else if matches!(
                    file.kind,
                    FileKind::CloudFormation | FileKind::TerraformPlan
                ) {
                    // Their model is the infrastructure's: made after the
                    // manifests' rules, each file's tree gone as soon as
                    // it is modelled (see `evaluate_infrastructure`).
                    Content::Infrastructure
                } else {
                    return parse_file(id, file);
                };
                Parsed {
                    kind: file.kind,
                    source: source_of(
                        file.display_path,
                        file.root_relative_path,
                        file.text,
                        file.unread,
                    ),
                    content: unparsed,
                    diagnostics: Vec::new(),
                }
            })
            .collect()
    }

    /// The files [`ParsedFiles::parse_deferring`] left unparsed, in order.
    pub fn deferred(&self) -> Vec<FileId> {
        (self.contents.iter().enumerate())
            .filter(|(_, (content, _))| matches!(content, Content::Deferred))
            .map(|(index, _)| FileId::from_index(index))
            .collect()
    }

    /// How many files were parsed.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Problems met while parsing, so far.
    pub fn diagnostics(&self) -> usize {
        self.contents.iter().map(|(_, d)| d.len()).sum()
    }
}

impl Project {
    /// Parses every file (in parallel) and builds the model.
    pub fn build(input: Vec<InputFile>, config: &Config) -> Self {
        Self::build_with(input, config, &TerraformOptions::default())
    }

    /// As [`Project::build`], with Terraform variables set on the command line.
    pub fn build_with(
        input: Vec<InputFile>,
        config: &Config,
        terraform: &TerraformOptions,
    ) -> Self {
        Self::from_parsed(ParsedFiles::parse(input), config, terraform)
    }

    /// The model of files already parsed (the second half of
    /// [`Project::build_with`]: evaluation of Terraform and CloudFormation,
    /// Kubernetes objects, images, tiers, links).
    pub fn from_parsed(parsed: ParsedFiles, config: &Config, terraform: &TerraformOptions) -> Self {
        let (mut project, infrastructure) = Self::manifests_from_parsed(parsed, config);
        project.add_infrastructure(infrastructure, config, terraform, ManifestTrees::Keep);
        project
    }

    /// The model of the manifests of files already parsed (Kubernetes
    /// objects with their tiers, Dockerfiles, images, Falco files), and the
    /// infrastructure still to add with [`Project::add_infrastructure`]:
    /// CloudFormation templates evaluated and plans read (those
    /// [`ParsedFiles::parse_deferring`] left unparsed are listed, for it to
    /// parse and model), Terraform read. Until then the project has no
    /// infrastructure resources.
    ///
    /// A scan runs the rules about manifests in between, then releases the
    /// manifests' trees as it adds the infrastructure, so that they and the
    /// evaluated infrastructure are never in memory together.
    pub fn manifests_from_parsed(parsed: ParsedFiles, config: &Config) -> (Self, Infrastructure) {
        let ParsedFiles {
            sources,
            kinds,
            contents,
        } = parsed;
        let mut project = Project::default();
        let mut infrastructure = Infrastructure::default();
        let tier_keys = &config.tiers.label_keys;
        // Each file's share of the model is built on its own (in parallel),
        // then joined in file order. Boxed, and only for files that add
        // something: most files of a large scan are left to later stages
        // and add nothing here.
        let modeled: Vec<FileModel> = (contents.into_par_iter())
            .zip(sources.par_iter().zip(kinds.par_iter()))
            .enumerate()
            .map(|(index, ((content, diagnostics), (source, &kind)))| {
                let file = FileId::from_index(index);
                let modeled = model_file(file, source, kind, content, tier_keys);
                let nothing = matches!(modeled, Modeled::Nothing) && diagnostics.is_empty();
                (!nothing).then(|| Box::new((diagnostics, modeled)))
            })
            .collect();
        project.files = sources;
        project.file_kinds = kinds;
        // The lists every file adds to are made at their length: grown, they
        // are up to twice it, and stay so until Terraform's evaluation has
        // run.
        let mut lengths = ModeledLengths::default();
        for (_, modeled) in modeled.iter().flatten().map(|m| &**m) {
            lengths.add(modeled);
        }
        project.objects.reserve_exact(lengths.objects);
        project.dockerfiles.reserve_exact(lengths.dockerfiles);
        infrastructure
            .terraform_files
            .reserve_exact(lengths.terraform_files);
        infrastructure
            .templates
            .reserve_exact(lengths.template_resources);
        let modeled = (modeled.into_iter().enumerate())
            .filter_map(|(index, modeled)| Some((index, *modeled?)));
        for (index, (diagnostics, modeled)) in modeled {
            project.diagnostics.extend(diagnostics);
            match modeled {
                Modeled::Nothing => {}
                Modeled::Later => infrastructure.later.push(FileId::from_index(index)),
                Modeled::Kubernetes(objects) => project.objects.extend(objects),
                Modeled::Dockerfile(doc) => project.dockerfiles.push(*doc),
                Modeled::Terraform(file) => infrastructure.terraform_files.push(file),
                Modeled::TerraformModules(modules) => infrastructure.manifests.push(*modules),
                Modeled::FalcoRules(rules) => project.falco.rules_files.push(rules),
                Modeled::FalcoConfig(config) => project.falco.configs.extend(config),
                Modeled::CloudFormation(templates) => {
                    let file = FileId::from_index(index);
                    infrastructure.add_templates(file, templates, &mut project);
                }
                Modeled::Plans(read) => infrastructure.plans.extend(read),
            }
        }
        (infrastructure.templates.par_iter_mut()).for_each(|(resource, tier, _)| {
            *tier = iac::resource_tier(resource, tier_keys, None);
        });
        // Each part of the Kubernetes side of the model reads the objects
        // only: all three run side by side, and the tiers are set after.
        project.namespace_tiers = namespace_tiers(&project.objects, tier_keys);
        let facts: Vec<TreeFacts> = project.objects.par_iter().map(TreeFacts::of).collect();
        let ((tiers, object_index), images) = rayon::join(
            || {
                rayon::join(
                    || resolve_tiers(&project.objects, &project.namespace_tiers, tier_keys),
                    || {
                        let mut index = ObjectIndex::default();
                        index.add(&project.objects, &facts, 0);
                        index
                    },
                )
            },
            || collect_images(&project.objects, &project.dockerfiles),
        );
        set_tiers(&mut project.objects, tiers);
        project.object_index = object_index;
        project.images_read = images.len();
        project.objects_read = project.objects.len();
        project.images = images;
        project.manifest_facts.add(&project.objects, &facts, 0);
        (project, infrastructure)
    }

    /// Parses and models one of the files [`ParsedFiles::parse_deferring`]
    /// left, for [`Project::add_modeled_manifests`]: its objects, with their
    /// tiers, or its Dockerfile, and their images. The project is only read,
    /// so that files are modelled side by side, and each can be checked
    /// while its tree is still in the cache, before it is added. Its objects'
    /// and Dockerfile's indices in [`Subject`]s (its images', and those of
    /// findings made before it is added) count from 0 within the file, until
    /// it is added.
    pub fn model_manifest(&self, file: FileId, config: &Config) -> ModeledManifest {
        let tier_keys = &config.tiers.label_keys;
        let (source, kind) = (
            self.files.get(file.index()),
            self.file_kinds.get(file.index()),
        );
        let (diagnostics, mut modeled) = model_deferred(file, source, kind, tier_keys);
        let mut facts = Vec::new();
        let images = match &mut modeled {
            Modeled::Kubernetes(objects) => {
                let mut images = Vec::new();
                facts = Vec::with_capacity(objects.len());
                for (i, object) in objects.iter_mut().enumerate() {
                    if let Some((tier, origin)) =
                        resolve_tier(object, &self.namespace_tiers, tier_keys)
                    {
                        object.tier = Some(tier);
                        object.tier_origin = origin;
                    }
                    // Found once for what the project gathers and the images.
                    let workload = object.workload();
                    facts.push(TreeFacts::with_workload(object, workload.as_ref()));
                    images.extend(object_images(workload.as_ref(), i));
                }
                images
            }
            Modeled::Dockerfile(doc) => dockerfile_images(doc, 0),
            _ => Vec::new(),
        };
        ModeledManifest {
            file,
            diagnostics,
            modeled,
            facts,
            images,
        }
    }

    /// Releases the trees of `modeled`'s objects and its Dockerfile's
    /// instructions once every rule about them has run (and their findings
    /// are placed), while they are still in the cache: a file that writes a
    /// suppression marker keeps all, and a `Namespace` keeps its tree (the
    /// rules about other objects read its labels). An object that could be
    /// the first workload of its namespace keeps what NP-001 reads of its
    /// tree, its name's place ([`K8sObject::release_tree_keeping_name`]);
    /// [`Project::release_manifest_part`], or for the last part
    /// [`Project::add_infrastructure`], decides which object records stay.
    pub fn release_checked(&self, modeled: &mut ModeledManifest) {
        if (self.files.get(modeled.file.index())).is_none_or(SourceFile::writes_suppression_marker)
        {
            return;
        }
        match &mut modeled.modeled {
            Modeled::Kubernetes(objects) => {
                for (object, facts) in objects.iter_mut().zip(&modeled.facts) {
                    if object.kind == "Namespace" {
                        continue;
                    }
                    if self.may_be_first_workload(object, facts) {
                        object.release_tree_keeping_name();
                    } else {
                        object.release_tree();
                    }
                }
            }
            Modeled::Dockerfile(doc) => doc.release(),
            _ => {}
        }
    }

    /// Whether `object` could be the first workload of its namespace once
    /// its file is added (see [`ObjectIndex::add_traffic`]).
    fn may_be_first_workload(&self, object: &K8sObject, facts: &TreeFacts) -> bool {
        let Some(namespace) = object.namespace.as_deref() else {
            return false;
        };
        facts.policy.is_none()
            && facts.runs_pods
            && (self.object_index.namespace_traffic.get(namespace))
                .and_then(|traffic| traffic.first_workload)
                .is_none_or(|(file, _)| file >= object.file)
    }

    /// Adds files [`Project::model_manifest`] read, in order: their
    /// objects, Dockerfiles and images (the images of objects first, then
    /// those of Dockerfiles, as [`Project::images`] lists them), and what
    /// the project gathers of objects; returns where they are in
    /// [`Project::objects`], [`Project::dockerfiles`] and [`Project::images`].
    ///
    /// The files must not declare namespace-wide objects (what
    /// [`may_declare_namespace_wide_objects`] looks for), since the objects
    /// added before do not learn of them: the tiers objects inherit come
    /// from the `Namespace` objects modelled by
    /// [`Project::manifests_from_parsed`].
    pub fn add_modeled_manifests(&mut self, modeled: Vec<ModeledManifest>) -> ManifestPart {
        let start = self.objects.len();
        let dockerfile_start = self.dockerfiles.len();
        let image_start = self.images.len();
        let mut lengths = ModeledLengths::default();
        for file in &modeled {
            lengths.add(&file.modeled);
        }
        self.objects.reserve(lengths.objects);
        self.dockerfiles.reserve(lengths.dockerfiles);
        let mut images_of_dockerfiles = Vec::new();
        let mut facts = Vec::with_capacity(lengths.objects);
        for file in modeled {
            self.diagnostics.extend(file.diagnostics);
            facts.extend(file.facts);
            match file.modeled {
                Modeled::Kubernetes(objects) => {
                    let at = self.objects.len();
                    self.images
                        .extend(file.images.into_iter().map(|image| image.moved(at, 0)));
                    self.objects.extend(objects);
                }
                Modeled::Dockerfile(doc) => {
                    let at = self.dockerfiles.len();
                    images_of_dockerfiles
                        .extend(file.images.into_iter().map(|image| image.moved(0, at)));
                    self.dockerfiles.push(*doc);
                }
                _ => {}
            }
        }
        self.images.append(&mut images_of_dockerfiles);
        let added = &self.objects[start..];
        debug_assert!(
            !(added.iter()).any(|o| NAMESPACE_WIDE_KINDS.contains(&o.kind.as_str())),
            "a file read in a part declares a namespace-wide object"
        );
        self.object_index.add(added, &facts, start);
        self.manifest_facts.add(added, &facts, start);
        self.images_read += self.images.len() - image_start;
        self.objects_read += self.objects.len() - start;
        ManifestPart {
            objects: start..self.objects.len(),
            dockerfiles: dockerfile_start..self.dockerfiles.len(),
            images: image_start..self.images.len(),
        }
    }

    /// Releases the texts of the Kubernetes files and Dockerfiles once every
    /// rule about manifests has run, but for those of files that write a
    /// suppression marker (the filter reads their comments) and the lines
    /// `quoted` gives of a file (the report quotes the lines of findings,
    /// [`SourceFile::keep_lines`]): the rules about the infrastructure read
    /// only the texts of the files its values come from (Terraform,
    /// CloudFormation, plans).
    ///
    /// The texts kept whole are copied first, before any text is freed, so
    /// that the copies are made in memory of their own: left where they were
    /// read, among the texts freed, the files that keep their text would hold
    /// nearly every memory page of the manifests' texts through the
    /// infrastructure's phase (21 MiB at 100,000 files, docs/benchmarks-history.md,
    /// tenth round). The lines kept are copies too. Kept whole, the texts of
    /// the files findings are in were 11 MiB of the infrastructure's peak at
    /// 100,000 files (twelfth round).
    pub fn release_manifest_texts(&mut self, quoted: &HashMap<FileId, Vec<u32>>) {
        // Those a finding made after their part quotes elsewhere (about the
        // first workload of a namespace, once every object is read).
        self.read_again_for_lines(quoted);
        let quoted = |file: FileId| quoted.get(&file).map_or(&[][..], Vec::as_slice);
        let kinds = &self.file_kinds;
        let manifest = |index: usize| {
            matches!(
                kinds.get(index),
                Some(FileKind::Kubernetes | FileKind::Dockerfile)
            )
        };
        let copies: Vec<Option<String>> = (self.files.par_iter().enumerate())
            .map(|(index, file)| {
                (manifest(index) && file.writes_suppression_marker()).then(|| file.text.clone())
            })
            .collect();
        (self.files.par_iter_mut().zip(copies).enumerate()).for_each(|(index, (file, copy))| {
            match copy {
                Some(copy) => file.move_text(copy),
                None if manifest(index) => match quoted(FileId::from_index(index)) {
                    [] => file.release_text(),
                    // Released with its part, keeping them.
                    lines if file.still_unread().is_some() && file.keeps_lines(lines) => {}
                    lines => file.keep_lines(lines.iter().copied()),
                },
                None => {}
            }
        });
    }

    /// Reads again the texts of the files released with their part
    /// ([`Project::release_part_texts`]) that do not keep every line
    /// `quoted` gives of them: findings made after their part quote them. A
    /// file that changed since keeps the lines it has: its findings stand,
    /// and a diagnostic says it changed.
    pub fn read_again_for_lines(&mut self, quoted: &HashMap<FileId, Vec<u32>>) {
        let mut again: Vec<FileId> = (quoted.iter())
            .filter(|(file, lines)| {
                (self.files.get(file.index()))
                    .is_some_and(|f| f.still_unread().is_some() && !f.keeps_lines(lines))
            })
            .map(|(&file, _)| file)
            .collect();
        again.sort_unstable();
        for (file, read) in self.read_left(&again) {
            let Some(source) = self.files.get_mut(file.index()) else {
                continue;
            };
            match read.text {
                Some(text) => source.read_later(text),
                None => source.stop_reading_again(),
            }
            self.diagnostics.extend(read.diagnostics);
        }
    }

    /// Reads the texts of `files` still to be read ([`LEAVE_UNREAD`]), in
    /// parallel: a part's files, before they are parsed. A file that is not
    /// the one the walk found is skipped, with a diagnostic.
    pub fn read_texts(&mut self, files: &[FileId]) {
        for (file, read) in self.read_left(files) {
            if let Some(source) = self.files.get_mut(file.index()) {
                let diagnostics = give_text(source, read);
                self.diagnostics.extend(diagnostics);
            }
        }
    }

    /// Reads the texts of `files` still to be read, in parallel.
    fn read_left(&self, files: &[FileId]) -> Vec<(FileId, ReadLater)> {
        (files.par_iter())
            .filter_map(|&file| Some((file, read_left(self.files.get(file.index())?)?)))
            .collect()
    }

    /// Releases the texts of `files`, a part's, once every rule about them
    /// has run, but for the lines `quoted` gives of a file (as
    /// [`Project::release_manifest_texts`] does at the end of the
    /// manifests' rules): only those of files the walk left unread, which
    /// can be read again should a later finding quote another line, and
    /// not those of files that write a suppression marker.
    pub fn release_part_texts<'q>(
        &mut self,
        files: &[FileId],
        quoted: impl Fn(FileId) -> &'q [u32] + Sync,
    ) {
        let (Some(first), Some(last)) = (files.first(), files.last()) else {
            return;
        };
        // A part's files are in order, and most often one run of them.
        let Some(span) = self.files.get_mut(first.index()..=last.index()) else {
            return;
        };
        (span.par_iter_mut().enumerate()).for_each(|(offset, file)| {
            let id = FileId::from_index(first.index() + offset);
            if files.binary_search(&id).is_err()
                || !file.reads_again()
                || file.writes_suppression_marker()
            {
                return;
            }
            match quoted(id) {
                [] => file.release_text(),
                lines => file.keep_lines(lines.iter().copied()),
            }
        });
    }

    /// Whether any image was read, including those released since.
    pub fn read_images(&self) -> bool {
        self.images_read > 0
    }

    /// Whether any Kubernetes object was read, including those released with
    /// their part or with the infrastructure's evaluation.
    pub fn read_objects(&self) -> bool {
        self.objects_read > 0
    }

    /// Whether any infrastructure resource was read, including those
    /// released with their part.
    pub fn read_resources(&self) -> bool {
        self.resources_read > 0 || !self.resources.is_empty()
    }

    /// Releases a part of the Kubernetes files ([`Project::add_modeled_manifests`])
    /// once every rule about it has run: its objects and their images go, but
    /// the objects [`Project::kept_manifest_objects`] keeps (a `Namespace`
    /// and the objects of a file with a suppression marker whole, a
    /// namespace's first workload with its name's place) move to the front
    /// of the part, and keep their images; the index follows them. A [`Subject::Object`] of the part
    /// from before no longer names its object. The list of every object
    /// then holds only what later parts and stages read. The part's
    /// Dockerfiles keep their file and tier, and their instructions only in
    /// files that write a suppression marker; their images go.
    pub fn release_manifest_part(&mut self, part: &ManifestPart) {
        // The trees first, on every core: dropped with their objects below,
        // one at a time, they cost a scan of 100,000 files 50 ms.
        self.release_manifest_trees(part.objects.clone());
        debug_assert_eq!(
            part.objects.end,
            self.objects.len(),
            "not the last part added"
        );
        let keeps = self.kept_manifest_objects();
        let files = &self.files;
        let moves = retain_objects(
            &mut self.objects,
            &mut self.object_index,
            part.objects.start,
            |i, object| keeps(i, object, files).is_some(),
        );
        let moved = |i| moves.of(i);
        // What rules read of a Dockerfile once they have run: its file and
        // tier (findings); the filter reads those of files that write a
        // suppression marker. Its images were checked with the part.
        if let Some(dockerfiles) = self.dockerfiles.get_mut(part.dockerfiles.clone()) {
            (dockerfiles.par_iter_mut())
                .filter(|doc| {
                    !(files.get(doc.file.index()))
                        .is_some_and(SourceFile::writes_suppression_marker)
                })
                .for_each(DockerfileDoc::release);
        }
        // The images from the part's first on (the part's, as it was the
        // last added): those before are not walked again.
        let of_part = self
            .images
            .split_off(part.images.start.min(self.images.len()));
        self.images
            .extend(of_part.into_iter().filter_map(|mut image| {
                match image.subject {
                    Subject::Object(i) => {
                        image.subject = Subject::Object(moved(i)?);
                    }
                    Subject::Dockerfile(_) => return None,
                    _ => {}
                }
                Some(image)
            }));
    }

    /// Which objects' records are kept once the rules about them have run,
    /// and what of their trees (`None`: neither), by index, object and the
    /// project's files.
    fn kept_manifest_objects(
        &self,
    ) -> impl Fn(usize, &K8sObject, &[SourceFile]) -> Option<KeptTree> + Sync + use<> {
        // NP-001 reads the first workload of each namespace.
        let first_workloads: FastSet<usize> = (self.object_index.namespace_traffic.values())
            .filter_map(|facts| facts.first_workload.map(|(_, i)| i))
            .collect();
        move |i, object, files| {
            let marked =
                (files.get(object.file.index())).is_some_and(SourceFile::writes_suppression_marker);
            if object.kind == "Namespace" || marked {
                Some(KeptTree::Whole)
            } else if first_workloads.contains(&i) {
                Some(KeptTree::NamePlace)
            } else {
                None
            }
        }
    }

    /// Releases the YAML trees of `objects` (a range of [`Project::objects`])
    /// once every rule about them has run, but those later rules or stages
    /// read: `Namespace` objects (other objects' rules read their labels)
    /// and the objects of files that write a suppression marker (the filter
    /// matches suppressions against their layout). The first workload of
    /// each namespace keeps what NP-001, which reports on it once every
    /// object is read, reads of its tree: its name's place.
    pub fn release_manifest_trees(&mut self, objects: std::ops::Range<usize>) {
        let keeps = self.kept_manifest_objects();
        let start = objects.start;
        let files = &self.files;
        let Some(released) = self.objects.get_mut(objects) else {
            return;
        };
        released.par_iter_mut().enumerate().for_each(|(i, object)| {
            match keeps(start + i, object, files) {
                Some(KeptTree::Whole) => {}
                Some(KeptTree::NamePlace) => object.release_tree_keeping_name(),
                None => object.release_tree(),
            }
        });
    }

    /// Adds the infrastructure of [`Project::manifests_from_parsed`]
    /// ([`Project::add_infrastructure_in_parts`] adds the first part of it):
    /// CloudFormation's resources, Terraform evaluated, plans, links. With
    /// [`ManifestTrees::Release`], the Kubernetes objects' YAML trees that
    /// are left (a streamed scan releases most before, see
    /// [`Project::release_manifest_trees`]) and the Dockerfiles'
    /// instructions are released beside it, once every rule about them has
    /// run: no later stage reads them, and the infrastructure's evaluation
    /// reuses the memory. The Kubernetes objects go too, but those of files
    /// that write a suppression comment (suppressions are matched against
    /// their layout), which are kept whole: [`Project::objects`] then holds
    /// only those, and a [`Subject::Object`] from before no longer names
    /// its object; what the project says of objects (namespaces, accounts,
    /// bindings, quotas, limits, [`Project::namespace_traffic`]) is then
    /// about those only. The images go (only the rules about images read
    /// them).
    /// Kept then: the Dockerfiles' files and tiers,
    /// [`Project::manifest_facts`], and the instructions of Dockerfiles that
    /// write a suppression comment. Findings about an object or a
    /// Dockerfile must be made before: their place, resource and
    /// fingerprint are worked out from it.
    pub fn add_infrastructure(
        &mut self,
        infrastructure: Infrastructure,
        config: &Config,
        terraform: &TerraformOptions,
        trees: ManifestTrees,
    ) {
        self.add_infrastructure_with(infrastructure, config, terraform, trees, &|| {});
    }

    /// As [`Project::add_infrastructure`], calling `terraform_evaluated`
    /// once Terraform is evaluated and its syntax trees are freed, before its
    /// resources are added to the project: the point of the phase that has
    /// just freed the most (a scan gives that memory back to the operating
    /// system there). Not called when the scan has no Terraform.
    pub fn add_infrastructure_with(
        &mut self,
        infrastructure: Infrastructure,
        config: &Config,
        terraform: &TerraformOptions,
        trees: ManifestTrees,
        terraform_evaluated: &(dyn Fn() + Sync),
    ) {
        let parts = self.add_infrastructure_split(
            infrastructure,
            config,
            terraform,
            trees,
            None,
            terraform_evaluated,
        );
        debug_assert!(parts.is_empty(), "the infrastructure split unasked");
    }

    /// As [`Project::add_infrastructure_with`], for the first part of the
    /// infrastructure ([`Infrastructure::split`], in parts of about
    /// `part_files` files); returns the others, to add one at a time
    /// ([`Project::add_infrastructure_part`]). The split reads the
    /// infrastructure's texts (or, of those the walk left unread, what it
    /// found in them, [`crate::infrastructure_facts`]) and parses the
    /// Terraform files that write `module` (read first if they were left),
    /// beside the release of the manifests, as the evaluation does. Each
    /// part reads the texts the walk left unread of its files when it is
    /// evaluated.
    pub fn add_infrastructure_in_parts(
        &mut self,
        infrastructure: Infrastructure,
        config: &Config,
        terraform: &TerraformOptions,
        part_files: usize,
        terraform_evaluated: &(dyn Fn() + Sync),
    ) -> Vec<Infrastructure> {
        self.add_infrastructure_split(
            infrastructure,
            config,
            terraform,
            ManifestTrees::Release,
            Some(part_files),
            terraform_evaluated,
        )
    }

    fn add_infrastructure_split(
        &mut self,
        infrastructure: Infrastructure,
        config: &Config,
        terraform: &TerraformOptions,
        trees: ManifestTrees,
        part_files: Option<usize>,
        terraform_evaluated: &(dyn Fn() + Sync),
    ) -> Vec<Infrastructure> {
        // The first part evaluated, the others returned.
        let evaluate = |project: &mut Self| -> Vec<Infrastructure> {
            let (first, parts) = match part_files {
                Some(part_files) => {
                    // The split groups Terraform's files by module set: the
                    // files that call modules are parsed for it.
                    let calling = infrastructure.files_calling_modules(&project.files);
                    project.read_texts(&calling);
                    infrastructure.split(&project.files, &project.file_kinds, terraform, part_files)
                }
                None => (infrastructure, Vec::new()),
            };
            // The texts the walk left unread (`LEAVE_UNREAD`).
            project.read_texts(&first.files());
            project.evaluate_infrastructure(first, config, terraform, terraform_evaluated);
            parts
        };
        if trees == ManifestTrees::Keep {
            return evaluate(self);
        }
        // Read before the `join`, which lends `self` to the evaluation.
        let with_suppressions: Vec<bool> = self
            .files
            .par_iter()
            .map(SourceFile::writes_suppression_marker)
            .collect();
        let marked = |file: FileId| {
            with_suppressions
                .get(file.index())
                .copied()
                .unwrap_or(false)
        };
        // Freeing millions of nodes takes a while; it runs beside the
        // evaluation, which reuses the memory as it is freed. Until the end of
        // the `join` the project has no objects: the evaluation of the
        // infrastructure must not read them (it reads files and resources
        // only; `object_index` is empty meanwhile).
        let mut objects = std::mem::take(&mut self.objects);
        let mut object_index = std::mem::take(&mut self.object_index);
        let mut dockerfiles = std::mem::take(&mut self.dockerfiles);
        // Only the rules about images read them, and they have run.
        let images = std::mem::take(&mut self.images);
        let ((), parts) = rayon::join(
            || {
                drop(images);
                // What rules read of a Dockerfile once they have run: its
                // file and tier (findings).
                (dockerfiles.par_iter_mut())
                    .filter(|doc| !marked(doc.file))
                    .for_each(DockerfileDoc::release);
                // What rules read of an object once they have run: nothing
                // (what the infrastructure's rules read of the manifests is
                // in `manifest_facts`), but the filter reads the objects of
                // files that write a suppression marker. The list of every
                // object is among the largest blocks of a large scan.
                // The index is made again for the objects kept, and for
                // nothing else: what it had gathered from the others
                // (accounts, bindings, quotas, limits, each namespace's
                // traffic) was for the rules about manifests, which have run.
                object_index = ObjectIndex::default();
                retain_objects(&mut objects, &mut object_index, 0, |_, object| {
                    marked(object.file)
                });
                objects.shrink_to_fit();
                object_index = ObjectIndex::build(&objects);
            },
            || evaluate(self),
        );
        self.objects = objects;
        self.object_index = object_index;
        self.dockerfiles = dockerfiles;
        parts
    }

    fn evaluate_infrastructure(
        &mut self,
        infrastructure: Infrastructure,
        config: &Config,
        terraform: &TerraformOptions,
        terraform_evaluated: &(dyn Fn() + Sync),
    ) {
        let tier_keys = &config.tiers.label_keys;
        let resources_before = self.resources.len();
        let mut infrastructure = infrastructure;
        // The templates and plans a scan that evaluates left unparsed, in
        // parallel, each tree released as soon as its file is modelled.
        let later = std::mem::take(&mut infrastructure.later);
        let modeled: Vec<(Vec<Diagnostic>, Modeled)> = (later.par_iter())
            .map(|&file| {
                let index = file.index();
                model_deferred(file, self.files.get(index), self.file_kinds.get(index), &[])
            })
            .collect();
        let first_later = infrastructure.templates.len();
        let mut lengths = ModeledLengths::default();
        for (_, modeled) in &modeled {
            lengths.add(modeled);
        }
        (infrastructure.templates).reserve_exact(lengths.template_resources);
        for (&file, (diagnostics, modeled)) in later.iter().zip(modeled) {
            self.diagnostics.extend(diagnostics);
            match modeled {
                Modeled::CloudFormation(templates) => {
                    infrastructure.add_templates(file, templates, self);
                }
                Modeled::Plans(read) => infrastructure.plans.extend(read),
                other => debug_assert!(
                    matches!(other, Modeled::Nothing),
                    "a template or a plan modelled as something else"
                ),
            }
        }
        (infrastructure.templates[first_later..].par_iter_mut()).for_each(|(resource, tier, _)| {
            *tier = iac::resource_tier(resource, tier_keys, None);
        });
        let Infrastructure {
            terraform_files,
            manifests,
            terraform_sets,
            plans,
            templates,
            template_unknowns,
            later: _,
        } = infrastructure;
        let terraform_sets = match terraform_sets {
            Some(sets) if sets.files.is_empty() => {
                // What reading the sets found wrong, with no set to evaluate.
                self.diagnostics.extend(sets.diagnostics);
                None
            }
            sets => sets,
        };
        if terraform_files.is_empty() && terraform_sets.is_none() {
            for (resource, tier, file) in templates {
                let scope = self.file_scope(file);
                self.push_resource(resource, tier, scope);
            }
            self.unknowns.extend(template_unknowns);
        } else {
            // Terraform's resources follow the templates'. Its lists are
            // made with room for the templates' and for what the project
            // already has, which are added after them and then rotated to
            // the front: the lists, holding every resource, are never copied.
            let before = self.resources.len() + templates.len();
            let evaluation = match terraform_sets {
                Some(sets) => sets.evaluate(&self.files, terraform, before),
                None => iac::evaluate_terraform(
                    &self.files,
                    terraform_files,
                    manifests,
                    terraform,
                    before,
                ),
            };
            terraform_evaluated();
            let defaults = iac::DefaultTags::new(&evaluation.resources, &evaluation.roots);
            let mut tiers: Vec<Option<Tier>> = Vec::with_capacity(evaluation.resources.capacity());
            evaluation
                .resources
                .par_iter()
                .zip(&evaluation.roots)
                .zip(&evaluation.providers)
                .map(|((resource, root), provider)| {
                    iac::resource_tier(resource, tier_keys, defaults.of(root, provider))
                })
                .collect_into_vec(&mut tiers);
            drop(evaluation.providers);
            // Numbered in the resources' order once rotated: the project's,
            // the templates', Terraform's.
            let mut scopes: Vec<u32> = Vec::with_capacity(evaluation.resources.capacity());
            scopes.append(&mut self.resource_scopes);
            for (_, _, file) in &templates {
                scopes.push(self.file_scope(*file));
            }
            // A module instance's resources come together and share its
            // root's name: each run of them is interned once.
            let mut interned: Option<(&std::sync::Arc<str>, u32)> = None;
            for root in &evaluation.roots {
                let scope = match interned {
                    Some((last, scope)) if std::sync::Arc::ptr_eq(last, root) => scope,
                    _ => self.scopes.intern(root),
                };
                interned = Some((root, scope));
                scopes.push(scope);
            }
            drop(evaluation.roots);
            let mut resources = evaluation.resources;
            resources.append(&mut self.resources);
            tiers.append(&mut self.resource_tiers);
            for (resource, tier, _) in templates {
                resources.push(resource);
                tiers.push(tier);
            }
            resources.rotate_right(before);
            tiers.rotate_right(before);
            self.resources = resources;
            self.resource_tiers = tiers;
            self.resource_scopes = scopes;
            self.unknowns.extend(template_unknowns);
            self.unknowns.extend(evaluation.unknowns);
            self.diagnostics.extend(evaluation.diagnostics);
        }
        self.add_plans(plans, tier_keys);
        self.resources_read += self.resources.len() - resources_before;
        self.rebuild_links();
    }

    /// Builds [`Links`] and the resource index over every resource.
    fn rebuild_links(&mut self) {
        let scope_count = self.scopes.len();
        let (links, resource_index) = rayon::join(
            || Links::build(&self.resources, &self.resource_scopes, scope_count),
            || ResourceIndex::build(&self.resources, &self.resource_scopes, scope_count),
        );
        self.links = links;
        self.resource_index = resource_index;
    }

    /// Adds a part of the infrastructure ([`Infrastructure::split`]) after
    /// what is there: the first part with
    /// [`Project::add_infrastructure_in_parts`], and each of the others, once
    /// the rules about the one before have run and it is released
    /// ([`Project::release_infrastructure_part`]), with this, reading first
    /// the texts of its files the walk left unread. Returns where its
    /// resources are in [`Project::resources`], and its files, in order.
    pub fn add_infrastructure_part(
        &mut self,
        part: Infrastructure,
        config: &Config,
        terraform: &TerraformOptions,
    ) -> (std::ops::Range<usize>, Vec<FileId>) {
        let start = self.resources.len();
        let files = part.files();
        self.read_texts(&files);
        self.evaluate_infrastructure(part, config, terraform, &|| {});
        (start..self.resources.len(), files)
    }

    /// Releases the resources of a part of the infrastructure
    /// ([`Project::add_infrastructure_part`], the last added) once every
    /// rule about them has run, but those declared in files that write a
    /// suppression marker, which move to the front of the part: the filter
    /// matches suppressions against their declarations. Its unknown values
    /// go too ([`Project::release_unknowns`]). Returns where each of the
    /// part's resources went, for the subjects of its findings.
    pub fn release_infrastructure_part(&mut self, part: std::ops::Range<usize>) -> ResourceMoves {
        debug_assert_eq!(part.end, self.resources.len(), "not the last part added");
        let files = &self.files;
        let keep: Vec<bool> = (self.resources.get(part.clone()).unwrap_or_default())
            .iter()
            .map(|resource| {
                (files.get(resource.file.index()))
                    .is_some_and(SourceFile::writes_suppression_marker)
            })
            .collect();
        let mut to = Vec::with_capacity(keep.len());
        let mut next = part.start;
        for &kept in &keep {
            to.push(kept.then_some(next));
            next += usize::from(kept);
        }
        fn retain_kept<T: Send>(list: &mut Vec<T>, start: usize, keep: &[bool]) {
            let released = list.split_off(start.min(list.len()));
            let mut kept = Vec::new();
            let mut dropped = Vec::new();
            for (item, &keep) in released.into_iter().zip(keep) {
                if keep {
                    kept.push(item);
                } else {
                    dropped.push(item);
                }
            }
            // Many small trees: freed on every core.
            dropped.into_par_iter().for_each(drop);
            list.append(&mut kept);
        }
        retain_kept(&mut self.resources, part.start, &keep);
        retain_kept(&mut self.resource_tiers, part.start, &keep);
        retain_kept(&mut self.resource_scopes, part.start, &keep);
        self.unknowns = Vec::new();
        self.rebuild_links();
        ResourceMoves {
            start: part.start,
            to,
        }
    }

    /// The values that could not be evaluated (`--show-unknown`), in the
    /// order they were met. A reference to a resource that is in the scan is
    /// not a value rules went without: they follow it (see [`Links`]). Only
    /// references to what the scan does not hold are listed. Worked out when
    /// asked, since only `--show-unknown` asks; empty once
    /// [`Project::release_unknowns`] has run.
    pub fn unknowns(&self) -> Vec<&UnknownValue> {
        let mut scopes_of_file: FastMap<FileId, FastSet<u32>> = FastMap::default();
        // A file's resources mostly come together, in one scope.
        let mut last = None;
        for (resource, &scope) in self.resources.iter().zip(&self.resource_scopes) {
            if last == Some((resource.file, scope)) {
                continue;
            }
            last = Some((resource.file, scope));
            scopes_of_file
                .entry(resource.file)
                .or_default()
                .insert(scope);
        }
        (self.unknowns.par_iter())
            .filter(|unknown| match &unknown.unknown {
                rampart_iac::Unknown::Reference { address, .. } => !scopes_of_file
                    .get(&unknown.origin.file)
                    .is_some_and(|scopes| {
                        scopes.iter().any(|&scope| {
                            (self.links.find(&self.resources, scope, address))
                                .next()
                                .is_some()
                        })
                    }),
                _ => true,
            })
            .collect()
    }

    /// Frees what [`Project::unknowns`] reads, for a scan that will not ask.
    pub fn release_unknowns(&mut self) {
        self.unknowns = Vec::new();
    }

    /// The resources of a scope (a Terraform root module, a template, a
    /// plan), by index, in order: where a reference or a name written in one
    /// of them can lead.
    pub fn resources_in(&self, scope: &str) -> &[usize] {
        (self.scopes.id(scope))
            .map(|scope| self.resource_index.in_scope(scope))
            .unwrap_or_default()
    }

    /// Where the address of resource `index` means something: its root
    /// module directory (Terraform), its template or plan file.
    pub fn scope_of(&self, index: usize) -> &str {
        (self.resource_scopes.get(index)).map_or("", |&scope| self.scopes.name(scope))
    }

    /// The scope of the resources of a template or a plan: its file.
    fn file_scope(&mut self, file: FileId) -> u32 {
        let name = (self.files.get(file.index())).map_or("", |file| file.display_path.as_str());
        self.scopes.intern(name)
    }

    /// The resources a value refers to (a reference, or a list of them), in
    /// `scope`, with the attribute each reference reads (`id`, `arn`, `""`
    /// for a bare `!Ref`).
    pub fn link_targets<'n>(
        &self,
        scope: &str,
        node: &'n rampart_iac::Node,
    ) -> Vec<(usize, &'n str)> {
        match self.scopes.id(scope) {
            Some(scope) => self.links.targets(&self.resources, scope, node),
            None => Vec::new(),
        }
    }

    /// The resources that `address`, written in resource `index`, names in
    /// its scope, in index order (see [`Project::link_targets`]): what a
    /// reference found while walking a resource's values leads to, without
    /// looking its scope up by name.
    pub fn resources_named_from<'a>(
        &'a self,
        index: usize,
        address: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        let scope = self.resource_scopes.get(index).copied().unwrap_or(u32::MAX);
        self.links.find(&self.resources, scope, address)
    }

    /// The resources of any of `types` (data sources included), by index, in
    /// order.
    pub fn resources_of_types(&self, types: &[&str]) -> Vec<usize> {
        of_types(&self.resource_index.by_type, types)
    }

    /// The variables (Terraform's `variable` blocks, CloudFormation's
    /// parameters), by index, in order.
    pub fn variables(&self) -> &[usize] {
        &self.resource_index.variables
    }

    /// The provider configurations, by index, in order.
    pub fn provider_configurations(&self) -> &[usize] {
        &self.resource_index.providers
    }

    /// The resources of any of `types` (data sources included) in `scope`, by
    /// index, in order.
    pub fn resources_in_of_types(&self, scope: &str, types: &[&str]) -> Vec<usize> {
        (self.scopes.id(scope))
            .map(|scope| (self.resource_index).in_scope_of_types(&self.resources, scope, types))
            .unwrap_or_default()
    }

    /// The Kubernetes objects of `kind`, by index, in order.
    pub fn objects_of_kind(&self, kind: &str) -> impl Iterator<Item = (usize, &K8sObject)> {
        self.object_index
            .by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&i| (i, &self.objects[i]))
    }

    fn push_resource(&mut self, resource: Box<Resource>, tier: Option<Tier>, scope: u32) {
        self.resources.push(resource);
        self.resource_tiers.push(tier);
        self.resource_scopes.push(scope);
    }

    /// Plans' resources replace the configuration's resources of the same
    /// address (the plan's values are resolved), keeping the configuration's
    /// positions where a value was written in a `.tf` file. Plans apply one
    /// after the other: a configuration resource one plan replaced is gone for
    /// the next, and of several with one address the last one left is
    /// replaced. The configuration is indexed once for all plans (indexing it
    /// again for each plan made a tree of many plans quadratic).
    fn add_plans(&mut self, plans: Vec<rampart_tfplan::PlanOutput>, tier_keys: &[String]) {
        if plans.is_empty() {
            return;
        }
        // Configuration resources by address, in index order, to adopt their positions.
        let mut configured: HashMap<(rampart_iac::BlockKind, String), Vec<usize>> = HashMap::new();
        for (i, r) in self.resources.iter().enumerate() {
            if r.language == rampart_iac::Language::Terraform {
                configured
                    .entry((r.kind, r.address.clone()))
                    .or_default()
                    .push(i);
            }
        }
        let mut replaced = vec![false; self.resources.len()];
        let mut planned = Vec::new();
        for plan in plans {
            for value in &plan.sensitive {
                self.sensitive
                    .push((value.origin.file, value.secret.clone()));
            }
            let defaults = iac::plan_default_tags(&plan.resources);
            // The plan's file, as its first resource names it.
            let mut plan_scope = None;
            let mut replaced_by_plan = Vec::new();
            for mut resource in plan.resources {
                let scope = *plan_scope.get_or_insert_with(|| self.file_scope(resource.file));
                let configuration = configured
                    .get(&(resource.kind, resource.address.clone()))
                    .and_then(|indices| indices.iter().rev().find(|&&i| !replaced[i]));
                if let Some(&index) = configuration {
                    let configuration = &self.resources[index];
                    iac::adopt_origins(&mut resource.attributes, &configuration.attributes);
                    resource.file = configuration.file;
                    resource.span = configuration.span;
                    replaced_by_plan.push(index);
                }
                let tier = iac::resource_tier(&resource, tier_keys, defaults.as_ref());
                // Read from the plan's tree, now freed.
                planned.push((rampart_iac::compacted(&resource), tier, scope));
            }
            for index in replaced_by_plan {
                replaced[index] = true;
            }
            self.unknowns.extend(plan.unknowns);
            self.diagnostics.extend(plan.diagnostics);
            self.drift.extend(plan.drift);
        }
        if replaced.contains(&true) {
            let resources = std::mem::take(&mut self.resources);
            let tiers = std::mem::take(&mut self.resource_tiers);
            let scopes = std::mem::take(&mut self.resource_scopes);
            for (i, ((resource, tier), scope)) in
                resources.into_iter().zip(tiers).zip(scopes).enumerate()
            {
                if !replaced[i] {
                    self.push_resource(resource, tier, scope);
                }
            }
        }
        for (resource, tier, scope) in planned {
            self.push_resource(resource, tier, scope);
        }
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.index()]
    }

    /// The Namespace object of that name, when it was scanned.
    pub fn namespace(&self, name: &str) -> Option<&K8sObject> {
        self.object_index
            .namespaces
            .get(name)
            .map(|&i| &self.objects[i])
    }

    /// Each namespace's workloads and NetworkPolicies (NP-001), by name.
    pub fn namespace_traffic(&self) -> &std::collections::BTreeMap<String, NamespaceTraffic> {
        &self.object_index.namespace_traffic
    }

    /// The scanned `v1` ResourceQuotas of `namespace`; `None` without any.
    pub fn resource_quotas(&self, namespace: &str) -> Option<&ResourceQuotas> {
        self.object_index.resource_quotas.get(namespace)
    }

    /// What the scanned LimitRanges of `namespace` give containers that set
    /// no value of their own; `None` without any.
    pub fn limit_range_defaults(&self, namespace: Option<&str>) -> Option<&LimitRangeDefaults> {
        let index = &self.object_index;
        match namespace {
            Some(namespace) => index.limit_range_defaults.get(namespace),
            None => index.limit_range_defaults_without_namespace.as_ref(),
        }
    }

    /// Whether a scanned RoleBinding or ClusterRoleBinding names the
    /// ServiceAccount as a `ServiceAccount` subject.
    pub fn is_service_account_bound(&self, namespace: Option<&str>, name: &str) -> bool {
        self.object_index
            .bound_service_accounts
            .contains(&(namespace.map(str::to_owned), name.to_owned()))
    }

    /// Whether a scanned RoleBinding or ClusterRoleBinding grants the
    /// ServiceAccount a role, as a `ServiceAccount` subject, a user
    /// (`system:serviceaccount:<namespace>:<name>`) or a group
    /// (`system:serviceaccounts`, `system:serviceaccounts:<namespace>`): its
    /// pods have a use for an API token.
    pub fn service_account_has_role(&self, namespace: Option<&str>, name: &str) -> bool {
        let groups = &self.object_index.service_account_groups;
        self.is_service_account_bound(namespace, name)
            || groups.all
            || namespace.is_some_and(|ns| {
                groups.namespaces.contains(ns)
                    || groups.users.contains(&(ns.to_owned(), name.to_owned()))
            })
    }

    /// What the scanned ServiceAccount's `automountServiceAccountToken` reads
    /// as; `None` when it is not set, not a boolean, or the account was not
    /// scanned.
    pub fn service_account_automount(&self, namespace: Option<&str>, name: &str) -> Option<bool> {
        self.object_index
            .service_account_automount
            .get(&(namespace.map(str::to_owned), name.to_owned()))
            .and_then(|&(_, automount)| automount)
    }

    /// Whether the ClusterRole `name` is bound, and only by RoleBindings:
    /// what it allows applies in those bindings' namespaces, not in every
    /// namespace.
    pub fn cluster_role_bound_only_in_namespaces(&self, name: &str) -> bool {
        (self.object_index.cluster_role_bindings.get(name))
            .is_some_and(|bindings| bindings.in_namespace && !bindings.cluster_wide)
    }

    pub fn subject_file(&self, subject: Subject) -> FileId {
        match subject {
            Subject::Object(i) => self.objects[i].file,
            Subject::Dockerfile(i) => self.dockerfiles[i].file,
            Subject::File(file) => file,
            Subject::Resource(i) => self.resources[i].file,
            Subject::Drift(i) => self.drift[i].file,
        }
    }

    pub fn subject_tier(&self, subject: Subject) -> Option<Tier> {
        match subject {
            Subject::Object(i) => self.objects[i].tier,
            Subject::Dockerfile(i) => self.dockerfiles[i].tier,
            Subject::File(_) | Subject::Drift(_) => None,
            Subject::Resource(i) => self.resource_tiers.get(i).copied().flatten(),
        }
    }

    /// The resource a finding at `span` of `subject` is about: `Kind/namespace/name`
    /// for Kubernetes objects, `Dockerfile/<stage>` for Dockerfiles.
    pub fn resource(&self, subject: Subject, span: Span) -> String {
        match subject {
            Subject::Object(i) => self.objects[i].identity(),
            Subject::Dockerfile(i) => locate::dockerfile_resource(&self.dockerfiles[i], span),
            Subject::File(file) => self.file(file).root_relative_path().to_owned(),
            // A CloudFormation logical id says little without its type.
            Subject::Resource(i) => match (self.resources[i].language, self.resources[i].kind) {
                (rampart_iac::Language::CloudFormation, rampart_iac::BlockKind::Variable) => {
                    format!("Parameters/{}", self.resources[i].address)
                }
                (rampart_iac::Language::CloudFormation, _) => format!(
                    "{}/{}",
                    self.resources[i].resource_type, self.resources[i].address
                ),
                _ => self.resources[i].address.clone(),
            },
            Subject::Drift(i) => self.drift[i].address.clone(),
        }
    }

    /// What the finding at `span` is about, when it is a scalar (a capability, a
    /// path, an image): part of its fingerprint, so that a baseline does not
    /// accept a different value written in the same place. Empty where the
    /// location already says it (a Dockerfile instruction, a line of a file).
    pub fn evidence(&self, subject: Subject, span: Span) -> String {
        match subject {
            Subject::Object(i) => self.objects[i].scalar(span.start).unwrap_or_default(),
            Subject::Resource(i) => locate::iac_value_at(&self.resources[i].attributes, span)
                .map(|(_, value)| value)
                .unwrap_or_default(),
            Subject::Dockerfile(_) | Subject::File(_) | Subject::Drift(_) => String::new(),
        }
    }

    /// Where a finding at `span` of `subject` is (with the scalar there when
    /// `evidence`): what [`Project::subject_file`], [`Project::subject_tier`],
    /// [`Project::resource`], [`Project::locate`] and [`Project::evidence`]
    /// say.
    pub fn place(&self, subject: Subject, span: Span, evidence: bool) -> FindingPlace {
        match subject {
            Subject::Object(i) => FindingPlace::in_object(&self.objects[i], span, evidence),
            Subject::Dockerfile(i) => FindingPlace::in_dockerfile(&self.dockerfiles[i], span),
            _ => FindingPlace {
                file: self.subject_file(subject),
                tier: self.subject_tier(subject),
                resource: self.resource(subject, span),
                location: self.locate(subject, span),
                evidence: if evidence {
                    self.evidence(subject, span)
                } else {
                    String::new()
                },
            },
        }
    }

    /// A description of where in its resource `span` is that does not depend on
    /// line numbers (a YAML path, a Dockerfile instruction), for fingerprints.
    pub fn locate(&self, subject: Subject, span: Span) -> String {
        match subject {
            Subject::Object(i) => self.objects[i].location(span.start),
            Subject::Dockerfile(i) => locate::dockerfile_instruction(&self.dockerfiles[i], span),
            Subject::File(file) => self
                .file(file)
                .line(span.start.line)
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
            Subject::Resource(i) => locate::iac_value_at(&self.resources[i].attributes, span)
                .map(|(path, _)| path)
                .unwrap_or_default(),
            Subject::Drift(i) => self.drift[i]
                .actions
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

#[cfg(test)]
mod tests {
    use rampart_discover::FileKind;

    use super::*;
    use crate::testing::project;

    /// A project built the way a scan builds it: manifests first, then the
    /// infrastructure, the manifests' trees released.
    fn released(files: &[(&str, FileKind, &str)]) -> Project {
        released_from(ParsedFiles::parse(crate::testing::inputs(files)))
    }

    /// A project's diagnostics as (file, code, line), sorted as a scan
    /// sorts them: the stages meet them in different orders.
    fn diagnostics_by_place(project: &Project) -> Vec<(String, &'static str, Option<u32>)> {
        let mut all: Vec<_> = (project.diagnostics.iter())
            .map(|d| (d.file.clone(), d.code, d.line))
            .collect();
        all.sort();
        all
    }

    fn released_from(parsed: ParsedFiles) -> Project {
        let config = Config::default();
        let (mut project, infrastructure) = Project::manifests_from_parsed(parsed, &config);
        project.add_infrastructure(
            infrastructure,
            &config,
            &TerraformOptions::default(),
            ManifestTrees::Release,
        );
        project
    }

    #[test]
    fn released_manifests_keep_what_later_stages_read() {
        let cni = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: amazon-vpc-cni\n  namespace: kube-system\n  labels:\n    agent-classification: critical\ndata:\n  enable-network-policy-controller: \"true\"\n";
        let marked = "# rampart:ignore SEC-002 -- a test\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata:\n  a: b\n";
        let cilium = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n        - name: agent\n          image: quay.io/cilium/cilium:v1.16.0\n";
        let cluster = "resource \"aws_eks_cluster\" \"auto\" {\n  name = \"auto\"\n}\n";
        let files = [
            ("cni.yaml", FileKind::Kubernetes, cni),
            ("marked.yaml", FileKind::Kubernetes, marked),
            ("cilium.yaml", FileKind::Kubernetes, cilium),
            ("main.tf", FileKind::Terraform, cluster),
        ];
        let kept = project(&files);
        let p = released(&files);
        // The infrastructure is the same.
        assert_eq!(p.resources.len(), kept.resources.len());
        assert_eq!(p.resources[0].address, "aws_eks_cluster.auto");
        // The objects are gone, but those of files with a suppression, which
        // are matched against their trees: kept whole, and still looked up.
        assert_eq!(kept.objects.len(), 3);
        assert_eq!(p.objects.len(), 1);
        assert_eq!(p.objects[0].name, "kept");
        assert_eq!(
            p.objects[0].root.get("kind").and_then(Node::as_str),
            Some("ConfigMap")
        );
        let names = |p: &Project, kind: &str| -> Vec<String> {
            p.objects_of_kind(kind)
                .map(|(_, o)| o.name.clone())
                .collect()
        };
        assert_eq!(names(&p, "ConfigMap"), ["kept"]);
        // With none kept, the project still knows it read objects.
        let none_kept = released(&files[..1]);
        assert!(none_kept.objects.is_empty() && none_kept.read_objects());
        assert!(!released(&files[3..]).read_objects());
        assert_eq!(names(&kept, "ConfigMap"), ["amazon-vpc-cni", "kept"]);
        assert!(names(&p, "DaemonSet").is_empty());
        // What the project says of objects is about those kept: the
        // namespace the released DaemonSet was in is no longer counted.
        assert!(kept.namespace_traffic().contains_key("kube-system"));
        assert!(!p.namespace_traffic().contains_key("kube-system"));
        // What the infrastructure's rules read of them is kept as facts.
        assert!(p.manifest_facts.vpc_cni_network_policy_controller);
        assert_eq!(
            crate::aws::compute::auto_mode_network_policy(&p),
            Some(true)
        );
        assert_eq!(
            crate::aws::compute::auto_mode_network_policy(&kept),
            Some(true)
        );
        // The policy engine too.
        assert_eq!(
            crate::aws::compute::network_policy_engine(&p),
            crate::aws::compute::network_policy_engine(&kept)
        );
        assert!(matches!(
            crate::aws::compute::network_policy_engine(&p),
            crate::aws::compute::PolicyEngine::Seen(_)
        ));
    }

    #[test]
    fn namespace_wide_objects_are_found_however_they_are_written() {
        let declares = [
            "kind: Namespace\n",
            "{apiVersion: v1, kind: Namespace, metadata: {name: a}}\n",
            "{\"apiVersion\": \"v1\", \"kind\": \"LimitRange\"}",
            "kind: 'ResourceQuota'\n",
            "kind: \"ResourceQuota\"\n",
            // An escape can spell any kind.
            "kind: \"Name\\x73pace\"\n",
            "{\"kind\": \"Limit\\u0052ange\"}",
            // One object among others is enough.
            "kind: ServiceAccount\n---\nkind: Namespace\n",
        ];
        for text in declares {
            assert!(may_declare_namespace_wide_objects(text), "{text}");
        }
        // Service accounts, bindings and ClusterRoles are read in any part.
        let declares_none = [
            "kind: Deployment\nspec:\n  template:\n    spec:\n      serviceAccountName: agent\n      automountServiceAccountToken: false\n",
            "kind: NetworkPolicy\nmetadata:\n  namespace: agents\n",
            "kind: ConfigMap\ndata:\n  namespace: not-a-kind\n",
            "{apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}\n",
            "kind: ClusterRoleBinding\nsubjects:\n  - kind: Group\n    name: system:serviceaccounts:agents\n",
            "kind: 'ClusterRole'\n",
        ];
        for text in declares_none {
            assert!(!may_declare_namespace_wide_objects(text), "{text}");
        }
    }

    /// The files as a streamed scan reads them: the first modelled, the
    /// others added `part` files at a time, each part's trees released once
    /// added.
    fn streamed(files: &[(&str, FileKind, &str)], part: usize) -> Project {
        stream(files, part, |project, added, _| {
            project.release_manifest_trees(added.objects);
        })
    }

    /// The first files modelled, the others added `part` files at a time,
    /// `release` called after each part (with whether it is the last).
    fn stream(
        files: &[(&str, FileKind, &str)],
        part: usize,
        release: impl Fn(&mut Project, ManifestPart, bool),
    ) -> Project {
        let input = crate::testing::inputs(files);
        let config = Config::default();
        let parsed = ParsedFiles::parse_deferring(input, read_in_parts);
        let deferred = parsed.deferred();
        let (mut project, _) = Project::manifests_from_parsed(parsed, &config);
        project.release_manifest_trees(0..project.objects.len());
        let parts: Vec<&[FileId]> = deferred.chunks(part).collect();
        for (n, files) in parts.iter().enumerate() {
            // As a scan reads them: each file checked (here, not) and
            // released as it is read, then the part added.
            let modeled: Vec<ModeledManifest> = (files.iter())
                .map(|&file| {
                    let mut modeled = project.model_manifest(file, &config);
                    project.release_checked(&mut modeled);
                    modeled
                })
                .collect();
            let added = project.add_modeled_manifests(modeled);
            release(&mut project, added, n + 1 == parts.len());
        }
        project
    }

    /// A critical namespace, and a Deployment in it with an image of its name.
    const AGENTS_NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: agents\n  labels:\n    agent-classification: critical\n";

    fn deployment(name: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: agents\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: registry.example.com/{name}:1.0\n"
        )
    }

    /// Deployments `first`, `second`, `marked` (in a file that writes a
    /// suppression marker) and `third`, in the `agents` namespace.
    fn four_deployments() -> [String; 4] {
        [
            deployment("first"),
            deployment("second"),
            format!(
                "# rampart:ignore IMG-002 -- a test\n{}",
                deployment("marked")
            ),
            deployment("third"),
        ]
    }

    /// The [`four_deployments`] in files `a/` to `d/`, then `rest`.
    fn deployment_files<'a>(
        deployments: &'a [String; 4],
        rest: &[(&'a str, FileKind, &'a str)],
    ) -> Vec<(&'a str, FileKind, &'a str)> {
        let names = [
            "a/deploy.yaml",
            "b/deploy.yaml",
            "c/deploy.yaml",
            "d/deploy.yaml",
        ];
        (names.into_iter().zip(deployments))
            .map(|(name, text)| (name, FileKind::Kubernetes, text.as_str()))
            .chain(rest.iter().copied())
            .collect()
    }

    /// Each image with the name of the object it points at.
    fn image_owners(p: &Project) -> Vec<(&str, &str)> {
        (p.images.iter())
            .map(|image| match image.subject {
                Subject::Object(i) => (p.objects[i].name.as_str(), image.text.as_str()),
                _ => ("", ""),
            })
            .collect()
    }

    /// As a scan reads the Kubernetes files: each part but the last
    /// released once read ([`Project::release_manifest_part`]).
    fn streamed_releasing(files: &[(&str, FileKind, &str)], part: usize) -> Project {
        stream(files, part, |project, added, last| {
            if !last {
                project.release_manifest_part(&added);
            }
        })
    }

    #[test]
    fn released_parts_keep_what_later_parts_and_stages_read() {
        let namespace = AGENTS_NAMESPACE;
        let deployments = four_deployments();
        let files = deployment_files(
            &deployments,
            &[("z/namespace.yaml", FileKind::Kubernetes, namespace)],
        );
        let whole = project(&files);
        let p = streamed_releasing(&files, 1);
        // Kept: the Namespace, the namespace's first workload (NP-001), the
        // object of the file with a suppression (the filter), and the last
        // part, which the rules about every object read after it.
        let names: Vec<&str> = p.objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["agents", "first", "marked", "third"]);
        assert_eq!(whole.objects.len(), 5);
        let deployments: Vec<&str> = (p.objects_of_kind("Deployment"))
            .map(|(_, o)| o.name.as_str())
            .collect();
        assert_eq!(deployments, ["first", "marked", "third"]);
        let facts = &p.namespace_traffic()["agents"];
        assert_eq!(facts.workloads, 4);
        let (_, first) = facts.first_workload.unwrap();
        assert_eq!(p.objects[first].name, "first");
        // Its tree is released; what NP-001 reads of it, its name's place,
        // is what the whole tree gives.
        assert!(p.objects[first].root.entries().is_empty());
        let read_whole = whole.objects.iter().find(|o| o.name == "first").unwrap();
        let span = read_whole.span();
        assert_eq!(p.objects[first].span(), span);
        assert_eq!(
            FindingPlace::in_object(&p.objects[first], span, true),
            FindingPlace::in_object(read_whole, span, true)
        );
        assert_eq!(
            FindingPlace::in_object(&p.objects[first], span, true).location,
            "metadata.name"
        );
        assert_eq!(
            facts.namespace_object.map(|i| p.objects[i].kind.as_str()),
            Some("Namespace")
        );
        // The images of the objects kept still point at them; the others went.
        assert_eq!(
            image_owners(&p),
            [
                ("first", "registry.example.com/first:1.0"),
                ("marked", "registry.example.com/marked:1.0"),
                ("third", "registry.example.com/third:1.0"),
            ]
        );
        assert!(p.read_images());
    }

    #[test]
    fn files_released_as_they_are_checked_keep_what_may_be_read_after() {
        // A scan checks each file of a part before it is added, and releases
        // its trees then (`release_checked`): what the project gathers from
        // the trees must be the same, and the trees that may be kept stay.
        let deployments = four_deployments();
        let deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: agents\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
        let cni = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: amazon-vpc-cni\n  namespace: kube-system\ndata:\n  enable-network-policy-controller: \"true\"\n";
        let files = deployment_files(
            &deployments,
            &[
                ("e/policy.yaml", FileKind::Kubernetes, deny),
                ("f/cni.yaml", FileKind::Kubernetes, cni),
                ("z/namespace.yaml", FileKind::Kubernetes, AGENTS_NAMESPACE),
            ],
        );
        let whole = project(&files);
        // Only what each file's release left, parts of two files.
        let p = stream(&files, 2, |_, _, _| {});
        // Whether each object keeps its tree, and its name's place.
        let trees: Vec<(&str, bool, bool)> = (p.objects.iter())
            .map(|o| {
                let tree = !o.root.entries().is_empty();
                (o.name.as_str(), tree, o.name_place.is_some())
            })
            .collect();
        // `second` may be its namespace's first workload when its tree is
        // released: `first`, in the same part, is not added yet. Both keep
        // their name's place (`release_manifest_part` drops the record of
        // the one that is not first once the part is added).
        assert_eq!(
            trees,
            [
                ("agents", true, false),
                ("first", false, true),
                ("second", false, true),
                ("marked", true, false),
                ("third", false, false),
                ("deny", false, false),
                ("amazon-vpc-cni", false, false),
            ]
        );
        let (streamed, read_whole) = (
            &p.namespace_traffic()["agents"],
            &whole.namespace_traffic()["agents"],
        );
        assert_eq!(
            (
                streamed.workloads,
                streamed.policies,
                streamed.denies_ingress,
                streamed.denies_egress
            ),
            (4, 1, true, false)
        );
        assert_eq!(
            (
                read_whole.workloads,
                read_whole.policies,
                read_whole.denies_ingress
            ),
            (4, 1, true)
        );
        assert_eq!(p.objects[streamed.first_workload.unwrap().1].name, "first");
        assert!(p.manifest_facts.vpc_cni_network_policy_controller);
        assert!(whole.manifest_facts.vpc_cni_network_policy_controller);
        // Each image still names its object, as if every file were read at once.
        assert_eq!(image_owners(&p), image_owners(&whole));
    }

    #[test]
    fn streamed_dockerfiles_are_read_and_released_a_part_at_a_time() {
        let built = "FROM python:3.12 AS build\nFROM gcr.io/distroless/python3\nCOPY --from=build /app /app\nCOPY --from=busybox:1.36 /bin/sh /bin/sh\nLABEL agent-classification=high\n";
        let marked = "# rampart:ignore DF-001 -- a test\nFROM alpine:3.20\n";
        let deploy = deployment("web");
        let files = [
            ("a/Dockerfile", FileKind::Dockerfile, built),
            ("b/deploy.yaml", FileKind::Kubernetes, deploy.as_str()),
            ("c/Dockerfile", FileKind::Dockerfile, marked),
            ("d/Dockerfile", FileKind::Dockerfile, "FROM ubuntu:24.04\n"),
        ];
        let whole = project(&files);
        let dockerfiles = |p: &Project| -> Vec<(FileId, Option<Tier>)> {
            (p.dockerfiles.iter()).map(|d| (d.file, d.tier)).collect()
        };
        // Each Dockerfile image, by the file of its Dockerfile.
        let images = |p: &Project| -> Vec<(FileId, String)> {
            (p.images.iter())
                .filter_map(|image| match image.subject {
                    Subject::Dockerfile(i) => Some((p.dockerfiles[i].file, image.text.clone())),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(whole.dockerfiles.len(), 3);
        assert_eq!(whole.dockerfiles[0].tier, Some(Tier::High));
        assert_eq!(images(&whole).len(), 5);
        for part in [1, 2, 10] {
            let p = streamed(&files, part);
            assert_eq!(dockerfiles(&p), dockerfiles(&whole), "parts of {part}");
            assert_eq!(images(&p), images(&whole), "parts of {part}");
        }
        // Released as each file is checked, the last part's too, but in
        // files that write a suppression marker (the filter reads them).
        // Their images go with the part, whose rules have checked them, but
        // for the last part's (the rules run with it, in a scan).
        let p = streamed_releasing(&files, 1);
        assert_eq!(dockerfiles(&p), dockerfiles(&whole));
        assert_eq!(images(&p), [(FileId(3), "ubuntu:24.04".to_owned())]);
        let instructions: Vec<usize> = (p.dockerfiles.iter())
            .map(|d| d.parsed.instructions.len())
            .collect();
        assert_eq!(instructions, [0, 1, 0]);
    }

    #[test]
    fn streamed_manifests_are_modelled_as_a_whole() {
        let namespace = AGENTS_NAMESPACE;
        let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: agents\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
        let (first, second) = (deployment("first"), deployment("second"));
        let namespace = format!("{namespace}---\n{}", deployment("last"));
        // The Namespace's file sorts last, but is read first.
        let files = [
            ("a/deploy.yaml", FileKind::Kubernetes, first.as_str()),
            ("b/deploy.yaml", FileKind::Kubernetes, second.as_str()),
            ("c/policy.yaml", FileKind::Kubernetes, policy),
            ("z/namespace.yaml", FileKind::Kubernetes, namespace.as_str()),
        ];
        let whole = project(&files);
        for part in [1, 2, 10] {
            let p = streamed(&files, part);
            assert_eq!(p.objects.len(), whole.objects.len());
            // The Namespace came first; the others inherit its tier.
            assert_eq!(p.objects[0].kind, "Namespace");
            for object in &p.objects {
                assert_eq!(object.tier, Some(Tier::Critical), "{}", object.name);
            }
            // Images point at their objects.
            assert_eq!(
                image_owners(&p),
                [
                    ("last", "registry.example.com/last:1.0"),
                    ("first", "registry.example.com/first:1.0"),
                    ("second", "registry.example.com/second:1.0")
                ]
            );
            // NP-001's facts are the whole project's, its first workload the
            // first in file order, whenever it was read, and its name's
            // place kept (its tree is released).
            let facts = &p.namespace_traffic()["agents"];
            let expected = &whole.namespace_traffic()["agents"];
            assert_eq!((facts.workloads, facts.policies), (3, 1));
            assert!(facts.denies_ingress && !facts.denies_egress);
            assert_eq!(facts.namespace_object, Some(0));
            assert_eq!(
                expected.first_workload.map(|(file, _)| file),
                Some(FileId(0))
            );
            let (file, first) = facts.first_workload.unwrap();
            assert_eq!(file, FileId(0));
            assert_eq!(p.objects[first].name, "first");
            assert!(p.objects[first].root.entries().is_empty());
            let read_whole = whole.objects.iter().find(|o| o.name == "first").unwrap();
            assert_eq!(p.objects[first].span(), read_whole.span());
            assert_eq!(
                FindingPlace::in_object(&p.objects[first], read_whole.span(), true),
                FindingPlace::in_object(read_whole, read_whole.span(), true)
            );
            // The Namespace keeps its tree (its labels are read); the rest
            // are released.
            assert!(!p.objects[0].root.entries().is_empty());
            let second = p.objects.iter().find(|o| o.name == "second").unwrap();
            assert!(second.root.entries().is_empty());
            assert!(
                p.objects
                    .iter()
                    .any(|o| o.kind == "NetworkPolicy" && o.root.entries().is_empty())
            );
        }
    }

    #[test]
    fn terraform_parsed_when_evaluated_is_modelled_as_when_parsed_first() {
        let bom_main = "\u{feff}variable \"cidr\" {\n  default = \"10.0.0.0/16\"\n}\n\nresource \"aws_vpc\" \"main\" {\n  cidr_block = var.cidr\n}\n";
        let files = [
            ("infra/main.tf", FileKind::Terraform, bom_main),
            (
                "infra/broken.tf",
                FileKind::Terraform,
                "resource \"aws_s3_bucket\" {\n  bucket = \n",
            ),
            (
                "infra/terraform.tfvars",
                FileKind::TerraformVars,
                "cidr = \"10.1.0.0/16\"\n",
            ),
            (
                "infra/extra.auto.tfvars.json",
                FileKind::TerraformVars,
                "{\"unused\": 1}\n",
            ),
        ];
        let eager = released_from(ParsedFiles::parse(crate::testing::inputs(&files)));
        let deferring = ParsedFiles::parse_deferring(crate::testing::inputs(&files), |_, _| true);
        // Nothing is parsed yet: the HCL files wait for the evaluation.
        assert_eq!(deferring.diagnostics(), 0);
        let deferred = released_from(deferring);
        let described = |p: &Project| -> Vec<(String, Span, Option<String>)> {
            (p.resources.iter())
                .map(|r| {
                    let cidr = r
                        .get("cidr_block")
                        .and_then(|n| n.as_str())
                        .map(str::to_owned);
                    (r.address.clone(), r.span, cidr)
                })
                .collect()
        };
        assert_eq!(described(&deferred), described(&eager));
        // The variables file applied, and spans after the byte-order mark.
        let vpc = deferred
            .resources
            .iter()
            .find(|r| r.address == "aws_vpc.main");
        assert_eq!(
            vpc.and_then(|r| r.get("cidr_block"))
                .and_then(|n| n.as_str()),
            Some("10.1.0.0/16")
        );
        assert_eq!(vpc.map(|r| r.span.start.line), Some(5));
        let diagnostics = |p: &Project| -> Vec<(String, &'static str, Option<u32>)> {
            (p.diagnostics.iter())
                .map(|d| (d.file.clone(), d.code, d.line))
                .collect()
        };
        assert_eq!(diagnostics(&deferred), diagnostics(&eager));
        assert!(
            diagnostics(&deferred)
                .iter()
                .any(|(file, _, line)| file == "infra/broken.tf" && line.is_some()),
            "{:?}",
            diagnostics(&deferred)
        );
    }

    #[test]
    fn the_scan_is_told_once_terraform_is_evaluated() {
        let tf = "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n";
        let template = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n";
        let config = Config::default();
        // Once with Terraform; not at all without it.
        for (files, calls) in [
            (vec![("main.tf", FileKind::Terraform, tf)], 1),
            (vec![("queue.yaml", FileKind::CloudFormation, template)], 0),
        ] {
            let parsed = ParsedFiles::parse_deferring(crate::testing::inputs(&files), |_, _| false);
            let (mut project, infrastructure) = Project::manifests_from_parsed(parsed, &config);
            let told = std::sync::atomic::AtomicUsize::new(0);
            project.add_infrastructure_with(
                infrastructure,
                &config,
                &TerraformOptions::default(),
                ManifestTrees::Release,
                &|| {
                    told.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                },
            );
            assert_eq!(told.into_inner(), calls, "{files:?}");
            assert_eq!(project.resources.len(), 1, "{files:?}");
        }
    }

    #[test]
    fn manifests_read_at_once_leave_the_infrastructure_unparsed_until_it_is_modelled() {
        // What a scan with few Kubernetes files parses: the manifests and the
        // Dockerfile at once, the infrastructure when it is added.
        let files = [
            (
                "k8s/app.yaml",
                FileKind::Kubernetes,
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n",
            ),
            ("app/Dockerfile", FileKind::Dockerfile, "FROM alpine:3.20\n"),
            (
                "infra/main.tf",
                FileKind::Terraform,
                "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n",
            ),
            (
                "infra/broken.tf",
                FileKind::Terraform,
                "resource \"aws_s3_bucket\" {\n  bucket = \n",
            ),
            (
                "cfn/template.yaml",
                FileKind::CloudFormation,
                "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: [unclosed\n",
            ),
        ];
        let parsed = ParsedFiles::parse_deferring(crate::testing::inputs(&files), |_, _| false);
        assert!(parsed.deferred().is_empty());
        // The broken Terraform file and template have not been read yet.
        assert_eq!(parsed.diagnostics(), 0);
        let config = Config::default();
        let (mut at_once, infrastructure) = Project::manifests_from_parsed(parsed, &config);
        assert_eq!(at_once.objects.len(), 1);
        assert_eq!(at_once.dockerfiles.len(), 1);
        assert!(at_once.resources.is_empty());
        at_once.add_infrastructure(
            infrastructure,
            &config,
            &TerraformOptions::default(),
            ManifestTrees::Release,
        );
        let eager = released_from(ParsedFiles::parse(crate::testing::inputs(&files)));
        let addresses = |p: &Project| -> Vec<String> {
            p.resources.iter().map(|r| r.address.clone()).collect()
        };
        assert_eq!(addresses(&at_once), ["aws_s3_bucket.logs"]);
        assert_eq!(addresses(&at_once), addresses(&eager));
        let read = diagnostics_by_place(&at_once);
        assert_eq!(read, diagnostics_by_place(&eager));
        for file in ["infra/broken.tf", "cfn/template.yaml"] {
            assert!(read.iter().any(|(f, _, _)| f == file), "{file}: {read:?}");
        }
    }

    #[test]
    fn terraform_parsed_a_module_set_at_a_time_is_modelled_as_when_parsed_first() {
        // Two roots call one module, whose files never write the word (so
        // they are parsed with their set); a file that is called by nothing
        // writes it in a comment, another is broken; a `--var-file` applies
        // to every root.
        let files = [
            (
                "app/main.tf",
                FileKind::Terraform,
                "module \"net\" {\n  source = \"../shared/net\"\n  cidr   = var.cidr\n}\n\nvariable \"cidr\" {}\n",
            ),
            (
                "app/bucket.tf",
                FileKind::Terraform,
                "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = var.bucket\n}\n\nvariable \"bucket\" {}\n",
            ),
            (
                "other/main.tf",
                FileKind::Terraform,
                "module \"net\" {\n  source = \"../shared/net\"\n  cidr   = \"10.9.0.0/16\"\n}\n",
            ),
            (
                "shared/net/main.tf",
                FileKind::Terraform,
                "variable \"cidr\" {}\n\nresource \"aws_vpc\" \"this\" {\n  cidr_block = var.cidr\n}\n",
            ),
            (
                "lonely/main.tf",
                FileKind::Terraform,
                "# No module calls this one.\nresource \"aws_sqs_queue\" \"q\" {\n  name = var.bucket\n}\n\nvariable \"bucket\" {}\n",
            ),
            (
                "lonely/broken.tf",
                FileKind::Terraform,
                "module \"x\" {\n  source = \n",
            ),
            (
                "shared.tfvars",
                FileKind::TerraformVars,
                "cidr   = \"10.2.0.0/16\"\nbucket = \"from-the-var-file\"\n",
            ),
            // In no set's directory, and broken.
            ("vars/prod.tfvars", FileKind::TerraformVars, "region = \n"),
        ];
        let options = TerraformOptions {
            var_files: vec!["shared.tfvars".to_owned()],
            vars: Vec::new(),
        };
        let modelled = |parsed: ParsedFiles| {
            let config = Config::default();
            let (mut project, infrastructure) = Project::manifests_from_parsed(parsed, &config);
            project.add_infrastructure(infrastructure, &config, &options, ManifestTrees::Release);
            project
        };
        let eager = modelled(ParsedFiles::parse(crate::testing::inputs(&files)));
        let deferred = modelled(ParsedFiles::parse_deferring(
            crate::testing::inputs(&files),
            |_, _| true,
        ));
        assert_eq!(deferred.resources, eager.resources);
        let scopes = |p: &Project| -> Vec<String> {
            (0..p.resources.len())
                .map(|i| p.scope_of(i).to_owned())
                .collect()
        };
        assert_eq!(scopes(&deferred), scopes(&eager));
        assert_eq!(deferred.resource_tiers, eager.resource_tiers);
        assert_eq!(deferred.unknowns, eager.unknowns);
        assert_eq!(deferred.unknowns(), eager.unknowns());
        // The parse's diagnostics come with their set: the same, in another
        // order (a scan sorts them).
        assert_eq!(
            diagnostics_by_place(&deferred),
            diagnostics_by_place(&eager)
        );
        for broken in ["lonely/broken.tf", "vars/prod.tfvars"] {
            assert!(
                diagnostics_by_place(&deferred)
                    .iter()
                    .any(|(file, _, _)| file == broken),
                "{broken}"
            );
        }
        // Both calls of the module are evaluated, with the var-file's value.
        let vpcs: Vec<(&str, &str, Option<&str>)> = (deferred.resources.iter())
            .enumerate()
            .filter(|(_, r)| r.resource_type == "aws_vpc")
            .map(|(i, r)| {
                let cidr = r.get("cidr_block").and_then(rampart_iac::Node::as_str);
                (deferred.scope_of(i), r.address.as_str(), cidr)
            })
            .collect();
        assert_eq!(
            vpcs,
            [
                ("app", "module.net.aws_vpc.this", Some("10.2.0.0/16")),
                ("other", "module.net.aws_vpc.this", Some("10.9.0.0/16")),
            ]
        );
    }

    #[test]
    fn templates_and_plans_modelled_with_the_infrastructure_are_modelled_as_when_parsed_first() {
        let template = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags:\n        - Key: classification\n          Value: critical\n  Bad:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !GetAtt Nope.Arn\n";
        let plan = r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[{"address":"aws_sqs_queue.q","mode":"managed","type":"aws_sqs_queue","name":"q","values":{"name":"q","tags":{"classification":"high"}}}]}}}"#;
        let marked = format!("# rampart:ignore IAC-001 -- a test\n{template}");
        // The plan replaces `main.tf`'s queue, at its place.
        let configuration = "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {}\n";
        let files = [
            ("broken.yaml", FileKind::CloudFormation, "Resources: [\n"),
            ("main.tf", FileKind::Terraform, configuration),
            ("marked.yaml", FileKind::CloudFormation, marked.as_str()),
            ("plan.json", FileKind::TerraformPlan, plan),
            ("stack.yaml", FileKind::CloudFormation, template),
        ];
        let eager = released_from(ParsedFiles::parse(crate::testing::inputs(&files)));
        let deferring = ParsedFiles::parse_deferring(crate::testing::inputs(&files), |_, _| true);
        // Nothing is parsed yet: templates and plans wait for the
        // infrastructure.
        assert_eq!(deferring.diagnostics(), 0);
        let deferred = released_from(deferring);
        // The layout of the template with a suppression marker is kept.
        let kept = |p: &Project| -> Vec<FileId> { p.templates.iter().map(|(f, _)| *f).collect() };
        assert_eq!(kept(&deferred), [FileId(2)]);
        assert_eq!(kept(&deferred), kept(&eager));
        let described = |p: &Project| -> Vec<String> {
            (p.resources.iter().zip(&p.resource_tiers).enumerate())
                .map(|(i, (r, tier))| {
                    let (address, kind, file, span) =
                        (&r.address, &r.resource_type, r.file, r.span);
                    format!(
                        "{address} {kind} {file:?} {span:?} {tier:?} in {}",
                        p.scope_of(i)
                    )
                })
                .collect()
        };
        assert_eq!(described(&deferred), described(&eager));
        let all = described(&deferred);
        let queues: Vec<&String> = (all.iter())
            .filter(|r| r.starts_with("aws_sqs_queue.q "))
            .collect();
        // One queue: the plan's, at the configuration's place.
        assert!(
            queues.len() == 1
                && queues[0].contains("FileId(1)")
                && queues[0].ends_with("in plan.json"),
            "{all:?}"
        );
        assert!(
            (all.iter()).any(|r| r.starts_with("aws_s3_bucket.b ") && r.ends_with("in .")),
            "{all:?}"
        );
        assert_eq!(
            format!("{:?}", deferred.drift),
            format!("{:?}", eager.drift)
        );
        assert!(
            described(&deferred)
                .iter()
                .any(|r| r.contains("Queue") && r.contains("Critical"))
                && described(&deferred)
                    .iter()
                    .any(|r| r.starts_with("aws_sqs_queue.q ")),
            "{:?}",
            described(&deferred)
        );
        // Made in another order (a scan sorts them).
        let diagnostics = |p: &Project| -> Vec<String> {
            let mut all: Vec<String> = (p.diagnostics.iter())
                .map(|d| format!("{} {} {:?}", d.file, d.code, d.line))
                .collect();
            all.sort();
            all
        };
        assert_eq!(diagnostics(&deferred), diagnostics(&eager));
        assert!(
            diagnostics(&deferred)
                .iter()
                .any(|d| d.starts_with("broken.yaml ")),
            "{:?}",
            diagnostics(&deferred)
        );
        assert_eq!(deferred.unknowns, eager.unknowns);
        assert_eq!(deferred.unknowns(), eager.unknowns());
    }

    #[test]
    fn manifest_texts_are_released_but_those_read_later() {
        let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
        let marked = "# rampart:ignore SEC-002 -- a test\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
        let files = [
            ("quoted.yaml", FileKind::Kubernetes, config_map),
            ("plain.yaml", FileKind::Kubernetes, config_map),
            ("marked.yaml", FileKind::Kubernetes, marked),
            ("Dockerfile", FileKind::Dockerfile, "FROM alpine:3.20\n"),
            (
                "main.tf",
                FileKind::Terraform,
                "resource \"aws_s3_bucket\" \"b\" {}\n",
            ),
        ];
        let mut p = project(&files);
        let quoted = HashMap::from([(FileId(0), vec![2, 4, 7])]);
        p.release_manifest_texts(&quoted);
        let text = |i: usize| p.files[i].text.as_str();
        // Read by the filter, or not a manifest: kept.
        assert_eq!(text(2), marked);
        assert!(text(4).starts_with("resource"));
        // Quoted by findings: those lines are kept, and only those.
        let line = |i: usize, n: u32| p.files[i].line(n);
        assert_eq!(text(0), "");
        assert_eq!(
            (1..=5).map(|n| line(0, n)).collect::<Vec<_>>(),
            [None, Some("kind: ConfigMap"), None, Some("  name: a"), None]
        );
        // The rest is released, and reads as an empty file.
        assert_eq!((text(1), text(3)), ("", ""));
        assert_eq!(p.files[1].line(2), None);
        assert_eq!(
            p.files[1].position_of(40),
            rampart_source::Position::new(1, 1)
        );
        assert!(p.files[2].writes_suppression_marker());
    }

    #[test]
    fn the_policy_engine_named_is_the_first_in_file_order_however_read() {
        let daemon_set = |name: &str| {
            format!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: quay.io/{name}:1.0\n"
            )
        };
        // Cilium's file sorts last but is read first: it declares a
        // Namespace.
        let cilium = format!(
            "{}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n",
            daemon_set("cilium")
        );
        let calico = daemon_set("calico-node");
        let files = [
            ("a/calico.yaml", FileKind::Kubernetes, calico.as_str()),
            ("z/cilium.yaml", FileKind::Kubernetes, cilium.as_str()),
        ];
        let whole = crate::aws::compute::network_policy_engine(&project(&files));
        assert_eq!(
            whole,
            crate::aws::compute::PolicyEngine::Seen("DaemonSet `calico-node`".to_owned())
        );
        let p = streamed(&files, 1);
        assert_eq!(p.objects[0].name, "cilium");
        assert_eq!(crate::aws::compute::network_policy_engine(&p), whole);
    }

    #[test]
    fn limit_ranges_give_defaults_by_namespace() {
        let limit_range = |namespace: &str, body: &str| {
            format!(
                "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: l\n{namespace}spec:\n  limits:\n{body}"
            )
        };
        let agents = limit_range(
            "  namespace: agents\n",
            "    - type: Container\n      default: {cpu: 500m, memory: ~}\n      defaultRequest: {memory: 64Mi}\n    - type: Pod\n      max: {ephemeral-storage: 1Gi}\n",
        );
        let more = limit_range(
            "  namespace: agents\n",
            "    - type: Container\n      min: {ephemeral-storage: 1Mi}\n",
        );
        let nowhere = limit_range("", "    - type: Container\n      max: {memory: 1Gi}\n");
        let p = project(&[
            ("a.yaml", FileKind::Kubernetes, &agents),
            ("b.yaml", FileKind::Kubernetes, &more),
            ("c.yaml", FileKind::Kubernetes, &nowhere),
        ]);
        let agents = p.limit_range_defaults(Some("agents")).unwrap();
        // A null value gives nothing; a `Pod` item gives containers nothing.
        assert_eq!(agents.limits.iter().collect::<Vec<_>>(), ["cpu"]);
        assert_eq!(
            agents.requests.iter().collect::<Vec<_>>(),
            ["cpu", "ephemeral-storage", "memory"]
        );
        let nowhere = p.limit_range_defaults(None).unwrap();
        assert_eq!(nowhere.limits.iter().collect::<Vec<_>>(), ["memory"]);
        assert!(p.limit_range_defaults(Some("other")).is_none());
    }

    #[test]
    fn resource_quotas_are_counted_and_their_unscoped_bounds_kept() {
        let quota = |name: &str, namespace: &str, spec: &str| {
            format!(
                "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: {name}\n{namespace}spec:\n{spec}"
            )
        };
        let files = [
            quota(
                "a",
                "  namespace: agents\n",
                "  hard: {requests.cpu: '2', limits.memory: ~}\n",
            ),
            quota(
                "b",
                "  namespace: agents\n",
                "  scopes: [BestEffort]\n  hard: {requests.memory: 1Gi}\n",
            ),
            quota("c", "", "  hard: {requests.memory: 1Gi}\n"),
        ];
        let p = project(&[
            ("a.yaml", FileKind::Kubernetes, &files[0]),
            ("b.yaml", FileKind::Kubernetes, &files[1]),
            ("c.yaml", FileKind::Kubernetes, &files[2]),
        ]);
        let agents = p.resource_quotas("agents").unwrap();
        // Both count; only the unscoped one bounds, and a null bounds nothing.
        assert_eq!(agents.count, 2);
        assert_eq!(
            agents.unscoped_hard.iter().collect::<Vec<_>>(),
            ["requests.cpu"]
        );
        // A quota without a namespace belongs to none.
        assert!(p.resource_quotas("default").is_none());
    }

    fn addresses(project: &Project, indices: &[usize]) -> Vec<String> {
        indices
            .iter()
            .map(|&i| format!("{}:{}", project.scope_of(i), project.resources[i].address))
            .collect()
    }

    #[test]
    fn indexes_find_resources_by_type_and_scope_in_index_order() {
        let project = project(&[
            (
                "a/main.tf",
                FileKind::Terraform,
                "resource \"aws_s3_bucket\" \"logs\" {}\nresource \"aws_vpc\" \"main\" {}\nresource \"aws_s3_bucket\" \"data\" {}\n",
            ),
            (
                "b/main.tf",
                FileKind::Terraform,
                "resource \"aws_vpc\" \"main\" {}\nresource \"aws_s3_bucket\" \"logs\" {}\n",
            ),
            (
                "c.yaml",
                FileKind::CloudFormation,
                "Parameters:\n  Env:\n    Type: String\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
            ),
            (
                "b/providers.tf",
                FileKind::Terraform,
                "provider \"aws\" {}\nvariable \"region\" {}\nprovider \"aws\" {\n  alias = \"east\"\n}\n",
            ),
        ]);
        // Variables and provider configurations have lists of their own, in
        // index order: no type names them all.
        assert_eq!(
            addresses(&project, project.variables()),
            ["c.yaml:Env", "b:var.region"]
        );
        assert_eq!(
            addresses(&project, project.provider_configurations()),
            ["b:provider.aws", "b:provider.aws.east"]
        );
        let every = |types: &[&str]| addresses(&project, &project.resources_of_types(types));
        // Several types come back merged in index order (templates are
        // modelled before Terraform), each resource once.
        assert_eq!(
            every(&["AWS::S3::Bucket", "aws_s3_bucket", "aws_s3_bucket"]),
            [
                "c.yaml:Bucket",
                "a:aws_s3_bucket.logs",
                "a:aws_s3_bucket.data",
                "b:aws_s3_bucket.logs"
            ]
        );
        assert_eq!(every(&["aws_vpc"]), ["a:aws_vpc.main", "b:aws_vpc.main"]);
        assert!(every(&["aws_instance"]).is_empty());
        assert_eq!(
            addresses(
                &project,
                &project.resources_in_of_types("a", &["aws_vpc", "aws_s3_bucket"])
            ),
            [
                "a:aws_s3_bucket.logs",
                "a:aws_vpc.main",
                "a:aws_s3_bucket.data"
            ]
        );
        assert!(project.resources_in_of_types("d", &["aws_vpc"]).is_empty());
    }

    /// Terraform's resources are sorted in place and its lists built with
    /// room for the templates' resources, which are rotated to the front:
    /// every column must move with its resource.
    #[test]
    fn templates_come_first_and_every_column_moves_with_its_resource() {
        let project = released(&[
            (
                "b/main.tf",
                FileKind::Terraform,
                "resource \"aws_vpc\" \"main\" {\n  tags = { classification = \"standard\" }\n}\n",
            ),
            (
                "a/main.tf",
                FileKind::Terraform,
                "resource \"aws_s3_bucket\" \"data\" {\n  tags = { classification = \"high\" }\n}\nresource \"aws_s3_bucket\" \"logs\" {}\n",
            ),
            (
                "c.yaml",
                FileKind::CloudFormation,
                "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n        - Key: classification\n          Value: critical\n  Queue:\n    Type: AWS::SQS::Queue\n",
            ),
        ]);
        let columns: Vec<(String, Option<Tier>)> = (0..project.resources.len())
            .map(|i| {
                (
                    format!("{}:{}", project.scope_of(i), project.resources[i].address),
                    project.resource_tiers[i],
                )
            })
            .collect();
        assert_eq!(
            columns,
            [
                ("c.yaml:Bucket".to_owned(), Some(Tier::Critical)),
                ("c.yaml:Queue".to_owned(), None),
                // Terraform's in file order (`b/main.tf` was given first),
                // though root `a` is evaluated before root `b`.
                ("b:aws_vpc.main".to_owned(), Some(Tier::Standard)),
                ("a:aws_s3_bucket.data".to_owned(), Some(Tier::High)),
                ("a:aws_s3_bucket.logs".to_owned(), None),
            ]
        );
    }

    #[test]
    fn objects_are_found_by_kind() {
        let project = project(&[(
            "k8s.yaml",
            FileKind::Kubernetes,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n",
        )]);
        let names: Vec<&str> = project
            .objects_of_kind("ConfigMap")
            .map(|(_, o)| o.name.as_str())
            .collect();
        assert_eq!(names, ["one", "two"]);
        assert_eq!(project.objects_of_kind("Secret").count(), 0);
    }

    #[test]
    fn a_template_keeps_its_tree_only_when_it_writes_a_suppression() {
        let template = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n";
        let suppressed = format!("{template}    # rampart:ignore SQS-001 -- test queue\n");
        let project = project(&[
            ("plain.yaml", FileKind::CloudFormation, template),
            ("suppressed.yaml", FileKind::CloudFormation, &suppressed),
        ]);
        assert_eq!(project.resources.len(), 2);
        let kept: Vec<FileId> = project.templates.iter().map(|(file, _)| *file).collect();
        assert_eq!(kept, [FileId(1)]);
    }
}
