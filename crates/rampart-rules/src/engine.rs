use std::collections::HashMap;
use std::ops::Range;

use rampart_config::{Config, PodSecurityLevel, Severity, Tier};
use rampart_model::aws::edge::Edge;
use rampart_model::aws::network::Network;
use rampart_model::aws::security_groups::SecurityGroups;
use rampart_model::rampart_iac::{BlockKind, Node as IacNode, Origin, Resource};
use rampart_model::{
    DockerfileDoc, FindingPlace, ImageUse, Infrastructure, K8sObject, ManifestPart,
    ModeledManifest, Project, Subject, TerraformOptions, Workload,
};
use rampart_source::{FileId, Secret, Span};
use rayon::prelude::*;

use crate::fingerprint::fingerprint;
pub use crate::unless::Unless;

/// The language of a documentation example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Yaml,
    Dockerfile,
    Terraform,
    /// `terraform show -json` output.
    TerraformPlan,
    CloudFormation,
    /// A Falco rules file.
    FalcoRules,
    /// Falco's configuration (`falco.yaml`).
    FalcoConfig,
}

impl Language {
    pub fn fence(self) -> &'static str {
        match self {
            Self::Yaml | Self::CloudFormation | Self::FalcoRules | Self::FalcoConfig => "yaml",
            Self::Dockerfile => "dockerfile",
            Self::Terraform => "hcl",
            Self::TerraformPlan => "json",
        }
    }
}

/// A documentation example; the test suite runs every example through the engine,
/// so the documentation cannot drift from the rule.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    pub language: Language,
    pub code: &'static str,
}

impl Example {
    pub const fn yaml(code: &'static str) -> Self {
        Self {
            language: Language::Yaml,
            code,
        }
    }

    pub const fn dockerfile(code: &'static str) -> Self {
        Self {
            language: Language::Dockerfile,
            code,
        }
    }

    pub const fn terraform(code: &'static str) -> Self {
        Self {
            language: Language::Terraform,
            code,
        }
    }

    pub const fn terraform_plan(code: &'static str) -> Self {
        Self {
            language: Language::TerraformPlan,
            code,
        }
    }

    pub const fn cloudformation(code: &'static str) -> Self {
        Self {
            language: Language::CloudFormation,
            code,
        }
    }

    pub const fn falco_rules(code: &'static str) -> Self {
        Self {
            language: Language::FalcoRules,
            code,
        }
    }

    pub const fn falco_config(code: &'static str) -> Self {
        Self {
            language: Language::FalcoConfig,
            code,
        }
    }
}

/// What `rampart explain` prints.
#[derive(Debug)]
pub struct RuleDocs {
    /// What the rule checks.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// A resource the rule reports.
    pub fail: Example,
    /// The same resource, fixed.
    pub pass: Example,
    /// How to fix a finding.
    pub fix: &'static str,
}

/// Everything about a rule but its check.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id (`PSS-001`); never reused.
    pub id: &'static str,
    /// Kebab-case name (`privileged-container`).
    pub name: &'static str,
    pub severity: Severity,
    /// One line, used as the title everywhere.
    pub summary: &'static str,
    /// Requirement ids of the catalogue this rule implements.
    pub requirements: &'static [&'static str],
    pub docs: RuleDocs,
}

impl RuleMeta {
    /// ISO/IEC 27001:2013 Annex A controls served, from the cited requirements.
    pub fn iso27001_2013(&self) -> Vec<&'static str> {
        self.controls(|r| r.iso27001_2013)
    }

    /// ISO/IEC 27001:2022 Annex A controls served, from the cited requirements.
    pub fn iso27001_2022(&self) -> Vec<&'static str> {
        self.controls(|r| r.iso27001_2022)
    }

    fn controls(
        &self,
        pick: impl Fn(&crate::Requirement) -> &'static [&'static str],
    ) -> Vec<&'static str> {
        let mut controls: Vec<&'static str> = self
            .requirements
            .iter()
            .filter_map(|id| crate::requirement(id))
            .flat_map(|r| pick(r).iter().copied())
            .collect();
        controls.sort_by_cached_key(|c| control_sort_key(c));
        controls.dedup();
        controls
    }
}

/// `A.8.9` sorts before `A.8.20`.
fn control_sort_key(control: &str) -> Vec<u32> {
    control
        .trim_start_matches("A.")
        .split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

/// How a rule looks at the model.
pub enum Check {
    /// Called for every Kubernetes object.
    Object(fn(&K8sObject, &Context<'_>, &mut Sink<'_>)),
    /// Called for every object that runs pods.
    Workload(fn(&Workload<'_>, &Context<'_>, &mut Sink<'_>)),
    /// Called for every image reference (containers, `FROM`, `COPY --from`).
    Image(fn(&ImageUse, &Context<'_>, &mut Sink<'_>)),
    /// Called for every Dockerfile.
    Dockerfile(fn(&DockerfileDoc, &Context<'_>, &mut Sink<'_>)),
    /// Called for every infrastructure resource (Terraform, plan,
    /// CloudFormation) whose type is listed (`aws_security_group`,
    /// `AWS::EC2::SecurityGroup`, `aws` for providers, `variable`). Data
    /// sources are lookups, not resources the code creates: they are passed
    /// only when listed with a `data.` prefix (`data.aws_iam_policy_document`).
    Resource(
        &'static [&'static str],
        fn(&IacResource<'_>, &Context<'_>, &mut Sink<'_>),
    ),
    /// Called once with the whole project (rules that relate resources), in
    /// the [`Phase::Infrastructure`] of a scan: there the project holds no
    /// Kubernetes objects but those of files that write a suppression marker
    /// (`ctx.workloads()` is empty). What such a rule needs of a manifest is
    /// a fact gathered before (`Project::manifest_facts`). `Resource` checks
    /// run then too.
    Project(fn(&Context<'_>, &mut Findings)),
    /// Called once with the whole project, in the [`Phase::Manifests`] of a
    /// scan (rules that relate Kubernetes objects or Falco files): there the
    /// project holds no infrastructure resources yet, and every object has
    /// been read, but most are released with their part (a scan reads the
    /// Kubernetes files a part at a time, see [`evaluate_manifests`]; kept:
    /// the first files' objects, each namespace's first workload, the
    /// objects of files with a suppression marker, and the objects of the
    /// last part, most without their trees), and `ctx.workloads()` is not
    /// for them (in a streamed scan it is empty: the workload rules ran file
    /// by file). What such a rule needs of every object is gathered by the
    /// model while the trees are there (`Project::namespace_traffic`).
    Manifests(fn(&Context<'_>, &mut Findings)),
    /// Reported by the filter stage (suppression problems), never evaluated.
    Filter,
}

/// When a scan runs a rule. The rules about manifests (Kubernetes objects,
/// images, Dockerfiles, Falco files) run first, before the infrastructure is
/// evaluated, and the trees they read are freed as they finish (a part of
/// the Kubernetes files at a time, see [`evaluate_manifests`]): the two
/// largest parts of a large scan's model are never in memory together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Rules about manifests; the project has no infrastructure resources.
    Manifests,
    /// Rules about infrastructure resources; the Kubernetes objects' trees
    /// are released (`Project::add_infrastructure` with
    /// `ManifestTrees::Release`).
    Infrastructure,
}

impl Check {
    /// When a scan runs the check.
    pub fn phase(&self) -> Phase {
        match self {
            Self::Object(_)
            | Self::Workload(_)
            | Self::Image(_)
            | Self::Dockerfile(_)
            | Self::Manifests(_) => Phase::Manifests,
            Self::Resource(..) | Self::Project(_) | Self::Filter => Phase::Infrastructure,
        }
    }
}

/// A rule: metadata and a check.
pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
    /// Says why the rule cannot check anything under a configuration (for example,
    /// an empty approved-registry list), so the user is told instead of the rule
    /// passing silently.
    pub inactive_when: Option<fn(&Config) -> Option<String>>,
}

/// What a check can read besides its subject.
pub struct Context<'a> {
    pub project: &'a Project,
    pub config: &'a Config,
    /// Project-wide models several rules read, built once, side by side,
    /// before any rule runs.
    edge: Edge<'a>,
    network: Network<'a>,
    security_groups: SecurityGroups<'a>,
    /// The objects that run pods: every workload rule reads them.
    workloads: Vec<(usize, Workload<'a>)>,
}

/// An infrastructure resource as rules see it: the evaluated resource, its
/// index, tier and the scope its references resolve in.
#[derive(Clone, Copy, Debug)]
pub struct IacResource<'a> {
    pub index: usize,
    pub resource: &'a Resource,
    pub tier: Option<Tier>,
    pub scope: &'a str,
}

impl std::ops::Deref for IacResource<'_> {
    type Target = Resource;

    fn deref(&self) -> &Resource {
        self.resource
    }
}

impl<'a> Context<'a> {
    /// The context `rules` run in. The objects that run pods are gathered
    /// only when a rule that reads them is among `rules`: in a scan's
    /// infrastructure phase the objects' trees are released.
    pub fn new(project: &'a Project, config: &'a Config, rules: &[&'static Rule]) -> Self {
        Self::over(project, config, rules, 0..project.objects.len())
    }

    /// As [`Context::new`], with the workloads among `objects` only.
    fn over(
        project: &'a Project,
        config: &'a Config,
        rules: &[&'static Rule],
        objects: Range<usize>,
    ) -> Self {
        let reads_workloads = rules
            .iter()
            .any(|rule| matches!(rule.check, Check::Workload(_)));
        let ((edge, network), (security_groups, workloads)) = rayon::join(
            || rayon::join(|| Edge::build(project), || Network::build(project)),
            || {
                rayon::join(
                    || SecurityGroups::build(project),
                    || {
                        if !reads_workloads {
                            return Vec::new();
                        }
                        let start = objects.start;
                        let objects = project.objects.get(objects).unwrap_or_default();
                        (objects.par_iter().enumerate())
                            .filter_map(|(i, object)| object.workload().map(|w| (start + i, w)))
                            .collect()
                    },
                )
            },
        );
        Self {
            project,
            config,
            edge,
            network,
            security_groups,
            workloads,
        }
    }

    /// The objects that run pods, with their index in [`Project::objects`].
    pub fn workloads(&self) -> &[(usize, Workload<'a>)] {
        &self.workloads
    }

    /// Entry points, web ACLs, firewalls and routes of the project.
    pub fn edge(&self) -> &Edge<'a> {
        &self.edge
    }

    /// Subnets, route tables and gateways of the project.
    pub fn network(&self) -> &Network<'a> {
        &self.network
    }

    /// Security groups and their rules.
    pub fn security_groups(&self) -> &SecurityGroups<'a> {
        &self.security_groups
    }

    /// Resource `index` of the project.
    pub fn resource(&self, index: usize) -> IacResource<'a> {
        let project = self.project;
        IacResource {
            index,
            resource: &project.resources[index],
            tier: project.resource_tiers.get(index).copied().flatten(),
            scope: project.scope_of(index),
        }
    }

    /// The resources a value of `from` refers to, with the attribute each
    /// reference reads.
    pub fn targets<'n>(
        &self,
        from: &IacResource<'_>,
        node: &'n IacNode,
    ) -> Vec<(IacResource<'a>, &'n str)> {
        self.project
            .link_targets(from.scope, node)
            .into_iter()
            .map(|(i, attribute)| (self.resource(i), attribute))
            .collect()
    }

    /// Every resource of one of `types` in `scope`.
    pub fn resources_in(&self, scope: &str, types: &[&str]) -> Vec<IacResource<'a>> {
        self.project
            .resources_in_of_types(scope, types)
            .into_iter()
            .map(|i| self.resource(i))
            .collect()
    }

    /// Every resource of one of `types`, in every scope.
    pub fn resources_of(&self, types: &[&str]) -> Vec<IacResource<'a>> {
        self.project
            .resources_of_types(types)
            .into_iter()
            .map(|i| self.resource(i))
            .collect()
    }
}

impl Context<'_> {
    /// The Pod Security level a workload must meet: its tier's profile, or the
    /// level configured for pods without a tier.
    pub fn required_pod_security(&self, workload: &Workload<'_>) -> PodSecurityLevel {
        match workload.object.tier {
            Some(tier) => self.config.tiers.profile(tier).pod_security,
            None => self.config.kubernetes.untiered_pod_security,
        }
    }

    /// `required by the restricted profile of the critical tier`, for messages.
    pub fn level_reason(&self, workload: &Workload<'_>) -> String {
        let level = self.required_pod_security(workload);
        match workload.object.tier {
            Some(tier) => format!("the `{level}` Pod Security level of the {tier} tier"),
            None => format!(
                "the `{level}` Pod Security level set for pods without a tier (`kubernetes.untiered-pod-security`)"
            ),
        }
    }

    pub fn is_exempt_namespace(&self, namespace: Option<&str>) -> bool {
        namespace.is_some_and(|ns| {
            self.config
                .kubernetes
                .exempt_namespaces
                .iter()
                .any(|e| e == ns)
        })
    }

    /// Whether `object` is a tier namespace: a `Namespace` whose own labels
    /// name a tier (a key of `tiers.label-keys` with a tier name as its value;
    /// other values are left to `conflicting-tier-labels`) and that is not in
    /// `kubernetes.exempt-namespaces`.
    pub fn is_tier_namespace(&self, object: &K8sObject) -> bool {
        object.kind == "Namespace"
            && object.tier.is_some()
            && !self.is_exempt_namespace(Some(&object.name))
    }

    pub fn is_edge_namespace(&self, namespace: Option<&str>) -> bool {
        namespace.is_some_and(|ns| {
            self.config
                .kubernetes
                .edge_namespaces
                .iter()
                .any(|e| e == ns)
        })
    }
}

/// A finding as a check reports it.
#[derive(Debug)]
pub struct Reported {
    subject: Subject,
    /// The file of the span when it is not the subject's own (a value written
    /// in a `tfvars` file or a module call).
    file: Option<FileId>,
    span: Span,
    message: String,
    secrets: Vec<Secret>,
    /// The tier the finding concerns when it is not the subject's own.
    tier: Option<Tier>,
    /// What drops the finding once every object is read.
    unless: Option<Box<Unless>>,
}

/// Where a check reports findings about its subject.
pub struct Sink<'a> {
    subject: Subject,
    tier: Option<Tier>,
    out: &'a mut Vec<Reported>,
}

impl Sink<'_> {
    /// A sink whose findings concern resources of `tier` as well as the
    /// subject: the agents a load balancer, a web ACL or a firewall policy
    /// serves, the group a standalone security-group rule belongs to. The
    /// finding shows the more critical of that tier and the subject's own, and
    /// is raised one level when it is critical.
    pub fn serving(&mut self, tier: Tier) -> Sink<'_> {
        Sink {
            subject: self.subject,
            tier: Some(tier),
            out: self.out,
        }
    }

    /// Reports a finding at `span` of the subject.
    pub fn report(&mut self, span: Span, message: impl Into<String>) {
        self.report_at_subject(span, message.into(), None);
    }

    /// Reports a finding at `span` of the subject, unless `unless` holds once
    /// every Kubernetes object is read: for a finding that depends on the
    /// service accounts and bindings, which a streamed scan may read in a
    /// later part than the subject (see [`Unless`]). A fact that can only
    /// become true as more objects are read (a binding granting a role) is
    /// better tested before too: a finding it drops is then not made.
    pub fn report_unless(&mut self, span: Span, message: impl Into<String>, unless: Unless) {
        self.report_at_subject(span, message.into(), Some(Box::new(unless)));
    }

    fn report_at_subject(&mut self, span: Span, message: String, unless: Option<Box<Unless>>) {
        self.out.push(Reported {
            subject: self.subject,
            file: None,
            span,
            message,
            secrets: Vec::new(),
            tier: self.tier,
            unless,
        });
    }

    /// Reports a finding where a value was written, which may be another file
    /// than the subject's (a variable default, a `tfvars` line).
    pub fn report_at(&mut self, origin: Origin, message: impl Into<String>) {
        self.out.push(Reported {
            subject: self.subject,
            file: Some(origin.file),
            span: origin.span,
            message: message.into(),
            secrets: Vec::new(),
            tier: self.tier,
            unless: None,
        });
    }

    /// Reports a finding about an attribute of a resource: where its value was
    /// written, or at the resource's header when it is not set.
    pub fn report_resource(
        &mut self,
        resource: &Resource,
        node: Option<&IacNode>,
        message: impl Into<String>,
    ) {
        let (file, span) = resource.span_of(node);
        self.report_at(Origin { file, span }, message);
    }

    /// As [`Sink::report_resource`], for a finding that quotes a secret.
    pub fn report_resource_secret(
        &mut self,
        resource: &Resource,
        node: Option<&IacNode>,
        message: impl Into<String>,
        secret: &str,
    ) {
        let (file, span) = resource.span_of(node);
        self.out.push(Reported {
            subject: self.subject,
            file: Some(file),
            span,
            message: message.into(),
            secrets: vec![Secret::new(secret)],
            tier: self.tier,
            unless: None,
        });
    }

    /// Reports a finding that quotes a secret: the message must show it redacted,
    /// and every output that prints text of the file redacts `secret` in it.
    pub fn report_secret(&mut self, span: Span, message: impl Into<String>, secret: &str) {
        self.report_secrets(span, message, &[secret]);
    }

    /// Reports a finding about several secrets at once (the values of a
    /// committed `Secret`), all of which are redacted wherever printed.
    pub fn report_secrets(&mut self, span: Span, message: impl Into<String>, secrets: &[&str]) {
        self.out.push(Reported {
            subject: self.subject,
            file: None,
            span,
            message: message.into(),
            secrets: secrets
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| Secret::new(*s))
                .collect(),
            tier: self.tier,
            unless: None,
        });
    }
}

/// Where a project rule reports findings, about any subject.
#[derive(Default)]
pub struct Findings {
    out: Vec<Reported>,
}

impl Findings {
    pub fn on(&mut self, subject: Subject) -> Sink<'_> {
        Sink {
            subject,
            tier: None,
            out: &mut self.out,
        }
    }
}

/// A finding, ready for filtering and reporting.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    /// Effective severity: the rule's (or its configured override), raised one
    /// level on critical-tier resources.
    pub severity: Severity,
    pub subject: Subject,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    /// `Kind/namespace/name` or `Dockerfile/<stage>`.
    pub resource: String,
    pub tier: Option<Tier>,
    pub fingerprint: String,
    /// The secrets the finding is about; never printed, only used to redact.
    pub secrets: Vec<Secret>,
}

/// Options of an evaluation.
#[derive(Default)]
pub struct EvalOptions {
    /// Default severities overridden by configuration, by rule id.
    pub severity_overrides: HashMap<&'static str, Severity>,
}

impl EvalOptions {
    /// The severity of `rule`'s findings: its override, else its own.
    fn severity(&self, rule: &Rule) -> Severity {
        (self.severity_overrides.get(rule.meta.id).copied()).unwrap_or(rule.meta.severity)
    }
}

/// Whether a [`Check::Resource`] list names this resource (data sources
/// only with their `data.` prefix).
fn resource_listed(types: &[&str], resource: &Resource) -> bool {
    let name = resource.resource_type.as_str();
    if resource.kind == BlockKind::Data {
        types.iter().any(|t| t.strip_prefix("data.") == Some(name))
    } else {
        types.contains(&name)
    }
}

/// Runs `rules` over the project, in parallel, and returns the findings sorted by
/// file, position and rule. The project must hold its manifests' trees (built
/// by [`Project::build`] or [`Project::from_parsed`], not released).
pub fn evaluate(
    project: &Project,
    config: &Config,
    rules: &[&'static Rule],
    options: &EvalOptions,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> =
        run_rules(project, config, rules, options, &Scope::whole(project))
            .into_iter()
            .map(|made| settle(made, project))
            .flat_map(number_repeats)
            .collect();
    sort_findings(&mut findings, project);
    findings
}

/// Runs the rules of `rules` that belong to `phase`, in parallel, on the
/// whole project, and returns their findings unsorted: a scan evaluates
/// [`Phase::Manifests`] on its manifests (a part at a time, with
/// [`evaluate_manifests`], which finds the same), then
/// [`Phase::Infrastructure`] once the infrastructure is added, and sorts the
/// findings of both.
pub fn evaluate_phase(
    project: &Project,
    config: &Config,
    rules: &[&'static Rule],
    options: &EvalOptions,
    phase: Phase,
) -> Vec<Finding> {
    let rules = phase_rules(rules, phase);
    if rules.is_empty() {
        return Vec::new();
    }
    let findings = run_rules(project, config, &rules, options, &Scope::whole(project))
        .into_iter()
        .map(|made| settle(made, project))
        .flat_map(number_repeats)
        .collect::<Vec<_>>();
    // Once the manifests' trees are released, a finding about an object
    // would get a fingerprint without its place in the object.
    debug_assert!(
        phase == Phase::Manifests
            || !findings
                .iter()
                .any(|f| matches!(f.subject, Subject::Object(_))),
        "a rule of the infrastructure phase reported about a Kubernetes object"
    );
    findings
}

/// The rules of `rules` about the infrastructure ([`Phase::Infrastructure`])
/// on the parts of it [`Project::add_infrastructure_in_parts`] returned, the
/// way a scan runs them once the first part is added and checked (with
/// [`evaluate_phase`]): each part added ([`Project::add_infrastructure_part`]),
/// checked, and released ([`Project::release_infrastructure_part`]) before
/// the next, and the subjects of its findings moved with what is kept of it.
/// Their findings, unsorted. `added` is shown each part once it is added
/// (`--show-unknown` lists what it could not evaluate then); `lap` is told
/// when each step ends (`model` for a part added, `evaluate` for its rules),
/// for `--timings`.
#[expect(
    clippy::too_many_arguments,
    reason = "evaluate_manifests's, and the parts and Terraform's options"
)]
pub fn evaluate_infrastructure_parts(
    project: &mut Project,
    parts: Vec<Infrastructure>,
    config: &Config,
    terraform: &TerraformOptions,
    rules: &[&'static Rule],
    options: &EvalOptions,
    mut added: impl FnMut(&Project),
    mut lap: impl FnMut(&'static str),
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for part in parts {
        let (resources, files) = project.add_infrastructure_part(part, config, terraform);
        added(project);
        lap("model");
        let found =
            evaluate_infrastructure_part(project, config, rules, options, resources.clone());
        // The texts the part read, but for the lines its findings quote.
        let quoted = quoted_lines(&found);
        project.release_part_texts(&files, |file| quoted.get(&file).map_or(&[], Vec::as_slice));
        let moves = project.release_infrastructure_part(resources);
        findings.extend(found.into_iter().map(|mut finding| {
            finding.subject = moves.subject(finding.subject);
            finding
        }));
        lap("evaluate");
    }
    findings
}

/// The rules of `rules` about the infrastructure ([`Phase::Infrastructure`])
/// on the resources of one part of it, `resources` (see
/// [`Project::add_infrastructure_part`]), and their findings unsorted. The
/// rules read every resource of the project: the part's, those of the units
/// every part is checked with ([`rampart_model::Infrastructure::split`]),
/// which are checked once, with [`evaluate_phase`] before the parts, and
/// those of earlier parts kept for the filter (declared in files that write
/// a suppression marker); only the findings about the part's resources are
/// made.
fn evaluate_infrastructure_part(
    project: &Project,
    config: &Config,
    rules: &[&'static Rule],
    options: &EvalOptions,
    resources: Range<usize>,
) -> Vec<Finding> {
    let rules = phase_rules(rules, Phase::Infrastructure);
    if rules.is_empty() || resources.is_empty() {
        return Vec::new();
    }
    let scope = Scope {
        objects: 0..0,
        images: 0..0,
        dockerfiles: 0..0,
        project: true,
        resources,
    };
    run_rules(project, config, &rules, options, &scope)
        .into_iter()
        .map(|made| settle(made, project))
        .flat_map(number_repeats)
        .collect()
}

/// The subjects a run of the rules covers: all of a project's, or (in a
/// streamed scan, see [`evaluate_manifests`]) some of its manifests', or
/// (see [`evaluate_infrastructure_part`]) some of its resources.
struct Scope {
    /// In [`Project::objects`]: object and workload rules.
    objects: Range<usize>,
    /// In [`Project::images`]: image rules.
    images: Range<usize>,
    /// In [`Project::dockerfiles`]: Dockerfile rules.
    dockerfiles: Range<usize>,
    /// Resource and project rules (both phases' kinds).
    project: bool,
    /// In [`Project::resources`]: the subjects of resource and project
    /// rules (a part of the infrastructure, see
    /// [`evaluate_infrastructure_part`]).
    resources: Range<usize>,
}

impl Scope {
    fn whole(project: &Project) -> Self {
        Self {
            objects: 0..project.objects.len(),
            images: 0..project.images.len(),
            dockerfiles: 0..project.dockerfiles.len(),
            project: true,
            resources: 0..project.resources.len(),
        }
    }

    /// Whether a finding about `subject` is one of this run's.
    fn covers(&self, subject: Subject) -> bool {
        match subject {
            Subject::Resource(i) => self.resources.contains(&i),
            _ => true,
        }
    }
}

/// Each rule's findings (in `rules`' order), before those that wait on
/// every object are settled ([`settle`]) and repeats are numbered
/// ([`number_repeats`]).
fn run_rules(
    project: &Project,
    config: &Config,
    rules: &[&'static Rule],
    options: &EvalOptions,
    scope: &Scope,
) -> Vec<Vec<Made>> {
    let ctx = Context::over(project, config, rules, scope.objects.clone());
    // The rules about one object run together on it, each object in turn,
    // while its tree is in the cache, rather than each rule walking every
    // tree of the project in turn; the rest run rule by rule beside them.
    let (by_subject, by_rule) = rayon::join(
        || run_per_subject(rules, &ctx, scope),
        || {
            rules
                .par_iter()
                .map(|rule| run(rule, &ctx, scope))
                .collect::<Vec<_>>()
        },
    );
    rules
        .par_iter()
        .zip(by_subject)
        .zip(by_rule)
        .map(|((rule, mut reported), by_rule)| {
            // Each rule runs one way or the other: one of the two is empty.
            debug_assert!(reported.is_empty() || by_rule.is_empty());
            reported.extend(by_rule);
            prepare(&rule.meta, options.severity(rule), reported, project)
        })
        .collect()
}

/// The rules about manifests (those of [`Phase::Manifests`] among `rules`),
/// the way a scan runs them: on the objects, images and Dockerfiles of
/// `project` (see [`Project::manifests_from_parsed`]), then on the
/// Kubernetes files and Dockerfiles of `deferred`
/// ([`ParsedFiles::deferred`](rampart_model::ParsedFiles::deferred)),
/// `part_files` at a time: the texts of a part's files that the walk left
/// unread ([`rampart_model::LEAVE_UNREAD`]) read, each file parsed,
/// modelled, checked and its trees released on the thread that parses it
/// ([`check_manifest_files`]), then the part added to the project, its
/// texts released but for the lines its findings quote
/// ([`Project::release_part_texts`]), and every part but the last released
/// ([`Project::release_manifest_part`]) before the next is read, so that
/// the manifests' texts and trees are never all in memory. What the last
/// part keeps is left to [`Project::add_infrastructure`], which releases it
/// beside the infrastructure's evaluation. The rules that relate objects or Falco
/// files (`Check::Manifests`) run with the last part, once every object is
/// read. `lap` is told when each step ends (`model` for a part's files read
/// and checked, `evaluate` for the rest), for `--timings`.
///
/// Each rule reads its subject's tree and what the model gathered from
/// every object before: the files that may declare namespace-wide objects
/// come first ([`rampart_model::may_declare_namespace_wide_objects`]), and
/// a finding that depends on service accounts and bindings, which may be in
/// any part, waits until every part is read ([`Sink::report_unless`]). The
/// findings are those of [`evaluate_phase`] on the whole project.
pub fn evaluate_manifests(
    project: &mut Project,
    deferred: &[FileId],
    config: &Config,
    rules: &[&'static Rule],
    options: &EvalOptions,
    part_files: usize,
    mut lap: impl FnMut(&'static str),
) -> Vec<Finding> {
    let rules = phase_rules(rules, Phase::Manifests);
    let later: Vec<&[FileId]> = deferred.chunks(part_files.max(1)).collect();
    let first = Scope {
        objects: 0..project.objects.len(),
        images: 0..project.images.len(),
        dockerfiles: 0..project.dockerfiles.len(),
        project: later.is_empty(),
        resources: 0..project.resources.len(),
    };
    let mut parts = vec![run_rules(project, config, &rules, options, &first)];
    if !later.is_empty() {
        project.release_manifest_trees(first.objects);
    }
    lap("evaluate");
    for (n, files) in later.iter().enumerate() {
        let last = n + 1 == later.len();
        let (added, mut found) = check_manifest_files(project, files, config, &rules, options);
        lap("model");
        // With the last part, the rules that relate objects; the objects,
        // their images and the Dockerfiles are checked.
        let rest = Scope {
            objects: added.objects.end..added.objects.end,
            images: added.images.end..added.images.end,
            dockerfiles: added.dockerfiles.end..added.dockerfiles.end,
            project: last,
            resources: 0..project.resources.len(),
        };
        let by_rule = run_rules(project, config, &rules, options, &rest);
        for (all, more) in found.iter_mut().zip(by_rule) {
            // Each rule runs one way or the other: one of the two is empty.
            debug_assert!(all.is_empty() || more.is_empty());
            all.extend(more);
        }
        // The part's texts, but for the lines its findings quote: the
        // findings made later in its files (about a namespace's first
        // workload) have theirs read again at the end
        // ([`Project::release_manifest_texts`]).
        let quoted = quoted_lines(found.iter().flatten().map(|made| &made.finding));
        project.release_part_texts(files, |file| quoted.get(&file).map_or(&[], Vec::as_slice));
        parts.push(found);
        if !last {
            project.release_manifest_part(&added);
        }
        lap("evaluate");
    }
    // Every part's findings by rule, those that waited on every object
    // settled now that all are read, with the repeats of a place numbered as
    // `evaluate_phase` numbers them.
    let mut by_rule: Vec<Vec<Made>> = std::iter::repeat_with(Vec::new).take(rules.len()).collect();
    for part in parts {
        for (all, found) in by_rule.iter_mut().zip(part) {
            all.extend(found);
        }
    }
    let project = &*project;
    (by_rule.into_iter())
        .map(|made| settle(made, project))
        .flat_map(number_repeats)
        .collect()
}

/// The lines a report quotes of `findings` ([`Span::quoted_lines`]), by
/// file.
pub fn quoted_lines<'f>(
    findings: impl IntoIterator<Item = &'f Finding>,
) -> HashMap<FileId, Vec<u32>> {
    let mut quoted: HashMap<FileId, Vec<u32>> = HashMap::new();
    for finding in findings {
        (quoted.entry(finding.file).or_default()).extend(finding.span.quoted_lines());
    }
    quoted
}

/// Reads the texts of `files` the walk left unread ([`Project::read_texts`]),
/// then parses, models and checks them (Kubernetes files and Dockerfiles
/// [`ParsedFiles::parse_deferring`](rampart_model::ParsedFiles::parse_deferring)
/// left) one at a time, each on the thread that parses it, and adds them
/// to the project; returns where they went and, by rule (in `rules`'
/// order), what the rules about single objects, workloads, images and
/// Dockerfiles found in them, in the order of their subjects (the findings
/// about objects first, then those about Dockerfiles, as
/// [`Project::images`] lists their images).
///
/// A file's tree is read by its rules, the places of their findings are
/// worked out in it, and it is released but for what may be kept
/// ([`Project::release_checked`]), while it is still in the cache from its
/// parse: parsed all together and checked after, a part's trees were read
/// back from memory by the rules and again to be freed (docs/benchmarks-history.md,
/// fourteenth round). The rules read the objects modelled before, which
/// are in the project, and the file's own objects and Dockerfile; the file
/// is added after.
fn check_manifest_files(
    project: &mut Project,
    files: &[FileId],
    config: &Config,
    rules: &[&'static Rule],
    options: &EvalOptions,
) -> (ManifestPart, Vec<Vec<Made>>) {
    let subject_rules = SubjectRules::of(rules);
    project.read_texts(files);
    let checked: Vec<(ModeledManifest, Vec<(usize, Made)>)> = {
        let project = &*project;
        // No workloads: these rules read their own subject's.
        let ctx = Context::over(project, config, &[], 0..0);
        (files.par_iter())
            .map(|&file| {
                let mut modeled = project.model_manifest(file, config);
                let found = check_modeled(&modeled, &subject_rules, rules, &ctx, options);
                project.release_checked(&mut modeled);
                (modeled, found)
            })
            .collect()
    };
    let mut by_rule: Vec<Vec<Made>> = std::iter::repeat_with(Vec::new).take(rules.len()).collect();
    let mut about_dockerfiles: Vec<Vec<Made>> =
        std::iter::repeat_with(Vec::new).take(rules.len()).collect();
    let (mut objects, mut dockerfiles) = (project.objects.len(), project.dockerfiles.len());
    let mut modeled = Vec::with_capacity(checked.len());
    for (file, found) in checked {
        for (slot, mut made) in found {
            let subject = made.finding.subject.moved(objects, dockerfiles);
            made.finding.subject = subject;
            let list = match subject {
                Subject::Dockerfile(_) => about_dockerfiles.get_mut(slot),
                _ => by_rule.get_mut(slot),
            };
            if let Some(list) = list {
                list.push(made);
            }
        }
        objects += file.objects().len();
        dockerfiles += usize::from(file.dockerfile().is_some());
        modeled.push(file);
    }
    for (all, more) in by_rule.iter_mut().zip(about_dockerfiles) {
        all.extend(more);
    }
    (project.add_modeled_manifests(modeled), by_rule)
}

/// What the rules about objects, workloads, images and Dockerfiles find in a
/// file [`Project::model_manifest`] read, each finding with the slot of its
/// rule, its subject counted within the file.
fn check_modeled(
    modeled: &ModeledManifest,
    subject_rules: &SubjectRules,
    rules: &[&'static Rule],
    ctx: &Context<'_>,
    options: &EvalOptions,
) -> Vec<(usize, Made)> {
    let mut out = SlotReports::new();
    for (i, object) in modeled.objects().iter().enumerate() {
        let workload = object.workload();
        let subject = Subject::Object(i);
        subject_rules.check_object(&mut out, subject, object, workload.as_ref(), ctx);
    }
    if let Some(doc) = modeled.dockerfile() {
        subject_rules.check_dockerfile(&mut out, Subject::Dockerfile(0), doc, ctx);
    }
    for image in modeled.images() {
        subject_rules.check_image(&mut out, image, ctx);
    }
    (out.into_iter())
        .filter_map(|(slot, reported)| {
            // A slot is a rule's, and a report is about the object or
            // Dockerfile it was made on (`report_on`): none is left out.
            let rule = rules.get(slot);
            debug_assert!(rule.is_some(), "a report with no rule");
            let rule = rule?;
            let evidence = reported.secrets.is_empty();
            let place = match reported.subject {
                Subject::Object(i) => modeled
                    .objects()
                    .get(i)
                    .map(|object| FindingPlace::in_object(object, reported.span, evidence)),
                Subject::Dockerfile(_) => (modeled.dockerfile())
                    .map(|doc| FindingPlace::in_dockerfile(doc, reported.span)),
                _ => None,
            };
            debug_assert!(place.is_some(), "a report about no subject of the file");
            let place = place?;
            let severity = options.severity(rule);
            Some((
                slot,
                finish(&rule.meta, severity, reported, place, ctx.project),
            ))
        })
        .collect()
}

/// The rules that run subject by subject (objects, workloads, Dockerfiles),
/// each with its slot in the list of rules run.
struct SubjectRules {
    objects: Vec<(usize, ObjectCheck)>,
    workloads: Vec<(usize, WorkloadCheck)>,
    dockerfiles: Vec<(usize, DockerfileCheck)>,
    images: Vec<(usize, ImageCheck)>,
}

type ObjectCheck = fn(&K8sObject, &Context<'_>, &mut Sink<'_>);
type WorkloadCheck = fn(&Workload<'_>, &Context<'_>, &mut Sink<'_>);
type DockerfileCheck = fn(&DockerfileDoc, &Context<'_>, &mut Sink<'_>);
type ImageCheck = fn(&ImageUse, &Context<'_>, &mut Sink<'_>);

impl SubjectRules {
    fn of(rules: &[&'static Rule]) -> Self {
        let mut found = Self {
            objects: Vec::new(),
            workloads: Vec::new(),
            dockerfiles: Vec::new(),
            images: Vec::new(),
        };
        for (slot, rule) in rules.iter().enumerate() {
            match rule.check {
                Check::Object(check) => found.objects.push((slot, check)),
                Check::Workload(check) => found.workloads.push((slot, check)),
                Check::Dockerfile(check) => found.dockerfiles.push((slot, check)),
                Check::Image(check) => found.images.push((slot, check)),
                _ => {}
            }
        }
        found
    }

    /// Runs the rules about images on `image`, as its subject.
    fn check_image(&self, out: &mut SlotReports, image: &ImageUse, ctx: &Context<'_>) {
        for &(slot, check) in &self.images {
            report_on(out, slot, image.subject, |sink| check(image, ctx, sink));
        }
    }

    /// Runs the rules about objects on `object`, and those about workloads
    /// on `workload`, the pods it runs if it runs any.
    fn check_object(
        &self,
        out: &mut SlotReports,
        subject: Subject,
        object: &K8sObject,
        workload: Option<&Workload<'_>>,
        ctx: &Context<'_>,
    ) {
        for &(slot, check) in &self.objects {
            report_on(out, slot, subject, |sink| check(object, ctx, sink));
        }
        if let Some(workload) = workload {
            for &(slot, check) in &self.workloads {
                report_on(out, slot, subject, |sink| check(workload, ctx, sink));
            }
        }
    }

    fn check_dockerfile(
        &self,
        out: &mut SlotReports,
        subject: Subject,
        doc: &DockerfileDoc,
        ctx: &Context<'_>,
    ) {
        for &(slot, check) in &self.dockerfiles {
            report_on(out, slot, subject, |sink| check(doc, ctx, sink));
        }
    }
}

fn phase_rules(rules: &[&'static Rule], phase: Phase) -> Vec<&'static Rule> {
    rules
        .iter()
        .copied()
        .filter(|rule| rule.check.phase() == phase)
        .collect()
}

/// What rules report, each report with the slot of its rule in the list run.
type SlotReports = Vec<(usize, Reported)>;

/// Runs one check on `subject`, tagging what it reports with its rule's slot.
fn report_on(
    out: &mut SlotReports,
    slot: usize,
    subject: Subject,
    check: impl FnOnce(&mut Sink<'_>),
) {
    let mut reported = Vec::new();
    check(&mut Sink {
        subject,
        tier: None,
        out: &mut reported,
    });
    out.extend(reported.into_iter().map(|r| (slot, r)));
}

/// What the rules about one object, workload or Dockerfile report, by rule
/// (in `rules`' order, empty for the other rules), each rule's reports in the
/// order of their subjects: the order in which running each rule over every
/// subject reports them. A subject's rules run one after the other, while its
/// tree is in the cache: running each rule over every tree in turn read the
/// manifests' nodes (3.7 million at 100,000 files) from memory once per rule.
fn run_per_subject(
    rules: &[&'static Rule],
    ctx: &Context<'_>,
    scope: &Scope,
) -> Vec<Vec<Reported>> {
    let project = ctx.project;
    let subject_rules = SubjectRules::of(rules);
    let workloads = ctx.workloads();
    let (manifests, dockerfiles): (SlotReports, SlotReports) = rayon::join(
        || {
            if subject_rules.objects.is_empty() && subject_rules.workloads.is_empty() {
                return Vec::new();
            }
            let objects = project
                .objects
                .get(scope.objects.clone())
                .unwrap_or_default();
            (objects.par_iter().enumerate())
                .flat_map_iter(|(i, object)| {
                    let i = i + scope.objects.start;
                    let mut out = Vec::new();
                    // `workloads` is in the objects' order.
                    let workload = (workloads.binary_search_by_key(&i, |(index, _)| *index).ok())
                        .and_then(|at| workloads.get(at))
                        .map(|(_, workload)| workload);
                    subject_rules.check_object(&mut out, Subject::Object(i), object, workload, ctx);
                    out
                })
                .collect()
        },
        || {
            if subject_rules.dockerfiles.is_empty() {
                return Vec::new();
            }
            let dockerfiles = (project.dockerfiles)
                .get(scope.dockerfiles.clone())
                .unwrap_or_default();
            (dockerfiles.par_iter().enumerate())
                .flat_map_iter(|(i, doc)| {
                    let i = i + scope.dockerfiles.start;
                    let mut out = Vec::new();
                    subject_rules.check_dockerfile(&mut out, Subject::Dockerfile(i), doc, ctx);
                    out
                })
                .collect()
        },
    );
    let mut by_rule: Vec<Vec<Reported>> =
        std::iter::repeat_with(Vec::new).take(rules.len()).collect();
    for (slot, reported) in manifests.into_iter().chain(dockerfiles) {
        if let Some(list) = by_rule.get_mut(slot) {
            list.push(reported);
        }
    }
    by_rule
}

/// Sorts findings the way every report lists them: by file, position, rule, message.
pub fn sort_findings(findings: &mut [Finding], project: &Project) {
    // Each file's path is compared once, not at every comparison of two
    // findings (behind two pointers, with a string comparison): the
    // findings are ordered by the rank of their file's path, files of one
    // path ranking alike.
    let mut files: Vec<FileId> = findings.iter().map(|f| f.file).collect();
    files.sort_unstable();
    files.dedup();
    files.sort_by(|a, b| (project.file(*a).display_path).cmp(&project.file(*b).display_path));
    let mut rank = vec![0u32; project.files.len()];
    let mut previous: Option<&str> = None;
    let mut next = 0u32;
    for file in files {
        let path = project.file(file).display_path.as_str();
        if previous.is_some_and(|previous| previous != path) {
            next += 1;
        }
        previous = Some(path);
        if let Some(slot) = rank.get_mut(file.index()) {
            *slot = next;
        }
    }
    // Every finding's file is the project's (`project.file` read each one
    // above): the fallback is never taken.
    let rank_of = |f: &Finding| rank.get(f.file.index()).copied().unwrap_or(u32::MAX);
    // A stable sort: findings alike on every key keep the rules' order.
    findings.par_sort_by(|a, b| {
        let key = |f: &Finding| (rank_of(f), f.span.start, f.rule.id);
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
}

/// What a rule that does not run subject by subject reports.
fn run(rule: &Rule, ctx: &Context<'_>, scope: &Scope) -> Vec<Reported> {
    let project = ctx.project;
    if !scope.project
        && matches!(
            rule.check,
            Check::Resource(..) | Check::Project(_) | Check::Manifests(_)
        )
    {
        return Vec::new();
    }
    match rule.check {
        Check::Image(check) => project
            .images
            .get(scope.images.clone())
            .unwrap_or_default()
            .par_iter()
            .flat_map_iter(|image| {
                let mut out = Vec::new();
                check(
                    image,
                    ctx,
                    &mut Sink {
                        subject: image.subject,
                        tier: None,
                        out: &mut out,
                    },
                );
                out
            })
            .collect(),
        Check::Resource(types, check) => {
            let names: Vec<&str> = types
                .iter()
                .map(|t| t.strip_prefix("data.").unwrap_or(t))
                .collect();
            project
                .resources_of_types(&names)
                .into_par_iter()
                .filter(|i| scope.resources.contains(i))
                // A resource whose whole body is unknown (a CloudFormation `Fn::If` on
                // an unknown condition) cannot be judged: a missing attribute there
                // is not missing.
                .filter(|&i| {
                    let resource = &project.resources[i];
                    resource_listed(types, resource) && !resource.attributes.is_unknown()
                })
                .flat_map_iter(|i| {
                    let mut out = Vec::new();
                    check(
                        &ctx.resource(i),
                        ctx,
                        &mut Sink {
                            subject: Subject::Resource(i),
                            tier: None,
                            out: &mut out,
                        },
                    );
                    out
                })
                .collect()
        }
        Check::Project(check) | Check::Manifests(check) => {
            let mut findings = Findings::default();
            check(ctx, &mut findings);
            // A project rule reads every resource, and may report on those
            // of the infrastructure's parts checked before.
            findings
                .out
                .retain(|reported| scope.covers(reported.subject));
            findings.out
        }
        // Run subject by subject (`run_per_subject`, which leaves the other
        // checks to this function), or by the filter stage.
        Check::Object(_) | Check::Workload(_) | Check::Dockerfile(_) | Check::Filter => Vec::new(),
    }
}

/// Turns what a check reported into findings: severity, tier, resource,
/// fingerprint (reading the subject's tree, which must still be there).
fn prepare(
    meta: &'static RuleMeta,
    severity: Severity,
    reported: Vec<Reported>,
    project: &Project,
) -> Vec<Made> {
    reported
        .into_iter()
        .map(|r| {
            let place = project.place(r.subject, r.span, r.secrets.is_empty());
            finish(meta, severity, r, place, project)
        })
        .collect()
}

/// A finding made, and what drops it once every object is read.
#[derive(Debug)]
struct Made {
    finding: Finding,
    unless: Option<Box<Unless>>,
}

/// The findings of `made` but those that `project`, which has read every
/// object, drops.
fn settle(made: Vec<Made>, project: &Project) -> Vec<Finding> {
    (made.into_iter())
        .filter(|made| made.unless.as_ref().is_none_or(|u| !u.holds(project)))
        .map(|made| made.finding)
        .collect()
}

/// The finding a rule reported, at `place`.
fn finish(
    meta: &'static RuleMeta,
    severity: Severity,
    r: Reported,
    place: FindingPlace,
    project: &Project,
) -> Made {
    let unless = r.unless;
    let mut finding = Finding::placed(
        meta, severity, r.subject, place, r.span, r.message, r.secrets, project,
    );
    if let Some(tier) = r.tier {
        // What a finding serves can raise its tier, never lower it
        // below its subject's own.
        let tier = finding.tier.map_or(tier, |own| own.max(tier));
        finding.tier = Some(tier);
        finding.severity = if tier == Tier::Critical {
            severity.raised()
        } else {
            severity
        };
    }
    if let Some(file) = r.file {
        finding.file = file;
    }
    Made { finding, unless }
}

/// The same rule can report twice at one place (two missing settings of one
/// container): numbers the repeats among one rule's findings, in order, so
/// that each keeps its own fingerprint.
fn number_repeats(mut findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for finding in &mut findings {
        let ordinal = seen.entry(finding.fingerprint.clone()).or_insert(0);
        *ordinal += 1;
        if *ordinal > 1 {
            finding.fingerprint = fingerprint(&[&finding.fingerprint, &ordinal.to_string()]);
        }
    }
    findings
}

impl Finding {
    /// A finding of `meta` at `span` of `subject`, with its tier, resource and
    /// fingerprint worked out from the project. `severity` is the rule's (or its
    /// configured override); it is raised one level on critical-tier resources.
    ///
    /// The fingerprint is the rule, the file's path as shown (relative to the
    /// working directory, as in SARIF), the resource, the place within it and
    /// the scalar found there — never a line number. A finding about a secret
    /// leaves the secret out of all of it: fingerprints are printed in every
    /// report, and a replaced secret in the same place is the same problem.
    pub fn new(
        meta: &'static RuleMeta,
        severity: Severity,
        subject: Subject,
        span: Span,
        message: String,
        secrets: Vec<Secret>,
        project: &Project,
    ) -> Self {
        let place = project.place(subject, span, secrets.is_empty());
        Self::placed(
            meta, severity, subject, place, span, message, secrets, project,
        )
    }

    /// As [`Finding::new`], at a place worked out already ([`Project::place`],
    /// or from an object or Dockerfile not yet in `project`, whose files it
    /// reads).
    #[expect(clippy::too_many_arguments, reason = "Finding::new's, and its place")]
    fn placed(
        meta: &'static RuleMeta,
        severity: Severity,
        subject: Subject,
        place: FindingPlace,
        span: Span,
        message: String,
        secrets: Vec<Secret>,
        project: &Project,
    ) -> Self {
        let FindingPlace {
            file,
            tier,
            resource,
            mut location,
            evidence,
        } = place;
        for secret in &secrets {
            location = location.replace(secret.expose(), "<secret>");
        }
        let path = &project.file(file).display_path;
        Finding {
            rule: meta,
            severity: if tier == Some(Tier::Critical) {
                severity.raised()
            } else {
                severity
            },
            subject,
            file,
            span,
            message,
            fingerprint: fingerprint(&[meta.id, path, &resource, &location, &evidence]),
            resource,
            tier,
            secrets,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use rampart_discover::{FileKind, InputFile};

    use super::*;

    /// What the rules about objects, workloads and Dockerfiles reported when
    /// each ran over every subject in turn (the engine before it ran them
    /// subject by subject), as `(subject, span, message)` by rule.
    fn rule_by_rule(
        rules: &[&'static Rule],
        ctx: &Context<'_>,
    ) -> Vec<Vec<(Subject, Span, String)>> {
        let project = ctx.project;
        rules
            .iter()
            .map(|rule| {
                let mut out = Vec::new();
                match rule.check {
                    Check::Object(check) => {
                        for (i, object) in project.objects.iter().enumerate() {
                            report_on(&mut out, 0, Subject::Object(i), |s| check(object, ctx, s));
                        }
                    }
                    Check::Workload(check) => {
                        for (i, workload) in ctx.workloads() {
                            report_on(&mut out, 0, Subject::Object(*i), |s| {
                                check(workload, ctx, s);
                            });
                        }
                    }
                    Check::Dockerfile(check) => {
                        for (i, doc) in project.dockerfiles.iter().enumerate() {
                            let subject = Subject::Dockerfile(i);
                            report_on(&mut out, 0, subject, |s| check(doc, ctx, s));
                        }
                    }
                    _ => {}
                }
                out.into_iter()
                    .map(|(_, r)| (r.subject, r.span, r.message))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn rules_run_subject_by_subject_report_as_rule_by_rule() {
        // Repeated objects (one identity twice, so the fingerprints of their
        // findings are numbered in report order), workloads among other
        // objects, and Dockerfiles with repeated instructions.
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: agent\n  namespace: agents\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n        - name: a\n          image: registry.example.com/agent:latest\n          securityContext:\n            privileged: true\n          env:\n            - name: API_TOKEN\n              value: ghp_R8x2Kq7LmN4pV9sT3wY6zA1bC5dE0fG7hJ2k\n";
        let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: agents\ndata:\n  password: hunter2hunter2\n";
        let manifests = [deployment, config_map, deployment].join("---\n");
        let dockerfile = "FROM python:latest\nADD https://example.com/a.tgz /a\nADD https://example.com/a.tgz /a\nUSER root\n";
        let file = |path: &str, kind, text: &str| InputFile::new(kind, path, text);
        let config = Config::default();
        let project = Project::build(
            vec![
                file("a.yaml", FileKind::Kubernetes, &manifests),
                file("b.yaml", FileKind::Kubernetes, deployment),
                file("Dockerfile", FileKind::Dockerfile, dockerfile),
                file("c.yaml", FileKind::Kubernetes, &manifests),
                file("worker/Dockerfile", FileKind::Dockerfile, dockerfile),
            ],
            &config,
        );
        let rules = crate::all_rules();
        let ctx = Context::new(&project, &config, rules);
        let expected = rule_by_rule(rules, &ctx);
        let actual: Vec<Vec<(Subject, Span, String)>> =
            run_per_subject(rules, &ctx, &Scope::whole(&project))
                .into_iter()
                .map(|reported| {
                    reported
                        .into_iter()
                        .map(|r| (r.subject, r.span, r.message))
                        .collect()
                })
                .collect();
        assert!(
            expected.iter().filter(|r| r.len() > 2).count() > 5,
            "several rules should report several times"
        );
        assert_eq!(actual, expected);
    }

    #[test]
    fn controls_sort_numerically() {
        let mut controls = vec!["A.8.20", "A.5.15", "A.8.9", "A.12.1.3", "A.9.2.3"];
        controls.sort_by_cached_key(|c| control_sort_key(c));
        assert_eq!(
            controls,
            vec!["A.5.15", "A.8.9", "A.8.20", "A.9.2.3", "A.12.1.3"]
        );
    }
}
