"""Answer members' free-text questions from data/faq.yaml, or decline: a learned answerer.

Two linear models over one TF-IDF feature space (word 1-2-grams + char_wb 2-4-grams, so typos and
slang still share pieces with the training wordings). The first picks the article section, or
"none" for what the article does not answer; the second picks the entry within that section. Both
are fitted at start-up from data/ (entries' questions and phrasings plus data/faq_examples.yaml,
and a server's taught examples): nothing pickled, nothing downloaded. The base model's fitted arrays
may be kept in a cache directory between starts (bot/faq/_fit_cache.py). See bench/faq.py.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import subprocess
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bot.content import NONE_LABEL, Faq, FaqEntry
from bot.faq import _fit_cache
from bot.faq._encode import Linear, Vectorizer, char_wb_ngrams, read_fit, word_ngrams
from bot.faq._text import clean, focus, small_talk

# Margins to 0..1 scores: softmax(margin * SHARPNESS). LinearSVC has no probabilities of its own.
SHARPNESS = 3.0
# A declined question is near-topic (a gap worth a moderator's look, with topic buttons) when its
# content-word cosine to some answerable training wording reaches this; under it, off-topic noise.
NEAR_SIMILARITY = 0.5
FIT_TIMEOUT_S = 60.0
# A long message's margins are averaged with its question sentence's (bot.faq._text.focus), this much
# to the sentence: chosen by 5-fold CV on data/faq_examples.yaml (its paragraph-long wordings), not on
# tests/data/.
FOCUS_WEIGHT = 0.5
# A taught example counts as this many training rows: one moderator's correction among ~1,300 rows
# must move the boundary for its neighbours, not only for its own exact wording.
TAUGHT_WEIGHT = 3.0
Floats = list[float]

log = logging.getLogger("careerbot.faq")


class TrainingFailed(RuntimeError):
    """The child process fitting the models failed; the message is its last error line."""


@dataclass(frozen=True)
class Match:
    entry: FaqEntry | None  # None when declined
    score: float  # 0..1: the model's probability for the chosen (or, declined, the best) section
    candidate: FaqEntry  # best candidate even when declined
    declined: bool
    suggestions: tuple[FaqEntry, ...]  # up to 3 nearby topics for a decline's buttons; none for noise
    note: str | None = None  # said beside the answer, e.g. that the article has no city figures
    none_score: float = 0.0  # the model's probability that the article does not answer this
    # "greeting" or "thanks" when the message is only that (bot.faq._text.small_talk): declined, as
    # the article does not answer it, but shown a friendly pointer (SMALL_TALK_REPLY) rather than
    # "not covered".
    small_talk: str | None = None


# What a greeting or a thanks gets instead of a decline: what the bot can do.
SMALL_TALK_REPLY = {
    "greeting": (
        "Hi! I answer questions about choosing between AI Engineering and ML Engineering, from the "
        "article I'm built on. Try `/careerquiz` to see which path fits you, `/compare` to see the "
        "two roles side by side, or `/faq` to ask a question or browse the topics."
    ),
    "thanks": (
        "You're welcome! Ask me anything else about AI vs ML Engineering, or try `/careerquiz`, "
        "`/compare` or `/faq`."
    ),
}


def training_set(faq: Faq, extra: Iterable[tuple[str, str]] = ()) -> tuple[list[str], list[str]]:
    """(text, label) pairs: every entry's own wordings and examples, "none" examples, then `extra`."""
    texts: list[str] = []
    labels: list[str] = []
    for e in faq.entries:
        for t in (e.question, e.topic, *e.phrasings, *faq.examples.get(e.id, [])):
            texts.append(t)
            labels.append(e.id)
    for t in faq.examples.get(NONE_LABEL, []):
        texts.append(t)
        labels.append(NONE_LABEL)
    for t, label in extra:
        texts.append(t)
        labels.append(label)
    return texts, labels


def _softmax(z: Floats) -> Floats:
    top = max(z)
    e = [math.exp(x - top) for x in z]
    total = sum(e)
    return [x / total for x in e]


def _contains(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` (clean() words) occurs in `words` as whole words."""
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def _argmax(values: Sequence[float]) -> int:
    """The first index of the largest value (as numpy's argmax)."""
    return max(range(len(values)), key=values.__getitem__)


@dataclass(frozen=True)
class _Model:
    """What one fit leaves for scoring; shared by every answerer built from the same training set."""

    linear: Linear
    section_names: list[str]
    entry_ids: list[str]
    near: Vectorizer
    near_rows: array[int]
    near_data: array[float]
    near_ptr: array[int]
    near_labels: list[str]


def _model(out: bytes) -> _Model:
    """The scoring model from bot/faq/_fit.py's output (see there for what each part holds)."""
    s, a = read_fit(out)
    (w_lo, w_hi), (c_lo, c_hi) = a["words_range"], a["chars_range"]
    words = Vectorizer(s["words_terms"], a["words_idf"], partial(word_ngrams, lo=w_lo, hi=w_hi))
    chars = Vectorizer(
        s["chars_terms"], a["chars_idf"], partial(char_wb_ngrams, lo=c_lo, hi=c_hi), offset=len(words)
    )
    sizes = [len(s["section_classes"]), len(s["entry_classes"])]
    coef, features = a["coef"], len(words) + len(chars)
    rows = [coef[c * features : (c + 1) * features] for c in range(sum(sizes))]
    del a["coef"], coef  # the rows are copies: not kept twice
    linear = Linear([words, chars], sizes, rows, [*a["section_bias"], *a["entry_bias"]])
    near = Vectorizer(s["near_terms"], a["near_idf"], partial(word_ngrams, lo=1, hi=1, stop=frozenset()))
    return _Model(
        linear,
        s["section_classes"],
        s["entry_classes"],
        near,
        a["near_rows"],
        a["near_data"],
        a["near_ptr"],
        [sys.intern(label) for label in s["near_labels"]],  # ~1,200 rows naming 27 entry ids
    )


class FaqRetriever:
    """The trained answerer (the name is kept from the lexical retriever it replaced)."""

    def __init__(
        self, faq: Faq, extra: Iterable[tuple[str, str]] = (), *, cache_dir: Path | None = None
    ) -> None:
        """`extra`: (text, entry id or "none") a server's moderators taught; they weigh TAUGHT_WEIGHT
        rows each, and their exact wording always gets the taught answer. `cache_dir`: where the
        base model (no `extra`) is read from, or written after a fit; None: always fit."""
        self.faq = faq
        self.entries = list(faq.entries)
        self.threshold = faq.decline_below
        self._by_id = {e.id: e for e in self.entries}
        extra = list(extra)
        texts, labels = training_set(faq, extra)
        weights = [1.0] * (len(texts) - len(extra)) + [TAUGHT_WEIGHT] * len(extra)
        # Taught labels may name an entry removed since: dropped rather than failing start-up.
        kept = [
            (clean(t), lab, w)
            for t, lab, w in zip(texts, labels, weights, strict=True)
            if lab in self._by_id or lab == NONE_LABEL
        ]
        self._taught: dict[str, FaqEntry | None] = {
            clean(t): self._by_id.get(lab) for t, lab in extra if lab in self._by_id or lab == NONE_LABEL
        }
        self._taught.pop("", None)
        m = _fit_in_child(
            [t for t, _, _ in kept],
            [NONE_LABEL if lab == NONE_LABEL else self._by_id[lab].section for _, lab, _ in kept],
            [None if lab == NONE_LABEL else lab for _, lab, _ in kept],
            [w for _, _, w in kept],
            shared=not extra,
            cache_dir=cache_dir,
        )
        self._linear = m.linear
        self._section_names = m.section_names
        self._entry_order = [self._by_id[i] for i in m.entry_ids]
        self._entry_section = [e.section for e in self._entry_order]
        self._none = self._section_names.index(NONE_LABEL) if NONE_LABEL in self._section_names else -1
        self._near = m.near
        # An inverted index (content word -> the rows holding it, with their weights): see _fit.py.
        self._near_rows, self._near_data, self._near_ptr = m.near_rows, m.near_data, m.near_ptr
        self._near_labels = m.near_labels
        self._places = [tuple(clean(p).split()) for p in faq.places if clean(p)]
        self._tools = [(tuple(clean(t).split()), t) for t in faq.unnamed_tools if clean(t)]
        self._vocab = [
            " ".join(clean(t) for t in (e.question, e.topic, *e.phrasings)).split() for e in self.entries
        ]
        self._titles = [f"{clean(e.question)} | {clean(e.topic)}" for e in self.entries]

    # ------------------------------------------------------------------ scores

    def _probabilities(self, text: str, asked: str = "") -> tuple[Floats, Floats]:
        """Section scores (classes_ order) and entry scores (entry order), each summing to 1.
        `asked`: a long message's question sentence, whose margins are averaged in."""
        sec, ent = self._linear.scores(text)
        if asked and asked != text:
            f_sec, f_ent = self._linear.scores(asked)
            sec = [(1 - FOCUS_WEIGHT) * x + FOCUS_WEIGHT * y for x, y in zip(sec, f_sec, strict=True)]
            ent = [(1 - FOCUS_WEIGHT) * x + FOCUS_WEIGHT * y for x, y in zip(ent, f_ent, strict=True)]
        return _softmax([x * SHARPNESS for x in sec]), _softmax([x * SHARPNESS for x in ent])

    def ask(self, question: str) -> Match:
        text = clean(question)
        if text in self._taught:
            return self._as_taught(text, self._taught[text])
        sec_p, ent_p = self._probabilities(text, focus(question))
        none_p = float(sec_p[self._none]) if self._none >= 0 else 0.0
        answerable = sec_p.copy()
        if self._none >= 0:
            answerable[self._none] = -1.0
        best_section = self._section_names[_argmax(answerable)]
        in_section = [
            p if s == best_section else -1.0 for s, p in zip(self._entry_section, ent_p, strict=True)
        ]
        candidate = self._entry_order[_argmax(in_section)]
        top = self._section_names[_argmax(sec_p)]
        score = float(max(answerable))
        talk = small_talk(text)
        if talk is not None:  # only "hi" or "thanks": a pointer to what the bot does, never an answer
            return Match(None, score, candidate, True, (), none_score=none_p, small_talk=talk)
        declined = not text or top == NONE_LABEL or score < self.threshold
        return Match(
            entry=None if declined else candidate,
            score=score,
            candidate=candidate,
            declined=declined,
            suggestions=self.nearest(text) if declined else (candidate,),
            note=None if declined else self._note(candidate, text),
            none_score=none_p,
        )

    def _note(self, entry: FaqEntry, text: str) -> str | None:
        """What is said beside `entry`'s answer to `text`, if anything.

        A pay question naming a place is answered from the salary section (the article's bands)
        with a plain word that the article has no city or country figures, unless the answer says
        so itself (the location entry does). A question naming a tool the article never names
        ("do I need Kubernetes?") is told so, as a skills answer's list could seem to include it."""
        notes: list[str] = []
        place = self.faq.place_note
        if entry.section == "salary" and place and place not in entry.answer and self._names_place(text):
            notes.append(place)
        words = text.split()
        tools = [shown for phrase, shown in self._tools if _contains(words, phrase)]
        if tools and self.faq.tool_note and entry.section != "salary":  # pay lists no tools
            named = tools[0] if len(tools) == 1 else f"{', '.join(tools[:-1])} or {tools[-1]}"
            notes.append(self.faq.tool_note.replace("{tools}", named))
        return " ".join(notes) or None

    def _as_taught(self, text: str, entry: FaqEntry | None) -> Match:
        """A wording a moderator taught: their answer (or their "not for this bot"), whatever the model says."""
        if entry is None:
            best = self._entry_order[_argmax(self._probabilities(text)[1])]
            return Match(None, 0.0, best, True, (), none_score=1.0)
        return Match(entry, 1.0, entry, False, (entry,), note=self._note(entry, text))

    def nearest(self, question: str, limit: int = 3) -> tuple[FaqEntry, ...]:
        """Entries whose training wordings are close to the question; empty for off-topic noise.
        Only declines pay for this (a sparse product over the training set, ~1 ms)."""
        text = clean(question)
        if not text:
            return ()
        idx, vals = self._near.encode(text)
        if not idx:
            return ()
        sims: dict[int, float] = {}  # only the rows sharing a word with the question
        for j, v in zip(idx, vals, strict=True):
            lo, hi = self._near_ptr[j], self._near_ptr[j + 1]
            for row, d in zip(self._near_rows[lo:hi], self._near_data[lo:hi], strict=True):
                sims[row] = sims.get(row, 0.0) + d * v  # a word is once per row
        out: list[FaqEntry] = []
        # Nearest first; ties (equally near wordings) in training-set order.
        for i in sorted(
            (r for r, sim in sims.items() if sim >= NEAR_SIMILARITY), key=lambda r: (-sims[r], r)
        ):
            if len(out) == limit:
                break
            entry = self._by_id[self._near_labels[i]]
            if entry not in out:
                out.append(entry)
        return tuple(out)

    def _names_place(self, text: str) -> bool:
        words = text.split()
        return any(_contains(words, p) for p in self._places)

    def entry_scores(self, text: str) -> dict[str, float]:
        _, ent = self._probabilities(clean(text))
        return {e.id: float(p) for e, p in zip(self._entry_order, ent, strict=True)}

    # ------------------------------------------------------------------ autocomplete / related

    def autocomplete(self, prefix: str, limit: int = 25) -> list[FaqEntry]:
        """Entries whose question, topic or phrasings contain every typed word (the last as a prefix)."""
        limit = max(0, min(limit, 25))
        words = clean(prefix[:200]).split()
        if not words:
            return self.entries[:limit]
        head = " ".join(words)
        scores = self.entry_scores(head)
        ranked: list[tuple[int, float, int]] = []
        for i, (title, vocab) in enumerate(zip(self._titles, self._vocab, strict=True)):
            if all(any(v.startswith(w) for v in vocab) for w in words):
                rank = 0 if title.startswith(head) else 1 if head in title else 2
                ranked.append((rank, -scores[self.entries[i].id], i))
        if not ranked:  # nothing contains the words (a typo?): what the model would answer
            m = self.ask(head)
            return [] if m.declined else [m.candidate]
        return [self.entries[i] for *_, i in sorted(ranked)[:limit]]

    def related(self, track: str, terms: Sequence[str], limit: int = 3) -> list[FaqEntry]:
        """Entries for a quiz result on `track`, most relevant to `terms` (e.g. skill ids) first."""
        scores = self.entry_scores(" ".join(t.replace("-", " ") for t in terms))

        def key(i: int) -> tuple[float, int]:
            tracks = self.entries[i].related_tracks
            fit = 1.0 if list(tracks) == [track] else 0.5 if track in tracks else 0.0
            return (-(scores[self.entries[i].id] + fit), i)

        pool = [i for i, e in enumerate(self.entries) if track in e.related_tracks]
        return [self.entries[i] for i in sorted(pool, key=key)[:limit]]


def _fit_in_child(
    texts: list[str],
    sections: list[str],
    entries: list[str | None],
    weights: list[float],
    *,
    shared: bool,
    cache_dir: Path | None = None,
) -> _Model:
    """Run bot/faq/_fit.py in a child process and read back its arrays (never pickles). `shared`:
    the base training set, which every client and server of this process starts from; only its
    fit is kept in memory and in `cache_dir`."""
    job = json.dumps({"texts": texts, "sections": sections, "entries": entries, "weights": weights})
    return _fit_shared(job.encode(), cache_dir) if shared else _model(_fit_job(job.encode()))


def _fit_shared(job: bytes, cache_dir: Path | None) -> _Model:
    # Cached in memory: a process that builds the base answerer again (a restarted client, the test
    # suite's many bots) fits once and holds one model. A server's own fits are not kept twice.
    # Keyed by digest, so the ~120 kB training set is not kept as a key.
    key = hashlib.sha256(job).digest()
    if key not in _SHARED:
        if len(_SHARED) >= 2:
            del _SHARED[next(iter(_SHARED))]
        _SHARED[key] = _cached_or_fitted(job, cache_dir)
    return _SHARED[key]


_SHARED: dict[bytes, _Model] = {}


def _cached_or_fitted(job: bytes, cache_dir: Path | None) -> _Model:
    """The model from `cache_dir` when this exact fit is there, else fitted (and then stored)."""
    if cache_dir is None:
        return _model(_fit_job(job))
    name = _fit_cache.key(job)
    cached = _fit_cache.load(cache_dir, name)
    if cached is not None:
        try:
            model = _model(cached)
        except Exception:  # digest-valid but unreadable here (a reader changed): fit instead
            log.warning("FAQ model cache %s unreadable: fitting again", cache_dir, exc_info=True)
        else:
            log.info("FAQ answerer read from the cache in %s", cache_dir)
            return model
    out = _fit_job(job)
    model = _model(out)  # the fit's output reads back before it is stored
    _fit_cache.store(cache_dir, name, out)
    return model


def _fit_job(job: bytes) -> bytes:
    done = subprocess.run(
        # By path, not -m: the child then imports only numpy and scikit-learn, not the bot package.
        [sys.executable, str(Path(__file__).with_name("_fit.py"))],
        input=job,
        capture_output=True,
        timeout=FIT_TIMEOUT_S,
        check=False,
        # One BLAS thread: the fit uses none (liblinear, sparse products), and the thread pools that
        # numpy's and scipy's OpenBLAS otherwise start spin for ~0.1 s of CPU on a 2-core machine.
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        raise TrainingFailed(f"FAQ answerer training failed: {lines[-1]}")
    return done.stdout
