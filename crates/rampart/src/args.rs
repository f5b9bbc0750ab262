use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rampart_config::Severity;

/// Policy-as-code for agent fleets.
///
/// rampart checks Kubernetes manifests and Dockerfiles against a tiered
/// infrastructure security policy. Every finding names the file and line, the
/// severity, the policy requirement it breaks and the ISO/IEC 27001 controls
/// that requirement serves. Resources carry a tier (`critical`, `high`,
/// `standard`) in a label; critical-tier findings are raised one severity level.
#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Exit codes: 0 nothing at or above the --fail-on threshold; 1 findings at or above it; 2 usage, configuration or input error.\n\nStart with `rampart scan .`, then `rampart explain <RULE>` for any rule it reports."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories for policy violations.
    #[command(
        long_about = "Scan files and directories for policy violations.\n\nDirectories are walked in parallel; files ignored by .gitignore (also outside a git checkout) and by --exclude are skipped, and links pointing out of the scanned root are never followed. Recognised by name and content: Kubernetes YAML/JSON (multi-document streams and List kinds), Terraform (`.tf`, `terraform.tfvars`, `*.auto.tfvars`, their `.json` forms, and modules downloaded by `terraform init`), Terraform plans (`terraform show -json`), CloudFormation templates (YAML or JSON), Dockerfiles, Falco rules files and Falco's configuration (`falco.yaml`). Terraform is evaluated — variables, tfvars, locals, functions, modules, count and for_each — and a finding is reported where its value was written. Use `-` to read a manifest stream from standard input:\n\n    helm template ./chart | rampart scan -\n    kubectl kustomize overlays/prod | rampart scan -\n    terraform show -json plan.out > plan.json && rampart scan plan.json",
        after_help = "Suppress a finding with a comment on its line or the line above, with a reason:\n    privileged: true # rampart:ignore PSS-001 -- eBPF sensor, approved in SEC-142"
    )]
    Scan(Box<ScanArgs>),
    /// List the rules.
    Rules(RulesArgs),
    /// Explain a rule: what it checks, why, examples and how to fix.
    Explain(ExplainArgs),
    /// Print the effective configuration (rampart.toml merged over the defaults).
    Config(ConfigArgs),
    /// Write a starter agent inventory (seed 003's values and 51 example agents).
    #[command(
        long_about = "Write a starter agent inventory: seed 003's platform values (region, zones, VPC range, allowlists, instance types) and the 51 agents of the bundled example. Edit it, then render the baseline with `rampart generate`. The schema is documented in docs/inventory.md."
    )]
    Init(InitArgs),
    /// Render the secure baseline (Terraform, Kubernetes, Falco rules, admission policies) from an agent inventory.
    #[command(
        long_about = "Render the secure baseline from an agent inventory: Terraform (network, security groups, WAF, Shield, Network Firewall, flow logs, EKS, node groups, GuardDuty), Kubernetes (namespaces, NetworkPolicies, quotas, service accounts), Falco rules and ValidatingAdmissionPolicies, plus a README that lists what was generated and every deviation from seed 003.\n\nOutput is deterministic and scans clean with `rampart scan` under the same configuration (rampart.toml found upward from the inventory, or --config): the tier profiles there are the ones the output is built to meet.\n\n    rampart init\n    rampart generate --out baseline\n    rampart scan baseline\n    rampart generate --out baseline --check   # in CI: exit 1 and a diff when baseline/ drifted",
        after_help = "Exit codes: 0 written (or, with --check, up to date); 1 --check found differences; 2 an invalid inventory or configuration, or an I/O error."
    )]
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the inventory.
    #[arg(short, long, value_name = "FILE", default_value = "agents.yaml")]
    pub out: PathBuf,

    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The agent inventory (docs/inventory.md).
    #[arg(short, long, value_name = "FILE", default_value = "agents.yaml")]
    pub inventory: PathBuf,

    /// The directory to write the baseline to (created if missing).
    #[arg(short, long, value_name = "DIR", default_value = "baseline")]
    pub out: PathBuf,

    /// Parts to generate, comma-separated: terraform, kubernetes, falco, admission (default: all).
    #[arg(long, value_delimiter = ',', value_name = "PARTS", value_parser = parse_target)]
    pub target: Vec<rampart_generate::Target>,

    /// Write nothing; exit 1 and print a diff when DIR differs from what would be generated.
    #[arg(long)]
    pub check: bool,

    /// Replace files in DIR that rampart did not generate (by default generation stops instead).
    #[arg(long, conflicts_with = "check")]
    pub force: bool,

    /// Remove files that rampart generated earlier and no longer generates.
    #[arg(long, conflicts_with = "check")]
    pub prune: bool,

    #[command(flatten)]
    pub config: ConfigOption,
}

fn parse_target(text: &str) -> Result<rampart_generate::Target, String> {
    rampart_generate::Target::parse(text.trim()).ok_or_else(|| {
        format!("`{text}` is not a part; use terraform, kubernetes, falco or admission")
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Findings with the offending source line, for people.
    Pretty,
    /// The versioned JSON report (docs/json-report.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, for CI test-report views.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal.
    Auto,
    Always,
    Never,
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    /// Never fail because of findings (input and configuration errors still exit 2).
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            Self::Critical => Some(Severity::Critical),
            Self::High => Some(Severity::High),
            Self::Medium => Some(Severity::Medium),
            Self::Low => Some(Severity::Low),
            Self::Info => Some(Severity::Info),
            Self::Never => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct ConfigOption {
    /// Use this configuration file instead of the rampart.toml found upward from the first path.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan; `-` reads a manifest stream from standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub config: ConfigOption,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Pretty)]
    pub format: OutputFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Low)]
    pub fail_on: FailOn,

    /// Run only these rules: ids (PSS-001), names (privileged-container), families (PSS) or ALL.
    /// Comma-separated; replaces `select` from the configuration.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Do not run these rules (ids, names or families); added to `ignore` from the configuration.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Skip paths matching GLOB (gitignore syntax); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Also scan files that .gitignore, .ignore and git's exclude file ignore.
    #[arg(long)]
    pub no_ignore: bool,

    /// Skip (and report) files larger than this (`16MiB`, `512KiB`, bytes).
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,

    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write every current finding to this baseline file (then report as if it applied).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,

    /// Exit with 2 when a file could not be read or parsed (by default such files are reported and skipped).
    #[arg(long)]
    pub strict: bool,

    /// When to colour the pretty output; NO_COLOR in the environment always disables colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// Terraform: a variables file to apply to every root module, as `terraform
    /// plan -var-file` does (after `terraform.tfvars` and `*.auto.tfvars`); repeatable.
    #[arg(long, value_name = "FILE")]
    pub var_file: Vec<PathBuf>,

    /// Terraform: set a root module variable, as `terraform plan -var` does; repeatable.
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_var)]
    pub var: Vec<(String, String)>,

    /// List the values that could not be evaluated (a variable nobody set, a
    /// function rampart does not evaluate, a value known only after apply) on
    /// standard error: rules that need them reported nothing.
    #[arg(long)]
    pub show_unknown: bool,

    /// Developer option (docs/benchmarks.md): stop after this stage, report
    /// nothing, and print each stage's time on standard error.
    #[arg(long, value_enum, value_name = "STAGE", hide = true)]
    pub stop_after: Option<Stage>,

    /// Developer option (docs/benchmarks.md): print each stage's time on
    /// standard error (and, in a build with the `count-allocations`
    /// feature, the memory the program holds).
    #[arg(long, hide = true)]
    pub timings: bool,
}

/// A stage of `rampart scan`, for `--stop-after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Stage {
    /// Walk the tree and read every file rampart recognises.
    Discover,
    /// Also parse every file (YAML, HCL, Dockerfile), nothing evaluated.
    Parse,
    /// Also build the model: evaluate Terraform and CloudFormation, index objects.
    Model,
    /// Also run every rule; no suppressions, baseline or report.
    Evaluate,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// One line per rule.
    Table,
    /// Every rule's metadata as JSON.
    Json,
    /// The rules reference (docs/rules.md).
    Markdown,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[arg(short, long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id (PSS-001) or name (privileged-container).
    #[arg(value_name = "RULE")]
    pub rule: String,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Where to look for rampart.toml (upward from here).
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    #[command(flatten)]
    pub config: ConfigOption,
}
