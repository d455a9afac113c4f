"""f/openanalyst/lib/skills/table_cache: a worker's copy of the compiled embedding table."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import yaml

import f.openanalyst.lib.skills.static_embeddings as static_embeddings
import f.openanalyst.lib.skills.table_cache as table_cache

ROW = {
    "path": static_embeddings.RESOURCE_PATH,
    "resource_type": static_embeddings.RESOURCE_TYPE,
    "description": table_cache.describe("fp:static-v1:d4"),
    "edited_at": "2026-12-06T10:00:00.000Z",
}


def small_table(fingerprint: str = "fp:static-v1:d4") -> static_embeddings.StaticTable:
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
    return static_embeddings.StaticTable.from_float(["[PAD]", "cake", "##s"], matrix, fingerprint)


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(table_cache.CACHE_DIR_ENV, str(tmp_path))
    return tmp_path


def test_the_description_carries_the_fingerprint() -> None:
    fp = "0ce989803113f792:static-v1:d256:sif1e-05"
    assert table_cache.declared_fingerprint(table_cache.describe(fp)) == fp
    assert table_cache.declared_fingerprint("Static token vectors (generated)") is None
    assert table_cache.declared_fingerprint(None) is None


def test_the_compiled_resource_declares_its_own_fingerprint() -> None:
    text = static_embeddings.repo_table_file().read_text(encoding="utf-8")
    head = yaml.safe_load(text[: text.index("\nvalue:")])
    fingerprint = text[text.index("  fingerprint: ") :].split("\n", 1)[0].split(": ", 1)[1]
    assert table_cache.declared_fingerprint(head["description"]) == fingerprint.strip("'\"")


def test_a_stored_table_loads_back_the_same(cache_root: Path) -> None:
    key, fp = table_cache.cache_key(ROW, "http://wm/api", "openanalyst") or ("", "")
    table = small_table()
    assert table_cache.load(key, fp) is None
    assert table_cache.store(key, fp, table)
    back = table_cache.load(key, fp)
    assert back is not None and back.tokens == table.tokens and back.fingerprint == fp
    assert np.array_equal(back.vectors, table.vectors) and np.array_equal(back.scales, table.scales)
    assert np.allclose(back.encode("cakes"), table.encode("cakes"))
    (file,) = (cache_root / "openanalyst" / "embedding_table").iterdir()
    assert file.name == f"{key}.bin" and oct(file.stat().st_mode & 0o777) == "0o600"


def test_the_cached_compiled_table_reads_every_word_as_the_resource_does(cache_root: Path) -> None:
    """The worker's copy looks tokens up in its sorted index, in place; the resource's decoding
    builds a dict. Same ids for every word, including words longer than any token and non-ASCII."""
    decoded = static_embeddings.default_table()
    assert decoded is not None
    row = {**ROW, "description": table_cache.describe(decoded.fingerprint)}
    key, fp = table_cache.cache_key(row, "http://wm/api", "openanalyst") or ("", "")
    assert table_cache.store(key, fp, decoded)
    cached = table_cache.load(key, fp)
    assert cached is not None and isinstance(cached.vocab, static_embeddings.SortedTokens)
    texts = [
        "Schedule a tweet for Friday 10am about our new vegan cupcakes!",
        "chart my monthly sales: Jan 4200, Feb 5100 and tell me which month was best",
        "supercalifragilisticexpialidocious-and-antidisestablishmentarianism " + "x" * 40,
        "Café crème brûlée à Zürich, 東京 and naïve résumés",
        "[PAD] [UNK] ## ##s",
    ]
    for text in texts:
        assert cached.token_ids(text) == decoded.token_ids(text), text
        assert np.allclose(cached.encode(text), decoded.encode(text))
    assert cached.tokens == decoded.tokens
    assert all(cached.vocab.row(t) == i for i, t in enumerate(decoded.tokens))


def test_the_key_follows_every_edit_and_the_place(cache_root: Path) -> None:
    key = table_cache.cache_key(ROW, "http://wm/api", "openanalyst")
    assert key is not None
    assert (
        table_cache.cache_key(
            {**ROW, "edited_at": "2026-12-06T10:00:01.000Z"}, "http://wm/api", "openanalyst"
        )
        != key
    )
    assert table_cache.cache_key(ROW, "http://wm/api", "other") != key
    assert table_cache.cache_key(ROW, "http://other/api", "openanalyst") != key
    described = {**ROW, "description": table_cache.describe("fp2")}
    assert table_cache.cache_key(described, "http://wm/api", "openanalyst") != key
    # No fingerprint declared: no cache (the table is read from Windmill as before).
    assert table_cache.cache_key({**ROW, "description": "a table"}, "http://wm/api", "openanalyst") is None


def test_a_damaged_or_foreign_file_is_never_used(cache_root: Path) -> None:
    key, fp = table_cache.cache_key(ROW, "http://wm/api", "openanalyst") or ("", "")
    assert table_cache.store(key, fp, small_table())
    file = cache_root / "openanalyst" / "embedding_table" / f"{key}.bin"
    data = file.read_bytes()
    file.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit flipped
    assert table_cache.load(key, fp) is None
    file.write_bytes(data[:-5])  # cut short
    assert table_cache.load(key, fp) is None
    file.write_bytes(b"not a table")
    assert table_cache.load(key, fp) is None
    file.write_bytes(data)
    assert table_cache.load(key, "another:fingerprint") is None
    other = table_cache.cache_key({**ROW, "edited_at": "later"}, "http://wm/api", "openanalyst") or ("", "")
    os.replace(file, file.with_name(f"{other[0]}.bin"))  # a file under another table's name
    assert table_cache.load(other[0], fp) is None


def test_a_table_is_kept_only_under_the_fingerprint_it_has(cache_root: Path) -> None:
    key, fp = table_cache.cache_key(ROW, "http://wm/api", "openanalyst") or ("", "")
    assert not table_cache.store(key, fp, small_table("something:else"))
    assert table_cache.load(key, fp) is None


def test_a_key_never_names_a_path(cache_root: Path) -> None:
    assert not table_cache.store("../../etc/passwd", "fp:static-v1:d4", small_table())
    assert table_cache.load("../x", "fp:static-v1:d4") is None


def test_without_a_worker_cache_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(table_cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.setattr(table_cache, "WINDMILL_CACHE_DIR", "/nonexistent/windmill/cache")
    key, fp = table_cache.cache_key(ROW, "http://wm/api", "openanalyst") or ("", "")
    assert table_cache.cache_dir() is None
    assert not table_cache.store(key, fp, small_table())
    assert table_cache.load(key, fp) is None


def test_an_unwritable_cache_only_costs_the_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(table_cache.CACHE_DIR_ENV, str(blocker))
    key, fp = table_cache.cache_key(ROW, "http://wm/api", "openanalyst") or ("", "")
    assert not table_cache.store(key, fp, small_table())
    assert table_cache.load(key, fp) is None


def test_a_worker_keeps_only_its_newest_tables(cache_root: Path) -> None:
    folder = cache_root / "openanalyst" / "embedding_table"
    keys = []
    for i in range(table_cache.KEEP + 2):
        key, fp = table_cache.cache_key({**ROW, "edited_at": f"2026-12-0{i + 1}"}, "http://wm/api", "ws") or (
            "",
            "",
        )
        assert table_cache.store(key, fp, small_table())
        os.utime(folder / f"{key}.bin", (1_000_000 + i, 1_000_000 + i))
        keys.append(key)
    stale = folder / ".leftover.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    key, fp = table_cache.cache_key({**ROW, "edited_at": "latest"}, "http://wm/api", "ws") or ("", "")
    assert table_cache.store(key, fp, small_table())
    kept = {f.stem for f in folder.glob("*.bin")}
    assert len(kept) == table_cache.KEEP and key in kept and keys[0] not in kept
    assert not stale.exists() and table_cache.load(key, fp) is not None
