"""Issue 11 §1: options show in a per-session shuffled order, so position tells nothing about the track."""

from __future__ import annotations

from collections import Counter

from bot.content import Content
from bot.quiz.engine import SessionState, answer, current_step, new_session, option_order, score

SESSIONS = 200
# Chi-square critical values at p = 0.001, by degrees of freedom: above it, position and outcome
# would be related beyond chance.
CHI2_CRITICAL_0_001 = {1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 6: 22.46, 8: 26.12, 9: 27.88}


def play_position(content: Content, session_id: int, position: int) -> str:
    """A member who clicks the option shown at ``position`` on every question (the last when fewer)."""
    quiz = content.quiz
    state: SessionState = new_session(quiz, content.quiz_version)
    while (step := current_step(quiz, state)) is not None:
        shown = option_order(step.question, session_id)
        pick = shown[min(position, len(shown) - 1)]
        state = answer(quiz, state, step.question.id, pick.id).state
    return score(quiz, state.answers).outcome


def chi_square(table: dict[int, Counter[str]]) -> tuple[float, int]:
    outcomes = sorted({o for row in table.values() for o in row})
    total = sum(sum(row.values()) for row in table.values())
    col = {o: sum(row[o] for row in table.values()) for o in outcomes}
    stat = 0.0
    for row in table.values():
        n = sum(row.values())
        for o in outcomes:
            expected = n * col[o] / total
            stat += (row[o] - expected) ** 2 / expected
    return stat, (len(table) - 1) * (len(outcomes) - 1)


def test_a_fixed_position_strategy_does_not_decide_the_outcome(content: Content) -> None:
    positions = range(max(len(q.options) for q in content.quiz.all_questions))
    table = {p: Counter(play_position(content, sid, p) for sid in range(1, SESSIONS + 1)) for p in positions}
    for p, outcomes in table.items():
        assert len(outcomes) > 1, f"always clicking position {p + 1} always gives {outcomes}"
        assert max(outcomes.values()) < 0.8 * SESSIONS, f"position {p + 1} mostly decides: {outcomes}"
    stat, dof = chi_square(table)
    assert stat < CHI2_CRITICAL_0_001[dof], f"position and outcome look related: chi2={stat:.1f} {table}"


def test_the_order_is_a_shuffle_that_a_session_keeps(content: Content) -> None:
    question = content.quiz.questions[0]
    assert sorted(o.id for o in option_order(question, 7)) == sorted(o.id for o in question.options)
    assert option_order(question, 7) == option_order(question, 7), "a restart or Back shows the same order"
    orders = {tuple(o.id for o in option_order(question, sid)) for sid in range(1, 50)}
    assert len(orders) > 5, "sessions see different orders"
    firsts = Counter(option_order(q, 1)[0].id == q.options[0].id for q in content.quiz.all_questions)
    assert firsts[False] > 0, "the building-side option is not always first"
