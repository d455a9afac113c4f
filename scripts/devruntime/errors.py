"""The dev runtime's errors that become HTTP statuses (`scripts/devruntime/http.py` maps them)."""

from __future__ import annotations


class NotFound(Exception):
    """The item or job does not exist (HTTP 404)."""


class BadRequest(Exception):
    """The request is well-formed but cannot be honoured (HTTP 400)."""
