"""The playground's server without a browser: what it refuses, and content preview with reload."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from playground.web import allow_port, build_app
from playground.world import Playground

from .conftest import DATA


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[TestClient[Any, Any], Playground]]:
    content_dir = tmp_path / "content"
    shutil.copytree(DATA, content_dir)
    play = Playground(content_dir, tmp_path / "play.sqlite3")
    await play.start()
    app = build_app(play)
    server = TestServer(app, host="127.0.0.1")
    async with TestClient(server) as client:
        allow_port(app, server.port or 0)
        yield client, play
    await play.stop()


async def _world(client: TestClient[Any, Any]) -> dict[str, Any]:
    response = await client.get("/api/world")
    assert response.status == 200
    data: dict[str, Any] = await response.json()
    return data


def _persona(world: dict[str, Any], name: str) -> str:
    return str(next(p["id"] for p in world["personas"] if p["name"].startswith(name)))


async def test_page_answers_only_its_own_host(client: tuple[TestClient[Any, Any], Playground]) -> None:
    http, _ = client
    page = await http.get("/")
    assert page.status == 200 and "careerbot playground" in await page.text()
    # A page elsewhere reaching 127.0.0.1 through DNS rebinding sends its own Host: refused.
    rebound = await http.get("/api/world", headers={"Host": "attacker.example:8765"})
    assert rebound.status == 403
    form = await http.post("/api/command", data="command=careerquiz")
    assert form.status == 415  # a cross-site form post cannot send application/json without CORS


async def test_driver_takes_only_what_a_member_could_do(
    client: tuple[TestClient[Any, Any], Playground],
) -> None:
    http, play = client
    world = await _world(http)
    alice, general = _persona(world, "alice"), world["channels"][0]["id"]
    refused = await http.post(
        "/api/command", json={"persona": alice, "channel": general, "command": "quizstats summary"}
    )
    body = await refused.json()
    assert refused.status == 400 and body["error"].startswith("Discord would not allow that")
    unknown = await http.post(
        "/api/command", json={"persona": "1", "channel": general, "command": "careerquiz"}
    )
    assert unknown.status == 400 and "no persona" in (await unknown.json())["error"]
    played = await http.post(
        "/api/command", json={"persona": alice, "channel": general, "command": "careerquiz"}
    )
    assert played.status == 200
    seen = await (await http.get(f"/api/messages?persona={alice}&channel={general}")).json()
    assert any(m["ephemeral"] and "Check your DMs" in m["content"] for m in seen["messages"])
    # Another member does not see alice's ephemeral reply.
    bilal = _persona(world, "bilal")
    others = await (await http.get(f"/api/messages?persona={bilal}&channel={general}")).json()
    assert not any("Check your DMs" in m["content"] for m in others["messages"])
    assert play.fake.violations == [] and play.fake.internal_errors == []


async def test_reload_shows_a_broken_file_and_keeps_the_last_good_content(
    client: tuple[TestClient[Any, Any], Playground],
) -> None:
    http, play = client
    careers = play.content_dir / "careers.yaml"
    good = careers.read_text(encoding="utf-8")
    first_version = (await _world(http))["content_version"]

    careers.write_text(good.replace("minimum: 110000", "minimum: 990000", 1), encoding="utf-8")
    broken = await (await http.post("/api/reload", json={})).json()
    assert broken["content_error"] == "careers.yaml: tracks[0].salary.minimum: must be below maximum"
    world = await _world(http)
    assert world["content_error"] == broken["content_error"] and world["content_version"] == first_version
    assert play.bot is not None and play.bot.content.content_version == first_version
    alice, general = _persona(world, "alice"), world["channels"][0]["id"]
    still = await http.post(
        "/api/command", json={"persona": alice, "channel": general, "command": "compare salary"}
    )
    assert still.status == 200, await still.text()
    seen = await (await http.get(f"/api/messages?persona={alice}&channel={general}")).json()
    assert "$110-160k" in str(seen["messages"][-1]["embeds"])

    careers.write_text(good.replace('label: "$110-160k"', 'label: "$110-160k "', 1), encoding="utf-8")
    fixed = await (await http.post("/api/reload", json={})).json()
    assert fixed["content_error"] is None and fixed["content_version"] != first_version
    assert play.bot is not None and play.bot.content.content_version == fixed["content_version"]


def test_a_broken_content_folder_stops_the_playground_with_one_line(tmp_path: Path) -> None:
    content_dir = tmp_path / "content"
    shutil.copytree(DATA, content_dir)
    quiz = content_dir / "quiz.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8") + "\n  - [unbalanced\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "playground", "--port", "0", "--content-dir", str(content_dir)],
        cwd=DATA.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("careerbot: ") and "quiz.yaml: " in lines[0]


async def test_a_message_mentioning_the_bot_gets_an_answer(
    client: tuple[TestClient[Any, Any], Playground],
) -> None:
    http, play = client
    world = await _world(http)
    alice, general = _persona(world, "alice"), world["channels"][0]["id"]
    sent = await http.post(
        "/api/message", json={"persona": alice, "channel": general, "content": "do I need a PhD?"}
    )
    assert sent.status == 200
    channel = play.channel(general, play.persona(alice))
    reply = await play.fake.wait_channel_message(channel, timeout=20)
    seen = await (await http.get(f"/api/messages?persona={alice}&channel={general}")).json()
    texts = [m["content"] + str(m["embeds"]) for m in seen["messages"]]
    assert texts[0].startswith(f"<@{play.fake.bot_user.id}> do I need a PhD?")
    assert any(str(reply.id) == m["id"] for m in seen["messages"]) and "From the article" in texts[-1]
