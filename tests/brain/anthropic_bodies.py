"""Realistic Anthropic Messages API bodies (https://docs.anthropic.com/en/api/messages) for the brain's tests.

Shapes follow the Messages API: full message objects with usage (uncached input, output, cache
creation and cache reads), structured-output text blocks, tool_use for agno's team delegation,
and the web search server tool's blocks with citations.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

PLANNER_MODEL = "claude-sonnet-5-5"
JUDGE_MODEL = "claude-haiku-5-5"
_ids = itertools.count(1)


def usage(
    input_tokens: int = 812,
    output_tokens: int = 164,
    cache_read: int = 0,
    cache_write: int = 0,
    searches: int = 0,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "cache_creation": {"ephemeral_5m_input_tokens": cache_write, "ephemeral_1h_input_tokens": 0},
        "service_tier": "standard",
    }
    if searches:
        body["server_tool_use"] = {"web_search_requests": searches, "web_fetch_requests": 0}
    return body


def message(
    content: list[dict[str, Any]], model: str = PLANNER_MODEL, stop_reason: str = "end_turn", **usage_kw: Any
) -> dict[str, Any]:
    return {
        "id": f"msg_01{next(_ids):022d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage(**usage_kw),
    }


def json_message(data: dict[str, Any], model: str = PLANNER_MODEL, **usage_kw: Any) -> dict[str, Any]:
    """A structured-output reply: one text block holding the JSON document."""
    return message([{"type": "text", "text": json.dumps(data)}], model=model, **usage_kw)


def step(
    step_id: str,
    script: str,
    args: dict[str, Any],
    required: list[str] | None = None,
    max_chars: dict[str, int] | None = None,
    criteria: str | None = None,
    description: str = "",
) -> dict:
    return {
        "id": step_id,
        "script": script,
        "args_json": json.dumps(args),
        "expected": {
            "required_fields": required or [],
            "non_empty": required or [],
            "max_chars": [{"field": k, "limit": v} for k, v in (max_chars or {}).items()],
            "criteria": criteria,
        },
        "description": description or f"run {script.rsplit('/', 1)[-1]}",
    }


def plan_message(
    steps: list[dict[str, Any]],
    rationale: str = "create then schedule",
    answer: str | None = None,
    **usage_kw: Any,
) -> dict[str, Any]:
    usage_kw.setdefault("cache_write", 1450)
    return json_message({"steps": steps, "rationale": rationale, "answer": answer}, **usage_kw)


def judge_message(
    passed: bool, reasons: list[str] | None = None, score: float | None = None
) -> dict[str, Any]:
    return json_message(
        {
            "passed": passed,
            "score": score if score is not None else (0.9 if passed else 0.3),
            "reasons": reasons or [],
        },
        model=JUDGE_MODEL,
        input_tokens=420,
        output_tokens=38,
    )


def web_search_message(learnings: list[str], urls: list[tuple[str, str]]) -> dict[str, Any]:
    """server_tool_use -> web_search_tool_result -> text blocks with web_search_result_location citations."""
    tool_id = f"srvtoolu_01{next(_ids):020d}"
    results = [
        {
            "type": "web_search_result",
            "url": url,
            "title": title,
            "encrypted_content": "EqgfCioIARgBIiQ3YTAw",
            "page_age": "2 weeks ago",
        }
        for url, title in urls
    ]
    text_blocks = [{"type": "text", "text": "Here is what current guidance says:\n"}]
    for index, learning in enumerate(learnings):
        url, title = urls[index % len(urls)]
        text_blocks.append(
            {
                "type": "text",
                "text": f"- {learning}\n",
                "citations": [
                    {
                        "type": "web_search_result_location",
                        "url": url,
                        "title": title,
                        "cited_text": learning[:60],
                        "encrypted_index": "Eo8BCioIAhgBIiQ",
                    }
                ],
            }
        )
    content = [
        {
            "type": "server_tool_use",
            "id": tool_id,
            "name": "web_search",
            "input": {"query": "twitter post character limit best practices"},
        },
        {"type": "web_search_tool_result", "tool_use_id": tool_id, "content": results},
        *text_blocks,
    ]
    return message(content, input_tokens=2310, output_tokens=211, searches=1)


def delegate_message(member_id: str, task: str) -> dict[str, Any]:
    """The team leader's tool_use delegating to a member (agno's delegate_task_to_member)."""
    return message(
        [
            {
                "type": "tool_use",
                "id": f"toolu_01{next(_ids):020d}",
                "name": "delegate_task_to_member",
                "input": {"member_id": member_id, "task": task},
            }
        ],
        stop_reason="tool_use",
    )


def text_message(text: str, **usage_kw: Any) -> dict[str, Any]:
    return message([{"type": "text", "text": text}], **usage_kw)


def error_body(kind: str = "overloaded_error", text: str = "Overloaded") -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": text}}
