"""Strict mode checks every response against the REST spec and records what breaks it."""

from __future__ import annotations

import hashlib
import json
import uuid

from starlette.requests import Request

from scripts import windmill_spec
from scripts.devruntime import spec
from scripts.devruntime.config import SPEC_PATH
from scripts.devruntime.quickcheck import QuickChecks
from scripts.devruntime.spec import SpecValidator, read_spec


def _request(method: str, path: str, query: bytes = b"") -> Request:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [(b"host", b"127.0.0.1:8000"), (b"authorization", b"Bearer t")],
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
    }
    return Request(scope)


def test_a_wrong_response_body_is_reported() -> None:
    validator = SpecValidator(SPEC_PATH)
    job_id = str(uuid.uuid4())
    path = f"/api/w/openanalyst/jobs_u/completed/get_result_maybe/{job_id}"
    params = {"workspace": "openanalyst", "id": job_id}
    template = "/w/{workspace}/jobs_u/completed/get_result_maybe/{id}"
    good = validator.check_response(
        _request("GET", path),
        b"",
        template,
        params,
        200,
        "application/json",
        b'{"completed": false, "result": null}',
    )
    assert good == []
    bad = validator.check_response(
        _request("GET", path), b"", template, params, 200, "application/json", b'{"completed": "no"}'
    )
    assert any("completed" in e for e in bad) and any("result" in e for e in bad)


def test_a_wrong_request_is_reported_with_its_field() -> None:
    validator = SpecValidator(SPEC_PATH)
    errors = validator.check_request(
        _request("GET", "/api/w/openanalyst/jobs_u/getupdate/x", b"log_offset=abc"),
        b"",
        "/w/{workspace}/jobs_u/getupdate/{id}",
        {"workspace": "openanalyst", "id": str(uuid.uuid4())},
    )
    assert errors and "log_offset" in errors[0]


def test_the_vendored_spec_is_the_recorded_upstream_copy() -> None:
    # The one checksum test of scripts/windmill_spec/: against the shared copy it was taken from
    # when ../shared/windmill-spec exists, and always against the sha256 SOURCE.txt records.
    recorded = windmill_spec.recorded_sha256()
    assert set(recorded) == {"backend/windmill-api/openapi.yaml", "openflow.openapi.yaml"}
    assert windmill_spec.REST_SPEC == SPEC_PATH
    for name, digest in recorded.items():
        data = (windmill_spec.SPEC_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        shared = windmill_spec.SHARED_DIR / name
        if shared.exists():
            assert shared.read_bytes() == data, f"{name} differs from {shared}"


def test_the_vendored_rest_spec_is_valid_openapi() -> None:
    # Validated here, once, instead of at every start of the dev runtime (it takes seconds).
    from openapi_spec_validator import validate

    validate(read_spec(SPEC_PATH), base_uri=SPEC_PATH.absolute().as_uri())


def test_the_spec_is_read_from_its_compiled_copy_of_the_same_content(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(spec, "CACHE_DIR", tmp_path)
    first = read_spec(SPEC_PATH)
    (compiled,) = tmp_path.glob("openapi-*.json")
    assert json.loads(compiled.read_text()) == first
    compiled.write_text(json.dumps({"openapi": "3.0.3", "marker": True}))
    assert read_spec(SPEC_PATH)["marker"] is True  # the compiled copy is what is read
    other = tmp_path / "openapi.yaml"
    other.write_bytes(SPEC_PATH.read_bytes() + b"\n# changed\n")
    assert read_spec(other) == first  # new content, new compiled copy
    assert len(list(tmp_path.glob("openapi-*.json"))) == 2


def test_the_quick_pass_accepts_only_what_plainly_meets_the_spec() -> None:
    # It runs before openapi-core (10-80 ms a call) and accepts at once what passes; everything
    # else, and every message, is openapi-core's.
    quick = QuickChecks(spec.load_spec(SPEC_PATH))
    job = str(uuid.uuid4())
    getupdate = "/w/{workspace}/jobs_u/getupdate/{id}"
    params = {"workspace": "openanalyst", "id": job}
    assert quick.request_ok("GET", getupdate, params, [("log_offset", "10")], "", None)
    assert not quick.request_ok("GET", getupdate, params, [("log_offset", "ten")], "", None)
    assert not quick.request_ok("GET", getupdate, {**params, "id": "not-a-uuid"}, [], "", None)
    progress = "/w/{workspace}/job_metrics/set_progress/{id}"
    assert quick.request_ok("POST", progress, params, [], "application/json", b'{"percent": 50}')
    assert not quick.request_ok("POST", progress, params, [], "application/json", b'{"percent": "half"}')
    assert not quick.request_ok("POST", progress, params, [], "application/json", b"{not json")
    assert not quick.request_ok("POST", progress, params, [], "text/plain", b'{"percent": 50}')
    assert not quick.request_ok("POST", progress, params, [], "application/json", None)  # openapi-core says
    result = "/w/{workspace}/jobs_u/completed/get_result_maybe/{id}"
    good, bad = b'{"completed": false, "result": null}', b'{"completed": "no"}'
    assert quick.response_ok("GET", result, 200, "application/json", good)
    assert not quick.response_ok("GET", result, 200, "application/json", bad)
    assert not quick.response_ok("GET", result, 299, "application/json", good)  # no such response
    assert not quick.request_ok("GET", "/not/in/the/spec", {}, [], "", None)


def test_a_call_that_passed_is_not_checked_again_and_a_changed_one_is(monkeypatch) -> None:
    # Most of a request's calls repeat one exactly (the same variable read by every step): the
    # verdict depends only on what the memo is keyed by, so a repeat is answered from it.
    quick = QuickChecks(spec.load_spec(SPEC_PATH))
    result = "/w/{workspace}/jobs_u/completed/get_result_maybe/{id}"
    good, bad = b'{"completed": false, "result": null}', b'{"completed": "no"}'
    checked: list[bytes] = []
    real = quick._response_ok

    def counting(method: str, template: str, status: int, content_type: str, data: bytes) -> bool:
        checked.append(data)
        return real(method, template, status, content_type, data)

    monkeypatch.setattr(quick, "_response_ok", counting)
    assert all(quick.response_ok("GET", result, 200, "application/json", good) for _ in range(3))
    assert not any(quick.response_ok("GET", result, 200, "application/json", bad) for _ in range(2))
    assert quick.response_ok("GET", result, 200, "application/json", b'{"completed": true, "result": 1}')
    assert not quick.response_ok("GET", result, 299, "application/json", good)  # another status
    assert checked == [good, bad, bad, b'{"completed": true, "result": 1}', good]
