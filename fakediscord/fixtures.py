"""Pytest fixtures: `fake`, a started FakeDiscord that fails the test on unknown routes or payload violations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from .driver import FakeDiscord


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        problems = server.problems()
        await server.stop()
    if problems:
        pytest.fail(
            "fake Discord saw requests real Discord would reject or does not have:\n  - "
            + "\n  - ".join(problems)
            + "\n(assert on fake.violations / fake.unknown_routes and clear them if the test expects this)",
            pytrace=False,
        )
