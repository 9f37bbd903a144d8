"""Shared fixtures: the loopback fake Discord and a real CareerBot on a temporary SQLite file."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.client import EXTENSIONS, CareerBot
from bot.content import Content, load_content
from bot.settings import Settings
from fakediscord import FakeDiscord
from fakediscord.fixtures import fake  # noqa: F401  (re-exported fixture)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
# The article lives beside the project on build machines only; a user's clone has no ../shared.
# CAREERBOT_ARTICLE_PATH points elsewhere (the fresh-clone test uses it to play a clone without it).
ARTICLE = Path(
    os.environ.get("CAREERBOT_ARTICLE_PATH", ROOT.parent / "shared" / "seeds" / "000_fa210f31ad1d25d6.txt")
)
REQUIRE_ARTICLE_ENV = "CAREERBOT_REQUIRE_ARTICLE"

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(DATA)


@pytest.fixture(scope="session")
def article_text() -> str:
    """The article's text; skips when it is absent, unless CI insists (CAREERBOT_REQUIRE_ARTICLE=1)."""
    if ARTICLE.is_file():
        return ARTICLE.read_text(encoding="utf-8")
    shown = ARTICLE.relative_to(ROOT.parent) if ARTICLE.is_relative_to(ROOT.parent) else ARTICLE
    reason = f"the article is not beside the project: {shown} is missing"
    if os.environ.get(REQUIRE_ARTICLE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ARTICLE_ENV}=1 requires it)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _restore_discord_urls() -> Iterator[None]:
    """The bot points discord.py's class attributes at the fake; put them back after each test."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


def make_settings(discord_fake: FakeDiscord | None, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_path": tmp_path / "careerbot.sqlite3",
        "guild_ready_timeout": 0.05,
        "chart_cooldown_seconds": 0,
        "faq_cooldown_seconds": 0,
        "export_cooldown_seconds": 0,
        "cache_dir": tmp_path / "cache",  # never the developer's ~/.cache
    }
    if discord_fake is not None:
        values |= {
            "discord_token": discord_fake.token,
            "discord_api_base_url": discord_fake.api_base,
            "discord_gateway_url": discord_fake.gateway_url,
        }
    values |= overrides
    # _env_file=None: tests never read a developer's .env.
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class BotRunner:
    """Starts, stops and restarts real CareerBots against the fake, on one database file."""

    def __init__(
        self, discord_fake: FakeDiscord, tmp_path: Path, content: Content, database: Path | str | None = None
    ) -> None:
        self.fake, self.tmp_path, self.content = discord_fake, tmp_path, content
        # A SQLite file, or (for modules that run on both backends) a PostgreSQL URL.
        self.db_path: Path | str = database or tmp_path / "careerbot.sqlite3"
        self.bot: CareerBot | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, content: Content | None = None, **overrides: Any) -> CareerBot:
        return await self.start_with(content=content, **overrides)

    async def start_with(
        self, *, extensions: tuple[str, ...] = EXTENSIONS, content: Content | None = None, **overrides: Any
    ) -> CareerBot:
        if isinstance(self.db_path, str):
            overrides = {"database_url": self.db_path, **overrides}
        settings = make_settings(self.fake, self.tmp_path, **overrides)
        bot = CareerBot(settings, content or self.content, extensions=extensions)
        self.bot = bot
        self._task = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))  # type: ignore[union-attr]
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()  # raises the start-up error
            raise AssertionError("bot stopped before becoming ready")
        if ready not in done:
            raise AssertionError("bot did not become ready within 15 s")
        # Housekeeping's first pass starts once the bot is ready: let it finish, so a test's own
        # writes (some hold SQLite's lock from this loop) never meet it half-way.
        # By attribute, not isinstance: discord.py imports an extension's module afresh at each load, so
        # after a restart the cog's class is not the one imported here.
        first_pass = getattr(bot.get_cog("Housekeeping"), "first_pass", None)
        if isinstance(first_pass, asyncio.Event):
            await asyncio.wait_for(first_pass.wait(), 15)
        return bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)
        self.bot, self._task = None, None

    async def restart(self, **overrides: Any) -> CareerBot:
        await self.stop()
        return await self.start(**overrides)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite", or both backends in turn for modules that set ``BOTH_BACKENDS = True``."""
    return str(getattr(request, "param", "sqlite"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_BACKENDS", False):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
async def runner(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    content: Content,
    backend: str,
) -> AsyncIterator[BotRunner]:
    if backend == "postgresql":
        async with postgres_schema() as url:
            r = BotRunner(fake, tmp_path, content, url)
            yield r
            await r.stop()
        return
    r = BotRunner(fake, tmp_path, content)
    yield r
    await r.stop()


@pytest.fixture
async def bot(runner: BotRunner) -> CareerBot:
    return await runner.start()


@pytest.fixture
def member(fake: FakeDiscord) -> tuple[Any, Any]:  # noqa: F811
    """(guild, alice): one member of one server, for tests about a single member's quiz."""
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    return guild, alice


# ---------------------------------------------------------------- both storage backends

POSTGRES_ENV = "CAREERBOT_TEST_POSTGRES_URL"


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema of this test's own, dropped afterwards.

    Without CAREERBOT_TEST_POSTGRES_URL (or a server behind it) the test skips, naming why; with CI
    set, that is a failure instead, so CI never passes by skipping PostgreSQL."""
    import asyncpg

    base = os.environ.get(POSTGRES_ENV)
    insist = bool(os.environ.get("CI"))
    if not base:
        reason = f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        if insist:
            pytest.fail(f"{reason}; CI is set, so it is required")
        pytest.skip(reason)
    try:
        admin = await asyncpg.connect(base, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL at {POSTGRES_ENV} is not reachable: {type(exc).__name__}"
        if insist:
            pytest.fail(f"{reason}; CI is set, so it is required")
        pytest.skip(reason)
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}search_path={schema}"
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with postgres_schema() as url:
        yield url


@pytest.fixture
async def runner_pg(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    content: Content,
) -> AsyncIterator[BotRunner]:
    """A bot on PostgreSQL alone, its connections named (application_name, see ``pg_app``) so a test can
    find them in pg_stat_activity and cut them as a failing server would."""
    async with postgres_schema() as url:
        r = BotRunner(fake, tmp_path, content, f"{url}&application_name=careerbot-{uuid.uuid4().hex[:8]}")
        yield r
        await r.stop()


def pg_app(runner: BotRunner) -> str:
    """The application_name a ``runner_pg`` bot's connections carry."""
    assert isinstance(runner.db_path, str)
    return runner.db_path.rsplit("application_name=", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Path | str]:
    """Where a test's storage lives: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield tmp_path / "careerbot.sqlite3"
        return
    async with postgres_schema() as url:
        yield url


@asynccontextmanager
async def hold_database(runner: BotRunner, *, unreadable: tuple[str, ...] = ()) -> AsyncIterator[None]:
    """Keep the bot's writes waiting, as a busy database would: SQLite's writer lock in this process, or
    on PostgreSQL another session's EXCLUSIVE lock on the tables members write (reads still pass, except
    of the ``unreadable`` tables: SQLite's lock holds the bot's reads of them as well)."""
    if not isinstance(runner.db_path, str):
        assert runner.bot is not None
        async with runner.bot.storage._lock:
            yield
        return
    import asyncpg

    con = await asyncpg.connect(runner.db_path)
    try:
        async with con.transaction():
            await con.execute("LOCK TABLE quiz_sessions, quiz_answers, faq_queries IN EXCLUSIVE MODE")
            for table in unreadable:
                await con.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await con.close()
