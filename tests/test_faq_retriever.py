"""FAQ retriever: held-out accuracy and decline quality, hostile input, autocomplete, content rules.

Floors sit at most 5 points under what the held-out half measured when the retriever was tuned
(tuning used tests/data/faq_dev.yaml only; see bench/faq.py for both halves and the baseline).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import Faq, SectionId, load_content
from bot.faq import FaqRetriever, Match

ROOT = Path(__file__).parents[1]
DATA = ROOT / "data"
QUESTIONS = Path(__file__).parent / "data"

# Measured on the test half: accuracy 0.908, decline precision 0.950, recall 0.974.
ACCURACY_FLOOR = 0.86
DECLINE_PRECISION_FLOOR = 0.90
DECLINE_RECALL_FLOOR = 0.93

# Until data/quiz.yaml lands (another owner's file) load_content gets this stand-in.
_MINIMAL_QUIZ = {
    "scoring": {"tiebreak_margin": 0.3, "hybrid_margin": 0.2},
    "questions": [
        {
            "id": "build-or-research",
            "factor": "Build or research",
            "prompt": "Which do you enjoy more?",
            "options": [
                {"id": "build", "label": "Building", "weights": {"ai": 2, "ml": 0}, "section": "which-path"},
                {
                    "id": "research",
                    "label": "Research",
                    "weights": {"ai": 0, "ml": 2},
                    "section": "which-path",
                },
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def faq(tmp_path_factory: pytest.TempPathFactory) -> Faq:
    content_dir = DATA
    if not (DATA / "quiz.yaml").exists():
        content_dir = tmp_path_factory.mktemp("data")
        for name in ("careers.yaml", "faq.yaml"):
            shutil.copy(DATA / name, content_dir / name)
        (content_dir / "quiz.yaml").write_text(yaml.safe_dump(_MINIMAL_QUIZ))
    return load_content(content_dir).faq


@pytest.fixture(scope="module")
def retriever(faq: Faq) -> FaqRetriever:
    return FaqRetriever(faq)


def _questions(name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load((QUESTIONS / name).read_text())
    return items


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def test_test_half_accuracy_and_decline_quality(retriever: FaqRetriever, faq: Faq) -> None:
    items = _questions("faq_test.yaml")
    assert all(i["expect"] is None or faq.entry(i["expect"]) for i in items)
    matches = [(i["expect"], retriever.ask(i["q"])) for i in items]
    answerable = [(e, m) for e, m in matches if e is not None]
    accuracy = sum(1 for e, m in answerable if m.entry is not None and m.entry.id == e) / len(answerable)
    declined = [e for e, m in matches if m.declined]
    true_declines = sum(1 for e in declined if e is None)
    precision = true_declines / len(declined)
    recall = true_declines / sum(1 for e, _ in matches if e is None)
    print(
        f"\ntest half ({len(items)}): top-1 accuracy {accuracy:.3f}, decline P {precision:.3f} R {recall:.3f}"
    )
    assert accuracy >= ACCURACY_FLOOR
    assert precision >= DECLINE_PRECISION_FLOOR
    assert recall >= DECLINE_RECALL_FLOOR


def test_question_set_is_split_and_large_enough() -> None:
    dev, test, full = (_questions(n) for n in ("faq_dev.yaml", "faq_test.yaml", "faq_questions.yaml"))
    assert len(full) >= 220 and len(dev) + len(test) == len(full)
    assert [i["q"] for i in full[0::2]] == [i["q"] for i in dev]  # split: even items dev, odd test
    assert [i["q"] for i in full[1::2]] == [i["q"] for i in test]
    assert sum(i["expect"] is None for i in full) >= len(full) / 4


def test_no_test_question_is_a_phrasing(faq: Faq) -> None:
    phrasings = {_norm(p) for e in faq.entries for p in (e.question, *e.phrasings)}
    leaked = [i["q"] for i in _questions("faq_test.yaml") if _norm(i["q"]) in phrasings]
    assert not leaked


def test_sections_tracks_and_ids_valid(faq: Faq) -> None:
    sections = set(get_args(SectionId))
    for e in faq.entries:
        assert e.section in sections
        assert set(e.related_tracks) <= {"ai", "ml"}
    assert len({e.id for e in faq.entries}) == len(faq.entries)
    assert 0 < faq.decline_below < 1


# The article's only figures; any other number, currency or period in an answer is invented.
_ARTICLE_FIGURES = re.compile(r"\$110-160k|\$120-180k|\$110,000-\$?160,000|\$120,000-\$?180,000")


def test_answers_state_only_the_articles_figures(faq: Faq) -> None:
    for e in faq.entries:
        rest = _ARTICLE_FIGURES.sub("", e.answer)
        assert not re.search(r"\d", rest), f"{e.id}: number outside the article's ranges"
        assert not re.search(
            r"[$€£¥]|\b(?:usd|eur|gbp|per (?:year|month|hour)|annual(?:ly)?)\b", rest, re.I
        ), e.id
    salary = " ".join(e.answer for e in faq.entries if e.section == "salary")
    assert "$110-160k" in salary and "$120-180k" in salary


HOSTILE = [
    "",
    "   \n\t ",
    "?" * 50,
    "a" * 6000,
    "salary " * 900,
    "🤖🔥💯" * 40,
    "**__~~||spoiler||~~__**",
    "```sql\nSELECT * FROM faq; DROP TABLE users; --\n```",
    "<@123456789012345678> <@!1> <#2> <@&3> <:pepe:1234>",
    "https://x.y/z?q=salary",
    "مرحبا \u202e\u200f test \u200d",
    "\x00\x1f\x7f",
    "ＡＩ  ｖｓ  ＭＬ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_inputs_never_crash(retriever: FaqRetriever, text: str) -> None:
    _check(retriever.ask(text))
    assert len(retriever.autocomplete(text)) <= 25


@pytest.mark.parametrize(
    "text", ["", "   ", "🤖🤖", "```\n```", "<@1> <@2>", "'; DROP TABLE faq; --", "שלום"]
)
def test_meaningless_inputs_decline(retriever: FaqRetriever, text: str) -> None:
    assert retriever.ask(text).declined


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=700))
def test_arbitrary_text_never_raises(retriever: FaqRetriever, text: str) -> None:
    _check(retriever.ask(text))


def _check(m: Match) -> None:
    assert 0.0 <= m.score <= 1.0
    assert (m.entry is None) == m.declined
    assert m.entry is None or m.entry == m.candidate
    assert 1 <= len(m.suggestions) <= 3


def test_out_of_scope_declines_even_with_a_topic_word(retriever: FaqRetriever) -> None:
    assert not retriever.ask("how much do ml engineers make").declined
    assert retriever.ask("how much do ml engineers make in london").declined


def test_autocomplete(retriever: FaqRetriever, faq: Faq) -> None:
    assert retriever.autocomplete("") == list(faq.entries[:25])
    assert len(retriever.autocomplete("e", limit=100)) <= 25
    top = [e.id for e in retriever.autocomplete("sal")[:3]]
    assert {"ai-salary", "ml-salary"} <= set(top)
    assert retriever.autocomplete("pytor")[0].id == "frameworks"
    assert retriever.autocomplete("phd")[0].id == "degree"
    assert retriever.autocomplete("should i become")[0].id == "which-path"
    assert retriever.autocomplete("qqqqzzzz") == []
    start = time.perf_counter()
    for prefix in ("s", "sal", "how much", "ml eng", "switch fr") * 20:
        retriever.autocomplete(prefix)
    assert (time.perf_counter() - start) / 100 < 0.005  # ~0.3 ms typical; loose for slow CI


def test_related(retriever: FaqRetriever) -> None:
    ml = retriever.related("ml", ["linear-algebra-calculus", "training-frameworks"])
    assert len(ml) == 3 and all("ml" in e.related_tracks for e in ml)
    assert {"math", "frameworks"} <= {e.id for e in ml}
    ai = retriever.related("ai", ["cloud-deployment"], limit=2)
    assert [e.id for e in ai][:1] == ["cloud"] and len(ai) == 2
    assert all("ai" in e.related_tracks for e in retriever.related("ai", []))


def test_every_phrasing_answers_with_its_own_entry(retriever: FaqRetriever, faq: Faq) -> None:
    # Two entries sharing a phrasing's meaning would make one of them unreachable.
    wrong = [
        (e.id, t)
        for e in faq.entries
        for t in (e.question, *e.phrasings)
        if (m := retriever.ask(t)).entry is None or m.entry.id != e.id
    ]
    assert not wrong
