# The AWS side of the agent platform: the VPC of seed 003, the EKS cluster with
# one node group per tier, the internet-facing load balancer with its WAF, and
# the agents' databases. `terraform.tfvars` holds this environment's values.

terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      environment = var.environment
      owner       = "platform-team"
    }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  name = "agents-${var.environment}"
  # Addresses allowed to reach the operations bastion.
  admin_cidrs = var.admin_cidrs
}

resource "aws_kms_key" "platform" {
  description         = "Encrypts EKS secrets, logs and node volumes."
  enable_key_rotation = true
}

module "network" {
  source = "./modules/agent-network"

  name                    = local.name
  availability_zones      = slice(data.aws_availability_zones.available.names, 0, 2)
  log_key_arn             = aws_kms_key.platform.arn
  flow_log_retention_days = var.flow_log_retention_days
}

# ---------------------------------------------------------------------------
# Security groups
# ---------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "Internet-facing load balancer"
  vpc_id      = module.network.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_critical" {
  security_group_id            = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.critical_agents.id
}

resource "aws_security_group" "critical_agents" {
  name        = "${local.name}-critical-agents"
  description = "Critical agents: HTTPS from the load balancer only"
  vpc_id      = module.network.vpc_id

  tags = { classification = "critical" }
}

resource "aws_vpc_security_group_ingress_rule" "critical_from_alb" {
  security_group_id            = aws_security_group.critical_agents.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "critical_https" {
  security_group_id = aws_security_group.critical_agents.id
  description       = "Model and partner APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "critical_to_database" {
  security_group_id            = aws_security_group.critical_agents.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.database.id
}

resource "aws_security_group" "database" {
  name        = "${local.name}-database"
  description = "PostgreSQL for the agents"
  vpc_id      = module.network.vpc_id

  ingress {
    description     = "PostgreSQL from the critical agents"
    protocol        = "tcp"
    from_port       = 5432
    to_port         = 5432
    security_groups = [aws_security_group.critical_agents.id]
  }
}

# Deliberate violation: the operations bastion accepts SSH from the addresses
# in `admin_cidrs`, which this environment's tfvars sets to the whole internet.
resource "aws_security_group" "bastion" {
  name        = "${local.name}-bastion"
  description = "Operations bastion"
  vpc_id      = module.network.vpc_id

  ingress {
    description = "SSH for the on-call engineer"
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = local.admin_cidrs
  }
}

# ---------------------------------------------------------------------------
# EKS
# ---------------------------------------------------------------------------

resource "aws_iam_role" "cluster" {
  name = "${local.name}-cluster"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# Deliberate violation: the API endpoint's public access is left at its
# default (on, from anywhere).
resource "aws_eks_cluster" "agents" {
  name     = local.name
  role_arn = aws_iam_role.cluster.arn
  version  = var.kubernetes_version

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  vpc_config {
    subnet_ids              = concat(module.network.agent_subnet_ids["critical"], module.network.agent_subnet_ids["high"])
    endpoint_private_access = true
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.platform.arn
    }
  }
}

# NetworkPolicies are only enforced when the VPC CNI's policy agent is on.
resource "aws_eks_addon" "vpc_cni" {
  cluster_name = aws_eks_cluster.agents.name
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({
    enableNetworkPolicy = "true"
  })
}

resource "aws_iam_role" "nodes" {
  name = "${local.name}-nodes"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# Critical nodes: IMDSv2 only with a hop limit of 1, encrypted gp3 volumes.
resource "aws_launch_template" "critical" {
  name = "${local.name}-critical"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 100
      volume_type = "gp3"
      encrypted   = true
      kms_key_id  = aws_kms_key.platform.arn
    }
  }
}

# Deliberate violation: the high tier's template still allows IMDSv1.
resource "aws_launch_template" "high" {
  name = "${local.name}-high"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = var.high_nodes_http_tokens
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 100
      volume_type = "gp3"
      encrypted   = true
      kms_key_id  = aws_kms_key.platform.arn
    }
  }
}

resource "aws_eks_node_group" "critical" {
  cluster_name    = aws_eks_cluster.agents.name
  node_group_name = "critical-agents"
  node_role_arn   = aws_iam_role.nodes.arn
  subnet_ids      = module.network.agent_subnet_ids["critical"]
  ami_type        = "AL2023_x86_64_STANDARD"
  instance_types  = ["c6i.2xlarge"]

  launch_template {
    id      = aws_launch_template.critical.id
    version = aws_launch_template.critical.latest_version
  }

  scaling_config {
    desired_size = 2
    min_size     = 2
    max_size     = 6
  }

  labels = { "agent-classification" = "critical" }

  taint {
    key    = "agent-classification"
    value  = "critical"
    effect = "NO_SCHEDULE"
  }

  tags = { classification = "critical" }
}

resource "aws_eks_node_group" "high" {
  cluster_name    = aws_eks_cluster.agents.name
  node_group_name = "high-value-agents"
  node_role_arn   = aws_iam_role.nodes.arn
  subnet_ids      = module.network.agent_subnet_ids["high"]
  ami_type        = "AL2023_x86_64_STANDARD"
  instance_types  = ["c6i.xlarge"]

  launch_template {
    id      = aws_launch_template.high.id
    version = aws_launch_template.high.latest_version
  }

  scaling_config {
    desired_size = 2
    min_size     = 2
    max_size     = 4
  }

  labels = { "agent-classification" = "high" }
  tags   = { classification = "high" }
}

# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------

resource "aws_db_instance" "payments" {
  identifier                  = "${local.name}-payments"
  engine                      = "postgres"
  engine_version              = "16.4"
  instance_class              = "db.r6g.large"
  allocated_storage           = 100
  storage_encrypted           = true
  kms_key_id                  = aws_kms_key.platform.arn
  multi_az                    = true
  backup_retention_period     = 14
  deletion_protection         = true
  manage_master_user_password = true
  enabled_cloudwatch_logs_exports = ["postgresql"]
  username                    = "payments"
  db_subnet_group_name        = module.network.db_subnet_group
  vpc_security_group_ids      = [aws_security_group.database.id]

  tags = { classification = "critical" }
}

# Deliberate violations: whether the reporting database is public is a
# variable, and this environment's tfvars turns it on; and it shares the
# payments database's security group, so the two tiers cannot be told apart.
resource "aws_db_instance" "reports" {
  identifier                  = "${local.name}-reports"
  engine                      = "postgres"
  engine_version              = "16.4"
  instance_class              = "db.t4g.medium"
  allocated_storage           = 20
  storage_encrypted           = true
  backup_retention_period     = 7
  manage_master_user_password = true
  enabled_cloudwatch_logs_exports = ["postgresql"]
  username                    = "reports"
  publicly_accessible         = var.reports_public
  db_subnet_group_name        = module.network.db_subnet_group
  vpc_security_group_ids      = [aws_security_group.database.id]

  tags = { classification = "standard" }
}
