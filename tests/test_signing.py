"""Pushes from flows to the hub are signed; tampering, replay and wrong secrets are refused."""

from __future__ import annotations

import pytest

from f.openanalyst.lib.signing import BadSignature, sign, verify


def test_valid_signature_verifies() -> None:
    headers = sign("s3cret", b'{"a":1}', now=1000)
    verify("s3cret", b'{"a":1}', headers, now=1010)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [("other", b'{"a":1}', 1000), ("s3cret", b'{"a":2}', 1000), ("s3cret", b'{"a":1}', 1000 + 301)],
)
def test_tampered_replayed_or_wrong_secret_is_refused(secret: str, body: bytes, now: int) -> None:
    headers = sign("s3cret", b'{"a":1}', now=1000)
    with pytest.raises(BadSignature):
        verify(secret, body, headers, now=now)


def test_missing_headers_are_refused() -> None:
    with pytest.raises(BadSignature):
        verify("s3cret", b"{}", {})
