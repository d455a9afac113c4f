"""Run in a subprocess by test_crash: commit one request, then hang in the middle of the next.

    python -m tests.store.crash_writer '<open_store config as JSON>'

Prints "committed" after the first write and "mid-write" once the second transaction has
written its task row and is still open; the test then kills the process with SIGKILL.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from f.openanalyst.lib.store.base import Store
from f.openanalyst.lib.store.connect import open_store
from tests.store.test_store import entry


def main(config: dict[str, Any]) -> None:
    store = open_store(config.pop("db"), **config)
    store.register_user("alice")
    store.record_history("alice", entry("m1", learnings=[{"content": "kept", "tags": ["twitter"]}]))
    print("committed", flush=True)

    original = Store._put_message

    def hang(self: Store, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        print("mid-write", flush=True)
        time.sleep(120)

    Store._put_message = hang  # type: ignore[method-assign]
    store.record_history("alice", entry("m2", learnings=[{"content": "lost", "tags": ["twitter"]}]))
    print("finished (should have been killed)", flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
