#!/usr/bin/env python3
"""Summarises the runs of bench/compare.sh: medians, ratios and recall, as JSON and Markdown.

    python3 bench/report.py --runs RUNS.jsonl --meta META.json --json OUT.json --markdown OUT.md

RUNS.jsonl has one measured run a line: {"tree", "corpus", "files", "tool", "run" (0 is the
warm-up, not counted), "load1", "output", "m": the figures of bench/measure.py}. Recall is computed on
the output of each tool's last run (bench/recall.py), for the generated trees (they have a
PLANTED.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import recall  # noqa: E402

TOOLS = ("rampart", "checkov")


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a is not None and b else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=Path, required=True)
    parser.add_argument("--meta", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--markdown", type=Path, required=True)
    args = parser.parse_args()

    meta = json.loads(args.meta.read_text())
    runs = [json.loads(line) for line in args.runs.read_text().splitlines() if line.strip()]
    for r in runs:
        r.update(r.pop("m"))  # the figures of bench/measure.py
    trees: dict[str, dict] = {}
    for r in runs:
        t = trees.setdefault(r["tree"], {"tree": r["tree"], "corpus": r["corpus"], "files": r["files"],
                                         "runs": {tool: [] for tool in TOOLS}, "last": {}})
        t["runs"][r["tool"]].append(r)
        t["last"][r["tool"]] = r

    results = []
    for name, t in trees.items():
        row = {"tree": name, "files": t["files"], "tools": {}}
        for tool in TOOLS:
            all_runs = t["runs"][tool]
            if not all_runs:
                continue
            measured = [r for r in all_runs if r["run"] > 0] or all_runs  # a single run is its own
            row["tools"][tool] = {
                "runs": len(measured),
                "single_run": len(measured) == 1 and measured[0]["run"] == 0,
                "wall_s": round(median([r["wall"] for r in measured]), 3),
                "cpu_s": round(median([r["user"] + r["sys"] for r in measured]), 3),
                "rss_mib": round(median([r["rss_kb"] for r in measured]) / 1024, 1),
                "pss_tree_mib": round(median([r["pss_tree_kb"] for r in measured]) / 1024, 1),
                "exit_codes": sorted({r["exit"] for r in measured}),
                "wall_all_s": [r["wall"] for r in measured],
                "load1_after_runs": [r.get("load1") for r in measured],
            }
        tr, tc = row["tools"].get("rampart"), row["tools"].get("checkov")
        if tr and tc:
            row["checkov_over_rampart"] = {
                "wall": ratio(tc["wall_s"], tr["wall_s"]),
                "cpu": ratio(tc["cpu_s"], tr["cpu_s"]),
                "rss": ratio(tc["rss_mib"], tr["rss_mib"]),
                # Checkov's workers together against rampart's one process.
                "memory": ratio(max(tc["pss_tree_mib"], tc["rss_mib"]), tr["rss_mib"]),
            }
        planted_path = Path(t["corpus"]) / "PLANTED.json"
        if planted_path.exists():
            planted = recall.load_planted(Path(t["corpus"]))
            row["planted"] = len(planted)
            row["recall"] = {}
            if "rampart" in t["last"]:
                row["recall"]["rampart"] = recall.rampart_recall(Path(t["last"]["rampart"]["output"]), planted)
            if "checkov" in t["last"]:
                row["recall"]["checkov"] = recall.checkov_recall(
                    Path(t["last"]["checkov"]["output"]), planted, Path(t["corpus"]))
        else:
            # No planted violations: count findings only.
            row["findings"] = {}
            for tool in TOOLS:
                if tool in t["last"]:
                    row["findings"][tool] = count_findings(tool, Path(t["last"][tool]["output"]))
        results.append(row)

    out = {"meta": meta, "trees": results}
    args.json.write_text(json.dumps(out, indent=1) + "\n")
    md = markdown(meta, results)
    args.markdown.write_text(md)
    print(md)


def count_findings(tool: str, path: Path) -> int:
    data = json.loads(path.read_text() or "[]")
    if tool == "rampart":
        return len(data["findings"])
    reports = data if isinstance(data, list) else [data]
    return sum(len(r.get("results", {}).get("failed_checks", [])) for r in reports if isinstance(r, dict))


def fmt(x, unit=""):
    if x is None:
        return "—"
    if isinstance(x, float) and x < 1:
        return f"{x:.3f}{unit}"
    if isinstance(x, float) and x < 10:
        return f"{x:.2f}{unit}"
    return f"{x:,.1f}{unit}" if isinstance(x, float) else f"{x:,}{unit}"


def markdown(meta: dict, results: list[dict]) -> str:
    lines = [
        f"Run {meta['date']}, commit `{meta['commit']}`: rampart {meta['rampart_version']}, "
        f"Checkov {meta['checkov_version']}; {meta['nproc']} cores, {meta['memory']}, {meta['os']}, "
        f"Python {meta['python']}. Medians of {meta['runs']} runs after one warm-up, the tools alternating.",
        "",
        "| Tree | Files | Wall rampart | Wall Checkov | × | CPU rampart | CPU Checkov | × | RSS rampart | RSS Checkov (largest process) | Checkov, all processes (PSS) | × |",
        "|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        r, c = row["tools"].get("rampart", {}), row["tools"].get("checkov", {})
        x = row.get("checkov_over_rampart", {})
        note = " (1 run)" if c.get("single_run") else ""
        lines.append(
            f"| {row['tree']} | {row['files']:,} | {fmt(r.get('wall_s'), ' s')} | "
            f"{fmt(c.get('wall_s'), ' s') if c else 'not run'}{note} | {fmt(x.get('wall'))} | "
            f"{fmt(r.get('cpu_s'), ' s')} | {fmt(c.get('cpu_s'), ' s') if c else '—'} | {fmt(x.get('cpu'))} | "
            f"{fmt(r.get('rss_mib'), ' MiB')} | {fmt(c.get('rss_mib'), ' MiB') if c else '—'} | "
            f"{fmt(c.get('pss_tree_mib'), ' MiB') if c else '—'} | {fmt(x.get('memory'))} |"
        )
    lines += [
        "",
        "| Tree | Planted | rampart found | rampart recall | rampart findings (unexplained) | Checkov found | Checkov recall | Checkov failed checks |",
        "|:---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        if "recall" in row:
            r, c = row["recall"].get("rampart"), row["recall"].get("checkov")
            lines.append(
                f"| {row['tree']} | {row['planted']:,} | {r['found']:,} | {r['recall']:.1%} | "
                f"{r['findings']:,} ({r['unexplained_findings']:,}) | "
                + (f"{c['found']:,} | {c['recall']:.1%} | {c['findings']:,} |" if c else "not run | — | — |")
            )
        else:
            f = row["findings"]
            lines.append(f"| {row['tree']} | — | — | — | {f.get('rampart', 0):,} | — | — | {f.get('checkov', '—')} |")
    # Recall per kind on the largest tree both tools ran on.
    both = [row for row in results if "recall" in row and "checkov" in row["recall"]]
    if both:
        row = max(both, key=lambda r: r["files"])
        r, c = row["recall"]["rampart"], row["recall"]["checkov"]
        lines += [
            "",
            f"Recall per planted kind on {row['tree']} (found / planted):",
            "",
            "| Kind | rampart rule | rampart | Checkov checks | Checkov |",
            "|:---|:---|---:|:---|---:|",
        ]
        kinds = meta.get("kinds", {})
        for kind, v in r["by_kind"].items():
            k = kinds.get(kind, {})
            cv = c["by_kind"].get(kind, {"found": 0, "planted": v["planted"]})
            lines.append(
                f"| {kind}{' (evaluated)' if k.get('evaluated') else ''} | {k.get('rampart', '')} | "
                f"{v['found']}/{v['planted']} | {', '.join(k.get('checkov', []))} | {cv['found']}/{cv['planted']} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
