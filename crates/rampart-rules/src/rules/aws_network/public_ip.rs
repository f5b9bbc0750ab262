use rampart_config::Severity;
use rampart_model::Project;
use rampart_model::aws::network::Exposure;
use rampart_model::aws::security_groups::launch_template_users;
use rampart_model::rampart_iac::{BlockKind, Node};

use super::{name, own_tier, report, report_serving};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-011",
        name: "public-ip-outside-public-subnet",
        severity: Severity::High,
        summary: "Public IP addresses are assigned outside the public subnets",
        requirements: &["G-NET-07", "S-SUB-01", "S-SUB-03", "S-SUB-05", "S-SUB-07"],
        docs: RuleDocs {
            what: "Reports a public IP address asked for in a subnet that is not public: `map_public_ip_on_launch = true` / `MapPublicIpOnLaunch: true` on a subnet, or `associate_public_ip_address = true` / `AssociatePublicIpAddress: true` on an instance, a launch template's network interface or a launch configuration whose instances land in such a subnet (the interface's own `subnet_id`, else the subnets of the instance, or of the node groups and auto scaling groups that use the template or configuration). \
A subnet is not public when its route table is known and no route in it goes to an internet gateway (a default route through a NAT gateway or a firewall endpoint is fine). Its route table is the one an association names, or else the VPC's main route table. A subnet whose routes, route table or VPC are not all known (declared elsewhere, known only after apply) is not reported, and neither is a subnet with a default route to an internet gateway: that is the public subnet, where public addresses belong. A finding on an instance, launch template or launch configuration carries the most critical tier among its own, the node groups and auto scaling groups that launch from it, and the subnets its instances land in.",
            why: "The private subnets of the agent tiers and the database are defined as having no inbound path from the internet (S-SUB-01 to S-SUB-07). A public address there is a latent exposure: the day a route to an internet gateway is added, or the subnet is reused, every instance becomes reachable from the internet, bypassing the load balancer (G-NET-07). It also reveals the intent was never checked.",
            fail: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "critical_a" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
  tags                    = { classification = "critical" }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "critical_a" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = false
  tags                    = { classification = "critical" }
}
"#,
            ),
            fix: "Set `map_public_ip_on_launch = false` on private subnets (it is the default) and `associate_public_ip_address = false` on instances and launch templates placed there. Only the public subnets, with a default route to the internet gateway, hold resources with public addresses — and those are load balancers and NAT gateways.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

/// The types whose network interfaces may ask for a public address: the
/// rule looks them up by type rather than reading every resource.
const INTERFACE_TYPES: &[&str] = &[
    "aws_instance",
    "aws_launch_configuration",
    "AWS::AutoScaling::LaunchConfiguration",
    "aws_launch_template",
    "AWS::EC2::LaunchTemplate",
    "AWS::EC2::Instance",
];

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let network = ctx.network();
    for subnet in &network.subnets {
        let Some(node) = subnet
            .map_public_ip_on_launch
            .filter(|n| n.as_bool() == Some(true))
        else {
            continue;
        };
        if matches!(network.exposure(subnet), Exposure::Private) {
            report(
                findings,
                project,
                subnet.index,
                subnet.index,
                Some(node),
                format!(
                    "{} gives instances public IP addresses, but no route of the subnet goes to an internet gateway: it is not a public subnet",
                    name(project, subnet.index)
                ),
            );
        }
    }
    for index in project.resources_of_types(INTERFACE_TYPES) {
        let resource = &project.resources[index];
        if resource.kind != BlockKind::Resource {
            continue;
        }
        // Each network interface: its flag and its own subnet, if any. Only
        // `INTERFACE_TYPES` are visited: a type read below must be listed
        // there too.
        let interfaces: Vec<(&Node, Option<&Node>)> = match resource.resource_type.as_str() {
            "aws_instance" | "aws_launch_configuration" => resource
                .get("associate_public_ip_address")
                .map(|flag| (flag, resource.get("subnet_id")))
                .into_iter()
                .collect(),
            "AWS::AutoScaling::LaunchConfiguration" => resource
                .get("AssociatePublicIpAddress")
                .map(|flag| (flag, None))
                .into_iter()
                .collect(),
            "aws_launch_template" => interfaces(
                resource.get("network_interfaces"),
                "associate_public_ip_address",
                "subnet_id",
            ),
            "AWS::EC2::LaunchTemplate" => interfaces(
                resource.path(&["LaunchTemplateData", "NetworkInterfaces"]),
                "AssociatePublicIpAddress",
                "SubnetId",
            ),
            "AWS::EC2::Instance" => interfaces(
                resource.get("NetworkInterfaces"),
                "AssociatePublicIpAddress",
                "SubnetId",
            ),
            _ => continue,
        };
        // The groups that launch from the resource, looked up once it asks for
        // a public address.
        let mut launchers: Option<Vec<usize>> = None;
        for (flag, own_subnet) in interfaces {
            if flag.as_bool() != Some(true) {
                continue;
            }
            let launchers = launchers.get_or_insert_with(|| users(project, index));
            let subnets: Vec<usize> = match own_subnet {
                Some(node) => network
                    .subnet_refs(index, node)
                    .iter()
                    .filter_map(|r| r.subnet)
                    .collect(),
                None => launchers
                    .iter()
                    .copied()
                    .flat_map(|user| {
                        network
                            .placements
                            .iter()
                            .filter(move |p| p.resource == user)
                    })
                    .filter_map(|p| p.subnet.subnet)
                    .collect(),
            };
            let mut private: Vec<usize> = subnets
                .into_iter()
                .filter(|s| {
                    network
                        .subnet(*s)
                        .is_some_and(|s| matches!(network.exposure(s), Exposure::Private))
                })
                .collect();
            private.sort_unstable();
            private.dedup();
            if private.is_empty() {
                continue;
            }
            let names: Vec<String> = private.iter().map(|s| name(project, *s)).collect();
            // What is exposed: the instances, of the tier of the most critical
            // node group or auto scaling group that launches them from a
            // template or configuration, and the subnets they land in.
            let tier = launchers
                .iter()
                .copied()
                .chain(private.iter().copied())
                .map(|r| own_tier(project, r))
                .max()
                .flatten();
            report_serving(
                findings,
                project,
                index,
                tier,
                index,
                Some(flag),
                format!(
                    "{} asks for a public IP address, but its instances run in {}, where no route goes to an internet gateway: not a public subnet",
                    name(project, index),
                    names.join(", ")
                ),
            );
        }
    }
}

/// The `(flag, subnet)` of each network interface of a list.
fn interfaces<'a>(
    list: Option<&'a Node>,
    flag: &str,
    subnet: &str,
) -> Vec<(&'a Node, Option<&'a Node>)> {
    list.into_iter()
        .flat_map(Node::blocks)
        .filter_map(|interface| {
            interface
                .get(flag)
                .map(|f| (f, interface.get(subnet).filter(|s| !s.is_null())))
        })
        .collect()
}

/// The resources that launch instances from a launch template or launch
/// configuration.
fn users(project: &Project, index: usize) -> Vec<usize> {
    let resource_type = project
        .resources
        .get(index)
        .map_or("", |r| r.resource_type.as_str());
    match resource_type {
        "aws_launch_template" | "AWS::EC2::LaunchTemplate" => launch_template_users(project, index),
        "aws_launch_configuration" | "AWS::AutoScaling::LaunchConfiguration" => {
            // References resolve within a scope (a root module, a template, a
            // plan): only resources of the configuration's own scope can use
            // it. A group of another root that names a configuration of the
            // same name uses that root's.
            let scope = project.scope_of(index);
            project
                .resources_in(scope)
                .iter()
                .copied()
                .filter(|&i| {
                    let Some(resource) = project.resources.get(i) else {
                        return false;
                    };
                    resource.kind == BlockKind::Resource
                        && resource
                            .attr("launch_configuration", "LaunchConfigurationName")
                            .is_some_and(|node| {
                                project
                                    .link_targets(scope, node)
                                    .iter()
                                    .any(|(t, _)| *t == index)
                            })
                })
                .collect()
        }
        _ => Vec::new(),
    }
}
