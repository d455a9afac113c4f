"""Print a chat link for one person: `python -m scripts.deploy.chat_link <username> [--hours N]`.

Run inside the hub's container (`docker compose exec hub python -m scripts.deploy.chat_link
alice`): the token is signed with the hub's HUB_JWT_SECRET, and the link opens the chat page at
OPENANALYST_CHAT_URL (the compose file sets it from HUB_PUBLIC_URL). The chat page takes the token
from the link once and removes it from the address bar.
"""

from __future__ import annotations

import argparse
import os
import sys

from f.openanalyst.lib.users import InvalidUserId
from hub.auth import issue_dev_token
from hub.settings import SettingsError


def main(argv: list[str] | None = None) -> int:
    """Print the link; exit 2 with the reason when the name or the hub's settings are wrong."""
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy.chat_link", description=__doc__)
    parser.add_argument("username", help="the person's Windmill username, e.g. alice")
    parser.add_argument("--hours", type=float, default=12.0, help="how long the link works (default 12)")
    args = parser.parse_args(argv)
    try:
        token = issue_dev_token(args.username, ttl_s=int(args.hours * 3600))
    except (InvalidUserId, SettingsError, ValueError) as exc:
        print(f"chat_link: {exc}", file=sys.stderr)
        return 2
    base = (os.environ.get("OPENANALYST_CHAT_URL") or "http://localhost:8002").rstrip("/")
    print(f"{base}/#token={token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
