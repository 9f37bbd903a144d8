"""The career quiz as pure functions: session state in, new state out.

Nothing here talks to Discord or the database. Storage persists the ``SessionState`` these functions
return, and the cogs render ``Step`` and ``Explanation``; keeping the rules here makes every click
replayable and testable without either.

The question sequence is derived from the answers, never stored: the main questions, then the
tie-breaks once every main question is answered and the result is too close to call. ``position``
indexes that sequence, so Back and a changed answer can never leave it pointing at a stale list.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.content import (
    OUTCOME_NAMES,
    Claim,
    Content,
    Option,
    Outcome,
    Question,
    Quiz,
    SectionId,
    Skill,
    Track,
    TrackId,
)


class QuizError(Exception):
    """A quiz action that cannot be done; the message is shown to the member as is."""


class NotCurrentQuestion(QuizError):
    def __init__(self) -> None:
        super().__init__("That button belongs to another question. Please answer the latest question.")


class UnknownOption(QuizError):
    def __init__(self) -> None:
        super().__init__("That answer isn't one of the choices for this question. Please pick again.")


class SessionClosed(QuizError):
    def __init__(self) -> None:
        super().__init__("This quiz has already ended. Start a new quiz to take it again.")


Status = Literal["active", "completed", "cancelled", "expired", "abandoned"]
Phase = Literal["main", "tiebreak"]

BAR_CELLS = 10
REASONS = 3  # per result; a hybrid's include one from each side when both sides pulled
COUNTER_REASONS = 2  # pulls the other way, shown under "Why"
SKILLS_MIN, SKILLS_MAX = 3, 5
HYBRID_SKILLS_MIN = 4  # room for at least two skills from each track
REASON_TEXT_MAX = 200


@dataclass(frozen=True)
class SessionState:
    status: Status
    position: int  # index into sequence(quiz, answers)
    # question id -> option id; may hold tie-break answers no longer in the sequence after Back
    # (kept so they show as selected if the tie-breaks come back, ignored by scoring meanwhile).
    answers: Mapping[str, str]
    quiz_version: str


@dataclass(frozen=True)
class Step:
    question: Question
    phase: Phase
    number: int  # 1-based within its phase
    total: int  # questions in that phase
    label: str  # "Question 4 of 13" / "Tie-break 1 of 3"
    progress: float  # how far along, 0..1, never lower than an earlier step's
    progress_bar: str  # "▰▰▰▱▱▱▱▱▱▱ 31%"
    selected: str | None  # option already chosen here (after Back), to highlight
    announcement: str | None = None  # said once, on the first tie-break


@dataclass(frozen=True)
class Transition:
    state: SessionState
    changed: bool  # False for an idempotent repeat: nothing to persist
    step: Step | None  # what to show next; None once the session has completed


# ---------------------------------------------------------------- sequence and steps


def _chosen(question: Question, answers: Mapping[str, str]) -> Option | None:
    option_id = answers.get(question.id)
    return question.option(option_id) if option_id is not None else None


def _reach(question: Question, sign: int) -> int:
    """The most one answer to this question can pull the lean towards ``sign`` (+1 AI, -1 ML)."""
    towards_ai, towards_ml = question.reach
    return towards_ai if sign > 0 else towards_ml


def _margin(questions: Sequence[Question], answers: Mapping[str, str]) -> tuple[float, float]:
    """(lean, margin) over the answered ones of ``questions``.

    The margin is the lean as a share of the most those questions could pull *the same way*, so every
    answer at the AI end gives exactly +1 and every answer at the ML end exactly -1, even where a
    question's ends are not mirror images (a research degree pulls ML harder than self-teaching pulls AI).
    """
    lean = reach_ai = reach_ml = 0
    for q in questions:
        option = _chosen(q, answers)
        if option is not None:
            lean += option.weights.lean
            reach_ai += _reach(q, +1)
            reach_ml += _reach(q, -1)
    reach = reach_ai if lean > 0 else reach_ml
    return float(lean), (lean / reach if reach else 0.0)


def sequence(quiz: Quiz, answers: Mapping[str, str]) -> list[Question]:
    """Main questions, plus the tie-breaks once all main ones are answered and it is too close to call."""
    main = list(quiz.questions)
    # Fewer answers than main questions: one is open (the usual click, decided without a lookup).
    if not quiz.tiebreakers or len(answers) < len(main) or any(_chosen(q, answers) is None for q in main):
        return main
    _, margin = _margin(main, answers)
    return [*main, *quiz.tiebreakers] if abs(margin) < quiz.scoring.tiebreak_margin else main


def _bar(progress: float) -> str:
    filled = int(progress * BAR_CELLS + 0.5)
    return f"{'▰' * filled}{'▱' * (BAR_CELLS - filled)} {int(progress * 100 + 0.5)}%"


def _step_at(quiz: Quiz, seq: Sequence[Question], position: int, answers: Mapping[str, str]) -> Step:
    question = seq[position]
    main_count = len(quiz.questions)
    if position < main_count:
        phase: Phase = "main"
        number, total, label = position + 1, main_count, f"Question {position + 1} of {main_count}"
    else:
        phase, number, total = "tiebreak", position - main_count + 1, len(quiz.tiebreakers)
        label = f"Tie-break {number} of {total}"
    if phase == "main":
        progress = position / main_count
    else:
        # Tie-breaks fill the last main step's gap, so the bar never goes back when they are added;
        # the label and the note announce them and the new total.
        last_main = (main_count - 1) / main_count
        progress = last_main + (number / (total + 1)) * (1 - last_main)
    option = _chosen(question, answers)
    return Step(
        question=question,
        phase=phase,
        number=number,
        total=total,
        label=label,
        progress=progress,
        progress_bar=_bar(progress),
        selected=option.id if option is not None else None,
        announcement=(
            f"Your answers are close, so {total} tie-break questions decide it "
            f"({main_count + total} questions in all)."
            if phase == "tiebreak" and number == 1
            else None
        ),
    )


def option_order(question: Question, session_id: int) -> tuple[Option, ...]:
    """The question's options in the order this session shows them.

    The data keeps one scale (building side first), which would let a member game the result by
    position; the order is shuffled per session and question, seeded from both, so a restart, a
    resume or Back shows the same order again. String seeds are hashed with SHA-512 by ``random``,
    so the order is the same in every process.
    """
    options = list(question.options)
    random.Random(f"{session_id}:{question.id}").shuffle(options)
    return tuple(options)


def new_session(quiz: Quiz, quiz_version: str) -> SessionState:
    return SessionState(status="active", position=0, answers={}, quiz_version=quiz_version)


def current_step(quiz: Quiz, state: SessionState) -> Step | None:
    if state.status != "active":
        return None
    seq = sequence(quiz, state.answers)
    if not 0 <= state.position < len(seq):
        return None
    return _step_at(quiz, seq, state.position, state.answers)


# ---------------------------------------------------------------- transitions


def answer(quiz: Quiz, state: SessionState, question_id: str, option_id: str) -> Transition:
    """Record an answer to the current question and advance.

    A repeat of an answer already recorded for a question that is not current (a double click, a
    replayed interaction) changes nothing. That includes the last answer of a just-completed
    session, so a double click on the final button shows the result instead of an error.
    """
    seq = sequence(quiz, state.answers)
    question = quiz.question(question_id)
    in_seq = question is not None and any(q.id == question_id for q in seq)
    current = seq[state.position] if state.status == "active" and 0 <= state.position < len(seq) else None
    repeat = in_seq and state.answers.get(question_id) == option_id
    if state.status == "completed" and repeat:
        return Transition(state=state, changed=False, step=None)
    if state.status != "active":
        raise SessionClosed()
    if question is None:
        raise NotCurrentQuestion()
    if question.option(option_id) is None:
        raise UnknownOption()
    if current is None or current.id != question_id:
        if repeat:
            return Transition(state=state, changed=False, step=current_step(quiz, state))
        raise NotCurrentQuestion()

    answers = {**state.answers, question_id: option_id}
    position = state.position + 1
    # Recompute: answering the last main question may append the tie-breaks, and a changed answer
    # after Back may drop them again.
    after = sequence(quiz, answers)
    done = position >= len(after)
    new = replace(state, answers=answers, position=position, status="completed" if done else "active")
    return Transition(
        state=new, changed=True, step=None if done else _step_at(quiz, after, position, answers)
    )


def back(quiz: Quiz, state: SessionState) -> Transition:
    """One question back; answers are kept so the earlier choice shows as selected."""
    if state.status != "active":
        raise SessionClosed()
    position = max(0, state.position - 1)
    new = replace(state, position=position)
    return Transition(state=new, changed=position != state.position, step=current_step(quiz, new))


def cancel(state: SessionState) -> SessionState:
    """Cancel an active session; cancelling twice is harmless, but a finished one stays finished."""
    if state.status == "cancelled":
        return state
    if state.status != "active":
        raise SessionClosed()
    return replace(state, status="cancelled")


def is_expired(last_activity: float, now: float, idle_seconds: float) -> bool:
    return now - last_activity >= idle_seconds


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Score:
    lean: float  # sum of (ai - ml) over the answered sequence; > 0 leans AI
    margin: float  # lean / the most |lean| those questions allow, in [-1, 1]
    fit_ai: int  # 0..100: share of the AI weight those questions could give
    fit_ml: int
    outcome: Outcome


def _percent(part: int, whole: int) -> int:
    return int(100 * part / whole + 0.5) if whole else 0


def _answered(quiz: Quiz, answers: Mapping[str, str]) -> list[tuple[Question, Option]]:
    pairs = []
    for q in sequence(quiz, answers):
        option = _chosen(q, answers)
        if option is not None:
            pairs.append((q, option))
    return pairs


def score(quiz: Quiz, answers: Mapping[str, str]) -> Score:
    pairs = _answered(quiz, answers)
    lean, margin = _margin([q for q, _ in pairs], answers)
    fits = {
        track: _percent(
            sum(o.weights.of(track) for _, o in pairs),
            sum(max(x.weights.of(track) for x in q.options) for q, _ in pairs),
        )
        for track in ("ai", "ml")
    }
    # Only a close call can be a draw: hybrid_margin <= tiebreak_margin, so it needs the tie-breaks too.
    outcome: Outcome = "hybrid" if abs(margin) < quiz.scoring.hybrid_margin else "ai" if margin > 0 else "ml"
    return Score(lean=lean, margin=margin, fit_ai=fits["ai"], fit_ml=fits["ml"], outcome=outcome)


# ---------------------------------------------------------------- explanation


@dataclass(frozen=True)
class Reason:
    question: Question
    option: Option
    weight: float  # the answer's pull, ai - ml: positive towards AI, negative towards ML
    section: SectionId
    text: str  # "Maths comfort: I'd rather not go deep into maths"


@dataclass(frozen=True)
class Tally:
    """How many answers pulled each way, and how many sat exactly in the middle."""

    ai: int
    ml: int
    middle: int


@dataclass(frozen=True)
class Change:
    question: Question
    before: Option | None  # None when the question wasn't in the previous take
    after: Option


@dataclass(frozen=True)
class PreviousResult:
    outcome: Outcome
    fit_ai: int
    fit_ml: int
    answers: Mapping[str, str]


@dataclass(frozen=True)
class Explanation:
    score: Score
    title: str
    reasons: list[Reason]  # the answers that pulled hardest towards the outcome (a draw: each way)
    counter: list[Reason]  # the strongest pulls the other way (none for a draw)
    tally: Tally
    salary: list[Track]
    salary_caveats: list[Claim]
    skills_next: list[Skill]
    skill_gaps: int  # how many of skills_next lead because the answers named them as gaps
    unfit_followups: frozenset[str]  # FAQ entries whose premise the answers contradict
    switch_note: Claim
    hybrid_note: Claim | None
    try_next: list[Claim]
    changes: list[Change]
    previous: PreviousResult | None
    draw_margin: float  # a lean under this share (after the tie-breaks) is a draw


def _reason(question: Question, option: Option) -> Reason:
    text = f"{question.factor}: {option.label}"
    if len(text) > REASON_TEXT_MAX:
        text = text[: REASON_TEXT_MAX - 1] + "…"
    return Reason(question, option, float(option.weights.lean), option.section, text)


def _strongest(pairs: Sequence[tuple[Question, Option]], sign: int, limit: int) -> list[Reason]:
    """The answers pulling hardest in direction ``sign`` (+1 AI, -1 ML).

    Among answers that pull equally hard, one from an article section not yet shown goes first (then
    quiz order), so three equal pulls name three different things about the member, not the first
    three questions every time.
    """
    pulling = [(i, q, o) for i, (q, o) in enumerate(pairs) if o.weights.lean * sign > 0]
    picked: list[Reason] = []
    shown: dict[str, int] = {}
    while pulling and len(picked) < limit:
        best = min(pulling, key=lambda x: (-x[2].weights.lean * sign, shown.get(x[2].section, 0), x[0]))
        pulling.remove(best)
        shown[best[2].section] = shown.get(best[2].section, 0) + 1
        picked.append(_reason(best[1], best[2]))
    return picked


def _draw_reasons(pairs: Sequence[tuple[Question, Option]]) -> list[Reason]:
    """For a draw: the strongest pull each way first (when there is one), then the next strongest."""
    ai_side, ml_side = _strongest(pairs, +1, REASONS), _strongest(pairs, -1, REASONS)
    firsts = [*ai_side[:1], *ml_side[:1]]
    rest = sorted([*ai_side[1:], *ml_side[1:]], key=lambda r: -abs(r.weight))
    return [*firsts, *rest][:REASONS]


def _skills_next(tracks: Sequence[Track], pairs: Sequence[tuple[Question, Option]]) -> list[Skill]:
    """Gaps the answers revealed first (in quiz order), then the tracks' core skills in data order;
    never a skill the answers say the member already has. Every pick is a skill careers.yaml lists
    for one of ``tracks``."""
    had = {h for _, o in pairs for h in o.has}
    pool = {s.id: s for t in tracks for s in t.skills if s.id not in had}
    gaps = list(dict.fromkeys(g for _, o in pairs for g in o.gaps if g in pool))
    # Interleave the tracks for a hybrid so both get a fair share of the slots.
    core_rows = [[s.id for s in t.skills] for t in tracks]
    core = [row[i] for i in range(max(map(len, core_rows))) for row in core_rows if i < len(row)]
    core = [c for c in core if c in pool]
    floor = HYBRID_SKILLS_MIN if len(tracks) > 1 else SKILLS_MIN
    want = min(SKILLS_MAX, max(floor, len(gaps)))
    ordered = list(dict.fromkeys([*gaps, *core]))
    return [pool[i] for i in ordered[:want]]


def _changes(quiz: Quiz, pairs: Sequence[tuple[Question, Option]], previous: PreviousResult) -> list[Change]:
    # Only answers that counted last time: a stale tie-break answer was never part of that result.
    before = {q.id: o for q, o in _answered(quiz, previous.answers)}
    return [Change(q, before.get(q.id), o) for q, o in pairs if before.get(q.id) != o]


def explain(
    content: Content, answers: Mapping[str, str], previous: PreviousResult | None = None
) -> Explanation:
    quiz, careers = content.quiz, content.careers
    result = score(quiz, answers)
    pairs = _answered(quiz, answers)
    tracks: list[Track]
    if result.outcome == "hybrid":
        tracks = list(careers.tracks)
        title = OUTCOME_NAMES["hybrid"]  # one name for the draw everywhere
        reasons = _draw_reasons(pairs)
        counter: list[Reason] = []
        hybrid_note: Claim | None = careers.hybrid
        try_next = [t.try_it for t in tracks]
    else:
        outcome: TrackId = result.outcome
        tracks = [careers.track(outcome)]
        title = tracks[0].name
        sign = +1 if outcome == "ai" else -1
        reasons = _strongest(pairs, sign, REASONS)
        counter = _strongest(pairs, -sign, COUNTER_REASONS)
        hybrid_note, try_next = None, []
    skills_next = _skills_next(tracks, pairs)
    gap_ids = {g for _, o in pairs for g in o.gaps}
    leans = [o.weights.lean for _, o in pairs]
    tally = Tally(ai=sum(1 for x in leans if x > 0), ml=sum(1 for x in leans if x < 0), middle=leans.count(0))
    switch_note = Claim(
        text=" ".join(c.text for c in careers.switching), section=careers.switching[0].section
    )
    return Explanation(
        score=result,
        title=title,
        reasons=reasons,
        counter=counter,
        tally=tally,
        salary=tracks,
        salary_caveats=list(careers.salary_caveats),
        skills_next=skills_next,
        skill_gaps=sum(1 for sk in skills_next if sk.id in gap_ids),
        unfit_followups=frozenset(f for _, o in pairs for f in o.unfit_followups),
        switch_note=switch_note,
        hybrid_note=hybrid_note,
        try_next=try_next,
        changes=_changes(quiz, pairs, previous) if previous is not None else [],
        previous=previous,
        draw_margin=quiz.scoring.hybrid_margin,
    )
