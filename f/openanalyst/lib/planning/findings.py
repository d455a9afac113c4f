# extra_requirements:
# agno[anthropic]
"""Web research after repeated failures: a query from the task and its failures,
Anthropic's server-side web search through the researcher agent, cited learnings out.

The learnings are returned (and stored in history by record_history) as
{content, sources: [{url, title}], tags, source: "web_research"}.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from f.openanalyst.lib.ai.llm import ModelConfig, Usage

MAX_LEARNINGS = 5
_BULLET_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.+?)\s*$")


def query_for(request: str, skill: str | None, differences: Iterable[str]) -> str:
    """What to search for: the task type, the year and what went wrong."""
    failures = " ".join(dict.fromkeys(d.split(":", 1)[-1].strip() for d in differences))[:300]
    topic = " ".join(request.split())[:200]
    return f"{skill or 'task'} best practices {dt.date.today().year}: {topic}. Failures: {failures}".strip()


def parse_learnings(text: str, sources: list[dict[str, str]], tags: list[str]) -> list[dict[str, Any]]:
    """One learning per bullet (or the whole text when there are none), each with the sources."""
    lines = [m.group(1) for line in text.splitlines() if (m := _BULLET_RE.match(line))]
    if not lines and text.strip():
        lines = [" ".join(text.split())[:500]]
    return [
        {"content": line[:500], "sources": sources, "tags": tags, "source": "web_research"}
        for line in lines[:MAX_LEARNINGS]
    ]


def citations_of(run_output: Any) -> list[dict[str, str]]:
    """The web pages the researcher cited (agno maps citation blocks to `citations.urls`)."""
    citations = getattr(run_output, "citations", None)
    urls = getattr(citations, "urls", None) or []
    seen: dict[str, dict[str, str]] = {}
    for item in urls:
        url = getattr(item, "url", None)
        if url and url not in seen:
            seen[url] = {"url": url, "title": getattr(item, "title", None) or ""}
    return list(seen.values())


def research(
    config: ModelConfig,
    request: str,
    skill: str | None,
    differences: list[str],
    usage: Usage,
    tags: Iterable[str] = (),
) -> dict[str, Any]:
    """Search and distil learnings. Offline (no model) returns no learnings and says why."""
    query = query_for(request, skill, differences)
    if not config.online:
        return {
            "query": query,
            "learnings": [],
            "sources": [],
            "searched": False,
            "reason": f"offline: {config.reason}",
        }
    import f.openanalyst.lib.ai.agents as agents

    prompt = f"Search query: {query}\n\nThe task: {request}\nIt failed because:\n" + "\n".join(
        f"- {d}" for d in differences
    )
    out = agents.run_checked(agents.researcher(config), prompt, usage)
    text = out.content if isinstance(out.content, str) else str(out.content or "")
    sources = citations_of(out)
    tag_list = [t for t in [skill, *tags] if t]
    return {
        "query": query,
        "learnings": parse_learnings(text, sources, tag_list),
        "sources": sources,
        "searched": True,
        "reason": "",
    }


def learning_texts(research_result: Mapping[str, Any] | None) -> list[str]:
    if not research_result:
        return []
    return [
        str(item.get("content")) for item in research_result.get("learnings") or [] if item.get("content")
    ]
