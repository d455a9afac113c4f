"""`uv run python -m hub [--host H] [--port P]`: serve the hub with uvicorn."""

from __future__ import annotations

import argparse
import importlib.util
import sys

import uvicorn
from pydantic import ValidationError

from f.openanalyst.lib.log import setup
from hub.app import create_app
from hub.settings import Settings, explain


def uvicorn_options(settings: Settings) -> dict[str, object]:
    """The settings that matter (https://www.uvicorn.org/settings/): uvloop, small frames, heartbeat,
    no per-message deflate."""
    fast = importlib.util.find_spec("uvloop") is not None
    return {
        # uvloop and httptools (the hub group) cut the event loop's and the push endpoint's CPU.
        "loop": "uvloop" if fast else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") is not None else "h11",
        "ws": "websockets-sansio",
        "ws_max_size": settings.max_frame_bytes,
        "ws_ping_interval": settings.ping_interval_s or None,
        "ws_ping_timeout": settings.ping_timeout_s,
        "ws_per_message_deflate": False,
        # Our JSON logging (log.setup) redacts tokens; uvicorn's own config would not.
        "log_config": None,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 5,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hub", description=__doc__)
    parser.add_argument("--host", help="bind address (HUB_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (HUB_PORT, default 8002)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    try:
        settings = Settings.from_env(**overrides)
    except ValidationError as exc:
        sys.exit(f"hub: cannot start: {explain(exc)}")
    setup()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, **uvicorn_options(settings))


if __name__ == "__main__":
    main()
