# The agent VPC of seed 003 (§3.1, §3.2): one pair of private subnets per tier,
# public subnets for the load balancer only, database subnets without any
# default route, a dedicated NAT gateway for the critical tier.

variable "name" {
  description = "Name prefix of every resource in the network."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's CIDR block."
  type        = string
  default     = "10.0.0.0/16"
}

variable "availability_zones" {
  description = "Two availability zones; every tier gets a subnet in each."
  type        = list(string)
}

variable "flow_log_traffic_type" {
  description = "Which traffic the VPC flow log records: ALL, ACCEPT or REJECT."
  type        = string
  default     = "ALL"
}

variable "flow_log_retention_days" {
  description = "How long the flow log's CloudWatch log group keeps records."
  type        = number
  default     = 365
}

variable "log_key_arn" {
  description = "KMS key that encrypts the flow-log group."
  type        = string
}

locals {
  # Subnet plan of seed 003, one /24 per tier and zone.
  tiers = {
    critical = ["10.0.1.0/24", "10.0.2.0/24"]
    high     = ["10.0.11.0/24", "10.0.12.0/24"]
    standard = ["10.0.21.0/24", "10.0.22.0/24"]
  }
  public   = ["10.0.101.0/24", "10.0.102.0/24"]
  database = ["10.0.201.0/24", "10.0.202.0/24"]

  agent_subnets = merge([
    for tier, cidrs in local.tiers : {
      for index, cidr in cidrs : "${tier}-${index}" => { tier = tier, cidr = cidr, zone = var.availability_zones[index] }
    }
  ]...)
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
}

resource "aws_subnet" "public" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = local.public[count.index]
  availability_zone = var.availability_zones[count.index]

  tags = { Name = "${var.name}-public-alb-${count.index}", purpose = "alb" }
}

resource "aws_subnet" "agents" {
  for_each          = local.agent_subnets
  vpc_id            = aws_vpc.this.id
  cidr_block        = each.value.cidr
  availability_zone = each.value.zone

  tags = {
    Name           = "${var.name}-${each.key}"
    classification = each.value.tier
  }
}

resource "aws_subnet" "database" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = local.database[count.index]
  availability_zone = var.availability_zones[count.index]

  tags = { Name = "${var.name}-database-${count.index}" }
}

resource "aws_eip" "nat" {
  for_each = toset(["critical", "shared"])
  domain   = "vpc"
}

resource "aws_nat_gateway" "this" {
  for_each      = aws_eip.nat
  allocation_id = each.value.id
  subnet_id     = aws_subnet.public[0].id

  tags = { Name = "${var.name}-nat-${each.key}" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }
}

resource "aws_route_table_association" "public" {
  count          = 2
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# Agent subnets leave the VPC only through a NAT gateway: the critical tier
# through its own, the others through the shared one. Deliberate violation: no
# Network Firewall inspects that traffic yet, which every tier's profile asks
# for (stateful with IDS for critical, stateful for high, stateless for
# standard).
resource "aws_route_table" "agents" {
  for_each = local.tiers
  vpc_id   = aws_vpc.this.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this[each.key == "critical" ? "critical" : "shared"].id
  }

  tags = { classification = each.key }
}

resource "aws_route_table_association" "agents" {
  for_each       = local.agent_subnets
  subnet_id      = aws_subnet.agents[each.key].id
  route_table_id = aws_route_table.agents[each.value.tier].id
}

# Database subnets have no default route at all.
resource "aws_route_table" "database" {
  vpc_id = aws_vpc.this.id
}

resource "aws_route_table_association" "database" {
  count          = 2
  subnet_id      = aws_subnet.database[count.index].id
  route_table_id = aws_route_table.database.id
}

resource "aws_db_subnet_group" "this" {
  name       = "${var.name}-database"
  subnet_ids = aws_subnet.database[*].id
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/${var.name}/vpc-flow-logs"
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = var.log_key_arn
}

resource "aws_iam_role" "flow_logs" {
  name = "${var.name}-flow-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_flow_log" "vpc" {
  vpc_id                   = aws_vpc.this.id
  traffic_type             = var.flow_log_traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn             = aws_iam_role.flow_logs.arn
  max_aggregation_interval = 60
}

output "vpc_id" {
  description = "The agent VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Subnets for the internet-facing load balancer."
  value       = aws_subnet.public[*].id
}

output "agent_subnet_ids" {
  description = "Private subnets by tier."
  value = {
    for tier in keys(local.tiers) : tier => [for key, subnet in aws_subnet.agents : subnet.id if local.agent_subnets[key].tier == tier]
  }
}

output "db_subnet_group" {
  description = "The database subnet group."
  value       = aws_db_subnet_group.this.name
}
