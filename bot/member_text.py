"""Member-typed text, cleaned once where it enters: what is stored and shown is then always valid."""

from __future__ import annotations

import unicodedata

# Tab and newline are ordinary in a typed question; every other control character is not.
_KEEP = frozenset("\t\n")


def member_text(text: str, limit: int) -> str:
    """``text`` without lone surrogates (they can't be encoded as UTF-8, so SQLite and Discord reject
    them) or control characters, trimmed, and cut to ``limit`` characters."""
    cleaned = "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cs"))
    return cleaned.strip()[:limit].strip()
