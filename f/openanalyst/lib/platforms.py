"""What each social platform accepts and rewards: length, hashtags, tone, and how to count.

One table used to write (create_post), check (publish_post) and score (analyze_engagement).
Sources: the platforms' published limits (X: 280 characters for standard accounts with URLs
counted as 23; LinkedIn: 3,000 per post; Instagram: 2,200 per caption and at most 30 hashtags;
Facebook: 63,206 per post, with short posts performing best).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Platform = Literal["twitter", "linkedin", "instagram", "facebook"]
ALIASES = {"x": "twitter", "tweet": "twitter", "ig": "instagram", "fb": "facebook"}
_URL_RE = re.compile(r"https?://\S+")
HASHTAG_RE = re.compile(r"(?<![\w#])#(\w{1,100})", re.UNICODE)
TCO_LENGTH = 23  # X wraps every link in t.co and counts it as 23 characters
# The tightest limit a post is written to (create_post's max_chars): a shorter one holds no post.
MIN_CHARS = 40
# The emoji that fits a post's tone (an Instagram template's, or one a person asks to add).
TONE_EMOJI = {"professional": "✨", "casual": "🙂", "enthusiastic": "🚀", "informative": "📌", "witty": "😄"}
# What a person's `u/<user>/resources/<platform>` must hold for publish_post to post for them.
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "twitter": ("access_token",),  # OAuth 2.0 user token with tweet.write
    "linkedin": ("access_token", "author_urn"),  # author_urn: "urn:li:person:..."
    "facebook": ("page_id", "page_access_token"),
    "instagram": ("ig_user_id", "access_token"),  # and a media_url with each post
}


@dataclass(frozen=True)
class Rules:
    name: str
    max_chars: int
    ideal_chars: tuple[int, int]
    hashtags: tuple[int, int]  # recommended (min, max)
    max_hashtags: int
    style: str
    needs_media: bool = False


RULES: dict[str, Rules] = {
    "twitter": Rules(
        "X (Twitter)",
        280,
        (71, 240),
        (1, 2),
        3,
        "one sharp idea, plain words, a question or hook; no more than two hashtags",
    ),
    "linkedin": Rules(
        "LinkedIn",
        3000,
        (600, 1300),
        (3, 5),
        5,
        "a strong first line, short paragraphs, a concrete takeaway, a question to invite comments",
    ),
    "instagram": Rules(
        "Instagram",
        2200,
        (138, 400),
        (5, 10),
        30,
        "a visual, warm caption, emojis welcome, hashtags grouped at the end",
        needs_media=True,
    ),
    "facebook": Rules(
        "Facebook", 63206, (40, 250), (0, 2), 3, "conversational and short, one clear call to action"
    ),
}


def normalize(platform: str) -> str:
    p = platform.strip().lower()
    p = ALIASES.get(p, p)
    if p not in RULES:
        raise ValueError(f"unknown platform {platform!r}: use one of {', '.join(RULES)} (or 'x')")
    return p


def count_chars(platform: str, text: str) -> int:
    """Length as the platform counts it (X counts each link as 23 characters)."""
    if normalize(platform) == "twitter":
        return len(_URL_RE.sub("x" * TCO_LENGTH, text))
    return len(text)


def hashtags_in(text: str) -> list[str]:
    return HASHTAG_RE.findall(text)


def problems(platform: str, text: str) -> list[str]:
    """Why `text` cannot be posted as is on `platform` (empty list when it can)."""
    rules = RULES[normalize(platform)]
    out = []
    if not text.strip():
        out.append("the post is empty")
    n = count_chars(platform, text)
    if n > rules.max_chars:
        out.append(f"{n} characters, over {rules.name}'s limit of {rules.max_chars}")
    tags = hashtags_in(text)
    if len(tags) > rules.max_hashtags:
        out.append(f"{len(tags)} hashtags, more than the {rules.max_hashtags} allowed here")
    return out
