"""A failure only the person can fix: a script raises `NeedsInput` (or the builder's `BuildError`)
with what to give or do instead, in their words.

Retrying, re-planning or researching cannot supply a person's data or a decision only they can
make, so the flow stops there and the answer is the message (`Outcome.stopped`). A Windmill job's
error keeps the exception's class name as `name`, which is how the flow recognises it across the
job boundary (`JobFailed.kind` in `lib/windmill/rest.py`).
"""

from __future__ import annotations


class NeedsInput(ValueError):
    """Raised by a script when the request cannot go on without something from the person; the
    message, in their words, says what to give."""


# The exception names (a job error's `name`) whose message is written for the person: NeedsInput
# and the builder's refusals (`lib/builder/paths.BuildError`: nothing was created, and it says
# what to do instead). The name, not `isinstance`, is what crosses the job boundary.
KINDS = (NeedsInput.__name__, "BuildError")
