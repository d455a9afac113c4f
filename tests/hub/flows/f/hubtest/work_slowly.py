"""Hub test step: shows progress, then works for two minutes (long enough to be cancelled)."""

import time

import wmill


def main(request: str) -> dict:
    wmill.set_progress(20)
    time.sleep(120)
    return {"request": request}
