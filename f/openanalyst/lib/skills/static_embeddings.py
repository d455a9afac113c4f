# extra_requirements:
# numpy
# pyyaml
"""Static sentence vectors: a table of one vector per WordPiece token, distilled from MiniLM.

Routing embeds every new request. Running the six MiniLM layers costs milliseconds and needs the
model package (which declares torch) on the worker; a static table costs microseconds and needs
only numpy. The table is built at compile time (`scripts/skills.py compile`, with
`embeddings.distill_static_table`) the way model2vec distils a sentence encoder
(https://github.com/MinishLab/model2vec): each vocabulary token is run through MiniLM on its own,
the outputs are centred and reduced by PCA, and each row is weighted down by how frequent the token
is (SIF weighting, https://openreview.net/forum?id=SyK00v5xx). A sentence vector is the normalised
sum of its tokens' rows. It ships as the `f/openanalyst/skills/embedding_table` resource, so a
Windmill worker and a local process route with the very same numbers.

Tokenisation is BERT's uncased WordPiece, written here in plain Python over the table's own
vocabulary (no `tokenizers` on the worker).
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

RESOURCE_TYPE = "openanalyst_embedding_table"
RESOURCE_PATH = "f/openanalyst/skills/embedding_table"
_REPO_FILE = Path(__file__).resolve().parents[4] / f"{RESOURCE_PATH}.resource.yaml"
_MAX_WORD_CHARS = 100
_SPLIT_RE = re.compile(r"\s+")


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    # BERT treats every non-alphanumeric ASCII character as punctuation, plus Unicode P*.
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


# ASCII text, the usual case, in two regex passes (the same words as the general path below, which
# looks at every character: ~5 ms for a skill's texts): drop the control characters that are not
# whitespace, then each punctuation mark is a word and each run of other non-space characters too.
_ASCII_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_ASCII_WORD_RE = re.compile(r"[!-/:-@\[-`{-~]|[^\s!-/:-@\[-`{-~]+")


def basic_words(text: str) -> list[str]:
    """BERT's uncased basic tokenisation: lower-case, strip accents, split on space and punctuation."""
    if text.isascii():
        return _ASCII_WORD_RE.findall(_ASCII_CONTROL_RE.sub("", text.lower()))
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    out: list[str] = []
    for chunk in _SPLIT_RE.split(text):
        word = ""
        for ch in chunk:
            if _is_punct(ch):
                if word:
                    out.append(word)
                    word = ""
                out.append(ch)
            elif unicodedata.category(ch)[0] != "C":
                word += ch
        if word:
            out.append(word)
    return out


class Vocabulary(Protocol):
    """The table's WordPiece tokens: the row of a token, and every token in row order."""

    def row(self, token: str) -> int | None: ...

    def tokens(self) -> list[str]: ...

    def __len__(self) -> int: ...


class TokenRows:
    """A vocabulary held as a dict (built once, when a table is decoded from its resource)."""

    def __init__(self, tokens: list[str]) -> None:
        self._tokens = tokens
        self._rows = {t: i for i, t in enumerate(tokens)}

    def row(self, token: str) -> int | None:
        return self._rows.get(token)

    def tokens(self) -> list[str]:
        return self._tokens

    def __len__(self) -> int:
        return len(self._tokens)


class SortedTokens:
    """A vocabulary searched in place: the tokens sorted as fixed-width bytes, and each one's row.
    Both arrays may lie in a memory-mapped file (a worker's cached table,
    f.openanalyst.lib.skills.table_cache), so a job builds nothing: a dict of the 27,000 tokens
    cost 10-15 ms and ~700 page faults in every routing job; a request looks up a few hundred."""

    def __init__(self, sorted_tokens: Any, rows: Any, in_row_order: bytes | memoryview) -> None:
        self._sorted = sorted_tokens  # numpy S<width> (n,)
        self._rows = rows  # numpy int32 (n,): the row of each sorted token
        self._width = int(sorted_tokens.dtype.itemsize)
        self._text = in_row_order  # the tokens in row order, one per line (only for `tokens()`)

    @staticmethod
    def index(tokens: list[str]) -> tuple[Any, Any]:
        """(sorted tokens as S<width>, their rows as little-endian int32) for `tokens`."""
        import numpy as np

        encoded = np.array([t.encode("utf-8") for t in tokens], dtype=np.bytes_)
        order = np.argsort(encoded, kind="stable")
        return encoded[order], order.astype("<i4")

    def row(self, token: str) -> int | None:
        import numpy as np

        key = token.encode("utf-8")
        if len(key) > self._width:  # numpy would compare a truncated key
            return None
        i = int(np.searchsorted(self._sorted, key))
        if i < len(self._sorted) and self._sorted[i] == key:
            return int(self._rows[i])
        return None

    def tokens(self) -> list[str]:
        return bytes(self._text).decode("utf-8").split("\n")

    def __len__(self) -> int:
        return len(self._sorted)


@dataclass
class StaticTable:
    """token -> row of int8 vectors with a per-row scale; `encode()` gives unit sentence vectors."""

    vocab: Vocabulary
    vectors: Any  # numpy int8 (n, dim)
    scales: Any  # numpy float32 (n,)
    fingerprint: str = ""
    _word_cache: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @property
    def tokens(self) -> list[str]:
        return self.vocab.tokens()

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    # ------------------------------------------------------------ (de)serialise

    def to_value(self) -> dict[str, Any]:
        return {
            "model": "all-MiniLM-L6-v2 (static, distilled)",
            "fingerprint": self.fingerprint,
            "dim": self.dim,
            "tokens": "\n".join(self.tokens),
            "scales": base64.b64encode(self.scales.astype("<f4").tobytes()).decode("ascii"),
            "vectors": base64.b64encode(self.vectors.astype("i1").tobytes()).decode("ascii"),
        }

    @classmethod
    def from_value(cls, value: dict[str, Any]) -> StaticTable:
        import numpy as np

        tokens = str(value["tokens"]).split("\n")
        dim = int(value["dim"])
        vectors = np.frombuffer(base64.b64decode(value["vectors"]), dtype="i1").reshape(len(tokens), dim)
        scales = np.frombuffer(base64.b64decode(value["scales"]), dtype="<f4")
        if scales.shape != (len(tokens),):
            raise ValueError("embedding table: scales do not match the tokens")
        return cls(
            vocab=TokenRows(tokens),
            vectors=vectors,
            scales=scales,
            fingerprint=str(value.get("fingerprint", "")),
        )

    @classmethod
    def from_float(cls, tokens: list[str], matrix: Any, fingerprint: str = "") -> StaticTable:
        """Quantise a float matrix to int8 rows (symmetric, one scale per row)."""
        import numpy as np

        peak = np.abs(matrix).max(axis=1)
        scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
        vectors = np.round(matrix / scales[:, None]).astype(np.int8)
        return cls(vocab=TokenRows(tokens), vectors=vectors, scales=scales, fingerprint=fingerprint)

    # ------------------------------------------------------------------ encode

    def token_ids(self, text: str) -> list[int]:
        """WordPiece ids of `text` (greedy longest match); words it cannot spell are left out."""
        out: list[int] = []
        cache = self._word_cache
        for word in basic_words(text):
            ids = cache.get(word)
            if ids is None:
                ids = self._wordpiece(word)
                if len(cache) < 50_000:
                    cache[word] = ids
            out.extend(ids)
        return out

    def _wordpiece(self, word: str) -> tuple[int, ...]:
        if len(word) > _MAX_WORD_CHARS:
            return ()
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.row(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return ()  # BERT maps the whole word to [UNK]: it carries no meaning here
            pieces.append(found)
            start = end
        return tuple(pieces)

    def encode_ids(self, ids: list[int]) -> np.ndarray:
        import numpy as np

        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        rows = self.vectors[ids].astype(np.float32) * self.scales[ids, None]
        vec = rows.sum(axis=0)
        norm = float(np.sqrt(vec @ vec))
        return vec / norm if norm > 0 else vec

    def encode(self, text: str) -> np.ndarray:
        """The unit vector of `text` (zeros when no token is known)."""
        return self.encode_ids(self.token_ids(text))


_default: StaticTable | None = None
_default_missing = False


def repo_table_file() -> Path:
    """The compiled resource in a checkout of the repo (absent on a Windmill worker)."""
    return _REPO_FILE


def default_table() -> StaticTable | None:
    """The table compiled into this checkout (loaded once), or None when the file is missing:
    on a worker the caller reads the resource and passes the table in."""
    global _default, _default_missing
    if _default is None and not _default_missing:
        if not _REPO_FILE.is_file():
            _default_missing = True
            return None
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with _REPO_FILE.open(encoding="utf-8") as f:
            doc = yaml.load(f, Loader=loader)  # a SafeLoader (the C build when present)
        _default = StaticTable.from_value(doc["value"])
    return _default
