# The internet edge: one application load balancer in front of the critical
# agents, HTTPS only, protected by a WAF web ACL with the managed rule groups
# and the critical tier's profile (seed 003 §3.4–3.6).

resource "aws_lb" "agents" {
  name               = "${local.name}-edge"
  load_balancer_type = "application"
  internal           = false
  subnets            = module.network.public_subnet_ids
  security_groups    = [aws_security_group.alb.id]

  drop_invalid_header_fields = true

  access_logs {
    bucket  = var.access_log_bucket
    prefix  = "edge"
    enabled = true
  }

  tags = { classification = "critical" }
}

resource "aws_lb_target_group" "payments" {
  name        = "${local.name}-payments"
  port        = 443
  protocol    = "HTTPS"
  target_type = "ip"
  vpc_id      = module.network.vpc_id

  health_check {
    path     = "/healthz"
    protocol = "HTTPS"
  }

  tags = { classification = "critical" }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.agents.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.tls_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.payments.arn
  }
}

# Port 80 only redirects to HTTPS.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.agents.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_wafv2_web_acl" "critical" {
  name  = "agent-payments-waf"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  # Only the countries of the critical profile.
  rule {
    name     = "agent-payments-geo"
    priority = 50

    action {
      block {}
    }

    statement {
      not_statement {
        statement {
          geo_match_statement {
            country_codes = ["US", "CA", "GB", "AU"]
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      sampled_requests_enabled   = true
      metric_name                = "agent-payments-geo"
    }
  }

  dynamic "rule" {
    for_each = var.managed_rule_groups
    content {
      name     = rule.key
      priority = rule.value

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          name        = rule.key
          vendor_name = "AWS"
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        sampled_requests_enabled   = true
        metric_name                = rule.key
      }
    }
  }

  # Requests per client over the default five-minute window.
  rule {
    name     = "agent-payments-rate-limit"
    priority = 500

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.rate_limit_per_window
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      sampled_requests_enabled   = true
      metric_name                = "agent-payments-rate-limit"
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    sampled_requests_enabled   = true
    metric_name                = "agent-payments-waf"
  }

  tags = { classification = "critical" }
}

resource "aws_wafv2_web_acl_association" "agents" {
  resource_arn = aws_lb.agents.arn
  web_acl_arn  = aws_wafv2_web_acl.critical.arn
}

resource "aws_cloudwatch_log_group" "waf" {
  name              = "aws-waf-logs-agent-payments"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.platform.arn
}

resource "aws_wafv2_web_acl_logging_configuration" "critical" {
  resource_arn            = aws_wafv2_web_acl.critical.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

resource "aws_shield_protection" "edge" {
  name         = "${local.name}-edge"
  resource_arn = aws_lb.agents.arn
}
