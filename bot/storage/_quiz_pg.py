"""PostgreSQL's quiz writes as single statements: a start and a quiz's completion after their reads, and
the steps of one pass of the event loop together (_steps.py).

In a transaction, every start in a server and every result waited on the same statistics rollup rows
from their upsert to COMMIT, a round trip later on a busy loop: under load a convoy that held pool
connections the clicks behind it needed (bench.quiz_load). Written in the statement that makes the
change, those rows are locked for that statement alone. What the reads before it saw is what the
statement proves before it writes, or it writes nothing and the caller reads again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.storage import _postgres as pg
from bot.storage import _rollups as rollups
from bot.storage._base import StorageBase, StorageError, StorageUnavailable
from bot.storage._driver import Row
from bot.storage._rows import ResultRow, SessionRow, _result, _session
from bot.storage._steps import Step


@dataclass(frozen=True, slots=True)
class New:
    """A session about to start."""

    user_id: int
    guild_id: int | None
    origin_channel_id: int | None
    quiz_version: str
    mode: str
    now: float


@dataclass(frozen=True, slots=True)
class Finish:
    """What a session's last click writes."""

    position: int
    answer: tuple[str, str]
    outcome: str
    fit_ai: int
    fit_ml: int
    content_version: str
    now: float


class PgQuizStatements(StorageBase):
    async def _start_pg(self, new: New) -> SessionRow:
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

    async def _complete_pg(
        self,
        session_id: int,
        guard: str,
        guarded: tuple[float, ...],
        finish: Finish,
        answers: Mapping[str, str] | None,
    ) -> ResultRow | None:
        """The completion as one statement after the reads it needs: no transaction holds the rollup
        rows that every result in a server shares across round trips (under load, a convoy of
        completions waited on them). The rows read first are what the guard then proves: the session
        unchanged since the caller read it (its ``updated_at`` is in the guard), so its answers too; the
        member's other sessions in the server are closed, and a deletion of them would have taken this
        one as well."""
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
