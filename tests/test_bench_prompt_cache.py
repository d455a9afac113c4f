"""The benchmark's prompt-cache accounting follows Anthropic's rules for the bodies sent."""

from __future__ import annotations

from scripts.bench.prompt_cache import PromptCache, minimum_tokens, share, tokens

LONG = "Plan the steps of the request with the skill's scripts only. " * 100  # ~1,700 tokens
SHORT = "Write the post."


def body(system: str, user: str, model: str = "claude-sonnet-5-5") -> dict:
    return {
        "model": model,
        "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": user}],
    }


def test_a_repeated_long_prefix_is_written_once_then_read() -> None:
    cache = PromptCache()
    first = cache.send("planner", body(LONG, "request one"))
    second = cache.send("planner", body(LONG, "request two"))
    assert first.read == 0 and first.write > 1024
    assert second.read == first.write and second.write == 0
    assert 0.9 < share([second]) < 1.0  # only the user turn is uncached


def test_a_prefix_below_the_minimum_is_never_cached() -> None:
    cache = PromptCache()
    calls = [cache.send("writer", body(SHORT, "post")) for _ in range(3)]
    assert all(c.read == 0 and c.write == 0 for c in calls)
    assert share(calls) == 0.0


def test_a_changed_byte_or_another_model_misses() -> None:
    cache = PromptCache()
    cache.send("planner", body(LONG, "x"))
    assert cache.send("planner", body(LONG + ".", "x")).read == 0
    assert cache.send("planner", body(LONG, "x", model="claude-opus-4-1")).read == 0


def test_minimums_follow_the_model_and_unknown_models_get_the_largest() -> None:
    assert minimum_tokens("claude-sonnet-4-5-20250929") == 1024
    assert minimum_tokens("claude-haiku-4-5") == 4096
    assert minimum_tokens("claude-haiku-5-5") == 4096  # not in the table: never overstated
    long_haiku = PromptCache()
    long_haiku.send("judge", body(LONG, "x", model="claude-haiku-5-5"))
    assert long_haiku.send("judge", body(LONG, "x", model="claude-haiku-5-5")).read == 0
    assert tokens("a" * 35) == 10
