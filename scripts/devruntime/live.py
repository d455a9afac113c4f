"""A job while it lives in memory: its logs, its done event, its token, the resumes it waits for.

The job's document (shaped like Windmill's QueuedJob/CompletedJob) is persisted by
`scripts/devruntime/store.py`; what is here lasts as long as the process.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ResumeEvent:
    resume_id: int
    payload: Any
    approved: bool
    approver: str


@dataclass
class LiveJob:
    doc: dict[str, Any]
    logs: list[str] = field(default_factory=list)
    log_len: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[Any] | None = None
    token: str = ""
    # suspended flows: resume events delivered by resume URLs / resume_suspended
    resume_queue: asyncio.Queue[ResumeEvent] | None = None
    waiting_step_job: str | None = None

    def append_log(self, text: str) -> None:
        self.logs.append(text)
        self.log_len += len(text)

    @property
    def log_text(self) -> str:
        if len(self.logs) > 1:
            self.logs = ["".join(self.logs)]
        return self.logs[0] if self.logs else ""
