"""Ask the model which skill fits, only when the scores leave it open (the grey band).

One small structured call: the request, the top candidates (name + description) and "none"; the
model must answer through a forced tool call whose `skill` is one of those names
(https://docs.anthropic.com/en/docs/build-with-claude/tool-use, `tool_choice`). The instructions
are a cached system block (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching),
answers are kept in an in-process LRU keyed by request and candidates, and every call is counted
(`STATS`) so benchmarks can report how often routing consults the model.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import httpx

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.ai.llm import ModelConfig
from f.openanalyst.lib.skills.loader import Skill

API_VERSION = "2023-06-01"
DEFAULT_BASE_URL = "https://api.anthropic.com"
NONE = "none"
DESCRIPTION_CHARS = 400
CACHE_SIZE = 1024
SYSTEM = (
    "You are the OpenAnalyst skill router. A person sent a request; pick the one skill, among the "
    "candidates listed, whose job it is to handle it, or `none` when no candidate does that job "
    "(general-knowledge questions, chit-chat and tasks none of them performs get `none`). Judge by "
    "what each skill does, not by shared words. Answer only with the choose_skill tool."
)


@dataclass
class JudgeStats:
    """Counts since the process started: model calls made, and answers served from the cache."""

    calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, calls: int = 0, cache_hits: int = 0, failures: int = 0) -> None:
        with self._lock:
            self.calls += calls
            self.cache_hits += cache_hits
            self.failures += failures


STATS = JudgeStats()


class ModelJudge:
    """Callable(request, candidates) -> a candidate's name or None; raises on a failed call (the
    router then keeps the scores' decision)."""

    def __init__(self, config: ModelConfig, client: httpx.Client | None = None) -> None:
        model = config.model_id("judge")
        if not config.api_key or not model:
            raise ValueError("routing judge needs an API key and a judge (or planner) model id")
        self.model = model
        self._config = config
        self._given = client
        self._cache: OrderedDict[tuple[str, tuple[str, ...]], str | None] = OrderedDict()
        self._lock = threading.Lock()

    @functools.cached_property
    def _client(self) -> httpx.Client:
        """Made on the first question (most requests are decided by the scores), on the process's
        TLS context (`windmill_rest.tls`): a client's own would load the CA bundle (~20 ms a job)."""
        base = self._config.base_url or DEFAULT_BASE_URL
        return self._given or httpx.Client(
            timeout=min(self._config.timeout_s, 20.0), verify=windmill_rest.tls(base)
        )

    def __call__(self, request: str, candidates: list[Skill]) -> str | None:
        names = tuple(s.name for s in candidates)
        key = (" ".join(request.lower().split()), names)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                STATS.add(cache_hits=1)
                return self._cache[key]
        try:
            answer = self._ask(request, candidates)
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            STATS.add(calls=1, failures=1)
            raise
        STATS.add(calls=1)
        with self._lock:
            self._cache[key] = answer
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return answer

    def _ask(self, request: str, candidates: list[Skill]) -> str | None:
        names = [s.name for s in candidates]
        listing = "\n".join(
            f"- {s.name}: {' '.join(s.description.split())[:DESCRIPTION_CHARS]}" for s in candidates
        )
        body = {
            "model": self.model,
            "max_tokens": 64,
            "system": [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
            "tools": [
                {
                    "name": "choose_skill",
                    "description": "Report the skill that should handle the request, or none.",
                    "input_schema": {
                        "type": "object",
                        "properties": {"skill": {"type": "string", "enum": [*names, NONE]}},
                        "required": ["skill"],
                    },
                }
            ],
            "tool_choice": {"type": "tool", "name": "choose_skill"},
            "messages": [{"role": "user", "content": f"Request:\n{request}\n\nCandidate skills:\n{listing}"}],
        }
        base = (self._config.base_url or DEFAULT_BASE_URL).rstrip("/")
        resp = self._client.post(
            f"{base}/v1/messages",
            json=body,
            headers={
                "x-api-key": self._config.api_key or "",
                "anthropic-version": API_VERSION,
                "content-type": "application/json",
            },
        )
        resp.raise_for_status()
        for block in resp.json()["content"]:
            if block.get("type") == "tool_use" and block.get("name") == "choose_skill":
                chosen = block["input"]["skill"]
                if chosen == NONE:
                    return None
                if chosen in names:
                    return str(chosen)
                raise ValueError(f"model chose a skill that was not offered: {chosen!r}")
        raise ValueError("model answered without the choose_skill tool")


def judge_from_config(config: ModelConfig) -> ModelJudge | None:
    """The judge when a key and a model id are configured, else None (scores alone decide)."""
    if not config.api_key or not config.model_id("judge"):
        return None
    return ModelJudge(config)
