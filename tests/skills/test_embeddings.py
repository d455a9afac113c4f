"""The numpy MiniLM encoder: matches sentence-transformers, caches on disk, degrades cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from f.openanalyst.lib import embeddings

pytestmark = pytest.mark.skipif(not embeddings.available(), reason="embedding model not installed")


def test_matches_the_published_all_minilm_similarity() -> None:
    enc = embeddings.get_encoder()
    assert enc is not None
    vecs = enc.encode(
        ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]
    )
    assert vecs.shape == (3, embeddings.DIM)
    assert abs(float((vecs**2).sum(axis=1).max()) - 1.0) < 1e-5  # L2-normalised
    # sentence-transformers' documented score for this pair with all-MiniLM-L6-v2.
    assert float(vecs[0] @ vecs[1]) == pytest.approx(0.7553, abs=0.002)
    assert float(vecs[0] @ vecs[1]) > float(vecs[0] @ vecs[2])


def test_batching_and_padding_do_not_change_vectors() -> None:
    enc = embeddings.get_encoder()
    texts = ["short", "a much longer sentence with many more tokens than the first one has"]
    together = enc.encode(texts)
    alone = [enc.encode([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert float(a @ b) > 0.9999


def test_disk_cache_is_keyed_by_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    enc = embeddings.get_encoder()
    first = enc.encode_cached(["alpha text", "beta text"], tmp_path)
    assert len(list(tmp_path.glob("*.npy"))) == 2
    calls: list[list[str]] = []
    real = enc.encode
    monkeypatch.setattr(enc, "encode", lambda texts, **kw: calls.append(list(texts)) or real(texts, **kw))
    again = enc.encode_cached(["alpha text", "gamma text"], tmp_path)
    assert calls == [["gamma text"]]  # only the new text is embedded
    assert float(again[0] @ first[0]) > 0.9999
    (next(tmp_path.glob("*.npy"))).write_bytes(b"corrupt")  # a damaged file is recomputed, not fatal
    enc.encode_cached(["alpha text", "beta text"], tmp_path)


def test_disabled_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENANALYST_EMBEDDINGS", "off")
    assert embeddings.available() is False
