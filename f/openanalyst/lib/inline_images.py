"""Charts in an answer: Markdown images with a data URI, and how an answer keeps them when space is short.

`generate_report` puts each chart in the answer as `![caption](data:image/png;base64,...)`: tens of
kilobytes the person sees but a history row cannot hold. Two keepers, one rule each:
- the hub (`hub/history.py`) moves the images to the message's metadata and leaves `kept:N` in the
  text, which the chat page puts back;
- the flow's `record_history` keeps each image's caption in place of the image.
Either way, text still too long is cut with one note the person reads. A step's result kept in the
history (`without_images`) keeps everything but its images.
"""

from __future__ import annotations

import re
from typing import Any

# A Markdown image whose URL is a base64 data URI (the only images answers carry inline).
INLINE_IMAGE = re.compile(
    r"!\[(?P<alt>[^\]]*)\]\(\s*(?P<uri>data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+?)\s*\)"
)
CUT_NOTE = "\n\n*(the rest of this answer was too long to keep)*"


def fit(text: str, limit: int) -> str:
    """`text` whole when it fits in `limit` characters, else its start and the cut note."""
    if len(text) <= limit:
        return text
    return text[: limit - len(CUT_NOTE)] + CUT_NOTE


def moved_out(content: str, limit: int) -> tuple[str, list[str]]:
    """(text with `kept:N` as each inline image's URL, fitted to `limit`; the data URIs in order)."""
    images: list[str] = []

    def keep(match: re.Match[str]) -> str:
        images.append(re.sub(r"\s", "", match["uri"]))
        return f"![{match['alt']}](kept:{len(images) - 1})"

    return fit(INLINE_IMAGE.sub(keep, content), limit), images


def captioned(content: str, limit: int) -> str:
    """The content whole when it fits, else each inline image replaced by its caption, fitted to `limit`."""
    if len(content) <= limit:
        return content
    return fit(INLINE_IMAGE.sub(lambda m: f"*(chart: {m['alt'] or 'image'})*", content), limit)


_DATA_URI = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+")
IMAGE_NOT_KEPT = "(image not kept)"


def _image_field(key: str, value: Any) -> bool:
    return isinstance(value, str) and (key == "png" or key.endswith("_base64"))


def without_images(value: Any) -> Any:
    """A step result as a history row keeps it: images (data URIs in text, `png`/`*_base64`
    fields) replaced by a short note; everything else as it was."""
    if isinstance(value, str):
        return _DATA_URI.sub(IMAGE_NOT_KEPT, value) if "data:image/" in value else value
    if isinstance(value, list):
        return [without_images(v) for v in value]
    if isinstance(value, dict):
        return {k: IMAGE_NOT_KEPT if _image_field(k, v) else without_images(v) for k, v in value.items()}
    return value
