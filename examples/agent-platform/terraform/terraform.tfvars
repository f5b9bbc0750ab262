# Production values of the agent platform.
environment       = "prod"
access_log_bucket = "acme-agents-prod-lb-logs"
certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/0b6a3f4e-5d7c-4f1e-9a2b-8c3d4e5f6a7b"

# Deliberate violation: "temporarily" opened for a vendor's BI tool.
reports_public = true

# Deliberate violation: SSH to the bastion from anywhere.
admin_cidrs = ["0.0.0.0/0"]

# Deliberate violation: an old client needed IMDSv1 on the high tier's nodes.
high_nodes_http_tokens = "optional"

# Deliberate violation: 2,000 requests per five minutes is 400 a minute, four
# times the critical profile's 100.
rate_limit_per_window = 2000
