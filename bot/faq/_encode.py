"""Score one question with the fitted models in plain Python (bot/faq/_fit.py fits them).

The analyzers reproduce scikit-learn's TfidfVectorizer (lowercase, token pattern \\b\\w\\w+\\b, word
n-grams, char_wb n-grams padded with a space, sublinear tf x idf, L2 norm); tests compare the two.
Scoring one short question this way also skips ~1 ms of per-call overhead in transform(). The bot
process needs no numpy (~16 MiB resident): a question touches a few hundred features, and the weights
sit in the standard library's compact array type.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from operator import itemgetter, mul
from typing import Any

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")


def word_ngrams(text: str, lo: int, hi: int, stop: frozenset[str] = frozenset()) -> list[str]:
    tokens = [t for t in _TOKEN.findall(text.lower()) if t not in stop]
    out = list(tokens) if lo == 1 else []
    for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
        out += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return out


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    out: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        w = f" {word} "
        for n in range(lo, hi + 1):
            if len(w) <= n:  # a short word counts once, whole
                out.append(w)
                break
            out += [w[i : i + n] for i in range(len(w) - n + 1)]
    return out


def read_fit(out: bytes) -> tuple[dict[str, Any], dict[str, array[Any]]]:
    """bot/faq/_fit.py's output (dump()): its strings (a vocabulary's terms as one string, lists of
    class names), and its arrays as array.array of the same type."""
    split = out.index(b"\n")
    layout = json.loads(out[:split])
    arrays: dict[str, array[Any]] = {}
    view, at = memoryview(out)[split + 1 :], 0  # a view: the ~2 MB of arrays are not copied twice
    for name, code, length in layout["arrays"]:
        values = array(code)
        values.frombytes(view[at : at + length * values.itemsize])
        at += length * values.itemsize
        arrays[name] = values
    if at != len(view):
        raise ValueError(f"fit output has {len(view) - at} bytes more than its arrays")
    return layout["strings"], arrays


class Vectorizer:
    """A fitted TF-IDF vocabulary: text -> (feature indices, L2-normalised weights).

    ``terms`` is one string, the vocabulary's terms one a line in feature order. It is kept as it is,
    with each term's start and the terms' hashes in sorted arrays, instead of a dict of ~13,000 strings
    and ints (~1.2 MiB of the idle bot, bench.startup, against ~0.3 MiB): a lookup is a binary search
    on the hash, then a comparison with the term itself, so it is exact."""

    def __init__(self, terms: str, idf: array[float], analyze: Callable[[str], list[str]], offset: int = 0):
        self.terms = terms
        starts = array("i", [0])
        hashes = array("q")
        at = 0
        while (end := terms.find("\n", at)) >= 0:  # one term at a time: no list of them all
            hashes.append(hash(terms[at:end]))
            at = end + 1
            starts.append(at)
        if terms:
            hashes.append(hash(terms[at:]))
            starts.append(len(terms) + 1)
        self.starts = starts  # term j is terms[starts[j] : starts[j + 1] - 1]
        order = sorted(range(len(hashes)), key=hashes.__getitem__)
        self.hashes = array("q", map(hashes.__getitem__, order))
        self.order = array("i", order)
        self.idf = idf
        self.analyze = analyze
        self.offset = offset

    def __len__(self) -> int:
        return len(self.order)

    def index(self, term: str) -> int | None:
        """The term's feature index (before ``offset``), or None when it is not in the vocabulary."""
        h = hash(term)
        at = bisect_left(self.hashes, h)
        while at < len(self.hashes) and self.hashes[at] == h:
            j = self.order[at]
            start, end = self.starts[j], self.starts[j + 1] - 1
            if end - start == len(term) and self.terms.startswith(term, start):
                return j
            at += 1
        return None

    def encode(self, text: str) -> tuple[list[int], list[float]]:
        idx: list[int] = []
        vals: list[float] = []
        for term, n in Counter(self.analyze(text)).items():
            j = self.index(term)
            if j is not None:
                idx.append(j + self.offset)
                vals.append((1.0 + math.log(n)) * self.idf[j])
        norm = math.sqrt(sum(v * v for v in vals))
        return idx, [v / norm for v in vals] if norm else vals


class Linear:
    """Several linear models' scores from one sparse question vector.

    ``rows[c]`` holds class c's weight for every feature (float32, as fitted; both models' classes in
    one list): a question's few hundred features are gathered from each row at C speed (itemgetter)
    and summed, ~2x quicker than adding each feature's non-zero weights into the classes in Python."""

    def __init__(
        self, parts: list[Vectorizer], sizes: list[int], rows: list[array[float]], bias: list[float]
    ):
        self.parts = parts
        self.sizes = sizes
        self.rows = rows
        self.bias = bias

    def scores(self, text: str) -> list[list[float]]:
        idx: list[int] = []
        vals: list[float] = []
        for part in self.parts:
            part_idx, part_vals = part.encode(text)
            idx += part_idx
            vals += part_vals
        if len(idx) > 1:
            gather = itemgetter(*idx)
            out = [b + sum(map(mul, vals, gather(row))) for b, row in zip(self.bias, self.rows, strict=True)]
        elif idx:
            out = [b + vals[0] * row[idx[0]] for b, row in zip(self.bias, self.rows, strict=True)]
        else:
            out = list(self.bias)
        return [out[a:b] for a, b in itertools.pairwise(itertools.accumulate(self.sizes, initial=0))]
