"""Test script: returns its arguments, optionally failing or sleeping."""

import time


def main(value: object = None, fail: bool = False, sleep_s: float = 0.0) -> dict:
    if sleep_s:
        time.sleep(sleep_s)
    if fail:
        raise ValueError(f"asked to fail with {value!r}")
    print(f"echo {value!r}")
    return {"value": value}
