"""One reader of Windmill resources: the store's connection and the scripts' credentials read alike."""

from __future__ import annotations

from pathlib import Path

import pytest

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.store.connect import open_store_from_windmill, windmill_db_resource
from f.openanalyst.lib.store.models import StoreConfigError
from f.openanalyst.lib.store.sqlite import SQLiteStore
from tests.domain.fakewindmill import FakeWindmill

DB = "f/openanalyst/db"
CREDS = "u/alice/resources/twitter"


def test_a_defined_resource_is_read_interpolated(windmill: FakeWindmill) -> None:
    windmill.items["resource"][DB] = {"path": DB, "value": {"host": "db.internal", "port": 5432}}
    windmill.items["resource"][CREDS] = {"path": CREDS, "value": {"access_token": "t"}}
    assert windmill_db_resource() == {"host": "db.internal", "port": 5432}
    assert windmill_rest.resource(CREDS) == {"access_token": "t"}
    assert [c[1] for c in windmill.calls] == ["/w/{workspace}/resources/get_value_interpolated/{path}"] * 2


def test_an_undefined_store_resource_means_sqlite(
    windmill: FakeWindmill, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENANALYST_SQLITE_PATH", str(tmp_path / "store.sqlite3"))
    assert windmill_db_resource() is None
    assert windmill_rest.resource(CREDS) is None
    assert isinstance(open_store_from_windmill(), SQLiteStore)


def test_a_resource_that_cannot_be_read_is_an_error_for_the_store_and_absent_for_credentials(
    windmill: FakeWindmill,
) -> None:
    windmill.failing.append("resources/get_value_interpolated")
    with pytest.raises(StoreConfigError, match=r"failed with HTTP 500: internal error; check the job's perm"):
        windmill_db_resource()
    assert windmill_rest.resource(CREDS) is None


def test_outside_windmill_nothing_is_requested(wm_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASE_INTERNAL_URL")
    assert not windmill_rest.configured()
    assert windmill_db_resource() is None  # no respx router: a request would fail the test
    assert windmill_rest.resource(CREDS) is None


def test_a_plain_http_server_gets_a_client_that_loads_no_ca_bundle_and_trusts_no_certificate() -> None:
    """A worker reaches Windmill at its plain-http BASE_INTERNAL_URL: loading the CA bundle cost
    every job 40-50 ms for nothing. Its context still requires a verified certificate, with none
    trusted, so a redirect to https fails instead of passing unchecked; https keeps the CA bundle."""
    import ssl

    plain = windmill_rest.tls("http://windmill_server:8000")
    assert plain.cert_store_stats()["x509_ca"] == 0
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    secure = windmill_rest.tls("https://windmill.example.com")
    assert secure.cert_store_stats()["x509_ca"] > 0 and secure.verify_mode == ssl.CERT_REQUIRED
    assert windmill_rest.tls() is secure  # no URL: the safe default
