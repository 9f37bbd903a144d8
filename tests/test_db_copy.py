"""`careerbot db copy` through the real process: SQLite -> PostgreSQL -> SQLite, every kind of row."""

from __future__ import annotations

from pathlib import Path

from bot.content import Content
from bot.stats import summary
from bot.storage import Storage
from tests.quiz_paths import db_rows
from tests.test_process import bot_env, run

T0 = 1_700_000_000.0
GUILDS = (111, 222)


async def fill(path: Path, content: Content) -> None:
    """A database holding a row in every table, and every kind of session."""
    s = Storage(path)
    await s.open()
    q = content.quiz.questions
    try:
        for g, guild in enumerate(GUILDS):
            await s.update_guild_settings(guild, T0, moderator_roles=[9000 + g], mentions_enabled=bool(g))
            for n in range(7):
                user = 1000 * (g + 1) + n
                sess = await s.start_session(
                    user_id=user,
                    guild_id=guild,
                    origin_channel_id=5,
                    quiz_version=content.quiz_version,
                    mode="dm",
                    now=T0 + n * 3600,
                )
                await s.save_progress(
                    sess.id,
                    expect_position=0,
                    position=1,
                    status="active",
                    now=T0 + n * 3600 + 10,
                    answer=(q[0].id, q[0].options[n % len(q[0].options)].id),
                )
                if n == 6:
                    continue  # left active, mid-quiz
                await s.complete_session(
                    sess.id,
                    expect_position=1,
                    position=2,
                    answer=(q[1].id, q[1].options[0].id),
                    outcome=("ai", "ml", "hybrid")[n % 3],
                    fit_ai=60 + n,
                    fit_ml=40 - n,
                    content_version="c1",
                    now=T0 + n * 3600 + 300.25,
                )
            await s.mark_shared(1, T0 + 999)
            other = await s.start_session(
                user_id=1, guild_id=guild, origin_channel_id=None, quiz_version="v", mode="channel", now=T0
            )
            await s.set_status(other.id, "cancelled", T0 + 5)
            qid = await s.record_faq_query(
                user_id=1000 * (g + 1),
                guild_id=guild,
                question="which one pays more?",
                entry_id="salary",
                score=0.875,
                declined=False,
                source="slash",
                now=T0 + 50,
            )
            await s.set_feedback(
                user_id=1000 * (g + 1), entry_id="salary", guild_id=guild, vote=-1, query_id=qid, now=T0 + 60
            )
            await s.record_role_grant(guild, 1000 * (g + 1), 7000 + g, T0 + 70)
        await s.expire_idle(T0 + 1, T0 + 10**6)  # one expired session in each guild
        await s.start_session(
            user_id=5, guild_id=None, origin_channel_id=None, quiz_version="v", mode="dm", now=T0
        )
        await s.set_tree_hash(42, "global", "abc123", T0)
    finally:
        await s.close()


def counts(target: Path | str, tables: list[str]) -> dict[str, int]:
    return {t: db_rows(target, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


async def summaries(path: Path, content: Content) -> list[object]:
    s = Storage(path)
    await s.open()
    reader = await s.open_reader()
    try:
        return [
            await summary(reader, guild_id=g, period="all", now=T0 + 10**7, k=1, quiz=content.quiz)
            for g in GUILDS
        ]
    finally:
        await reader.close()
        await s.close()


TABLES = [
    "guild_settings",
    "quiz_sessions",
    "quiz_answers",
    "quiz_results",
    "faq_queries",
    "faq_feedback",
    "path_role_grants",
    "command_sync",
]


async def test_copy_to_postgresql_and_back_keeps_every_row_and_the_summary(
    tmp_path: Path, content: Content, postgres_url: str
) -> None:
    src, back = tmp_path / "src.sqlite3", tmp_path / "back.sqlite3"
    await fill(src, content)
    env = bot_env(tmp_path)
    before = counts(src, TABLES)
    assert all(before.values()), before  # every table holds rows

    code, out, err = await run(env, "db", "copy", "--from", f"sqlite:///{src}", "--to", postgres_url)
    assert code == 0, err
    assert out.startswith(f"copied {sum(before.values())} rows in ")
    assert "every table's row count and contents match" in out
    assert counts(postgres_url, TABLES) == before
    assert db_rows(
        postgres_url, "SELECT status, count(*) FROM quiz_sessions GROUP BY status ORDER BY status"
    ) == db_rows(src, "SELECT status, count(*) FROM quiz_sessions GROUP BY status ORDER BY status")

    # A second copy onto the now non-empty target is refused, and changes nothing.
    code, out, err = await run(env, "db", "copy", "--from", f"sqlite:///{src}", "--to", postgres_url)
    assert code == 2
    assert "already holds data" in err and "--force" in err
    assert counts(postgres_url, TABLES) == before
    code, out, err = await run(
        env, "db", "copy", "--from", f"sqlite:///{src}", "--to", postgres_url, "--force"
    )
    assert code == 0, err
    assert counts(postgres_url, TABLES) == before

    # The copied PostgreSQL serves on: new rows get fresh ids, active sessions carry on.
    pg = Storage(postgres_url)
    await pg.open()
    try:
        active = await pg.active_session(1006)
        assert active is not None and active.position == 1
        fresh = await pg.start_session(
            user_id=77, guild_id=111, origin_channel_id=None, quiz_version="v", mode="dm", now=T0
        )
        assert fresh.id > max(r[0] for r in db_rows(src, "SELECT id FROM quiz_sessions"))
        async with pg._tx() as tx:
            await tx.execute("DELETE FROM quiz_sessions WHERE id = ?", (fresh.id,))
    finally:
        await pg.close()

    # And back: the moderators' summary of each guild is the same as before the journey.
    code, out, err = await run(env, "db", "copy", "--from", postgres_url, "--to", f"sqlite:///{back}")
    assert code == 0, err
    assert counts(back, TABLES) == before
    original = await summaries(src, content)
    assert [(x.takers.count, x.funnel["completed"].count) for x in original] == [(8, 6), (8, 6)]
    assert await summaries(back, content) == original


async def test_copy_refuses_a_url_it_does_not_know(tmp_path: Path) -> None:
    code, _out, err = await run(
        bot_env(tmp_path), "db", "copy", "--from", "mysql://x@y/z", "--to", "sqlite:///a"
    )
    assert code == 2
    assert "db copy takes URLs" in err
