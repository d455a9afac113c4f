"""User ids and the paths of a person's Windmill space, built in one place.

Every path that names something of a person's (`u/<user>/...`) is built here, so
that a user id or a name a model proposed can never escape the person's folder.
"""

from __future__ import annotations

import re
import unicodedata

# Windmill usernames are lower-case ASCII; we also require a leading letter so an id
# can never look like a number, a dot-path or an option.
USER_ID_PATTERN = r"[a-z][a-z0-9_]{0,47}"
_USER_ID_RE = re.compile(USER_ID_PATTERN, re.ASCII)
# One segment of a Windmill path below u/<user>/ (Windmill allows more; we allow less).
_SEGMENT_RE = re.compile(r"[a-z0-9][a-z0-9_]{0,63}", re.ASCII)
MAX_DEPTH = 4

# The sub-folders of a person's space.
KINDS = ("scripts", "flows", "apps", "schedules", "skills", "resources")


class InvalidUserId(ValueError):
    """A user id that breaks USER_ID_PATTERN."""


class InvalidPath(ValueError):
    """A path that would leave a person's folder, or a name Windmill would not accept."""


def validate_user_id(user_id: object) -> str:
    """Return `user_id` if it matches USER_ID_PATTERN, else raise InvalidUserId."""
    if not isinstance(user_id, str) or not _USER_ID_RE.fullmatch(user_id):
        raise InvalidUserId(
            f"invalid user id {str(user_id)[:64]!r}: use 1-48 lower-case letters, digits or '_', "
            "starting with a letter"
        )
    return user_id


def _validate_segment(segment: object) -> str:
    if not isinstance(segment, str) or not segment:
        raise InvalidPath("empty path segment")
    if unicodedata.normalize("NFKC", segment) != segment or not segment.isascii():
        raise InvalidPath(f"path segment {segment[:64]!r} has non-ASCII or non-normalised characters")
    if not _SEGMENT_RE.fullmatch(segment):
        raise InvalidPath(
            f"invalid path segment {segment[:64]!r}: use 1-64 lower-case letters, digits or '_'"
        )
    return segment


def user_folder(user_id: str) -> str:
    """`u/<user>`: the root of a person's Windmill space."""
    return f"u/{validate_user_id(user_id)}"


def user_path(user_id: str, kind: str, name: str) -> str:
    """`u/<user>/<kind>/<name>`, where `name` may hold up to MAX_DEPTH '/'-separated segments."""
    if kind not in KINDS:
        raise InvalidPath(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not isinstance(name, str):
        raise InvalidPath("path name must be a string")
    segments = name.split("/")
    if len(segments) > MAX_DEPTH:
        raise InvalidPath(f"path {name[:128]!r} is deeper than {MAX_DEPTH} segments")
    return "/".join([user_folder(user_id), kind, *map(_validate_segment, segments)])


def owner_of(path: str) -> str | None:
    """The user id owning a `u/<user>/...` path, or None for any other path."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] == "u" and _USER_ID_RE.fullmatch(parts[1]):
        return parts[1]
    return None


def is_in_user_space(path: str, user_id: str) -> bool:
    """True when `path` is a well-formed path inside `u/<user_id>/`."""
    validate_user_id(user_id)
    parts = path.split("/")
    if len(parts) < 3 or parts[:2] != ["u", user_id]:
        return False
    try:
        for segment in parts[2:]:
            _validate_segment(segment)
    except InvalidPath:
        return False
    return True
