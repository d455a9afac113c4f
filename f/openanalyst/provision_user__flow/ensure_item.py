"""Provisioning step 2 (per item): create it if missing; an identical one is left unchanged and
one the person edited is kept, so provisioning twice changes nothing."""

from f.openanalyst.lib.builder.create import ensure
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.users import is_in_user_space, validate_user_id
from f.openanalyst.lib.windmill.progress import report


def main(user_id: str, item: dict, index: int = 0, total: int = 1, session_id: str | None = None) -> dict:
    """Ensure one planned item exists in u/<user_id>/."""
    validate_user_id(user_id)
    path = item["body"]["path"]
    if not is_in_user_space(path, user_id):
        raise BuildError(f"{path!r} is not in u/{user_id}/")
    done = ensure(item["kind"], item["body"], keep_existing=True)
    report(
        "provision",
        10 + int(85 * (index + 1) / max(total, 1)),
        f"{done['action']} {path}",
        user_id=user_id,
        session_id=session_id,
    )
    return done
