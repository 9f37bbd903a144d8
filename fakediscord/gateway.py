"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, dispatches, RESUME with replay, and drops."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .core import FakeDiscordCore

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, REQUEST_MEMBERS = 0, 1, 2, 3, 6, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11

INTENT_GUILDS = 1 << 0
INTENT_MEMBERS = 1 << 1
INTENT_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_MEMBERS | INTENT_PRESENCES | INTENT_MESSAGE_CONTENT

REPLAY_BUFFER = 10_000


@dataclass(eq=False)
class GatewaySession:
    id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    transport: asyncio.Transport | None = None
    log: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    resumes: int = 0
    identified_at_path: str = ""

    @property
    def shard_id(self) -> int:
        return self.shard[0] if self.shard else 0

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    def has(self, intents: int) -> bool:
        return self.intents & intents == intents


class Gateway:
    def __init__(self, fake: FakeDiscordCore) -> None:
        self.fake = fake
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None  # the session identified or resumed last
        self.by_shard: dict[int, GatewaySession] = {}  # shard id -> its session (unsharded = 0)
        self.identified_shards: list[list[int] | None] = []  # IDENTIFY's shard field, in order
        self.heartbeat_interval_ms = 41_250
        self.identifies = 0
        self.resumes = 0
        self.close_codes: list[int] = []  # codes the fake closed sockets with (4004, 4014, ...)
        self.presence: dict[str, Any] | None = None
        self._sockets: dict[web.WebSocketResponse, asyncio.Transport | None] = {}

    # -- connection handling -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self._sockets[ws] = request.transport
        session: GatewaySession | None = None
        try:
            await ws.send_str(
                json.dumps(
                    {
                        "op": HELLO,
                        "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                        "s": None,
                        "t": None,
                    }
                )
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op, data = payload.get("op"), payload.get("d")
                if op == HEARTBEAT:
                    await ws.send_str(json.dumps({"op": HEARTBEAT_ACK}))
                elif op == IDENTIFY and session is not None:
                    await self._close(ws, 4005, "Already authenticated.")
                elif op == IDENTIFY:
                    session = await self._identify(ws, request, data)
                elif op == RESUME:
                    session = await self._resume(ws, request, data)
                elif op == PRESENCE:
                    self.presence = data
                elif op == REQUEST_MEMBERS:
                    await self._members_chunk(ws, session, data)
        finally:
            self._sockets.pop(ws, None)
            if session is not None and session.ws is ws:
                session.ws = None
            self.fake._poke()
        return ws

    async def _close(self, ws: web.WebSocketResponse, code: int, reason: str) -> None:
        self.close_codes.append(code)
        await ws.close(code=code, message=reason.encode())

    async def _identify(
        self, ws: web.WebSocketResponse, request: web.Request, data: dict[str, Any]
    ) -> GatewaySession | None:
        if data.get("token") != self.fake.token:
            await self._close(ws, 4004, "Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.fake.allowed_privileged_intents:
            await self._close(ws, 4014, "Disallowed intent(s).")
            return None
        shard = data.get("shard")
        count = self.fake.shard_count
        if shard is None and count > 1:
            await self._close(ws, 4011, "Sharding required.")
            return None
        if shard is not None and not _valid_shard(shard, count):
            await self._close(ws, 4010, "Invalid shard.")
            return None
        session = GatewaySession(id=secrets.token_hex(16), intents=intents, shard=shard)
        session.identified_at_path = request.path
        self.identifies += 1
        self.identified_shards.append(shard)
        async with session.lock:
            session.ws, session.transport = ws, request.transport
            self.sessions[session.id] = session
            self.current = session
            self.by_shard[session.shard_id] = session
            await self._send(session, "READY", self.fake._ready_payload(session))
            if session.has(INTENT_GUILDS):
                for guild in self.fake._bot_guilds(session.shard_id):
                    await self._send(session, "GUILD_CREATE", self.fake._guild_create_payload(guild, session))
        self.fake._poke()
        return session

    async def _resume(
        self, ws: web.WebSocketResponse, request: web.Request, data: dict[str, Any]
    ) -> GatewaySession | None:
        if data.get("token") != self.fake.token:
            await self._close(ws, 4004, "Authentication failed.")
            return None
        session = self.sessions.get(data.get("session_id") or "")
        last_seq = data.get("seq") or 0
        if session is None or (session.log and last_seq < session.log[0][0] - 1):
            # Unknown session or events already dropped from the buffer: the client must IDENTIFY.
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))
            return None
        async with session.lock:
            session.ws, session.transport = ws, request.transport
            self.current = session
            self.by_shard[session.shard_id] = session
            for seq, frame in list(session.log):
                if seq > last_seq:
                    await ws.send_str(frame)
            await self._send(session, "RESUMED", {})
            session.resumes += 1
            self.resumes += 1
        self.fake._poke()
        return session

    async def _members_chunk(
        self, ws: web.WebSocketResponse, session: GatewaySession | None, data: dict[str, Any]
    ) -> None:
        if session is None:
            return
        guild = self.fake.world.guilds.get(int(data["guild_id"]))
        if guild is None:
            return
        members = [m.payload() for m in guild.members.values()]
        user_ids = data.get("user_ids")
        if user_ids:
            members = [m for m in members if int(m["user"]["id"]) in {int(u) for u in user_ids}]
        chunk = {"guild_id": str(guild.id), "members": members, "chunk_index": 0, "chunk_count": 1}
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        async with session.lock:
            await self._send(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- dispatching ---------------------------------------------------------------------------

    async def _send(self, session: GatewaySession, event: str, data: Any) -> None:
        """Assign the next seq, keep the frame for RESUME, and write it if a socket is attached."""
        session.seq += 1
        frame = json.dumps({"op": DISPATCH, "t": event, "s": session.seq, "d": data})
        session.log.append((session.seq, frame))
        ws = session.ws
        if ws is not None and not ws.closed:
            try:
                await ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                session.ws = None  # the client will RESUME and get it replayed

    def shard_of(self, guild_id: int | None) -> int:
        """Discord's routing: a guild's events go to (guild_id >> 22) % shard_count, DMs to shard 0."""
        return 0 if guild_id is None else (guild_id >> 22) % self.fake.shard_count

    def session_for(self, guild_id: int | None) -> GatewaySession | None:
        return self.by_shard.get(self.shard_of(guild_id))

    async def dispatch(
        self,
        event: str,
        data: Any | Callable[[GatewaySession], Any],
        *,
        intents: int = 0,
        guild_id: int | None = None,
    ) -> bool:
        """Send `event` to the session of the guild's shard (DMs: shard 0) if it asked for `intents`.

        `data` may depend on the session.
        """
        session = self.session_for(guild_id)
        if session is None or not session.has(intents):
            return False
        async with session.lock:
            payload = data(session) if callable(data) else data
            if payload is None:
                return False
            await self._send(session, event, payload)
        return True

    # -- faults and shutdown -------------------------------------------------------------------

    async def drop(self, code: int | None, shard: int | None = None) -> None:
        session = self.current if shard is None else self.by_shard.get(shard)
        if session is None or session.ws is None:
            raise RuntimeError("no connected gateway session to drop")
        ws, transport = session.ws, session.transport
        session.ws = None  # events from now on are buffered for the RESUME replay
        if code is None:
            if transport is not None:
                transport.abort()  # no close frame: the client sees an abnormal closure (1006)
        else:
            self.close_codes.append(code)
            await asyncio.wait_for(ws.close(code=code, message=b"dropped by test"), timeout=5)

    async def close_all(self) -> None:
        for ws, transport in list(self._sockets.items()):
            if transport is not None:
                transport.abort()
            else:
                await ws.close(code=1001)
        self._sockets.clear()


def _valid_shard(shard: Any, count: int) -> bool:
    """[id, count] with 0 <= id < count; the count must be the one this fake routes by."""
    if not isinstance(shard, list) or len(shard) != 2 or not all(isinstance(x, int) for x in shard):
        return False
    shard_id, shard_count = shard
    return bool(shard_count == count and 0 <= shard_id < shard_count)
