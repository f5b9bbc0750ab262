//! Terraform configurations evaluated end to end: values, origins, unknowns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use rampart_iac::{BlockKind, Resource, Unknown, Value};
use rampart_source::{FileId, SourceFile};
use rampart_terraform::{
    ManifestEntry, TerraformInput, TerraformOutput, TfFile, body_offset, evaluate, parse_body,
};

struct Files {
    sources: Vec<SourceFile>,
    bodies: Vec<hcl_edit::structure::Body>,
}

impl Files {
    fn new(files: &[(&str, &str)]) -> Self {
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(path, text)| SourceFile::new((*path).into(), (*path).into(), (*text).into()))
            .collect();
        let bodies = files
            .iter()
            .map(|(path, text)| parse_body(text, path).unwrap())
            .collect();
        Self { sources, bodies }
    }

    fn tf(&self) -> Vec<TfFile<'_>> {
        self.sources
            .iter()
            .zip(&self.bodies)
            .enumerate()
            .map(|(i, (source, body))| TfFile {
                file: FileId(u32::try_from(i).unwrap()),
                source,
                body,
                offset: body_offset(&source.text),
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
    let all = Files::new(files);
    let tf = all.tf();
    let (tfvars, tf): (Vec<TfFile<'_>>, Vec<TfFile<'_>>) = tf
        .into_iter()
        .partition(|f| f.source.display_path.ends_with(".tfvars"));
    let input = TerraformInput {
        files: tf,
        auto_tfvars: tfvars,
        var_files: Vec::new(),
        vars: vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        manifests,
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
    assert!(matches!(
        variable.get("value").unwrap().value,
        Value::String(_)
    ));
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
    assert_eq!(output.roots, ["a", "b", "b"]);
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
        Value::Unknown(Unknown::Reference {
            address: "aws_subnet.agents[\"high\"]".into(),
            attribute: "id".into()
        })
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
        vec![&Value::Unknown(Unknown::Reference {
            address: "aws_subnet.agents[\"critical\"]".into(),
            attribute: "id".into()
        })]
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
            &Value::Unknown(Unknown::Reference {
                address: "aws_eip.nat[0]".into(),
                attribute: "public_ip".into()
            }),
            &Value::Unknown(Unknown::Reference {
                address: "aws_eip.nat[1]".into(),
                attribute: "public_ip".into()
            }),
        ]
    );
}
