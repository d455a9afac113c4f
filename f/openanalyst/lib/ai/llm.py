"""Model access: where the key and the model ids come from, and what each call cost.

Configuration is read, in order, from the Windmill workspace (resource `f/openanalyst/anthropic`
{apiKey, baseUrl?}; variables `f/openanalyst/planner_model`, `judge_model`, `researcher_model`)
and then from the environment (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, OPENANALYST_*_MODEL).
Model ids are never hard-coded: with no key, or no planner model id, the brain runs offline.

This module neither imports nor declares agno or the Anthropic SDK (the Claude model is built in
`agents`): a module that imports `agents` in a function declares `agno[anthropic]` under
`# extra_requirements:` itself, so only the locks of the steps that can call a model pin the SDKs
(about twenty packages: on a worker each is one more PYTHONPATH folder that every import searches).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import f.openanalyst.lib.windmill.rest as windmill_rest

Role = Literal["planner", "judge", "researcher"]

RESOURCE_PATH = "f/openanalyst/anthropic"
MODEL_VARIABLES: dict[Role, str] = {
    "planner": "f/openanalyst/planner_model",
    "judge": "f/openanalyst/judge_model",
    "researcher": "f/openanalyst/researcher_model",
}
MODEL_ENV: dict[Role, str] = {
    "planner": "OPENANALYST_PLANNER_MODEL",
    "judge": "OPENANALYST_JUDGE_MODEL",
    "researcher": "OPENANALYST_RESEARCHER_MODEL",
}
OFFLINE = "offline"


class ModelUnavailable(RuntimeError):
    """No key or model id is configured, or a model call failed (the caller falls back to offline)."""


class ModelDeclined(RuntimeError):
    """The model refused the request (Messages API `stop_reason: "refusal"`): no offline path may
    do instead what it declined; the person is told."""


# The Messages API says a model declined with this stop reason:
# https://docs.anthropic.com/en/docs/test-and-evaluate/strengthen-guardrails/handle-streaming-refusals
REFUSAL = "refusal"


@dataclass(frozen=True)
class ModelConfig:
    api_key: str | None = None
    base_url: str | None = None
    models: Mapping[str, str | None] = field(default_factory=dict)
    max_retries: int = 2
    timeout_s: float = 120.0
    reason: str = ""

    @property
    def online(self) -> bool:
        """True when the planner can call a model; otherwise the brain works offline."""
        return bool(self.api_key and self.models.get("planner"))

    def model_id(self, role: Role) -> str | None:
        """The id for `role`; the judge and researcher fall back to the planner's id."""
        return self.models.get(role) or self.models.get("planner")

    def label(self, role: Role = "planner") -> str:
        """What a response reports as its model: the id, or 'offline'."""
        return (self.model_id(role) or OFFLINE) if self.online else OFFLINE


def load_config(env: Mapping[str, str] | None = None) -> ModelConfig:
    """Read the key, base URL and model ids (Windmill first, then environment)."""
    env = os.environ if env is None else env
    if env.get("OPENANALYST_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return ModelConfig(reason="OPENANALYST_OFFLINE is set")
    resource = windmill_rest.resource(RESOURCE_PATH) or {}
    api_key = resource.get("apiKey") or resource.get("api_key") or env.get("ANTHROPIC_API_KEY") or None
    # OPENANALYST_ANTHROPIC_BASE_URL reaches job processes the dev runtime starts (it passes
    # OPENANALYST_* through), so tests can point every job at a loopback mock of the API.
    base_url = (
        resource.get("baseUrl")
        or resource.get("base_url")
        or env.get("OPENANALYST_ANTHROPIC_BASE_URL")
        or env.get("ANTHROPIC_BASE_URL")
        or None
    )
    # Without a key no model is called, whatever its id: its variables are not read (4 REST calls
    # in each step of an offline request).
    models: dict[str, str | None] = {
        role: ((windmill_rest.variable(path) if api_key else None) or env.get(MODEL_ENV[role]) or "").strip()
        or None
        for role, path in MODEL_VARIABLES.items()
    }
    try:
        max_retries = max(0, int(env.get("OPENANALYST_MODEL_MAX_RETRIES", "2")))
        timeout_s = max(1.0, float(env.get("OPENANALYST_MODEL_TIMEOUT_S", "120")))
    except ValueError as exc:
        raise ValueError(
            f"OPENANALYST_MODEL_MAX_RETRIES / OPENANALYST_MODEL_TIMEOUT_S must be numbers: {exc}"
        ) from exc
    reason = ""
    if not api_key:
        reason = f"no API key (resource {RESOURCE_PATH} or ANTHROPIC_API_KEY)"
    elif not models.get("planner"):
        reason = f"no planner model id (variable {MODEL_VARIABLES['planner']} or {MODEL_ENV['planner']})"
    return ModelConfig(api_key, base_url, models, max_retries, timeout_s, reason)


def declined(run_output: Any) -> bool:
    """Whether an agno run ended because the model refused (see `ModelDeclined`)."""
    data = getattr(run_output, "model_provider_data", None) or {}
    return data.get("stop_reason") == REFUSAL


@dataclass
class Usage:
    """Model calls and tokens of one step (or, summed, of one request)."""

    calls: int = 0
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    web_searches: int = 0

    def add(self, other: Usage | Mapping[str, Any] | None) -> Usage:
        if other is None:
            return self
        data = asdict(other) if isinstance(other, Usage) else other
        for name in ("calls", "input", "output", "cache_read", "cache_write", "web_searches"):
            value = data.get(name) or 0
            setattr(self, name, getattr(self, name) + int(value))
        return self

    def add_run(self, run_output: Any) -> Usage:
        """Add the usage of one agno run (Agent or Team): one call per assistant message."""
        for message in getattr(run_output, "messages", None) or []:
            if getattr(message, "role", None) != "assistant":
                continue
            metrics = getattr(message, "metrics", None)
            self.calls += 1
            if metrics is None:
                continue
            self.input += int(getattr(metrics, "input_tokens", 0) or 0)
            self.output += int(getattr(metrics, "output_tokens", 0) or 0)
            self.cache_read += int(getattr(metrics, "cache_read_tokens", 0) or 0)
            self.cache_write += int(getattr(metrics, "cache_write_tokens", 0) or 0)
            provider = getattr(metrics, "provider_metrics", None) or {}
            server = provider.get("server_tool_use") if isinstance(provider, dict) else None
            if isinstance(server, dict):
                self.web_searches += int(server.get("web_search_requests", 0) or 0)
        # Team members' runs carry their own messages.
        for member in getattr(run_output, "member_responses", None) or []:
            self.add_run(member)
        return self

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def protocol_tokens(self) -> dict[str, int]:
        """The shape of protocol.TokenUsage (input, output, cache_read, cache_write)."""
        return {
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
        }


def total_usage(parts: Iterable[Mapping[str, Any] | None]) -> Usage:
    """Sum the `tokens` dicts the steps of a request returned."""
    usage = Usage()
    for part in parts:
        usage.add(part)
    return usage
