"""Text made shorter in its own words, without rewording it.

A post a person pasted with "make this tweet shorter: ..." and an argument over a script's limit
(the brain's retry) are shortened here. A person's text loses, in order, what says least: an
announcement's preamble ("We are thrilled to announce that"), words that only intensify
("finally", "really", "very"), then whole sentences from the end (never most of it: then only the
last sentence goes); a sentence is cut only when the first one alone is too long. Trailing
hashtags are kept.
"""

from __future__ import annotations

import re

# "We are thrilled to announce that ...", "Big news: ...", "Guess what? ...": said before the news.
_PREAMBLE_RE = re.compile(
    r"^(?:(?:we(?:'re|\s+are)|i(?:'m|\s+am))\s+(?:so\s+|very\s+|super\s+|really\s+)?"
    r"(?:thrilled|excited|happy|proud|delighted|pleased)\s+to\s+(?:announce|share|tell\s+you|let\s+you\s+know)"
    r"(?:\s+that)?\s+"
    r"|(?:big|exciting|great|some)\s+news\s*[:!,.-]\s*"
    r"|guess\s+what\s*[?!,.]\s*)",
    re.I,
)
_INTENSIFIER_RE = re.compile(
    r"\s+\b(?:finally|really|very|truly|absolutely|totally|super|actually)\b(?=\s)", re.I
)
_CLOSING_TAGS_RE = re.compile(r"(?:\s+#\w+)+\s*$")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")
# The aim is a goal, not a limit: a text tightened to within a tenth over it keeps its sentences.
SLACK = 1.1


def to_sentences(text: str, limit: int) -> str:
    """`text` cut to whole sentences (else whole words) within `limit` characters."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END_RE.split(text.strip()):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if not kept:
        kept = text[:limit].rsplit(" ", 1)[0].rstrip(",;:-")
    return kept


def _without_preambles(text: str) -> str:
    sentences = []
    for sentence in _SENTENCE_END_RE.split(text.strip()):
        rest = _PREAMBLE_RE.sub("", sentence, count=1).strip()
        if rest and rest != sentence:
            rest = rest[:1].upper() + rest[1:]
        if rest:  # "Big news!" alone says nothing the next sentence does not
            sentences.append(rest)
    return " ".join(sentences)


def tighten(text: str, aim: int) -> str:
    """`text` shorter, in its own words: within `aim` characters when whole sentences allow (a text
    tightened to within a tenth over `aim` keeps all its sentences). When the sentences within
    `aim` would be less than half of it ("We're hiring!" of a job post), only the last sentence
    goes, and the result may be longer than `aim`."""
    tags = found.group(0).strip() if (found := _CLOSING_TAGS_RE.search(text)) else ""
    body = text[: found.start()] if found else text
    lines = [_INTENSIFIER_RE.sub("", _without_preambles(line)) for line in body.strip().splitlines()]
    body = "\n".join(" ".join(line.split()) for line in lines).strip()
    budget = aim - (len(tags) + 1 if tags else 0)
    if len(body) > budget * SLACK:
        flat = " ".join(body.split())
        body = to_sentences(flat, budget)
        sentences = _SENTENCE_END_RE.split(flat)
        if len(body) < budget // 2 and len(sentences) > 1:
            body = " ".join(sentences[:-1])
    return f"{body} {tags}".strip()
