//! Terraform configurations evaluated end to end: values, origins, unknowns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use rampart_iac::{BlockKind, Node, Resource, Unknown, Value};
use rampart_source::{DiagnosticLevel, FileId, SourceFile};
use rampart_terraform::{
    ManifestEntry, ModuleSets, TerraformInput, TerraformOutput, TfFile, VarsFile, body_offset,
    dir_of, evaluate, join, parse_body, parse_json_vars,
};

/// What a test file is read as.
enum Parsed {
    Hcl(rampart_terraform::syntax::Body),
    Json(Vec<(String, Node)>),
}

struct Files {
    sources: Vec<SourceFile>,
    parsed: Vec<Parsed>,
}

impl Files {
    fn new(files: &[(&str, &str)]) -> Self {
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(path, text)| SourceFile::new((*path).into(), (*path).into(), (*text).into()))
            .collect();
        let parsed = files
            .iter()
            .enumerate()
            .map(|(i, (path, text))| {
                if path.ends_with(".json") {
                    let (values, diagnostics) =
                        parse_json_vars(FileId(u32::try_from(i).unwrap()), text, path);
                    assert!(diagnostics.is_empty(), "{diagnostics:?}");
                    Parsed::Json(values)
                } else {
                    Parsed::Hcl(parse_body(text, path).unwrap())
                }
            })
            .collect();
        Self { sources, parsed }
    }

    fn vars(&self) -> Vec<(bool, VarsFile<'_>)> {
        self.sources
            .iter()
            .zip(&self.parsed)
            .enumerate()
            .map(|(i, (source, parsed))| {
                let file = FileId(u32::try_from(i).unwrap());
                let vars = match parsed {
                    Parsed::Hcl(body) => VarsFile::Hcl(TfFile {
                        file,
                        source,
                        body,
                        offset: body_offset(&source.text),
                    }),
                    Parsed::Json(values) => VarsFile::Json {
                        file,
                        source,
                        values,
                    },
                };
                (source.display_path.ends_with(".tf"), vars)
            })
            .collect()
    }
}

fn run(files: &[(&str, &str)], vars: &[(&str, &str)]) -> TerraformOutput {
    run_with(files, vars, BTreeMap::new())
}

fn run_with(
    files: &[(&str, &str)],
    vars: &[(&str, &str)],
    manifests: BTreeMap<String, Vec<ManifestEntry>>,
) -> TerraformOutput {
    run_full(files, &[], vars, manifests)
}

/// `var_files` name the files given with `--var-file`; other variables
/// files are loaded as Terraform loads them.
fn run_full(
    files: &[(&str, &str)],
    var_files: &[&str],
    vars: &[(&str, &str)],
    manifests: BTreeMap<String, Vec<ManifestEntry>>,
) -> TerraformOutput {
    let all = Files::new(files);
    let mut tf = Vec::new();
    let mut auto_tfvars = Vec::new();
    let mut given = Vec::new();
    for (is_tf, file) in all.vars() {
        match file {
            VarsFile::Hcl(file) if is_tf => tf.push(file),
            _ if var_files.contains(&file.source().display_path.as_str()) => given.push(file),
            _ => auto_tfvars.push(file),
        }
    }
    given.sort_by_key(|f| {
        var_files
            .iter()
            .position(|v| *v == f.source().display_path)
            .unwrap()
    });
    let input = TerraformInput {
        files: tf,
        auto_tfvars,
        var_files: given,
        vars: vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        manifests,
        spare_capacity: 0,
    };
    evaluate(&input)
}

fn resource<'o>(output: &'o TerraformOutput, address: &str) -> &'o Resource {
    output
        .resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| {
            panic!(
                "no {address} in {:?}",
                output
                    .resources
                    .iter()
                    .map(|r| &r.address)
                    .collect::<Vec<_>>()
            )
        })
}

#[test]
fn a_value_from_a_tfvars_file_points_at_the_tfvars_line() {
    let output = run(
        &[
            (
                "infra/variables.tf",
                "variable \"ssh_cidr\" {\n  type    = string\n  default = \"10.0.0.0/8\"\n}\n",
            ),
            (
                "infra/main.tf",
                "resource \"aws_security_group_rule\" \"ssh\" {\n  type        = \"ingress\"\n  from_port   = 22\n  to_port     = 22\n  protocol    = \"tcp\"\n  cidr_blocks = [var.ssh_cidr]\n}\n",
            ),
            (
                "infra/terraform.tfvars",
                "# opened for the vendor\nssh_cidr = \"0.0.0.0/0\"\n",
            ),
        ],
        &[],
    );
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    let rule = resource(&output, "aws_security_group_rule.ssh");
    let cidr = &rule.get("cidr_blocks").unwrap().items()[0];
    assert_eq!(cidr.as_str(), Some("0.0.0.0/0"));
    let origin = cidr.origin.unwrap();
    assert_eq!(origin.file, FileId(2));
    assert_eq!(origin.span.start.line, 2);
    assert_eq!(rule.get("from_port").unwrap().as_i64(), Some(22));
}

#[test]
fn cli_vars_win_and_defaults_point_at_the_default() {
    let files = [
        (
            "variables.tf",
            "variable \"port\" {\n  default = 8080\n}\nvariable \"env\" {}\n",
        ),
        (
            "main.tf",
            "resource \"aws_lb_listener\" \"l\" {\n  port = var.port\n  tags = { env = var.env }\n}\n",
        ),
    ];
    let output = run(&files, &[]);
    let listener = resource(&output, "aws_lb_listener.l");
    let port = listener.get("port").unwrap();
    assert_eq!(port.as_i64(), Some(8080));
    assert_eq!(port.origin.unwrap().span.start.line, 2);
    let env = listener.path(&["tags", "env"]).unwrap();
    assert_eq!(
        env.unknown_value(),
        Some(&Unknown::UnsetVariable {
            name: "var.env".into()
        })
    );
    assert!(
        output
            .unknowns
            .iter()
            .any(|u| u.address == "aws_lb_listener.l.tags.env")
    );

    let output = run(&files, &[("port", "443"), ("env", "prod")]);
    let listener = resource(&output, "aws_lb_listener.l");
    assert_eq!(listener.get("port").unwrap().as_i64(), Some(443));
    assert_eq!(
        listener.path(&["tags", "env"]).unwrap().as_str(),
        Some("prod")
    );
}

#[test]
fn a_reference_reads_the_first_declaration_of_its_kind() {
    let output = run(
        &[
            (
                "main.tf",
                r#"
resource "aws_s3_bucket" "b" { bucket = "first" }
data "aws_s3_bucket" "b" { bucket = "read" }
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.bucket
  policy = data.aws_s3_bucket.b.bucket
}
"#,
            ),
            (
                "more.tf",
                r#"resource "aws_s3_bucket" "b" { bucket = "second" }"#,
            ),
        ],
        &[],
    );
    let policy = resource(&output, "aws_s3_bucket_policy.p");
    assert_eq!(policy.get("bucket").unwrap().as_str(), Some("first"));
    // Declared, so a reference (a data source is read while planning), not
    // an error.
    assert!(
        matches!(policy.get("policy").unwrap().unknown_value(), Some(Unknown::Reference { address, .. }) if address == "data.aws_s3_bucket.b")
    );
    // The data source first: it is not the resource of the same name.
    let data_first = run(
        &[(
            "main.tf",
            r#"
data "aws_s3_bucket" "b" { bucket = "read" }
resource "aws_s3_bucket" "b" { bucket = "first" }
resource "aws_s3_bucket_policy" "p" { bucket = aws_s3_bucket.b.bucket }
"#,
        )],
        &[],
    );
    let policy = resource(&data_first, "aws_s3_bucket_policy.p");
    assert_eq!(policy.get("bucket").unwrap().as_str(), Some("first"));
    let undeclared = run(
        &[(
            "main.tf",
            r#"resource "aws_s3_bucket_policy" "p" { bucket = aws_s3_bucket.c.bucket }"#,
        )],
        &[],
    );
    let policy = resource(&undeclared, "aws_s3_bucket_policy.p");
    assert!(!matches!(
        policy.get("bucket").unwrap().unknown_value(),
        Some(Unknown::Reference { .. })
    ));
}

#[test]
fn locals_functions_and_conditionals() {
    let output = run(
        &[(
            "main.tf",
            r#"
variable "env" { default = "prod" }
locals {
  is_prod   = var.env == "prod"
  base_tags = { team = "agents" }
  tags      = merge(local.base_tags, { env = var.env })
  cidrs     = [for i in range(2) : cidrsubnet("10.0.0.0/16", 8, i + 1)]
  name      = format("%s-%s", "agents", upper(var.env))
}
resource "aws_cloudwatch_log_group" "flow" {
  name              = "${local.name}-flow"
  retention_in_days = local.is_prod ? 365 : 30
  tags              = local.tags
}
resource "aws_subnet" "private" {
  count      = length(local.cidrs)
  cidr_block = local.cidrs[count.index]
  tags       = { Name = "private-${count.index}" }
}
"#,
        )],
        &[],
    );
    let group = resource(&output, "aws_cloudwatch_log_group.flow");
    assert_eq!(
        group.get("name").unwrap().as_str(),
        Some("agents-PROD-flow")
    );
    assert_eq!(group.get("retention_in_days").unwrap().as_i64(), Some(365));
    assert_eq!(
        group.path(&["tags", "team"]).unwrap().as_str(),
        Some("agents")
    );
    let second = resource(&output, "aws_subnet.private[1]");
    assert_eq!(
        second.get("cidr_block").unwrap().as_str(),
        Some("10.0.2.0/24")
    );
    assert_eq!(
        second.path(&["tags", "Name"]).unwrap().as_str(),
        Some("private-1")
    );
}

#[test]
fn for_each_and_dynamic_blocks_expand() {
    let output = run(
        &[(
            "main.tf",
            r#"
variable "ports" { default = [80, 443] }
variable "agents" {
  default = {
    fraud = { tier = "critical" }
    faq   = { tier = "standard" }
  }
}
resource "aws_security_group" "lb" {
  name = "lb"
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
  egress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
  }
}
resource "aws_ecr_repository" "agent" {
  for_each = var.agents
  name     = each.key
  tags     = { classification = each.value.tier }
}
"#,
        )],
        &[],
    );
    let group = resource(&output, "aws_security_group.lb");
    let ingress: Vec<i64> = group
        .get("ingress")
        .unwrap()
        .items()
        .iter()
        .map(|b| b.get("from_port").unwrap().as_i64().unwrap())
        .collect();
    assert_eq!(ingress, [80, 443]);
    assert_eq!(group.get("egress").unwrap().items().len(), 1);
    let fraud = resource(&output, "aws_ecr_repository.agent[\"fraud\"]");
    assert_eq!(
        fraud.path(&["tags", "classification"]).unwrap().as_str(),
        Some("critical")
    );
}

/// Maps are built before they are boxed (`MapBuilder`): repeated blocks
/// gather in order, each name where its first block is, blocks after a
/// written list of the same name join it, and a grouping `for` gathers each
/// key's values.
#[test]
fn repeated_blocks_and_grouped_for_gather_in_order() {
    let output = run(
        &[(
            "main.tf",
            r#"
locals {
  agents = [
    { name = "fraud", tier = "critical" },
    { name = "faq", tier = "standard" },
    { name = "kyc", tier = "critical" },
  ]
  by_tier = { for a in local.agents : a.tier => a.name... }
}
resource "aws_security_group" "lb" {
  description = "first"
  ingress { from_port = 80 }
  egress { from_port = 0 }
  ingress { from_port = 443 }
  dynamic "ingress" {
    for_each = [8080]
    content { from_port = ingress.value }
  }
  tags = { by_tier = local.by_tier }
}
resource "aws_security_group" "written" {
  ingress = [{ from_port = 22 }]
  ingress { from_port = 2222 }
}
resource "aws_security_group" "replaced" {
  ingress { from_port = 80 }
  ingress = [{ from_port = 443 }]
}
resource "aws_security_group" "not_a_list" {
  description = "x"
  description { from_port = 1 }
  description { from_port = 2 }
}
"#,
        )],
        &[],
    );
    let ports = |group: &Resource| -> Vec<i64> {
        (group.get("ingress").unwrap().items().iter())
            .map(|b| b.get("from_port").unwrap().as_i64().unwrap())
            .collect()
    };
    let lb = resource(&output, "aws_security_group.lb");
    assert_eq!(ports(lb), [80, 443, 8080]);
    assert_eq!(lb.get("egress").unwrap().items().len(), 1);
    let keys: Vec<&str> = lb
        .attributes
        .entries()
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(keys, ["description", "ingress", "egress", "tags"]);
    let by_tier = lb.path(&["tags", "by_tier"]).unwrap();
    assert_eq!(by_tier.get("critical").unwrap().strings(), ["fraud", "kyc"]);
    assert_eq!(by_tier.get("standard").unwrap().strings(), ["faq"]);
    let written = resource(&output, "aws_security_group.written");
    assert_eq!(ports(written), [22, 2222]);
    // Where each list was written: nowhere for blocks gathered, the `for`
    // for a group, the written list for blocks that joined it.
    let line = |node: &Node| node.origin.map(|o| o.span.start.line);
    assert_eq!(line(lb.get("ingress").unwrap()), None);
    assert_eq!(line(by_tier.get("critical").unwrap()), Some(8));
    assert_eq!(line(written.get("ingress").unwrap()), Some(22));
    // An attribute written after blocks of its name replaces them.
    assert_eq!(
        ports(resource(&output, "aws_security_group.replaced")),
        [443]
    );
    // Blocks do not join a value that is not a list: each starts its own
    // entry, as before lists were boxed.
    let odd = resource(&output, "aws_security_group.not_a_list");
    let kinds: Vec<usize> = (odd.attributes.entries().iter())
        .map(|(_, node)| node.items().len())
        .collect();
    assert_eq!(kinds, [0, 1, 1]);
}

#[test]
fn local_modules_take_inputs_and_give_outputs() {
    let output = run(
        &[
            (
                "infra/main.tf",
                r#"
module "network" {
  source     = "./modules/network"
  vpc_cidr   = "10.0.0.0/16"
  public_ips = true
}
resource "aws_eks_node_group" "critical" {
  subnet_ids = module.network.private_subnet_ids
  node_group_name = module.network.name
}
"#,
            ),
            (
                "infra/modules/network/main.tf",
                r#"
variable "vpc_cidr" {}
variable "public_ips" { default = false }
variable "name" { default = "agents" }
resource "aws_vpc" "this" {
  cidr_block = var.vpc_cidr
}
resource "aws_subnet" "private" {
  count                   = 2
  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(aws_vpc.this.cidr_block, 8, count.index)
  map_public_ip_on_launch = var.public_ips
}
output "private_subnet_ids" { value = aws_subnet.private[*].id }
output "name" { value = var.name }
"#,
            ),
        ],
        &[],
    );
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    // The module is not a root of its own: its resources appear once, under the call.
    assert!(!output.resources.iter().any(|r| r.address == "aws_vpc.this"));
    let subnet = resource(&output, "module.network.aws_subnet.private[1]");
    assert_eq!(
        subnet.get("cidr_block").unwrap().as_str(),
        Some("10.0.1.0/24")
    );
    let public = subnet.get("map_public_ip_on_launch").unwrap();
    assert_eq!(public.as_bool(), Some(true));
    // The value was written in the caller's module block.
    assert_eq!(public.origin.unwrap().file, FileId(0));
    assert_eq!(public.origin.unwrap().span.start.line, 5);
    assert_eq!(
        subnet.get("vpc_id").unwrap().unknown_value(),
        Some(&Unknown::Reference {
            address: "module.network.aws_vpc.this".into(),
            attribute: "id".into()
        })
    );
    let nodes = resource(&output, "aws_eks_node_group.critical");
    let ids = nodes.get("subnet_ids").unwrap().items();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        ids[1].unknown_value(),
        Some(&Unknown::Reference {
            address: "module.network.aws_subnet.private[1]".into(),
            attribute: "id".into()
        })
    );
    assert_eq!(
        nodes.get("node_group_name").unwrap().as_str(),
        Some("agents")
    );
}

#[test]
fn downloaded_modules_are_found_through_the_manifest() {
    let mut manifests = BTreeMap::new();
    manifests.insert(
        "infra".to_owned(),
        vec![ManifestEntry {
            key: "vpc".into(),
            dir: "infra/.terraform/modules/vpc".into(),
        }],
    );
    let output = run_with(
        &[
            (
                "infra/main.tf",
                "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n  enable_flow_log = false\n}\n",
            ),
            (
                "infra/.terraform/modules/vpc/main.tf",
                "variable \"enable_flow_log\" { default = true }\nresource \"aws_vpc\" \"this\" {\n  tags = { flow = var.enable_flow_log }\n}\n",
            ),
        ],
        &[],
        manifests,
    );
    let vpc = resource(&output, "module.vpc.aws_vpc.this");
    assert_eq!(vpc.path(&["tags", "flow"]).unwrap().as_bool(), Some(false));

    // Without the manifest the module is reported as not scanned.
    let output = run(
        &[(
            "main.tf",
            "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n",
        )],
        &[],
    );
    assert_eq!(output.diagnostics[0].code, "terraform-module-not-found");
}

#[test]
fn unknowns_are_explicit_and_listed() {
    let output = run(
        &[(
            "main.tf",
            r#"
data "aws_ami" "eks" { most_recent = true }
resource "aws_launch_template" "nodes" {
  image_id  = data.aws_ami.eks.id
  user_data = file("bootstrap.sh")
  metadata_options {
    http_tokens = var.enforce ? "required" : "optional"
  }
}
variable "enforce" {}
"#,
        )],
        &[],
    );
    let template = resource(&output, "aws_launch_template.nodes");
    assert!(
        matches!(template.get("image_id").unwrap().unknown_value(), Some(Unknown::Reference { address, .. }) if address == "data.aws_ami.eks")
    );
    assert!(template.get("user_data").unwrap().is_unknown());
    let tokens = &template.get("metadata_options").unwrap().items()[0]
        .get("http_tokens")
        .unwrap();
    assert!(tokens.is_unknown());
    let listed: Vec<&str> = output.unknowns.iter().map(|u| u.address.as_str()).collect();
    assert!(
        listed.contains(&"aws_launch_template.nodes.user_data"),
        "{listed:?}"
    );
    assert!(
        listed.contains(&"aws_launch_template.nodes.metadata_options[0].http_tokens"),
        "{listed:?}"
    );
    // References to other resources are how resources link, not unknowns to list.
    assert!(!listed.contains(&"aws_launch_template.nodes.image_id"));
    assert!(output.resources.iter().any(|r| r.kind == BlockKind::Data));
}

#[test]
fn cycles_and_errors_become_unknowns_not_crashes() {
    let output = run(
        &[(
            "main.tf",
            r#"
locals {
  a = local.b
  b = local.a
}
resource "aws_s3_bucket" "b" {
  bucket = local.a
  tags   = { x = lookup({}, "missing") }
  count_of = length(try(var.nope, []))
}
"#,
        )],
        &[],
    );
    let bucket = resource(&output, "aws_s3_bucket.b");
    assert!(bucket.get("bucket").unwrap().is_unknown());
    assert!(
        bucket.path(&["tags"]).unwrap().is_unknown()
            || bucket.path(&["tags", "x"]).unwrap().is_unknown()
    );
    assert_eq!(bucket.get("count_of").unwrap().as_i64(), Some(0));
}

#[test]
fn count_zero_removes_the_resource_and_unknown_count_keeps_one() {
    let output = run(
        &[(
            "main.tf",
            "variable \"enabled\" { default = false }\nvariable \"n\" {}\nresource \"aws_guardduty_detector\" \"d\" {\n  count = var.enabled ? 1 : 0\n}\nresource \"aws_instance\" \"i\" {\n  count = var.n\n  instance_type = \"t3.micro\"\n}\n",
        )],
        &[],
    );
    assert!(
        !output
            .resources
            .iter()
            .any(|r| r.resource_type == "aws_guardduty_detector")
    );
    let instance = resource(&output, "aws_instance.i");
    assert_eq!(
        instance.get("instance_type").unwrap().as_str(),
        Some("t3.micro")
    );
    assert!(
        output
            .unknowns
            .iter()
            .any(|u| u.address == "aws_instance.i.count")
    );
}

#[test]
fn providers_and_variables_are_resources_too() {
    let output = run(
        &[(
            "main.tf",
            "provider \"aws\" {\n  region = \"us-east-1\"\n  default_tags {\n    tags = { classification = \"high\" }\n  }\n}\nvariable \"db_password\" {\n  sensitive = true\n  default   = \"hunter2hunter2\"\n}\n",
        )],
        &[],
    );
    let provider = resource(&output, "provider.aws");
    assert_eq!(provider.kind, BlockKind::Provider);
    assert_eq!(
        provider.path(&["default_tags"]).unwrap().items()[0]
            .path(&["tags", "classification"])
            .unwrap()
            .as_str(),
        Some("high")
    );
    let variable = resource(&output, "var.db_password");
    assert_eq!(variable.get("sensitive").unwrap().as_bool(), Some(true));
    assert_eq!(
        variable.get("default").unwrap().as_str(),
        Some("hunter2hunter2")
    );
    // The declaration, not the value given: that is where it is used.
    assert!(variable.get("value").is_none());
}

#[test]
fn every_resource_names_its_root_module() {
    let output = run(
        &[
            ("a/main.tf", "resource \"aws_s3_bucket\" \"x\" {}\n"),
            (
                "b/main.tf",
                "resource \"aws_s3_bucket\" \"y\" {}\nresource \"aws_s3_bucket\" \"z\" {}\n",
            ),
        ],
        &[],
    );
    assert_eq!(output.resources.len(), 3);
    let roots: Vec<&str> = output.roots.iter().map(|root| &**root).collect();
    assert_eq!(roots, ["a", "b", "b"]);
}

#[test]
fn iterating_a_resource_with_instances_refers_to_each_instance() {
    let main = r#"
locals {
  tiers = { critical = "10.0.1.0/24", high = "10.0.11.0/24" }
}

resource "aws_subnet" "agents" {
  for_each   = local.tiers
  cidr_block = each.value
}

resource "aws_eip" "nat" {
  count = 2
}

resource "aws_nat_gateway" "this" {
  for_each  = aws_subnet.agents
  subnet_id = each.value.id
}

resource "aws_eks_node_group" "critical" {
  subnet_ids = [for key, subnet in aws_subnet.agents : subnet.id if key == "critical"]
  eips       = [for eip in aws_eip.nat : eip.public_ip]
}
"#;
    let output = run(&[("main.tf", main)], &[]);
    let gateway = resource(&output, "aws_nat_gateway.this[\"high\"]");
    assert_eq!(
        gateway.get("subnet_id").unwrap().value,
        Value::Unknown(Box::new(Unknown::Reference {
            address: "aws_subnet.agents[\"high\"]".into(),
            attribute: "id".into()
        }))
    );
    let group = resource(&output, "aws_eks_node_group.critical");
    let subnets: Vec<&Value> = group
        .get("subnet_ids")
        .unwrap()
        .items()
        .iter()
        .map(|n| &n.value)
        .collect();
    assert_eq!(
        subnets,
        vec![&Value::Unknown(Box::new(Unknown::Reference {
            address: "aws_subnet.agents[\"critical\"]".into(),
            attribute: "id".into()
        }))]
    );
    let eips: Vec<&Value> = group
        .get("eips")
        .unwrap()
        .items()
        .iter()
        .map(|n| &n.value)
        .collect();
    assert_eq!(
        eips,
        vec![
            &Value::Unknown(Box::new(Unknown::Reference {
                address: "aws_eip.nat[0]".into(),
                attribute: "public_ip".into()
            })),
            &Value::Unknown(Box::new(Unknown::Reference {
                address: "aws_eip.nat[1]".into(),
                attribute: "public_ip".into()
            })),
        ]
    );
}

fn reference(address: &str, attribute: &str) -> Value {
    Value::Unknown(Box::new(Unknown::Reference {
        address: address.into(),
        attribute: attribute.into(),
    }))
}

fn reason(node: &Node) -> String {
    match node.unknown_value() {
        Some(Unknown::Unevaluated { reason }) => reason.clone(),
        other => panic!("not an unevaluated value: {other:?} ({node:?})"),
    }
}

#[test]
fn indexing_a_missing_instance_is_an_error_that_try_catches() {
    // The terraform-aws-modules/vpc idiom: the association has no instance
    // when there is no secondary block, so `try` falls back to the VPC.
    let main = r#"
variable "secondary_cidr_blocks" {
  type    = list(string)
  default = []
}
resource "aws_vpc" "this" {
  count      = 1
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc_ipv4_cidr_block_association" "this" {
  count      = length(var.secondary_cidr_blocks)
  vpc_id     = aws_vpc.this[0].id
  cidr_block = element(var.secondary_cidr_blocks, count.index)
}
resource "aws_subnet" "named" {
  for_each   = { a = "10.0.1.0/24" }
  cidr_block = each.value
}
resource "aws_eip" "single" {}
module "none" {
  source = "./none"
  count  = 0
}
locals {
  vpc_id = try(aws_vpc_ipv4_cidr_block_association.this[0].vpc_id, aws_vpc.this[0].id, "")
}
resource "aws_flow_log" "this" {
  vpc_id    = local.vpc_id
  subnet    = try(aws_subnet.named["b"].id, "none")
  subnet_a  = try(aws_subnet.named["a"].id, "none")
  eip       = try(aws_eip.single[0].id, "no index")
  module    = try(module.none[0].id, "no module")
  missing   = aws_subnet.named["b"].id
}
"#;
    let output = run(
        &[
            ("main.tf", main),
            ("none/main.tf", "output \"id\" { value = \"x\" }\n"),
        ],
        &[],
    );
    let log = resource(&output, "aws_flow_log.this");
    assert_eq!(
        log.get("vpc_id").unwrap().value,
        reference("aws_vpc.this[0]", "id")
    );
    assert_eq!(log.get("subnet").unwrap().as_str(), Some("none"));
    assert_eq!(
        log.get("subnet_a").unwrap().value,
        reference("aws_subnet.named[\"a\"]", "id")
    );
    assert_eq!(log.get("eip").unwrap().as_str(), Some("no index"));
    assert_eq!(log.get("module").unwrap().as_str(), Some("no module"));
    assert_eq!(
        reason(log.get("missing").unwrap()),
        "`aws_subnet.named` has no instance [\"b\"]"
    );
}

#[test]
fn a_null_for_a_non_nullable_variable_takes_the_default() {
    let module = r#"
variable "name" { type = string }
variable "ssh_cidrs" {
  type     = list(string)
  default  = ["0.0.0.0/0"]
  nullable = false
}
variable "nullable_cidrs" {
  type    = list(string)
  default = ["0.0.0.0/0"]
}
resource "aws_security_group" "this" {
  name     = var.name
  cidrs    = var.ssh_cidrs
  nullable = var.nullable_cidrs
}
"#;
    let main = r#"
module "sg" {
  source         = "./modules/sg"
  name           = "a"
  ssh_cidrs      = null
  nullable_cidrs = null
}
variable "root_cidrs" {
  default  = ["10.0.0.0/8"]
  nullable = false
}
resource "aws_security_group" "root" {
  cidrs = var.root_cidrs
}
"#;
    let output = run(
        &[
            ("main.tf", main),
            ("modules/sg/main.tf", module),
            ("terraform.tfvars", "root_cidrs = null\n"),
        ],
        &[],
    );
    let group = resource(&output, "module.sg.aws_security_group.this");
    let cidrs = group.get("cidrs").unwrap();
    assert_eq!(cidrs.strings(), ["0.0.0.0/0"]);
    // The default, where it is written.
    assert_eq!(cidrs.origin.unwrap().file, FileId(1));
    assert_eq!(cidrs.origin.unwrap().span.start.line, 5);
    assert!(group.get("nullable").unwrap().is_null());
    let root = resource(&output, "aws_security_group.root");
    assert_eq!(root.get("cidrs").unwrap().strings(), ["10.0.0.0/8"]);
    // `--var` too.
    let output = run(
        &[("main.tf", main), ("modules/sg/main.tf", module)],
        &[("root_cidrs", "null")],
    );
    let root = resource(&output, "aws_security_group.root");
    assert_eq!(root.get("cidrs").unwrap().strings(), ["10.0.0.0/8"]);
}

#[test]
fn command_line_values_point_where_they_are_used_at_every_depth() {
    // A `--var` value is not written in any file: neither it nor anything in
    // it may point into the file that declares the variable.
    let files = [
        (
            "variables.tf",
            "\n\n\nvariable \"db\" {\n  type = object({ public = bool, ports = list(number) })\n}\n",
        ),
        (
            "main.tf",
            "resource \"aws_db_instance\" \"d\" {\n  publicly_accessible = var.db.public\n  settings            = var.db\n}\n",
        ),
    ];
    let output = run(&files, &[("db", "{ public = true, ports = [5432] }")]);
    let db = resource(&output, "aws_db_instance.d");
    let public = db.get("publicly_accessible").unwrap();
    assert_eq!(public.as_bool(), Some(true));
    let origin = public.origin.unwrap();
    assert_eq!((origin.file, origin.span.start.line), (FileId(1), 2));
    let settings = db.get("settings").unwrap();
    assert_eq!(settings.origin.unwrap().span.start.line, 3);
    for nested in [
        settings.get("public").unwrap(),
        &settings.get("ports").unwrap().items()[0],
    ] {
        assert_eq!(nested.origin, None, "{nested:?}");
    }
}

#[test]
fn optional_object_attributes_take_their_defaults() {
    let module = r#"
variable "config" {
  type = object({
    name                = string
    encrypted           = optional(bool, true)
    publicly_accessible = optional(bool, false)
    retention           = optional(number)
    log_exports         = optional(list(string), ["postgresql"])
    backup              = optional(object({
      window = optional(string, "03:00-04:00")
      copies = optional(number, 1)
    }), {})
  })
}
resource "aws_db_instance" "this" {
  identifier          = var.config.name
  storage_encrypted   = var.config.encrypted
  publicly_accessible = var.config.publicly_accessible
  retention           = var.config.retention
  logs                = var.config.log_exports
  window              = var.config.backup.window
  copies              = var.config.backup.copies
}
"#;
    let main = r#"
module "db" {
  source = "./modules/db"
  config = { name = "orders", publicly_accessible = true, backup = { copies = 2 } }
}
variable "dbs" {
  type = map(object({
    encrypted   = optional(bool, true)
    log_exports = optional(list(string), ["postgresql"])
  }))
  default = {
    a = {}
    b = { encrypted = false }
  }
}
variable "rules" {
  type = list(object({ port = number, cidrs = optional(list(string), ["10.0.0.0/8"]) }))
}
variable "loose" {
  type    = map(mystery_type)
  default = { a = {} }
}
resource "aws_db_instance" "direct" {
  for_each          = var.dbs
  storage_encrypted = each.value.encrypted
  logs              = each.value.log_exports
}
resource "aws_security_group" "rules" {
  cidrs = [for r in var.rules : r.cidrs]
  loose = var.loose
}
"#;
    let output = run(
        &[
            ("main.tf", main),
            ("modules/db/main.tf", module),
            (
                "terraform.tfvars",
                "rules = [{ port = 22 }, { port = 443, cidrs = [] }]\n",
            ),
        ],
        &[],
    );
    let db = resource(&output, "module.db.aws_db_instance.this");
    let encrypted = db.get("storage_encrypted").unwrap();
    assert_eq!(encrypted.as_bool(), Some(true));
    // Where the default is written in the type.
    assert_eq!(encrypted.origin.unwrap().file, FileId(1));
    assert_eq!(encrypted.origin.unwrap().span.start.line, 5);
    // Given values win; `optional(T)` without a default is null.
    assert_eq!(db.get("publicly_accessible").unwrap().as_bool(), Some(true));
    assert!(db.get("retention").unwrap().is_null());
    assert_eq!(db.get("logs").unwrap().strings(), ["postgresql"]);
    // Nested objects, given and defaulted.
    assert_eq!(db.get("window").unwrap().as_str(), Some("03:00-04:00"));
    assert_eq!(db.get("copies").unwrap().as_i64(), Some(2));

    let a = resource(&output, "aws_db_instance.direct[\"a\"]");
    assert_eq!(a.get("storage_encrypted").unwrap().as_bool(), Some(true));
    assert_eq!(a.get("logs").unwrap().strings(), ["postgresql"]);
    let b = resource(&output, "aws_db_instance.direct[\"b\"]");
    assert_eq!(b.get("storage_encrypted").unwrap().as_bool(), Some(false));

    let rules = resource(&output, "aws_security_group.rules");
    let cidrs = rules.get("cidrs").unwrap().items();
    assert_eq!(cidrs[0].strings(), ["10.0.0.0/8"]);
    assert!(cidrs[1].items().is_empty());
    // An unreadable type changes nothing.
    assert_eq!(
        rules.path(&["loose", "a"]).unwrap().value,
        Value::Map(Box::default())
    );
}

#[test]
fn json_tfvars_are_loaded_in_terraforms_order() {
    let main = r#"
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
resource "aws_s3_bucket" "x" {
  tags = { a = var.a, b = var.b, c = var.c, d = var.d, e = var.e }
}
"#;
    let output = run_full(
        &[
            ("main.tf", main),
            // Terraform's order: terraform.tfvars, terraform.tfvars.json, then
            // the auto files by name, whatever their format, then --var-file.
            (
                "terraform.tfvars",
                "a = \"tfvars\"\nb = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\ne = \"tfvars\"\n",
            ),
            (
                "terraform.tfvars.json",
                "{\"b\": \"json\", \"c\": \"json\", \"d\": \"json\", \"e\": \"json\"}",
            ),
            (
                "a.auto.tfvars.json",
                "{\"c\": \"a.auto.json\", \"d\": \"a.auto.json\"}",
            ),
            (
                "x.auto.tfvars",
                "c = \"x.auto\"\nd = \"x.auto\"\ne = \"x.auto\"\n",
            ),
            (
                "y.auto.tfvars.json",
                "{\"d\": \"y.auto.json\", \"e\": \"y.auto.json\"}",
            ),
            ("env/prod.tfvars.json", "{\n  \"e\": [\"given\"]\n}\n"),
        ],
        &["env/prod.tfvars.json"],
        &[],
        BTreeMap::new(),
    );
    let bucket = resource(&output, "aws_s3_bucket.x");
    let tag = |key: &str| bucket.path(&["tags", key]).unwrap();
    assert_eq!(tag("a").as_str(), Some("tfvars"));
    assert_eq!(tag("b").as_str(), Some("json"));
    assert_eq!(tag("c").as_str(), Some("x.auto"));
    assert_eq!(tag("d").as_str(), Some("y.auto.json"));
    let e = &tag("e").items()[0];
    assert_eq!(e.as_str(), Some("given"));
    // Where the JSON value is written.
    assert_eq!(e.origin.unwrap().file, FileId(6));
    assert_eq!(e.origin.unwrap().span.start.line, 2);
    assert_eq!(e.origin.unwrap().span.start.column, 9);
}

#[test]
fn module_cycles_are_reported_and_not_expanded() {
    let module = r#"
module "self" {
  source = "../a"
}
module "root" {
  source = "../.."
}
resource "aws_security_group" "x" {
  name = "x"
}
"#;
    let output = run(
        &[
            ("main.tf", "module \"a\" {\n  source = \"./modules/a\"\n}\n"),
            ("modules/a/main.tf", module),
            // A directory called only by one of its own modules is a root.
            (
                "other/main.tf",
                "module \"b\" {\n  source = \"./b\"\n}\nresource \"aws_s3_bucket\" \"o\" {}\n",
            ),
            (
                "other/b/main.tf",
                "module \"back\" {\n  source = \"../\"\n}\n",
            ),
        ],
        &[],
    );
    let groups: Vec<&str> = output
        .resources
        .iter()
        .filter(|r| r.resource_type == "aws_security_group")
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(groups, ["module.a.aws_security_group.x"]);
    let buckets: Vec<(&str, &str)> = output
        .resources
        .iter()
        .zip(&output.roots)
        .filter(|(r, _)| r.resource_type == "aws_s3_bucket")
        .map(|(r, root)| (r.address.as_str(), &**root))
        .collect();
    assert_eq!(buckets, [("aws_s3_bucket.o", "other")]);
    let cycles: Vec<_> = output
        .diagnostics
        .iter()
        .filter(|d| d.code == "terraform-module-cycle")
        .collect();
    assert_eq!(cycles.len(), 3, "{cycles:?}");
    assert!(cycles.iter().all(|d| d.level == DiagnosticLevel::Warning));
    let own = cycles
        .iter()
        .find(|d| d.file == "modules/a/main.tf" && d.line == Some(2))
        .unwrap();
    assert!(
        own.message.contains("`modules/a` \u{2192} `modules/a`"),
        "{}",
        own.message
    );
    let root = cycles
        .iter()
        .find(|d| d.file == "modules/a/main.tf" && d.line == Some(5))
        .unwrap();
    assert!(
        root.message
            .contains("`.` \u{2192} `modules/a` \u{2192} `.`"),
        "{}",
        root.message
    );
}

#[test]
fn the_evaluation_budget_bounds_runaway_expressions() {
    let main = r#"
locals {
  nums  = [for i in range(5000) : [for j in range(5000) : i * j]]
  after = [for i in range(10) : i]
}
resource "aws_security_group" "z" {
  tags = { n = length(local.nums) }
}
resource "aws_security_group" "later" {
  tags = { n = length(local.after) }
}
"#;
    let started = std::time::Instant::now();
    let output = run(&[("main.tf", main)], &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let z = resource(&output, "aws_security_group.z");
    assert!(
        reason(z.path(&["tags", "n"]).unwrap()).starts_with("evaluation budget exceeded ("),
        "{:?}",
        z.get("tags")
    );
    let notes: Vec<_> = output
        .diagnostics
        .iter()
        .filter(|d| d.code == "terraform-budget")
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].level, DiagnosticLevel::Warning);
    assert_eq!(notes[0].line, Some(3));

    // A large realistic root stays far below the budget.
    let mut large = String::from(
        "locals {\n  subnets = { for i in range(20) : \"s${i}\" => { cidr = cidrsubnet(\"10.0.0.0/8\", 16, i), az = element([\"a\", \"b\", \"c\"], i % 3) } }\n  tags = merge({ team = \"x\" }, { for k in range(20) : \"t${k}\" => \"v\" })\n}\n",
    );
    for n in 0..100 {
        large.push_str(&format!(
            "resource \"aws_subnet\" \"s{n}\" {{\n  for_each = local.subnets\n  cidr_block = each.value.cidr\n  tags = merge(local.tags, {{ Name = \"s{n}-${{each.key}}\" }}, {{ for k, v in local.tags : upper(k) => v }})\n  ids = [for s in aws_subnet.s0 : s.id]\n}}\n"
        ));
    }
    let output = run(&[("main.tf", &large)], &[]);
    assert!(
        !output
            .diagnostics
            .iter()
            .any(|d| d.code == "terraform-budget"),
        "{:?}",
        output.diagnostics
    );
    assert_eq!(output.resources.len(), 100 * 20);
}

#[test]
fn expansion_and_unknown_messages_say_what_is_wrong() {
    let main = r#"
resource "aws_security_group" "many" {
  count = 100000
  name  = "many-${count.index}"
}
resource "aws_security_group" "neg" {
  count = -1
}
ephemeral "aws_secretsmanager_secret_version" "db" {
  secret_id = "db"
}
resource "aws_db_instance" "db" {
  publicly_accessible = terraform.workspace == "default" ? true : false
  password_wo         = ephemeral.aws_secretsmanager_secret_version.db.secret_string
}
"#;
    let output = run(&[("main.tf", main)], &[]);
    let unknown = |address: &str| {
        output
            .unknowns
            .iter()
            .find(|u| u.address == address)
            .unwrap_or_else(|| panic!("no unknown {address}: {:?}", output.unknowns))
            .unknown
            .to_string()
    };
    let many = unknown("aws_security_group.many.count");
    assert!(
        many.contains("is above the 10000 instances rampart expands"),
        "{many}"
    );
    let neg = unknown("aws_security_group.neg.count");
    assert!(
        neg.contains("`count` must be a whole number \u{2265} 0 (it is -1)"),
        "{neg}"
    );
    let note = |needle: &str| {
        output
            .diagnostics
            .iter()
            .find(|d| d.code == "terraform-expansion" && d.message.contains(needle))
            .unwrap_or_else(|| panic!("no diagnostic about {needle}: {:?}", output.diagnostics))
    };
    assert_eq!(note("many").level, DiagnosticLevel::Warning);
    assert_eq!(note("many").line, Some(2));
    assert_eq!(note("neg").level, DiagnosticLevel::Error);
    let db = resource(&output, "aws_db_instance.db");
    assert_eq!(
        reason(db.get("publicly_accessible").unwrap()),
        "the condition depends on `terraform.workspace` (chosen when Terraform runs)"
    );
    assert_eq!(
        reason(db.get("password_wo").unwrap()),
        "ephemeral values are never stored or known to rampart"
    );
}

#[test]
fn resources_name_the_provider_configuration_they_use() {
    let main = r#"
provider "aws" {
  region = "eu-west-1"
}
provider "aws" {
  alias  = "critical"
  region = "eu-west-1"
}
resource "aws_s3_bucket" "ledger" {
  provider = aws.critical
}
resource "aws_s3_bucket" "scratch" {}
module "passed" {
  source    = "./mod"
  providers = { aws = aws.critical }
}
module "inherited" {
  source = "./mod"
}
module "own" {
  source = "./own"
}
"#;
    let output = run(
        &[
            ("main.tf", main),
            ("mod/main.tf", "resource \"aws_s3_bucket\" \"m\" {}\n"),
            (
                "own/main.tf",
                "provider \"aws\" {\n  region = \"us-east-1\"\n}\nresource \"aws_s3_bucket\" \"o\" {}\n",
            ),
        ],
        &[],
    );
    let provider = |address: &str| {
        let index = output
            .resources
            .iter()
            .position(|r| r.address == address)
            .unwrap();
        output.providers[index].as_str()
    };
    assert_eq!(provider("aws_s3_bucket.ledger"), "provider.aws.critical");
    assert_eq!(provider("aws_s3_bucket.scratch"), "provider.aws");
    assert_eq!(
        provider("module.passed.aws_s3_bucket.m"),
        "provider.aws.critical"
    );
    assert_eq!(provider("module.inherited.aws_s3_bucket.m"), "provider.aws");
    assert_eq!(
        provider("module.own.aws_s3_bucket.o"),
        "module.own.provider.aws"
    );
    assert_eq!(provider("provider.aws.critical"), "");
}

/// Each set of modules evaluated alone and the outputs joined give what the
/// whole configuration gives: the model evaluates a set at a time.
#[test]
fn module_sets_evaluate_as_the_whole_configuration() {
    let shared =
        "variable \"name\" {}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = var.name\n}\n";
    let caller = |name: &str| {
        "variable \"region\" { default = \"eu-west-1\" }\nmodule \"shared\" {\n  source = \"../shared\"\n  name = \"NAME-${var.region}\"\n}\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n"
            .replace("NAME", name)
    };
    let (east, west) = (caller("east"), caller("west"));
    let files = [
        // Two roots calling one module: one set.
        ("live/east/main.tf", east.as_str()),
        ("live/west/main.tf", west.as_str()),
        ("live/shared/main.tf", shared),
        ("live/east/terraform.tfvars", "region = \"us-east-1\"\n"),
        // A root with its own module, and a downloaded one: one set.
        (
            "svc/main.tf",
            "module \"own\" {\n  source = \"./modules/own\"\n}\nmodule \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n",
        ),
        (
            "svc/modules/own/main.tf",
            "resource \"aws_sqs_queue\" \"q\" {\n  name = var.queue\n}\nvariable \"queue\" {}\n",
        ),
        (
            "svc/.terraform/modules/vpc/main.tf",
            "resource \"aws_vpc\" \"this\" {}\n",
        ),
        // A cycle: `other` is called only by its own module, and is a root.
        (
            "other/main.tf",
            "module \"b\" {\n  source = \"./b\"\n}\nresource \"aws_s3_bucket\" \"o\" {}\n",
        ),
        (
            "other/b/main.tf",
            "module \"back\" {\n  source = \"../\"\n}\n",
        ),
        // A root alone, and the variables file given with `--var-file`.
        (
            "solo/main.tf",
            "variable \"queue\" {}\nresource \"aws_sqs_queue\" \"s\" {\n  name = var.queue\n}\n",
        ),
        ("given.tfvars", "queue = \"from-var-file\"\n"),
    ];
    let mut manifests = BTreeMap::new();
    manifests.insert(
        "svc".to_owned(),
        vec![ManifestEntry {
            key: "vpc".into(),
            dir: "svc/.terraform/modules/vpc".into(),
        }],
    );
    let all = Files::new(&files);
    let mut whole = TerraformInput {
        manifests: manifests.clone(),
        ..TerraformInput::default()
    };
    for (is_tf, file) in all.vars() {
        match file {
            VarsFile::Hcl(file) if is_tf => whole.files.push(file),
            _ if file.source().display_path == "given.tfvars" => whole.var_files.push(file),
            _ => whole.auto_tfvars.push(file),
        }
    }
    let sets = ModuleSets::of(&whole);
    let set = |dir: &str| sets.of_dir(dir).unwrap();
    assert_eq!(sets.len(), 4);
    assert_eq!(set("live/east"), set("live/west"));
    assert_eq!(set("live/east"), set("live/shared"));
    assert_eq!(set("svc"), set("svc/modules/own"));
    assert_eq!(set("svc"), set("svc/.terraform/modules/vpc"));
    assert_eq!(set("other"), set("other/b"));
    let distinct: std::collections::BTreeSet<usize> =
        ["live/east", "svc", "other", "solo"].map(set).into();
    assert_eq!(distinct.len(), 4);

    let in_set = |n: usize, path: &str| sets.of_dir(&dir_of(path)) == Some(n);
    let parts: Vec<TerraformOutput> = (0..sets.len())
        .map(|n| {
            let input = TerraformInput {
                files: (whole.files.iter())
                    .filter(|f| in_set(n, &f.source.display_path))
                    .copied()
                    .collect(),
                auto_tfvars: (whole.auto_tfvars.iter())
                    .filter(|f| in_set(n, &f.source().display_path))
                    .copied()
                    .collect(),
                var_files: whole.var_files.clone(),
                manifests: (manifests.iter())
                    .filter(|(root, _)| sets.of_dir(root) == Some(n))
                    .map(|(root, entries)| (root.clone(), entries.clone()))
                    .collect(),
                ..TerraformInput::default()
            };
            evaluate(&input)
        })
        .collect();
    let by_sets = join(parts, 0);
    let expected = evaluate(&whole);
    let described = |output: &TerraformOutput| -> Vec<String> {
        (output
            .resources
            .iter()
            .zip(&output.roots)
            .zip(&output.providers))
        .map(|((r, root), provider)| {
            format!(
                "{} {:?} {root} {provider} {:?}",
                r.address, r.span, r.attributes
            )
        })
        .collect()
    };
    assert_eq!(described(&by_sets), described(&expected));
    assert!(expected.resources.len() >= 8, "{:?}", described(&expected));
    let codes = |output: &TerraformOutput| -> Vec<String> {
        let mut codes: Vec<String> = (output.diagnostics.iter())
            .map(|d| format!("{} {} {:?}", d.file, d.code, d.line))
            .collect();
        codes.sort();
        codes
    };
    assert_eq!(codes(&by_sets), codes(&expected));
    let bucket = resource(&by_sets, "module.shared.aws_s3_bucket.b");
    assert!(bucket.attributes.get("bucket").is_some());
    let queue = resource(&by_sets, "aws_sqs_queue.s");
    assert_eq!(
        queue.get("name").and_then(Node::as_str),
        Some("from-var-file")
    );
}
