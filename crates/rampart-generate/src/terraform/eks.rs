//! `eks.tf`: the EKS cluster — private API endpoint only, all five control-plane log
//! types into a KMS-encrypted log group created before the cluster, Kubernetes Secrets
//! envelope-encrypted with a rotated customer key, API authentication with no implicit
//! administrator — and its add-ons: the VPC CNI with NetworkPolicy enforcement (its AWS
//! permissions through EKS Pod Identity, not the nodes' role), kube-proxy, the Pod
//! Identity agent and CoreDNS.

use std::fmt::Write as _;

use rampart_config::Tier;

use super::hcl::{Block, Expr};
use super::security_groups::CONTROL_PLANE_SG;
use super::{Part, Variable, hcl_string};
use crate::layout::{SubnetRole, tier_key};
use crate::{Context, Deviation};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "Kubernetes version 1.27",
        generated: "`var.eks_version`, from the inventory (a version inside EKS standard support), with `upgrade_policy` STANDARD so the cluster never drifts into paid extended support",
        why: "EKS 1.27 left extended support on 2025-07-24, before the seed's effective date: it gets no patches at all",
        refs: &["C-04", "S-EKS-01"],
    },
    Deviation {
        seed: "Pod_Security_Policy `critical-agents-psp` and `default-psp`",
        generated: "Pod Security Admission labels on the namespaces and admission policies (the Kubernetes and admission parts); nothing in the cluster resource",
        why: "PodSecurityPolicy was removed in Kubernetes 1.25",
        refs: &["C-04", "API-001"],
    },
    Deviation {
        seed: "Audit_Logging \"v1\"; Logging_Enabled",
        generated: "All five control-plane log types (api, audit, authenticator, controllerManager, scheduler) into `/aws/eks/<cluster>/cluster`, KMS-encrypted, kept at least 365 days, created before the cluster",
        why: "EKS writes `audit.k8s.io/v1` events with its own policy, which cannot be customised; if EKS creates the log group itself it never expires and is not encrypted with the platform's key",
        refs: &["S-EKS-03", "S-EKS-04"],
    },
    Deviation {
        seed: "Network policies in the namespaces, with no word on enforcement",
        generated: "The `vpc-cni` add-on with `enableNetworkPolicy = \"true\"`; its AWS permissions (the CNI policy) through an EKS Pod Identity association instead of the nodes' role",
        why: "The VPC CNI accepts NetworkPolicies but does not enforce them unless enabled; with IMDSv2 hop limit 1 pods cannot use the node role, and the node role then needs no ENI permissions (C-30)",
        refs: &["S-EKS-06", "C-30"],
    },
    Deviation {
        seed: "Endpoint_Access private",
        generated: "Private endpoint only, with API authentication and no administrator access for whoever creates the cluster; `var.cluster_admin_role_arn` is the one administrator (an in-VPC deployer or GitOps bootstrap role)",
        why: "A private endpoint is unreachable from hosted CI runners (C-25); an implicit creator-admin grant is invisible in the code",
        refs: &["S-EKS-02", "C-25"],
    },
];

/// An EKS managed add-on; a self-managed copy of it is replaced by the managed one.
fn addon(name: &str, addon_name: &str) -> Block {
    Block::resource("aws_eks_addon", name)
        .attr("cluster_name", "aws_eks_cluster.this.name")
        .string("addon_name", addon_name)
        .string("resolve_conflicts_on_create", "OVERWRITE")
        .string("resolve_conflicts_on_update", "OVERWRITE")
}

/// A role trust policy for an AWS service.
pub(super) fn service_trust(service: &str, tag_session: bool) -> Expr {
    let action = if tag_session {
        Expr::raw("[\"sts:AssumeRole\", \"sts:TagSession\"]")
    } else {
        Expr::string("sts:AssumeRole")
    };
    Expr::Call(
        "jsonencode",
        Box::new(Expr::object([
            ("Version", Expr::string("2012-10-17")),
            (
                "Statement",
                Expr::Tuple(vec![Expr::object([
                    ("Effect", Expr::string("Allow")),
                    (
                        "Principal",
                        Expr::raw(format!("{{ Service = {} }}", hcl_string(service))),
                    ),
                    ("Action", action),
                ])]),
            ),
        ])),
    )
}

/// An AWS managed policy's ARN in the platform's partition.
pub(super) fn managed_policy(name: &str) -> String {
    format!("\"arn:${{local.partition}}:iam::aws:policy/{name}\"")
}

pub(crate) fn render(context: &Context<'_>) -> Part {
    let critical = context.config.tiers.profile(Tier::Critical);
    // The control plane serves every tier: keep its logs as long as the critical tier's
    // flow logs, never less than a year (S-EKS-03).
    let retention = match critical.flow_logs_retention_days.effective() {
        0 => 0,
        days => days.max(365),
    };
    let control_plane_role = SubnetRole::Agents(Tier::Critical);
    let subnets: Vec<Expr> = context
        .layout
        .subnets(control_plane_role)
        .map(|s| {
            Expr::raw(format!(
                "aws_subnet.{}_{}.id",
                control_plane_role.key(),
                s.zone_letter
            ))
        })
        .collect();

    let blocks = vec![
        Block::resource("aws_kms_key", "eks")
            .template(
                "description",
                "Envelope encryption of the Kubernetes Secrets of ${local.name} (S-EKS-05)",
            )
            .attr("enable_key_rotation", "true")
            .attr("deletion_window_in_days", "30")
            .expr(
                "tags",
                Expr::object([("Name", Expr::template("${local.name}-eks-secrets"))]),
            ),
        Block::resource("aws_kms_alias", "eks")
            .template("name", "alias/${local.name}-eks-secrets")
            .attr("target_key_id", "aws_kms_key.eks.key_id"),
        Block::resource("aws_iam_role", "eks_cluster")
            .template("name", "${local.name}-eks-cluster")
            .expr("assume_role_policy", service_trust("eks.amazonaws.com", true))
            .expr(
                "tags",
                Expr::object([("Name", Expr::template("${local.name}-eks-cluster"))]),
            ),
        Block::resource("aws_iam_role_policy_attachment", "eks_cluster")
            .attr("role", "aws_iam_role.eks_cluster.name")
            .attr("policy_arn", managed_policy("AmazonEKSClusterPolicy")),
        Block::resource("aws_iam_role_policy", "eks_cluster_secrets_key")
            .comment("The control plane encrypts and decrypts Secrets with the cluster's key only.")
            .string("name", "secrets-encryption")
            .attr("role", "aws_iam_role.eks_cluster.id")
            .expr(
                "policy",
                Expr::Call(
                    "jsonencode",
                    Box::new(Expr::object([
                        ("Version", Expr::string("2012-10-17")),
                        (
                            "Statement",
                            Expr::Tuple(vec![Expr::object([
                                ("Effect", Expr::string("Allow")),
                                (
                                    "Action",
                                    Expr::raw("[\"kms:Encrypt\", \"kms:Decrypt\", \"kms:ListGrants\", \"kms:DescribeKey\"]"),
                                ),
                                ("Resource", Expr::raw("aws_kms_key.eks.arn")),
                            ])]),
                        ),
                    ])),
                ),
            ),
        Block::resource("aws_cloudwatch_log_group", "eks_cluster")
            .comment("Created before the cluster, so EKS does not create it unencrypted and unexpiring.")
            .template("name", "/aws/eks/${local.name}/cluster")
            .attr("retention_in_days", retention.to_string())
            .attr("kms_key_id", "aws_kms_key.logs.arn")
            .expr(
                "tags",
                Expr::object([("Name", Expr::template("/aws/eks/${local.name}/cluster"))]),
            ),
        Block::resource("aws_eks_cluster", "this")
            .attr("name", "local.name")
            .attr("version", "var.eks_version")
            .attr("role_arn", "aws_iam_role.eks_cluster.arn")
            .attr("bootstrap_self_managed_addons", "false")
            .expr(
                "enabled_cluster_log_types",
                Expr::Tuple(
                    ["api", "audit", "authenticator", "controllerManager", "scheduler"]
                        .into_iter()
                        .map(Expr::string)
                        .collect(),
                ),
            )
            .block(
                Block::new("access_config")
                    .string("authentication_mode", "API")
                    .attr("bootstrap_cluster_creator_admin_permissions", "false"),
            )
            .block(
                Block::new("vpc_config")
                    .comment("Control-plane ENIs in the critical subnets, behind the critical tier's firewall.")
                    .expr("subnet_ids", Expr::Tuple(subnets))
                    .attr("endpoint_private_access", "true")
                    .attr("endpoint_public_access", "false")
                    .attr("security_group_ids", format!("[{CONTROL_PLANE_SG}.id]")),
            )
            .block(
                Block::new("encryption_config")
                    .attr("resources", "[\"secrets\"]")
                    .block(Block::new("provider").attr("key_arn", "aws_kms_key.eks.arn")),
            )
            .block(Block::new("upgrade_policy").string("support_type", "STANDARD"))
            .expr("tags", Expr::object([("Name", Expr::raw("local.name"))]))
            .expr(
                "depends_on",
                Expr::Tuple(vec![
                    Expr::raw("aws_cloudwatch_log_group.eks_cluster"),
                    Expr::raw("aws_iam_role_policy_attachment.eks_cluster"),
                    Expr::raw("aws_iam_role_policy.eks_cluster_secrets_key"),
                ]),
            ),
        Block::resource("aws_eks_access_entry", "cluster_admin")
            .comment("The one administrator: an in-VPC deployer or GitOps bootstrap role (C-25).")
            .attr("cluster_name", "aws_eks_cluster.this.name")
            .attr("principal_arn", "var.cluster_admin_role_arn")
            .string("type", "STANDARD"),
        Block::resource("aws_eks_access_policy_association", "cluster_admin")
            .attr("cluster_name", "aws_eks_cluster.this.name")
            .attr("principal_arn", "aws_eks_access_entry.cluster_admin.principal_arn")
            .template(
                "policy_arn",
                "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            )
            .block(Block::new("access_scope").string("type", "cluster")),
        Block::resource("aws_iam_role", "vpc_cni")
            .comment("The VPC CNI's AWS permissions, through EKS Pod Identity: the nodes' role has none (C-30).")
            .template("name", "${local.name}-vpc-cni")
            .expr("assume_role_policy", service_trust("pods.eks.amazonaws.com", true))
            .expr(
                "tags",
                Expr::object([("Name", Expr::template("${local.name}-vpc-cni"))]),
            ),
        Block::resource("aws_iam_role_policy_attachment", "vpc_cni")
            .attr("role", "aws_iam_role.vpc_cni.name")
            .attr("policy_arn", managed_policy("AmazonEKS_CNI_Policy")),
        addon("eks_pod_identity_agent", "eks-pod-identity-agent"),
        addon("vpc_cni", "vpc-cni")
            .comment("Enforce NetworkPolicies: without this they are accepted and ignored (S-EKS-06).")
            .expr(
                "configuration_values",
                Expr::Call(
                    "jsonencode",
                    Box::new(Expr::object([(
                        "enableNetworkPolicy",
                        Expr::string("true"),
                    )])),
                ),
            )
            .block(
                Block::new("pod_identity_association")
                    .attr("role_arn", "aws_iam_role.vpc_cni.arn")
                    .string("service_account", "aws-node"),
            )
            .expr(
                "depends_on",
                Expr::Tuple(vec![
                    Expr::raw("aws_eks_addon.eks_pod_identity_agent"),
                    Expr::raw("aws_iam_role_policy_attachment.vpc_cni"),
                ]),
            ),
        addon("kube_proxy", "kube-proxy"),
        addon("coredns", "coredns")
            .comment("CoreDNS runs on the untainted standard nodes, which must exist first.")
            .expr(
                "depends_on",
                Expr::Tuple(vec![Expr::raw(format!(
                    "aws_eks_node_group.{}",
                    tier_key(Tier::Standard)
                ))]),
            ),
    ];

    let mut body = String::new();
    for block in &blocks {
        let _ = writeln!(body, "{}", block.render());
    }
    let version = &context.inventory.platform.eks_version;
    Part {
        files: vec![("eks.tf", body.trim_end().to_owned() + "\n")],
        variables: vec![
            Variable {
                name: "eks_version",
                description: "Kubernetes version of the EKS cluster, inside EKS standard support (C-04)".to_owned(),
                type_constraint: "string",
                validations: vec![(
                    "can(regex(\"^1\\\\.[0-9]+$\", var.eks_version))".to_owned(),
                    "Give a Kubernetes minor version such as \"1.34\".".to_owned(),
                )],
                value: Some(hcl_string(version)),
            },
            Variable {
                name: "cluster_admin_role_arn",
                description: "IAM role given cluster administration through an EKS access entry: an in-VPC deployer or GitOps bootstrap role (environment-specific, C-25, C-26)".to_owned(),
                type_constraint: "string",
                validations: vec![(
                    "can(regex(\"^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$\", var.cluster_admin_role_arn))".to_owned(),
                    "Give the ARN of an IAM role.".to_owned(),
                )],
                value: None,
            },
        ],
    }
}
