# extra_requirements:
# bm25s
# numpy
# PyStemmer
"""The skill registry and router: which skill should handle a request.

Order:
1. An explicit `/skill-name`, or a mention of a skill's distinctive name (`SOCIAL_MEDIA`,
   `skill-creator`, `USMetrics`, or its words as a phrase: "workflow builder"), wins outright.
2. Otherwise a hybrid score per skill: BM25 (bm25s + PyStemmer) over the description (name words,
   description, trigger phrases) plus, weighted below it, the body's evidence (when-to-use sections,
   opening, script names: f.openanalyst.lib.skills.evidence); the cosine of static sentence vectors
   (f.openanalyst.lib.skills.static_embeddings, distilled from MiniLM at compile time); a bonus for a whole
   trigger phrase in the request; a penalty when a "when NOT to use" section fits better than the
   description. Without the table, BM25 alone.
3. Skill or no skill: f.openanalyst.lib.skills.decision turns the best score, its margin to the
   runner-up, how much of the request the skill's words explain and the request's form into a
   calibrated probability. In the grey band a configured model may settle it
   (f.openanalyst.lib.skills.judge); otherwise below the threshold the answer is "no skill".
   Among near-equal scores the higher `priority` wins.

Heavy imports (numpy, bm25s) happen on the first route, not at import.

A person's CUSTOM skills route only for that person: each scope (shared, or shared + one person's)
has its own index, and a custom skill may only allow scripts in its owner's folder or scripts a
shared skill already allows.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import f.openanalyst.lib.skills.decision as route_decision
from f.openanalyst.lib.contracts import SkillCandidate, SkillMatch
from f.openanalyst.lib.skills.evidence import skill_texts
from f.openanalyst.lib.skills.loader import Skill, load_skills_dir, name_words, normalize_name
from f.openanalyst.lib.skills.static_embeddings import StaticTable, default_table
from f.openanalyst.lib.users import is_in_user_space, validate_user_id

# The hybrid score (fixed before calibration, checked by cross-validation in `calibrate`).
COSINE_WEIGHT = 0.6  # cosine of static vectors; the rest is BM25 on its 0..1 scale
BODY_WEIGHT = 0.5  # body evidence counts half as much as the description (BM25 and cosine)
AVOID_PENALTY = 0.1  # when a "when NOT to use" section fits the request better than the skill
# BM25 saturation: a raw score s maps to s / (s + BM25_HALF), so BM25_HALF is "half confident".
BM25_HALF = 4.0
TRIGGER_BONUS = 0.08
TIE_EPS = 0.01
MAX_ALTERNATIVES = 3
DESCRIPTION_CHARS = 1024  # the spec's cap: longer descriptions are keyword lists that attract everything
# Judge: asks the configured model when P(right) is in the grey band; returns a candidate's name or
# None (no skill). `route_judge.ModelJudge` is the real one.
Judge = Callable[[str, list[Skill]], "str | None"]

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_WORD_RE = _TOKEN_RE
_LITERAL_RE = re.compile(r"(?<![\w/-])[A-Za-z0-9][A-Za-z0-9_-]*")
_SLASH_RE = re.compile(r"(?<![\w/])/([A-Za-z][A-Za-z0-9_-]{0,63})\b")


@dataclass
class _Index:
    """Everything routing needs for one scope, built once."""

    skills: list[Skill]  # the routable ones (model-invocable)
    bm25: Any = None
    bm25_body: Any = None
    vocab: dict[str, int] = field(default_factory=dict)
    vocab_body: dict[str, int] = field(default_factory=dict)
    # Stems of each skill's description and body (for "how much of the request does it explain").
    stems: list[frozenset[str]] = field(default_factory=list)
    body_stems: list[frozenset[str]] = field(default_factory=list)
    # Whole-phrase lookups: space-joined lower-case words -> indices into `skills`.
    triggers: dict[str, list[int]] = field(default_factory=dict)
    name_words: dict[str, list[int]] = field(default_factory=dict)
    max_phrase: int = 1
    priorities: Any = None  # numpy array
    # Explicit mentions (over every skill of the scope, for `/name` also the non-invocable ones).
    by_slash: dict[str, Skill] = field(default_factory=dict)
    by_literal: dict[str, Skill] = field(default_factory=dict)
    by_phrase: dict[str, Skill] = field(default_factory=dict)
    vectors: Any = None  # numpy (n, dim): descriptions
    body_vectors: Any = None  # (n, dim): body evidence, zeros when none
    avoid_vectors: Any = None  # (n, dim): "when not to use", zeros when none


class SkillRegistry:
    """Shared skills plus each person's custom skills; `route()` picks one for a request."""

    def __init__(
        self,
        skills: Iterable[Skill] = (),
        *,
        use_embeddings: bool | None = None,
        table: StaticTable | None = None,
        judge: Judge | None = None,
        threshold: float | None = None,
    ) -> None:
        """`use_embeddings=False`: BM25 alone. `table`: the static embedding table (default: the
        one compiled into this checkout; a Windmill job passes the resource it read). `judge`: asks
        a model in the grey band. `threshold`: on P(right), default route_decision.THRESHOLD."""
        self._shared: dict[str, Skill] = {}
        self._custom: dict[str, dict[str, Skill]] = {}
        self._indexes: dict[str | None, _Index] = {}
        self._lock = threading.Lock()
        self._use_embeddings = use_embeddings
        self._table = table
        self.judge = judge
        self._threshold = threshold
        self.warnings: list[str] = []
        for skill in skills:
            self.add(skill)

    # ---------------------------------------------------------------- contents

    @classmethod
    def from_dir(cls, path: str, **kwargs: Any) -> SkillRegistry:
        skills, _ = load_skills_dir(path)
        return cls(skills, **kwargs)

    def add(self, skill: Skill) -> None:
        """Add a shared skill (a later one with the same name replaces it, with a warning)."""
        key = normalize_name(skill.name)
        if key in self._shared:
            self.warnings.append(f"shared skill {skill.name!r} defined twice: the later one wins")
        self._shared[key] = skill
        self._indexes.clear()

    def add_custom(self, user_id: str, skill: Skill) -> bool:
        """Add a person's own skill. Returns False (with a warning) when its name is taken by a
        shared skill: shared names win, so a custom skill cannot impersonate a shipped one."""
        validate_user_id(user_id)
        key = normalize_name(skill.name)
        if key in self._shared:
            self.warnings.append(f"custom skill {skill.name!r} of {user_id} shadows a shared skill: ignored")
            return False
        allowed_shared = {s for shared in self._shared.values() for s in shared.scripts}
        kept = [p for p in skill.scripts if is_in_user_space(p, user_id) or p in allowed_shared]
        if dropped := [p for p in skill.scripts if p not in kept]:
            self.warnings.append(f"custom skill {skill.name!r} of {user_id}: scripts not allowed {dropped}")
        skill.source, skill.owner = "custom", user_id
        skill.__dict__["scripts"] = kept  # overrides the cached_property for this instance
        self._custom.setdefault(user_id, {})[key] = skill
        self._indexes.pop(user_id, None)
        return True

    def skills(self, user_id: str | None = None) -> list[Skill]:
        """The skills a person can use: the shared ones and their own."""
        out = list(self._shared.values())
        if user_id is not None:
            out += list(self._custom.get(validate_user_id(user_id), {}).values())
        return out

    def get(self, name: str, user_id: str | None = None) -> Skill:
        """A skill by name (any spelling of it: SOCIAL_MEDIA = social-media); KeyError if unknown."""
        key = normalize_name(name)
        if key in self._shared:
            return self._shared[key]
        if user_id is not None and key in self._custom.get(validate_user_id(user_id), {}):
            return self._custom[user_id][key]
        raise KeyError(f"no skill named {name!r}")

    def catalog(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Tier 1 of progressive disclosure: name, description, triggers (no body)."""
        return [
            {"name": s.name, "description": s.description, "triggers": list(s.triggers), "source": s.source}
            for s in self.skills(user_id)
            if s.model_invocable
        ]

    def table(self) -> StaticTable | None:
        """The static embedding table in use, or None (BM25 alone)."""
        if self._use_embeddings is False or os.environ.get("OPENANALYST_EMBEDDINGS", "").lower() in {
            "0",
            "off",
            "false",
            "no",
        }:
            return None
        return self._table if self._table is not None else default_table()

    def can_embed(self) -> bool:
        """Whether routing uses the static embedding table."""
        return self.table() is not None

    # ----------------------------------------------------------------- routing

    def route(self, request: str, user_id: str | None = None) -> SkillMatch:
        """The skill for `request`, or `skill=None` when nothing fits well enough."""
        if user_id is not None:
            validate_user_id(user_id)
        request = (request or "").strip()
        scope = user_id if user_id in self._custom else None
        index = self._index(scope)
        if not request or not index.by_slash:
            reason = "empty request" if not request else "no skills"
            return SkillMatch(skill=None, confidence=0.0, reason=reason)
        words = _WORD_RE.findall(request.lower())
        explicit = self._explicit(index, request, words)
        if explicit is not None:
            return explicit
        return self._score(index, request, words)

    def _explicit(self, index: _Index, request: str, words: list[str]) -> SkillMatch | None:
        for m in _SLASH_RE.finditer(request):
            skill = index.by_slash.get(normalize_name(m[1]))
            if skill is not None:
                return SkillMatch(skill=skill.name, confidence=1.0, reason=f"explicit /{m[1]}")
        found: list[tuple[int, Skill]] = []
        for token in _LITERAL_RE.findall(request):
            skill = index.by_literal.get(token.rstrip("-_"))
            if skill is not None:
                found.append((len(token), skill))
        for phrase in _ngrams(words, index.max_phrase, min_n=2):
            skill = index.by_phrase.get(phrase)
            if skill is not None:
                found.append((len(phrase), skill))
        if found:
            best = max(found, key=lambda f: f[0])[1]
            return SkillMatch(skill=best.name, confidence=1.0, reason="skill named in the request")
        return None

    def _index(self, scope: str | None) -> _Index:
        index = self._indexes.get(scope)
        if index is None:
            with self._lock:
                index = self._indexes.get(scope)
                if index is None:
                    index = self._build(self.skills(scope))
                    self._indexes[scope] = index
        return index

    def _build(self, every: list[Skill]) -> _Index:
        import bm25s
        import numpy as np

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

        skills = [s for s in every if s.model_invocable]
        index = _Index(skills=skills)
        for skill in every:
            index.by_slash.setdefault(normalize_name(skill.name), skill)
        for skill in skills:
            literal, phrase = _mention_forms(skill.name)
            if literal:
                index.by_literal.setdefault(literal, skill)
            if phrase:
                index.by_phrase.setdefault(phrase, skill)
        if not skills:
            return index
        texts = [skill_texts(s) for s in skills]
        desc = [tokenize(t.description[: DESCRIPTION_CHARS + 200]) for t in texts]
        body = [tokenize(t.body) or ["-"] for t in texts]  # bm25s needs a token per document
        index.bm25 = bm25s.BM25()
        index.bm25.index(desc, show_progress=False)
        index.vocab = dict(index.bm25.vocab_dict)
        index.bm25_body = bm25s.BM25()
        index.bm25_body.index(body, show_progress=False)
        index.vocab_body = dict(index.bm25_body.vocab_dict)
        index.stems = [frozenset(d) for d in desc]
        index.body_stems = [frozenset(b) for b in body]
        for i, skill in enumerate(skills):
            for trigger in skill.triggers:
                phrase = " ".join(_WORD_RE.findall(trigger.lower()))
                if len(phrase) > 1 and i not in index.triggers.get(phrase, []):
                    index.triggers.setdefault(phrase, []).append(i)
            for word in name_words(skill.name):
                if len(word) > 2 and i not in index.name_words.get(word, []):
                    index.name_words.setdefault(word, []).append(i)
        phrases = [*index.triggers, *index.by_phrase]
        index.max_phrase = max((p.count(" ") + 1 for p in phrases), default=1)
        index.priorities = np.array([s.priority for s in skills], dtype=np.float64)
        table = self.table()
        if table is not None:
            index.vectors = np.stack([table.encode(t.description) for t in texts])
            index.body_vectors = np.stack([table.encode(t.body) for t in texts])
            index.avoid_vectors = np.stack([table.encode(t.avoid) for t in texts])
        return index

    def scores(self, request: str, user_id: str | None = None) -> dict[str, Any]:
        """The raw per-skill signals (for calibration and debugging)."""
        index = self._index(user_id if user_id in self._custom else None)
        words = _WORD_RE.findall(request.lower())
        final, lexical, cos = self._hybrid(index, request, words)
        return {
            "names": [s.name for s in index.skills],
            "final": final.tolist(),
            "bm25": lexical.tolist(),
            "cos": None if cos is None else cos.tolist(),
        }

    def _lexical(self, index: _Index, request: str, words: list[str]) -> tuple[Any, Any, list[str]]:
        """(BM25 on a 0..1 scale, trigger bonus, the request's stems) per skill."""
        import numpy as np

        n = len(index.skills)
        stems = tokenize(request)
        raw = np.zeros(n)
        for bm25, vocab, weight in (
            (index.bm25, index.vocab, 1.0),
            (index.bm25_body, index.vocab_body, BODY_WEIGHT),
        ):
            ids = [vocab[t] for t in stems if t in vocab]
            if ids:
                raw += weight * bm25.get_scores_from_ids(ids).astype(np.float64)
        lexical = raw / (raw + BM25_HALF)
        trigger_hit = np.zeros(n, dtype=bool)
        for phrase in _ngrams(words, index.max_phrase):
            for i in index.triggers.get(phrase, ()):
                trigger_hit[i] = True
        return lexical, trigger_hit * TRIGGER_BONUS, stems

    def _hybrid(self, index: _Index, request: str, words: list[str]) -> tuple[Any, Any, Any]:
        """(final score, BM25 part, cosine part or None) per skill."""
        import numpy as np

        lexical, bonus, _ = self._lexical(index, request, words)
        table = self.table() if index.vectors is not None else None
        if table is None:
            return lexical + bonus, lexical, None
        query = table.encode(request)
        cos = np.maximum(index.vectors @ query, BODY_WEIGHT * (index.body_vectors @ query))
        avoid = (index.avoid_vectors @ query) > cos
        final = COSINE_WEIGHT * cos + (1 - COSINE_WEIGHT) * lexical + bonus - AVOID_PENALTY * avoid
        return final, lexical, cos

    def signals(self, request: str, user_id: str | None = None) -> tuple[list[str], route_decision.Signals]:
        """(skills ranked best first, the decision's features): for calibration."""
        index = self._index(user_id if user_id in self._custom else None)
        ranked, signals, _ = self._rank(index, request, _WORD_RE.findall(request.lower()))
        return [index.skills[i].name for i in ranked], signals

    def _rank(
        self, index: _Index, request: str, words: list[str]
    ) -> tuple[list[int], route_decision.Signals, Any]:
        import numpy as np

        final, _, _ = self._hybrid(index, request, words)
        ranked = [int(i) for i in np.argsort(-final, kind="stable")[: 2 + MAX_ALTERNATIVES + 8]]
        best = ranked[0]
        # Priority breaks ties among near-equal scores.
        tied = [i for i in ranked if final[best] - final[i] <= TIE_EPS]
        if len(tied) > 1:
            best = max(tied, key=lambda i: (index.priorities[i], final[i]))
            ranked = [best] + [i for i in ranked if i != best]
        second = float(final[ranked[1]]) if len(ranked) > 1 else 0.0
        stems = tokenize(request)
        known, body = index.stems[best], index.body_stems[best]
        # A word the description uses explains the request fully, one only the body uses half.
        explained = sum(1.0 if s in known else BODY_WEIGHT if s in body else 0.0 for s in stems)
        coverage = explained / len(stems) if stems else 0.0
        question, own = route_decision.request_form(request)
        signals = route_decision.Signals(
            score=float(final[best]),
            margin=float(final[best]) - second,
            coverage=coverage,
            question=question,
            own_things=own,
            short=len(stems) <= 2,
        )
        return ranked, signals, final

    def _score(self, index: _Index, request: str, words: list[str]) -> SkillMatch:
        if not index.skills:
            return SkillMatch(skill=None, confidence=0.0, reason="no routable skills")
        ranked, signals, final = self._rank(index, request, words)
        how = "hybrid" if index.vectors is not None and self.table() is not None else "bm25"
        p = route_decision.probability(signals)
        best = ranked[0]
        alternatives = [
            SkillCandidate(skill=index.skills[i].name, confidence=_clamp(float(final[i])))
            for i in ranked[1 : 1 + MAX_ALTERNATIVES]
            if final[i] > 0
        ]
        threshold = route_decision.THRESHOLD if self._threshold is None else self._threshold
        if self.judge is not None and route_decision.GREY_LOW <= p < route_decision.GREY_HIGH:
            candidates = [index.skills[i] for i in ranked[:MAX_ALTERNATIVES]]
            try:
                chosen = self.judge(request, candidates)
            except Exception as exc:  # a failed call leaves the decision to the scores
                logging.getLogger(__name__).warning("routing judge failed: %s", type(exc).__name__)
            else:
                named = {s.name: s for s in candidates}
                if chosen in named:
                    others = [
                        a
                        for a in [
                            SkillCandidate(skill=index.skills[best].name, confidence=_clamp(p)),
                            *alternatives,
                        ]
                        if a.skill != chosen
                    ]
                    return SkillMatch(
                        skill=chosen,
                        confidence=_clamp(p),
                        alternatives=others[:MAX_ALTERNATIVES],
                        reason=f"{how} + model (P={p:.2f} in the grey band)",
                    )
                return SkillMatch(
                    skill=None,
                    confidence=_clamp(p),
                    alternatives=[
                        SkillCandidate(skill=index.skills[best].name, confidence=_clamp(p)),
                        *alternatives,
                    ][:MAX_ALTERNATIVES],
                    reason=f"{how} + model: no skill fits (P={p:.2f} in the grey band)",
                )
        if p < threshold:
            candidate = SkillCandidate(skill=index.skills[best].name, confidence=_clamp(p))
            return SkillMatch(
                skill=None,
                confidence=_clamp(p),
                alternatives=[candidate, *alternatives][:MAX_ALTERNATIVES],
                reason=f"{how}: P(best skill right) {p:.2f} below threshold {threshold:.2f}",
            )
        return SkillMatch(
            skill=index.skills[best].name, confidence=_clamp(p), alternatives=alternatives, reason=how
        )


# ------------------------------------------------------------------------- text


_stemmer: Any = None
_stem_cache: dict[str, str] = {}
_STOPWORDS: frozenset[str] = frozenset()


def tokenize(text: str) -> list[str]:
    """Lower-case words, English stopwords removed, Snowball-stemmed (PyStemmer)."""
    global _stemmer, _STOPWORDS
    if _stemmer is None:
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        _STOPWORDS = frozenset(STOPWORDS_EN) | {"i", "me", "my", "you", "your", "please", "can", "want"}
        _stemmer = Stemmer.Stemmer("english")
    out: list[str] = []
    for word in _TOKEN_RE.findall(text.lower()):
        if word in _STOPWORDS or len(word) < 2:
            continue
        stem = _stem_cache.get(word)
        if stem is None:
            stem = _stem_cache.setdefault(word, _stemmer.stemWord(word))
        out.append(stem)
    return out


def lexical_text(skill: Skill) -> str:
    """What BM25 sees first: the name's words, the description (capped), the triggers."""
    return skill_texts(skill).description[: DESCRIPTION_CHARS + 200]


def _mention_forms(name: str) -> tuple[str | None, str | None]:
    """(literal, phrase): the distinctive literal name that counts as a mention when written as is
    (has `-`/`_`, internal capitals, or is ALL CAPS: `skill-creator`, `USMetrics`, `CORE`), and the
    lower-case word phrase of a multi-word name ("workflow builder"). Plain words like `linear` or
    `Research` are neither: they appear in ordinary requests."""
    distinctive = bool(re.search(r"[-_]", name) or re.search(r"[a-z][A-Z]|[A-Z]{2}[a-z]", name))
    distinctive |= name.isupper() and len(name) >= 3
    words = name_words(name)
    return (name if distinctive else None), (" ".join(words) if len(words) >= 2 else None)


def _ngrams(words: list[str], max_n: int, min_n: int = 1) -> Iterable[str]:
    for n in range(min_n, min(max_n, len(words)) + 1):
        for i in range(len(words) - n + 1):
            yield " ".join(words[i : i + n])


def _clamp(x: float) -> float:
    return round(min(1.0, max(0.0, x)), 4)
