"""Structured logging: JSON lines with correlation fields, secrets redacted. Set up once.

Scripts and the hub call `get_logger(__name__)`; `bind(user_id=..., message_id=...)`
adds correlation fields to every line logged in the current context. Inside a Windmill
job the job id is taken from `WM_JOB_ID`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

CORRELATION_FIELDS = ("user_id", "session_id", "message_id", "job_id")
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "oa_log_context", default=MappingProxyType({})
)

# Keys whose values are never written, and token-looking substrings inside messages.
_SECRET_KEY_RE = re.compile(r"(token|secret|password|passwd|api[_-]?key|authorization|cookie)", re.I)
_SECRET_VALUE_RES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), "[redacted]"),  # JWTs
    (re.compile(r"\bsk-ant-[A-Za-z0-9_-]+"), "[redacted]"),  # Anthropic keys
    (re.compile(r"(?i)([?&](?:token|api_key|key)=)[^&\s]+"), r"\1[redacted]"),
)
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    for pattern, replacement in _SECRET_VALUE_RES:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any, key: str = "") -> Any:
    """Return `value` with secret-named keys and token-looking strings replaced."""
    if key and _SECRET_KEY_RE.search(key):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact_text(record.getMessage()),
        }
        job_id = os.environ.get("WM_JOB_ID")
        if job_id:
            line["job_id"] = job_id
        line.update(_context.get())
        extra = getattr(record, "fields", None)
        if isinstance(extra, Mapping):
            line.update(redact(dict(extra)))
        if record.exc_info:
            line["exc"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


_configured = False


def setup(level: str | None = None, stream: Any = None) -> None:
    """Install the JSON handler on the root logger (idempotent)."""
    global _configured
    root = logging.getLogger()
    if _configured and stream is None:
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [h for h in root.handlers if not getattr(h, "_openanalyst", False)]
    handler._openanalyst = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("OPENANALYST_LOG_LEVEL", "INFO")).upper())
    _configured = True


def get_logger(name: str) -> logging.Logger:
    setup()
    return logging.getLogger(name)


@contextmanager
def bind(**fields: str | None) -> Iterator[None]:
    """Add correlation fields (user_id, message_id, job_id, ...) to every line in this context."""
    merged = {**_context.get(), **{k: str(v) for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def log(logger: logging.Logger, level: int, msg: str, **fields: Any) -> None:
    """Log `msg` with structured `fields` (redacted)."""
    logger.log(level, msg, extra={"fields": fields})
