"""HTTP plumbing shared by the REST routes: Discord-shaped errors, JSON responses, body parsing."""

from __future__ import annotations

import json
import mimetypes
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

# When the request's bytes were read off the socket (time.perf_counter), set by the server's middleware.
ARRIVED = web.RequestKey("arrived", float)


def received_at(request: web.Request) -> float:
    """When the bot's request reached the fake: read off the socket, before it queued for a handler.

    Discord judges a deadline on receipt; the fake's handlers share an event loop with the members
    it plays, and the time a request waits there for its handler is the load generator's, not the bot's."""
    return request.get(ARRIVED) or time.perf_counter()


class DiscordHTTPError(Exception):
    """Raised by a route to answer with Discord's JSON error shape."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


@dataclass
class DiscordError:
    """A Discord error a bot received, as tests see it on InteractionResult.error."""

    status: int
    code: int
    message: str
    errors: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_exc(cls, exc: DiscordHTTPError) -> DiscordError:
        return cls(exc.status, exc.code, exc.message, exc.errors or {})


def not_found(code: int, what: str) -> DiscordHTTPError:
    return DiscordHTTPError(404, code, f"Unknown {what}")


def missing_permissions() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50013, "Missing Permissions")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json (no charset).
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return web.Response(status=status, body=json.dumps(data).encode(), headers=all_headers)


def no_content() -> web.Response:
    return web.Response(status=204)


@dataclass
class UploadedFile:
    index: int
    filename: str
    data: bytes
    content_type: str | None

    def guessed_content_type(self) -> str | None:
        # discord.py always uploads as application/octet-stream; Discord derives the type itself.
        guessed, _ = mimetypes.guess_type(self.filename)
        return guessed or self.content_type


async def read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """JSON body, or multipart `payload_json` + `files[n]` parts as discord.py sends them."""
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            if name == "payload_json":
                payload = json.loads(await part.text())
            elif name.startswith("files["):
                index = int(name[len("files[") : -1])
                files.append(
                    UploadedFile(
                        index=index,
                        filename=part.filename or f"file{index}",
                        data=bytes(await part.read()),
                        content_type=part.headers.get("Content-Type"),
                    )
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError as exc:
        raise DiscordHTTPError(400, 50109, "The request body contains invalid JSON.") from exc
