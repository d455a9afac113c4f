"""Benchmark: skill routing latency per request with 100+ skills loaded.

Loads every public corpus skill (../shared/skills-corpus), the four shipped skills and synthetic
skills up to --skills (default 120) into one registry, then routes every request of the routing
dev sets (tests/data/routing) and prints p50/p99 per request for:

- baseline: plain BM25 with bm25s (tokenize with PyStemmer, get_scores, argmax), same documents;
- router, BM25 only: explicit mentions + BM25 + trigger bonus + threshold (no embedding model);
- router, hybrid (cold): the default router, each request seen for the first time;
- router, hybrid (warm): the same requests again (the query-embedding LRU answers).

Each router line shows its ratio to the baseline measured in the same run. Start-up costs (index
build, model load, description embedding) are printed separately.

    uv run python scripts/bench/routing.py [--skills 120] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

import os  # noqa: E402

CORPUS = REPO_ROOT.parent / "shared" / "skills-corpus"
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


def load_skills(target: int) -> list:
    from f.openanalyst.lib.skill_loader import Skill, load_skills_dir, normalize_name

    skills: dict[str, Skill] = {}
    dirs = [REPO_ROOT / "skills"] + (
        sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []
    )
    for directory in dirs:
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
    return list(skills.values())


def requests() -> list[str]:
    out = []
    for file in sorted((REPO_ROOT / "tests" / "data" / "routing").glob("*.jsonl")):
        out += [json.loads(line)["request"] for line in file.read_text().splitlines() if line.strip()]
    return out


def timed(fn: Callable[[str], object], reqs: list[str], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        for r in reqs:
            t = time.perf_counter_ns()
            fn(r)
            samples.append((time.perf_counter_ns() - t) / 1e6)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skills", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("OPENANALYST_EMBED_CACHE", tempfile.mkdtemp(prefix="oa-bench-emb-"))

    import bm25s
    import Stemmer

    from f.openanalyst.lib import embeddings
    from f.openanalyst.lib.skill_router import SkillRegistry, lexical_text

    skills = load_skills(args.skills)
    reqs = requests()
    print(f"{len(skills)} skills, {len(reqs)} distinct requests x {args.repeat}")

    # Baseline: plain bm25s over the same documents.
    stemmer = Stemmer.Stemmer("english")
    t0 = time.perf_counter()
    corpus = bm25s.tokenize(
        [lexical_text(s) for s in skills], stopwords="en", stemmer=stemmer, show_progress=False
    )
    plain = bm25s.BM25()
    plain.index(corpus, show_progress=False)
    build_plain = time.perf_counter() - t0

    def plain_route(text: str) -> int:
        q = bm25s.tokenize(text, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)[0]
        q = [t for t in q if t in plain.vocab_dict]
        return int(plain.get_scores(q).argmax()) if q else -1

    lexical = SkillRegistry(skills, use_embeddings=False)
    t0 = time.perf_counter()
    lexical.route("warm up")
    build_lexical = time.perf_counter() - t0

    rows: list[tuple[str, list[float]]] = []
    base = timed(plain_route, reqs, args.repeat)
    rows.append(("baseline: plain bm25s", base))
    rows.append(("router, BM25 only", timed(lexical.route, reqs, args.repeat)))

    if embeddings.available():
        hybrid = SkillRegistry(skills)
        t0 = time.perf_counter()
        embeddings.get_encoder()
        load_model = time.perf_counter() - t0
        t0 = time.perf_counter()
        hybrid.route("warm up: a request nobody would send")
        first_route = time.perf_counter() - t0
        again = SkillRegistry(skills)
        t0 = time.perf_counter()
        again.route("warm up: another request nobody would send")
        cached_route = time.perf_counter() - t0
        encoder = embeddings.get_encoder()
        encoder._query_cache.clear()
        reasons: list[str] = []
        cold = timed(lambda r: reasons.append(hybrid.route(r).reason), reqs, 1)
        rows.append(("router, hybrid (cold queries)", cold))
        rows.append(("router, hybrid (warm queries)", timed(hybrid.route, reqs, args.repeat)))
        fast = sum(r == "bm25 (decisive)" for r in reasons)
        embedded = sum(r.startswith("hybrid") for r in reasons)
    else:
        print("embedding model not installed: hybrid not measured")

    print(
        f"\nindex build: plain bm25s {build_plain * 1000:.1f} ms, router BM25 {build_lexical * 1000:.1f} ms"
    )
    if embeddings.available():
        print(
            f"hybrid start-up: model load {load_model * 1000:.0f} ms; first route incl. embedding "
            f"{len(skills)} descriptions {first_route * 1000:.0f} ms; with the disk cache warm "
            f"{cached_route * 1000:.0f} ms"
        )
        print(
            f"cold queries: {fast} decided by BM25 alone (decisive), {embedded} embedded, "
            f"{len(reqs) - fast - embedded} explicit mentions"
        )
    b50, b99 = pct(base, 50), pct(base, 99)
    print(f"\n{'mode':<32} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'p50 x':>7} {'p99 x':>7}")
    for label, samples in rows:
        p50, p99 = pct(samples, 50), pct(samples, 99)
        print(
            f"{label:<32} {p50:8.3f} {p99:8.3f} {statistics.fmean(samples):8.3f} "
            f"{p50 / b50:7.2f} {p99 / b99:7.2f}"
        )
    print("\ntarget: p99 < 2 ms per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
