"""FAQ answerer: scores on the frozen member-style test set, declines, hostile input, autocomplete,
the numpy scorer against scikit-learn, and content rules.

Floors sit under what bench/faq.py measured on tests/data/faq_member_test.yaml (README, Performance).
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import ContentError, Faq, load_content
from bot.faq import SMALL_TALK_REPLY, FaqRetriever, Match
from bot.faq._encode import char_wb_ngrams, word_ngrams
from bot.faq._text import clean, focus, small_talk

ROOT = Path(__file__).parents[1]
DATA = ROOT / "data"
QUESTIONS = Path(__file__).parent / "data"

# Measured on the member test set (bench/faq.py): top-1 0.953, decline P 0.966, R 0.956 (README).
TOP1_FLOOR = 0.92
DECLINE_PRECISION_FLOOR = 0.92
DECLINE_RECALL_FLOOR = 0.90


@pytest.fixture(scope="module")
def faq() -> Faq:
    return load_content(DATA).faq


@pytest.fixture(scope="module")
def answerer(faq: Faq) -> FaqRetriever:
    return FaqRetriever(faq)


def _questions(name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load((QUESTIONS / name).read_text())
    return items


def test_member_test_set_floors(answerer: FaqRetriever, faq: Faq) -> None:
    items = _questions("faq_member_test.yaml")
    assert len(items) >= 300 and sum(i["expect"] is None for i in items) >= 80
    section = {e.id: e.section for e in faq.entries}
    got = [(i["expect"], answerer.ask(i["q"])) for i in items]
    answerable = [(e, m) for e, m in got if e is not None]
    top1 = sum(1 for e, m in answerable if not m.declined and m.candidate.section == section[e]) / len(
        answerable
    )
    declined = [e for e, m in got if m.declined]
    precision = sum(e is None for e in declined) / len(declined)
    recall = sum(e is None for e in declined) / sum(e is None for e, _ in got)
    assert (top1, precision, recall) >= (TOP1_FLOOR, 0, 0)
    assert precision >= DECLINE_PRECISION_FLOOR and recall >= DECLINE_RECALL_FLOOR


def test_training_and_test_sets_share_no_question(faq: Faq) -> None:
    train = {" ".join(t.casefold().split()) for v in faq.examples.values() for t in v}
    test = {" ".join(i["q"].casefold().split()) for i in _questions("faq_member_test.yaml")}
    assert not train & test
    assert all(len(faq.examples.get(e.id, [])) >= 1 for e in faq.entries)
    by_section: dict[str, int] = {}
    for e in faq.entries:
        by_section[e.section] = by_section.get(e.section, 0) + len(faq.examples.get(e.id, []))
    assert all(n >= 40 for s, n in by_section.items() if s != "summary"), by_section
    assert len(faq.examples["none"]) >= 120


def test_city_pay_is_answered_from_salary_saying_there_are_no_city_figures(answerer: FaqRetriever) -> None:
    m = answerer.ask("How much do ML engineers make in Berlin")
    assert m.entry is not None and m.entry.section == "salary"
    said = f"{m.entry.answer} {m.note or ''}"
    assert "no per-country or per-city figures" in said or "no figures for particular cities" in said
    plain = answerer.ask("how much do ml engineers earn in toronto these days")
    assert plain.entry is not None and plain.entry.section == "salary"
    assert plain.entry.id == "location-pay" or plain.note


@pytest.mark.parametrize(
    "question",
    [
        "what is the salary of an AI engineer in London?",
        "In my country (India) how much salary AI engineer is getting?",
        "how much would an ML engineer be paid in Toronto",
        "whats a normal ai engineer salary in my country",
    ],
)
def test_pay_naming_a_place_gets_the_articles_bands_and_says_once_it_has_no_place_figures(
    answerer: FaqRetriever, faq: Faq, question: str
) -> None:
    m = answerer.ask(question)
    assert m.entry is not None and m.entry.section == "salary"
    said = f"{m.entry.answer} {m.note or ''}"
    assert "$110-160k" in said or "$120-180k" in said, m.entry.id
    assert said.count("no figures for particular cities or countries") == 1
    # Without a place, no place note.
    plain = answerer.ask(question.replace("London", "").replace("Toronto", "").replace("my country", ""))
    assert plain.entry is None or plain.note is None


def test_a_taught_pay_wording_naming_a_place_gets_the_note(faq: Faq) -> None:
    taught = FaqRetriever(faq, [("ai money in lisbon, ballpark", "ai-salary")])
    m = taught.ask("ai money in lisbon, ballpark")
    assert m.entry is not None and m.entry.id == "ai-salary" and "$110-160k" in m.entry.answer
    assert m.note == faq.place_note


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", "greeting"),
        ("Hello!", "greeting"),
        ("hey there 👋", "greeting"),
        ("good morning everyone", "greeting"),
        ("<@123> hi", "greeting"),
        ("thanks!", "thanks"),
        ("thank you so much", "thanks"),
        ("ty bot", "thanks"),
    ],
)
def test_a_greeting_or_thanks_gets_a_pointer_not_a_topic_guess(
    answerer: FaqRetriever, text: str, kind: str
) -> None:
    m = answerer.ask(text)
    assert m.declined and m.entry is None and m.small_talk == kind and m.suggestions == ()
    assert "/careerquiz" in SMALL_TALK_REPLY[kind] and "/faq" in SMALL_TALK_REPLY[kind]


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("hi, which role pays more?", "pays-more"),
        ("hello! do I need a PhD for ml engineering", "degree"),
        ("thanks. and can I switch between the two later?", "switch"),
    ],
)
def test_a_question_with_a_greeting_is_still_answered(answerer: FaqRetriever, text: str, entry: str) -> None:
    m = answerer.ask(text)
    assert m.small_talk is None and m.entry is not None and m.entry.id == entry


@pytest.mark.parametrize("text", ["ok", "how are you", "hi " * 20, "help", "hi what is the weather tomorrow"])
def test_small_talk_is_only_a_message_made_of_greeting_words(text: str) -> None:
    assert small_talk(clean(text)) is None


def test_a_tool_the_article_never_names_is_said_to_be_unnamed(answerer: FaqRetriever, faq: Faq) -> None:
    # Answered (then with the note) or declined, never answered as if the article listed it.
    for q in ("is kubernetes something an AI engineer has to learn?", "ai engineer skills, kubernetes too?"):
        m = answerer.ask(q)
        assert m.declined or m.note == (
            "The article doesn't mention Kubernetes: the answer above is only what it does list."
        )
    assert not m.declined and m.entry is not None and m.entry.section == "skills"
    two = answerer.ask("do ai engineers need docker and terraform")
    assert two.note is not None and "Docker or Terraform" in two.note
    named = answerer.ask("do ml engineers need pytorch")  # the article names it: no note
    assert named.entry is not None and named.note is None
    article = " ".join(e.answer for e in faq.entries).casefold()
    assert not [t for t in faq.unnamed_tools if re.search(rf"\b{re.escape(t.casefold())}\b", article)]


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("yo whats the TC diff between aie n mle fr", "salary"),
        (
            "I've been a PHP developer for six years, mostly Laravel backends and a bit of Vue. Our "
            "company is starting to add AI features and I'm curious. I'm thinking about moving into AI "
            "engineering. what would I actually need to add to my skills to make that jump?",
            "entry",
        ),
        ("mle", "difference"),
        ("tell me about the AI native engineer community", "summary"),
        ("do ai engineers need to understand how transformers work inside?", "skills"),
        ("fine-tuning", "switch"),
        ("how long did it take the author", "entry"),
    ],
)
def test_a_reviewers_misses_are_answered_from_the_right_section(
    answerer: FaqRetriever, question: str, section: str
) -> None:
    m = answerer.ask(question)
    assert m.entry is not None and m.entry.section == section, m.candidate.id


def test_the_community_the_article_mentions_is_answered(answerer: FaqRetriever) -> None:
    m = answerer.ask("what's that community the article keeps recommending?")
    assert m.entry is not None and m.entry.id == "community"
    assert "mentorship" in m.entry.answer and "AI Native Engineer" in m.entry.question


def test_a_long_message_is_read_for_the_sentence_that_asks(answerer: FaqRetriever) -> None:
    story = (
        "Some background first. I worked in a hospital pharmacy for twelve years, then took a "
        "career break to look after my parents, and this year I finally finished an online python "
        "course and built a small app for my old team. Between the two roles you describe, which "
        "one tends to be paid better?"
    )
    assert focus(story) == "between the two roles you describe which one tends to be paid better"
    assert focus("which one pays better?") == ""  # short: the message is its own question
    m = answerer.ask(story)
    assert m.entry is not None and m.entry.section == "salary"


def test_named_company_pay_and_other_careers_decline(answerer: FaqRetriever) -> None:
    for q in ("what does the weather look like tomorrow", "how do I install CUDA on ubuntu"):
        m = answerer.ask(q)
        assert m.declined and m.suggestions == ()  # noise: no topic buttons
    near = answerer.ask("how much do data scientists make compared to ml engineers")
    assert near.declined and near.suggestions and near.suggestions[0].section == "salary"


HOSTILE = [
    "",
    "   \n\t ",
    "?" * 50,
    "a" * 6000,
    "salary " * 900,
    "🤖🔥💯" * 40,
    "**__~~||spoiler||~~__**",
    "```sql\nSELECT * FROM faq; DROP TABLE users; --\n```",
    "<@123456789012345678> <@!1> <#2> <@&3> <:pepe:1234> @everyone",
    "https://x.y/z?q=salary",
    "مرحبا \u202e\u200f test \u200d",
    "\u200b\u200b\u200b",
    "\x00\x1f\x7f",
    "ＡＩ  ｖｓ  ＭＬ",
]


def _check(m: Match) -> None:
    assert 0.0 <= m.score <= 1.0
    assert (m.entry is None) == m.declined
    assert m.entry is None or m.entry == m.candidate
    assert len(m.suggestions) <= 3


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_inputs_never_crash(answerer: FaqRetriever, text: str) -> None:
    _check(answerer.ask(text))
    assert len(answerer.autocomplete(text)) <= 25


@pytest.mark.parametrize(
    "text", ["", "   ", "🤖🤖", "```\n```", "<@1> <@2>", "\u200b\u200d", "'; DROP TABLE faq; --", "שלום"]
)
def test_meaningless_inputs_decline(answerer: FaqRetriever, text: str) -> None:
    assert answerer.ask(text).declined


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=700))
def test_arbitrary_text_never_raises(answerer: FaqRetriever, text: str) -> None:
    _check(answerer.ask(text))


def test_numpy_scoring_matches_scikit_learn(answerer: FaqRetriever) -> None:
    # The bot scores in plain Python; the child fits with scikit-learn. Same analyzers, same numbers.
    from sklearn.feature_extraction.text import TfidfVectorizer

    from bot.faq._fit import CHAR_NGRAMS

    docs = ["which pays more ai or ml", "a b c", "ml engineers in berlin ml ml", "x", "ｍｌ vs ａｉ!!"]
    for kwargs, ours in (
        ({"ngram_range": (1, 2)}, lambda t: word_ngrams(t, 1, 2)),
        ({"analyzer": "char_wb", "ngram_range": CHAR_NGRAMS}, lambda t: char_wb_ngrams(t, *CHAR_NGRAMS)),
        ({"analyzer": "char_wb", "ngram_range": (2, 5)}, lambda t: char_wb_ngrams(t, 2, 5)),
    ):
        vec = TfidfVectorizer(sublinear_tf=True, **kwargs)
        vec.fit(docs)
        analyze = vec.build_analyzer()
        for d in docs:
            assert sorted(ours(d)) == sorted(analyze(d))
    sec, _ = answerer._linear.scores("which role pays more")
    assert len(sec) == len(answerer._section_names) and all(math.isfinite(x) for x in sec)


def test_a_broken_examples_file_names_file_field_and_reason(tmp_path: Path) -> None:
    for name in ("careers.yaml", "quiz.yaml", "faq.yaml"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    (tmp_path / "faq_examples.yaml").write_text('examples:\n  no-such-entry: ["hello"]\n')
    with pytest.raises(ContentError) as err:
        load_content(tmp_path)
    assert str(
        err.value
    ) == "faq_examples.yaml: examples.no-such-entry: not an entry id of faq.yaml or 'none'" or (
        "faq_examples.yaml" in str(err.value) and "examples.no-such-entry" in str(err.value)
    )
    (tmp_path / "faq_examples.yaml").write_text("examples:\n  none: [1, '']\n")
    with pytest.raises(ContentError, match=r"faq_examples\.yaml: examples\.none\[0\]"):
        load_content(tmp_path)


def test_the_bot_process_never_imports_scikit_learn() -> None:
    code = (
        "import sys; from pathlib import Path; from bot.content import load_content; "
        "from bot.faq import FaqRetriever; FaqRetriever(load_content(Path('data')).faq).ask('pay?'); "
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# The article's only figures; any other number, currency or period in an answer is invented.
_ARTICLE_FIGURES = re.compile(r"\$110-160k|\$120-180k|\$110,000-\$?160,000|\$120,000-\$?180,000")


def test_answers_state_only_the_articles_figures(faq: Faq) -> None:
    for text in [*(e.answer for e in faq.entries), faq.place_note]:
        rest = _ARTICLE_FIGURES.sub("", text)
        assert not re.search(r"\d", rest), f"{text[:40]}: number outside the article's ranges"
        assert not re.search(r"[$€£¥]|\b(?:usd|eur|gbp|per (?:year|month|hour)|annual(?:ly)?)\b", rest, re.I)
    salary = " ".join(e.answer for e in faq.entries if e.section == "salary")
    assert "$110-160k" in salary and "$120-180k" in salary


def test_autocomplete(answerer: FaqRetriever, faq: Faq) -> None:
    assert answerer.autocomplete("") == list(faq.entries[:25])
    assert len(answerer.autocomplete("e", limit=100)) <= 25
    top = [e.id for e in answerer.autocomplete("sal")[:3]]
    assert {"ai-salary", "ml-salary"} & set(top)
    assert answerer.autocomplete("pytor")[0].id == "frameworks"
    assert answerer.autocomplete("phd")[0].id == "degree"
    assert answerer.autocomplete("should i become")[0].id == "which-path"
    assert answerer.autocomplete("qqqqzzzz") == []


def test_related(answerer: FaqRetriever) -> None:
    ml = answerer.related("ml", ["linear-algebra-calculus", "training-frameworks"])
    assert len(ml) == 3 and all("ml" in e.related_tracks for e in ml)
    ai = answerer.related("ai", ["cloud-deployment"], limit=2)
    assert len(ai) == 2 and all("ai" in e.related_tracks for e in ai)
    assert all("ai" in e.related_tracks for e in answerer.related("ai", []))


def test_every_canonical_question_answers_with_its_own_entry(answerer: FaqRetriever, faq: Faq) -> None:
    wrong = [
        (e.id, m.entry and m.entry.id) for e in faq.entries if (m := answerer.ask(e.question)).entry != e
    ]
    assert not wrong


def test_review_queue_separates_near_topic_gaps_from_off_topic_noise(answerer: FaqRetriever) -> None:
    from bot.faq.review import _faq_groups

    declined = [
        ("how much do data scientists make compared to ml engineers", "ml-salary", 3),
        ("what's the weather like tomorrow", "which-path", 5),
        ("write a cover letter for a bank", "from-software-dev", 2),
    ]
    groups = _faq_groups({"declined": declined}, 15, near=lambda q: bool(answerer.nearest(q)))
    kinds = {g.sample: (g.kind, g.closest_entry) for g in groups}
    assert kinds["how much do data scientists make compared to ml engineers"] == ("declined", "ml-salary")
    assert kinds["what's the weather like tomorrow"] == ("noise", None)
    assert kinds["write a cover letter for a bank"] == ("noise", None)
    assert groups[0].kind == "declined"  # gaps first, though the weather was asked more often
