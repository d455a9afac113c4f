"""First uses the fork server makes once, after it preloads a library, so forked jobs inherit them.

Some libraries defer work to their first use, which in a forked job is every job's:
- The Anthropic SDK builds the validators of a response's types when it parses its first response
  (`anthropic._models.construct_type`: 50-80 ms of CPU in each step that calls a model, measured
  over the scenario suite's model run).
- dateparser loads its languages' data and compiles their patterns on its first search (~250 ms
  in each job that reads a time such as "yesterday" or "last week").
A fresh interpreter per job, as a Windmill worker runs, pays both in every such job: that is the
production cost, which `scripts/bench/request.py --plain` measures. The fork server pays them once.
A warm-up touches nothing outside the process (the SDK answers from an in-memory transport), and
one that fails only costs speed.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from typing import Any

# A realistic Messages API response (https://docs.anthropic.com/en/api/messages): a text block and
# a tool call, as the planner's structured plans come back.
_MESSAGE: dict[str, Any] = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-warm-up",
    "content": [
        {"type": "text", "text": "Here is the plan."},
        {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "plan", "input": {"steps": []}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 2095,
        "output_tokens": 503,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 1800,
    },
}


def _anthropic() -> None:
    import anthropic
    import httpx2

    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=_MESSAGE))
    client = anthropic.Anthropic(
        api_key="warm-up",
        base_url="http://warm-up.invalid",
        http_client=anthropic.DefaultHttpxClient(transport=transport),
        max_retries=0,
    )
    call = {"model": "claude-warm-up", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    client.messages.create(**call)  # the writer's call
    client.beta.messages.create(**call)  # agno's
    client.close()


def _dateparser() -> None:
    # The bundle's own time reader when it is loaded (its languages, its path to dateparser).
    timeparse = sys.modules.get("f.openanalyst.lib.timeparse")
    if timeparse is not None:
        timeparse.find_time("what did I post yesterday at 3pm and last week?", "UTC")
    else:
        from dateparser.search import search_dates

        search_dates("yesterday at 3pm", languages=["en"])


_WARM_UPS: dict[str, Callable[[], None]] = {
    "anthropic": _anthropic,
    "dateparser.search": _dateparser,
}


def warm(module_name: str) -> None:
    """Make the first uses of `module_name`, when it has warm-ups (after it is imported)."""
    warm_up = _WARM_UPS.get(module_name)
    if warm_up is None:
        return
    logging.disable(logging.INFO)  # the SDK logs each request: not one the operator should read
    try:
        with contextlib.suppress(Exception):
            warm_up()
    finally:
        logging.disable(logging.NOTSET)
