"""Structured logging: JSON lines with correlation fields; secrets never reach the log."""

from __future__ import annotations

import io
import json
import logging

import pytest

import f.openanalyst.lib.log as log


@pytest.fixture
def captured() -> io.StringIO:
    stream = io.StringIO()
    log.setup(level="DEBUG", stream=stream)
    yield stream
    log.setup(level="INFO", stream=None)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_lines_are_json_with_correlation_fields(
    captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WM_JOB_ID", "0f7c2a5e-6a43-4c1f-9d38-2b1b8c0f4e11")
    logger = log.get_logger("t")
    with log.bind(user_id="alice", message_id="msg_1"):
        log.log(logger, logging.INFO, "started", step="plan")
    logger.info("outside")
    first, second = lines(captured)
    assert first["msg"] == "started" and first["step"] == "plan"
    assert first["user_id"] == "alice" and first["message_id"] == "msg_1"
    assert first["job_id"] == "0f7c2a5e-6a43-4c1f-9d38-2b1b8c0f4e11"
    assert "user_id" not in second


def test_secrets_are_redacted(captured: io.StringIO) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2ln"
    logger = log.get_logger("t")
    logger.info("connect ws://h/ws?token=%s with Bearer abc123 key sk-ant-api03-xyz", jwt)
    log.log(logger, logging.INFO, "config", api_key="sk-ant-secret", headers={"Authorization": "Bearer x"})
    text = captured.getvalue()
    for secret in (jwt, "abc123", "sk-ant-api03-xyz", "sk-ant-secret", "Bearer x"):
        assert secret not in text
    assert lines(captured)[1]["api_key"] == "[redacted]"
