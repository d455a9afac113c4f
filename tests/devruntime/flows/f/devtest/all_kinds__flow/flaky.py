from pathlib import Path


def main(counter_file: str, fail_times: int) -> int:
    """Fail the first `fail_times` calls (counted in a file), then return the attempt number."""
    path = Path(counter_file)
    attempt = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(attempt))
    if attempt <= fail_times:
        raise RuntimeError(f"attempt {attempt} fails on purpose")
    return attempt
