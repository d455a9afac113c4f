"""The hub image's health check: exit 0 when the hub's /health answers 200, else 1 with why.

`python -m scripts.deploy.hub_health` (Docker's HEALTHCHECK in hub/Dockerfile). The hub answers
/health with 200 when Windmill and its broker (Redis) are reachable, 503 with the failing check.
"""

from __future__ import annotations

import os
import sys

import httpx


def main() -> int:
    """Ask the hub on this machine (HUB_PORT, default 8002) for its health."""
    url = f"http://127.0.0.1:{os.environ.get('HUB_PORT') or '8002'}/health"
    try:
        response = httpx.get(url, timeout=5)
    except httpx.HTTPError as exc:
        print(f"hub not answering at {url}: {type(exc).__name__}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(f"hub unhealthy: HTTP {response.status_code} {response.text[:300]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
