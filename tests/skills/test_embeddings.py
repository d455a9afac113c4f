"""The numpy MiniLM encoder: matches sentence-transformers, caches on disk, degrades cleanly."""

from __future__ import annotations

import pytest

import f.openanalyst.lib.skills.embeddings as embeddings

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


def test_disabled_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENANALYST_EMBEDDINGS", "off")
    assert embeddings.available() is False
