#!/usr/bin/env python3
"""Generates a synthetic platform monorepo for benchmarking rampart against Checkov.

    python3 bench/make_corpus.py --files N --out DIR [--seed S]

Writes about N files (N from 100 to 100,000) under DIR, replacing DIR if it exists, and
DIR/PLANTED.json listing every violation planted in the tree: its file, line, kind, the rampart
rule that must report it there, and the Checkov check(s) that should report it (with the file
and a line inside the resource Checkov reports, which for values that travel through variables
and modules is not where rampart reports them).

The tree is deterministic: the same arguments give a byte-identical tree (a seeded
`random.Random`, no clock, sorted iteration, fixed line endings).

Shares of the files, as in a platform monorepo where every service ships a Kubernetes
deployment and an image, and teams keep their cloud resources in Terraform roots with local
modules plus some older CloudFormation stacks:

    Kubernetes manifests  50 %  per team a namespace (tier and Pod Security labels), quota and
                                limit range, default-deny and DNS NetworkPolicies; per service a
                                Deployment (some StatefulSets), a Service, a NetworkPolicy, a
                                ServiceAccount with Role and RoleBinding, and a ConfigMap
    Terraform             30 %  roots of four kinds (service, cluster, audit, data), each with
                                versions.tf, variables.tf, terraform.tfvars, locals.tf, main.tf,
                                outputs.tf and one or two local modules under modules/ (main.tf,
                                variables.tf, outputs.tf) called with inputs; count and for_each
    Dockerfiles           10 %  multi-stage Python, Go and Node images, pinned by digest
    CloudFormation         8 %  YAML (three in four) and JSON templates of four kinds
    Other                  2 %  a README per team, rampart.toml at the root

Everything outside the planted violations is written to pass rampart's rules (tier labels,
default deny, quotas, restricted Pod Security, digests, an approved registry, encryption, key
rotation, private endpoints, ...), so rampart's findings beyond the planted ones are noise to
look at. Checkov checks many things rampart does not (probes, health checks, ...), so its total
count is not comparable; only its recall on the planted violations is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from pathlib import Path

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

# Target share of files per category (see the module docstring).
SHARES = {"k8s": 0.50, "terraform": 0.30, "docker": 0.10, "cloudformation": 0.08, "other": 0.02}

# Every kind of planted violation: the category it lives in, the rampart rule that must report it
# at the planted line, the Checkov check(s) any one of which counts as finding it, and whether the
# violation only appears once variables, tfvars, locals or module inputs are evaluated.
KINDS = {
    # Kubernetes (in a Deployment or StatefulSet)
    "k8s-privileged": ("k8s", "PSS-001", ["CKV_K8S_16"], False),
    "k8s-host-network": ("k8s", "PSS-007", ["CKV_K8S_19"], False),
    "k8s-host-pid": ("k8s", "PSS-007", ["CKV_K8S_17"], False),
    "k8s-privilege-escalation": ("k8s", "PSS-002", ["CKV_K8S_20"], False),
    "k8s-sys-admin": ("k8s", "PSS-005", ["CKV_K8S_39"], False),
    "k8s-latest-tag": ("k8s", "IMG-001", ["CKV_K8S_14"], False),
    "k8s-no-digest": ("k8s", "IMG-002", ["CKV_K8S_43"], False),
    "k8s-no-limits": ("k8s", "RES-002", ["CKV_K8S_11", "CKV_K8S_13"], False),
    "k8s-rbac-wildcard": ("k8s", "RBAC-001", ["CKV_K8S_49"], False),
    # Dockerfiles
    "docker-user-root": ("docker", "DF-001", ["CKV_DOCKER_8"], False),
    "docker-no-user": ("docker", "DF-001", ["CKV_DOCKER_3"], False),
    "docker-latest-base": ("docker", "IMG-001", ["CKV_DOCKER_7"], False),
    "docker-add-url": ("docker", "DF-002", ["CKV_DOCKER_4"], False),
    # Terraform, written where it is
    "tf-sg-ssh-world": ("terraform", "NET-006", ["CKV_AWS_24"], False),
    "tf-rds-unencrypted": ("terraform", "ENC-005", ["CKV_AWS_16"], False),
    "tf-ebs-unencrypted": ("terraform", "ENC-005", ["CKV_AWS_3"], False),
    "tf-s3-public-access": ("terraform", "S3-001", ["CKV_AWS_53"], False),
    "tf-imdsv1": ("terraform", "NODE-001", ["CKV_AWS_79"], False),
    "tf-eks-public-endpoint": ("terraform", "EKS-001", ["CKV_AWS_39"], False),
    "tf-cloudtrail-no-validation": ("terraform", "LOG-005", ["CKV_AWS_36"], False),
    "tf-kms-no-rotation": ("terraform", "KMS-001", ["CKV_AWS_7"], False),
    # Terraform, a violation only once values travel
    "tf-rds-public-via-tfvars": ("terraform", "NET-005", ["CKV_AWS_17"], True),
    "tf-sg-ssh-via-locals-for-each": ("terraform", "NET-006", ["CKV_AWS_24"], True),
    "tf-ebs-unencrypted-via-module-input": ("terraform", "ENC-005", ["CKV_AWS_3"], True),
    "tf-imdsv1-via-variable-default": ("terraform", "NODE-001", ["CKV_AWS_79"], True),
    "tf-sg-ssh-via-dynamic-block-tfvars": ("terraform", "NET-006", ["CKV_AWS_24"], True),
    # CloudFormation
    "cfn-sg-ssh-world": ("cloudformation", "NET-006", ["CKV_AWS_24"], False),
    "cfn-rds-unencrypted": ("cloudformation", "ENC-005", ["CKV_AWS_16"], False),
    "cfn-rds-public-via-parameter": ("cloudformation", "NET-005", ["CKV_AWS_17"], True),
    "cfn-s3-public-access": ("cloudformation", "S3-001", ["CKV_AWS_53"], False),
    "cfn-cloudtrail-no-validation": ("cloudformation", "LOG-005", ["CKV_AWS_36"], False),
    "cfn-kms-no-rotation": ("cloudformation", "KMS-001", ["CKV_AWS_7"], False),
    "cfn-ebs-unencrypted": ("cloudformation", "ENC-005", ["CKV_AWS_3"], False),
    "cfn-imdsv1": ("cloudformation", "NODE-001", ["CKV_AWS_79"], False),
}

# Which kinds each unit can carry.
K8S_KINDS = [k for k, v in KINDS.items() if v[0] == "k8s"]
DOCKER_KINDS = [k for k, v in KINDS.items() if v[0] == "docker"]
TF_ROOT_KINDS = {
    "service": [
        "tf-sg-ssh-world",
        "tf-sg-ssh-via-locals-for-each",
        "tf-rds-unencrypted",
        "tf-rds-public-via-tfvars",
        "tf-s3-public-access",
        "tf-sg-ssh-via-dynamic-block-tfvars",
    ],
    "cluster": ["tf-eks-public-endpoint", "tf-imdsv1", "tf-imdsv1-via-variable-default", "tf-kms-no-rotation"],
    "audit": ["tf-cloudtrail-no-validation", "tf-kms-no-rotation", "tf-s3-public-access"],
    "data": ["tf-ebs-unencrypted", "tf-ebs-unencrypted-via-module-input", "tf-kms-no-rotation"],
}
CFN_STACK_KINDS = {
    "database": ["cfn-sg-ssh-world", "cfn-rds-unencrypted", "cfn-rds-public-via-parameter", "cfn-kms-no-rotation"],
    "bucket": ["cfn-s3-public-access"],
    "audit": ["cfn-cloudtrail-no-validation", "cfn-kms-no-rotation"],
    "compute": ["cfn-imdsv1", "cfn-ebs-unencrypted"],
}

# After every kind of a category has been planted once, a unit gets a violation with this
# probability (a Terraform root or a template: each of its possible kinds, independently).
PLANT_RATE = {"k8s": 0.25, "docker": 0.25, "terraform": 0.6, "cloudformation": 0.4}

TEAMS = [
    "payments", "search", "identity", "ledger", "catalog", "checkout", "risk", "growth",
    "support", "media", "notify", "billing", "fraud", "routing", "pricing", "inventory",
    "shipping", "reviews", "accounts", "analytics", "messaging", "partners", "loyalty", "tax",
]
SUFFIXES = [
    "api", "worker", "gateway", "scheduler", "indexer", "sync", "exporter", "ingest", "router",
    "cache", "reporter", "matcher", "notifier", "resolver", "collector", "planner",
]
LANGS = ["python", "go", "node"]


def digest(*parts: object) -> str:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


class Doc:
    """Lines of one file, numbered from 1, so planted lines are known exactly."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> int:
        """Appends lines; returns the number of the first."""
        first = len(self.lines) + 1
        for text in lines:
            self.lines.extend(text.split("\n"))
        return first

    @property
    def next(self) -> int:
        return len(self.lines) + 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class Corpus:
    def __init__(self, out: Path, seed: int) -> None:
        self.out = out
        self.rng = random.Random(seed)
        self.files: dict[str, str] = {}
        self.counts = {c: 0 for c in SHARES}
        self.planted: list[dict] = []
        self.covered: set[str] = set()
        self.rotation = {c: 0 for c in ("k8s", "docker")}

    # -- bookkeeping ---------------------------------------------------------------------------

    def write(self, category: str, path: str, text: str) -> None:
        assert path not in self.files, path
        self.files[path] = text
        self.counts[category] += 1

    def plant(self, kind: str, path: str, line: int, checkov_path: str | None = None,
              checkov_line: int | None = None, also: list[tuple[str, int]] | None = None) -> None:
        _, rule, checks, evaluated = KINDS[kind]
        self.covered.add(kind)
        self.planted.append({
            "kind": kind,
            "file": path,
            "line": line,
            "rampart": rule,
            "checkov": checks,
            "checkov_file": checkov_path or path,
            "checkov_line": checkov_line or line,
            "evaluated": evaluated,
            # Other rampart findings the planted construct causes, as [rule, line] in the same file.
            "rampart_also": [list(a) for a in also or []],
        })

    def pick_one(self, category: str, kinds: list[str]) -> str | None:
        """The kind to plant in the next unit of a category with one violation at most."""
        missing = [k for k in kinds if k not in self.covered]
        if missing:
            return missing[0]
        if self.rng.random() < PLANT_RATE[category]:
            i = self.rotation[category]
            self.rotation[category] += 1
            return kinds[i % len(kinds)]
        return None

    def pick_many(self, category: str, kinds: list[str]) -> set[str]:
        """The kinds to plant in a unit that can carry several (a root, a template)."""
        chosen = set()
        missing = [k for k in kinds if k not in self.covered]
        if missing:
            chosen.add(missing[0])
        for k in kinds:
            if self.rng.random() < PLANT_RATE[category] / len(kinds):
                chosen.add(k)
        return chosen

    # -- Kubernetes ------------------------------------------------------------------------------

    def k8s_namespace(self, team: str, ns: str, tier: str) -> None:
        base = f"k8s/{team}"
        d = Doc()
        d.add(
            f"# Namespace of the {team} team's services ({tier} tier).",
            "apiVersion: v1",
            "kind: Namespace",
            "metadata:",
            f"  name: {ns}",
            "  labels:",
            f"    agent-classification: {tier}",
            f"    team: {team}",
            "    pod-security.kubernetes.io/enforce: restricted",
            "    pod-security.kubernetes.io/enforce-version: latest",
            "    pod-security.kubernetes.io/warn: restricted",
            "    pod-security.kubernetes.io/audit: restricted",
        )
        self.write("k8s", f"{base}/namespace.yaml", d.text())
        cpu = self.rng.choice([8, 16, 32])
        d = Doc()
        d.add(
            "apiVersion: v1",
            "kind: ResourceQuota",
            "metadata:",
            f"  name: {ns}-quota",
            f"  namespace: {ns}",
            "spec:",
            "  hard:",
            f'    requests.cpu: "{cpu}"',
            f"    requests.memory: {cpu * 2}Gi",
            f'    limits.cpu: "{cpu * 2}"',
            f"    limits.memory: {cpu * 4}Gi",
            "    pods: \"200\"",
            "---",
            "apiVersion: v1",
            "kind: LimitRange",
            "metadata:",
            f"  name: {ns}-defaults",
            f"  namespace: {ns}",
            "spec:",
            "  limits:",
            "    - type: Container",
            "      defaultRequest:",
            "        ephemeral-storage: 256Mi",
            "      default:",
            "        ephemeral-storage: 1Gi",
        )
        self.write("k8s", f"{base}/quota.yaml", d.text())
        d = Doc()
        d.add(
            "# Deny everything by default; services open what they need.",
            "apiVersion: networking.k8s.io/v1",
            "kind: NetworkPolicy",
            "metadata:",
            "  name: default-deny",
            f"  namespace: {ns}",
            "spec:",
            "  podSelector: {}",
            "  policyTypes: [Ingress, Egress]",
            "---",
            "apiVersion: networking.k8s.io/v1",
            "kind: NetworkPolicy",
            "metadata:",
            "  name: allow-dns",
            f"  namespace: {ns}",
            "spec:",
            "  podSelector: {}",
            "  policyTypes: [Egress]",
            "  egress:",
            "    - to:",
            "        - namespaceSelector:",
            "            matchLabels:",
            "              kubernetes.io/metadata.name: kube-system",
            "          podSelector:",
            "            matchLabels:",
            "              k8s-app: kube-dns",
            "      ports:",
            "        - protocol: UDP",
            "          port: 53",
            "        - protocol: TCP",
            "          port: 53",
        )
        self.write("k8s", f"{base}/network-policies.yaml", d.text())

    def k8s_app(self, team: str, ns: str, tier: str, app: str, kind: str | None) -> None:
        base = f"k8s/{team}/{app}"
        rng = self.rng
        port = rng.choice([8080, 8443, 9000, 3000])
        replicas = rng.choice([2, 3, 4, 6])
        workload = "StatefulSet" if rng.random() < 0.15 else "Deployment"
        version = f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
        path = f"{base}/{workload.lower()}.yaml"
        d = Doc()
        d.add(
            "apiVersion: apps/v1",
            f"kind: {workload}",
            "metadata:",
            f"  name: {app}",
            f"  namespace: {ns}",
            "  labels:",
            f"    app.kubernetes.io/name: {app}",
            f"    app.kubernetes.io/part-of: {team}",
            f"    agent-classification: {tier}",
            "spec:",
        )
        if workload == "StatefulSet":
            d.add(f"  serviceName: {app}")
        d.add(
            f"  replicas: {replicas}",
            "  selector:",
            "    matchLabels:",
            f"      app.kubernetes.io/name: {app}",
            "  template:",
            "    metadata:",
            "      labels:",
            f"        app.kubernetes.io/name: {app}",
            f"        agent-classification: {tier}",
            "    spec:",
            f"      serviceAccountName: {app}",
            "      automountServiceAccountToken: false",
        )
        if kind == "k8s-host-network":
            self.plant(kind, path, d.add("      hostNetwork: true"))
        if kind == "k8s-host-pid":
            self.plant(kind, path, d.add("      hostPID: true"))
        uid = 10000 + rng.randint(1, 9999)
        d.add(
            "      securityContext:",
            "        runAsNonRoot: true",
            f"        runAsUser: {uid}",
            f"        runAsGroup: {uid}",
            f"        fsGroup: {uid}",
            "        seccompProfile:",
            "          type: RuntimeDefault",
            "      containers:",
        )
        name_line = d.add(f"        - name: {app}")
        image = f"{REGISTRY}/{team}/{app}"
        if kind == "k8s-latest-tag":
            self.plant(kind, path, d.add(f"          image: {image}:latest"))
        elif kind == "k8s-no-digest":
            self.plant(kind, path, d.add(f"          image: {image}:{version}"))
        else:
            d.add(f"          image: {image}:{version}@sha256:{digest(team, app, version)}")
        d.add(
            "          ports:",
            f"            - containerPort: {port}",
            "              name: http",
            "          envFrom:",
            "            - configMapRef:",
            f"                name: {app}-settings",
            "          readinessProbe:",
            "            httpGet:",
            "              path: /healthz",
            "              port: http",
            "          livenessProbe:",
            "            httpGet:",
            "              path: /healthz",
            "              port: http",
        )
        cpu = rng.choice([100, 200, 250, 500])
        mem = rng.choice([128, 256, 512, 1024])
        d.add(
            "          resources:",
            "            requests:",
            f"              cpu: {cpu}m",
            f"              memory: {mem}Mi",
        )
        if kind == "k8s-no-limits":
            self.plant(kind, path, name_line)
        else:
            d.add(
                "            limits:",
                f"              cpu: {cpu * 4}m",
                f"              memory: {mem * 2}Mi",
                "              ephemeral-storage: 1Gi",
            )
        d.add("          securityContext:")
        if kind == "k8s-privileged":
            line = d.add("            privileged: true")
            # The API refuses privileged with allowPrivilegeEscalation false; the restricted level
            # of the high tier then also reports PSS-002 on the same container.
            esc = d.add("            allowPrivilegeEscalation: true")
            self.plant(kind, path, line, also=[("PSS-002", esc)] if tier != "standard" else [])
        elif kind == "k8s-privilege-escalation":
            self.plant(kind, path, d.add("            allowPrivilegeEscalation: true"))
        else:
            d.add("            allowPrivilegeEscalation: false")
        d.add(
            "            readOnlyRootFilesystem: true",
            "            capabilities:",
            "              drop: [ALL]",
        )
        if kind == "k8s-sys-admin":
            self.plant(kind, path, d.add("              add: [SYS_ADMIN]"))
        d.add(
            "          volumeMounts:",
            "            - name: tmp",
            "              mountPath: /tmp",
            "      volumes:",
            "        - name: tmp",
            "          emptyDir:",
            "            sizeLimit: 256Mi",
        )
        self.write("k8s", path, d.text())

        d = Doc()
        d.add(
            "apiVersion: v1",
            "kind: Service",
            "metadata:",
            f"  name: {app}",
            f"  namespace: {ns}",
            "  labels:",
            f"    app.kubernetes.io/name: {app}",
            "spec:",
            "  type: ClusterIP",
            "  selector:",
            f"    app.kubernetes.io/name: {app}",
            "  ports:",
            "    - name: http",
            "      port: 443",
            f"      targetPort: {port}",
            "      protocol: TCP",
        )
        self.write("k8s", f"{base}/service.yaml", d.text())

        d = Doc()
        d.add(
            "apiVersion: networking.k8s.io/v1",
            "kind: NetworkPolicy",
            "metadata:",
            f"  name: {app}",
            f"  namespace: {ns}",
            "spec:",
            "  podSelector:",
            "    matchLabels:",
            f"      app.kubernetes.io/name: {app}",
            "  policyTypes: [Ingress]",
            "  ingress:",
            "    - from:",
            "        - namespaceSelector:",
            "            matchLabels:",
            "              kubernetes.io/metadata.name: ingress-controller",
            "      ports:",
            "        - protocol: TCP",
            f"          port: {port}",
        )
        self.write("k8s", f"{base}/network-policy.yaml", d.text())

        path = f"{base}/rbac.yaml"
        d = Doc()
        d.add(
            "apiVersion: v1",
            "kind: ServiceAccount",
            "metadata:",
            f"  name: {app}",
            f"  namespace: {ns}",
            "automountServiceAccountToken: false",
            "---",
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: Role",
            "metadata:",
            f"  name: {app}-settings-reader",
            f"  namespace: {ns}",
            "rules:",
        )
        if kind == "k8s-rbac-wildcard":
            d.add('  - apiGroups: [""]', "    resources: [configmaps]")
            self.plant(kind, path, d.add('    verbs: ["*"]'))
        else:
            d.add(
                '  - apiGroups: [""]',
                "    resources: [configmaps]",
                f"    resourceNames: [{app}-settings]",
                "    verbs: [get, watch]",
            )
        d.add(
            "---",
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: RoleBinding",
            "metadata:",
            f"  name: {app}-settings-reader",
            f"  namespace: {ns}",
            "subjects:",
            "  - kind: ServiceAccount",
            f"    name: {app}",
            f"    namespace: {ns}",
            "roleRef:",
            "  apiGroup: rbac.authorization.k8s.io",
            "  kind: Role",
            f"  name: {app}-settings-reader",
        )
        self.write("k8s", path, d.text())

        d = Doc()
        d.add(
            "apiVersion: v1",
            "kind: ConfigMap",
            "metadata:",
            f"  name: {app}-settings",
            f"  namespace: {ns}",
            "data:",
            f'  LISTEN_PORT: "{port}"',
            f"  LOG_LEVEL: {rng.choice(['info', 'warn', 'debug'])}",
            f'  WORKERS: "{rng.randint(2, 16)}"',
            f"  UPSTREAM_URL: https://{rng.choice(SUFFIXES)}.{team}.svc.cluster.local",
        )
        self.write("k8s", f"{base}/configmap.yaml", d.text())

    # -- Dockerfiles -----------------------------------------------------------------------------

    def dockerfile(self, team: str, app: str, kind: str | None) -> None:
        path = f"services/{team}/{app}/Dockerfile"
        lang = LANGS[int(digest(app)[:4], 16) % len(LANGS)]
        d = Doc()
        if lang == "python":
            build, run = "python:3.12-slim", "python:3.12-slim"
        elif lang == "go":
            build, run = "golang:1.24-bookworm", "debian:12-slim"
        else:
            build, run = "node:22-bookworm-slim", "node:22-bookworm-slim"
        d.add(
            "# syntax=docker/dockerfile:1.7",
            f"FROM {REGISTRY}/base/{build}@sha256:{digest(build)} AS build",
            "WORKDIR /src",
        )
        if lang == "python":
            d.add(
                "COPY requirements.txt .",
                "RUN pip install --no-cache-dir --prefix=/install -r requirements.txt",
                "COPY . .",
            )
        elif lang == "go":
            d.add(
                "COPY go.mod go.sum ./",
                "RUN go mod download",
                "COPY . .",
                f"RUN CGO_ENABLED=0 go build -trimpath -o /out/{app} ./cmd/{app}",
            )
        else:
            d.add("COPY package.json package-lock.json ./", "RUN npm ci --omit=dev", "COPY . .")
        d.add("")
        if kind == "docker-latest-base":
            from_line = d.add(f"FROM {REGISTRY}/base/{run.split(':')[0]}:latest")
            self.plant(kind, path, from_line)
        else:
            from_line = d.add(f"FROM {REGISTRY}/base/{run}@sha256:{digest(run, 'run')}")
        d.add(
            f'LABEL org.opencontainers.image.source="https://git.example.com/platform/{team}"',
            "WORKDIR /app",
        )
        if lang == "python":
            d.add("COPY --from=build /install /usr/local", "COPY --from=build /src /app")
            cmd = '["python3", "-m", "app"]'
        elif lang == "go":
            d.add(f"COPY --from=build /out/{app} /usr/local/bin/{app}")
            cmd = f'["/usr/local/bin/{app}"]'
        else:
            d.add("COPY --from=build /src /app")
            cmd = '["node", "server.js"]'
        if kind == "docker-add-url":
            self.plant(kind, path, d.add(
                "ADD https://downloads.example.com/grpc-health-probe/v0.4.28/grpc_health_probe-linux-amd64 /usr/local/bin/grpc_health_probe"))
        d.add("EXPOSE 8080")
        if kind == "docker-user-root":
            self.plant(kind, path, d.add("USER root"))
        elif kind == "docker-no-user":
            # Checkov's CKV_DOCKER_3 is reported on the whole file (its range starts at line 1).
            self.plant(kind, path, from_line)
        else:
            d.add("USER 10001:10001")
        d.add(
            "HEALTHCHECK --interval=30s --timeout=3s CMD [\"/bin/true\"]",
            f"ENTRYPOINT {cmd}",
        )
        self.write("docker", path, d.text())

    # -- Terraform -------------------------------------------------------------------------------

    def tf_root(self, team: str, stack: str, root_kind: str, kinds: set[str]) -> None:
        base = f"infra/terraform/{team}/{stack}"
        rng = self.rng
        if "tf-imdsv1" in kinds:
            # The literal in the module would hide the variable's value.
            kinds.discard("tf-imdsv1-via-variable-default")
        env = rng.choice(["prod", "staging"])
        vpc = "vpc-0" + digest(base)[:16]
        subnets = ", ".join(f'"subnet-0{digest(base, i)[:16]}"' for i in range(3))

        d = Doc()
        d.add(
            "terraform {",
            '  required_version = ">= 1.6.0"',
            "",
            "  required_providers {",
            "    aws = {",
            '      source  = "hashicorp/aws"',
            '      version = "~> 5.80"',
            "    }",
            "  }",
            "",
            '  backend "s3" {',
            '    bucket       = "platform-terraform-state"',
            f'    key          = "{team}/{stack}/terraform.tfstate"',
            '    region       = "us-east-1"',
            "    encrypt      = true",
            "    use_lockfile = true",
            "  }",
            "}",
            "",
            'provider "aws" {',
            "  region = var.region",
            "",
            "  default_tags {",
            "    tags = {",
            f'      team        = "{team}"',
            f'      stack       = "{stack}"',
            "      environment = var.environment",
            '      managed-by  = "terraform"',
            "    }",
            "  }",
            "}",
        )
        self.write("terraform", f"{base}/versions.tf", d.text())

        variables = Doc()
        variables.add(
            'variable "region" {',
            '  description = "AWS region."',
            "  type        = string",
            '  default     = "us-east-1"',
            "}",
            "",
            'variable "environment" {',
            '  description = "Environment name."',
            "  type        = string",
            "",
            "  validation {",
            '    condition     = contains(["dev", "staging", "prod"], var.environment)',
            '    error_message = "environment must be dev, staging or prod."',
            "  }",
            "}",
            "",
            'variable "vpc_id" {',
            '  description = "VPC of the stack (owned by the network stack)."',
            "  type        = string",
            "}",
            "",
            'variable "subnet_ids" {',
            '  description = "Private subnets of the stack."',
            "  type        = list(string)",
            "}",
        )
        tfvars = Doc()
        tfvars.add(
            f"# {env} values of {team}/{stack}.",
            f'environment = "{env}"',
            f'vpc_id      = "{vpc}"',
            f"subnet_ids  = [{subnets}]",
        )
        locals_ = Doc()
        locals_.add(
            "locals {",
            f'  name = "${{var.environment}}-{team}-{stack}"',
            "",
            "  common_tags = {",
            f'    service = "{team}-{stack}"',
            f'    owner   = "{team}@example.com"',
            "  }",
        )
        main = Doc()
        main.add(
            'resource "aws_kms_key" "main" {',
            '  description             = "Key of ${local.name}"',
            "  deletion_window_in_days = 30",
        )
        if "tf-kms-no-rotation" in kinds:
            self.plant("tf-kms-no-rotation", f"{base}/main.tf", main.add("  enable_key_rotation     = false"))
        else:
            main.add("  enable_key_rotation     = true")
        main.add(
            "  tags                    = local.common_tags",
            "}",
            "",
            'resource "aws_kms_alias" "main" {',
            '  name          = "alias/${local.name}"',
            "  target_key_id = aws_kms_key.main.key_id",
            "}",
        )
        outputs = Doc()
        outputs.add(
            'output "kms_key_arn" {',
            '  description = "Key of the stack."',
            "  value       = aws_kms_key.main.arn",
            "}",
        )
        modules: dict[str, tuple[Doc, Doc, Doc]] = {}

        if root_kind == "service":
            self._tf_service(base, kinds, variables, tfvars, locals_, main, outputs, modules)
        elif root_kind == "cluster":
            self._tf_cluster(base, kinds, variables, tfvars, locals_, main, outputs, modules)
        elif root_kind == "audit":
            self._tf_audit(base, kinds, variables, tfvars, locals_, main, outputs, modules)
        else:
            self._tf_data(base, kinds, variables, tfvars, locals_, main, outputs, modules)

        locals_.add("}")
        self.write("terraform", f"{base}/variables.tf", variables.text())
        self.write("terraform", f"{base}/terraform.tfvars", tfvars.text())
        self.write("terraform", f"{base}/locals.tf", locals_.text())
        self.write("terraform", f"{base}/main.tf", main.text())
        self.write("terraform", f"{base}/outputs.tf", outputs.text())
        for name in sorted(modules):
            m_main, m_vars, m_out = modules[name]
            self.write("terraform", f"{base}/modules/{name}/main.tf", m_main.text())
            self.write("terraform", f"{base}/modules/{name}/variables.tf", m_vars.text())
            self.write("terraform", f"{base}/modules/{name}/outputs.tf", m_out.text())

    def _storage_module(self, base: str, kinds: set[str], modules: dict) -> None:
        """modules/storage: a private, encrypted, versioned bucket that refuses plain HTTP."""
        m_main, m_vars, m_out = Doc(), Doc(), Doc()
        path = f"{base}/modules/storage/main.tf"
        m_main.add(
            'resource "aws_s3_bucket" "this" {',
            "  bucket = var.bucket_name",
            "  tags   = var.tags",
            "}",
            "",
            'resource "aws_s3_bucket_public_access_block" "this" {',
            "  bucket                  = aws_s3_bucket.this.id",
        )
        if "tf-s3-public-access" in kinds:
            self.plant("tf-s3-public-access", path, m_main.add("  block_public_acls       = false"))
        else:
            m_main.add("  block_public_acls       = true")
        m_main.add(
            "  block_public_policy     = true",
            "  ignore_public_acls      = true",
            "  restrict_public_buckets = true",
            "}",
            "",
            'resource "aws_s3_bucket_versioning" "this" {',
            "  bucket = aws_s3_bucket.this.id",
            "",
            "  versioning_configuration {",
            '    status = "Enabled"',
            "  }",
            "}",
            "",
            'resource "aws_s3_bucket_server_side_encryption_configuration" "this" {',
            "  bucket = aws_s3_bucket.this.id",
            "",
            "  rule {",
            "    apply_server_side_encryption_by_default {",
            '      sse_algorithm     = "aws:kms"',
            "      kms_master_key_id = var.kms_key_arn",
            "    }",
            "    bucket_key_enabled = true",
            "  }",
            "}",
            "",
            'data "aws_iam_policy_document" "tls_only" {',
            "  statement {",
            '    sid     = "DenyInsecureTransport"',
            '    effect  = "Deny"',
            '    actions = ["s3:*"]',
            "    resources = [",
            "      aws_s3_bucket.this.arn,",
            '      "${aws_s3_bucket.this.arn}/*",',
            "    ]",
            "",
            "    principals {",
            '      type        = "*"',
            '      identifiers = ["*"]',
            "    }",
            "",
            "    condition {",
            '      test     = "Bool"',
            '      variable = "aws:SecureTransport"',
            '      values   = ["false"]',
            "    }",
            "  }",
            "}",
            "",
            'resource "aws_s3_bucket_policy" "this" {',
            "  bucket = aws_s3_bucket.this.id",
            "  policy = data.aws_iam_policy_document.tls_only.json",
            "}",
        )
        m_vars.add(
            'variable "bucket_name" {',
            '  description = "Name of the bucket."',
            "  type        = string",
            "}",
            "",
            'variable "kms_key_arn" {',
            '  description = "KMS key encrypting the objects."',
            "  type        = string",
            "}",
            "",
            'variable "tags" {',
            '  description = "Tags of the bucket."',
            "  type        = map(string)",
            "  default     = {}",
            "}",
        )
        m_out.add(
            'output "bucket" {',
            '  description = "Name of the bucket."',
            "  value       = aws_s3_bucket.this.bucket",
            "}",
            "",
            'output "arn" {',
            '  description = "ARN of the bucket."',
            "  value       = aws_s3_bucket.this.arn",
            "}",
        )
        modules["storage"] = (m_main, m_vars, m_out)

    def _tf_service(self, base, kinds, variables, tfvars, locals_, main, outputs, modules) -> None:
        rng = self.rng
        port = rng.choice([5432, 3306])
        engine, version = ("postgres", "16.4") if port == 5432 else ("mysql", "8.0.39")
        logs = '["postgresql", "upgrade"]' if engine == "postgres" else '["error", "slowquery"]'
        variables.add(
            "",
            'variable "db_instance_class" {',
            '  description = "Instance class of the database."',
            "  type        = string",
            '  default     = "db.t4g.medium"',
            "}",
            "",
            'variable "db_publicly_accessible" {',
            '  description = "Whether the database gets a public address."',
            "  type        = bool",
            "  default     = false",
            "}",
            "",
            'variable "backup_retention_days" {',
            '  description = "Days of automated backups."',
            "  type        = number",
            "  default     = 14",
            "}",
        )
        tfvars.add(f'db_instance_class     = "{rng.choice(["db.t4g.medium", "db.r6g.large", "db.m6g.large"])}"')
        if "tf-rds-public-via-tfvars" in kinds:
            line = tfvars.add("db_publicly_accessible = true")
            # Checkov reports the instance in the module (line filled in below).
            self._pending = ("tf-rds-public-via-tfvars", f"{base}/terraform.tfvars", line)
        else:
            self._pending = None
            tfvars.add("db_publicly_accessible = false")
        tfvars.add(f"backup_retention_days  = {rng.choice([7, 14, 35])}")
        variables.add(
            "",
            'variable "admin_ingress" {',
            '  description = "Operations access to the tasks: port and source ranges."',
            "  type = list(object({",
            "    port  = number",
            "    cidrs = list(string)",
            "  }))",
            "  default = []",
            "}",
        )
        if "tf-sg-ssh-via-dynamic-block-tfvars" in kinds:
            tfvars.add("admin_ingress = [", "  {", "    port  = 22")
            dyn_plant = tfvars.add('    cidrs = ["0.0.0.0/0"]')
            tfvars.add("  },", "]")
        else:
            dyn_plant = None
            tfvars.add("admin_ingress = []")

        locals_.add("", "  # Ingress of the service's load balancer group, one rule per entry.", "  ingress_rules = {")
        locals_.add('    https = { port = 443, cidr = "0.0.0.0/0" }')
        if "tf-sg-ssh-via-locals-for-each" in kinds:
            line = locals_.add('    ssh   = { port = 22, cidr = "0.0.0.0/0" }')
            for_each_plant = line
        else:
            for_each_plant = None
        locals_.add("  }")

        main.add(
            "",
            'resource "aws_security_group" "lb" {',
            '  name        = "${local.name}-lb"',
            '  description = "Load balancer of ${local.name}"',
            "  vpc_id      = var.vpc_id",
            "  tags        = local.common_tags",
            "}",
            "",
        )
        rule_line = main.add(
            'resource "aws_vpc_security_group_ingress_rule" "lb" {',
            "  for_each = local.ingress_rules",
            "",
            "  security_group_id = aws_security_group.lb.id",
            '  description       = "${each.key} from the internet"',
            '  ip_protocol       = "tcp"',
            "  from_port         = each.value.port",
            "  to_port           = each.value.port",
            "  cidr_ipv4         = each.value.cidr",
            "}",
        )
        if for_each_plant:
            self.plant("tf-sg-ssh-via-locals-for-each", f"{base}/locals.tf", for_each_plant,
                       f"{base}/main.tf", rule_line)
        main.add("")
        app_sg_line = main.add(
            'resource "aws_security_group" "app" {',
            '  name        = "${local.name}-app"',
            '  description = "Tasks of ${local.name}"',
            "  vpc_id      = var.vpc_id",
            "  tags        = local.common_tags",
            "",
            "  dynamic \"ingress\" {",
            "    for_each = var.admin_ingress",
            "    content {",
            '      description = "Operations"',
            "      from_port   = ingress.value.port",
            "      to_port     = ingress.value.port",
            '      protocol    = "tcp"',
            "      cidr_blocks = ingress.value.cidrs",
            "    }",
            "  }",
            "}",
            "",
            'resource "aws_vpc_security_group_ingress_rule" "app_from_lb" {',
            "  security_group_id            = aws_security_group.app.id",
            '  description                  = "HTTPS from the load balancer"',
            "  referenced_security_group_id = aws_security_group.lb.id",
            '  ip_protocol                  = "tcp"',
            "  from_port                    = 8443",
            "  to_port                      = 8443",
            "}",
        )
        if dyn_plant:
            self.plant("tf-sg-ssh-via-dynamic-block-tfvars", f"{base}/terraform.tfvars", dyn_plant,
                       f"{base}/main.tf", app_sg_line)
        if "tf-sg-ssh-world" in kinds:
            main.add(
                "",
                'resource "aws_security_group" "bastion" {',
                '  name        = "${local.name}-bastion"',
                '  description = "Operations access"',
                "  vpc_id      = var.vpc_id",
                "",
                "  ingress {",
                '    description = "SSH"',
                "    from_port   = 22",
                "    to_port     = 22",
                '    protocol    = "tcp"',
            )
            self.plant("tf-sg-ssh-world", f"{base}/main.tf", main.add('    cidr_blocks = ["0.0.0.0/0"]'))
            main.add("  }", "}")
        main.add(
            "",
            'module "database" {',
            '  source = "./modules/database"',
            "",
            '  name                      = "${local.name}-db"',
            "  vpc_id                    = var.vpc_id",
            "  subnet_ids                = var.subnet_ids",
            "  client_security_group_id  = aws_security_group.app.id",
            "  instance_class            = var.db_instance_class",
            "  publicly_accessible       = var.db_publicly_accessible",
            "  backup_retention_days     = var.backup_retention_days",
            "  kms_key_arn               = aws_kms_key.main.arn",
            f"  port                      = {port}",
            "  tags                      = local.common_tags",
            "}",
            "",
            'module "storage" {',
            '  source = "./modules/storage"',
            "",
            '  bucket_name = "${local.name}-artifacts"',
            "  kms_key_arn = aws_kms_key.main.arn",
            "  tags        = local.common_tags",
            "}",
        )
        outputs.add(
            "",
            'output "database_endpoint" {',
            '  description = "Address of the database."',
            "  value       = module.database.endpoint",
            "}",
            "",
            'output "artifact_bucket" {',
            '  description = "Bucket of the artifacts."',
            "  value       = module.storage.bucket",
            "}",
        )

        m_main, m_vars, m_out = Doc(), Doc(), Doc()
        mpath = f"{base}/modules/database/main.tf"
        m_main.add(
            'resource "aws_db_subnet_group" "this" {',
            "  name       = var.name",
            "  subnet_ids = var.subnet_ids",
            "  tags       = var.tags",
            "}",
            "",
            'resource "aws_security_group" "this" {',
            "  name        = var.name",
            '  description = "Database ${var.name}"',
            "  vpc_id      = var.vpc_id",
            "  tags        = var.tags",
            "}",
            "",
            'resource "aws_vpc_security_group_ingress_rule" "clients" {',
            "  security_group_id            = aws_security_group.this.id",
            '  description                  = "Clients of the database"',
            "  referenced_security_group_id = var.client_security_group_id",
            '  ip_protocol                  = "tcp"',
            "  from_port                    = var.port",
            "  to_port                      = var.port",
            "}",
            "",
        )
        db_line = m_main.add(
            'resource "aws_db_instance" "this" {',
            "  identifier                      = var.name",
            f'  engine                          = "{engine}"',
            f'  engine_version                  = "{version}"',
            "  instance_class                  = var.instance_class",
            "  allocated_storage               = 100",
            "  max_allocated_storage           = 500",
            "  port                            = var.port",
            '  username                        = "app_admin"',
            "  manage_master_user_password     = true",
            "  db_subnet_group_name            = aws_db_subnet_group.this.name",
            "  vpc_security_group_ids          = [aws_security_group.this.id]",
            "  publicly_accessible             = var.publicly_accessible",
            "  multi_az                        = true",
        )
        if "tf-rds-unencrypted" in kinds:
            self.plant("tf-rds-unencrypted", mpath, m_main.add("  storage_encrypted               = false"))
        else:
            m_main.add("  storage_encrypted               = true")
        m_main.add(
            "  backup_retention_period         = var.backup_retention_days",
            "  deletion_protection             = true",
            "  copy_tags_to_snapshot           = true",
            "  auto_minor_version_upgrade      = true",
            f"  enabled_cloudwatch_logs_exports = {logs}",
            "  performance_insights_enabled    = true",
            "  performance_insights_kms_key_id = var.kms_key_arn",
            "  monitoring_interval             = 60",
            "  monitoring_role_arn             = aws_iam_role.monitoring.arn",
            "  iam_database_authentication_enabled = true",
            '  final_snapshot_identifier       = "${var.name}-final"',
            "  tags                            = var.tags",
            "}",
            "",
            'resource "aws_iam_role" "monitoring" {',
            '  name = "${var.name}-monitoring"',
            "",
            "  assume_role_policy = jsonencode({",
            '    Version = "2012-10-17"',
            "    Statement = [{",
            '      Effect    = "Allow"',
            '      Action    = "sts:AssumeRole"',
            '      Principal = { Service = "monitoring.rds.amazonaws.com" }',
            "    }]",
            "  })",
            "}",
            "",
            'resource "aws_iam_role_policy_attachment" "monitoring" {',
            "  role       = aws_iam_role.monitoring.name",
            '  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"',
            "}",
        )
        if self._pending:
            kind, path, line = self._pending
            self.plant(kind, path, line, mpath, db_line)
        for name, typ, desc, default in [
            ("name", "string", "Identifier of the database.", None),
            ("vpc_id", "string", "VPC of the database.", None),
            ("subnet_ids", "list(string)", "Subnets of the database.", None),
            ("client_security_group_id", "string", "Security group of the clients.", None),
            ("instance_class", "string", "Instance class.", None),
            ("publicly_accessible", "bool", "Whether the instance gets a public address.", "false"),
            ("backup_retention_days", "number", "Days of automated backups.", "7"),
            ("kms_key_arn", "string", "Key of Performance Insights.", None),
            ("port", "number", "Port of the database.", None),
            ("tags", "map(string)", "Tags.", "{}"),
        ]:
            m_vars.add(f'variable "{name}" {{', f'  description = "{desc}"', f"  type        = {typ}")
            if default is not None:
                m_vars.add(f"  default     = {default}")
            m_vars.add("}", "")
        m_out.add(
            'output "endpoint" {',
            '  description = "Address of the database."',
            "  value       = aws_db_instance.this.address",
            "}",
        )
        modules["database"] = (m_main, m_vars, m_out)
        self._storage_module(base, kinds, modules)

    def _tf_cluster(self, base, kinds, variables, tfvars, locals_, main, outputs, modules) -> None:
        rng = self.rng
        variables.add(
            "",
            'variable "kubernetes_version" {',
            '  description = "EKS control-plane version."',
            "  type        = string",
            '  default     = "1.35"',
            "}",
            "",
            'variable "node_instance_types" {',
            '  description = "Instance types of the nodes."',
            "  type        = list(string)",
            '  default     = ["m6i.large"]',
            "}",
            "",
        )
        if "tf-imdsv1-via-variable-default" in kinds:
            variables.add(
                'variable "node_http_tokens" {',
                '  description = "IMDS token setting of the nodes."',
                "  type        = string",
            )
            var_line = variables.add('  default     = "optional"')
            variables.add("}")
        else:
            var_line = None
            variables.add(
                'variable "node_http_tokens" {',
                '  description = "IMDS token setting of the nodes."',
                "  type        = string",
                '  default     = "required"',
                "}",
            )
        tfvars.add(f'node_instance_types = ["{rng.choice(["m6i.large", "m7i.xlarge", "c6i.xlarge"])}"]')
        locals_.add(
            "",
            "  node_groups = {",
            f"    general = {{ min = 2, max = {rng.choice([6, 10, 20])}, desired = 3 }}",
            f"    batch   = {{ min = 0, max = {rng.choice([4, 8])}, desired = 1 }}",
            "  }",
        )
        main.add(
            "",
            'resource "aws_iam_role" "cluster" {',
            '  name = "${local.name}-cluster"',
            "",
            "  assume_role_policy = jsonencode({",
            '    Version = "2012-10-17"',
            "    Statement = [{",
            '      Effect    = "Allow"',
            '      Action    = "sts:AssumeRole"',
            '      Principal = { Service = "eks.amazonaws.com" }',
            "    }]",
            "  })",
            "}",
            "",
            'resource "aws_iam_role_policy_attachment" "cluster" {',
            "  role       = aws_iam_role.cluster.name",
            '  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"',
            "}",
            "",
            'resource "aws_cloudwatch_log_group" "cluster" {',
            '  name              = "/aws/eks/${local.name}/cluster"',
            "  retention_in_days = 365",
            "  kms_key_id        = aws_kms_key.main.arn",
            "}",
            "",
            'resource "aws_eks_cluster" "this" {',
            "  name     = local.name",
            "  role_arn = aws_iam_role.cluster.arn",
            "  version  = var.kubernetes_version",
            "",
            '  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]',
            "",
            "  vpc_config {",
            "    subnet_ids              = var.subnet_ids",
            "    endpoint_private_access = true",
        )
        if "tf-eks-public-endpoint" in kinds:
            self.plant("tf-eks-public-endpoint", f"{base}/main.tf", main.add("    endpoint_public_access  = true"))
        else:
            main.add("    endpoint_public_access  = false")
        main.add(
            "  }",
            "",
            "  encryption_config {",
            '    resources = ["secrets"]',
            "    provider {",
            "      key_arn = aws_kms_key.main.arn",
            "    }",
            "  }",
            "",
            "  depends_on = [aws_iam_role_policy_attachment.cluster, aws_cloudwatch_log_group.cluster]",
            "}",
            "",
            'resource "aws_eks_addon" "vpc_cni" {',
            "  cluster_name = aws_eks_cluster.this.name",
            '  addon_name   = "vpc-cni"',
            "  configuration_values = jsonencode({",
            '    enableNetworkPolicy = "true"',
            "  })",
            "}",
            "",
            'module "nodes" {',
            '  source   = "./modules/nodegroup"',
            "  for_each = local.node_groups",
            "",
            '  name            = "${local.name}-${each.key}"',
            "  cluster_name    = aws_eks_cluster.this.name",
            "  subnet_ids      = var.subnet_ids",
            "  instance_types  = var.node_instance_types",
            "  min_size        = each.value.min",
            "  max_size        = each.value.max",
            "  desired_size    = each.value.desired",
            "  http_tokens     = var.node_http_tokens",
            "  kms_key_arn     = aws_kms_key.main.arn",
            "}",
        )
        outputs.add(
            "",
            'output "cluster_name" {',
            '  description = "Name of the cluster."',
            "  value       = aws_eks_cluster.this.name",
            "}",
        )
        m_main, m_vars, m_out = Doc(), Doc(), Doc()
        mpath = f"{base}/modules/nodegroup/main.tf"
        m_main.add(
            'resource "aws_iam_role" "node" {',
            '  name = "${var.name}-node"',
            "",
            "  assume_role_policy = jsonencode({",
            '    Version = "2012-10-17"',
            "    Statement = [{",
            '      Effect    = "Allow"',
            '      Action    = "sts:AssumeRole"',
            '      Principal = { Service = "ec2.amazonaws.com" }',
            "    }]",
            "  })",
            "}",
            "",
            'resource "aws_iam_role_policy_attachment" "node" {',
            "  for_each = toset([",
            '    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",',
            '    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",',
            '    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",',
            "  ])",
            "  role       = aws_iam_role.node.name",
            "  policy_arn = each.value",
            "}",
            "",
        )
        lt_line = m_main.add(
            'resource "aws_launch_template" "this" {',
            '  name_prefix = "${var.name}-"',
            "",
            "  metadata_options {",
            '    http_endpoint               = "enabled"',
        )
        if "tf-imdsv1" in kinds:
            self.plant("tf-imdsv1", mpath, m_main.add('    http_tokens                 = "optional"'))
        else:
            m_main.add("    http_tokens                 = var.http_tokens")
        if var_line:
            self.plant("tf-imdsv1-via-variable-default", f"{base}/variables.tf", var_line, mpath, lt_line)
        m_main.add(
            "    http_put_response_hop_limit = 1",
            "  }",
            "",
            "  block_device_mappings {",
            '    device_name = "/dev/xvda"',
            "    ebs {",
            "      volume_size = 50",
            '      volume_type = "gp3"',
            "      encrypted   = true",
            "      kms_key_id  = var.kms_key_arn",
            "    }",
            "  }",
            "}",
            "",
            'resource "aws_eks_node_group" "this" {',
            "  cluster_name    = var.cluster_name",
            "  node_group_name = var.name",
            "  node_role_arn   = aws_iam_role.node.arn",
            "  subnet_ids      = var.subnet_ids",
            "  instance_types  = var.instance_types",
            '  ami_type        = "AL2023_x86_64_STANDARD"',
            "",
            "  launch_template {",
            "    id      = aws_launch_template.this.id",
            "    version = aws_launch_template.this.latest_version",
            "  }",
            "",
            "  scaling_config {",
            "    min_size     = var.min_size",
            "    max_size     = var.max_size",
            "    desired_size = var.desired_size",
            "  }",
            "",
            "  depends_on = [aws_iam_role_policy_attachment.node]",
            "}",
        )
        for name, typ in [
            ("name", "string"), ("cluster_name", "string"), ("subnet_ids", "list(string)"),
            ("instance_types", "list(string)"), ("min_size", "number"), ("max_size", "number"),
            ("desired_size", "number"), ("http_tokens", "string"), ("kms_key_arn", "string"),
        ]:
            m_vars.add(f'variable "{name}" {{', f"  type = {typ}", "}", "")
        m_out.add(
            'output "node_role_arn" {',
            '  description = "Role of the nodes."',
            "  value       = aws_iam_role.node.arn",
            "}",
        )
        modules["nodegroup"] = (m_main, m_vars, m_out)

    def _tf_audit(self, base, kinds, variables, tfvars, locals_, main, outputs, modules) -> None:
        locals_.add("", '  trail_bucket = "${local.name}-trail"')
        main.add(
            "",
            'module "trail_bucket" {',
            '  source = "./modules/storage"',
            "",
            "  bucket_name = local.trail_bucket",
            "  kms_key_arn = aws_kms_key.main.arn",
            "  tags        = local.common_tags",
            "}",
            "",
            'resource "aws_cloudtrail" "this" {',
            "  name                          = local.name",
            "  s3_bucket_name                = module.trail_bucket.bucket",
            "  kms_key_id                    = aws_kms_key.main.arn",
            "  is_multi_region_trail         = true",
            "  include_global_service_events = true",
        )
        if "tf-cloudtrail-no-validation" in kinds:
            self.plant("tf-cloudtrail-no-validation", f"{base}/main.tf",
                       main.add("  enable_log_file_validation    = false"))
        else:
            main.add("  enable_log_file_validation    = true")
        main.add("  tags                          = local.common_tags", "}")
        outputs.add(
            "",
            'output "trail_arn" {',
            '  description = "ARN of the trail."',
            "  value       = aws_cloudtrail.this.arn",
            "}",
        )
        self._storage_module(base, kinds, modules)

    def _tf_data(self, base, kinds, variables, tfvars, locals_, main, outputs, modules) -> None:
        rng = self.rng
        variables.add(
            "",
            'variable "volume_count" {',
            '  description = "Number of data volumes."',
            "  type        = number",
            "  default     = 2",
            "}",
        )
        tfvars.add(f"volume_count = {rng.choice([1, 2, 3])}")
        locals_.add("", '  zones = ["us-east-1a", "us-east-1b", "us-east-1c"]')
        main.add(
            "",
            'module "volumes" {',
            '  source = "./modules/volumes"',
            "",
            '  name        = "${local.name}-data"',
            "  count_each  = var.volume_count",
            "  zones       = local.zones",
            "  kms_key_arn = aws_kms_key.main.arn",
        )
        m_main, m_vars, m_out = Doc(), Doc(), Doc()
        mpath = f"{base}/modules/volumes/main.tf"
        if "tf-ebs-unencrypted-via-module-input" in kinds:
            call_line = main.add("  encrypted   = false")
        else:
            call_line = None
            main.add("  encrypted   = true")
        main.add("  tags        = local.common_tags", "}")
        main.add(
            "",
            'resource "aws_ebs_volume" "scratch" {',
            '  availability_zone = "us-east-1a"',
            "  size              = 200",
            '  type              = "gp3"',
        )
        if "tf-ebs-unencrypted" in kinds:
            self.plant("tf-ebs-unencrypted", f"{base}/main.tf", main.add("  encrypted         = false"))
        else:
            main.add("  encrypted         = true")
        main.add('  tags              = merge(local.common_tags, { Name = "${local.name}-scratch" })', "}")
        vol_line = m_main.add(
            'resource "aws_ebs_volume" "this" {',
            "  count = var.count_each",
            "",
            "  availability_zone = element(var.zones, count.index)",
            "  size              = 500",
            '  type              = "gp3"',
            "  encrypted         = var.encrypted",
            '  tags              = merge(var.tags, { Name = "${var.name}-${count.index}" })',
            "}",
        )
        if call_line:
            self.plant("tf-ebs-unencrypted-via-module-input", f"{base}/main.tf", call_line, mpath, vol_line)
        for name, typ, default in [
            ("name", "string", None), ("count_each", "number", None), ("zones", "list(string)", None),
            ("kms_key_arn", "string", None), ("encrypted", "bool", "true"), ("tags", "map(string)", "{}"),
        ]:
            m_vars.add(f'variable "{name}" {{', f"  type    = {typ}")
            if default:
                m_vars.add(f"  default = {default}")
            m_vars.add("}", "")
        m_out.add(
            'output "volume_ids" {',
            '  description = "Ids of the volumes."',
            "  value       = aws_ebs_volume.this[*].id",
            "}",
        )
        modules["volumes"] = (m_main, m_vars, m_out)

    # -- CloudFormation --------------------------------------------------------------------------

    def cfn_stack(self, team: str, name: str, stack_kind: str, kinds: set[str], as_json: bool) -> None:
        """A template, built as an ordered tree and written as YAML or JSON with line tracking.

        Planted values are wrapped in Mark(kind, value) so their line is recorded."""
        rng = self.rng
        ext = "json" if as_json else "yaml"
        path = f"infra/cloudformation/{team}/{name}.{ext}"
        params: dict = {}
        res: dict = {}
        pending: list[tuple[str, str]] = []  # (kind, resource logical id) for parameter plants

        def val(kind: str, bad, good):
            return Mark(kind, bad) if kind in kinds else good

        res["Key"] = {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "Description": f"Key of {team}-{name}",
                "EnableKeyRotation": val("cfn-kms-no-rotation", False, True),
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "AccountAdministers",
                        "Effect": "Allow",
                        "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}},
                        "Action": "kms:*",
                        "Resource": "*",
                    }],
                },
            },
        }
        if stack_kind == "database":
            params["VpcId"] = {"Type": "AWS::EC2::VPC::Id"}
            params["SubnetIds"] = {"Type": "List<AWS::EC2::Subnet::Id>"}
            params["ClientSecurityGroupId"] = {"Type": "AWS::EC2::SecurityGroup::Id"}
            params["PubliclyAccessible"] = {
                "Type": "String",
                "AllowedValues": ["true", "false"],
                "Default": val("cfn-rds-public-via-parameter", "true", "false"),
            }
            if "cfn-rds-public-via-parameter" in kinds:
                pending.append(("cfn-rds-public-via-parameter", "Database"))
            ingress = [{
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "SourceSecurityGroupId": {"Ref": "ClientSecurityGroupId"},
            }]
            if "cfn-sg-ssh-world" in kinds:
                ingress.append({
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "CidrIp": Mark("cfn-sg-ssh-world", "0.0.0.0/0"),
                })
            res["DatabaseSecurityGroup"] = {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": f"Database of {team}-{name}",
                    "VpcId": {"Ref": "VpcId"},
                    "SecurityGroupIngress": ingress,
                    "SecurityGroupEgress": [{
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "CidrIp": "10.0.0.0/16",
                    }],
                },
            }
            res["SubnetGroup"] = {
                "Type": "AWS::RDS::DBSubnetGroup",
                "Properties": {
                    "DBSubnetGroupDescription": f"Subnets of {team}-{name}",
                    "SubnetIds": {"Ref": "SubnetIds"},
                },
            }
            res["Database"] = {
                "Type": "AWS::RDS::DBInstance",
                "DeletionPolicy": "Snapshot",
                "UpdateReplacePolicy": "Snapshot",
                "Properties": {
                    "Engine": "postgres",
                    "EngineVersion": "16.4",
                    "DBInstanceClass": rng.choice(["db.t4g.medium", "db.r6g.large"]),
                    "AllocatedStorage": "100",
                    "MasterUsername": "app_admin",
                    "ManageMasterUserPassword": True,
                    "DBSubnetGroupName": {"Ref": "SubnetGroup"},
                    "VPCSecurityGroups": [{"Ref": "DatabaseSecurityGroup"}],
                    "PubliclyAccessible": {"Ref": "PubliclyAccessible"},
                    "MultiAZ": True,
                    "StorageEncrypted": val("cfn-rds-unencrypted", False, True),
                    "BackupRetentionPeriod": rng.choice([7, 14, 35]),
                    "DeletionProtection": True,
                    "CopyTagsToSnapshot": True,
                    "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
                    "EnableIAMDatabaseAuthentication": True,
                },
            }
        elif stack_kind == "bucket":
            pab = {
                "BlockPublicAcls": val("cfn-s3-public-access", False, True),
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            }
            res["Bucket"] = {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": {"Fn::Sub": f"{team}-{name}-${{AWS::AccountId}}"},
                    "PublicAccessBlockConfiguration": pab,
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [{
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]},
                            },
                            "BucketKeyEnabled": True,
                        }],
                    },
                },
            }
            res["BucketPolicy"] = {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "Bucket"},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": ["Bucket", "Arn"]},
                                {"Fn::Sub": "${Bucket.Arn}/*"},
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }],
                    },
                },
            }
        elif stack_kind == "audit":
            params["TrailBucket"] = {"Type": "String"}
            res["Trail"] = {
                "Type": "AWS::CloudTrail::Trail",
                "Properties": {
                    "TrailName": f"{team}-{name}",
                    "S3BucketName": {"Ref": "TrailBucket"},
                    "IsLogging": True,
                    "IsMultiRegionTrail": True,
                    "IncludeGlobalServiceEvents": True,
                    "EnableLogFileValidation": val("cfn-cloudtrail-no-validation", False, True),
                    "KMSKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                },
            }
        else:
            params["AmiId"] = {"Type": "AWS::EC2::Image::Id"}
            res["LaunchTemplate"] = {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": {
                    "LaunchTemplateData": {
                        "ImageId": {"Ref": "AmiId"},
                        "InstanceType": rng.choice(["m6i.large", "c6i.xlarge"]),
                        "MetadataOptions": {
                            "HttpEndpoint": "enabled",
                            "HttpTokens": val("cfn-imdsv1", "optional", "required"),
                            "HttpPutResponseHopLimit": 1,
                        },
                        "BlockDeviceMappings": [{
                            "DeviceName": "/dev/xvda",
                            "Ebs": {
                                "VolumeSize": 50,
                                "VolumeType": "gp3",
                                "Encrypted": True,
                                "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                            },
                        }],
                    },
                },
            }
            res["DataVolume"] = {
                "Type": "AWS::EC2::Volume",
                "Properties": {
                    "AvailabilityZone": "us-east-1a",
                    "Size": rng.choice([100, 200, 500]),
                    "VolumeType": "gp3",
                    "Encrypted": val("cfn-ebs-unencrypted", False, True),
                },
            }
        template = {"AWSTemplateFormatVersion": "2010-09-09", "Description": f"{team} {name} ({stack_kind})"}
        if params:
            template["Parameters"] = params
        template["Resources"] = res
        marks: dict[str, int] = {}
        res_lines: dict[str, tuple[int, int]] = {}
        text = render_json(template, marks, res_lines) if as_json else render_yaml(template, marks, res_lines)
        self.write("cloudformation", path, text)
        for kind, line in sorted(marks.items(), key=lambda kv: kv[1]):
            if kind in dict(pending):
                logical = dict(pending)[kind]
                self.plant(kind, path, line, path, res_lines[logical][0] + 1)
            else:
                self.plant(kind, path, line)

    # -- the tree --------------------------------------------------------------------------------

    def build(self, target: int) -> None:
        self.write("other", "rampart.toml", "\n".join([
            "# rampart configuration of the benchmark corpus (bench/make_corpus.py).",
            "[images]",
            f'approved-registries = ["{REGISTRY}"]',
            "",
            "[kubernetes]",
            'edge-namespaces = ["ingress-controller"]',
            "",
        ]))
        team_i = 0
        team_state = None  # (team, ns, tier, apps)
        stacks_tf = 0
        stacks_cfn = 0
        app_i = 0
        root_kinds = list(TF_ROOT_KINDS)
        cfn_kinds = list(CFN_STACK_KINDS)
        while sum(self.counts.values()) < target:
            total = sum(self.counts.values()) + 1
            deficit = {c: SHARES[c] * total - self.counts[c] for c in SHARES}
            category = max(sorted(deficit), key=lambda c: deficit[c])
            if team_state is None or team_state[3] >= 8 or (category == "other" and team_state[3] > 0):
                team = TEAMS[team_i % len(TEAMS)] + ("" if team_i < len(TEAMS) else str(team_i // len(TEAMS)))
                tier = ["high", "standard"][team_i % 2]
                ns = f"{team}-svc"
                team_state = [team, ns, tier, 0]
                team_i += 1
                self.write("other", f"k8s/{team}/README.md", f"# {team}\n\nServices of the {team} team ({tier} tier).\n")
                self.k8s_namespace(team, ns, tier)
                continue
            team, ns, tier, _ = team_state
            if category in ("k8s", "docker", "other"):
                app = f"{team}-{SUFFIXES[app_i % len(SUFFIXES)]}"
                if app_i >= len(SUFFIXES):
                    app += str(app_i // len(SUFFIXES))
                app_i += 1
                team_state[3] += 1
                # rampart holds only critical and high workloads to the restricted level, which
                # forbids allowPrivilegeEscalation; baseline (standard) leaves it to the team.
                kinds = K8S_KINDS if tier != "standard" else [k for k in K8S_KINDS if k != "k8s-privilege-escalation"]
                self.k8s_app(team, ns, tier, app, self.pick_one("k8s", kinds))
                # Most services build their own image; some run a vendor's.
                if self.counts["docker"] < SHARES["docker"] * (total + 6):
                    self.dockerfile(team, app, self.pick_one("docker", DOCKER_KINDS))
            elif category == "terraform":
                root_kind = root_kinds[stacks_tf % len(root_kinds)]
                stacks_tf += 1
                self.tf_root(team, f"{root_kind}-{stacks_tf}", root_kind,
                             self.pick_many("terraform", TF_ROOT_KINDS[root_kind]))
            else:
                stack_kind = cfn_kinds[stacks_cfn % len(cfn_kinds)]
                stacks_cfn += 1
                self.cfn_stack(team, f"{stack_kind}-{stacks_cfn}", stack_kind,
                               self.pick_many("cloudformation", CFN_STACK_KINDS[stack_kind]),
                               as_json=stacks_cfn % 4 == 0)

    def save(self, seed: int, target: int) -> None:
        if self.out.exists():
            shutil.rmtree(self.out)
        for path in sorted(self.files):
            full = self.out / path
            full.parent.mkdir(parents=True, exist_ok=True)
            with open(full, "w", encoding="utf-8", newline="\n") as f:
                f.write(self.files[path])
        by_kind: dict[str, int] = {}
        for p in self.planted:
            by_kind[p["kind"]] = by_kind.get(p["kind"], 0) + 1
        planted = sorted(self.planted, key=lambda p: (p["file"], p["line"], p["kind"]))
        for i, p in enumerate(planted, 1):
            p["id"] = f"P{i:06d}"
        manifest = {
            "generator": "bench/make_corpus.py",
            "seed": seed,
            "requested_files": target,
            "files": len(self.files),
            "files_by_category": self.counts,
            "planted_total": len(planted),
            "planted_by_kind": dict(sorted(by_kind.items())),
            "kinds": {k: {"category": v[0], "rampart": v[1], "checkov": v[2], "evaluated": v[3]}
                      for k, v in KINDS.items()},
            "planted": [{k: p[k] for k in ("id", "kind", "file", "line", "rampart", "checkov",
                                             "checkov_file", "checkov_line", "evaluated", "rampart_also")}
                        for p in planted],
        }
        with open(self.out / "PLANTED.json", "w", encoding="utf-8", newline="\n") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")


class Mark:
    """A planted value in a CloudFormation tree: rendering records its line."""

    def __init__(self, kind: str, value) -> None:
        self.kind = kind
        self.value = value


def _scalar_yaml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if s in ("true", "false", "yes", "no", "null", "") or s[0].isdigit() or s[0] in "*&!{[>|%@`'\"#:-?," or ": " in s \
            or s.replace(".", "").isdigit() or "${" in s:
        return json.dumps(s)
    return s


def render_yaml(template: dict, marks: dict, res_lines: dict) -> str:
    out: list[str] = []

    def scalar(v):
        if isinstance(v, Mark):
            marks[v.kind] = len(out) + 1
            return _scalar_yaml(v.value)
        return _scalar_yaml(v)

    def intrinsic(v):
        # Short forms: !Ref X, !GetAtt A.B, !Sub "..."
        if isinstance(v, dict) and len(v) == 1:
            (k, x), = v.items()
            if k == "Ref":
                return f"!Ref {x}"
            if k == "Fn::GetAtt":
                return f"!GetAtt {x[0]}.{x[1]}"
            if k == "Fn::Sub" and isinstance(x, str):
                return f"!Sub {json.dumps(x)}"
        return None

    def emit(v, indent: int, path: tuple):
        pad = " " * indent
        if isinstance(v, dict):
            for k, x in v.items():
                if len(path) == 1 and path[0] == "Resources":
                    start = len(out) + 1
                short = intrinsic(x)
                if short is not None:
                    out.append(f"{pad}{k}: {short}")
                elif isinstance(x, (dict, list)) and x:
                    out.append(f"{pad}{k}:")
                    emit(x, indent + 2, path + (k,))
                elif isinstance(x, list):
                    out.append(f"{pad}{k}: []")
                else:
                    out.append(f"{pad}{k}: {scalar(x)}")
                if len(path) == 1 and path[0] == "Resources":
                    res_lines[k] = (start, len(out))
        else:
            for x in v:
                short = intrinsic(x)
                if short is not None:
                    out.append(f"{pad}- {short}")
                elif isinstance(x, dict):
                    # First key on the dash line.
                    sub: list[str] = []
                    mark_before = len(out)
                    emit(x, indent + 2, path + ("-",))
                    first = out[mark_before]
                    out[mark_before] = f"{pad}- {first.lstrip()}"
                    del sub
                elif isinstance(x, list):
                    raise ValueError("nested lists are not used")
                else:
                    out.append(f"{pad}- {scalar(x)}")

    emit(template, 0, ())
    return "\n".join(out) + "\n"


def render_json(template: dict, marks: dict, res_lines: dict) -> str:
    out: list[str] = []

    def emit(v, indent: int, prefix: str, suffix: str, path: tuple):
        pad = " " * indent
        if isinstance(v, Mark):
            marks[v.kind] = len(out) + 1
            v = v.value
        if isinstance(v, dict):
            if not v:
                out.append(f"{pad}{prefix}{{}}{suffix}")
                return
            out.append(f"{pad}{prefix}{{")
            items = list(v.items())
            for i, (k, x) in enumerate(items):
                start = len(out) + 1
                emit(x, indent + 2, f"{json.dumps(k)}: ", "," if i < len(items) - 1 else "", path + (k,))
                if path == ("Resources",):
                    res_lines[k] = (start, len(out))
            out.append(f"{pad}}}{suffix}")
        elif isinstance(v, list):
            if not v:
                out.append(f"{pad}{prefix}[]{suffix}")
                return
            out.append(f"{pad}{prefix}[")
            for i, x in enumerate(v):
                emit(x, indent + 2, "", "," if i < len(v) - 1 else "", path + ("-",))
            out.append(f"{pad}]{suffix}")
        else:
            out.append(f"{pad}{prefix}{json.dumps(v)}{suffix}")

    emit(template, 0, "", "", ())
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, required=True, help="about how many files (100 to 1000000)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write (replaced)")
    parser.add_argument("--seed", type=int, default=1, help="seed of every choice (default 1)")
    args = parser.parse_args()
    if not 100 <= args.files <= 1_000_000:
        sys.exit("--files must be between 100 and 1000000")
    corpus = Corpus(args.out, args.seed)
    corpus.build(args.files)
    corpus.save(args.seed, args.files)
    print(f"{args.out}: {len(corpus.files)} files, {len(corpus.planted)} planted violations")


if __name__ == "__main__":
    main()
