#!/usr/bin/env python3
"""Single large inputs: one file of each kind with about N resources or objects.

    python3 bench/make_large_files.py --resources N --out DIR

Writes DIR/terraform/main.tf (S3 buckets with their public access blocks, security groups
and KMS keys, referring to a variable and a local), DIR/plan/plan.json (a `terraform show
-json` plan of S3 buckets, indented), DIR/kubernetes/all.yaml (Deployments and Services
in one multi-document file) and DIR/cloudformation/template.yaml (buckets and keys with
`!Sub` and `!Ref`). Every file passes most of rampart's rules and fails a few on each
resource (a bucket without versioning or logging), so each scan reports about one finding
a resource, as a real large file would. The same arguments give the same files.
bench/large_files.sh runs rampart on them; docs/benchmarks.md, "Large single files",
reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def terraform(n: int) -> str:
    parts = [
        'variable "cidr" {\n  default = "10.0.0.0/8"\n}\n',
        'locals {\n  tags = { owner = "platform", tier = "standard" }\n}\n',
    ]
    for i in range(n // 4):
        parts.append(f'''resource "aws_s3_bucket" "b{i}" {{
  bucket = "bucket-{i}"
  tags   = local.tags
}}

resource "aws_s3_bucket_public_access_block" "b{i}" {{
  bucket                  = aws_s3_bucket.b{i}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_security_group" "sg{i}" {{
  name = "sg-{i}"
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }}
  tags = local.tags
}}

resource "aws_kms_key" "k{i}" {{
  enable_key_rotation = true
  tags                = local.tags
}}
''')
    return "\n".join(parts)


def plan(n: int) -> str:
    planned, configured, changes = [], [], []
    for i in range(n):
        address = f"aws_s3_bucket.b{i}"
        values = {"bucket": f"bucket-{i}", "tags": {"owner": "platform"}, "force_destroy": False}
        common = {"address": address, "mode": "managed", "type": "aws_s3_bucket", "name": f"b{i}"}
        provider = {"provider_name": "registry.terraform.io/hashicorp/aws"}
        planned.append({**common, **provider, "values": values})
        configured.append({**common, "expressions": {"bucket": {"constant_value": f"bucket-{i}"}}})
        changes.append({**common, **provider, "change": {"actions": ["create"], "before": None, "after": values}})
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": configured}},
    }
    return json.dumps(document, indent=1) + "\n"


def kubernetes(n: int) -> str:
    documents = []
    for i in range(n // 2):
        documents.append(f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team
  labels: {{app: app-{i}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      serviceAccountName: sa-{i}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {{type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/app@sha256:{"a" * 64}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
            requests: {{cpu: 100m, memory: 128Mi}}
''')
        documents.append(f'''apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: team
spec:
  selector: {{app: app-{i}}}
  ports: [{{port: 80, targetPort: 8080}}]
''')
    return "---\n".join(documents)


def cloudformation(n: int) -> str:
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Parameters:", "  Env:", "    Type: String",
             "    Default: prod", "Resources:"]
    for i in range(n // 2):
        lines += [
            f"  Bucket{i}:", "    Type: AWS::S3::Bucket", "    Properties:",
            f'      BucketName: !Sub "b{i}-${{Env}}"', "      PublicAccessBlockConfiguration:",
            "        BlockPublicAcls: true", "        BlockPublicPolicy: true",
            "        IgnorePublicAcls: true", "        RestrictPublicBuckets: true",
            f"  Key{i}:", "    Type: AWS::KMS::Key", "    Properties:", "      EnableKeyRotation: true",
            f"      Description: !Ref Bucket{i}",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, required=True, help="about how many a file (4 to 1000000)")
    parser.add_argument("--out", required=True, help="the directory to write")
    args = parser.parse_args()
    if not 4 <= args.resources <= 1_000_000:
        sys.exit("--resources must be between 4 and 1000000")
    for kind, name, text in [
        ("terraform", "main.tf", terraform(args.resources)),
        ("plan", "plan.json", plan(args.resources)),
        ("kubernetes", "all.yaml", kubernetes(args.resources)),
        ("cloudformation", "template.yaml", cloudformation(args.resources)),
    ]:
        os.makedirs(os.path.join(args.out, kind), exist_ok=True)
        with open(os.path.join(args.out, kind, name), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
