"""Quiz sessions, answers and results."""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot.storage import _rollups as rollups
from bot.storage._base import _transient_errors
from bot.storage._quiz_pg import Finish, New, PgQuizStatements
from bot.storage._rows import ResultRow, SessionRow, _result, _session
from bot.storage._steps import Step


def _guard(position: int, updated_at: float | None) -> tuple[str, tuple[float, ...]]:
    """A step's guard (the SQL after ``WHERE id = ?`` and its parameters): the session is still active at
    the position the engine computed from and, given ``updated_at``, unchanged since the caller saw it."""
    if updated_at is None:
        return " AND status = 'active' AND position = ?", (position,)
    return " AND status = 'active' AND position = ? AND updated_at = ?", (position, updated_at)


class QuizTables(PgQuizStatements):
    def known_session(self, session_id: int) -> tuple[SessionRow, Mapping[str, str]] | None:
        """The session and its answers as this process last read or wrote them, without asking the
        database: possibly out of date, so a write based on it must pass ``expect_updated_at``."""
        return self._known.get(session_id)

    async def active_session(self, user_id: int) -> SessionRow | None:
        return _session(
            await self._one_fast(
                "SELECT * FROM quiz_sessions WHERE user_id = ? AND status = 'active'", (user_id,)
            )
        )

    async def session(self, session_id: int) -> SessionRow | None:
        return _session(await self._one_fast("SELECT * FROM quiz_sessions WHERE id = ?", (session_id,)))

    async def start_session(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        origin_channel_id: int | None,
        quiz_version: str,
        mode: str,
        now: float,
    ) -> SessionRow:
        """Open a new session; a member's previous active one becomes 'abandoned' in the same transaction."""
        since = self._known.generation
        if self.is_postgres:
            with _transient_errors():
                started = await self._start_pg(
                    New(user_id, guild_id, origin_channel_id, quiz_version, mode, now)
                )
            self._known.put(started, {}, since=since)
            return started
        async with self._tx(fast=True) as db:
            before = await rollups.read_member(db, user_id=user_id)
            await db.execute(
                "UPDATE quiz_sessions SET status = 'abandoned', updated_at = ?, finished_at = ?"
                " WHERE user_id = ? AND status = 'active'",
                (now, now, user_id),
            )
            rows = await db.execute_fetchall(
                "INSERT INTO quiz_sessions (user_id, guild_id, origin_channel_id, quiz_version, status,"
                " position, mode, started_at, updated_at) VALUES (?, ?, ?, ?, 'active', 0, ?, ?, ?) RETURNING *",
                (user_id, guild_id, origin_channel_id, quiz_version, mode, now, now),
            )
            new = rollups.Session(int(rows[0]["id"]), now, None, "active", 0, quiz_version, None, None, None)
            pair = None if guild_id is None else (guild_id, user_id)
            await rollups.apply(db, before, before.started(pair, new, now))
        row = _session(next(iter(rows)))
        assert row is not None
        self._known.put(row, {}, since=since)
        return row

    async def session_with_answers(self, session_id: int) -> tuple[SessionRow, dict[str, str]] | None:
        """A session and its answers in one query (one hop on the click path)."""
        since = self._known.generation
        row = await self._one_fast(
            f"SELECT s.*, {self.dialect.answers_json} AS answers_json FROM quiz_sessions s WHERE s.id = ?",
            (session_id,),
        )
        if row is None:
            return None
        data = dict(row)
        answers = json.loads(data.pop("answers_json") or "{}")
        session = SessionRow(**data)
        self._known.put(session, answers, since=since)
        return session, answers

    async def answers(self, session_id: int) -> dict[str, str]:
        rows = await self._all_fast(
            "SELECT question_id, option_id FROM quiz_answers WHERE session_id = ?", (session_id,)
        )
        return {r["question_id"]: r["option_id"] for r in rows}

    async def save_progress(
        self,
        session_id: int,
        *,
        expect_position: int,
        position: int,
        status: str,
        now: float,
        answer: tuple[str, str] | None = None,
        expect_updated_at: float | None = None,
    ) -> SessionRow | None:
        """Write an answer and the new position atomically; returns the moved session.

        Guarded by the position the engine computed from (and, given ``expect_updated_at``, by the
        row's last change): if another click moved the session first (a double click racing itself,
        another process), nothing is written and None is returned.
        """
        known, since = self._known.get(session_id), self._known.generation
        moved = await self._save_progress(
            session_id, expect_position, expect_updated_at, position, status, now, answer
        )
        # The answers known before are still the row's only if the write was guarded by the very
        # change they were read at: then the new ones are those plus this answer.
        if moved is not None and known is not None and known[0].updated_at == expect_updated_at:
            self._known.put(moved, {**known[1], answer[0]: answer[1]} if answer else known[1], since=since)
        else:
            self._known.drop(session_id)
        return moved

    async def _save_progress(
        self,
        session_id: int,
        expect_position: int,
        expect_updated_at: float | None,
        position: int,
        status: str,
        now: float,
        answer: tuple[str, str] | None,
    ) -> SessionRow | None:
        guard, guarded = _guard(expect_position, expect_updated_at)
        if self.is_postgres and status == "active":
            # With the other clicks of this pass of the loop, in one statement (see _steps.py).
            step = Step(session_id, expect_position, expect_updated_at, position, now, answer)
            with _transient_errors():
                return _session(await self._steps.write(step))
        async with self._tx(fast=True) as db:
            # An answer or Back while active moves no statistic; only a change of status does.
            before = await rollups.read_member(db, session_id=session_id) if status != "active" else None
            if status == "active":
                # A step within the quiz names only what it changes: setting status and finished_at too
                # (to the same values) made SQLite rewrite the three indexes holding them, a third of
                # a click's database time.
                rows = await db.execute_fetchall(
                    f"UPDATE quiz_sessions SET position = ?, updated_at = ? WHERE id = ?{guard} RETURNING *",
                    (position, now, session_id, *guarded),
                )
            else:
                rows = await db.execute_fetchall(
                    "UPDATE quiz_sessions SET position = ?, status = ?, updated_at = ?, finished_at = ?"
                    f" WHERE id = ?{guard} RETURNING *",
                    (position, status, now, now, session_id, *guarded),
                )
            moved = _session(next(iter(rows), None))
            if moved is None:
                return None
            if answer is not None:
                await db.execute(
                    "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (session_id, question_id)"
                    " DO UPDATE SET option_id = excluded.option_id, answered_at = excluded.answered_at",
                    (session_id, answer[0], answer[1], now),
                )
            if before is not None:
                after = before.changed(session_id, status=status, finished_at=now, position=position)
                await rollups.apply(db, before, after)
        return moved

    async def set_status(self, session_id: int, status: str, now: float) -> bool:
        self._known.drop(session_id)
        async with self._tx(fast=True) as db:
            before = await rollups.read_member(db, session_id=session_id)
            cur = await db.execute(
                "UPDATE quiz_sessions SET status = ?, updated_at = ?, finished_at = ?"
                " WHERE id = ? AND status = 'active'",
                (status, now, now, session_id),
            )
            if cur.rowcount == 1:
                await rollups.apply(db, before, before.changed(session_id, status=status, finished_at=now))
            return cur.rowcount == 1

    async def set_session_message(
        self, session_id: int, channel_id: int | None, message_id: int | None
    ) -> None:
        await self._write_one(
            "UPDATE quiz_sessions SET message_channel_id = ?, message_id = ? WHERE id = ?",
            (channel_id, message_id, session_id),
        )

    async def set_session_mode(self, session_id: int, mode: str) -> None:
        await self._write_one("UPDATE quiz_sessions SET mode = ? WHERE id = ?", (mode, session_id))

    async def expire_idle(self, idle_before: float, now: float) -> int:
        async with self._tx() as db:
            idle = await db.execute_fetchall(
                "SELECT guild_id, user_id FROM quiz_sessions"
                " WHERE status = 'active' AND updated_at < ? AND guild_id IS NOT NULL",
                (idle_before,),
            )
            pairs = {(int(r["guild_id"]), int(r["user_id"])) for r in idle}
            before = await rollups.read(db, pairs)
            cur = await db.execute(
                "UPDATE quiz_sessions SET status = 'expired', finished_at = ?"
                " WHERE status = 'active' AND updated_at < ?",
                (now, idle_before),
            )
            await rollups.apply(db, before, await rollups.read(db, pairs))
        self._known.drop_where(lambda row: row.updated_at < idle_before)
        return cur.rowcount

    async def complete_session(
        self,
        session_id: int,
        *,
        expect_position: int,
        position: int,
        answer: tuple[str, str],
        outcome: str,
        fit_ai: int,
        fit_ml: int,
        content_version: str,
        now: float,
        expect_updated_at: float | None = None,
        answers: Mapping[str, str] | None = None,
    ) -> ResultRow | None:
        """Record the last answer, close the session and store its result in one transaction (guarded
        as ``save_progress`` is). ``answers``: the session's answers as read at ``expect_updated_at``
        (read again if not given). On PostgreSQL, given ``expect_updated_at``, it is one statement after
        its reads (_quiz_pg.py)."""
        self._known.drop(session_id)
        guard, guarded = _guard(expect_position, expect_updated_at)
        # Without the change it was read at, a read before the statement could be stale: one transaction.
        if self.is_postgres and expect_updated_at is not None:
            finish = Finish(position, answer, outcome, fit_ai, fit_ml, content_version, now)
            with _transient_errors():
                return await self._complete_pg(session_id, guard, guarded, finish, answers)
        async with self._tx(fast=True) as db:
            before = await rollups.read_member(db, session_id=session_id)
            cur = await db.execute(
                "UPDATE quiz_sessions SET position = ?, status = 'completed', updated_at = ?, finished_at = ?"
                f" WHERE id = ?{guard}",
                (position, now, now, session_id, *guarded),
            )
            if cur.rowcount != 1:
                return None
            await db.execute(
                "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (session_id, question_id)"
                " DO UPDATE SET option_id = excluded.option_id, answered_at = excluded.answered_at",
                (session_id, answer[0], answer[1], now),
            )
            rows = await db.execute_fetchall(
                "INSERT INTO quiz_results (session_id, user_id, guild_id, outcome, fit_ai, fit_ml,"
                " quiz_version, content_version, started_at, completed_at)"
                " SELECT id, user_id, guild_id, ?, ?, ?, quiz_version, ?, started_at, ? FROM quiz_sessions"
                " WHERE id = ? RETURNING *",
                (outcome, fit_ai, fit_ml, content_version, now, session_id),
            )
            result = _result(next(iter(rows), None))
            if result is not None:
                after = before.changed(
                    session_id,
                    status="completed",
                    finished_at=now,
                    position=position,
                    outcome=outcome,
                    result_started=result.started_at,
                    completed_at=now,
                )
                await rollups.apply(db, before, after)
            return result

    async def result_for_session(self, session_id: int) -> ResultRow | None:
        return _result(await self._one_fast("SELECT * FROM quiz_results WHERE session_id = ?", (session_id,)))

    async def latest_result(self, user_id: int, *, before_session: int | None = None) -> ResultRow | None:
        """The member's newest result, or the newest before a given session (for "since last time")."""
        bound = before_session if before_session is not None else 2**63 - 1
        return _result(
            await self._one_fast(  # an index seek (quiz_results_user), on a result's click
                "SELECT * FROM quiz_results WHERE user_id = ? AND session_id < ?"
                " ORDER BY completed_at DESC, id DESC LIMIT 1",
                (user_id, bound),
            )
        )
