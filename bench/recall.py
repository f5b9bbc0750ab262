#!/usr/bin/env python3
"""Recall of rampart and Checkov on the violations planted by bench/make_corpus.py.

    python3 bench/recall.py --corpus DIR [--rampart R.json] [--checkov C.json]

Prints one JSON object: for each tool given, how many planted violations it found (overall and
per kind), which it missed, and how many findings it reported in all. A planted violation counts
as found by:

- rampart, when a finding has the planted rule id, the planted file (its root-relative path) and
  the planted line (the line where the offending value is written, which for a value that travels
  through a variable, tfvars, a local or a module input is where that value is written);
- Checkov, when a failed check has one of the planted check ids, the planted Checkov file, and a
  line range (the resource Checkov reports) that contains the planted Checkov line.

rampart findings that are neither a planted violation nor a side effect the generator declared
(`rampart_also`) are counted as `unexplained`: the rest of the tree is written to pass rampart's
rules, so each of them deserves a look.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def load_planted(corpus: Path) -> list[dict]:
    with open(corpus / "PLANTED.json", encoding="utf-8") as f:
        return json.load(f)["planted"]


def rampart_recall(report_path: Path, planted: list[dict]) -> dict:
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    findings = report["findings"]
    seen = {(x["root_relative_path"], x["line"], x["rule"]) for x in findings}
    expected_side = {(p["file"], line, rule) for p in planted for rule, line in p.get("rampart_also", [])}
    planted_keys = {(p["file"], p["line"], p["rampart"]) for p in planted}
    unexplained: dict[str, int] = {}
    for key in sorted(seen - planted_keys - expected_side):
        unexplained[key[2]] = unexplained.get(key[2], 0) + 1
    found = [p for p in planted if (p["file"], p["line"], p["rampart"]) in seen]
    return summarise(planted, found, len(findings), {"unexplained_findings": sum(unexplained.values()),
                                                     "unexplained_by_rule": unexplained})


def checkov_recall(report_path: Path, planted: list[dict], corpus: Path) -> dict:
    with open(report_path, encoding="utf-8") as f:
        text = f.read()
    # Checkov prints one report object, or a list of them (one per framework).
    data = json.loads(text) if text.strip() else []
    reports = data if isinstance(data, list) else [data]
    root = str(corpus.resolve())
    by_file: dict[str, list[tuple[str, int, int]]] = {}
    failed = 0
    for report in reports:
        if not isinstance(report, dict) or "results" not in report:
            continue
        for check in report["results"].get("failed_checks", []):
            failed += 1
            path = check.get("file_abs_path") or check.get("file_path") or ""
            if path.startswith(root + os.sep):
                path = path[len(root) + 1:]
            path = path.lstrip("/")
            lines = check.get("file_line_range") or [0, 0]
            by_file.setdefault(path, []).append((check["check_id"], lines[0], lines[1]))

    # Index the reported files by base name, so big corpora stay linear.
    by_name: dict[str, dict[str, list[tuple[str, int, int]]]] = {}
    for path, checks in by_file.items():
        by_name.setdefault(os.path.basename(path), {})[path] = checks

    def hit(p: dict) -> bool:
        want = p["checkov_file"]
        for path, checks in by_name.get(os.path.basename(want), {}).items():
            # Checkov sometimes joins the scanned directory twice into Kubernetes paths: match the end.
            if path != want and not path.endswith("/" + want):
                continue
            for check_id, first, last in checks:
                if check_id in p["checkov"] and first <= p["checkov_line"] <= last:
                    return True
        return False

    found = [p for p in planted if hit(p)]
    return summarise(planted, found, failed, {})


def summarise(planted: list[dict], found: list[dict], findings: int, extra: dict) -> dict:
    per_kind: dict[str, list[int]] = {}
    for p in planted:
        per_kind.setdefault(p["kind"], [0, 0])[1] += 1
    for p in found:
        per_kind[p["kind"]][0] += 1
    found_ids = {p["id"] for p in found}
    missed = [p for p in planted if p["id"] not in found_ids]
    return {
        "planted": len(planted),
        "found": len(found),
        "recall": round(len(found) / len(planted), 4) if planted else None,
        "findings": findings,
        **extra,
        "by_kind": {k: {"found": v[0], "planted": v[1]} for k, v in sorted(per_kind.items())},
        "missed": [{k: p[k] for k in ("id", "kind", "file", "line", "checkov_file", "checkov_line")}
                   for p in missed[:200]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--rampart", type=Path)
    parser.add_argument("--checkov", type=Path)
    args = parser.parse_args()
    planted = load_planted(args.corpus)
    out = {}
    if args.rampart:
        out["rampart"] = rampart_recall(args.rampart, planted)
    if args.checkov:
        out["checkov"] = checkov_recall(args.checkov, planted, args.corpus)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
