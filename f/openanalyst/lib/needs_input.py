"""A failure only the person can fix: a script raises `NeedsInput` with what to give.

Retrying, re-planning or researching cannot supply a person's data or a decision only they can
make, so the flow stops there and the answer is the message (`Outcome.stopped`). A Windmill job's
error keeps the exception's class name as `name`, which is how the flow recognises it across the
job boundary (`JobFailed.kind` in `lib/windmill/rest.py`).
"""

from __future__ import annotations


class NeedsInput(ValueError):
    """Raised by a script when the request cannot go on without something from the person; the
    message, in their words, says what to give."""


KIND = NeedsInput.__name__
