"""The lexical FAQ retriever that the learned answerer (bot/faq/) replaced: kept only as bench/faq.py's
baseline, with its tuning in bench/_lexical_baseline.yaml.

Lexical retrieval, no models: text is normalised, domain synonyms are folded onto one key
("tc", "comp", "pay" -> "salary"), unknown words are typo-corrected against the vocabulary, then
each entry is scored by its closest phrasing (IDF-weighted token overlap blended with a fuzzy
string ratio). Chosen by measurement on tests/data/faq_dev.yaml; see bench/faq.py.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bot.content import Faq, FaqEntry

MAX_CHARS = 500  # scoring looks at this much of a question; Discord messages can reach 4,000+
# Blend of the two per-phrasing similarities (weighted Dice, fuzzy token-set ratio).
DICE_WEIGHT = 0.6
# An unknown query word is corrected to the closest vocabulary word at or above this ratio.
TYPO_MIN_RATIO = 84.0
TYPO_MIN_LEN = 4
TYPO_MAX_LEN = 24  # longer "words" are noise (keyboard mashing, hashes): dropped, and slow to compare
FUZZ_SCORER = fuzz.token_set_ratio

# Words that carry no topic; "more"/"good"/"need" included because they matched unrelated phrasings.
_STOPWORD_TEXT = """
    a an the is are am be been being to of for in on and or i im me my you your u ur it its this
    that these those what whats how which should would could can will do does did doing with as at
    by from about so just really any some there their they them we our us he she if then than else
    hi hey hello pls please plz bot guys yall also like get got into one ones have has had much many
    very need needed want more become good best
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_MENTION = re.compile(r"<(?:@[!&]?|#|a?:\w+:)\d+>|@(?:everyone|here)\b")
_URL = re.compile(r"https?://\S+|www\.\S+")
_TOKEN = re.compile(r"\$+|[^\W_]+(?:'[^\W_]+)*")


@dataclass(frozen=True)
class Match:
    entry: FaqEntry | None  # None when declined
    score: float  # 0..1 confidence of the best candidate
    candidate: FaqEntry  # best candidate even when declined
    declined: bool
    suggestions: tuple[FaqEntry, ...]  # up to 3 closest topics, for a decline's buttons


def clean(text: str) -> str:
    """Lowercase plain words: no mentions, URLs, markdown, odd unicode forms or runaway length."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 4])
    text = _URL.sub(" ", _MENTION.sub(" ", text)).replace("->", " to ").replace("→", " to ")
    words = (w.replace("'", "") for w in _TOKEN.findall(text.casefold()))
    joined = " ".join(words)
    # Cut at a word boundary so the last word is not a fragment that reads as a typo.
    return joined if len(joined) <= MAX_CHARS else joined[: MAX_CHARS + 1].rsplit(" ", 1)[0]


def _stem(token: str) -> str:
    # Plural/verb "s" only: enough to meet "engineers" with "engineer" without a stemmer dependency.
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


_TRACK_OF = {"aie": "aie", "ai": "aie", "mle": "mle", "ml": "mle"}
_JOINERS = frozenset({"and", "or", "vs", "nor"})
_TOWARDS = frozenset({"to", "into", "become", "becoming", "switch"})


def _direction(words: Sequence[str]) -> str | None:
    """'aie>mle' for "from AI Engineering to ML" and the like: word bags cannot tell the two moves apart."""
    tracks = [(i, _TRACK_OF[w]) for i, w in enumerate(words) if w in _TRACK_OF]
    for (i, a), (j, b) in itertools.pairwise(tracks):
        if a == b:
            continue
        before, between = words[max(0, i - 2) : i], words[i + 1 : j]
        if "from" in between and _TOWARDS & set(before):  # "into AI Engineering from ML"
            return f"{b}>{a}"
        if _TOWARDS & set(between) or "from" in before:
            return f"{a}>{b}"
    return None


class _Folder:
    """Rewrites synonym variants (single words or phrases) to their group key, longest first."""

    def __init__(self, synonyms: dict[str, list[str]]) -> None:
        self.phrases: dict[tuple[str, ...], str] = {}
        for key, variants in synonyms.items():
            canon = clean(key).replace(" ", "-") or key
            for variant in [key, *variants]:
                words = tuple(clean(variant).split())
                if words:
                    self.phrases[words] = canon
        self.longest = max((len(p) for p in self.phrases), default=1)
        self.words = {w for p in self.phrases for w in p}

    def fold(self, words: Sequence[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                key = self.phrases.get(tuple(words[i : i + n]))
                if key is not None:
                    out.append(key)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return out


@dataclass(frozen=True)
class _Doc:
    entry: int
    terms: frozenset[str]
    text: str  # folded terms joined, for the fuzzy ratio
    mass: float  # sum of the terms' IDF


class LexicalRetriever:
    def __init__(self, faq: Faq, tuning: dict[str, Any]) -> None:
        self.faq = faq
        self.entries = list(faq.entries)
        self.threshold = float(tuning["decline_below"])
        self._folder = _Folder(tuning["synonyms"])
        self._out_of_scope = [tuple(clean(p).split()) for p in tuning["out_of_scope"] if clean(p)]
        texts = [(i, t) for i, e in enumerate(self.entries) for t in (e.question, e.topic, *e.phrasings)]
        bags = [(i, self._terms(clean(t).split())) for i, t in texts]
        df = Counter(term for _, bag in bags for term in set(bag))
        n = len(bags)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._unknown_idf = math.log(1 + n)  # a word no phrasing uses weighs like the rarest word
        self._docs = [
            _Doc(i, frozenset(bag), " ".join(sorted(set(bag))), sum(self._idf[t] for t in set(bag)))
            for i, bag in bags
            if bag
        ]
        self._doc_texts = [d.text for d in self._docs]
        vocab = set(self._idf) | self._folder.words
        self._vocab = sorted(w for w in vocab if len(w) >= TYPO_MIN_LEN)
        self._known = vocab | _STOPWORDS
        self._titles = [f"{clean(e.question)} | {clean(e.topic)}" for e in self.entries]
        # Autocomplete searches lowercased question, topic and phrasings of each entry.
        self._complete = [
            " ".join(clean(t) for t in (e.question, e.topic, *e.phrasings)).split() for e in self.entries
        ]

    # ------------------------------------------------------------------ text -> terms

    def _terms(self, words: Sequence[str]) -> list[str]:
        folded = self._folder.fold([_stem(w) if w not in self._folder.words else w for w in words])
        # "ai and ml engineers": the first "ai" means AI Engineers too.
        for i in range(len(folded) - 2):
            pair = (folded[i], folded[i + 2])
            if folded[i + 1] in _JOINERS and pair in (("ai", "mle"), ("ml", "aie")):
                folded[i] = "aie" if pair[0] == "ai" else "mle"
        terms = [t for t in folded if t not in _STOPWORDS and len(t) <= TYPO_MAX_LEN]
        direction = _direction(folded)
        return [*terms, direction] if direction else terms

    def _correct(self, words: list[str]) -> list[str]:
        out = []
        for w in words:
            if (
                w in self._known
                or not TYPO_MIN_LEN <= len(w) <= TYPO_MAX_LEN
                or _stem(w) in self._known
                or not w.isascii()
            ):
                out.append(w)
                continue
            best = process.extractOne(w, self._vocab, scorer=fuzz.ratio, score_cutoff=TYPO_MIN_RATIO)
            out.append(best[0] if best else w)
        return out

    def query_terms(self, question: str) -> list[str]:
        return self._terms(self._correct(clean(question).split()))

    def _out_of_scope_hit(self, words: Sequence[str]) -> bool:
        stems = [_stem(w) for w in words]
        for phrase in self._out_of_scope:
            n = len(phrase)
            for seq in (words, stems):
                if any(tuple(seq[i : i + n]) == phrase for i in range(len(seq) - n + 1)):
                    return True
        return False

    # ------------------------------------------------------------------ scoring

    def _scores(self, terms: Sequence[str]) -> list[float]:
        """Per entry, the best similarity of any of its phrasings to the query, in [0, 1]."""
        best = [0.0] * len(self.entries)
        if not terms:
            return best
        q = set(terms)
        q_mass = sum(self._idf.get(t, self._unknown_idf) for t in q)
        fuzzy = process.cdist([" ".join(sorted(q))], self._doc_texts, scorer=FUZZ_SCORER)[0]
        for doc, f in zip(self._docs, fuzzy, strict=True):
            shared = sum(self._idf[t] for t in q & doc.terms)
            dice = 2 * shared / (q_mass + doc.mass)
            score = DICE_WEIGHT * dice + (1 - DICE_WEIGHT) * float(f) / 100
            if score > best[doc.entry]:
                best[doc.entry] = score
        return best

    def ask(self, question: str) -> Match:
        words = self._correct(clean(question).split())
        terms = self._terms(words)
        scores = self._scores(terms)
        order = sorted(range(len(self.entries)), key=lambda i: -scores[i])
        top = order[0]
        score = min(1.0, max(0.0, scores[top]))
        declined = score < self.threshold or self._out_of_scope_hit(words)
        suggestions = tuple(self.entries[i] for i in order[:3])
        return Match(
            entry=None if declined else self.entries[top],
            score=score,
            candidate=self.entries[top],
            declined=declined,
            suggestions=suggestions,
        )

    # ------------------------------------------------------------------ autocomplete / related

    def autocomplete(self, prefix: str, limit: int = 25) -> list[FaqEntry]:
        """Entries whose question, topic or phrasings contain every typed word (the last as a prefix)."""
        limit = max(0, min(limit, 25))
        words = clean(prefix[:200]).split()
        if not words:
            return self.entries[:limit]
        head = " ".join(words)
        scores = self._scores(self.query_terms(prefix[:200]))
        ranked: list[tuple[int, float, int]] = []
        for i, (title, vocab) in enumerate(zip(self._titles, self._complete, strict=True)):
            if all(any(v.startswith(w) for v in vocab) for w in words):
                rank = 0 if title.startswith(head) else 1 if head in title else 2
                ranked.append((rank, -scores[i], i))
        if not ranked:  # nothing contains the words (a typo?): the confident retrieval hits
            ranked = [(3, -scores[i], i) for i in range(len(scores)) if scores[i] >= self.threshold]
        return [self.entries[i] for *_, i in sorted(ranked)[:limit]]

    def related(self, track: str, terms: Sequence[str], limit: int = 3) -> list[FaqEntry]:
        """Entries for a quiz result on `track`, most relevant to `terms` (e.g. skill ids) first."""
        scores = self._scores(self.query_terms(" ".join(t.replace("-", " ") for t in terms)))

        def key(i: int) -> tuple[float, int]:
            tracks = self.entries[i].related_tracks
            fit = 1.0 if list(tracks) == [track] else 0.5 if track in tracks else 0.0
            return (-(scores[i] + fit), i)

        pool = [i for i, e in enumerate(self.entries) if track in e.related_tracks]
        return [self.entries[i] for i in sorted(pool, key=key)[:limit]]


def load_baseline(faq: Faq) -> LexicalRetriever:
    tuning = yaml.safe_load((Path(__file__).with_name("_lexical_baseline.yaml")).read_text())
    return LexicalRetriever(faq, tuning)
