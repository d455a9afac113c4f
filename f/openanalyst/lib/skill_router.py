"""The skill registry and router: which skill should handle a request (no model call).

Order (REFERENCE.md 7.5):
1. An explicit `/skill-name`, or a mention of a skill's distinctive name (`SOCIAL_MEDIA`,
   `skill-creator`, `USMetrics`, or its words as a phrase: "workflow builder"), wins outright.
2. Otherwise a hybrid score: BM25 (bm25s + PyStemmer) over name, description and triggers, plus
   the cosine similarity of the local MiniLM embedding (f.openanalyst.lib.embeddings), plus a small
   bonus for a whole trigger phrase found in the request. Without the embedding model, BM25 alone.
3. Below a calibrated threshold the answer is "no skill" (`SkillMatch.skill is None`). Among
   near-equal scores the higher `priority` wins.

Speed: the query embedding costs milliseconds, BM25 microseconds, so the embedding is computed only
when BM25 leaves the decision open (no decisive lexical winner). Heavy imports (numpy, bm25s,
tokenizers) happen on the first route, not at import.

A person's CUSTOM skills route only for that person: each scope (shared, or shared + one person's)
has its own index, and a custom skill may only allow scripts in its owner's folder or scripts a
shared skill already allows.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from f.openanalyst.lib import embeddings
from f.openanalyst.lib.protocol import SkillCandidate, SkillMatch
from f.openanalyst.lib.skill_loader import Skill, load_skills_dir, name_words, normalize_name
from f.openanalyst.lib.users import is_in_user_space, validate_user_id

# Calibrated on tests/data/routing (README section `skills`): the scores below are on a 0..1 scale.
HYBRID_THRESHOLD = 0.11
BM25_THRESHOLD = 0.105
# BM25 saturation: a raw score s maps to s / (s + BM25_HALF), so BM25_HALF is "half confident".
BM25_HALF = 4.0
# Fast path: BM25 alone decides when the lexical winner is this clear (top >= FAST_MIN on the 0..1
# scale, runner-up below FAST_RATIO of it, and a whole trigger phrase or name word matched).
FAST_MIN = 0.4
FAST_RATIO = 0.6
TRIGGER_BONUS = 0.08
TIE_EPS = 0.01
MAX_ALTERNATIVES = 3
DESCRIPTION_CHARS = 600  # long, keyword-stuffed descriptions attract wrong matches: cap them

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_WORD_RE = _TOKEN_RE
_LITERAL_RE = re.compile(r"(?<![\w/-])[A-Za-z0-9][A-Za-z0-9_-]*")
_SLASH_RE = re.compile(r"(?<![\w/])/([A-Za-z][A-Za-z0-9_-]{0,63})\b")


@dataclass
class _Index:
    """Everything routing needs for one scope, built once."""

    skills: list[Skill]  # the routable ones (model-invocable)
    bm25: Any = None
    vocab: dict[str, int] = field(default_factory=dict)
    # Whole-phrase lookups: space-joined lower-case words -> indices into `skills`.
    triggers: dict[str, list[int]] = field(default_factory=dict)
    name_words: dict[str, list[int]] = field(default_factory=dict)
    max_phrase: int = 1
    priorities: Any = None  # numpy array
    # Explicit mentions (over every skill of the scope, for `/name` also the non-invocable ones).
    by_slash: dict[str, Skill] = field(default_factory=dict)
    by_literal: dict[str, Skill] = field(default_factory=dict)
    by_phrase: dict[str, Skill] = field(default_factory=dict)
    vectors: Any = None  # numpy (n, 384) or None
    embed_texts: list[str] = field(default_factory=list)


class SkillRegistry:
    """Shared skills plus each person's custom skills; `route()` picks one for a request."""

    def __init__(
        self,
        skills: Iterable[Skill] = (),
        *,
        use_embeddings: bool | None = None,
        threshold: float | None = None,
        fast_path: bool = True,
    ) -> None:
        self._shared: dict[str, Skill] = {}
        self._custom: dict[str, dict[str, Skill]] = {}
        self._indexes: dict[str | None, _Index] = {}
        self._lock = threading.Lock()
        self._use_embeddings = use_embeddings
        self._threshold = threshold
        self.fast_path = fast_path
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

    @property
    def embeddings_enabled(self) -> bool:
        """Whether routing may use the embedding model (loads it on first call)."""
        return self._use_embeddings is not False and embeddings.get_encoder() is not None

    def can_embed(self) -> bool:
        """Cheap check (no model load): not disabled and the packages are installed."""
        return self._use_embeddings is not False and embeddings.available()

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

        embeddings.single_thread_blas()
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
        corpus = [tokenize(lexical_text(s)) for s in skills]
        index.bm25 = bm25s.BM25()
        index.bm25.index(corpus, show_progress=False)
        index.vocab = dict(index.bm25.vocab_dict)
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
        index.embed_texts = [semantic_text(s) for s in skills]
        return index

    def _vectors(self, index: _Index) -> Any:
        if index.vectors is None:
            encoder = embeddings.get_encoder()
            if encoder is not None:
                index.vectors = encoder.encode_cached(index.embed_texts)
        return index.vectors

    def scores(self, request: str, user_id: str | None = None) -> dict[str, Any]:
        """The raw per-skill signals (for calibration and debugging)."""
        index = self._index(user_id if user_id in self._custom else None)
        lexical, bonus, _ = self._lexical(index, request, _WORD_RE.findall(request.lower()))
        out: dict[str, Any] = {
            "names": [s.name for s in index.skills],
            "bm25": lexical.tolist(),
            "bonus": bonus.tolist(),
        }
        if self.embeddings_enabled and index.skills:
            vec = embeddings.get_encoder().encode_query(request)  # type: ignore[union-attr]
            out["cos"] = (self._vectors(index) @ vec).tolist()
        return out

    def _lexical(self, index: _Index, request: str, words: list[str]) -> tuple[Any, Any, Any]:
        """(BM25 on a 0..1 scale, trigger bonus, whole trigger-or-name-word hit) per skill."""
        import numpy as np

        n = len(index.skills)
        ids = [index.vocab[t] for t in tokenize(request) if t in index.vocab]
        raw = index.bm25.get_scores_from_ids(ids).astype(np.float64) if ids else np.zeros(n)
        lexical = raw / (raw + BM25_HALF)
        trigger_hit = np.zeros(n, dtype=bool)
        for phrase in _ngrams(words, index.max_phrase):
            for i in index.triggers.get(phrase, ()):
                trigger_hit[i] = True
        hit = trigger_hit.copy()
        for word in words:
            for i in index.name_words.get(word, ()):
                hit[i] = True
        return lexical, trigger_hit * TRIGGER_BONUS, hit

    def _score(self, index: _Index, request: str, words: list[str]) -> SkillMatch:
        import numpy as np

        if not index.skills:
            return SkillMatch(skill=None, confidence=0.0, reason="no routable skills")
        lexical, bonus, phrase_hit = self._lexical(index, request, words)
        top = int(lexical.argmax())
        second = float(np.partition(lexical, -2)[-2]) if len(lexical) > 1 else 0.0
        decisive = bool(lexical[top] >= FAST_MIN and second < FAST_RATIO * lexical[top] and phrase_hit[top])
        encoder = None
        if self.can_embed() and not (self.fast_path and decisive):
            encoder = embeddings.get_encoder()  # None when the install is broken: BM25 alone
        if encoder is not None:
            cos = self._vectors(index) @ encoder.encode_query(request)
            final = 0.7 * cos + 0.3 * lexical + bonus
            how = "hybrid"
        else:
            final = lexical + bonus
            how = "bm25 (decisive)" if decisive and self.can_embed() else "bm25"
        ranked = [int(i) for i in np.argsort(-final, kind="stable")[: 2 + MAX_ALTERNATIVES + 8]]
        best = ranked[0]
        # Priority breaks ties among near-equal scores.
        tied = [i for i in ranked if final[best] - final[i] <= TIE_EPS]
        if len(tied) > 1:
            best = max(tied, key=lambda i: (index.priorities[i], final[i]))
            ranked = [best] + [i for i in ranked if i != best]
        confidence = _clamp(float(final[best]))
        alternatives = [
            SkillCandidate(skill=index.skills[i].name, confidence=_clamp(float(final[i])))
            for i in ranked[1 : 1 + MAX_ALTERNATIVES]
            if final[i] > 0
        ]
        threshold = self._threshold
        if threshold is None:
            threshold = HYBRID_THRESHOLD if encoder is not None else BM25_THRESHOLD
        if confidence < threshold:
            candidate = SkillCandidate(skill=index.skills[best].name, confidence=confidence)
            return SkillMatch(
                skill=None,
                confidence=confidence,
                alternatives=[candidate, *alternatives][:MAX_ALTERNATIVES],
                reason=f"{how}: best score {confidence:.2f} below threshold {threshold:.2f}",
            )
        return SkillMatch(
            skill=index.skills[best].name, confidence=confidence, alternatives=alternatives, reason=how
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
    """What BM25 sees: the name's words, the capped description, the triggers."""
    return " ".join(
        [" ".join(name_words(skill.name)), skill.description[:DESCRIPTION_CHARS], " ".join(skill.triggers)]
    )


def semantic_text(skill: Skill) -> str:
    """What the embedding sees: the name's words and the description."""
    return f"{' '.join(name_words(skill.name))}. {skill.description}"


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
