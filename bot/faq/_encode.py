"""Score one question with the fitted models using numpy only (bot/faq/_fit.py fits them).

The analyzers reproduce scikit-learn's TfidfVectorizer (lowercase, token pattern \\b\\w\\w+\\b, word
n-grams, char_wb n-grams padded with a space, sublinear tf x idf, L2 norm); tests compare the two.
Scoring one short question this way also skips ~1 ms of per-call overhead in transform().
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
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


class Vectorizer:
    """A fitted TF-IDF vocabulary: text -> (feature indices, L2-normalised weights)."""

    def __init__(
        self, terms: NDArray[np.str_], idf: Floats, analyze: Callable[[str], list[str]], offset: int = 0
    ):
        self.vocab: Mapping[str, int] = {str(t): i for i, t in enumerate(terms)}
        self.idf = [float(v) for v in idf]
        self.analyze = analyze
        self.offset = offset

    def encode(self, text: str) -> tuple[list[int], list[float]]:
        idx: list[int] = []
        vals: list[float] = []
        for term, n in Counter(self.analyze(text)).items():
            j = self.vocab.get(term)
            if j is not None:
                idx.append(j + self.offset)
                vals.append((1.0 + math.log(n)) * self.idf[j])
        norm = math.sqrt(sum(v * v for v in vals))
        return idx, [v / norm for v in vals] if norm else vals


class Linear:
    """Several linear models' scores from one sparse question vector: one gather, one product."""

    def __init__(self, parts: list[Vectorizer], coefs: list[NDArray[Any]], biases: list[Floats]) -> None:
        self.parts = parts
        self.sizes = [c.shape[0] for c in coefs]
        # Features as rows; float32 halves the largest array (~3 MB) and moves no decision: rounding
        # shifts a margin by ~1e-6 at most, against a softmax sharpness of 3.
        self.weights: NDArray[np.float32] = np.ascontiguousarray(np.vstack(coefs).T, dtype=np.float32)
        self.bias: Floats = np.concatenate(biases)

    def scores(self, text: str) -> list[Floats]:
        idx: list[int] = []
        vals: list[float] = []
        for part in self.parts:
            i, v = part.encode(text)
            idx += i
            vals += v
        out = self.bias.copy()
        if idx:
            out += np.asarray(vals) @ self.weights[idx]
        bounds = np.cumsum([0, *self.sizes])
        return [out[a:b] for a, b in itertools.pairwise(bounds)]
