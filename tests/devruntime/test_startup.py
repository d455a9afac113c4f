"""What the dev runtime's start-up skips or keeps: compiled resources, the spec loaded aside."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from concurrent.futures import Future
from pathlib import Path

import yaml
from starlette.requests import Request

from scripts.devruntime import bundle, spec
from scripts.devruntime.bundle import Bundle, resource_json
from scripts.devruntime.config import SPEC_PATH
from scripts.devruntime.spec import SpecValidator, read_spec
from scripts.devruntime.store import Store


def _resource(root: Path, value: object, size: int = 0) -> Path:
    file = root / "f" / "x" / "big.resource.yaml"
    file.parent.mkdir(parents=True, exist_ok=True)
    doc = {"description": "d", "resource_type": "t", "value": {"v": value, "pad": "p" * size}}
    file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return file


def test_a_large_resource_is_read_from_its_compiled_copy_until_the_file_changes(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(bundle, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(bundle, "_compiled", {})
    file = _resource(tmp_path, 1, size=100_000)
    [(path, meta, value)] = Bundle([tmp_path]).resources()
    assert path == "f/x/big"
    item = json.loads(meta)
    assert json.loads(value)["v"] == 1 and item["resource_type"] == "t" and item["path"] == "f/x/big"
    assert "value" not in item
    (compiled,) = (tmp_path / "cache").glob("resource-*.json")
    monkeypatch.setattr(bundle, "_compiled", {})  # a new process reads the compiled copy
    assert resource_json(path, file) == (meta, value)
    compiled.write_text("not the compiled copy")  # a copy it cannot read is made again
    monkeypatch.setattr(bundle, "_compiled", {})
    assert resource_json(path, file) == (meta, value)
    _resource(tmp_path, 2, size=100_001)  # a new version: parsed again, the old copy replaced
    os.utime(file, ns=(1, 1))
    assert json.loads(resource_json(path, file)[1])["v"] == 2
    assert len(list((tmp_path / "cache").glob("resource-*.json"))) == 1


def test_a_small_resource_leaves_no_compiled_copy(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bundle, "CACHE_DIR", tmp_path / "cache")
    file = _resource(tmp_path, "small")
    assert json.loads(resource_json("f/x/big", file)[1])["v"] == "small"
    assert not (tmp_path / "cache").exists()


def test_put_json_stores_the_item_as_put_does(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.put_json("resource", "f/x/r", json.dumps({"path": "f/x/r"}), json.dumps({"a": 1}))
    store.put_json("resource", "f/x/r", json.dumps({"path": "f/x/r"}), json.dumps({"a": 1}))
    assert store.get("resource", "f/x/r") == {"path": "f/x/r", "value": {"a": 1}}
    store.put_json("resource", "f/x/r", json.dumps({"path": "f/x/r"}), json.dumps({"a": 2}))
    assert store.list("resource") == [{"path": "f/x/r", "value": {"a": 2}}]
    store.put("resource", "f/x/s", {"path": "f/x/s", "value": {"b": 1}})
    assert store.get("resource", "f/x/s") == {"path": "f/x/s", "value": {"b": 1}}
    assert store.list("resource", values=False) == [{"path": "f/x/r"}, {"path": "f/x/s"}]
    store.close()


def test_a_store_from_before_values_had_their_own_column_still_reads_and_lists(tmp_path) -> None:
    path = tmp_path / "db.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE items (kind TEXT NOT NULL, path TEXT NOT NULL, data TEXT NOT NULL,"
        " PRIMARY KEY (kind, path))"
    )
    old.execute(
        "INSERT INTO items VALUES ('resource', 'f/x/r', ?)", (json.dumps({"path": "f/x/r", "value": 7}),)
    )
    old.commit()
    old.close()
    store = Store(path)
    assert store.get("resource", "f/x/r") == {"path": "f/x/r", "value": 7}
    assert store.list("resource", values=False) == [{"path": "f/x/r"}]
    store.put("resource", "f/x/r", {"path": "f/x/r", "value": 8})
    assert store.list("resource") == [{"path": "f/x/r", "value": 8}]
    store.close()


def _request(method: str, path: str) -> Request:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
    }
    return Request(scope)


def test_only_operations_without_parameters_or_body_are_bare() -> None:
    bare = spec._bare_operations(read_spec(SPEC_PATH))
    assert ("GET", "/version") in bare
    assert ("GET", "/w/{workspace}/jobs_u/get/{id}") not in bare
    assert ("POST", "/users/tokens/impersonate") not in bare


def test_while_the_spec_loads_a_bare_request_is_answered_and_the_others_wait(monkeypatch) -> None:
    pending: Future[object] = Future()
    path = Path("/nonexistent/spec.yaml")
    monkeypatch.setitem(spec._loading, path, pending)
    monkeypatch.setitem(spec._nothing_to_check, path, frozenset({("GET", "/version")}))
    validator = SpecValidator(path)

    async def scenario() -> None:
        assert await validator.check_request_soon(_request("GET", "/api/version"), b"", "/version", {}) == []
        waiting = asyncio.ensure_future(
            validator.check_request_soon(_request("GET", "/api/other"), b"", "/other", {})
        )
        await asyncio.sleep(0.05)
        assert not waiting.done()  # a request with something to check waits for the spec
        pending.set_exception(RuntimeError("spec unreadable"))
        try:
            await waiting
        except RuntimeError as exc:
            assert "spec unreadable" in str(exc)
        else:
            raise AssertionError("the load failure should reach the request")

    asyncio.run(scenario())
