"""The quiz engine (engine.py) bound to storage: every click written to the database.

The database is the only truth, so a restart loses nothing and any process holding the database can
continue any member's session from a button's custom_id alone. A click on a session this process
served last is computed from storage's memory of it (``known_session``) and written with a guard
that the row has not changed since; if it has, nothing is written and the click is decided again
from the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.content import Content, FaqEntry
from bot.faq import FaqRetriever
from bot.quiz import engine as quiz
from bot.quiz.engine import Explanation, PreviousResult, QuizError, SessionState, Step
from bot.storage import ResultRow, SessionRow, Storage

VERSION_CHANGED = "The quiz was updated since you started it, so it starts again from the first question."


class NotYourQuiz(QuizError):
    def __init__(self) -> None:
        super().__init__("This quiz belongs to someone else. Use /careerquiz to take your own.")


class QuizExpired(QuizError):
    def __init__(self, hours: float) -> None:
        super().__init__(
            f"This quiz expired after {hours:g} h without an answer. Use /careerquiz to start again."
        )


class UnknownSession(QuizError):
    def __init__(self) -> None:
        super().__init__(
            "I can't find that quiz any more (it may have been deleted). Use /careerquiz to start again."
        )


@dataclass(frozen=True)
class Progress:
    """What the member should see after an action."""

    session: SessionRow
    step: Step | None  # the question to show; None when the quiz just completed
    result: ResultRow | None = None
    explanation: Explanation | None = None
    changed: bool = True  # False: a replayed or double click; re-show, change nothing
    note: str | None = None  # one line shown above the question (e.g. a restart after a content update)


def faq_followups(retriever: FaqRetriever, explanation: Explanation, limit: int = 3) -> list[FaqEntry]:
    """The FAQ entries most relevant to a result: its track(s), weighted by what drove it, leaving out
    any whose premise the member's answers contradict (a beginner is not asked "I'm a software
    developer: ...?")."""
    outcome = explanation.score.outcome
    terms = [s.id for s in explanation.skills_next] + [r.question.factor for r in explanation.reasons]
    unfit = explanation.unfit_followups

    def related(track: str) -> list[FaqEntry]:
        found = retriever.related(track, terms, limit + len(unfit))
        return [e for e in found if e.id not in unfit][:limit]

    if outcome != "hybrid":
        return related(outcome)
    picks = [*related("ai"), *related("ml")]
    merged = list(
        {e.id: e for pair in zip(picks[:limit], picks[limit:], strict=False) for e in pair}.values()
    )
    return merged[:limit]


class QuizService:
    def __init__(
        self, content: Content, storage: Storage, *, idle_hours: float, clock: Callable[[], float] = time.time
    ):
        self.content, self.storage, self.idle_hours, self.clock = content, storage, idle_hours, clock

    @property
    def idle_seconds(self) -> float:
        return self.idle_hours * 3600

    # ------------------------------------------------------------ reading

    @staticmethod
    def _state(session: SessionRow, answers: dict[str, str]) -> SessionState:
        return SessionState(
            status=session.status,  # type: ignore[arg-type]
            position=session.position,
            answers=answers,
            quiz_version=session.quiz_version,
        )

    async def active(self, user_id: int) -> SessionRow | None:
        """The member's live session, expiring it first if it sat idle too long."""
        session = await self.storage.active_session(user_id)
        if session is not None and quiz.is_expired(session.updated_at, self.clock(), self.idle_seconds):
            await self.storage.set_status(session.id, "expired", self.clock())
            return None
        return session

    async def _owned(self, session_id: int, user_id: int) -> tuple[SessionRow, dict[str, str]]:
        found = await self.storage.session_with_answers(session_id)
        if found is None:
            raise UnknownSession()
        # Ownership first: even a forged click on another member's DM must learn nothing about it.
        if found[0].user_id != user_id:
            raise NotYourQuiz()
        return found

    async def _still_active(self, session: SessionRow) -> None:
        if session.status == "active" and quiz.is_expired(
            session.updated_at, self.clock(), self.idle_seconds
        ):
            await self.storage.set_status(session.id, "expired", self.clock())
            raise QuizExpired(self.idle_hours)
        if session.status == "expired":
            raise QuizExpired(self.idle_hours)
        if session.status != "active":
            raise quiz.SessionClosed()

    async def owned_active(self, session_id: int, user_id: int) -> tuple[SessionRow, dict[str, str]]:
        """The member's own session, if it can still be answered."""
        session, answers = await self._owned(session_id, user_id)
        await self._still_active(session)
        return session, answers

    async def owned_result(self, session_id: int, user_id: int) -> tuple[SessionRow, ResultRow]:
        """The member's own completed session and its stored result (for the result's buttons)."""
        session, _ = await self._owned(session_id, user_id)
        result = await self.storage.result_for_session(session.id) if session.status == "completed" else None
        if result is None:
            raise UnknownSession()
        return session, result

    # ------------------------------------------------------------ starting

    async def start(
        self,
        user_id: int,
        *,
        guild_id: int | None,
        channel_id: int | None,
        mode: str = "dm",
        note: str | None = None,
    ) -> Progress:
        """A fresh session; any active one is marked abandoned in the same transaction."""
        session = await self.storage.start_session(
            user_id=user_id,
            guild_id=guild_id,
            origin_channel_id=channel_id,
            quiz_version=self.content.quiz_version,
            mode=mode,
            now=self.clock(),
        )
        state = quiz.new_session(self.content.quiz, self.content.quiz_version)
        return Progress(session=session, step=quiz.current_step(self.content.quiz, state), note=note)

    async def resume(self, user_id: int) -> Progress | None:
        session = await self.active(user_id)
        if session is None:
            return None
        return await self._show(session)

    async def current(self, session_id: int, user_id: int, *, note: str | None = None) -> Progress:
        """The member's session as it stands (for a click on a stale message), unchanged."""
        session, _ = await self.owned_active(session_id, user_id)
        progress = await self._show(session, changed=False)
        return replace(progress, note=progress.note or note)

    async def _show(self, session: SessionRow, *, changed: bool = True) -> Progress:
        if session.quiz_version != self.content.quiz_version:
            return await self.start(
                session.user_id,
                guild_id=session.guild_id,
                channel_id=session.origin_channel_id,
                mode=session.mode,
                note=VERSION_CHANGED,
            )
        state = self._state(session, await self.storage.answers(session.id))
        return Progress(session=session, step=quiz.current_step(self.content.quiz, state), changed=changed)

    # ------------------------------------------------------------ clicks

    def _known_active(self, session_id: int, user_id: int) -> tuple[SessionRow, dict[str, str]] | None:
        """The session as this process last saw it, when a click on it can be decided from that alone:
        the member's own, active, not idle too long, on today's quiz. Anything else is read afresh,
        so every refusal a member sees comes from the database."""
        known = self.storage.known_session(session_id)
        if known is None:
            return None
        session, answers = known
        if (
            session.user_id != user_id
            or session.status != "active"
            or session.quiz_version != self.content.quiz_version
            or quiz.is_expired(session.updated_at, self.clock(), self.idle_seconds)
        ):
            return None
        return session, dict(answers)

    async def _answer_known(
        self, session_id: int, user_id: int, question_id: str, option_id: str
    ) -> Progress | None:
        """An answer within the quiz, in one guarded write; None when it must be decided afresh."""
        known = self._known_active(session_id, user_id)
        if known is None:
            return None
        session, answers = known
        state = self._state(session, answers)
        try:
            transition = quiz.answer(self.content.quiz, state, question_id, option_id)
        except QuizError:
            return None  # a stale button, say: the database decides what the member is told
        if not transition.changed:
            return None  # a repeat: the database says what the member sees
        if transition.state.status == "completed":
            return await self._complete(session, answers, state, transition, (question_id, option_id))
        moved = await self.storage.save_progress(
            session.id,
            expect_position=state.position,
            expect_updated_at=session.updated_at,
            position=transition.state.position,
            status="active",
            now=self.clock(),
            answer=(question_id, option_id),
        )
        return None if moved is None else Progress(session=moved, step=transition.step)

    async def answer(self, session_id: int, user_id: int, question_id: str, option_id: str) -> Progress:
        quick = await self._answer_known(session_id, user_id, question_id, option_id)
        if quick is not None:
            return quick
        session, answers = await self._owned(session_id, user_id)
        if session.status == "completed":  # a replayed or double final click: show the result again
            shown, why = await self.completed(session)
            return Progress(session=session, step=None, result=shown, explanation=why, changed=False)
        await self._still_active(session)
        if session.quiz_version != self.content.quiz_version:
            return await self._show(session)
        state = self._state(session, answers)
        transition = quiz.answer(self.content.quiz, state, question_id, option_id)
        if not transition.changed:
            return Progress(session=session, step=transition.step, changed=False)
        if transition.state.status == "completed":
            done = await self._complete(session, answers, state, transition, (question_id, option_id))
            return done if done is not None else await self._reread(session.id)
        now = self.clock()
        moved = await self.storage.save_progress(
            session.id,
            expect_position=state.position,
            expect_updated_at=session.updated_at,
            position=transition.state.position,
            status=transition.state.status,
            now=now,
            answer=(question_id, option_id),
        )
        if moved is None:
            return await self._reread(session.id)
        return Progress(session=moved, step=transition.step)

    async def _complete(
        self,
        session: SessionRow,
        answers: dict[str, str],
        state: SessionState,
        transition: quiz.Transition,
        answer: tuple[str, str],
    ) -> Progress | None:
        """The last answer: the result stored with it, or None if the session changed since it was
        read (the write is guarded by that very change, so the answers it explains are the stored ones)."""
        now = self.clock()
        previous = await self._previous(session.user_id, before_session=session.id)
        explanation = quiz.explain(self.content, transition.state.answers, previous)
        result = await self.storage.complete_session(
            session.id,
            expect_position=state.position,
            expect_updated_at=session.updated_at,
            position=transition.state.position,
            answer=answer,
            outcome=explanation.score.outcome,
            fit_ai=explanation.score.fit_ai,
            fit_ml=explanation.score.fit_ml,
            content_version=self.content.content_version,
            now=now,
            answers=answers,
        )
        if result is None:  # another click completed or moved it first
            return None
        # What the guarded write left: the row as read, with the columns it set (no read back).
        closed = replace(
            session, position=transition.state.position, status="completed", updated_at=now, finished_at=now
        )
        return Progress(session=closed, step=None, result=result, explanation=explanation)

    async def _reread(self, session_id: int) -> Progress:
        """A racing click won: show whatever the session is now, as an unchanged repeat."""
        session = await self.storage.session(session_id)
        if session is None:
            raise UnknownSession()
        if session.status == "completed":
            shown = await self.completed(session)
            return Progress(session=session, step=None, result=shown[0], explanation=shown[1], changed=False)
        return await self._show(session, changed=False)

    async def back(self, session_id: int, user_id: int) -> Progress:
        known = self._known_active(session_id, user_id)
        if known is not None:
            transition = quiz.back(self.content.quiz, self._state(*known))
            if transition.changed:
                moved = await self._step_back(known[0], transition.state.position)
                if moved is not None:
                    return Progress(session=moved, step=transition.step)
        session, answers = await self.owned_active(session_id, user_id)
        if session.quiz_version != self.content.quiz_version:
            return await self._show(session)  # never step back into a quiz that has changed
        transition = quiz.back(self.content.quiz, self._state(session, answers))
        if not transition.changed:
            return Progress(session=session, step=transition.step, changed=False)
        moved = await self._step_back(session, transition.state.position)
        if moved is None:
            return await self._reread(session.id)
        return Progress(session=moved, step=transition.step)

    async def _step_back(self, session: SessionRow, position: int) -> SessionRow | None:
        return await self.storage.save_progress(
            session.id,
            expect_position=session.position,
            expect_updated_at=session.updated_at,
            position=position,
            status="active",
            now=self.clock(),
        )

    async def cancel(self, session_id: int, user_id: int) -> SessionRow:
        session, _ = await self.owned_active(session_id, user_id)
        await self.storage.set_status(session.id, "cancelled", self.clock())
        cancelled = await self.storage.session(session.id)
        assert cancelled is not None
        return cancelled

    # ------------------------------------------------------------ results

    async def _previous(self, user_id: int, *, before_session: int) -> PreviousResult | None:
        row = await self.storage.latest_result(user_id, before_session=before_session)
        if row is None:
            return None
        return PreviousResult(
            outcome=row.outcome,  # type: ignore[arg-type]
            fit_ai=row.fit_ai,
            fit_ml=row.fit_ml,
            answers=await self.storage.answers(row.session_id),
        )

    async def completed(self, session: SessionRow) -> tuple[ResultRow, Explanation]:
        """The stored result of a completed session, explained again from its stored answers."""
        result = await self.storage.result_for_session(session.id)
        if result is None:
            raise UnknownSession()
        previous = await self._previous(session.user_id, before_session=session.id)
        explanation = quiz.explain(self.content, await self.storage.answers(session.id), previous)
        return result, explanation

    async def latest(self, user_id: int) -> tuple[ResultRow, Explanation] | None:
        row = await self.storage.latest_result(user_id)
        if row is None:
            return None
        session = await self.storage.session(row.session_id)
        assert session is not None
        return await self.completed(session)

    async def set_message(self, session_id: int, channel_id: int | None, message_id: int | None) -> None:
        await self.storage.set_session_message(session_id, channel_id, message_id)

    async def set_mode(self, session_id: int, mode: str) -> None:
        await self.storage.set_session_mode(session_id, mode)
