"""Only a valid token for a valid user opens a session; a frame never chooses its user."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import jwt
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from hub.auth import CLOSE_FORBIDDEN, CLOSE_TOKEN_EXPIRED, CLOSE_UNAUTHORIZED, AuthError, TokenVerifier
from tests.hub.conftest import JWT_SECRET, RunningHub, done_for, make_settings
from tests.hub.fake_windmill import FakeWindmill


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "alice",
        "exp": now + 600,
        "iat": now,
        "iss": "openanalyst",
        "aud": "openanalyst-hub",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def refused(hub: RunningHub, token: str | None, *, via: str = "frame") -> tuple[int, str]:
    """Connect with `token` and return the close code and reason the hub answers with."""
    url = hub.ws if via == "frame" or token is None else f"{hub.ws}?token={token}"
    async with connect(url) as ws:
        if via == "frame" and token is not None:
            await ws.send(json.dumps({"type": "AUTH", "sessionId": "auth", "payload": {"token": token}}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code is not None
        return ws.close_code, ws.close_reason or ""


@pytest.mark.parametrize(
    ("token", "code", "reason"),
    [
        (
            jwt.encode(claims(), "another-secret-of-sufficient-length-000"),
            CLOSE_UNAUTHORIZED,
            "bad signature",
        ),
        (
            f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}.",
            CLOSE_UNAUTHORIZED,
            "algorithm not allowed",
        ),
        (jwt.encode(claims(exp=int(time.time()) - 60), JWT_SECRET), CLOSE_TOKEN_EXPIRED, "token expired"),
        (jwt.encode(claims(aud="someone-else"), JWT_SECRET), CLOSE_UNAUTHORIZED, "wrong audience"),
        (jwt.encode(claims(iss="evil"), JWT_SECRET), CLOSE_UNAUTHORIZED, "wrong issuer"),
        (jwt.encode(claims(exp=None), JWT_SECRET), CLOSE_UNAUTHORIZED, "missing claim exp"),
        (jwt.encode(claims(sub="../bob"), JWT_SECRET), CLOSE_UNAUTHORIZED, "invalid subject"),
        ("not.a.jwt", CLOSE_UNAUTHORIZED, "malformed token"),
    ],
    ids=[
        "bad-signature",
        "alg-none",
        "expired",
        "wrong-audience",
        "wrong-issuer",
        "no-exp",
        "bad-sub",
        "garbage",
    ],
)
def test_bad_tokens_are_refused_with_a_code_and_reason(
    hub_server: RunningHub, token: str, code: int, reason: str
):
    for via in ("frame", "query"):
        got_code, got_reason = asyncio.run(refused(hub_server, token, via=via))
        assert (got_code, got_reason) == (code, reason), via
    assert 'result="refused"' in _metrics(hub_server)


def test_no_token_is_refused_after_the_auth_timeout(hub_factory):
    hub = hub_factory(auth_timeout_s=0.3)
    started = time.monotonic()
    code, reason = asyncio.run(refused(hub, None))
    assert code == CLOSE_UNAUTHORIZED and "auth required" in reason
    assert time.monotonic() - started < 3


def test_a_first_frame_other_than_auth_is_refused_and_not_processed(hub_server, fake_windmill: FakeWindmill):
    async def scenario() -> tuple[int | None, str | None]:
        async with connect(hub_server.ws) as ws:
            await ws.send(
                json.dumps(
                    {
                        "type": "USER_REQUEST",
                        "sessionId": "s",
                        "userId": "alice",
                        "payload": {"content": "hello"},
                    }
                )
            )
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            return ws.close_code, ws.close_reason

    assert asyncio.run(scenario()) == (CLOSE_UNAUTHORIZED, "auth required: the first frame must be AUTH")
    assert fake_windmill.run_calls == []


def test_a_frame_claiming_another_user_is_refused(hub_server: RunningHub, fake_windmill: FakeWindmill):
    async def scenario() -> tuple[dict, list[dict]]:
        alice = await hub_server.connect("alice")
        bob = await hub_server.connect("bob")
        await alice.send(
            {
                "type": "USER_REQUEST",
                "sessionId": "s",
                "userId": "bob",
                "messageId": "m_spoof",
                "payload": {"content": "post as bob"},
            }
        )
        error = await alice.recv()
        # Bob's socket stays silent: nothing was started on his behalf.
        with pytest.raises(TimeoutError):
            await bob.recv(timeout=0.5)
        # Alice's connection stays up and her own requests still work.
        await alice.request("hello", "m_ok")
        frames = await alice.until(done_for("m_ok"))
        await alice.close()
        await bob.close()
        return error, frames

    error, frames = asyncio.run(scenario())
    assert error["type"] == "ERROR"
    assert error["payload"]["code"] == "forbidden" and error["payload"]["field"] == "userId"
    assert error["correlationId"] == "m_spoof"
    assert frames[-1]["type"] == "TASK_COMPLETE"
    assert [call for call in fake_windmill.run_calls] == [frames[-1]["payload"]["jobId"]]
    assert all(job.args["user_id"] == "alice" for job in fake_windmill.jobs.values())


def test_two_users_never_see_each_others_events(hub_server: RunningHub, fake_windmill: FakeWindmill):
    async def scenario() -> tuple[list[dict], list[dict]]:
        alice = await hub_server.connect("alice")
        alice2 = await hub_server.connect("alice")  # her second device
        bob = await hub_server.connect("bob")
        await alice.request("alice's secret plan", "m_a")
        await bob.request("bob's secret plan", "m_b")
        a = await alice.until(done_for("m_a"))
        b = await bob.until(done_for("m_b"))
        a2 = await alice2.until(done_for("m_a"))
        for client in (alice, bob, alice2):
            with pytest.raises(TimeoutError):
                await client.recv(timeout=0.3)
            await client.close()
        return a + a2, b

    alice_frames, bob_frames = asyncio.run(scenario())
    assert alice_frames and bob_frames
    assert {f["userId"] for f in alice_frames} == {"alice"}
    assert {f["userId"] for f in bob_frames} == {"bob"}
    assert not any("bob" in json.dumps(f) for f in alice_frames)
    assert not any("alice" in json.dumps(f) for f in bob_frames)


def test_an_expiring_token_closes_the_connection_unless_refreshed(hub_factory):
    hub = hub_factory(jwt_leeway_s=0)

    async def scenario() -> tuple[int | None, dict]:
        async with connect(hub.ws) as ws:
            await ws.send(
                json.dumps(
                    {"type": "AUTH", "sessionId": "auth", "payload": {"token": hub.token("alice", ttl_s=2)}}
                )
            )
            connected = json.loads(await ws.recv())
            assert connected["payload"]["ttl"] <= 2
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 6)
            code = ws.close_code
        async with connect(hub.ws) as ws:
            await ws.send(
                json.dumps(
                    {"type": "AUTH", "sessionId": "auth", "payload": {"token": hub.token("alice", ttl_s=2)}}
                )
            )
            await ws.recv()
            await ws.send(
                json.dumps(
                    {
                        "type": "AUTH",
                        "sessionId": "auth",
                        "messageId": "refresh1",
                        "payload": {"token": hub.token("alice", ttl_s=600)},
                    }
                )
            )
            refreshed = json.loads(await ws.recv())
            await asyncio.sleep(3)
            await ws.send(json.dumps({"type": "PING", "sessionId": "s", "messageId": "p1"}))
            pong = json.loads(await asyncio.wait_for(ws.recv(), 3))
            assert pong["type"] == "PONG"
        return code, refreshed

    code, refreshed = asyncio.run(scenario())
    assert code == CLOSE_TOKEN_EXPIRED
    assert refreshed["type"] == "CONNECTED" and refreshed["correlationId"] == "refresh1"
    assert refreshed["payload"]["ttl"] > 500


def test_verifier_never_mixes_algorithm_families(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    verifier = TokenVerifier(make_settings(jwt_algorithm="ES256", jwt_public_key=public_pem, jwt_secret=None))
    good = jwt.encode(claims(), private, algorithm="ES256")
    assert verifier.verify(good).user_id == "alice"
    # The classic confusion attack: an HS256 token "signed" with the public key as secret.
    forged = jwt.encode(claims(sub="mallory"), "x" * 32, algorithm="HS256")
    with pytest.raises(AuthError, match="algorithm not allowed"):
        verifier.verify(forged)
    with pytest.raises(ValueError, match="HMAC"):
        make_settings(jwt_algorithm="HS256", jwt_public_key=public_pem)


def _metrics(hub: RunningHub) -> str:
    import httpx

    return httpx.get(f"{hub.http}/metrics").text


def test_a_refresh_token_for_another_user_closes_the_connection(hub_server: RunningHub):
    async def scenario() -> tuple[int | None, str | None]:
        client = await hub_server.connect("alice")
        await client.send(
            {"type": "AUTH", "sessionId": "auth", "payload": {"token": hub_server.token("bob")}}
        )
        with pytest.raises(ConnectionClosed):
            await client.recv()
        return client.ws.close_code, client.ws.close_reason

    assert asyncio.run(scenario()) == (CLOSE_FORBIDDEN, "a refreshed token must be for the same user")
