"""`python -m bot` as a real subprocess: the entry point, .env handling and exit codes."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from bot.content import Content
from bot.quiz.engine import option_order
from fakediscord import FakeDiscord
from tests.quiz_paths import db_rows

ROOT = Path(__file__).resolve().parents[1]


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "DEV_GUILD", "DATABASE_", "CONTENT_"))
    }
    env.update(
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        CACHE_DIR=str(tmp_path / "cache"),  # never the developer's ~/.cache
        GUILD_READY_TIMEOUT="0.05",
        PYTHONUNBUFFERED="1",
        MPLBACKEND="Agg",
    )
    env.update(extra)
    return env


async def run(
    env: dict[str, str], *args: str, stdin: bytes | None = None, limit: float = 60
) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd="/",  # the project is found from the package, not the cwd
        env=env,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), limit)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_reaches_ready_and_exits_zero_on_sigterm(fake: FakeDiscord, tmp_path: Path) -> None:
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd="/",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen = ""
    async with asyncio.timeout(60):
        while "connected as" not in seen:
            line = await proc.stderr.readline()
            assert line, f"bot exited before READY:\n{seen}"
            seen += line.decode()
    assert fake.sync_count() == 1
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert fake.token not in seen + err.decode() + out.decode()


async def test_missing_token_names_the_variable(tmp_path: Path) -> None:
    code, _out, err = await run(bot_env(tmp_path, DISCORD_TOKEN=""), "run")
    assert code == 2
    assert "DISCORD_TOKEN" in err and ".env.example" in err and "Traceback" not in err


async def test_rejected_token_exits_one_without_printing_it(fake: FakeDiscord, tmp_path: Path) -> None:
    bad = "MTIzNDU2Nzg5MDEyMzQ1Njc4.bad.token-that-is-wrong"
    env = bot_env(
        tmp_path, DISCORD_TOKEN=bad, DISCORD_API_BASE_URL=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url
    )
    code, out, err = await run(env, "run")
    assert code == 1
    assert "Discord rejected DISCORD_TOKEN" in err and "Traceback" not in err
    assert bad not in out + err


async def test_broken_content_names_file_field_and_reason(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    quiz = (data / "quiz.yaml").read_text()
    (data / "quiz.yaml").write_text(quiz.replace('label: "', 'label: "' + "x" * 90, 1))
    code, _out, err = await run(bot_env(tmp_path, CONTENT_DIR=str(data), DISCORD_TOKEN="x"), "run")
    assert code == 2
    assert "quiz.yaml: questions[0].options[0].label: String should have at most 80 characters" in err
    assert "Traceback" not in err


async def test_unwritable_database_says_which_and_why(fake: FakeDiscord, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DATABASE_PATH=str(blocker / "db.sqlite3"),
    )
    code, _out, err = await run(env, "db", "migrate")
    assert code == 2 and str(blocker) in err and "Traceback" not in err
    code, _out, err = await run(env, "run")
    assert code == 2 and str(blocker) in err and "Traceback" not in err


async def test_check_works_without_a_token(tmp_path: Path) -> None:
    code, out, err = await run(bot_env(tmp_path, DISCORD_TOKEN=""), "check")
    assert code == 0, err
    assert '"faq_entries"' in out and '"quiz_version"' in out


async def test_db_migrate_and_backup(tmp_path: Path) -> None:
    env = bot_env(tmp_path)
    code, out, err = await run(env, "db", "migrate")
    assert code == 0 and "schema version" in out, err
    code, out, err = await run(env, "db", "backup", str(tmp_path / "copy.sqlite3"))
    assert code == 0, err
    assert db_rows(tmp_path / "copy.sqlite3", "SELECT count(*) FROM schema_version")[0][0] >= 1


async def test_terminal_quiz_through_stdin(tmp_path: Path, content: Content) -> None:
    # A throwaway database: the session is the first, id 1, so its shuffled order is known.
    ai_end = [option_order(q, 1).index(q.options[0]) + 1 for q in content.quiz.questions]
    answers = "".join(f"{n}\n" for n in ai_end).encode()
    code, out, err = await run(bot_env(tmp_path), "quiz", stdin=answers)
    assert code == 0, err
    assert "Question 1 of 13" in out and "=== Your result: AI Engineer ===" in out
    # The same words as the DM's result (tests/test_e2e_quiz.py checks the DM side).
    assert "Your answers lean 100% towards AI Engineer." in out and "What decided it" in out
    assert "--- Skills to learn ---" in out and "§" not in out and "/100" not in out and "$110-160k" in out
    assert not (tmp_path / "bot.sqlite3").exists(), "without --save nothing is stored"
    code, out, err = await run(
        bot_env(tmp_path), "quiz", "--save", "--user-id", "42", stdin=b"b\n9\n" + b"3\n" * 20
    )
    assert "Please type a number" in out
    assert db_rows(tmp_path / "bot.sqlite3", "SELECT user_id, status FROM quiz_sessions") != []


async def test_ask_json_stdin_round_trip(tmp_path: Path) -> None:
    questions = "which pays more\nhow do I install CUDA\n\n" + "y" * 6000 + "\n"
    code, out, err = await run(bot_env(tmp_path), "ask", "--json", "--stdin", stdin=questions.encode())
    assert code == 0, err
    import json

    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 4
    assert lines[0]["declined"] is False and lines[0]["section"] == "salary"
    assert lines[1] == {
        "id": None,
        "section": None,
        "score": lines[1]["score"],
        "declined": True,
        "candidate": lines[1]["candidate"],
    }
    assert all(line["declined"] for line in lines[2:])


@pytest.mark.parametrize("args", [["ask"], ["bogus"]])
async def test_usage_errors_exit_two(tmp_path: Path, args: list[str]) -> None:
    code, _out, _err = await run(bot_env(tmp_path), *args)
    assert code == 2


async def test_sync_command_forces_a_sync(fake: FakeDiscord, tmp_path: Path) -> None:
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    for expected in (1, 2):  # the second run's tree is unchanged, yet `sync` forces it
        code, _out, err = await run(env, "sync")
        assert code == 0, err
        assert fake.sync_count() == expected
    guild = fake.add_guild(name="Dev")
    code, _out, err = await run(env, "sync", "--guild", str(guild.id))
    assert code == 0, err
    assert fake.sync_count(guild.id) == 1


async def test_newer_database_schema_is_refused(tmp_path: Path) -> None:
    import sqlite3

    env = bot_env(tmp_path)
    code, _out, err = await run(env, "db", "migrate")
    assert code == 0, err
    con = sqlite3.connect(tmp_path / "bot.sqlite3")
    con.execute("INSERT INTO schema_version VALUES (999, '0999_future.sql', 0)")
    con.commit()
    con.close()
    code, _out, err = await run(env, "db", "migrate")
    assert code == 2 and "schema version 999 is newer" in err and "Traceback" not in err


async def test_unreachable_discord_is_one_clear_line(tmp_path: Path) -> None:
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN="x",
        DISCORD_API_BASE_URL="http://127.0.0.1:9/api/v10",
        DISCORD_GATEWAY_URL="ws://127.0.0.1:9",
    )
    code, _out, err = await run(env, "run")
    assert code == 1 and "cannot reach Discord (http://127.0.0.1:9/api/v10)" in err and "Traceback" not in err


async def test_the_process_entry_collects_garbage_again_after_start_up(tmp_path: Path) -> None:
    """bot.launch pauses the cyclic collector while start-up imports: a long-lived bot must get it back,
    collecting on its own (a reference cycle is freed once YOUNG more objects are alive) but not after
    every 700 allocations as Python's default does."""
    code = (
        "import gc, sys, weakref; sys.argv = ['careerbot', 'check']; from bot.launch import main; rc = main()\n"
        "class Node: pass\n"
        "gc.collect(); a, b = Node(), Node(); a.other, b.other = b, a; freed = []; weakref.finalize(a, freed.append, 1);"
        " del a, b; few = [[] for _ in range(1000)]; early = bool(freed);"
        " many = [[] for _ in range(20000)];"
        " print(gc.isenabled(), gc.get_freeze_count() > 0, early, bool(freed), rc)"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        env=bot_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().split()[-5:] == ["True", "True", "False", "True", "0"], out.decode()
