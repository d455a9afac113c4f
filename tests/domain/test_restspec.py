"""The REST spec check the fake Windmill applies does catch non-conforming requests."""

from __future__ import annotations

import httpx
import pytest

from tests.domain import restspec

API = "http://windmill.test/api/w/openanalyst"


def test_conforming_requests_pass():
    spec = restspec.spec()
    body = {
        "path": "u/a/schedules/x",
        "schedule": "0 0 9 * * *",
        "timezone": "UTC",
        "script_path": "f/x/y",
        "is_flow": False,
        "args": {},
        "enabled": True,
    }
    assert (
        spec.check(httpx.Request("POST", f"{API}/schedules/create", json=body))
        == "/w/{workspace}/schedules/create"
    )
    assert (
        spec.check(httpx.Request("GET", f"{API}/scripts/exists/p/u/a/scripts/x"))
        == "/w/{workspace}/scripts/exists/p/{path}"
    )


@pytest.mark.parametrize(
    ("method", "url", "body", "message"),
    [
        (
            "POST",
            "/schedules/create",
            {"path": "u/a/schedules/x", "schedule": "0 0 9 * * *"},
            "'timezone' is a required",
        ),
        (
            "POST",
            "/apps/create",
            {"path": "u/a/apps/x", "value": {}, "summary": "s"},
            "'policy' is a required",
        ),
        (
            "POST",
            "/flows/create",
            {"path": "u/a/flows/x", "summary": "s", "value": {"modules": "no"}},
            "is not of type",
        ),
        ("POST", "/scripts/teleport", {"x": 1}, "not an operation"),
        ("DELETE", "/scripts/exists/p/u/a/x", None, "not an operation"),
    ],
)
def test_non_conforming_requests_fail(method, url, body, message):
    with pytest.raises(AssertionError, match=message):
        restspec.spec().check(
            httpx.Request(method, API + url, json=body) if body else httpx.Request(method, API + url)
        )
