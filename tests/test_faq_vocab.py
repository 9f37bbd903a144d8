"""The FAQ vocabulary's compact lookup (bot/faq/_encode.py Vectorizer) finds exactly what a dict would."""

from __future__ import annotations

from array import array

from bot.faq._encode import Vectorizer, word_ngrams


def test_every_term_maps_to_its_feature_and_nothing_else_matches() -> None:
    terms = ["pay", "ml", "ai engineer", " ai ", "é", "pa", "pays", "ml engineer"]
    vec = Vectorizer("\n".join(terms), array("d", [1.0] * len(terms)), lambda t: word_ngrams(t, 1, 2))
    assert len(vec) == len(terms)
    assert [vec.index(t) for t in terms] == list(range(len(terms)))
    for unknown in ("", "p", "payy", "ai", "ml engineers", "pay\nml", "e"):
        assert vec.index(unknown) is None
    empty = Vectorizer("", array("d"), lambda t: [t])
    assert len(empty) == 0 and empty.index("") is None and empty.encode("pay") == ([], [])
