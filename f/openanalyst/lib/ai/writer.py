# extra_requirements:
# anthropic
"""The model that writes content (posts), through the Anthropic SDK directly.

Key and base URL: as the brain reads them (`llm.load_config`: resource `f/openanalyst/anthropic`
{"apiKey", "baseUrl"?}, else env ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL). Model id: variable
`f/openanalyst/writer_model`, else env OPENANALYST_WRITER_MODEL, else the planner's model id.
Never hard-coded: with no key or no model id, callers use their
offline path and say so. The SDK is imported only when a model call is made.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import f.openanalyst.lib.ai.llm as llm
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.ai.llm import ModelDeclined, ModelUnavailable

WRITER_MODEL_VARIABLE = "f/openanalyst/writer_model"


@dataclass
class Completion:
    text: str
    model: str
    tokens: dict[str, int] = field(default_factory=dict)


def model_id(config: llm.ModelConfig) -> str | None:
    return (
        windmill_rest.variable(WRITER_MODEL_VARIABLE)
        or os.environ.get("OPENANALYST_WRITER_MODEL")
        or config.model_id("planner")
        or None
    )


def complete(system: str, prompt: str, max_tokens: int = 1024) -> Completion:
    """One Messages API call; raises ModelUnavailable (never a raw SDK error)."""
    config = llm.load_config()
    key = config.api_key
    if not key:
        raise ModelUnavailable(
            config.reason or "no Anthropic key configured (resource f/openanalyst/anthropic)"
        )
    model = model_id(config)  # read only with a key: an offline job skips the variable
    if not model:
        raise ModelUnavailable("no model id configured (variable f/openanalyst/writer_model)")
    import anthropic  # heavy: only here

    from f.openanalyst.lib.ai.transport import http_client

    client = anthropic.Anthropic(
        api_key=key,
        base_url=config.base_url,
        http_client=http_client(config.base_url),
        max_retries=min(config.max_retries, 1),
        timeout=config.timeout_s,
    )
    try:
        msg = client.messages.create(
            model=model,
            max_tokens=max_tokens,
            system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": prompt}],
        )
    except anthropic.APIError as exc:
        raise ModelUnavailable(f"model call failed: {exc.__class__.__name__}: {str(exc)[:200]}") from exc
    if msg.stop_reason == llm.REFUSAL:
        raise ModelDeclined("the writer declined to write this")
    text = "".join(block.text for block in msg.content if getattr(block, "type", "") == "text").strip()
    usage = msg.usage
    tokens = {
        "input": usage.input_tokens or 0,
        "output": usage.output_tokens or 0,
        "cache_read": getattr(usage, "cache_read_input_tokens", 0) or 0,
        "cache_write": getattr(usage, "cache_creation_input_tokens", 0) or 0,
    }
    return Completion(text=text, model=model, tokens=tokens)
