"""Member text made plain before it reaches the model: no mentions, URLs, markup or runaway length."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 1000  # the model reads this much; members' backstories rarely need more to show the topic
_MENTION = re.compile(r"<(?:@[!&]?|#|a?:\w+:)\d+>|@(?:everyone|here)\b")
_URL = re.compile(r"https?://\S+|www\.\S+")
_TOKEN = re.compile(r"\$+|[^\W_]+(?:'[^\W_]+)*")


def clean(text: str) -> str:
    """Lowercase words separated by single spaces; empty when nothing word-like is left."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 4])
    text = _URL.sub(" ", _MENTION.sub(" ", text)).replace("->", " to ").replace("→", " to ")
    joined = " ".join(w.replace("'", "") for w in _TOKEN.findall(text.casefold()))
    return joined if len(joined) <= MAX_CHARS else joined[: MAX_CHARS + 1].rsplit(" ", 1)[0]
