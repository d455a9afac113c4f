"""Windmill's official specs (1.743), vendored once at upstream's relative layout (SOURCE.txt).

`REST_SPEC` refers to `OPENFLOW_SPEC` with `$ref: "../../openflow.openapi.yaml#..."`, which
resolves inside this folder. `recorded_sha256()` reads the digests SOURCE.txt records.
"""

from __future__ import annotations

from pathlib import Path

SPEC_DIR = Path(__file__).resolve().parent
OPENFLOW_SPEC = SPEC_DIR / "openflow.openapi.yaml"
REST_SPEC = SPEC_DIR / "backend" / "windmill-api" / "openapi.yaml"
SOURCE = SPEC_DIR / "SOURCE.txt"
# The project's shared copy these files were taken from; absent on a clone outside /work.
SHARED_DIR = SPEC_DIR.parents[2] / "shared" / "windmill-spec"


def recorded_sha256() -> dict[str, str]:
    """{path relative to SPEC_DIR: sha256} as recorded in SOURCE.txt."""
    out = {}
    for line in SOURCE.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            out[parts[1]] = parts[0]
    return out
