//! `versions.tf`: the Terraform and AWS provider versions, the provider with its
//! default tags, `local.name`, the account data sources, and the root module's
//! environment-specific inputs (each with validation blocks, its value from the
//! inventory in `terraform.tfvars`: C-21, C-26).
//!
//! Also the formatter every Terraform module of this part passes its text through, so
//! the output is what `terraform fmt` would leave.

use std::fmt::Write as _;

use super::{Part, Variable, hcl_list, hcl_string};
use crate::Context;

pub(crate) fn render(context: &Context<'_>) -> Part {
    Part {
        files: vec![("versions.tf", versions())],
        variables: variables(context),
    }
}

fn versions() -> String {
    format_hcl(
        r#"terraform {
  # Validation blocks that compare two variables need Terraform 1.9.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.70 has every resource and argument used here (GuardDuty detector features,
      # WAF evaluation windows, Network Firewall policy variables); 6.x is supported.
      version = ">= 5.70, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  # Every resource says which platform and environment it belongs to and who manages
  # it. The tier is tagged on each resource that has one, never here: a default tier
  # would classify the shared and edge resources too (S-INV-01).
  default_tags {
    tags = {
      platform = var.platform_name
      environment = var.environment
      "managed-by" = "rampart"
    }
  }
}

locals {
  name = "${var.platform_name}-${var.environment}"

  # The partition of var.region, for ARNs: written out rather than read from a data
  # source, so that the ARNs of managed rule groups and standards are known at plan.
  partition = (
    startswith(var.region, "us-gov-") ? "aws-us-gov" :
    startswith(var.region, "cn-") ? "aws-cn" :
    startswith(var.region, "us-isob-") ? "aws-iso-b" :
    startswith(var.region, "us-iso-") ? "aws-iso" :
    "aws"
  )
}

# The account, for ARNs in key, topic and trust policies.
data "aws_caller_identity" "current" {}
"#,
    )
}

fn variables(context: &Context<'_>) -> Vec<Variable> {
    let platform = &context.inventory.platform;
    let zones = platform.availability_zones.len();
    vec![
        Variable {
            name: "platform_name",
            description: "Prefix of every resource name (inventory `platform.name`).".to_owned(),
            type_constraint: "string",
            validations: vec![(
                r#"can(regex("^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$", var.platform_name))"#.to_owned(),
                "Use 1 to 20 lowercase letters, digits and hyphens, starting with a letter."
                    .to_owned(),
            )],
            value: Some(hcl_string(&platform.name)),
        },
        Variable {
            name: "environment",
            description: "Environment name, part of every resource name (inventory `platform.environment`).".to_owned(),
            type_constraint: "string",
            validations: vec![
                (
                    r#"can(regex("^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$", var.environment))"#
                        .to_owned(),
                    "Use 1 to 16 lowercase letters, digits and hyphens, starting with a letter."
                        .to_owned(),
                ),
                (
                    format!(
                        r#"length("${{var.platform_name}}-${{var.environment}}") <= {}"#,
                        crate::inventory::MAX_NAME_PREFIX
                    ),
                    format!(
                        "platform_name and environment together must stay within {} characters: load balancer names start with them and allow 32.",
                        crate::inventory::MAX_NAME_PREFIX
                    ),
                ),
            ],
            value: Some(hcl_string(&platform.environment)),
        },
        Variable {
            name: "region",
            description: "AWS region of the platform (inventory `platform.region`).".to_owned(),
            type_constraint: "string",
            validations: vec![(
                r#"can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))"#.to_owned(),
                "Use an AWS region name such as us-east-1.".to_owned(),
            )],
            value: Some(hcl_string(&platform.region)),
        },
        Variable {
            name: "availability_zones",
            description: "Availability zones, in the order of the subnet plan: the first is zone a (inventory `platform.availability-zones`).".to_owned(),
            type_constraint: "list(string)",
            validations: vec![
                (
                    format!("length(var.availability_zones) == {zones}"),
                    format!(
                        "The subnet plan was generated for {zones} availability zones (every tier, the load balancers and the database span at least two, S-VPC-02); change the zones in the inventory and run rampart generate."
                    ),
                ),
                (
                    "length(distinct(var.availability_zones)) == length(var.availability_zones)"
                        .to_owned(),
                    "List each availability zone once.".to_owned(),
                ),
                (
                    r#"alltrue([for zone in var.availability_zones : can(regex("^${var.region}[a-z]$", zone))])"#
                        .to_owned(),
                    "Every availability zone must be a zone of var.region, such as us-east-1a."
                        .to_owned(),
                ),
            ],
            value: Some(hcl_list(&platform.availability_zones)),
        },
        Variable {
            name: "vpc_cidr",
            description: "IPv4 CIDR block of the VPC, a /16; the subnet plan numbers /24s inside it as seed 003 does (inventory `platform.vpc-cidr`).".to_owned(),
            type_constraint: "string",
            validations: vec![
                (
                    "can(cidrnetmask(var.vpc_cidr))".to_owned(),
                    "Use an IPv4 CIDR block such as 10.0.0.0/16.".to_owned(),
                ),
                (
                    r#"try(split("/", var.vpc_cidr)[1] == "16", false)"#.to_owned(),
                    "The VPC must be a /16: the subnet plan numbers /24 subnets inside it (S-VPC-01, S-SUB-08).".to_owned(),
                ),
                (
                    "try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr, false)".to_owned(),
                    "The CIDR block has host bits set; write the network address, such as 10.0.0.0/16.".to_owned(),
                ),
            ],
            value: Some(hcl_string(&platform.vpc_cidr.to_string())),
        },
        Variable {
            name: "database_port",
            description: "TCP port of the agents' PostgreSQL database (inventory `platform.database-port`).".to_owned(),
            type_constraint: "number",
            validations: vec![(
                "var.database_port == floor(var.database_port) && var.database_port >= 1 && var.database_port <= 65535".to_owned(),
                "Use a TCP port number from 1 to 65535.".to_owned(),
            )],
            value: Some(platform.database_port.to_string()),
        },
        Variable {
            name: "alert_webhook_url",
            description: "HTTPS endpoint subscribed to the security alerts topic (inventory `platform.alert-webhook`).".to_owned(),
            type_constraint: "string",
            validations: vec![(
                r#"can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?([/?#][^\\s]*)?$", var.alert_webhook_url))"#.to_owned(),
                "Alerts leave over TLS: use an https:// URL with a host.".to_owned(),
            )],
            value: Some(hcl_string(&platform.alert_webhook)),
        },
    ]
}

/// Aligns the `=` of consecutive one-line attributes at the same indentation, as
/// `terraform fmt` does; an attribute whose value opens a block, list or call on its
/// line ends the run and keeps one space. Heredoc bodies are left as written.
pub(super) fn format_hcl(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut run: Vec<(usize, &str, &str)> = Vec::new();
    let mut heredoc: Option<String> = None;
    for line in lines {
        if let Some(marker) = &heredoc {
            if line.trim() == marker {
                heredoc = None;
            }
            flush(&mut out, &mut run);
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let parsed = attribute(line);
        match parsed {
            Some((indent, key, value)) if !opens(value) => {
                if run.first().is_some_and(|(i, _, _)| *i != indent) {
                    flush(&mut out, &mut run);
                }
                run.push((indent, key, value));
            }
            _ => {
                flush(&mut out, &mut run);
                if let Some((indent, key, value)) = parsed {
                    let _ = writeln!(out, "{}{key} = {value}", " ".repeat(indent));
                    heredoc = heredoc_marker(value);
                } else {
                    out.push_str(line.trim_end());
                    out.push('\n');
                }
            }
        }
    }
    flush(&mut out, &mut run);
    out
}

fn flush(out: &mut String, run: &mut Vec<(usize, &str, &str)>) {
    let width = run.iter().map(|(_, key, _)| key.len()).max().unwrap_or(0);
    for (indent, key, value) in run.drain(..) {
        let _ = writeln!(out, "{}{key:<width$} = {value}", " ".repeat(indent));
    }
}

/// `  key = value` → (indentation, key, value); keys are identifiers or quoted strings.
fn attribute(line: &str) -> Option<(usize, &str, &str)> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    if rest.starts_with('#') || rest.starts_with("//") {
        return None;
    }
    let (key, value) = rest.split_once(" = ")?;
    let key = key.trim_end();
    let identifier = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let quoted = key.len() >= 2
        && key.starts_with('"')
        && key.ends_with('"')
        && !key[1..key.len() - 1].contains(['"', ' ']);
    (identifier || quoted).then(|| (indent, key, value.trim()))
}

/// Whether a value continues on the next lines (a block, list, call or heredoc).
fn opens(value: &str) -> bool {
    value.ends_with(['{', '[', '(']) || heredoc_marker(value).is_some()
}

fn heredoc_marker(value: &str) -> Option<String> {
    let (_, marker) = value.rsplit_once("<<")?;
    let marker = marker.strip_prefix('-').unwrap_or(marker);
    (!marker.is_empty()
        && marker
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| marker.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_align_like_terraform_fmt() {
        let text = "resource \"x\" \"y\" {\n  a = 1\n  long_name = \"v\"\n  tags = {\n    Name = \"n\"\n    \"managed-by\" = \"r\"\n  }\n\n  rules = <<-EOT\n    a = b\n  EOT\n}\n";
        assert_eq!(
            format_hcl(text),
            "resource \"x\" \"y\" {\n  a         = 1\n  long_name = \"v\"\n  tags = {\n    Name         = \"n\"\n    \"managed-by\" = \"r\"\n  }\n\n  rules = <<-EOT\n    a = b\n  EOT\n}\n"
        );
    }

    #[test]
    fn every_variable_has_a_value_and_a_validation() {
        let inventory = crate::Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let config = rampart_config::Config::default();
        let source = crate::InventorySource::of("agents.yaml", b"");
        let context = Context {
            inventory: &inventory,
            config: &config,
            layout: crate::Layout::of(&inventory),
            source: &source,
        };
        let part = render(&context);
        for variable in &part.variables {
            assert!(variable.value.is_some(), "{}", variable.name);
            assert!(!variable.validations.is_empty(), "{}", variable.name);
        }
        let zones = part
            .variables
            .iter()
            .find(|v| v.name == "availability_zones")
            .unwrap();
        assert_eq!(
            zones.value.as_deref(),
            Some(r#"["us-east-1a", "us-east-1b"]"#)
        );
    }
}
