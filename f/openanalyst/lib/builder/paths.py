"""Where a person's items live and what they may reference: names, paths, the builder's refusal."""

from __future__ import annotations

import re
import unicodedata

from f.openanalyst.lib.users import KINDS, InvalidPath, user_path, validate_user_id

SHARED_PREFIX = "f/openanalyst/"
# Shared scripts a person's flows, schedules and apps may run: the skills' domain scripts, which act
# for the `user_id` they are given (bound to the owner). Never the platform's orchestration (brain,
# core, builder, handle_request, provision_user), its settings or another person's code.
PERSON_CALLABLE = ("f/openanalyst/social/", "f/openanalyst/analytics/")
# Shared modules a person's code may import: code only; the settings and secrets they read stay in
# the admin-only folder, out of a person's reach.
PERSON_IMPORTABLE = ("f/openanalyst/lib/",)
MAX_NAME_CHARS = 64
MAX_CONTENT_CHARS = 200_000
LANGUAGES = ("python3", "bun", "deno", "bash", "postgresql")
SKILL_RESOURCE_TYPE = "openanalyst_skill"


_HUMAN_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]*")


class BuildError(ValueError):
    """A request the builder refuses; nothing was created."""


# ------------------------------------------------------------------------------ paths


def item_path(user_id: str, kind: str, name: str) -> str:
    """`u/<user>/<kind>/<name>` with a clear refusal for names that try to leave the folder."""
    validate_user_id(user_id)
    if not isinstance(name, str) or not name:
        raise BuildError("a name is required, e.g. 'weekly_report'")
    if len(name) > MAX_NAME_CHARS * 2:
        raise BuildError(f"name is {len(name)} characters; keep it under {MAX_NAME_CHARS}")
    if name.startswith("/") or re.match(r"^[a-z]/", name) or ".." in name or "\\" in name:
        raise BuildError(
            f"name {name[:64]!r} must be a plain name inside your folder (no '/', '..', 'u/...' or 'f/...')"
        )
    if unicodedata.normalize("NFKC", name) != name or not name.isascii():
        raise BuildError(f"name {name[:64]!r} has non-ASCII or look-alike characters: use a-z, 0-9 and '_'")
    if _HUMAN_NAME_RE.fullmatch(name):  # "Weekly sales report" -> weekly_sales_report
        name = re.sub(r"_+", "_", re.sub(r"[ -]+", "_", name.strip().lower())).strip("_")
    if kind not in KINDS:
        raise BuildError(f"unknown kind {kind!r}")
    try:
        return user_path(user_id, kind, name)
    except InvalidPath as exc:
        raise BuildError(str(exc)) from exc


def _well_formed(path: str) -> bool:
    parts = path.split("/")
    return (
        path.isascii()
        and all(parts)
        and ".." not in parts
        and "." not in parts
        and "\\" not in path
        and unicodedata.normalize("NFKC", path) == path
    )


def check_reference(user_id: str, path: str, what: str = "path", importing: bool = False) -> str:
    """The one rule for what a person's item may run or import: their own folder `u/<user_id>/`,
    or the shared scripts a person may call (`PERSON_CALLABLE`); for imports, also the shared
    modules (`PERSON_IMPORTABLE`). Never another person's folder or the platform's internals."""
    if not isinstance(path, str) or not path:
        raise BuildError(f"{what} is empty")
    parts = path.split("/")
    if _well_formed(path) and parts[0] == "u" and len(parts) >= 2:
        if parts[1] == user_id and len(parts) >= 3:
            return path
        if parts[1] != user_id:
            raise BuildError(
                f"{what} {path[:80]!r} belongs to another person; use your own u/{user_id}/ items"
            )
    allowed = PERSON_CALLABLE + (PERSON_IMPORTABLE if importing else ())
    if _well_formed(path) and any(path.startswith(p) or path == p.rstrip("/") for p in allowed):
        return path
    shared = ", ".join(p + "*" for p in allowed)
    raise BuildError(f"{what} {path[:80]!r} must be under u/{user_id}/ or one of the shared {shared}")


def is_shared(path: str) -> bool:
    """A shared script (not the person's own): its `user_id` is bound to the owner."""
    return path.startswith(SHARED_PREFIX)


def require_owner(user_id: str, given: object, what: str) -> None:
    """`user_id` given to a shared script must be the owner itself, written as a fixed value."""
    if given is not None and given != user_id:
        raise BuildError(
            f"{what}: user_id is always you ({user_id}) for shared scripts; "
            f"leave it out or set it to {user_id!r}"
        )
