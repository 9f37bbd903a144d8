"""Fit the FAQ answerer's models with scikit-learn, in a child process (run by path).

Importing scikit-learn costs ~90 MB of resident memory (scipy.stats comes with it), more than
the whole answerer is allowed. So the bot never imports it: this child reads the training set as
JSON on stdin, fits, and writes plain arrays (numpy .npz, allow_pickle off) on stdout; the bot
scores with numpy alone (bot/faq/_encode.py). Nothing is stored on disk.
"""

from __future__ import annotations

import io
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
    # liblinear releases the GIL: both models fit at once on two cores, the content-word index
    # meanwhile in this thread.
    with ThreadPoolExecutor(2) as pool:
        sections_fit = pool.submit(LinearSVC(C=SECTION_C, random_state=0).fit, x, sections, sample_weight=w)
        entries_fit = pool.submit(
            LinearSVC(C=ENTRY_C, random_state=0).fit,
            x[rows],
            [entries[i] for i in rows],
            sample_weight=w[rows],
        )
        near_x = near.fit_transform([texts[i] for i in rows]).tocsr()
        section_model, entry_model = sections_fit.result(), entries_fit.result()
    out: dict[str, Any] = {}
    for name, vec in (("words", words), ("chars", chars), ("near", near)):
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        out[f"{name}_terms"] = np.array(terms, dtype=str)
        out[f"{name}_idf"] = vec.idf_
    out.update(
        words_range=np.array(WORD_NGRAMS),
        chars_range=np.array(CHAR_NGRAMS),
        section_classes=np.array(section_model.classes_, dtype=str),
        # float32: the bot scores in float32 anyway (bot/faq/_encode.py), and the base fit's arrays
        # stay cached in the bot's memory for its lifetime.
        section_coef=section_model.coef_.astype(np.float32),
        section_bias=section_model.intercept_,
        entry_classes=np.array(entry_model.classes_, dtype=str),
        entry_coef=entry_model.coef_.astype(np.float32),
        entry_bias=entry_model.intercept_,
        near_data=near_x.data,
        near_indices=near_x.indices,
        near_indptr=near_x.indptr,
        near_labels=np.array([entries[i] for i in rows], dtype=str),
    )
    return out


def main() -> None:
    job = json.load(sys.stdin)
    arrays = fit(job["texts"], job["sections"], job["entries"], job.get("weights"))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    sys.stdout.buffer.write(buf.getvalue())


if __name__ == "__main__":
    main()
