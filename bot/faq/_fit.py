"""Fit the FAQ answerer's models with scikit-learn, in a child process (run by path).

Importing scikit-learn costs ~90 MB of resident memory (scipy.stats comes with it), more than
the whole answerer is allowed. So the bot never imports it: this child reads the training set as
JSON on stdin, fits, and writes on stdout one JSON line (the strings, and each array's name, type
code and length) followed by the arrays' raw bytes, which the bot reads with the standard library's
array module and scores in plain Python (bot/faq/_encode.py; no numpy there either, ~16 MiB).
Nothing is pickled; the bot may keep this output as it is in its cache directory (_fit_cache.py).
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.svm import LinearSVC

# The analyzers bot/faq/_encode.py reproduces (tests/test_faq_answerer.py); the ranges travel with
# the fitted arrays, so the bot encodes with whatever was fitted here.
WORD_NGRAMS = (1, 2)
# 2-4, not 2-5: ~17% fewer features, a faster fit and the same figures on the member test set
# (bench/faq.py; README, Performance).
CHAR_NGRAMS = (2, 4)
CHAR_MIN_DF = 2
# Chosen by grouped cross-validation in bench/faq.py; see README, Performance.
SECTION_C = 1.0
ENTRY_C = 1.0
# liblinear's stopping tolerance (scikit-learn's default 1e-4): a quarter fewer passes over the data,
# ~35 ms less per fit, and the same figures in bench/faq.py on every set (member, old test half,
# grouped and training-data CV).
TOL = 1e-3
# Nearness of declined questions uses content words only: "what's the weather like" must not be
# near "what's the pay like".
FILLER = sorted(
    ENGLISH_STOP_WORDS
    | {"whats", "like", "work", "works", "does", "really", "good", "think", "look", "looks", "best", "better"}
)


def vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer, TfidfVectorizer]:
    return (
        TfidfVectorizer(ngram_range=WORD_NGRAMS, sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=CHAR_MIN_DF),
        TfidfVectorizer(stop_words=FILLER, sublinear_tf=True),
    )


def fit(
    texts: list[str], sections: list[str], entries: list[str | None], weights: list[float] | None = None
) -> dict[str, Any]:
    """texts are already clean(); entries[i] is None for "none" rows (no entry to choose); weights
    (default 1) let a server's taught examples count for more than one of ~1,300 rows."""
    from scipy.sparse import hstack

    w = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=np.float64)
    words, chars, near = vectorizers()
    x = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    rows = [i for i, e in enumerate(entries) if e is not None]

    # One liblinear fit at a time: its random state is global in scikit-learn's copy, so two fits in
    # parallel threads draw from it in turn and each run's model differs slightly (scores by ~1e-7,
    # enough to move a borderline answer between restarts, shards, or a cache and a fresh fit). The
    # content-word index is built in this thread meanwhile (liblinear releases the GIL).
    def fit_models() -> tuple[LinearSVC, LinearSVC]:
        section_model = LinearSVC(C=SECTION_C, tol=TOL, random_state=0).fit(x, sections, sample_weight=w)
        entry_rows = [entries[i] for i in rows]
        entry_model = LinearSVC(C=ENTRY_C, tol=TOL, random_state=0).fit(
            x[rows], entry_rows, sample_weight=w[rows]
        )
        return section_model, entry_model

    with ThreadPoolExecutor(1) as pool:
        models = pool.submit(fit_models)
        near_x = near.fit_transform([texts[i] for i in rows]).tocsr()
        section_model, entry_model = models.result()
    strings: dict[str, Any] = {}
    arrays: dict[str, Any] = {}
    for name, vec in (("words", words), ("chars", chars), ("near", near)):
        # One string per vocabulary, its terms in feature order, one a line (no term holds a newline):
        # the bot reads it without making ~13,000 small strings (bot/faq/_encode.py, Vectorizer).
        strings[f"{name}_terms"] = "\n".join(sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__))
        arrays[f"{name}_idf"] = vec.idf_
    # Both models' weights, one row per class (sections', then entries'). float32 moves no decision:
    # rounding shifts a margin by ~1e-6 at most, against a softmax sharpness of 3.
    coef = np.vstack([section_model.coef_, entry_model.coef_]).astype(np.float32)
    # An inverted index of the content words (word -> the rows holding it, with their weights): a
    # query touches a handful of words, and memory holds only the ~6,000 non-zeros.
    order = np.argsort(near_x.indices, kind="stable")
    strings.update(
        section_classes=[str(c) for c in section_model.classes_],
        entry_classes=[str(c) for c in entry_model.classes_],
        near_labels=[str(entries[i]) for i in rows],
    )
    arrays.update(
        words_range=np.array(WORD_NGRAMS),
        chars_range=np.array(CHAR_NGRAMS),
        coef=coef.ravel(),
        section_bias=section_model.intercept_,
        entry_bias=entry_model.intercept_,
        near_rows=np.repeat(np.arange(near_x.shape[0]), np.diff(near_x.indptr))[order],
        near_data=near_x.data[order],
        near_ptr=np.searchsorted(near_x.indices[order], np.arange(len(near.vocabulary_) + 1)),
    )
    return {"strings": strings, "arrays": arrays}


# numpy dtype -> the bot's array type code (bot/faq/_encode.py, read_fit); native byte order, as
# parent and child run on one machine.
TYPECODES = {"f": np.float32, "d": np.float64, "i": np.int32}


def dump(fitted: dict[str, Any]) -> bytes:
    """One JSON line (strings, and each array's name, type code and length), then the arrays' bytes."""
    layout: list[tuple[str, str, int]] = []
    blobs: list[bytes] = []
    for name, values in fitted["arrays"].items():
        code = "f" if values.dtype == np.float32 else "d" if values.dtype.kind == "f" else "i"
        data = np.ascontiguousarray(values, dtype=TYPECODES[code])
        layout.append((name, code, len(data)))
        blobs.append(data.tobytes())
    head = json.dumps({"strings": fitted["strings"], "arrays": layout}).encode()
    return b"".join([head, b"\n", *blobs])


def main() -> None:
    job = json.load(sys.stdin)
    sys.stdout.buffer.write(dump(fit(job["texts"], job["sections"], job["entries"], job.get("weights"))))


if __name__ == "__main__":
    main()
