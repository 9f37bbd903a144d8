"""Member-typed text, cleaned once where it enters: what is stored and shown is then always valid."""

from __future__ import annotations

import re
import unicodedata

# Tab and newline are ordinary in a typed question; every other control character is not.
_KEEP = frozenset("\t\n")


def member_text(text: str, limit: int) -> str:
    """``text`` without lone surrogates (they can't be encoded as UTF-8, so SQLite and Discord reject
    them) or control characters, trimmed, and cut to ``limit`` characters."""
    cleaned = "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cs"))
    return cleaned.strip()[:limit].strip()


# Discord's mention markup, in the order tried: a stored question must not carry anyone's id (moderators
# read it in the FAQ review), and read back it must not ping.
_MENTIONS = (
    (re.compile(r"<@!?\d+>"), "@member"),
    (re.compile(r"<@&\d+>"), "@role"),
    (re.compile(r"<#\d+>"), "#channel"),
    (re.compile(r"<a?:(\w+):\d+>"), r":\1:"),
    (re.compile(r"@(everyone|here)\b"), r"\1"),
)


def without_mentions(text: str) -> str:
    """``text`` with user, role and channel mentions as plain words, and custom emoji by name."""
    for pattern, plain in _MENTIONS:
        text = pattern.sub(plain, text)
    return text
