"""The quiz engine (bot/quiz/engine.py) on the real data/quiz.yaml, and load-time rejection of broken quizzes."""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import Content, ContentError, Quiz, load_content
from bot.quiz import summary
from bot.quiz.engine import (
    NotCurrentQuestion,
    PreviousResult,
    Score,
    SessionClosed,
    SessionState,
    UnknownOption,
    answer,
    back,
    cancel,
    current_step,
    explain,
    is_expired,
    new_session,
    score,
    sequence,
)

DATA = Path(__file__).parents[1] / "data"

# Option index per main question (negative counts from the end), as a member would click them.
ALL_FIRST = [0] * 13
ALL_LAST = [-1] * 13
# Lean +1 of 33: too close to call, so the three tie-breaks follow.
BALANCED = [1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1]
TB_MIDDLE, TB_AI, TB_ML = [1, 1, 1], [0, 0, 0], [-1, -1, -1]
# Lean +5 of 33: tie-breaks, but one more AI point on the last question (+2) settles it outright.
NEAR_AI = [0, 2, 1, 1, 2, 1, 1, 0, 1, 1, 1, 1, 1]

# Enough of a faq.yaml to load while data/faq.yaml is being written by someone else.
MINIMAL_FAQ = {
    "entries": [
        {
            "id": "pay",
            "topic": "Pay",
            "question": "Which role pays more?",
            "phrasings": ["which pays more", "salary", "who earns more"],
            "answer": "See the salary section.",
            "section": "salary",
        }
    ]
}


def copy_data(dest: Path) -> Path:
    """careers.yaml and quiz.yaml from data/, with a minimal faq.yaml: quiz tests never depend on the FAQ."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("careers.yaml", "quiz.yaml"):
        shutil.copy(DATA / name, dest / name)
    (dest / "faq.yaml").write_text(yaml.safe_dump(MINIMAL_FAQ))
    return dest


@functools.cache
def real_content() -> Content:
    """The real data/, once; with a stand-in faq.yaml only while the real one is missing or broken."""
    try:
        return load_content(DATA)
    except ContentError as exc:
        if not exc.file.endswith("faq.yaml"):
            raise
    with tempfile.TemporaryDirectory() as tmp:
        return load_content(copy_data(Path(tmp)))


@pytest.fixture(scope="module")
def content() -> Content:
    return real_content()


@pytest.fixture(scope="module")
def quiz(content: Content) -> Quiz:
    return content.quiz


def play(quiz: Quiz, picks: list[int], state: SessionState | None = None) -> SessionState:
    """Answer the current question with each pick in turn (option index, negative from the end)."""
    state = state or new_session(quiz, "v1")
    for pick in picks:
        step = current_step(quiz, state)
        assert step is not None, "the quiz ended before the picks ran out"
        state = answer(quiz, state, step.question.id, step.question.options[pick].id).state
    return state


def picked(quiz: Quiz, picks: list[int]) -> dict[str, str]:
    return {q.id: q.options[i].id for q, i in zip(quiz.all_questions, picks, strict=False)}


# ---------------------------------------------------------------- outcomes


def test_all_first_answers_give_ai_clearly(quiz: Quiz) -> None:
    state = play(quiz, ALL_FIRST)
    assert state.status == "completed" and state.position == 13
    result = score(quiz, state.answers)
    assert result.outcome == "ai" and result.margin > 0.9
    assert (result.fit_ai, result.fit_ml) == (100, 0)
    assert len(sequence(quiz, state.answers)) == len(quiz.questions)  # no tie-breaks needed


def test_all_last_answers_give_ml_clearly(quiz: Quiz) -> None:
    state = play(quiz, ALL_LAST)
    assert state.status == "completed"
    result = score(quiz, state.answers)
    assert result.outcome == "ml" and result.margin < -0.9
    assert (result.fit_ai, result.fit_ml) == (0, 100)


@pytest.mark.parametrize("picks", [BALANCED, [0, -1] * 6 + [0], [-1, 0] * 6 + [-1]])
def test_a_balanced_mix_goes_to_the_tiebreaks(quiz: Quiz, picks: list[int]) -> None:
    state = play(quiz, picks)
    step = current_step(quiz, state)
    assert state.status == "active" and step is not None
    assert step.phase == "tiebreak" and step.label == f"Tie-break 1 of {len(quiz.tiebreakers)}"
    assert (step.number, step.total) == (1, len(quiz.tiebreakers))
    assert step.question.id == quiz.tiebreakers[0].id


@pytest.mark.parametrize(("tiebreaks", "outcome"), [(TB_MIDDLE, "hybrid"), (TB_AI, "ai"), (TB_ML, "ml")])
def test_tiebreaks_settle_it_or_leave_a_genuine_draw(quiz: Quiz, tiebreaks: list[int], outcome: str) -> None:
    state = play(quiz, BALANCED + tiebreaks)
    assert state.status == "completed" and state.position == 16
    result = score(quiz, state.answers)
    assert result.outcome == outcome
    assert (abs(result.margin) < quiz.scoring.hybrid_margin) == (outcome == "hybrid")


# ---------------------------------------------------------------- transitions


def test_the_same_answer_twice_is_an_idempotent_repeat(quiz: Quiz) -> None:
    first = quiz.questions[0]
    moved = answer(quiz, new_session(quiz, "v1"), first.id, first.options[0].id)
    assert moved.changed and moved.state.position == 1
    assert moved.step is not None and moved.step.question.id == quiz.questions[1].id
    again = answer(quiz, moved.state, first.id, first.options[0].id)
    assert not again.changed and again.state == moved.state
    assert again.step == moved.step  # the UI can simply re-render the current question


def test_a_double_click_on_the_final_answer_shows_the_result_not_an_error(quiz: Quiz) -> None:
    state = play(quiz, ALL_FIRST)
    last = quiz.questions[-1]
    again = answer(quiz, state, last.id, last.options[0].id)
    assert not again.changed and again.state == state and again.step is None


def test_answering_anything_but_the_current_question_is_refused(quiz: Quiz) -> None:
    state = play(quiz, [0, 0])
    first, later = quiz.questions[0], quiz.questions[5]
    with pytest.raises(NotCurrentQuestion):
        answer(quiz, state, later.id, later.options[0].id)  # ahead of the current one
    with pytest.raises(NotCurrentQuestion):
        answer(quiz, state, first.id, first.options[1].id)  # a different answer to an old message
    with pytest.raises(NotCurrentQuestion):
        answer(quiz, state, "no-such-question", "x")
    with pytest.raises(NotCurrentQuestion):  # tie-breaks are not in the sequence yet
        answer(quiz, state, quiz.tiebreakers[0].id, quiz.tiebreakers[0].options[0].id)


def test_an_unknown_option_is_refused(quiz: Quiz) -> None:
    with pytest.raises(UnknownOption) as info:
        answer(quiz, new_session(quiz, "v1"), quiz.questions[0].id, "not-an-option")
    assert str(info.value)  # member-readable


def test_back_shows_the_previous_choice_and_a_different_answer_replaces_it(quiz: Quiz) -> None:
    first = quiz.questions[0]
    state = play(quiz, [0, 0])
    went = back(quiz, back(quiz, state).state)
    assert went.changed and went.state.position == 0
    assert went.step is not None and went.step.selected == first.options[0].id
    assert went.step.label == f"Question 1 of {len(quiz.questions)}"
    redone = answer(quiz, went.state, first.id, first.options[-1].id)
    assert redone.changed and redone.state.answers[first.id] == first.options[-1].id
    assert redone.step is not None and redone.step.selected == quiz.questions[1].options[0].id  # kept
    assert score(quiz, redone.state.answers).lean == score(quiz, state.answers).lean - 6


def test_back_at_the_first_question_stays_put(quiz: Quiz) -> None:
    state = new_session(quiz, "v1")
    went = back(quiz, state)
    assert not went.changed and went.state == state


def test_going_back_can_drop_the_tiebreaks_and_their_stale_answers_stop_counting(quiz: Quiz) -> None:
    state = play(quiz, [*NEAR_AI, 0])  # the main questions, then the first tie-break
    assert state.position == 14
    on_tiebreak = back(quiz, state)
    assert on_tiebreak.step is not None and on_tiebreak.step.selected == quiz.tiebreakers[0].options[0].id
    on_last = back(quiz, on_tiebreak.state)
    assert on_last.step is not None and on_last.step.label == "Question 13 of 13"
    done = answer(quiz, on_last.state, quiz.questions[-1].id, quiz.questions[-1].options[0].id)
    assert done.step is None and done.state.status == "completed" and done.state.position == 13
    assert quiz.tiebreakers[0].id in done.state.answers  # kept, but outside the sequence now
    assert score(quiz, done.state.answers).lean == 7


def test_cancel_closes_the_session(quiz: Quiz) -> None:
    state = cancel(play(quiz, [0, 0]))
    assert state.status == "cancelled" and current_step(quiz, state) is None
    assert cancel(state) == state
    with pytest.raises(SessionClosed):
        answer(quiz, state, quiz.questions[2].id, quiz.questions[2].options[0].id)
    with pytest.raises(SessionClosed):
        back(quiz, state)


@pytest.mark.parametrize("status", ["completed", "expired", "abandoned"])
def test_closed_sessions_refuse_actions(quiz: Quiz, status: Any) -> None:
    state = SessionState(status=status, position=3, answers=picked(quiz, [0, 0, 0]), quiz_version="v1")
    with pytest.raises(SessionClosed):
        answer(quiz, state, quiz.questions[3].id, quiz.questions[3].options[0].id)
    with pytest.raises(SessionClosed):
        back(quiz, state)
    with pytest.raises(SessionClosed):
        cancel(state)
    assert current_step(quiz, state) is None


def test_expiry_after_the_idle_time() -> None:
    assert not is_expired(1000.0, 1000.0 + 59, 60)
    assert is_expired(1000.0, 1000.0 + 60, 60)
    assert not is_expired(1000.0, 900.0, 60)  # a clock step backwards never expires a session


def test_labels_and_progress_along_a_tiebreak_path(quiz: Quiz) -> None:
    state, labels = new_session(quiz, "v1"), []
    for pick in BALANCED + TB_MIDDLE:
        step = current_step(quiz, state)
        assert step is not None
        labels.append(step.label)
        assert len(step.progress_bar) <= 40 and step.progress_bar.endswith(f"{round(step.progress * 100)}%")
        state = answer(quiz, state, step.question.id, step.question.options[pick].id).state
    assert labels == [f"Question {n} of 13" for n in range(1, 14)] + [
        f"Tie-break {n} of 3" for n in (1, 2, 3)
    ]


def test_progress_never_goes_back_and_the_tiebreaks_are_announced(quiz: Quiz) -> None:
    state, shown, announced = new_session(quiz, "v1"), [], []
    for pick in BALANCED + TB_MIDDLE:
        step = current_step(quiz, state)
        assert step is not None
        shown.append(step.progress)
        announced.append(step.announcement)
        state = answer(quiz, state, step.question.id, step.question.options[pick].id).state
    assert shown == sorted(shown) and len(set(shown)) == len(shown), shown
    assert announced[:13] == [None] * 13 and announced[14:] == [None, None]
    assert (
        announced[13] is not None
        and "3 tie-break questions" in announced[13]
        and "16 questions" in announced[13]
    )


# ---------------------------------------------------------------- explanation


def test_reasons_are_the_strongest_answers_with_their_sections(content: Content, quiz: Quiz) -> None:
    sections = set(content.careers.article.sections)
    for picks, side, title in ((ALL_FIRST, 0, "AI Engineer"), (ALL_LAST, -1, "ML Engineer")):
        result = explain(content, picked(quiz, picks))
        assert result.title == title and len(result.reasons) == 3
        pulls = sorted((abs(q.options[side].weights.lean) for q in quiz.questions), reverse=True)
        # The three strongest pulls; among equally strong ones, three different article sections.
        assert sorted((abs(r.weight) for r in result.reasons), reverse=True) == pulls[:3]
        assert len({r.section for r in result.reasons}) == 3
        for r in result.reasons:
            assert r.option == r.question.options[side] and r.section == r.option.section
            assert r.section in sections
            assert r.text == f"{r.question.factor}: {r.option.label}" and len(r.text) <= 200
            assert (r.weight > 0) == (side == 0)
        assert result.salary == [content.careers.track("ai" if side == 0 else "ml")]
        assert result.hybrid_note is None and result.try_next == []
        assert result.salary_caveats == content.careers.salary_caveats
        assert result.switch_note.section == "switch"


def test_a_hybrid_shows_both_sides(content: Content, quiz: Quiz) -> None:
    result = explain(content, play(quiz, [*BALANCED, 0, 1, -1]).answers)
    assert result.score.outcome == "hybrid" and result.title == "Both paths"
    assert {r.weight > 0 for r in result.reasons} == {True, False}
    assert result.salary == list(content.careers.tracks)
    assert result.hybrid_note == content.careers.hybrid
    assert result.try_next == [t.try_it for t in content.careers.tracks]


def test_skills_next_never_suggests_what_the_answers_say_they_have(content: Content, quiz: Quiz) -> None:
    software = [q.id for q in quiz.questions].index("software")
    shipped = ALL_FIRST.copy()
    shipped[software] = 0  # "I've built APIs and deployed apps to production"
    ai = explain(content, picked(quiz, shipped))
    ids = [s.id for s in ai.skills_next]
    assert not {"api-development", "cloud-deployment", "software-engineering"} & set(ids), ids
    assert len(ids) >= 3
    # Every suggestion is a skill careers.yaml lists for the result's track, with an article section
    # for its explanation (tests/test_content_audit.py checks that section holds it).
    ai_skills = {s.id: s for s in content.careers.track("ai").skills}
    sections = content.careers.article.sections
    assert all(s.id in ai_skills and s.section in sections for s in ai.skills_next)
    # Strong maths on the ML side: no maths suggested either.
    ml = explain(content, picked(quiz, [3, 3, 2, 2, 3, 3, 2, 3, 2, 2, 2, 2, 2]))
    assert ml.score.outcome == "ml"
    assert not {"linear-algebra-calculus", "probability-statistics"} & {s.id for s in ml.skills_next}


@settings(max_examples=200, deadline=None)
@given(picks=st.lists(st.integers(min_value=0, max_value=3), min_size=16, max_size=16))
def test_no_answering_path_gets_a_skill_it_claims(picks: list[int]) -> None:
    content = real_content()
    quiz = content.quiz
    answers = {q.id: q.options[p % len(q.options)].id for q, p in zip(quiz.all_questions, picks, strict=True)}
    explanation = explain(content, answers)
    claimed = {h for q in quiz.all_questions for o in q.options if answers[q.id] == o.id for h in o.has}
    track_skills = {s.id for t in explanation.salary for s in t.skills}
    suggested = [s.id for s in explanation.skills_next]
    assert not claimed & set(suggested) and set(suggested) <= track_skills


def test_skills_next_puts_the_gaps_from_the_answers_first(content: Content, quiz: Quiz) -> None:
    software = [q.id for q in quiz.questions].index("software")
    maths = [q.id for q in quiz.questions].index("maths")
    never_deployed = ALL_FIRST.copy()
    never_deployed[software] = 1
    never_deployed[maths] = 1  # rusty maths names ML skills: not an AI Engineer's next step
    ai = explain(content, picked(quiz, never_deployed))
    assert ai.score.outcome == "ai"
    assert [s.id for s in ai.skills_next] == ["cloud-deployment", "api-development", "software-engineering"]

    weak_maths = ALL_LAST.copy()
    weak_maths[maths] = 0
    ml = explain(content, picked(quiz, weak_maths))
    assert ml.score.outcome == "ml"
    assert [s.id for s in ml.skills_next][:2] == ["linear-algebra-calculus", "probability-statistics"]

    # A developer who has shipped has the foundation; the article's next step for them is the AI layer.
    clean = explain(content, picked(quiz, ALL_FIRST))
    claimed = {"software-engineering", "api-development", "cloud-deployment"}  # "shipped" says so
    core = [s.id for s in content.careers.track("ai").skills if s.id not in claimed]
    gaps = ["prompt-engineering", "model-apis-sdks"]
    assert [s.id for s in clean.skills_next] == [*gaps, *[c for c in core if c not in gaps]][:3]


def test_a_retake_lists_the_answers_that_changed(content: Content, quiz: Quiz) -> None:
    before_answers = picked(quiz, ALL_FIRST)
    first = explain(content, before_answers)
    assert first.changes == [] and first.previous is None
    previous = PreviousResult(
        outcome=first.score.outcome,
        fit_ai=first.score.fit_ai,
        fit_ml=first.score.fit_ml,
        answers=before_answers,
    )
    one_change = explain(content, {**before_answers, "maths": "strong"}, previous)
    assert [(c.question.id, c.before and c.before.id, c.after.id) for c in one_change.changes] == [
        ("maths", "avoid", "strong")
    ]
    assert one_change.previous == previous
    flipped = explain(content, play(quiz, BALANCED + TB_MIDDLE).answers, previous)
    tiebreak_changes = [c for c in flipped.changes if c.question in quiz.tiebreakers]
    assert len(tiebreak_changes) == 3 and all(c.before is None for c in tiebreak_changes)
    # What the member reads: the new tie-breaks are not counted as changed answers.
    changed = len(flipped.changes) - 3
    assert summary.since_last(flipped) == (
        f"**Since your last result** (AI Engineer): you changed {changed} answers and answered "
        "3 tie-break questions not asked last time."
    )
    assert summary.since_last(one_change) == "**Since your last result** (AI Engineer): you changed 1 answer."
    listed = summary.changes(flipped)
    assert f"…and {changed - 6} more." in listed and "also answered 3 tie-break questions" in listed


# ---------------------------------------------------------------- properties

actions = st.lists(st.one_of(st.integers(0, 4), st.just("back"), st.just("repeat")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(picks=st.lists(st.integers(0, 4), min_size=16, max_size=16))
def test_any_answering_path_ends_within_all_the_questions(picks: list[int]) -> None:
    content = real_content()
    quiz = content.quiz
    state, answered = new_session(quiz, "v1"), 0
    while (step := current_step(quiz, state)) is not None:
        assert answered < len(quiz.all_questions)
        assert 1 <= step.number <= step.total and 0 <= step.progress < 1
        assert (
            step.label
            == f"{'Question' if step.phase == 'main' else 'Tie-break'} {step.number} of {step.total}"
        )
        option = step.question.options[picks[answered] % len(step.question.options)]
        state = answer(quiz, state, step.question.id, option.id).state
        answered += 1
    assert state.status == "completed" and answered in (len(quiz.questions), len(quiz.all_questions))
    result = score(quiz, state.answers)
    assert result.outcome in ("ai", "ml", "hybrid") and -1 <= result.margin <= 1
    assert 0 <= result.fit_ai <= 100 and 0 <= result.fit_ml <= 100
    # Only a close call on the main questions can end as a draw.
    assert result.outcome != "hybrid" or answered == len(quiz.all_questions)
    explanation = explain(content, state.answers)
    ids = [s.id for s in explanation.skills_next]
    assert 3 <= len(ids) <= 5 and len(set(ids)) == len(ids)
    assert all(len(r.text) <= 200 for r in explanation.reasons)


@settings(max_examples=300, deadline=None)
@given(ops=actions)
def test_back_and_replays_never_break_the_session(ops: list[int | str]) -> None:
    quiz = real_content().quiz
    state = new_session(quiz, "v1")
    last: tuple[str, str] | None = None
    for op in ops:
        step = current_step(quiz, state)
        if step is None:
            break
        kind = "Question" if step.phase == "main" else "Tie-break"
        assert step.label == f"{kind} {step.number} of {step.total}" and 1 <= step.number <= step.total
        assert 0 <= state.position < len(sequence(quiz, state.answers))
        if op == "back":
            state = back(quiz, state).state
        elif op == "repeat":
            if last is not None and last[0] != step.question.id:
                replay = answer(quiz, state, *last)
                assert not replay.changed and replay.state == state
        else:
            assert isinstance(op, int)
            option = step.question.options[op % len(step.question.options)]
            state = answer(quiz, state, step.question.id, option.id).state
            last = (step.question.id, option.id)
    # Whatever happened, answering on from where the member is finishes the quiz in time.
    for _ in range(len(quiz.all_questions)):
        if (step := current_step(quiz, state)) is None:
            break
        state = answer(quiz, state, step.question.id, step.question.options[0].id).state
    assert state.status == "completed" and current_step(quiz, state) is None
    assert score(quiz, state.answers).outcome in ("ai", "ml", "hybrid")


# ---------------------------------------------------------------- broken quiz.yaml is refused at load


def _quiz_doc() -> dict[str, Any]:
    doc = yaml.safe_load((DATA / "quiz.yaml").read_text())
    assert isinstance(doc, dict)
    return doc


def _no_ml_side(doc: dict[str, Any]) -> None:
    for q in doc["questions"] + doc["tiebreakers"]:
        n = len(q["options"])
        for i, o in enumerate(q["options"]):
            o["weights"] = {"ai": n - 1 - i, "ml": 0}


def _flat(doc: dict[str, Any]) -> None:
    for o in doc["questions"][2]["options"]:
        o["weights"] = {"ai": 1, "ml": 1}


def _long_ids(doc: dict[str, Any]) -> None:
    doc["questions"][0]["id"] = "q" * 40
    doc["questions"][0]["options"][0]["id"] = "o" * 37  # cq: + 19 digits + 2 colons + 77 = 101


def _reversed(doc: dict[str, Any]) -> None:
    doc["questions"][1]["options"].reverse()


def _unknown_gap(doc: dict[str, Any]) -> None:
    doc["questions"][0]["options"][0]["gaps"] = ["juggling"]


def _long_label(doc: dict[str, Any]) -> None:
    doc["questions"][0]["options"][0]["label"] = "x" * 81


def _duplicate_question(doc: dict[str, Any]) -> None:
    doc["questions"][1]["id"] = doc["questions"][0]["id"]


def _duplicate_tiebreak(doc: dict[str, Any]) -> None:
    doc["tiebreakers"][0]["id"] = doc["questions"][0]["id"]


@pytest.mark.parametrize(
    ("mutate", "where", "reason"),
    [
        (_no_ml_side, "questions", "track 'ml' cannot win with these weights"),
        (_flat, "questions[2].options", "no option moves the score"),
        (_long_ids, "questions[0].options[0].id", "custom_id 101 chars > 100"),
        (
            _reversed,
            "questions[1].options",
            "options must run from the AI (implementation) side to the ML side",
        ),
        (_unknown_gap, "questions[0].options[0].gaps[0]", "unknown skill 'juggling'"),
        (_long_label, "questions[0].options[0].label", "String should have at most 80 characters"),
        (_duplicate_question, "questions+tiebreakers[1].id", "duplicate id 'work-style'"),
        (_duplicate_tiebreak, "questions+tiebreakers[13].id", "duplicate id 'work-style'"),
    ],
)
def test_a_broken_quiz_is_refused_with_file_location_and_reason(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], where: str, reason: str
) -> None:
    broken = copy_data(tmp_path / "data")
    doc = _quiz_doc()
    mutate(doc)
    (broken / "quiz.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(ContentError) as info:
        load_content(broken)
    assert str(info.value) == f"{broken / 'quiz.yaml'}: {where}: {reason}"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ('label: "Building practical things people can use"', "label: No", "questions[0].options[0].label"),
        ('id: "build"', "id: no", "questions[0].options[0].id"),
        ('factor: "Building vs research"', "factor: yes", "questions[0].factor"),
    ],
)
def test_an_unquoted_yaml_no_is_caught_not_read_as_false(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    broken = copy_data(tmp_path / "data")
    text = (broken / "quiz.yaml").read_text()
    assert old in text
    (broken / "quiz.yaml").write_text(text.replace(old, new, 1))
    with pytest.raises(ContentError) as info:
        load_content(broken)
    assert str(info.value) == f"{broken / 'quiz.yaml'}: {where}: Input should be a valid string"


def test_every_string_in_quiz_yaml_is_quoted() -> None:
    """A plain `No` or `on` silently becomes a bool; quoting every string value rules that out."""

    def walk(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, f"{path}.{key.value}")
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}[{i}]")
        elif isinstance(node, yaml.ScalarNode) and node.style is None:
            assert re.fullmatch(r"-?\d+(\.\d+)?", node.value), f"unquoted string at {path}: {node.value!r}"

    root = yaml.compose((DATA / "quiz.yaml").read_text())
    assert root is not None
    walk(root, "quiz")


def test_an_exact_balance_says_so_and_lists_both_sides(content: Content, quiz: Quiz) -> None:
    result = explain(content, picked(quiz, [1, 0, 0, 2, 1, 2, 2, 1, 1, 1, 2, 0, 2, 1, 2, 0]))
    assert result.score.outcome == "hybrid" and result.score.margin == 0
    text = summary.headline(result)
    assert text.startswith("Your answers balance exactly between the two paths, so both are open to you.")
    assert "AI Engineer ▱▱▱▱▱▱▱▱▱▱│▱▱▱▱▱▱▱▱▱▱ ML Engineer" in text
    block = text.split("**What pulled each way**\n")[1].split("\n\n")[0].splitlines()
    assert block[0].endswith("(towards AI Engineer)") and block[1].endswith("(towards ML Engineer)")


def test_the_lean_is_never_rounded_up() -> None:
    """A lean just under the draw line must not print as the line itself, nor 99.6% as 100%."""
    for margin, shown in ((0.0976, 9), (0.996, 99), (1.0, 100), (-0.5, 50)):
        score = Score(lean=0, margin=margin, fit_ai=0, fit_ml=0, outcome="hybrid")
        assert summary.lean_share(score) == shown
