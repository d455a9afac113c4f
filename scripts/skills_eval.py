"""Routing evaluation and calibration on the dev sets in tests/data/routing.

Each `<set>.jsonl` row is {"request": ..., "skill": name or null}; `shipped` routes over `skills/`,
every other set over the public corpus of the same name in tests/data/routing/corpora (copies,
with their sources in SOURCES.tsv). Top-1 counts a correct "no skill" as correct; top-3 is over the
requests that name a skill (is the right one among the three best ranked); "no skill" precision is
the share of abstentions that were right, recall the share of no-skill requests that got none.

`calibrate` fits route_decision's logistic weights and threshold. To report figures that the fit
has not seen, it runs 5-fold cross-validation: each fold's weights and threshold are fitted on the
other four folds only, and the fold is scored with them.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import f.openanalyst.lib.skills.decision as route_decision
from f.openanalyst.lib.skills.loader import load_skills_dir

ROOT = Path(__file__).resolve().parent.parent
ROUTING_DATA = ROOT / "tests" / "data" / "routing"
CORPUS_DIR = ROUTING_DATA / "corpora"
SKILLS_DIR = ROOT / "skills"
FOLDS = 5
MIN_NONE_RECALL = 0.95  # the threshold rule: the most accurate threshold that keeps this recall
L2 = 0.1


@dataclass
class Row:
    set: str
    request: str
    want: str | None
    ranked: list[str]
    signals: route_decision.Signals

    @property
    def top_right(self) -> bool:
        return self.want is not None and bool(self.ranked) and self.ranked[0] == self.want


def dev_sets() -> dict[str, tuple[Path, list[dict[str, Any]]]]:
    """{set name: (skills dir, rows)} from tests/data/routing/*.jsonl (`shipped` = skills/)."""
    out = {}
    for file in sorted(ROUTING_DATA.glob("*.jsonl")):
        rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        skills_dir = SKILLS_DIR if file.stem == "shipped" else CORPUS_DIR / file.stem
        out[file.stem] = (skills_dir, rows)
    return out


def registry_for(skills_dir: Path, bm25_only: bool = False, **kwargs: Any) -> Any:
    from f.openanalyst.lib.skills.router import SkillRegistry

    skills, _ = load_skills_dir(skills_dir)
    return SkillRegistry(skills, use_embeddings=False if bm25_only else None, **kwargs)


def collect(bm25_only: bool = False) -> list[Row]:
    """Every dev row with its ranking and decision features (explicit mentions excluded: they
    never reach the decision)."""
    out = []
    for name, (skills_dir, rows) in dev_sets().items():
        registry = registry_for(skills_dir, bm25_only)
        for row in rows:
            ranked, signals = registry.signals(row["request"])
            out.append(Row(name, row["request"], row.get("skill"), ranked, signals))
    return out


# ---------------------------------------------------------------- logistic fit


def fit_logistic(x: Any, y: Any, l2: float = L2, steps: int = 50) -> tuple[Any, float]:
    """L2-regularised logistic regression by Newton's method: (weights, bias)."""
    import numpy as np

    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = l2 * np.eye(d + 1)
    reg[d, d] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -60, 60)))
        grad = a.T @ (p - y) + reg @ w
        hess = (a * (p * (1 - p))[:, None]).T @ a + reg + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:d], float(w[d])


def choose_threshold(p: Any, rows: list[Row]) -> float:
    """The threshold on P(right) with the best top-1 among those keeping "no skill" recall at
    MIN_NONE_RECALL (the best top-1 overall when none does)."""
    import numpy as np

    none = np.array([r.want is None for r in rows])
    right = np.array([r.top_right for r in rows])
    best: tuple[float, float] | None = None
    fallback: tuple[float, float] | None = None
    for t in np.unique(np.round(np.concatenate([p, [0.5]]), 4)):
        routed = p >= t
        acc = float(np.mean(np.where(routed, right, none)))
        recall = float(np.mean(~routed[none])) if none.any() else 1.0
        if recall >= MIN_NONE_RECALL and (best is None or acc > best[0]):
            best = (acc, float(t))
        if fallback is None or acc > fallback[0]:
            fallback = (acc, float(t))
    assert fallback is not None
    return (best or fallback)[1]


def fit(rows: list[Row]) -> tuple[tuple[float, ...], float, float]:
    """(weights, bias, threshold) fitted on `rows`."""
    import numpy as np

    x = np.array([r.signals.vector() for r in rows])
    y = np.array([r.top_right for r in rows], dtype=float)
    w, b = fit_logistic(x, y)
    p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
    return tuple(float(v) for v in w), b, choose_threshold(p, rows)


def cross_validate(rows: list[Row], folds: int = FOLDS, seed: int = 17) -> list[bool]:
    """Per row: routed (True) or abstained (False), decided by weights fitted without its fold."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    fold_of = {i: k % folds for k, i in enumerate(order)}
    routed = [False] * len(rows)
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if fold_of[i] != k]
        weights, bias, threshold = fit(train)
        for i, r in enumerate(rows):
            if fold_of[i] == k:
                routed[i] = route_decision.probability(r.signals, weights, bias) >= threshold
    return routed


# --------------------------------------------------------------------- figures


def metrics(rows: list[Row], routed: list[bool]) -> dict[str, float]:
    got = [r.ranked[0] if ok and r.ranked else None for r, ok in zip(rows, routed, strict=True)]
    pos = [i for i, r in enumerate(rows) if r.want is not None]
    none = [i for i, r in enumerate(rows) if r.want is None]
    abstained = [i for i, g in enumerate(got) if g is None]
    return {
        "rows": len(rows),
        "top1": sum(g == r.want for g, r in zip(got, rows, strict=True)) / len(rows) if rows else 0.0,
        "top3": sum(rows[i].want in rows[i].ranked[:3] for i in pos) / len(pos) if pos else 1.0,
        "none_precision": sum(rows[i].want is None for i in abstained) / len(abstained) if abstained else 1.0,
        "none_recall": sum(got[i] is None for i in none) / len(none) if none else 1.0,
    }


def by_set(rows: list[Row], routed: list[bool]) -> dict[str, dict[str, float]]:
    names = list(dict.fromkeys(r.set for r in rows))
    out = {}
    for name in names:
        idx = [i for i, r in enumerate(rows) if r.set == name]
        out[name] = metrics([rows[i] for i in idx], [routed[i] for i in idx])
    corpora = [i for i, r in enumerate(rows) if r.set != "shipped"]
    out["five corpora"] = metrics([rows[i] for i in corpora], [routed[i] for i in corpora])
    out["all"] = metrics(rows, routed)
    return out


def evaluate(bm25_only: bool = False, **registry_kwargs: Any) -> dict[str, dict[str, Any]]:
    """Route every dev request the way production does (explicit mentions, judge, thresholds)."""
    results: dict[str, dict[str, Any]] = {}
    rows: list[Row] = []
    routed: list[bool] = []
    errors: dict[str, list[dict[str, Any]]] = {}
    for name, (skills_dir, data) in dev_sets().items():
        registry = registry_for(skills_dir, bm25_only, **registry_kwargs)
        for row in data:
            match = registry.route(row["request"])
            ranked = [match.skill] if match.skill else []
            ranked += [a.skill for a in match.alternatives if a.skill not in ranked]
            rows.append(Row(name, row["request"], row.get("skill"), ranked, _NO_SIGNALS))
            routed.append(match.skill is not None)
            if match.skill != row.get("skill"):
                errors.setdefault(name, []).append(
                    {"request": row["request"], "want": row.get("skill"), "got": match.skill}
                )
    for name, figures in by_set(rows, routed).items():
        results[name] = {**figures, "errors": errors.get(name, [])}
    return results


def grey_band(rows: list[Row]) -> tuple[int, int]:
    """(requests in the grey band, of those the ones the scores alone decide right)."""
    n = right = 0
    for r in rows:
        p = route_decision.probability(r.signals)
        if route_decision.GREY_LOW <= p < route_decision.GREY_HIGH:
            n += 1
            routed = p >= route_decision.THRESHOLD
            right += r.top_right if routed else r.want is None
    return n, right


_NO_SIGNALS = route_decision.Signals(0.0, 0.0, 0.0, False, False, False)


def format_table(results: dict[str, dict[str, Any]], verbose: bool = False) -> str:
    lines = [f"{'set':<32} {'rows':>4} {'top-1':>6} {'top-3':>6} {'none P':>7} {'none R':>7}"]
    for name, r in results.items():
        lines.append(
            f"{name:<32} {r['rows']:>4} {r['top1']:6.3f} {r['top3']:6.3f} "
            f"{r['none_precision']:7.3f} {r['none_recall']:7.3f}"
        )
        if verbose:
            for e in r.get("errors", []):
                lines.append(f"    want {e['want']!s:<28} got {e['got']!s:<28} {e['request']}")
    return "\n".join(lines)


def write_constants(weights: tuple[float, ...], bias: float, threshold: float) -> Path:
    """Rewrite WEIGHTS, BIAS and THRESHOLD in route_decision.py."""
    path = Path(route_decision.__file__)
    text = path.read_text(encoding="utf-8")
    text = re.sub(
        r"^WEIGHTS = .*$", f"WEIGHTS = ({', '.join(f'{w:.3f}' for w in weights)})", text, flags=re.M
    )
    text = re.sub(r"^BIAS = .*$", f"BIAS = {bias:.3f}", text, flags=re.M)
    text = re.sub(r"^THRESHOLD = .*$", f"THRESHOLD = {threshold:.3f}", text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return path
