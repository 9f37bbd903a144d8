"""The page's HTTP server: static files, the persona's view, and driver endpoints limited to what a
member can do in a Discord client (commands, autocomplete, buttons, selects, modals, messages)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from fakediscord import ClientRefused, InteractionResult

from .views import command_views, visible_messages
from .world import Playground

STATIC = Path(__file__).with_name("static")
ACTION_TIMEOUT = 20.0  # charts render in a thread on a busy machine; the fake's 3 s ack window still applies
PLAY: web.AppKey[Playground] = web.AppKey("playground", Playground)
HOSTS: web.AppKey[set[str]] = web.AppKey("hosts", set)


def allow_port(app: web.Application, port: int) -> None:
    """The Host headers the page answers, once the port is known (--port 0 picks a free one)."""
    app[HOSTS].update({f"127.0.0.1:{port}", f"localhost:{port}"})


def build_app(play: Playground) -> web.Application:
    allowed_hosts: set[str] = set()

    @web.middleware
    async def local_only(request: web.Request, handler: Handler) -> web.StreamResponse:
        # Refusing other Host headers stops a web site from reaching the page through DNS rebinding.
        if request.host not in allowed_hosts:
            return web.json_response({"error": "this page answers only on 127.0.0.1"}, status=403)
        if request.path.startswith("/api/") and play.bot is None:
            return web.json_response({"error": "the bot is starting, try again in a moment"}, status=503)
        if request.method == "POST" and request.content_type != "application/json":
            return web.json_response({"error": "expected application/json"}, status=415)
        return await handler(request)

    app = web.Application(middlewares=[local_only], client_max_size=64 * 1024)
    app[PLAY] = play
    app[HOSTS] = allowed_hosts
    app.router.add_get("/", index)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/api/world", world)
    app.router.add_get("/api/messages", messages)
    app.router.add_get(r"/attachments/{message_id:\d+}/{attachment_id:\d+}", attachment)
    for name, handler in ACTIONS.items():
        app.router.add_post(f"/api/{name}", _action(handler))
    return app


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def world(request: web.Request) -> web.Response:
    play = request.app[PLAY]
    assert play.guild is not None
    return web.json_response(
        {
            "guild": play.guild.name,
            "bot": play.fake.bot_user.name,
            "personas": [
                {"id": str(p.user.id), "name": p.label, "moderator": p.moderator}
                for p in play.personas.values()
            ],
            "channels": [{"id": str(c.id), "name": c.name} for c in play.channels],
            "roles": [{"id": str(r.id), "name": r.name} for r in play.guild.roles.values()],
            "guild_commands": command_views(play, in_guild=True),
            "dm_commands": command_views(play, in_guild=False),
            "content_error": play.content_error,
            "content_version": play.content_version,
        }
    )


async def messages(request: web.Request) -> web.Response:
    play = request.app[PLAY]
    try:
        persona = play.persona(request.query.get("persona"))
        channel = play.channel(request.query.get("channel"), persona)
    except LookupError as exc:
        return web.json_response({"error": str(exc)}, status=404)
    return web.json_response({"messages": visible_messages(play, persona, channel.id)})


async def attachment(request: web.Request) -> web.Response:
    play = request.app[PLAY]
    message = play.fake.world.messages.get(int(request.match_info["message_id"]))
    wanted = int(request.match_info["attachment_id"])
    found = next((a for a in message.attachments if a.id == wanted), None) if message else None
    if found is None:
        raise web.HTTPNotFound()
    return web.Response(body=found.data, content_type=found.content_type or "application/octet-stream")


Action = Callable[[Playground, dict[str, Any]], Awaitable[dict[str, Any]]]


def _action(handler: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def run(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object")
            return web.json_response(await handler(request.app[PLAY], body))
        except ClientRefused as exc:
            return web.json_response({"error": f"Discord would not allow that: {exc}"}, status=400)
        except (LookupError, ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        except TimeoutError as exc:
            return web.json_response({"error": f"no answer in time: {exc}"}, status=504)

    return run


async def _outcome(result: InteractionResult) -> dict[str, Any]:
    """After the acknowledgement, wait (bounded) for a deferred reply so the caller sees the bot's answer."""
    if result.deferred and not result.finished:
        with contextlib.suppress(TimeoutError):
            await result.fake._wait_for(lambda: result.finished, ACTION_TIMEOUT)
    out: dict[str, Any] = {"interaction": str(result.id)}
    if result.modal is not None:
        out["modal"] = result.modal
    if result.error is not None:
        out["error"] = f"the bot's reply failed: {result.error}"
    return out


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


async def command(play: Playground, body: dict[str, Any]) -> dict[str, Any]:
    persona = play.persona(body.get("persona"))
    channel = play.channel(body.get("channel"), persona)
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise ValueError("options must be an object")
    result = await play.fake.invoke(
        persona.user,
        _str(body, "command"),
        channel=channel,
        options={k: v for k, v in options.items() if v not in ("", None)},
        timeout=ACTION_TIMEOUT,
        expect_followup=False,
    )
    return await _outcome(result)


async def autocomplete(play: Playground, body: dict[str, Any]) -> dict[str, Any]:
    persona = play.persona(body.get("persona"))
    channel = play.channel(body.get("channel"), persona)
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise ValueError("options must be an object")
    choices = await play.fake.autocomplete(
        persona.user,
        _str(body, "command"),
        _str(body, "focused"),
        _str(body, "value"),
        options={k: v for k, v in options.items() if v not in ("", None)},
        channel=channel,
        timeout=ACTION_TIMEOUT,
    )
    return {"choices": choices}


def _message(play: Playground, body: dict[str, Any]) -> Any:
    message = play.fake.world.messages.get(int(_str(body, "message")))
    if message is None:
        raise LookupError("no such message")
    return message


async def click(play: Playground, body: dict[str, Any]) -> dict[str, Any]:
    persona = play.persona(body.get("persona"))
    result = await play.fake.click(
        persona.user,
        _message(play, body),
        _str(body, "custom_id"),
        timeout=ACTION_TIMEOUT,
        expect_followup=False,
    )
    return await _outcome(result)


async def select(play: Playground, body: dict[str, Any]) -> dict[str, Any]:
    persona = play.persona(body.get("persona"))
    values = body.get("values")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError("values must be a list of strings")
    result = await play.fake.select(
        persona.user,
        _message(play, body),
        _str(body, "custom_id"),
        values,
        timeout=ACTION_TIMEOUT,
        expect_followup=False,
    )
    return await _outcome(result)


async def modal(play: Playground, body: dict[str, Any]) -> dict[str, Any]:
    persona = play.persona(body.get("persona"))
    origin = play.fake._interactions_by_id.get(int(_str(body, "interaction")))
    if origin is None:
        raise LookupError("no such interaction")
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise ValueError("fields must be an object")
    result = await play.fake.submit_modal(
        persona.user, origin, fields, timeout=ACTION_TIMEOUT, expect_followup=False
    )
    return await _outcome(result)


async def message(play: Playground, body: dict[str, Any]) -> dict[str, Any]:
    persona = play.persona(body.get("persona"))
    channel = play.channel(body.get("channel"), persona)
    text = _str(body, "content")[:2000]
    sent = await play.fake.send_message(
        persona.user, channel, text, mention_bot=bool(body.get("mention", True))
    )
    return {"message": str(sent.id)}


async def reload(play: Playground, body: dict[str, Any]) -> dict[str, Any]:
    error = await play.reload()
    return {"content_error": error, "content_version": play.content_version}


ACTIONS: dict[str, Action] = {
    "command": command,
    "autocomplete": autocomplete,
    "click": click,
    "select": select,
    "modal": modal,
    "message": message,
    "reload": reload,
}
