"""Benchmark: routing a new request with 120 skills, in fresh processes, the way a job runs.

Each of --procs fresh Python processes does what the `route_skill` job does: import the router,
decode the embedding table from its resource value (JSON, as the Windmill API returns it), load
the skills (the shipped ones, the five public corpora in tests/data/routing/corpora and synthetic
ones up to --skills) and route its share of the dev requests (tests/data/routing), each request
new to that process: no query cache exists, and the tokeniser's word cache starts empty.

Per request it times, back to back on the same text:
- baseline: plain bm25s (tokenize with its stemmer and stopwords, get_scores, argmax) over the
  same skill texts, built in the same process;
- router, BM25 only (no table);
- router, hybrid: explicit mentions, BM25 over description and body, static-vector cosine,
  the calibrated skill / no-skill decision.

It prints p50 / p99 / max per mode over all requests, the same for each process's FIRST request
(the coldest case), the ratio to the baseline measured in the same run, and the start-up costs.

    uv run python scripts/bench/routing.py [--procs 12] [--skills 120]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path[0] = str(REPO_ROOT)  # not this folder: its requests.py would shadow `requests`

CORPUS = REPO_ROOT / "tests" / "data" / "routing" / "corpora"
VERBS = [
    "Track",
    "Summarise",
    "Audit",
    "Forecast",
    "Translate",
    "Plan",
    "Reconcile",
    "Draft",
    "Monitor",
    "Review",
]
THINGS = [
    "warehouse inventory levels",
    "employee onboarding checklists",
    "customer support tickets",
    "cloud hosting costs",
    "legal contract clauses",
    "restaurant reservations",
    "clinical trial schedules",
    "fleet vehicle maintenance",
    "podcast episode notes",
    "school timetables",
    "energy meter readings",
    "insurance claims",
]
MODES = ("baseline: plain bm25s", "router, BM25 only", "router, hybrid")


def load_skills(target: int) -> list:
    from f.openanalyst.lib.skills.loader import Skill, load_skills_dir, normalize_name

    skills: dict[str, Skill] = {}
    for directory in [REPO_ROOT / "skills", *sorted(p for p in CORPUS.iterdir() if p.is_dir())]:
        for skill in load_skills_dir(directory)[0]:
            skills.setdefault(normalize_name(skill.name), skill)
    i = 0
    while len(skills) < target:
        verb, thing = VERBS[i % len(VERBS)], THINGS[(i // len(VERBS)) % len(THINGS)]
        name = f"{verb.lower()}-{thing.split()[0]}-{i}"
        skills[name] = Skill.from_value(
            {
                "name": name,
                "description": f"{verb} {thing}. Use when the person asks to {verb.lower()} {thing}.",
                "triggers": [f"{verb.lower()} {thing.split()[-1]}"],
            }
        )
        i += 1
    return list(skills.values())[:target]


def requests() -> list[str]:
    out = []
    for file in sorted((REPO_ROOT / "tests" / "data" / "routing").glob("*.jsonl")):
        out += [json.loads(line)["request"] for line in file.read_text().splitlines() if line.strip()]
    return list(dict.fromkeys(out))


def child(table_json: str, skills_n: int, reqs: list[str]) -> dict:
    """One fresh process: start-up as a job does it, then each request once."""
    t0 = time.perf_counter()
    from f.openanalyst.lib.skills.router import SkillRegistry, lexical_text
    from f.openanalyst.lib.skills.static_embeddings import StaticTable

    t_import = time.perf_counter()
    table = StaticTable.from_value(json.loads(Path(table_json).read_text()))
    t_table = time.perf_counter()
    skills = load_skills(skills_n)
    hybrid = SkillRegistry(skills, table=table)
    lexical = SkillRegistry(skills, use_embeddings=False)
    hybrid._index(None), lexical._index(None)  # what a job's first route pays before scoring
    t_index = time.perf_counter()

    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    plain = bm25s.BM25()
    plain.index(
        bm25s.tokenize(
            [lexical_text(s) for s in skills], stopwords="en", stemmer=stemmer, show_progress=False
        ),
        show_progress=False,
    )

    def baseline(text: str) -> int:
        q = bm25s.tokenize(text, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)[0]
        q = [t for t in q if t in plain.vocab_dict]
        return int(plain.get_scores(q).argmax()) if q else -1

    samples: dict[str, list[float]] = {m: [] for m in MODES}
    cpu: dict[str, list[float]] = {m: [] for m in MODES}
    for text in reqs:
        for mode, fn in zip(MODES, (baseline, lexical.route, hybrid.route), strict=True):
            c, t = time.thread_time_ns(), time.perf_counter_ns()
            fn(text)
            samples[mode].append((time.perf_counter_ns() - t) / 1e6)
            cpu[mode].append((time.thread_time_ns() - c) / 1e6)
    return {
        "samples": samples,
        "cpu": cpu,
        "startup_ms": {
            "imports": (t_import - t0) * 1000,
            "table decode": (t_table - t_import) * 1000,
            "skills + both indexes": (t_index - t_table) * 1000,
        },
        "skills": len(skills),
        "table_mb": Path(table_json).stat().st_size / 1e6,
    }


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--procs", type=int, default=12, help="fresh processes (requests are split among them)"
    )
    parser.add_argument("--skills", type=int, default=120)
    parser.add_argument("--child", nargs=2, metavar=("TABLE_JSON", "REQUESTS_JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        reqs = json.loads(Path(args.child[1]).read_text())
        print(json.dumps(child(args.child[0], args.skills, reqs)))
        return 0

    from f.openanalyst.lib.skills.static_embeddings import default_table

    table = default_table()
    if table is None:
        print("no embedding table: run uv run scripts/skills.py compile")
        return 1
    reqs = requests()
    work = Path(tempfile.mkdtemp(prefix="oa-bench-routing-"))
    table_json = work / "table.json"
    table_json.write_text(json.dumps(table.to_value()))  # what GET resources/get_value returns
    results = []
    for k in range(args.procs):
        share = work / f"requests-{k}.json"
        share.write_text(json.dumps(reqs[k :: args.procs]))
        out = subprocess.run(
            [sys.executable, __file__, "--skills", str(args.skills), "--child", str(table_json), str(share)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        results.append(json.loads(out.stdout.splitlines()[-1]))
    print(
        f"{results[0]['skills']} skills, {len(reqs)} distinct requests over {args.procs} fresh processes "
        f"(each request new to its process); load average {os.getloadavg()[0]:.1f}"
    )
    for kind, title in (
        ("samples", "wall-clock"),
        ("cpu", "CPU time of the routing thread (what an idle core would take)"),
    ):
        every = {m: [s for r in results for s in r[kind][m]] for m in MODES}
        first = {m: [r[kind][m][0] for r in results] for m in MODES}
        base50, base99 = pct(every[MODES[0]], 50), pct(every[MODES[0]], 99)
        print(f"\n{title}")
        print(
            f"{'mode':<28} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p50 x':>7} {'p99 x':>7}"
            "  first request: p50 / max ms"
        )
        for mode in MODES:
            p50, p99 = pct(every[mode], 50), pct(every[mode], 99)
            print(
                f"{mode:<28} {p50:8.3f} {p99:8.3f} {max(every[mode]):8.3f}"
                f" {p50 / base50:7.2f} {p99 / base99:7.2f}"
                f"  {statistics.median(first[mode]):.3f} / {max(first[mode]):.3f}"
            )
    start = {k: statistics.median(r["startup_ms"][k] for r in results) for k in results[0]["startup_ms"]}
    print(
        "\nstart-up per process (median ms): "
        + ", ".join(f"{k} {v:.0f}" for k, v in start.items())
        + f"; table resource {results[0]['table_mb']:.1f} MB of JSON"
    )
    print("target: hybrid p99 <= 2 ms per new request on an idle core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
