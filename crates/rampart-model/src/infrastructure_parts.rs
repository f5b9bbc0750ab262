//! The infrastructure in parts: Terraform's module sets and CloudFormation's
//! templates evaluated, checked and released a part at a time, so that a
//! scan does not hold every resource of a large tree at once.
//!
//! Most rules about the infrastructure read their subject's scope only (a
//! Terraform root module with the modules it calls, or a template). A few
//! read resources of every scope (docs/design/cross-unit-reads.md): the
//! account-level defaults, the EventBridge rules that route GuardDuty's
//! findings, the flow logs whose network is not known, the backup selections,
//! the policy engines Helm installs, the routes (a NAT gateway named by its
//! id), and, when some rule reads them, the critical stores and the DB
//! subnet groups' users. A
//! unit whose text may declare one of those (or writes an escape, which can
//! spell anything) is evaluated first, with every other such unit, and kept
//! until the end: every rule that reads them then sees them all, from
//! whichever part its subject is in. The other units declare nothing a rule
//! about another unit reads, so each is checked with the first units and its
//! own part only, and released after.
//!
//! A resource's type is written as it is in the text of its unit's files
//! (the label of a Terraform block, a template's `Type`), but for escapes.
//! A NAT gateway named by its id is matched across scopes by the id a
//! route's value evaluates to, which a function may assemble: every unit
//! that declares a route is read first. A module set is one unit: a module
//! several roots call, and what it writes once for them all, is not split
//! between parts.

use rampart_discover::FileKind;
use rampart_source::{FileId, SourceFile};
use rayon::prelude::*;

use crate::iac::{TerraformOptions, TerraformSets};
use crate::project::Infrastructure;

/// Resource types (and a literal) whose resources rules about other scopes
/// read, whichever rules the tree has: a unit whose text names one is
/// evaluated first and kept.
const READ_FROM_EVERY_SCOPE: &[&str] = &[
    // NODE-001, NODE-002, ENC-004, ENC-005: the account-level defaults.
    "aws_ebs_encryption_by_default",
    "aws_ec2_instance_metadata_defaults",
    // EKS-004: a policy engine Helm installs, the VPC CNI's ConfigMap.
    "helm_release",
    "kubernetes_config_map",
    // LOG-007: the EventBridge rules that route GuardDuty's findings and
    // schedule reviews.
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "AWS::Events::Rule",
    // LOG-001, LOG-003, LOG-009: flow logs whose network is not known may
    // cover any other scope's.
    "aws_flow_log",
    "AWS::EC2::FlowLog",
    // BAK-002: the backup selections and lifecycle policies of any scope.
    "aws_backup_selection",
    "AWS::Backup::BackupSelection",
    "aws_dlm_lifecycle_policy",
    "AWS::DLM::LifecyclePolicy",
    // NET-016: a NAT gateway named by its id in the routes of several
    // scopes is one gateway, and an id a function assembles is nowhere in
    // the text: every unit that declares a route (`aws_route_table` and
    // `aws_default_route_table` hold routes too; not `aws_route53_…`).
    ROUTE,
    "aws_default_route_table",
    "AWS::EC2::Route",
];

/// The type of a Terraform route, and the start of `aws_route_table`'s.
const ROUTE: &str = "aws_route";

/// Resources read from every scope only by rules whose subjects are of other
/// types: `(what is read, what reads it)`. A unit whose text names the
/// first is evaluated first when some unit of the tree names the second.
const READ_WHEN_READERS: &[(&[&str], &[&str])] = &[
    // BAK-004: the critical stores a backup plan's selections cover.
    (
        crate::aws::data::STORE_TYPES,
        &["aws_backup_plan", "AWS::Backup::BackupPlan"],
    ),
    // NET-012: the stores that name a DB subnet group raise the tier of the
    // routes of its subnets.
    (
        &["subnet_group_name", "SubnetGroupName"],
        &[
            "aws_route",
            "aws_default_route_table",
            "aws_main_route_table_association",
            "AWS::EC2::Route",
            "AWS::EC2::SubnetRouteTableAssociation",
        ],
    ),
];

/// What [`infrastructure_facts`] says of a text: it writes `module` (the
/// files that do are read to group Terraform's files by module set), and
/// [`Names`] in the bits above.
pub(crate) const WRITES_MODULE: u8 = 1;
const READ_FROM_EVERY_SCOPE_BIT: u8 = 2;
const READ_BITS: u8 = 2;
const READS_BITS: u8 = READ_BITS + READ_WHEN_READERS.len() as u8;
const _: () = assert!(
    READS_BITS as usize + READ_WHEN_READERS.len() <= 8,
    "the facts are a byte"
);

/// What a scan needs to know of the text of a file of the infrastructure
/// before it reads it with its part: whether it writes `module`, and what
/// its unit must be read first for ([`Names`]). The walk asks it of the
/// files it leaves unread (`rampart_discover::LeaveUnread`).
pub fn infrastructure_facts(text: &str) -> u8 {
    let names = Names::of(text, &SEARCHER);
    let mut facts = u8::from(memchr::memmem::find(text.as_bytes(), b"module").is_some());
    facts |= u8::from(names.read_from_every_scope) * READ_FROM_EVERY_SCOPE_BIT;
    for (entry, (&read, &reads)) in names.read.iter().zip(&names.reads).enumerate() {
        facts |= u8::from(read) << (READ_BITS + entry as u8);
        facts |= u8::from(reads) << (READS_BITS + entry as u8);
    }
    facts
}

/// The searcher of every split and of [`infrastructure_facts`].
static SEARCHER: std::sync::LazyLock<Searcher> = std::sync::LazyLock::new(Searcher::new);

/// What a unit's texts name, of [`READ_FROM_EVERY_SCOPE`] and
/// [`READ_WHEN_READERS`].
#[derive(Clone, Copy, Debug, Default)]
struct Names {
    /// Something read from every scope, or an escape.
    read_from_every_scope: bool,
    /// By entry of [`READ_WHEN_READERS`]: what is read, what reads it.
    read: [bool; READ_WHEN_READERS.len()],
    reads: [bool; READ_WHEN_READERS.len()],
}

impl Names {
    fn of(text: &str, searcher: &Searcher) -> Self {
        let mut names = Self {
            read_from_every_scope: memchr::memchr(b'\\', text.as_bytes()).is_some(),
            ..Self::default()
        };
        let Some(automaton) = &searcher.automaton else {
            // Without the searcher every unit is read first, as without
            // parts.
            names.read_from_every_scope = true;
            return names;
        };
        for found in automaton.find_overlapping_iter(text) {
            let after = text.get(found.end()..).unwrap_or_default();
            if text.get(found.start()..found.end()) == Some(ROUTE) && after.starts_with("53") {
                // Route 53's types name no route.
                continue;
            }
            match searcher.patterns.get(found.pattern().as_usize()) {
                Some(Pattern::ReadFromEveryScope) => names.read_from_every_scope = true,
                Some(Pattern::Read(entry)) => names.read[*entry] = true,
                Some(Pattern::Reads(entry)) => names.reads[*entry] = true,
                None => {}
            }
        }
        names
    }

    /// What a file's text names, from what it is known to name while it is
    /// unread ([`infrastructure_facts`]), or from the text.
    fn of_file(file: Option<&SourceFile>) -> Self {
        let Some(file) = file else {
            return Self::default();
        };
        let Some(unread) = file.still_unread() else {
            return Self::of(&file.text, &SEARCHER);
        };
        let facts = unread.facts;
        let mut names = Self {
            read_from_every_scope: facts & READ_FROM_EVERY_SCOPE_BIT != 0,
            ..Self::default()
        };
        for entry in 0..READ_WHEN_READERS.len() {
            names.read[entry] = facts & (1 << (READ_BITS + entry as u8)) != 0;
            names.reads[entry] = facts & (1 << (READS_BITS + entry as u8)) != 0;
        }
        names
    }

    fn add(&mut self, other: Self) {
        self.read_from_every_scope |= other.read_from_every_scope;
        for (mine, theirs) in self.read.iter_mut().zip(other.read) {
            *mine |= theirs;
        }
        for (mine, theirs) in self.reads.iter_mut().zip(other.reads) {
            *mine |= theirs;
        }
    }

    /// Whether the unit must be evaluated first, given what the whole
    /// tree's units name (`tree`).
    fn first(&self, tree: &Self) -> bool {
        self.read_from_every_scope
            || (self.read.iter().zip(tree.reads)).any(|(&read, read_by_some)| read && read_by_some)
    }
}

/// What a pattern of the searcher stands for.
enum Pattern {
    ReadFromEveryScope,
    Read(usize),
    Reads(usize),
}

struct Searcher {
    automaton: Option<aho_corasick::AhoCorasick>,
    patterns: Vec<Pattern>,
}

impl Searcher {
    fn new() -> Self {
        let mut needles: Vec<&str> = Vec::new();
        let mut patterns = Vec::new();
        for needle in READ_FROM_EVERY_SCOPE {
            needles.push(needle);
            patterns.push(Pattern::ReadFromEveryScope);
        }
        for (entry, (read, reads)) in READ_WHEN_READERS.iter().enumerate() {
            for needle in *read {
                needles.push(needle);
                patterns.push(Pattern::Read(entry));
            }
            for needle in *reads {
                needles.push(needle);
                patterns.push(Pattern::Reads(entry));
            }
        }
        // Overlapping matches: one type's name may hold another's
        // (`aws_s3_bucket` in `aws_s3_bucket_policy`).
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(&needles)
            .ok();
        Self {
            automaton,
            patterns,
        }
    }
}

/// A unit of the infrastructure: a Terraform module set or a template.
enum Unit {
    Set(usize),
    Template(FileId),
}

impl Infrastructure {
    /// The infrastructure as what is evaluated first and kept until the end
    /// (see the module's documentation), and parts of about `part_files`
    /// files each, in the order of their module sets and templates; no
    /// parts when what they would hold is `part_files` files or fewer. All of
    /// it is first (and there are no parts) when the scan has a plan (a plan
    /// adopts configuration resources of any root by address), `--var-file`
    /// files or `--var` values (which apply to every module set, and are in
    /// no unit's text).
    pub fn split(
        self,
        files: &[SourceFile],
        kinds: &[FileKind],
        terraform: &TerraformOptions,
        part_files: usize,
    ) -> (Infrastructure, Vec<Infrastructure>) {
        let kind = |file: FileId| kinds.get(file.index()).copied();
        let plans = !self.plans.is_empty()
            || (self.later.iter()).any(|&file| kind(file) == Some(FileKind::TerraformPlan));
        // Nor when all of it fits in one part: its texts are not searched.
        let infrastructure_files = match &self.terraform_sets {
            Some(sets) => sets.files.iter().map(Vec::len).sum(),
            None => self.terraform_files.len(),
        } + self.later.len();
        if plans
            || !terraform.var_files.is_empty()
            || !terraform.vars.is_empty()
            || infrastructure_files <= part_files
        {
            return (self, Vec::new());
        }
        let Infrastructure {
            terraform_files,
            manifests,
            terraform_sets,
            plans,
            templates,
            template_unknowns,
            later,
        } = self;
        let sets = match terraform_sets {
            Some(sets) => sets,
            None => TerraformSets::of(files, terraform_files, manifests, terraform),
        };
        let names = |file: FileId| Names::of_file(files.get(file.index()));
        // Every text read once, on every core (or what the walk read of it).
        let mut units: Vec<(Unit, Names, usize)> = (sets.files.par_iter().enumerate())
            .map(|(set, set_files)| {
                let mut set_names = Names::default();
                for terraform in set_files {
                    set_names.add(names(terraform.file));
                }
                (Unit::Set(set), set_names, set_files.len())
            })
            .collect();
        units.par_extend((later.par_iter()).map(|&file| (Unit::Template(file), names(file), 1)));
        let mut tree = Names::default();
        for (_, names, _) in &units {
            tree.add(*names);
        }
        // What would be read in parts fits in one: read with the rest, as
        // a part costs a pass of the rules and the release of its
        // resources.
        let in_parts: usize = (units.iter())
            .filter(|(_, names, _)| !names.first(&tree))
            .map(|(_, _, files)| files)
            .sum();
        if in_parts <= part_files {
            let whole = Infrastructure {
                terraform_sets: Some(sets),
                plans,
                templates,
                template_unknowns,
                later,
                ..Infrastructure::default()
            };
            return (whole, Vec::new());
        }
        let TerraformSets {
            files: set_files,
            manifests: set_manifests,
            var_files,
            diagnostics,
        } = sets;
        let mut set_files: Vec<Option<_>> = set_files.into_iter().map(Some).collect();
        let mut set_manifests: Vec<Option<_>> = set_manifests.into_iter().map(Some).collect();
        let mut first = Infrastructure {
            terraform_sets: Some(TerraformSets {
                var_files,
                diagnostics,
                ..TerraformSets::default()
            }),
            plans,
            templates,
            template_unknowns,
            ..Infrastructure::default()
        };
        let mut parts: Vec<Infrastructure> = Vec::new();
        let mut in_part = 0;
        for (unit, names, count) in units {
            let target = if names.first(&tree) {
                &mut first
            } else {
                // A new part when the unit would make this one too large, but
                // not an empty one: a unit larger than a part is a part.
                if parts.is_empty() || (in_part > 0 && in_part + count > part_files.max(1)) {
                    parts.push(Infrastructure {
                        terraform_sets: Some(TerraformSets::default()),
                        ..Infrastructure::default()
                    });
                    in_part = 0;
                }
                in_part += count;
                let Some(part) = parts.last_mut() else {
                    continue;
                };
                part
            };
            match unit {
                Unit::Set(set) => {
                    let taken = (set_files.get_mut(set).and_then(Option::take))
                        .zip(set_manifests.get_mut(set).and_then(Option::take));
                    if let (Some((files, manifests)), Some(sets)) =
                        (taken, target.terraform_sets.as_mut())
                    {
                        sets.files.push(files);
                        sets.manifests.push(manifests);
                    }
                }
                Unit::Template(file) => target.later.push(file),
            }
        }
        (first, parts)
    }
}

#[cfg(test)]
mod tests {
    use rampart_config::Config;
    use rampart_discover::FileKind;

    use crate::iac::TerraformOptions;
    use crate::project::{ParsedFiles, Project};
    use crate::testing::inputs;

    /// The files of each part, the first part's first: `(first, parts)`.
    fn split(
        files: &[(&str, FileKind, &str)],
        terraform: &TerraformOptions,
        part_files: usize,
    ) -> (Vec<String>, Vec<Vec<String>>) {
        let parsed = ParsedFiles::parse_deferring(inputs(files), |_, _| false);
        let (project, infrastructure) = Project::manifests_from_parsed(parsed, &Config::default());
        let (first, parts) =
            infrastructure.split(&project.files, &project.file_kinds, terraform, part_files);
        let paths = |part: &crate::Infrastructure| -> Vec<String> {
            let mut ids: Vec<_> = (part.terraform_sets.iter())
                .flat_map(|sets| sets.files.iter().flatten().map(|f| f.file))
                .chain(part.later.iter().copied())
                .chain(part.terraform_files.iter().map(|f| f.file))
                .collect();
            ids.sort();
            (ids.into_iter())
                .map(|id| project.files[id.index()].display_path.clone())
                .collect()
        };
        (paths(&first), parts.iter().map(paths).collect())
    }

    const BUCKET: &str = "resource \"aws_s3_bucket\" \"b\" {}\n";
    const TEMPLATE: &str = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n";

    #[test]
    fn units_that_declare_what_rules_about_other_units_read_are_first() {
        let files = [
            ("a/main.tf", FileKind::Terraform, BUCKET),
            (
                "b/main.tf",
                FileKind::Terraform,
                "resource \"aws_flow_log\" \"f\" {}\n",
            ),
            ("c/main.tf", FileKind::Terraform, BUCKET),
            ("c/vars.tf", FileKind::Terraform, "variable \"v\" {}\n"),
            (
                "d/main.tf",
                FileKind::Terraform,
                "module \"m\" {\n  source = \"../m\"\n}\n",
            ),
            (
                "m/main.tf",
                FileKind::Terraform,
                "resource \"aws_route\" \"r\" {\n  nat_gateway_id = \"nat-0123456789abcdef0\"\n}\n",
            ),
            (
                "r53/main.tf",
                FileKind::Terraform,
                "resource \"aws_route53_zone\" \"z\" {\n  name = \"example.com\"\n}\n",
            ),
            ("t/one.yaml", FileKind::CloudFormation, TEMPLATE),
            (
                "t/two.yaml",
                FileKind::CloudFormation,
                "Resources:\n  Bucket:\n    Type: \"AWS::S3::Bucke\\x74\"\n",
            ),
        ];
        let (first, parts) = split(&files, &TerraformOptions::default(), 2);
        // A flow log; a module set whose module declares a route; an escape.
        assert_eq!(first, ["b/main.tf", "d/main.tf", "m/main.tf", "t/two.yaml"]);
        // Whole module sets, about two files a part, in order (Route 53
        // declares no route).
        assert_eq!(
            parts,
            [
                vec!["a/main.tf"],
                vec!["c/main.tf", "c/vars.tf"],
                vec!["r53/main.tf", "t/one.yaml"],
            ]
        );
    }

    #[test]
    fn stores_are_first_only_when_a_backup_plan_reads_them() {
        let plan = "resource \"aws_backup_plan\" \"p\" {}\n";
        let files = [
            ("a/main.tf", FileKind::Terraform, BUCKET),
            ("b/main.tf", FileKind::Terraform, plan),
        ];
        let (first, parts) = split(&files, &TerraformOptions::default(), 0);
        assert_eq!(first, ["a/main.tf"]);
        assert_eq!(parts, [vec!["b/main.tf"]]);
        let (first, parts) = split(&files[..1], &TerraformOptions::default(), 0);
        assert!(first.is_empty());
        assert_eq!(parts, [vec!["a/main.tf"]]);
    }

    #[test]
    fn what_fits_in_one_part_is_read_whole() {
        let files = [
            ("a/main.tf", FileKind::Terraform, BUCKET),
            ("b/main.tf", FileKind::Terraform, BUCKET),
            ("t/one.yaml", FileKind::CloudFormation, TEMPLATE),
        ];
        let (first, parts) = split(&files, &TerraformOptions::default(), 3);
        assert_eq!((first.len(), parts.len()), (3, 0));
        let (first, parts) = split(&files, &TerraformOptions::default(), 2);
        assert_eq!((first.len(), parts.len()), (0, 2));
    }

    #[test]
    fn plans_and_variables_for_every_root_keep_the_infrastructure_whole() {
        let files = [
            ("a/main.tf", FileKind::Terraform, BUCKET),
            ("b/main.tf", FileKind::Terraform, BUCKET),
        ];
        let (first, parts) = split(&files, &TerraformOptions::default(), 1);
        assert!(first.is_empty() && parts.len() == 2, "{first:?} {parts:?}");
        let vars = TerraformOptions {
            vars: vec![("v".to_owned(), "nat-0123456789abcdef0".to_owned())],
            ..TerraformOptions::default()
        };
        let (first, parts) = split(&files, &vars, 1);
        assert_eq!((first.len(), parts.len()), (2, 0));
        let plan = "{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {}}}";
        let with_plan = [
            files[0],
            files[1],
            ("plan.json", FileKind::TerraformPlan, plan),
        ];
        let (first, parts) = split(&with_plan, &TerraformOptions::default(), 1);
        assert_eq!((first.len(), parts.len()), (3, 0), "{first:?}");
    }
}
