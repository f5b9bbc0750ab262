#!/usr/bin/env python3
"""Builds the benchmark corpus: COPIES copies of examples/agent-platform, each
with its own names, so that every copy is a distinct repository's worth of
Kubernetes manifests, Dockerfiles, Terraform (a root and a local module),
a plan and a CloudFormation template.

    python3 tools/bench/make-corpus.py OUT_DIR COPIES
"""

import shutil
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "agent-platform"


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out, copies = Path(sys.argv[1]), int(sys.argv[2])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for i in range(copies):
        target = out / f"platform-{i:04d}"
        shutil.copytree(EXAMPLE, target)
        # Distinct names, so no tool can deduplicate identical copies.
        for path in target.rglob("*"):
            if path.is_file() and path.suffix in {".yaml", ".tf", ".tfvars", ".json", ""}:
                text = path.read_text()
                path.write_text(text.replace("agents", f"agents{i}"))
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"{out}: {copies} copies, {files} files")


if __name__ == "__main__":
    main()
