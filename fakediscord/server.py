"""The aiohttp application: routing, auth, fault injection, request log and unknown-route capture."""

from __future__ import annotations

import asyncio
import time
import traceback
from collections import deque
from typing import TYPE_CHECKING, Any, NamedTuple

from aiohttp import web
from aiohttp.typedefs import Handler

from .faults import rate_limited
from .http_utils import ARRIVED, DiscordHTTPError, json_response
from .routes_commands import CommandRoutes
from .routes_core import API, CoreRoutes
from .routes_interactions import InteractionRoutes
from .routes_messages import MessageRoutes

if TYPE_CHECKING:
    from .core import FakeDiscordCore


class RequestRecord(NamedTuple):
    method: str
    path: str  # relative to /api/v10, without the query string
    status: int


# Interaction callbacks and webhooks neither need the bot token nor count towards the global limit.
_TOKENLESS_PREFIXES = ("/interactions/", "/webhooks/")


class StampingRequestHandler(web.RequestHandler):
    """aiohttp's per-connection protocol, noting when each request was read off the socket.

    It runs in the loop's read callback, before aiohttp queues the request for a handler task: a
    loop busy with 1,000 members no longer adds its queue to the bot's measured acknowledgement time
    (it still delays the read itself: bench/quiz_load.py prints that loop lag separately)."""

    __slots__ = ("_parsed_at", "_stamped", "_taken")

    def __init__(self, manager: web.Server, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._parsed_at: deque[tuple[int, float]] = deque()  # (requests parsed so far, read at)
        self._stamped = 0
        self._taken = 0

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        super().data_received(data)
        parsed = int(getattr(self, "_request_count", 0))  # aiohttp's count of requests parsed
        if parsed > self._stamped:
            self._parsed_at.append((parsed, now))
            self._stamped = parsed

    def next_arrival(self) -> float | None:
        """When the next request handled on this connection was read (requests are handled in order)."""
        self._taken += 1
        while self._parsed_at and self._parsed_at[0][0] < self._taken:
            self._parsed_at.popleft()
        return self._parsed_at[0][1] if self._parsed_at else None


async def listen(runner: web.AppRunner, host: str) -> asyncio.Server:
    """Serve the runner's app on an ephemeral port through StampingRequestHandler (in place of a
    web.TCPSite, whose handlers are aiohttp's own)."""
    server = runner.server
    assert server is not None, "runner.setup() first"
    loop = asyncio.get_running_loop()
    # A large accept backlog keeps bursts of hundreds of concurrent interactions from stalling.
    return await loop.create_server(
        lambda: StampingRequestHandler(server, loop=loop, access_log=None), host, 0, backlog=2048
    )


def build_app(fake: FakeDiscordCore) -> web.Application:
    @web.middleware
    async def discord_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        protocol = request.protocol
        arrived = protocol.next_arrival() if isinstance(protocol, StampingRequestHandler) else None
        now = time.perf_counter()
        request[ARRIVED] = arrived if arrived is not None else now
        if not request.path.startswith(API + "/"):
            return await handler(request)
        if arrived is not None:
            fake.queued_seconds.append(now - arrived)
        path = request.path[len(API) :]
        response = await _answer(fake, request, handler, path)
        fake.requests.append(RequestRecord(request.method, path, response.status))
        return response

    app = web.Application(middlewares=[discord_middleware], client_max_size=256 * 1024 * 1024)
    core = CoreRoutes(fake)
    core.register(app.router)
    MessageRoutes(fake, core).register(app.router)
    CommandRoutes(fake).register(app.router)
    InteractionRoutes(fake).register(app.router)
    app.router.add_get("/gateway", fake.gateway.handle)
    app.router.add_get("/gateway/resume", fake.gateway.handle)
    return app


async def _answer(
    fake: FakeDiscordCore, request: web.Request, handler: Handler, path: str
) -> web.StreamResponse:
    tokenless = path.startswith(_TOKENLESS_PREFIXES)
    fault = fake.faults.take(request.method, path)
    if fault is not None:
        return fault
    if not tokenless:
        wait = fake._global_limiter.check(fake.global_rate_limit)
        if wait is not None:
            return rate_limited(wait, is_global=True, bucket="global")
        if request.headers.get("Authorization") != f"Bot {fake.token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
    http_exception = request.match_info.http_exception
    if http_exception is not None:
        fake.unknown_routes.append(f"{request.method} {path}")
        if isinstance(http_exception, web.HTTPMethodNotAllowed):
            return json_response({"message": "405: Method Not Allowed", "code": 0}, status=405)
        return json_response({"message": "404: Not Found", "code": 0}, status=404)
    try:
        return await handler(request)
    except DiscordHTTPError as exc:
        return json_response(exc.body(), status=exc.status)
    except web.HTTPException:
        raise
    except Exception as exc:
        # A bug in the fake: fail the test loudly, and answer 400 so discord.py does not retry for seconds.
        fake.internal_errors.append(f"{request.method} {path}: {traceback.format_exc()}")
        return json_response({"message": f"fake Discord internal error: {exc!r}", "code": 0}, status=400)
