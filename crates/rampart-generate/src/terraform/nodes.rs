//! `nodes.tf`: one EKS managed node group per tier, in that tier's subnets only, each
//! with its own launch template (IMDSv2 only with hop limit 1, a 100 GiB gp3 root volume
//! encrypted with a customer KMS key, no SSH key, the tier's security group), its own
//! IAM role with only the worker and ECR pull policies, the node label
//! `agent-classification=<tier>` and, on critical and high nodes, the matching
//! `NoSchedule` taint.

use std::fmt::Write as _;

use rampart_config::{TaintEffect, Tier};

use super::eks::{managed_policy, service_trust};
use super::hcl::{Block, Expr};
use super::security_groups::node_sg;
use super::{Part, Variable, hcl_string};
use crate::layout::{NODE_TIER_KEY, SubnetRole, TIER_LABEL, tier_key};
use crate::{Context, Deviation};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "Critical nodes: AMI type `AL2_x86_64_GPU` on `c6i.2xlarge`",
        generated: "The Amazon Linux 2023 AMI type for the instance family: `AL2023_x86_64_STANDARD` for c6i (ARM for Graviton `*g` families, NVIDIA only for GPU families g*/p*, Neuron for inf/trn)",
        why: "c6i has no GPU, so the GPU image only adds an NVIDIA stack to patch; EKS AL2 AMIs reached end of support on 2025-11-26 and none exist for Kubernetes 1.33 and later",
        refs: &["C-05", "S-NODE-02"],
    },
    Deviation {
        seed: "User_Data_Encryption: true",
        generated: "No user data at all (EKS writes the node bootstrap for AL2023), IMDSv2 required with hop limit 1, no secrets on the node; pods get AWS credentials from EKS Pod Identity",
        why: "EC2 has no user-data encryption: user data is plain text to anyone who can call IMDS or DescribeInstanceAttribute",
        refs: &["C-06", "S-NODE-08", "C-30"],
    },
    Deviation {
        seed: "A `agent-classification=critical:NoSchedule` taint on the critical nodes; high-value nodes \"similar configuration\"; no standard node group",
        generated: "A node group per tier labelled `agent-classification=<tier>`; critical and high nodes tainted `agent-classification=<tier>:NoSchedule`; standard nodes untainted, so cluster add-ons (CoreDNS, webhooks) schedule there",
        why: "A taint only repels: the label is what a tier's pods select (C-27); the high tier gets the same isolation as critical (C-28); add-ons need somewhere to run that no agent tier owns exclusively",
        refs: &["S-NODE-09", "S-NODE-10", "C-27", "C-28"],
    },
    Deviation {
        seed: "Disk_Encryption: true",
        generated: "Root volumes encrypted with a customer KMS key (rotated) that EC2 may use on the account's behalf, through each tier's launch template",
        why: "Without a launch template, EKS managed nodes get an unencrypted root volume; a customer key can be disabled in an incident",
        refs: &["S-NODE-04"],
    },
    Deviation {
        seed: "One node role implied for every node group, with the CNI policy on it",
        generated: "One node role per tier with `AmazonEKSWorkerNodePolicy` and `AmazonEC2ContainerRegistryPullOnly`; the CNI policy belongs to the `vpc-cni` add-on's Pod Identity role",
        why: "Node credentials of one tier are not another's, and with the CNI policy off the node role a compromised node cannot manipulate ENIs of the VPC (C-30)",
        refs: &["C-30", "S-NODE-07"],
    },
];

/// The EKS AMI type for an instance type: Amazon Linux 2023, for the instance's
/// architecture and accelerator (C-05).
pub(super) fn ami_type(instance_type: &str) -> &'static str {
    let family = instance_type.split('.').next().unwrap_or(instance_type);
    let letters: String = family
        .chars()
        .take_while(|c| c.is_ascii_lowercase())
        .collect();
    let attributes: String = family
        .chars()
        .skip_while(|c| c.is_ascii_lowercase())
        .skip_while(char::is_ascii_digit)
        .collect();
    // Graviton: a `g` among the attributes after the generation (m7g, c7gn, r6gd,
    // im4gn, g5g), and the first-generation a1.
    let arm = attributes.contains('g') || family == "a1";
    let neuron = letters == "inf" || letters == "trn";
    // NVIDIA GPUs: the g and p families, except g4ad (AMD Radeon GPUs).
    let nvidia = (letters.starts_with('g') || letters == "p") && family != "g4ad";
    match (neuron, nvidia, arm) {
        (true, _, _) => "AL2023_x86_64_NEURON",
        (false, true, true) => "AL2023_ARM_64_NVIDIA",
        (false, true, false) => "AL2023_x86_64_NVIDIA",
        (false, false, true) => "AL2023_ARM_64_STANDARD",
        (false, false, false) => "AL2023_x86_64_STANDARD",
    }
}

fn taint_effect(effect: TaintEffect) -> &'static str {
    match effect {
        TaintEffect::NoSchedule => "NO_SCHEDULE",
        TaintEffect::PreferNoSchedule => "PREFER_NO_SCHEDULE",
        TaintEffect::NoExecute => "NO_EXECUTE",
    }
}

/// Node counts per zone: at least one node in every zone of the tier.
fn scaling(tier: Tier, zones: usize) -> (usize, usize, usize) {
    let zones = zones.max(2);
    let max_per_zone = match tier {
        Tier::Critical | Tier::High => 3,
        // The standard nodes also run the cluster add-ons.
        Tier::Standard => 4,
    };
    (zones, zones, zones * max_per_zone)
}

fn tier_dashed(tier: Tier) -> String {
    tier_key(tier).replace('_', "-")
}

fn node_key() -> Block {
    let ec2_actions = Expr::raw(
        "[\"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", \"kms:GenerateDataKey*\", \"kms:CreateGrant\", \"kms:DescribeKey\"]",
    );
    let policy = Expr::Call(
        "jsonencode",
        Box::new(Expr::object([
            ("Version", Expr::string("2012-10-17")),
            (
                "Statement",
                Expr::Tuple(vec![
                    Expr::object([
                        ("Sid", Expr::string("AccountAdministration")),
                        ("Effect", Expr::string("Allow")),
                        (
                            "Principal",
                            Expr::raw(
                                "{ AWS = \"arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:root\" }",
                            ),
                        ),
                        ("Action", Expr::string("kms:*")),
                        ("Resource", Expr::string("*")),
                    ]),
                    Expr::object([
                        ("Sid", Expr::string("RootVolumesThroughEc2")),
                        ("Effect", Expr::string("Allow")),
                        ("Principal", Expr::raw("{ AWS = \"*\" }")),
                        ("Action", ec2_actions),
                        ("Resource", Expr::string("*")),
                        (
                            "Condition",
                            Expr::object([(
                                "StringEquals",
                                Expr::object([
                                    (
                                        "kms:ViaService",
                                        Expr::template("ec2.${var.region}.amazonaws.com"),
                                    ),
                                    (
                                        "kms:CallerAccount",
                                        Expr::raw("data.aws_caller_identity.current.account_id"),
                                    ),
                                ]),
                            )]),
                        ),
                    ]),
                ]),
            ),
        ])),
    );
    Block::resource("aws_kms_key", "nodes")
        .template(
            "description",
            "Root volumes of the EKS nodes of ${local.name} (S-NODE-04)",
        )
        .attr("enable_key_rotation", "true")
        .attr("deletion_window_in_days", "30")
        .comment(
            "EC2 (and so the Auto Scaling service-linked role of the node groups) may use the key",
        )
        .comment("for this account's volumes only, as the AWS managed EBS key allows.")
        .expr("policy", policy)
        .expr(
            "tags",
            Expr::object([("Name", Expr::template("${local.name}-node-volumes"))]),
        )
}

fn launch_template(tier: Tier) -> Block {
    let key = tier_key(tier);
    let name = format!("${{local.name}}-{}", tier_dashed(tier));
    let tags = Expr::object([
        ("Name", Expr::template(&name)),
        (TIER_LABEL, Expr::string(tier.as_str())),
    ]);
    let mut template = Block::resource("aws_launch_template", key)
        .template("name", &name)
        .string(
            "description",
            &format!(
                "Nodes of the {}-tier agents: IMDSv2 only, encrypted root volume, no SSH key",
                tier.as_str()
            ),
        )
        .attr("update_default_version", "true")
        .comment("Only the tier's group: the EKS cluster group would connect every tier's nodes.")
        .attr("vpc_security_group_ids", format!("[{}.id]", node_sg(tier)))
        .block(
            Block::new("metadata_options")
                .comment("IMDSv2 only; tokens do not reach pods (S-NODE-06, S-NODE-07, C-30).")
                .string("http_endpoint", "enabled")
                .string("http_tokens", "required")
                .attr("http_put_response_hop_limit", "1")
                .string("instance_metadata_tags", "disabled"),
        )
        .block(
            Block::new("block_device_mappings")
                .string("device_name", "/dev/xvda")
                .block(
                    Block::new("ebs")
                        .attr("volume_size", "100")
                        .string("volume_type", "gp3")
                        .attr("encrypted", "true")
                        .attr("kms_key_id", "aws_kms_key.nodes.arn")
                        .attr("delete_on_termination", "true"),
                ),
        )
        .block(Block::new("monitoring").attr("enabled", "true"));
    for resource_type in ["instance", "volume", "network-interface"] {
        template = template.block(
            Block::new("tag_specifications")
                .string("resource_type", resource_type)
                .expr("tags", tags.clone()),
        );
    }
    template.expr("tags", tags)
}

fn node_role(tier: Tier) -> Vec<Block> {
    let key = tier_key(tier);
    let role = format!("{key}_nodes");
    let name = format!("${{local.name}}-{}-nodes", tier_dashed(tier));
    vec![
        Block::resource("aws_iam_role", &role)
            .template("name", &name)
            .expr(
                "assume_role_policy",
                service_trust("ec2.amazonaws.com", false),
            )
            .expr(
                "tags",
                Expr::object([
                    ("Name", Expr::template(&name)),
                    (TIER_LABEL, Expr::string(tier.as_str())),
                ]),
            ),
        Block::resource("aws_iam_role_policy_attachment", &format!("{role}_worker"))
            .attr("role", format!("aws_iam_role.{role}.name"))
            .attr("policy_arn", managed_policy("AmazonEKSWorkerNodePolicy")),
        Block::resource(
            "aws_iam_role_policy_attachment",
            &format!("{role}_ecr_pull"),
        )
        .attr("role", format!("aws_iam_role.{role}.name"))
        .attr(
            "policy_arn",
            managed_policy("AmazonEC2ContainerRegistryPullOnly"),
        ),
    ]
}

fn node_group(context: &Context<'_>, tier: Tier) -> Block {
    let key = tier_key(tier);
    let role = SubnetRole::Agents(tier);
    let subnets: Vec<Expr> = context
        .layout
        .subnets(role)
        .map(|s| Expr::raw(format!("aws_subnet.{}_{}.id", role.key(), s.zone_letter)))
        .collect();
    let (min, desired, max) = scaling(tier, subnets.len());
    let instance_type = context.inventory.platform.node_instance_types.get(tier);
    let critical_nodes = &context.config.kubernetes.critical_nodes;
    let (label_key, label_value) = if tier == Tier::Critical {
        (
            critical_nodes.label_key.as_str(),
            critical_nodes.label_value.as_str(),
        )
    } else {
        (NODE_TIER_KEY, tier.as_str())
    };
    let mut group = Block::resource("aws_eks_node_group", key)
        .attr("cluster_name", "aws_eks_cluster.this.name")
        .string("node_group_name", &tier_dashed(tier))
        .attr("node_role_arn", format!("aws_iam_role.{key}_nodes.arn"))
        .comment("The tier's own subnets only (S-SUB-09).")
        .expr("subnet_ids", Expr::Tuple(subnets))
        .attr(
            "instance_types",
            format!("[var.node_instance_types[{}]]", hcl_string(tier.as_str())),
        )
        .comment(&format!(
            "Amazon Linux 2023 for {instance_type} (C-05); regenerate after changing the instance family."
        ))
        .string("ami_type", ami_type(instance_type))
        .string("capacity_type", "ON_DEMAND")
        .block(
            Block::new("launch_template")
                .attr("id", format!("aws_launch_template.{key}.id"))
                .attr("version", format!("aws_launch_template.{key}.latest_version")),
        )
        .block(
            Block::new("scaling_config")
                .comment("At least one node in every zone.")
                .attr("min_size", min.to_string())
                .attr("desired_size", desired.to_string())
                .attr("max_size", max.to_string()),
        )
        .block(Block::new("update_config").attr("max_unavailable", "1"))
        .expr(
            "labels",
            Expr::object([(label_key, Expr::string(label_value))]),
        );
    match tier {
        Tier::Critical => {
            group = group.block(
                Block::new("taint")
                    .comment("Only critical agents tolerate this (S-NODE-09); they also select the label (C-27).")
                    .string("key", &critical_nodes.taint_key)
                    .string("value", &critical_nodes.taint_value)
                    .string("effect", taint_effect(critical_nodes.taint_effect)),
            );
        }
        Tier::High => {
            group = group.block(
                Block::new("taint")
                    .comment("High-value nodes are reserved like critical ones (C-28).")
                    .string("key", NODE_TIER_KEY)
                    .string("value", tier.as_str())
                    .string("effect", "NO_SCHEDULE"),
            );
        }
        Tier::Standard => {}
    }
    group
        .expr(
            "tags",
            Expr::object([
                (
                    "Name",
                    Expr::template(&format!("${{local.name}}-{}", tier_dashed(tier))),
                ),
                (TIER_LABEL, Expr::string(tier.as_str())),
            ]),
        )
        .block(
            Block::new("lifecycle")
                .comment("The cluster autoscaler owns the node count between min and max.")
                .attr("ignore_changes", "[scaling_config[0].desired_size]"),
        )
        .expr(
            "depends_on",
            Expr::Tuple(vec![
                Expr::raw(format!("aws_iam_role_policy_attachment.{key}_nodes_worker")),
                Expr::raw(format!(
                    "aws_iam_role_policy_attachment.{key}_nodes_ecr_pull"
                )),
                Expr::raw("aws_eks_addon.vpc_cni"),
                Expr::raw("aws_eks_addon.kube_proxy"),
                Expr::raw("aws_eks_addon.eks_pod_identity_agent"),
            ]),
        )
}

pub(crate) fn render(context: &Context<'_>) -> Part {
    let mut blocks = vec![node_key()];
    for tier in Tier::ALL {
        blocks.extend(node_role(tier));
        blocks.push(launch_template(tier));
        blocks.push(node_group(context, tier));
    }
    let mut body = String::new();
    for block in &blocks {
        let _ = writeln!(body, "{}", block.render());
    }
    let types = &context.inventory.platform.node_instance_types;
    let value = format!(
        "{{\n  critical = {}\n  high     = {}\n  standard = {}\n}}",
        hcl_string(&types.critical),
        hcl_string(&types.high),
        hcl_string(&types.standard)
    );
    Part {
        files: vec![("nodes.tf", body.trim_end().to_owned() + "\n")],
        variables: vec![Variable {
            name: "node_instance_types",
            description: "EC2 instance type of each tier's nodes (S-NODE-01, S-NODE-10); the AMI type follows the family when the baseline is generated".to_owned(),
            type_constraint: "map(string)",
            validations: vec![(
                "alltrue([for tier in [\"critical\", \"high\", \"standard\"] : can(regex(\"^[a-z][a-z0-9-]*\\\\.[a-z0-9]+$\", var.node_instance_types[tier]))])".to_owned(),
                "Give an EC2 instance type such as \"c6i.2xlarge\" for each of critical, high and standard.".to_owned(),
            )],
            value: Some(value),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ami_type_follows_the_instance_family() {
        assert_eq!(ami_type("c6i.2xlarge"), "AL2023_x86_64_STANDARD");
        assert_eq!(ami_type("m7g.large"), "AL2023_ARM_64_STANDARD");
        assert_eq!(ami_type("c7gn.xlarge"), "AL2023_ARM_64_STANDARD");
        assert_eq!(ami_type("im4gn.large"), "AL2023_ARM_64_STANDARD");
        assert_eq!(ami_type("a1.large"), "AL2023_ARM_64_STANDARD");
        assert_eq!(ami_type("g5.xlarge"), "AL2023_x86_64_NVIDIA");
        assert_eq!(ami_type("g4dn.xlarge"), "AL2023_x86_64_NVIDIA");
        assert_eq!(ami_type("p5.48xlarge"), "AL2023_x86_64_NVIDIA");
        assert_eq!(ami_type("g5g.xlarge"), "AL2023_ARM_64_NVIDIA");
        assert_eq!(ami_type("g4ad.xlarge"), "AL2023_x86_64_STANDARD");
        assert_eq!(ami_type("inf2.xlarge"), "AL2023_x86_64_NEURON");
        assert_eq!(ami_type("trn1.2xlarge"), "AL2023_x86_64_NEURON");
        assert_eq!(ami_type("r6i.large"), "AL2023_x86_64_STANDARD");
    }

    #[test]
    fn every_zone_gets_a_node() {
        assert_eq!(scaling(Tier::Critical, 2), (2, 2, 6));
        assert_eq!(scaling(Tier::Standard, 3), (3, 3, 12));
    }
}
