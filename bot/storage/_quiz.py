"""Quiz sessions, answers and results."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.storage import _postgres as pg
from bot.storage import _rollups as rollups
from bot.storage._base import StorageBase, StorageError, StorageUnavailable, _transient_errors
from bot.storage._driver import Row
from bot.storage._rows import ResultRow, SessionRow, _result, _session
from bot.storage._steps import Step


def _guard(position: int, updated_at: float | None) -> tuple[str, tuple[float, ...]]:
    """A step's guard (the SQL after ``WHERE id = ?`` and its parameters): the session is still active at
    the position the engine computed from and, given ``updated_at``, unchanged since the caller saw it."""
    if updated_at is None:
        return " AND status = 'active' AND position = ?", (position,)
    return " AND status = 'active' AND position = ? AND updated_at = ?", (position, updated_at)


@dataclass(frozen=True, slots=True)
class _New:
    """A session about to start."""

    user_id: int
    guild_id: int | None
    origin_channel_id: int | None
    quiz_version: str
    mode: str
    now: float


@dataclass(frozen=True, slots=True)
class _Finish:
    """What a session's last click writes."""

    position: int
    answer: tuple[str, str]
    outcome: str
    fit_ai: int
    fit_ml: int
    content_version: str
    now: float


class QuizTables(StorageBase):
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
                    _New(user_id, guild_id, origin_channel_id, quiz_version, mode, now)
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

    async def _start_pg(self, new: _New) -> SessionRow:
        """The start as one statement after one read, for the reason completions are (_complete_pg):
        every start in a server adds to the same rollup row. The statement locks the sessions the read
        saw active and goes on only if all of them still are, unchanged (the figures count an abandoned
        quiz where it stopped); if one was moved or closed meanwhile, or another start made one the
        read did not see (which the one-active index refuses), the member is read again."""
        for _attempt in range(3):
            rows = await self._all(rollups.ALL_OF_USER_SQL, (new.user_id,))
            seen = [(int(r["id"]), float(r["updated_at"])) for r in rows if r["status"] == "active"]
            before = rollups.snapshot(rows)
            # The new session's id is the database's to give; any id above the others ranks it the same.
            session = rollups.Session(
                2**63 - 1, new.now, None, "active", 0, new.quiz_version, None, None, None
            )
            pair = None if new.guild_id is None else (new.guild_id, new.user_id)
            after = before.started(pair, session, new.now)
            upserts, upserted = rollups.pg_upserts(rollups.delta(before, after), "EXISTS (SELECT 1 FROM new)")
            try:
                started = await self._all(
                    "WITH seen AS (SELECT * FROM unnest(CAST(? AS BIGINT[]), CAST(? AS DOUBLE PRECISION[]))"
                    " AS t (id, updated_at)),"
                    " still AS (SELECT s.id FROM quiz_sessions AS s JOIN seen USING (id)"
                    " WHERE s.status = 'active' AND s.updated_at = seen.updated_at FOR UPDATE OF s),"
                    " abandoned AS (UPDATE quiz_sessions SET status = 'abandoned', updated_at = ?, finished_at = ?"
                    " WHERE id IN (SELECT id FROM still) AND (SELECT count(*) FROM still) = ? RETURNING id),"
                    " new AS (INSERT INTO quiz_sessions (user_id, guild_id, origin_channel_id, quiz_version,"
                    " status, position, mode, started_at, updated_at)"
                    " SELECT ?, ?, ?, ?, 'active', 0, ?, ?, ? WHERE (SELECT count(*) FROM abandoned) = ?"
                    f" RETURNING *){upserts} SELECT * FROM new",
                    (
                        [sid for sid, _ in seen],
                        [at for _, at in seen],
                        new.now,
                        new.now,
                        len(seen),
                        new.user_id,
                        new.guild_id,
                        new.origin_channel_id,
                        new.quiz_version,
                        new.mode,
                        new.now,
                        new.now,
                        len(seen),
                        *upserted,
                    ),
                )
            except pg.asyncpg.UniqueViolationError as exc:
                if exc.constraint_name != "quiz_sessions_one_active":
                    raise
                continue  # a session started since the read: read again
            row = _session(next(iter(started), None))
            if row is not None:
                return row
        raise StorageUnavailable("PostgreSQL: the member's sessions kept changing while starting")

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

    async def _write_steps(self, steps: Sequence[Step]) -> list[Row]:
        """Steps of distinct sessions, each under its own guard, in one statement: one round trip, atomic
        on its own. A step whose guard fails writes nothing and returns no row. pg.fetch retries once
        on a connection found dead, and a repeat writes nothing: the guards no longer hold."""
        if self._pool is None:
            raise StorageError("storage is not open")
        answers = [step.answer or (None, None) for step in steps]
        return await pg.fetch(
            self._pool,
            "WITH step AS (SELECT * FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[]),"
            " CAST(? AS DOUBLE PRECISION[]), CAST(? AS BIGINT[]), CAST(? AS DOUBLE PRECISION[]),"
            " CAST(? AS TEXT[]), CAST(? AS TEXT[]))"
            " AS t (id, expect_position, expect_updated_at, position, now, question_id, option_id)),"
            " moved AS (UPDATE quiz_sessions AS s SET position = step.position, updated_at = step.now"
            " FROM step WHERE s.id = step.id AND s.status = 'active' AND s.position = step.expect_position"
            " AND (step.expect_updated_at IS NULL OR s.updated_at = step.expect_updated_at) RETURNING s.*),"
            " saved AS (INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at)"
            " SELECT moved.id, step.question_id, step.option_id, step.now FROM moved JOIN step USING (id)"
            " WHERE step.question_id IS NOT NULL ON CONFLICT (session_id, question_id)"
            " DO UPDATE SET option_id = excluded.option_id, answered_at = excluded.answered_at)"
            " SELECT * FROM moved",
            (
                [step.session_id for step in steps],
                [step.expect_position for step in steps],
                [step.expect_updated_at for step in steps],
                [step.position for step in steps],
                [step.now for step in steps],
                [question for question, _ in answers],
                [option for _, option in answers],
            ),
        )

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
        its reads (_complete_pg)."""
        self._known.drop(session_id)
        guard, guarded = _guard(expect_position, expect_updated_at)
        # Without the change it was read at, a read before the statement could be stale: one transaction.
        if self.is_postgres and expect_updated_at is not None:
            finish = _Finish(position, answer, outcome, fit_ai, fit_ml, content_version, now)
            with _transient_errors():
                return await self._complete_pg(session_id, guard, guarded, finish, answers, expect_updated_at)
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

    async def _complete_pg(
        self,
        session_id: int,
        guard: str,
        guarded: tuple[float, ...],
        finish: _Finish,
        answers: Mapping[str, str] | None,
        read_at: float,
    ) -> ResultRow | None:
        """The completion as one statement after the reads it needs: no transaction holds the rollup
        rows that every result in a server shares across round trips (under load, a convoy of
        completions waited on them). The rows read first are what the guard then proves: the session
        unchanged since ``read_at``, so its answers too; the member's other sessions in the server are
        closed, and a deletion of them would have taken this one as well."""
        before = rollups.snapshot(await self._all(rollups.OWNER_SQL, (session_id,)))
        session = next((s for rows in before.sessions.values() for s in rows if s.id == session_id), None)
        after = before.changed(
            session_id,
            status="completed",
            finished_at=finish.now,
            position=finish.position,
            outcome=finish.outcome,
            result_started=session.started_at if session else None,
            completed_at=finish.now,
        )
        needed = rollups.answers_needed(before, after)
        mine = dict(answers) if answers is not None else None
        read = await self._answers_of(needed - {session_id} if mine is not None else needed)
        after.answers.update(read)
        if session_id in needed:  # with the answer this click gives, not written yet
            given = mine if mine is not None else dict(read[session_id])
            after.answers[session_id] = list((given | {finish.answer[0]: finish.answer[1]}).items())
        upserts, upserted = rollups.pg_upserts(rollups.delta(before, after), "EXISTS (SELECT 1 FROM moved)")
        rows = await self._all(
            "WITH moved AS (UPDATE quiz_sessions SET position = ?, status = 'completed', updated_at = ?,"
            f" finished_at = ? WHERE id = ?{guard} RETURNING *),"
            " saved AS (INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at)"
            " SELECT id, CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS DOUBLE PRECISION) FROM moved"
            " ON CONFLICT (session_id, question_id)"
            " DO UPDATE SET option_id = excluded.option_id, answered_at = excluded.answered_at),"
            " result AS (INSERT INTO quiz_results (session_id, user_id, guild_id, outcome, fit_ai, fit_ml,"
            " quiz_version, content_version, started_at, completed_at)"
            " SELECT id, user_id, guild_id, CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), quiz_version,"
            f" CAST(? AS TEXT), started_at, CAST(? AS DOUBLE PRECISION) FROM moved RETURNING *){upserts}"
            " SELECT * FROM result",
            (
                finish.position,
                finish.now,
                finish.now,
                session_id,
                *guarded,
                *finish.answer,
                finish.now,
                finish.outcome,
                finish.fit_ai,
                finish.fit_ml,
                finish.content_version,
                finish.now,
                *upserted,
            ),
        )
        return _result(next(iter(rows), None))

    async def _answers_of(self, session_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
        """The sessions' answers, in one read (PostgreSQL)."""
        if not session_ids:
            return {}
        out: dict[int, list[tuple[str, str]]] = {sid: [] for sid in session_ids}
        for r in await self._all(
            "SELECT session_id, question_id, option_id FROM quiz_answers WHERE session_id = ANY(CAST(? AS BIGINT[]))",
            (sorted(session_ids),),
        ):
            out[int(r["session_id"])].append((str(r["question_id"]), str(r["option_id"])))
        return out

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
