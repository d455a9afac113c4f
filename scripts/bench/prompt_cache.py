"""What Anthropic's prompt cache would serve for Messages API request bodies, computed from the bodies.

The rules (https://platform.claude.com/docs/en/build-with-claude/prompt-caching):
- the prefix is `tools`, then `system`, then `messages`, in that order; a `cache_control` on a block
  is a breakpoint and caches the prefix up to and including that block (at most 4 per request);
  a top-level `cache_control` (automatic caching) puts the breakpoint on the last block;
- a prefix shorter than the model's minimum cacheable length is not cached (no error: it is
  simply billed as input);
- a hit needs the byte-identical prefix on the same model, within the TTL (5 minutes by default;
  a benchmark run stays inside it); at each breakpoint the longest earlier-cached prefix is read.

Tokens are estimated from characters (about 3.5 characters a token, Anthropic's rule of thumb for
English); the exact count needs the token-counting endpoint, which an offline benchmark cannot call.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

CHARS_PER_TOKEN = 3.5
MAX_BREAKPOINTS = 4

# Minimum cacheable prompt length by model id prefix, most specific first (the docs' table).
MINIMUM_TOKENS: tuple[tuple[str, int], ...] = (
    ("claude-opus-5", 512),
    ("claude-sonnet-5", 1024),
    ("claude-opus-4-5", 4096),
    ("claude-opus-4-6", 4096),
    ("claude-haiku-4-5", 4096),
    ("claude-sonnet-4-6", 2048),
    ("claude-opus-4", 1024),
    ("claude-sonnet-4", 1024),
    ("claude-3-7-sonnet", 1024),
    ("claude-3-5-haiku", 2048),
    ("claude-3-haiku", 2048),
)
# A model the table does not name (e.g. claude-haiku-5-5): the largest minimum, never overstating.
UNKNOWN_MINIMUM = 4096


def minimum_tokens(model: str) -> int:
    return next((n for prefix, n in MINIMUM_TOKENS if model.startswith(prefix)), UNKNOWN_MINIMUM)


def tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _blocks(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """The body's blocks in cache order, each as (canonical text, has a breakpoint)."""
    out: list[tuple[str, bool]] = []

    def add(block: Any) -> None:
        marked = isinstance(block, dict) and "cache_control" in block
        if isinstance(block, dict):
            block = {k: v for k, v in block.items() if k != "cache_control"}
        out.append((json.dumps(block, sort_keys=True, separators=(",", ":")), marked))

    for tool in body.get("tools") or []:
        add(tool)
    system = body.get("system")
    for block in [{"type": "text", "text": system}] if isinstance(system, str) else system or []:
        add(block)
    for message in body.get("messages") or []:
        content = message.get("content")
        for block in [{"type": "text", "text": content}] if isinstance(content, str) else content or []:
            add({"role": message.get("role"), **block} if isinstance(block, dict) else block)
    if body.get("cache_control") and out:
        out[-1] = (out[-1][0], True)
    return out


@dataclass
class Call:
    role: str
    model: str
    input_tokens: int
    read: int = 0
    write: int = 0
    breakpoints: int = 0
    largest_prefix: int = 0
    minimum: int = 0


@dataclass
class PromptCache:
    """The cache as Anthropic keeps it for one API key: prefixes seen, per model."""

    entries: set[str] = field(default_factory=set)

    def send(self, role: str, body: dict[str, Any]) -> Call:
        model = str(body.get("model") or "")
        blocks = _blocks(body)
        call = Call(role, model, sum(tokens(text) for text, _ in blocks), minimum=minimum_tokens(model))
        digest = hashlib.sha256(model.encode())
        prefixes: list[tuple[str, int]] = []  # (key, tokens) at each breakpoint
        running = 0
        for text, marked in blocks:
            digest.update(text.encode())
            running += tokens(text)
            if marked:
                prefixes.append((digest.copy().hexdigest(), running))
        prefixes = prefixes[:MAX_BREAKPOINTS]
        call.breakpoints = len(prefixes)
        cacheable = [(key, n) for key, n in prefixes if n >= call.minimum]
        call.largest_prefix = max((n for _, n in prefixes), default=0)
        if not cacheable:
            return call
        call.read = max((n for key, n in cacheable if key in self.entries), default=0)
        call.write = cacheable[-1][1] - call.read
        self.entries.update(key for key, _ in cacheable)
        return call


def share(calls: list[Call]) -> float:
    total = sum(c.input_tokens for c in calls)
    return sum(c.read for c in calls) / total if total else 0.0
