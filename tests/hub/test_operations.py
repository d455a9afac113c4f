"""Operations: dev tokens, JWKS-verified tokens, and scripts/health-check against real services."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest

from hub.auth import AuthError, TokenVerifier, issue_dev_token
from hub.settings import Settings
from tests.hub.conftest import REPO, make_settings, serve_in_thread
from tests.support.devruntime import DevRuntime


def test_issue_dev_token_is_accepted_by_a_hub_with_the_same_environment(monkeypatch):
    monkeypatch.setenv("HUB_JWT_SECRET", "a-dev-secret-of-at-least-32-bytes-000")
    token = issue_dev_token("alice", ttl_s=120)
    identity = TokenVerifier(Settings.from_env()).verify(token)
    assert identity.user_id == "alice" and 110 <= identity.ttl() <= 120
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "openanalyst" and claims["aud"] == "openanalyst-hub"
    monkeypatch.setenv("HUB_JWT_SECRET", "another-secret-of-at-least-32-bytes-0")
    with pytest.raises(AuthError, match="bad signature"):
        TokenVerifier(Settings.from_env()).verify(token)


@pytest.mark.parametrize("secret", ["x", "short-secret-of-31-bytes-000000"])
def test_a_short_jwt_secret_is_refused_at_start_up(secret: str):
    env = {**os.environ, "HUB_JWT_SECRET": secret, "HUB_PORT": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "hub"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "HUB_JWT_SECRET" in done.stderr and "at least 32" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(secret) < 8 or secret not in done.stderr  # the secret itself is never printed


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, object]]:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "ES256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    finally:
        server.shutdown()


def test_tokens_verified_through_a_jwks(jwks_server):
    url, key = jwks_server
    verifier = TokenVerifier(make_settings(jwt_algorithm="ES256", jwt_secret=None, jwt_jwks_url=url))
    now = int(time.time())
    claims = {"sub": "alice", "exp": now + 60, "iss": "openanalyst", "aud": "openanalyst-hub"}
    good = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "k1"})
    assert verifier.verify(good).user_id == "alice"
    with pytest.raises(AuthError, match="signing key not found"):
        verifier.verify(jwt.encode(claims, key, algorithm="ES256", headers={"kid": "unknown"}))
    with pytest.raises(AuthError):
        verifier.verify(jwt.encode(claims, "s" * 32, algorithm="HS256", headers={"kid": "k1"}))


def health_check(env: dict[str, str]) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "WINDMILL_", "REDIS_"))}
    proc = subprocess.run(
        [str(REPO / "scripts" / "health-check")],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.redis
@pytest.mark.postgres
def test_health_check_reports_each_part(runtime: DevRuntime, redis_url: str, postgres_dsn: str):
    settings = make_settings(backend="local", windmill_url=runtime.base_url, windmill_token=runtime.token)
    with serve_in_thread(settings) as hub:
        env = {
            "HUB_URL": hub.http,
            "HUB_BACKEND": "local",
            "WINDMILL_URL": runtime.base_url,
            "WINDMILL_TOKEN": runtime.token,
            "REDIS_URL": redis_url,
            "HEALTH_CHECK_DATABASE_URL": postgres_dsn,
        }
        code, out = health_check(env)
        assert code == 0, out
        lines = {line.split()[1]: line for line in out.splitlines() if line.strip()}
        assert lines["hub"].startswith("ok") and lines["backend"].startswith("ok")
        assert "dev runtime" in lines["backend"] and "PostgreSQL" in lines["database"]
        assert lines["redis"].startswith("ok") and "Redis" in lines["redis"]
        code, out = health_check({**env, "WINDMILL_TOKEN": "wrong", "REDIS_URL": "redis://127.0.0.1:9/0"})
        assert code == 1
        assert "FAIL  backend" in out and "refused the token (HTTP 401)" in out
        assert "FAIL  redis" in out and "127.0.0.1:9" in out
    code, out = health_check({**env, "HUB_URL": "http://127.0.0.1:9"})
    assert code == 1 and "FAIL  hub" in out and "not reachable" in out
