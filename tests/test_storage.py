"""Storage on a real SQLite file and on a real PostgreSQL schema: migrations, guards, backups, privacy
deletes. Tests taking ``database`` run on both backends."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.storage import Storage, StorageError, migrations


async def open_storage(target: Path | str) -> Storage:
    s = Storage(target)
    await s.open()
    return s


def test_every_sqlite_migration_has_a_postgresql_twin() -> None:
    assert [m.version for m in migrations("postgresql")] == [m.version for m in migrations()]


async def test_postgresql_schema_takes_64_bit_discord_ids(postgres_url: str) -> None:
    s = await open_storage(postgres_url)
    try:
        big = 2**63 - 1  # snowflakes outgrow 32 bits; every id column must hold any of them
        sess = await s.start_session(
            user_id=big, guild_id=big, origin_channel_id=big, quiz_version="v", mode="dm", now=1.5
        )
        assert (sess.user_id, sess.guild_id, sess.started_at) == (big, big, 1.5)
        await s.record_role_grant(big, big, big, now=1)
        assert await s.role_grants(big) == [(big, big)]
        assert await s.schema_version() == migrations("postgresql")[-1].version
    finally:
        await s.close()


async def test_fresh_file_gets_every_migration_and_pragmas(tmp_path: Path) -> None:
    s = await open_storage(tmp_path / "a.sqlite3")
    try:
        assert await s.schema_version() == migrations()[-1].version
        row = await s._one("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
        row = await s._one("PRAGMA foreign_keys")
        assert row is not None and row[0] == 1
    finally:
        await s.close()
    # Re-opening applies nothing twice.
    s = await open_storage(tmp_path / "a.sqlite3")
    rows = await s._all("SELECT version FROM schema_version")
    assert [r[0] for r in rows] == [m.version for m in migrations()]
    await s.close()


async def test_previous_schema_version_is_upgraded_keeping_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    known = migrations()
    # Build the database as the previous release left it: every migration but the last.
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
    )
    for mig in known[:-1]:
        con.executescript(mig.sql)
        con.execute("INSERT INTO schema_version VALUES (?, ?, 0)", (mig.version, mig.name))
    if len(known) > 1:
        con.execute(
            "INSERT INTO quiz_sessions (user_id, quiz_version, status, started_at, updated_at)"
            " VALUES (7, 'v', 'active', 1, 1)"
        )
    con.commit()
    con.close()
    s = await open_storage(path)
    try:
        assert await s.schema_version() == known[-1].version
        if len(known) > 1:
            assert (await s.active_session(7)) is not None
    finally:
        await s.close()


async def test_newer_schema_is_refused_with_reason(database: Path | str) -> None:
    s = await open_storage(database)
    async with s._tx() as tx:
        await tx.execute("INSERT INTO schema_version VALUES (999, '0999_future.sql', 0)")
    await s.close()
    with pytest.raises(StorageError, match=r"schema version 999 is newer"):
        await open_storage(database)


async def test_a_migration_numbered_below_the_newest_applied_still_runs(database: Path | str) -> None:
    """Branches land migrations out of order (0008 before 0005): a database that has the higher one
    must still get the lower one when it arrives, not skip it because a higher number is applied."""
    s = await open_storage(database)
    async with s._tx() as tx:  # as if 0004 had not existed when this database was made
        await tx.execute("DROP INDEX faq_feedback_query")
        await tx.execute("DELETE FROM schema_version WHERE version = 4")
    await s.close()
    s = await open_storage(database)
    try:
        async with s._tx() as tx:
            rows = await tx.execute_fetchall("SELECT version FROM schema_version ORDER BY version")
        assert [int(r[0]) for r in rows] == [m.version for m in migrations()]
        async with s._tx() as tx:  # 0004 ran again: its index is back, so creating it again fails
            with pytest.raises((sqlite3.OperationalError, asyncpg.PostgresError), match="already exists"):
                await tx.execute("CREATE INDEX faq_feedback_query ON faq_feedback (query_id)")
    finally:
        await s.close()


async def test_unwritable_path_says_which_and_why(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match=str(blocker)):
        await open_storage(blocker / "sub" / "db.sqlite3")


async def test_one_active_session_per_member(database: Path | str) -> None:
    s = await open_storage(database)
    try:
        first = await s.start_session(
            user_id=1, guild_id=5, origin_channel_id=6, quiz_version="v", mode="dm", now=1
        )
        second = await s.start_session(
            user_id=1, guild_id=5, origin_channel_id=6, quiz_version="v", mode="dm", now=2
        )
        old = await s.session(first.id)
        assert old is not None and old.status == "abandoned"
        active = await s.active_session(1)
        assert active is not None and active.id == second.id
        # The database itself refuses a second active session, whatever code asks.
        with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
            async with s._tx() as tx:
                await tx.execute("UPDATE quiz_sessions SET status = 'active' WHERE id = ?", (first.id,))
        active = await s.active_session(1)
        assert active is not None and active.id == second.id
    finally:
        await s.close()


async def test_progress_guard_refuses_a_stale_position(database: Path | str) -> None:
    s = await open_storage(database)
    try:
        sess = await s.start_session(
            user_id=1, guild_id=None, origin_channel_id=None, quiz_version="v", mode="dm", now=1
        )
        assert await s.save_progress(
            sess.id, expect_position=0, position=1, status="active", now=2, answer=("q1", "a")
        )
        # The same click replayed computes from position 0 again: refused, nothing written twice.
        assert not await s.save_progress(
            sess.id, expect_position=0, position=1, status="active", now=3, answer=("q1", "b")
        )
        assert await s.answers(sess.id) == {"q1": "a"}
    finally:
        await s.close()


async def test_backup_during_writes_is_readable(tmp_path: Path) -> None:
    s = await open_storage(tmp_path / "db.sqlite3")
    stop = asyncio.Event()

    async def writer() -> int:
        n = 0
        while not stop.is_set():
            await s.record_faq_query(
                user_id=n,
                guild_id=1,
                question=f"q{n}",
                entry_id=None,
                score=0.1,
                declined=True,
                source="slash",
                now=n,
            )
            n += 1
            await asyncio.sleep(0)
        return n

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    await s.backup(tmp_path / "backup.sqlite3")
    stop.set()
    written = await task
    await s.close()
    con = sqlite3.connect(tmp_path / "backup.sqlite3")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copied = con.execute("SELECT count(*) FROM faq_queries").fetchone()[0]
    con.close()
    assert 0 < copied <= written


async def test_forget_removes_only_that_member(database: Path | str) -> None:
    s = await open_storage(database)
    try:
        for user in (1, 2):
            sess = await s.start_session(
                user_id=user, guild_id=9, origin_channel_id=None, quiz_version="v", mode="dm", now=1
            )
            await s.complete_session(
                sess.id,
                expect_position=0,
                position=1,
                answer=("q", "o"),
                outcome="ai",
                fit_ai=80,
                fit_ml=20,
                content_version="c",
                now=2,
            )
            await s.record_faq_query(
                user_id=user,
                guild_id=9,
                question="pay?",
                entry_id="salary",
                score=0.9,
                declined=False,
                source="slash",
                now=3,
            )
            await s.set_feedback(user_id=user, entry_id="salary", guild_id=9, vote=1, query_id=None, now=4)
            await s.record_role_grant(9, user, 55, now=5)
        assert (await s.member_data(1)).results == 1
        grants = await s.forget_member(1)
        assert grants == [(9, 55)]
        mine = await s.member_data(1)
        assert (mine.sessions, mine.results, mine.faq_questions, mine.faq_votes, mine.role_grants) == (
            0,
            0,
            0,
            0,
            0,
        )
        theirs = await s.member_data(2)
        assert (theirs.sessions, theirs.results, theirs.faq_questions, theirs.faq_votes) == (1, 1, 1, 1)
        assert (await s.counts())["quiz_answers"] == 1
    finally:
        await s.close()


async def test_guild_settings_round_trip(database: Path | str) -> None:
    s = await open_storage(database)
    try:
        default = await s.guild_settings(4)
        assert default.mentions_enabled and default.moderator_roles == ()
        updated = await s.update_guild_settings(4, 1.0, mentions_enabled=False, moderator_roles=[10, 11])
        assert not updated.mentions_enabled and updated.moderator_roles == (10, 11)
        with pytest.raises(ValueError):
            await s.update_guild_settings(4, 1.0, owner_id=5)
    finally:
        await s.close()


async def test_moderators_read_one_snapshot_on_a_separate_connection(database: Path | str) -> None:
    s = await open_storage(database)
    try:
        await s.start_session(
            user_id=1, guild_id=3, origin_channel_id=None, quiz_version="v", mode="dm", now=1
        )
        async with s.read_snapshot() as snap:
            first = await snap.execute_fetchall("SELECT count(*) AS n FROM quiz_sessions")
            # A member's click commits meanwhile: the writer is not held up by the open read...
            await s.start_session(
                user_id=2, guild_id=3, origin_channel_id=None, quiz_version="v", mode="dm", now=2
            )
            # ...and the summary's later queries still see the data as it stood when it began.
            again = await snap.execute_fetchall("SELECT count(*) AS n FROM quiz_sessions")
            assert first[0]["n"] == again[0]["n"] == 1
            if s.is_postgres:
                with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                    await snap.execute("DELETE FROM quiz_sessions")
        assert len(await s._all("SELECT id FROM quiz_sessions")) == 2
    finally:
        await s.close()


async def test_lease_is_held_by_one_process_until_it_lapses(tmp_path: Path) -> None:
    # Two Storage objects on one file stand for two bot processes sharing the database.
    first, second = await open_storage(tmp_path / "l.sqlite3"), await open_storage(tmp_path / "l.sqlite3")
    try:
        assert await first.try_lease("housekeeping", "a", ttl=90, now=1000)
        assert not await second.try_lease("housekeeping", "b", ttl=90, now=1060)
        assert await first.try_lease("housekeeping", "a", ttl=90, now=1060)  # renewed to 1150
        assert not await second.try_lease("housekeeping", "b", ttl=90, now=1149)
        assert await second.lease_holder("housekeeping", now=1149) == "a"
        # "a" stopped renewing (its process died): once the lease lapses, "b" takes it over.
        assert await second.try_lease("housekeeping", "b", ttl=90, now=1150)
        assert not await first.try_lease("housekeeping", "a", ttl=90, now=1151)
        assert await first.lease_holder("housekeeping", now=1151) == "b"
        assert await first.lease_holder("housekeeping", now=1240) is None
    finally:
        await first.close()
        await second.close()


async def test_racing_for_a_free_lease_has_one_winner(tmp_path: Path) -> None:
    stores = [await open_storage(tmp_path / "r.sqlite3") for _ in range(4)]
    try:
        won = await asyncio.gather(*(s.try_lease("job", f"p{i}", 60, 5.0) for i, s in enumerate(stores)))
        assert sorted(won) == [False, False, False, True]
    finally:
        for s in stores:
            await s.close()
