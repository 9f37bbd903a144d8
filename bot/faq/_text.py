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


# Where a long message's question usually is: after a sentence end or a line break.
_SENTENCE = re.compile(r"(?<=[.?!;])\s+|\n+")
FOCUS_MIN_WORDS = 20  # shorter messages are their own question


def focus(text: str) -> str:
    """The sentence a long message asks in (the last one with a question mark, else the last one),
    clean(); empty when the message is short or a single sentence. Backstory ("six years a nurse,
    two kids...") otherwise outweighs the few words that say what is asked."""
    head = text[: MAX_CHARS * 4]
    if len(clean(head).split()) < FOCUS_MIN_WORDS:
        return ""
    parts = [p for p in _SENTENCE.split(head.strip()) if clean(p)]
    if len(parts) < 2:
        return ""
    asked = [p for p in parts if "?" in p]
    return clean(asked[-1] if asked else parts[-1])


# A greeting or a thanks, and the words that may come with one ("hi there", "thanks a lot bot").
# A message is small talk only when every word is from these and one is a greeting or a thanks, so
# any question (it has a word of its own: "hi, which pays more?") still reaches the model.
_GREETINGS = frozenset(
    [
        "hi",
        "hii",
        "hello",
        "helo",
        "hey",
        "heya",
        "hiya",
        "yo",
        "sup",
        "howdy",
        "hola",
        "greetings",
        "morning",
        "afternoon",
        "evening",
        "gm",
    ]
)
_THANKS = frozenset(["thanks", "thank", "thanx", "thx", "ty", "tysm", "cheers", "appreciate", "appreciated"])
_WITH = frozenset(
    [
        "there",
        "you",
        "all",
        "everyone",
        "folks",
        "guys",
        "bot",
        "careerbot",
        "good",
        "so",
        "much",
        "a",
        "lot",
        "very",
        "again",
        "for",
        "the",
        "help",
        "it",
        "this",
        "that",
        "oh",
        "ok",
        "okay",
        "great",
        "nice",
        "awesome",
        "mate",
        "and",
        "whats",
        "up",
        "how",
        "are",
        "doing",
    ]
)
SMALL_TALK_MAX_WORDS = 8


def small_talk(text: str) -> str | None:
    """The kind of small talk ("thanks" or "greeting") when clean() `text` is only that, else None."""
    words = text.split()
    if not words or len(words) > SMALL_TALK_MAX_WORDS:
        return None
    if any(w not in _GREETINGS and w not in _THANKS and w not in _WITH for w in words):
        return None
    if any(w in _THANKS for w in words):
        return "thanks"
    return "greeting" if any(w in _GREETINGS for w in words) else None
