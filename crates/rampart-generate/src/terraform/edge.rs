//! `edge.tf`: the entry points. One application load balancer per tier with an HTTPS
//! listener (no port 80 at all), a target group and a listener rule per agent, access
//! logs to S3; one WAF web ACL per tier with seed 003's managed groups, a blocking rate
//! limit and, for the critical tier, the IP allowlist and geo restriction; WAF logs to
//! CloudWatch with the tier's retention; Shield Advanced on the critical entry point.

use std::fmt::Write as _;

use rampart_config::Tier;

use super::hcl::{Block, Expr};
use super::security_groups::{alb_sg, has_agents};
use super::{Part, Variable, hcl_list};
use crate::inventory::{Agent, Protocol};
use crate::layout::{SubnetRole, TIER_LABEL, tier_key};
use crate::{Context, Deviation};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "One web ACL per agent (`agent-{id}-waf`) in front of a single load balancer",
        generated: "One load balancer and one web ACL per tier; each agent has its own target group and listener rule behind its tier's load balancer",
        why: "An AWS resource is associated with exactly one web ACL, so per-agent ACLs need per-agent entry points; a tier's agents share one profile, so one ACL per tier applies the same rules",
        refs: &["C-07", "S-WAF-01"],
    },
    Deviation {
        seed: "A blocking rate-limit rule per agent, `agent-{id}-rate-limit`, at priority 500",
        generated: "One blocking rate-based rule per tier ACL at priority 500: the tier's `rate-limit-per-minute` per client IP over a 60-second window, counted across all of the tier's agents",
        why: "AWS WAF allows at most 10 rate-based rules in a web ACL and every tier has more agents than that; one rule per tier is stricter (a client's budget is shared by the tier's agents) and deploys",
        refs: &[
            "S-WAF-06",
            "S-PROF-RATE-CRIT",
            "S-PROF-RATE-HIGH",
            "S-PROF-RATE-STD",
        ],
    },
    Deviation {
        seed: "Bot Control at priority 400 with its default actions",
        generated: "Bot Control at the COMMON inspection level with `SignalNonBrowserUserAgent` and `CategoryHttpLibrary` overridden to count",
        why: "The agents are APIs: those two rules block every non-browser client (SDKs, HTTP libraries), which is all of the agents' callers",
        refs: &["C-10", "S-WAF-05"],
    },
    Deviation {
        seed: "`AWSManagedRulesATPRuleSet` at priority 150 for every critical agent",
        generated: "Account takeover prevention only for critical agents with a `login-path`, as one ATP rule whose login path is a regular expression over those agents' login endpoints, scoped down to them; none when no critical agent has one",
        why: "ATP needs a login endpoint and takes one login path per rule; one rule with a regular expression covers every login endpoint of the ACL without evaluating (and paying for) other requests",
        refs: &["C-09", "S-WAF-09"],
    },
    Deviation {
        seed: "An internet-facing load balancer for every agent, the critical IP allowlist 10.0.0.0/8 and 172.16.0.0/12 as a rule at priority 25 with `default_action` ALLOW",
        generated: "When the critical allowlist holds only private ranges, the critical load balancer is internal (critical ingress subnets); the allowlist is a blocking rule on NOT the IP set, so allowlisted clients still pass every managed rule and the rate limit, under `default_action` allow; the geo restriction then judges the client address a TLS-terminating proxy puts in X-Forwarded-For (requests without it pass to the allowlist)",
        why: "Internet clients never arrive from private addresses, so a private allowlist on an internet-facing load balancer blocks everything, and an ALLOW rule at priority 25 would let internal callers skip every other rule; private addresses have no country, so a geo rule on the source address of an internal load balancer would block every request",
        refs: &[
            "C-08",
            "S-WAF-08",
            "S-WAF-10",
            "S-PROF-IP-CRIT",
            "S-PROF-GEO-CRIT",
        ],
    },
    Deviation {
        seed: "Shield Advanced per critical agent",
        generated: "A Shield Advanced protection for the critical tier's load balancer; the subscription itself is left to the account (it is account-wide, with a one-year commitment) and is a prerequisite of `terraform apply`",
        why: "Shield Advanced is an account-level subscription, not a per-agent setting; creating it from a platform module would commit the whole account",
        refs: &["C-20", "S-PROF-DDOS-CRIT"],
    },
    Deviation {
        seed: "TLS 1.3 for all communications",
        generated: "HTTPS listeners only (no port 80 at all): `ELBSecurityPolicy-TLS13-1-3-2021-06` (TLS 1.3 only) on the critical load balancer, `ELBSecurityPolicy-TLS13-1-2-Res-2021-06` on the others; HTTPS to the targets",
        why: "TLS 1.3 cannot be guaranteed end to end (ALB back-end connections negotiate), so TLS 1.2 stays the floor where clients may need it",
        refs: &["C-18", "G-NET-04"],
    },
    Deviation {
        seed: "ALB access logs (implied by logging all network traffic)",
        generated: "One S3 bucket for the three tiers' access logs, encrypted with S3-managed keys, versioned, TLS-only, public access blocked, kept for the longest tier retention",
        why: "Elastic Load Balancing delivers access logs only to buckets encrypted with SSE-S3; a KMS-encrypted bucket would receive no logs",
        refs: &["P-IVB-2", "P-IVB-3", "S3-004"],
    },
];

/// The load balancer of a tier.
pub(super) fn lb_address(tier: Tier) -> String {
    format!("aws_lb.{}", tier_key(tier))
}

/// An agent's id as a Terraform name: DNS labels never hold `_`, so this is one-to-one.
fn resource_name(agent: &Agent) -> String {
    agent.id.replace('-', "_")
}

/// `critical-agents`, for AWS names.
fn tier_dashed(tier: Tier) -> String {
    tier_key(tier).replace('_', "-")
}

fn tier_tags(name: &str, tier: Tier) -> Expr {
    Expr::object([
        ("Name", Expr::template(name)),
        (TIER_LABEL, Expr::string(tier.as_str())),
    ])
}

fn visibility(metric: &str) -> Block {
    Block::new("visibility_config")
        .attr("cloudwatch_metrics_enabled", "true")
        .string("metric_name", metric)
        .attr("sampled_requests_enabled", "true")
}

fn text_transformation_none() -> Block {
    Block::new("text_transformation")
        .attr("priority", "0")
        .string("type", "NONE")
}

/// A regular expression matching `text` literally.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The path of an agent's login endpoint as the load balancer receives it: HTTPS agents
/// are routed by the `/<id>/` prefix, gRPC agents by host name (their paths are the
/// protobuf service's).
fn login_request_path(agent: &Agent) -> Option<String> {
    let login = agent.login_path.as_deref()?;
    Some(match agent.protocol {
        Protocol::Https => format!("/{}{login}", agent.id),
        Protocol::Grpc => login.to_owned(),
    })
}

/// The ATP login-path regular expression for a tier's agents with a login endpoint.
pub(super) fn login_regex(agents: &[&Agent]) -> Option<String> {
    let paths: Vec<String> = agents
        .iter()
        .filter_map(|a| login_request_path(a))
        .map(|p| regex_escape(&p))
        .collect();
    match paths.as_slice() {
        [] => None,
        [one] => Some(format!("^{one}")),
        many => Some(format!("^({})", many.join("|"))),
    }
}

fn managed_group(priority: u32, name: &str, tier: Tier, extra: Vec<Block>) -> Block {
    let mut statement = Block::new("managed_rule_group_statement")
        .string("name", name)
        .string("vendor_name", "AWS");
    for block in extra {
        statement = statement.block(block);
    }
    Block::new("rule")
        .string("name", &format!("AWS-{name}"))
        .attr("priority", priority.to_string())
        .block(Block::new("override_action").block(Block::new("none")))
        .block(Block::new("statement").block(statement))
        .block(visibility(&format!("{}-{name}", tier_dashed(tier))))
}

fn web_acl(context: &Context<'_>, tier: Tier) -> Block {
    let key = tier_key(tier);
    let dashed = tier_dashed(tier);
    let profile = context.config.tiers.profile(tier);
    let mut acl = Block::resource("aws_wafv2_web_acl", key)
        .template("name", &format!("${{local.name}}-{dashed}"))
        .string(
            "description",
            &format!("Entry point of the {} agents (S-WAF-01..13)", tier.as_str()),
        )
        .string("scope", "REGIONAL");
    acl = acl.block(
        Block::new("default_action")
            .comment(
                "Allow what no rule stops: the allowlist and geo rules below block, so allowlisted",
            )
            .comment("clients still pass every managed rule and the rate limit (C-08, S-WAF-10).")
            .block(Block::new("allow")),
    );

    if tier == Tier::Critical {
        acl = acl.block(
            Block::new("rule")
                .string("name", "critical-ip-allowlist")
                .attr("priority", "25")
                .comment("Block every client outside the IP allowlist (S-WAF-08, S-PROF-IP-CRIT).")
                .block(Block::new("action").block(Block::new("block")))
                .block(
                    Block::new("statement").block(
                        Block::new("not_statement").block(
                            Block::new("statement").block(
                                Block::new("ip_set_reference_statement")
                                    .attr("arn", "aws_wafv2_ip_set.critical_allowlist.arn"),
                            ),
                        ),
                    ),
                )
                .block(visibility("critical-ip-allowlist")),
        );
        let mut geo =
            Block::new("geo_match_statement").attr("country_codes", "var.allowed_countries");
        if context.layout.critical_entry_is_internal {
            geo = geo
                .comment("Behind an internal load balancer every source address is private and has no")
                .comment("country: judge the client a TLS-terminating proxy names; without one, pass (C-08).")
                .block(
                    Block::new("forwarded_ip_config")
                        .string("header_name", "X-Forwarded-For")
                        .string("fallback_behavior", "MATCH"),
                );
        }
        acl = acl.block(
            Block::new("rule")
                .string("name", "critical-geo-restriction")
                .attr("priority", "50")
                .comment("Block requests from outside the allowed countries (S-WAF-07, S-PROF-GEO-CRIT).")
                .block(Block::new("action").block(Block::new("block")))
                .block(
                    Block::new("statement").block(
                        Block::new("not_statement").block(Block::new("statement").block(geo)),
                    ),
                )
                .block(visibility("critical-geo-restriction")),
        );
    }

    acl = acl.block(managed_group(
        100,
        "AWSManagedRulesCommonRuleSet",
        tier,
        Vec::new(),
    ));
    if tier == Tier::Critical {
        let agents: Vec<&Agent> = context.inventory.agents_of(tier).collect();
        if let Some(regex) = login_regex(&agents) {
            let atp_config = Block::new("managed_rule_group_configs").block(
                Block::new("aws_managed_rules_atp_rule_set")
                    .string("login_path", &regex)
                    .attr("enable_regex_in_path", "true")
                    .block(
                        Block::new("request_inspection")
                            .comment("JSON login bodies with `username` and `password` fields.")
                            .string("payload_type", "JSON")
                            .block(Block::new("username_field").string("identifier", "/username"))
                            .block(Block::new("password_field").string("identifier", "/password")),
                    ),
            );
            let scope = Block::new("scope_down_statement").block(
                Block::new("regex_match_statement")
                    .string("regex_string", &regex)
                    .block(Block::new("field_to_match").block(Block::new("uri_path")))
                    .block(text_transformation_none()),
            );
            acl = acl.block(
                managed_group(150, "AWSManagedRulesATPRuleSet", tier, vec![atp_config, scope])
                    .comment("Account takeover prevention for the critical agents with a login endpoint (C-09)."),
            );
        }
    }
    acl = acl.block(managed_group(
        200,
        "AWSManagedRulesKnownBadInputsRuleSet",
        tier,
        Vec::new(),
    ));
    acl = acl.block(managed_group(
        300,
        "AWSManagedRulesAmazonIpReputationList",
        tier,
        Vec::new(),
    ));
    let mut bot_extra =
        vec![
            Block::new("managed_rule_group_configs").block(
                Block::new("aws_managed_rules_bot_control_rule_set")
                    .string("inspection_level", "COMMON"),
            ),
        ];
    for rule in ["SignalNonBrowserUserAgent", "CategoryHttpLibrary"] {
        bot_extra.push(
            Block::new("rule_action_override")
                .comment("The agents are APIs: their callers are SDKs and HTTP libraries (C-10).")
                .string("name", rule)
                .block(Block::new("action_to_use").block(Block::new("count"))),
        );
    }
    acl = acl.block(managed_group(
        400,
        "AWSManagedRulesBotControlRuleSet",
        tier,
        bot_extra,
    ));
    acl = acl.block(
        Block::new("rule")
            .string("name", &format!("{dashed}-rate-limit"))
            .attr("priority", "500")
            .comment("The tier's requests per minute per client, over all of the tier's agents (S-WAF-06).")
            .block(Block::new("action").block(Block::new("block")))
            .block(
                Block::new("statement").block(
                    Block::new("rate_based_statement")
                        .attr("limit", profile.rate_limit_per_minute.to_string())
                        .attr("evaluation_window_sec", "60")
                        .string("aggregate_key_type", "IP"),
                ),
            )
            .block(visibility(&format!("{dashed}-rate-limit"))),
    );
    acl.block(visibility(&format!("{dashed}-web-acl"))).expr(
        "tags",
        tier_tags(&format!("${{local.name}}-{dashed}"), tier),
    )
}

fn load_balancer(context: &Context<'_>, tier: Tier) -> Block {
    let key = tier_key(tier);
    let dashed = tier_dashed(tier);
    let role = context.layout.entry_role(tier);
    let internal = role == SubnetRole::CriticalIngress;
    let subnets: Vec<Expr> = context
        .layout
        .subnets(role)
        .map(|s| Expr::raw(format!("aws_subnet.{}_{}.id", role.key(), s.zone_letter)))
        .collect();
    let mut lb = Block::resource("aws_lb", key);
    if internal {
        lb = lb
            .comment(
                "Internal: the critical IP allowlist holds only private ranges, which internet",
            )
            .comment("clients never arrive from (C-08).");
    }
    lb.template("name", &format!("${{local.name}}-{}", tier.as_str()))
        .string("load_balancer_type", "application")
        .attr("internal", internal.to_string())
        .expr(
            "security_groups",
            Expr::Tuple(vec![Expr::raw(format!("{}.id", alb_sg(tier)))]),
        )
        .expr("subnets", Expr::Tuple(subnets))
        .attr("drop_invalid_header_fields", "true")
        .string("desync_mitigation_mode", "strictest")
        .attr("enable_deletion_protection", "true")
        .attr("enable_waf_fail_open", "false")
        .block(
            Block::new("access_logs")
                .attr("bucket", "aws_s3_bucket.alb_access_logs.id")
                .string("prefix", &dashed)
                .attr("enabled", "true"),
        )
        .expr(
            "tags",
            tier_tags(&format!("${{local.name}}-{dashed}"), tier),
        )
        .expr(
            "depends_on",
            Expr::Tuple(vec![Expr::raw("aws_s3_bucket_policy.alb_access_logs")]),
        )
}

fn listener(tier: Tier) -> Block {
    let key = tier_key(tier);
    let policy = if tier == Tier::Critical {
        "ELBSecurityPolicy-TLS13-1-3-2021-06"
    } else {
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
    };
    Block::resource("aws_lb_listener", &format!("{key}_https"))
        .comment("HTTPS only: there is no port-80 listener at all (G-NET-04).")
        .attr("load_balancer_arn", format!("{}.arn", lb_address(tier)))
        .attr("port", "443")
        .string("protocol", "HTTPS")
        .string("ssl_policy", policy)
        .attr("certificate_arn", "var.certificate_arn")
        .block(
            Block::new("default_action")
                .string("type", "fixed-response")
                .block(
                    Block::new("fixed_response")
                        .string("content_type", "text/plain")
                        .string("message_body", "Not Found")
                        .string("status_code", "404"),
                ),
        )
        .expr(
            "tags",
            tier_tags(
                &format!("${{local.name}}-{}-https", tier_dashed(tier)),
                tier,
            ),
        )
}

fn target_group(agent: &Agent) -> Block {
    let tier = agent.classification;
    let (path, matcher) = match agent.protocol {
        Protocol::Https => ("/healthz", "200"),
        Protocol::Grpc => ("/grpc.health.v1.Health/Check", "0"),
    };
    let mut group = Block::resource("aws_lb_target_group", &resource_name(agent))
        .comment(&format!(
            "Agent `{}`: pod IPs registered by the AWS Load Balancer Controller (TargetGroupBinding).",
            agent.id
        ))
        .attr("port", agent.port.to_string())
        .string("protocol", "HTTPS");
    if agent.protocol == Protocol::Grpc {
        group = group.string("protocol_version", "GRPC");
    }
    group
        .string("target_type", "ip")
        .attr("vpc_id", "aws_vpc.this.id")
        .attr("deregistration_delay", "30")
        .block(
            Block::new("health_check")
                .attr("enabled", "true")
                .string("protocol", "HTTPS")
                .string("port", "traffic-port")
                .string("path", path)
                .string("matcher", matcher)
                .attr("interval", "15")
                .attr("timeout", "5")
                .attr("healthy_threshold", "3")
                .attr("unhealthy_threshold", "3"),
        )
        .expr(
            "tags",
            Expr::object([
                (
                    "Name",
                    Expr::template(&format!("${{local.name}}-{}", agent.id)),
                ),
                (TIER_LABEL, Expr::string(tier.as_str())),
                (crate::layout::AGENT_LABEL, Expr::string(&agent.id)),
            ]),
        )
}

fn listener_rule(agent: &Agent, priority: usize) -> Block {
    let tier = agent.classification;
    let condition = match agent.protocol {
        Protocol::Https => Block::new("condition").block(
            Block::new("path_pattern")
                .expr("values", Expr::raw(hcl_list([format!("/{}/*", agent.id)]))),
        ),
        Protocol::Grpc => Block::new("condition")
            .comment("gRPC paths are the protobuf service's: route by the host's first label.")
            .block(
                Block::new("host_header")
                    .expr("values", Expr::raw(hcl_list([format!("{}.*", agent.id)]))),
            ),
    };
    Block::resource("aws_lb_listener_rule", &resource_name(agent))
        .attr(
            "listener_arn",
            format!("aws_lb_listener.{}_https.arn", tier_key(tier)),
        )
        .attr("priority", priority.to_string())
        .block(Block::new("action").string("type", "forward").attr(
            "target_group_arn",
            format!("aws_lb_target_group.{}.arn", resource_name(agent)),
        ))
        .block(condition)
        .expr(
            "tags",
            tier_tags(&format!("${{local.name}}-{}", agent.id), tier),
        )
}

fn access_log_bucket(context: &Context<'_>) -> Vec<Block> {
    let bucket = "aws_s3_bucket.alb_access_logs";
    // The bucket holds every tier's logs: keep them as long as the longest tier
    // retention requires (0: never expire).
    let retentions: Vec<u32> = Tier::ALL
        .iter()
        .map(|t| {
            context
                .config
                .tiers
                .profile(*t)
                .flow_logs_retention_days
                .effective()
        })
        .collect();
    let keep_forever = retentions.contains(&0);
    let days = retentions.iter().copied().max().unwrap_or(0);
    let mut blocks = vec![
        Block::resource("aws_s3_bucket", "alb_access_logs")
            .comment(
                "Access logs of the three tiers' load balancers; shared, so it carries no tier.",
            )
            .template(
                "bucket",
                "${local.name}-alb-access-logs-${data.aws_caller_identity.current.account_id}",
            )
            .expr(
                "tags",
                Expr::object([("Name", Expr::template("${local.name}-alb-access-logs"))]),
            ),
        Block::resource("aws_s3_bucket_public_access_block", "alb_access_logs")
            .attr("bucket", format!("{bucket}.id"))
            .attr("block_public_acls", "true")
            .attr("block_public_policy", "true")
            .attr("ignore_public_acls", "true")
            .attr("restrict_public_buckets", "true"),
        Block::resource("aws_s3_bucket_ownership_controls", "alb_access_logs")
            .attr("bucket", format!("{bucket}.id"))
            .block(Block::new("rule").string("object_ownership", "BucketOwnerEnforced")),
        Block::resource("aws_s3_bucket_versioning", "alb_access_logs")
            .attr("bucket", format!("{bucket}.id"))
            .block(Block::new("versioning_configuration").string("status", "Enabled")),
        Block::resource(
            "aws_s3_bucket_server_side_encryption_configuration",
            "alb_access_logs",
        )
        .comment(
            "Elastic Load Balancing delivers access logs only to SSE-S3 buckets (not SSE-KMS).",
        )
        .attr("bucket", format!("{bucket}.id"))
        .block(Block::new("rule").block(
            Block::new("apply_server_side_encryption_by_default").string("sse_algorithm", "AES256"),
        )),
    ];
    if !keep_forever {
        blocks.push(
            Block::resource("aws_s3_bucket_lifecycle_configuration", "alb_access_logs")
                .attr("bucket", format!("{bucket}.id"))
                .block(
                    Block::new("rule")
                        .string("id", "expire-access-logs")
                        .string("status", "Enabled")
                        .block(Block::new("filter"))
                        .block(Block::new("expiration").attr("days", days.to_string()))
                        .block(
                            Block::new("noncurrent_version_expiration")
                                .attr("noncurrent_days", days.to_string()),
                        ),
                ),
        );
    }
    let objects =
        format!("${{{bucket}.arn}}/*/AWSLogs/${{data.aws_caller_identity.current.account_id}}/*");
    let statement = |entries: Vec<(&str, Expr)>| Expr::object(entries);
    let policy = Expr::Call(
        "jsonencode",
        Box::new(Expr::object([
            ("Version", Expr::string("2012-10-17")),
            (
                "Statement",
                Expr::Tuple(vec![
                    statement(vec![
                        ("Sid", Expr::string("DenyPlainHttp")),
                        ("Effect", Expr::string("Deny")),
                        ("Principal", Expr::string("*")),
                        ("Action", Expr::string("s3:*")),
                        (
                            "Resource",
                            Expr::raw(format!("[{bucket}.arn, \"${{{bucket}.arn}}/*\"]")),
                        ),
                        (
                            "Condition",
                            Expr::raw("{ Bool = { \"aws:SecureTransport\" = \"false\" } }"),
                        ),
                    ]),
                    statement(vec![
                        ("Sid", Expr::string("ElbLogDeliveryRegionalAccount")),
                        ("Effect", Expr::string("Allow")),
                        (
                            "Principal",
                            Expr::raw("{ AWS = data.aws_elb_service_account.platform.arn }"),
                        ),
                        ("Action", Expr::string("s3:PutObject")),
                        ("Resource", Expr::template(&objects)),
                    ]),
                    statement(vec![
                        ("Sid", Expr::string("ElbLogDeliveryService")),
                        ("Effect", Expr::string("Allow")),
                        (
                            "Principal",
                            Expr::raw(
                                "{ Service = \"logdelivery.elasticloadbalancing.amazonaws.com\" }",
                            ),
                        ),
                        ("Action", Expr::string("s3:PutObject")),
                        ("Resource", Expr::template(&objects)),
                    ]),
                ]),
            ),
        ])),
    );
    blocks.push(
        Block::resource("aws_s3_bucket_policy", "alb_access_logs")
            .comment(
                "TLS only (S3-003); log delivery by the region's Elastic Load Balancing account",
            )
            .comment("(regions before August 2022) or its service principal (later regions).")
            .attr("bucket", format!("{bucket}.id"))
            .expr("policy", policy)
            .expr(
                "depends_on",
                Expr::Tuple(vec![Expr::raw(
                    "aws_s3_bucket_public_access_block.alb_access_logs",
                )]),
            ),
    );
    blocks
}

fn waf_logging(context: &Context<'_>, tiers: &[Tier]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut streams = Vec::new();
    for &tier in tiers {
        let key = tier_key(tier);
        let dashed = tier_dashed(tier);
        let retention = context
            .config
            .tiers
            .profile(tier)
            .flow_logs_retention_days
            .effective();
        blocks.push(
            Block::resource("aws_cloudwatch_log_group", &format!("waf_{key}"))
                .comment("WAF delivers only to log groups named `aws-waf-logs-…` (S-WAF-12).")
                .template("name", &format!("aws-waf-logs-${{local.name}}-{dashed}"))
                .attr("retention_in_days", retention.to_string())
                .attr("kms_key_id", "aws_kms_key.logs.arn")
                .expr(
                    "tags",
                    tier_tags(&format!("aws-waf-logs-${{local.name}}-{dashed}"), tier),
                ),
        );
        streams.push(Expr::raw(format!(
            "\"${{aws_cloudwatch_log_group.waf_{key}.arn}}:*\""
        )));
    }
    let policy = Expr::Call(
        "jsonencode",
        Box::new(Expr::object([
            ("Version", Expr::string("2012-10-17")),
            (
                "Statement",
                Expr::Tuple(vec![Expr::object([
                    ("Sid", Expr::string("AwsWafLogDelivery")),
                    ("Effect", Expr::string("Allow")),
                    (
                        "Principal",
                        Expr::raw("{ Service = \"delivery.logs.amazonaws.com\" }"),
                    ),
                    (
                        "Action",
                        Expr::raw("[\"logs:CreateLogStream\", \"logs:PutLogEvents\"]"),
                    ),
                    ("Resource", Expr::Tuple(streams)),
                    (
                        "Condition",
                        Expr::object([
                            (
                                "StringEquals",
                                Expr::raw(
                                    "{ \"aws:SourceAccount\" = data.aws_caller_identity.current.account_id }",
                                ),
                            ),
                            (
                                "ArnLike",
                                Expr::raw(
                                    "{ \"aws:SourceArn\" = \"arn:${local.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:*\" }",
                                ),
                            ),
                        ]),
                    ),
                ])]),
            ),
        ])),
    );
    blocks.push(
        Block::resource("aws_cloudwatch_log_resource_policy", "waf_logging")
            .comment("Lets the log delivery service write the web ACLs' logs.")
            .template("policy_name", "${local.name}-waf-logging")
            .expr("policy_document", policy),
    );
    for &tier in tiers {
        let key = tier_key(tier);
        blocks.push(
            Block::resource("aws_wafv2_web_acl_logging_configuration", key)
                .attr("resource_arn", format!("aws_wafv2_web_acl.{key}.arn"))
                .expr(
                    "log_destination_configs",
                    Expr::Tuple(vec![Expr::raw(format!(
                        "aws_cloudwatch_log_group.waf_{key}.arn"
                    ))]),
                )
                .comment("Credentials and session cookies never reach the logs (S-WAF-12).")
                .block(
                    Block::new("redacted_fields")
                        .block(Block::new("single_header").string("name", "authorization")),
                )
                .block(
                    Block::new("redacted_fields")
                        .block(Block::new("single_header").string("name", "cookie")),
                )
                .expr(
                    "depends_on",
                    Expr::Tuple(vec![Expr::raw(
                        "aws_cloudwatch_log_resource_policy.waf_logging",
                    )]),
                ),
        );
    }
    blocks
}

pub(crate) fn render(context: &Context<'_>) -> Part {
    let inventory = context.inventory;
    let tiers: Vec<Tier> = Tier::ALL
        .into_iter()
        .filter(|t| has_agents(inventory, *t))
        .collect();
    let mut blocks = vec![Block::data("aws_elb_service_account", "platform")];
    blocks.extend(access_log_bucket(context));

    let mut target_groups = Vec::new();
    for &tier in &tiers {
        let key = tier_key(tier);
        blocks.push(load_balancer(context, tier));
        blocks.push(listener(tier));
        for (index, agent) in inventory.agents_of(tier).enumerate() {
            blocks.push(target_group(agent));
            blocks.push(listener_rule(agent, index + 1));
            target_groups.push((
                agent.id.clone(),
                Expr::raw(format!("aws_lb_target_group.{}.arn", resource_name(agent))),
            ));
        }
        if tier == Tier::Critical {
            blocks.push(
                Block::resource("aws_wafv2_ip_set", "critical_allowlist")
                    .template("name", "${local.name}-critical-allowlist")
                    .string(
                        "description",
                        "Source ranges critical agents may be reached from (S-PROF-IP-CRIT)",
                    )
                    .string("scope", "REGIONAL")
                    .string("ip_address_version", "IPV4")
                    .attr("addresses", "var.ip_allowlist")
                    .expr(
                        "tags",
                        tier_tags("${local.name}-critical-allowlist", Tier::Critical),
                    ),
            );
        }
        blocks.push(web_acl(context, tier));
        blocks.push(
            Block::resource("aws_wafv2_web_acl_association", key)
                .attr("resource_arn", format!("{}.arn", lb_address(tier)))
                .attr("web_acl_arn", format!("aws_wafv2_web_acl.{key}.arn")),
        );
        if tier == Tier::Critical {
            blocks.push(
                Block::resource("aws_shield_protection", key)
                    .comment("Shield Advanced for the critical entry point (S-PROF-DDOS-CRIT). Needs the account's")
                    .comment("Shield Advanced subscription, which is account-wide and managed outside (C-20).")
                    .template("name", &format!("${{local.name}}-{}", tier_dashed(tier)))
                    .attr("resource_arn", format!("{}.arn", lb_address(tier)))
                    .expr(
                        "tags",
                        tier_tags(&format!("${{local.name}}-{}", tier_dashed(tier)), tier),
                    ),
            );
        }
    }
    blocks.extend(waf_logging(context, &tiers));
    blocks.push(
        Block::new("output \"agent_target_group_arns\"")
            .string(
                "description",
                "The target group of each agent, for its TargetGroupBinding",
            )
            .expr("value", Expr::Object(target_groups)),
    );

    let mut body = String::new();
    for block in &blocks {
        let _ = writeln!(body, "{}", block.render());
    }

    let platform = &inventory.platform;
    let countries: Vec<&str> = platform
        .allowed_countries
        .iter()
        .map(|c| c.as_str())
        .collect();
    let ranges: Vec<String> = platform
        .ip_allowlist
        .iter()
        .map(ToString::to_string)
        .collect();
    Part {
        files: vec![("edge.tf", body.trim_end().to_owned() + "\n")],
        variables: vec![
            Variable {
                name: "allowed_countries",
                description: "Countries (ISO 3166-1 alpha-2) critical agents may be reached from: the WAF geo restriction (S-PROF-GEO-CRIT)".to_owned(),
                type_constraint: "list(string)",
                validations: vec![(
                    "length(var.allowed_countries) > 0 && alltrue([for c in var.allowed_countries : can(regex(\"^[A-Z]{2}$\", c))])".to_owned(),
                    "List at least one country, as ISO 3166-1 alpha-2 codes such as \"US\".".to_owned(),
                )],
                value: Some(hcl_list(countries)),
            },
            Variable {
                name: "ip_allowlist",
                description: "IPv4 ranges critical agents may be reached from: the WAF IP allowlist (S-PROF-IP-CRIT)".to_owned(),
                type_constraint: "list(string)",
                validations: vec![(
                    "length(var.ip_allowlist) > 0 && alltrue([for r in var.ip_allowlist : can(cidrnetmask(r))])".to_owned(),
                    "List at least one IPv4 CIDR block, such as \"10.0.0.0/8\".".to_owned(),
                )],
                value: Some(hcl_list(ranges)),
            },
            Variable {
                name: "certificate_arn",
                description: "ACM certificate of the load balancers' HTTPS listeners (environment-specific, C-26)".to_owned(),
                type_constraint: "string",
                validations: vec![(
                    "can(regex(\"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$\", var.certificate_arn))".to_owned(),
                    "Give the ARN of an ACM certificate in the platform's region.".to_owned(),
                )],
                value: None,
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::super::security_groups::{node_sg, tier_rank};
    use super::*;
    use crate::inventory::Inventory;

    #[test]
    fn one_atp_login_path_covers_the_critical_login_endpoints() {
        let inventory = Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let critical: Vec<&Agent> = inventory.agents_of(Tier::Critical).collect();
        assert_eq!(
            login_regex(&critical).as_deref(),
            Some("^(/payments-orchestrator/login|/kyc-verifier/signin|/identity-broker/login)")
        );
        assert_eq!(login_regex(&[]), None);
        assert_eq!(regex_escape("/a.b(c)"), "/a\\.b\\(c\\)");
    }

    #[test]
    fn tiers_are_listed_critical_first() {
        assert!(tier_rank(Tier::Critical) < tier_rank(Tier::High));
        assert!(tier_rank(Tier::High) < tier_rank(Tier::Standard));
        assert_eq!(node_sg(Tier::High), "aws_security_group.high_value_agents");
    }
}
