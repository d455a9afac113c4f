"""`python -m scripts.devruntime [--host H] [--port P] [--bundle DIR] [--db FILE]`"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from scripts.devruntime.config import Settings
from scripts.devruntime.server import serve_forever


def main(argv: list[str] | None = None) -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m scripts.devruntime", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument(
        "--bundle", type=Path, default=settings.bundle_root, help="repo root holding f/ and u/"
    )
    parser.add_argument("--db", type=Path, default=settings.db_path, help="SQLite file for jobs and items")
    args = parser.parse_args(argv)
    settings.host, settings.port = args.host, args.port
    settings.bundle_root, settings.db_path = args.bundle.resolve(), args.db
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(
        f"dev runtime: Windmill API on {settings.base_url}/api, workspace {settings.workspace}",
        file=sys.stderr,
    )
    # The operator token is never printed (logs and terminals keep it): it goes to a 0600 file.
    print(
        f"dev runtime: operator token in {settings.token_file} (set OPENANALYST_DEV_TOKEN to choose one)",
        file=sys.stderr,
    )
    try:
        serve_forever(settings)
    except OSError as exc:
        print(
            f"dev runtime: cannot listen on {settings.host}:{settings.port} ({exc.strerror})", file=sys.stderr
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
