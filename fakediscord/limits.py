"""Discord's payload limits, checked the way the API does and reported in its 50035 error shape."""

from __future__ import annotations

import re
from typing import Any

from .http_utils import UploadedFile
from .messages import IS_COMPONENTS_V2, walk_components

Path = tuple[str | int, ...]

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_V2_COMPONENTS = 40
MAX_ATTACHMENTS = 10
MAX_CHOICES = 25
SELECT_TYPES = {3, 5, 6, 7, 8}
BUTTON = 2
TEXT_INPUT = 4
LINK_STYLE = 5
PREMIUM_STYLE = 6
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


class FormErrors:
    """Collects field errors and renders Discord's nested `errors` object."""

    def __init__(self) -> None:
        self.items: list[tuple[Path, str, str]] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, path: Path, code: str, message: str) -> None:
        self.items.append((path, code, message))

    def max_length(self, path: Path, value: str | None, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length_between(self, path: Path, value: str | None, low: int, high: int) -> None:
        if value is None or not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def max_items(self, path: Path, items: list[Any] | None, limit: int) -> None:
        if items is not None and len(items) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def nested(self) -> dict[str, Any]:
        root: dict[str, Any] = {}
        for path, code, message in self.items:
            node = root
            for key in path:
                node = node.setdefault(str(key), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root

    def flat(self) -> list[str]:
        return [
            f"{'.'.join(map(str, path)) or '<body>'}: {message} ({code})"
            for path, code, message in self.items
        ]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def check_embeds(embeds: list[dict[str, Any]], errors: FormErrors, at: Path) -> None:
    errors.max_items(at, embeds, MAX_EMBEDS)
    total = 0
    for i, embed in enumerate(embeds):
        here = (*at, i)
        title, description = _text(embed.get("title")), _text(embed.get("description"))
        errors.max_length((*here, "title"), title, 256)
        errors.max_length((*here, "description"), description, 4096)
        total += len(title or "") + len(description or "")
        fields = embed.get("fields") or []
        errors.max_items((*here, "fields"), fields, 25)
        for j, fld in enumerate(fields):
            name, value = _text(fld.get("name")), _text(fld.get("value"))
            errors.length_between((*here, "fields", j, "name"), name, 1, 256)
            errors.length_between((*here, "fields", j, "value"), value, 1, 1024)
            total += len(name or "") + len(value or "")
        footer = _text((embed.get("footer") or {}).get("text"))
        errors.max_length((*here, "footer", "text"), footer, 2048)
        author = _text((embed.get("author") or {}).get("name"))
        errors.max_length((*here, "author", "name"), author, 256)
        total += len(footer or "") + len(author or "")
    if total > MAX_EMBED_TOTAL:
        errors.add(at, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}")


def _check_component(component: dict[str, Any], errors: FormErrors, at: Path, seen: set[str]) -> None:
    kind = component.get("type")
    if kind == BUTTON:
        errors.max_length((*at, "label"), _text(component.get("label")), 80)
        style = component.get("style")
        if style == LINK_STYLE:
            if not component.get("url"):
                errors.add((*at, "url"), "BASE_TYPE_REQUIRED", "This field is required")
            return
        if style == PREMIUM_STYLE:
            return
    needs_custom_id = kind in (BUTTON, TEXT_INPUT) or kind in SELECT_TYPES
    if needs_custom_id or "custom_id" in component:
        custom_id = _text(component.get("custom_id"))
        errors.length_between((*at, "custom_id"), custom_id, 1, 100)
        if custom_id is not None:
            if custom_id in seen:
                errors.add(
                    (*at, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(custom_id)
    if kind in SELECT_TYPES:
        errors.max_length((*at, "placeholder"), _text(component.get("placeholder")), 150)
        min_values, max_values = component.get("min_values", 1), component.get("max_values", 1)
        if not 0 <= min_values <= 25:
            errors.add((*at, "min_values"), "NUMBER_TYPE_MAX", "int value should be between 0 and 25.")
        if not 1 <= max_values <= 25:
            errors.add((*at, "max_values"), "NUMBER_TYPE_MAX", "int value should be between 1 and 25.")
        if kind == 3:
            options = component.get("options") or []
            if not 1 <= len(options) <= 25:
                errors.add((*at, "options"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
            elif max_values > len(options):
                errors.add(
                    (*at, "max_values"),
                    "SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS",
                    "max_values must be less than or equal to the number of options",
                )
            for k, option in enumerate(options):
                errors.length_between((*at, "options", k, "label"), _text(option.get("label")), 1, 100)
                errors.length_between((*at, "options", k, "value"), _text(option.get("value")), 1, 100)
                errors.max_length((*at, "options", k, "description"), _text(option.get("description")), 100)
    if kind == TEXT_INPUT:
        errors.max_length((*at, "label"), _text(component.get("label")), 45)
        errors.max_length((*at, "placeholder"), _text(component.get("placeholder")), 100)
        errors.max_length((*at, "value"), _text(component.get("value")), 4000)
    if kind == 18:  # label wrapping a modal input
        errors.length_between((*at, "label"), _text(component.get("label")), 1, 45)
        errors.max_length((*at, "description"), _text(component.get("description")), 100)


def _check_nested(component: dict[str, Any], errors: FormErrors, at: Path, seen: set[str]) -> None:
    _check_component(component, errors, at, seen)
    for i, child in enumerate(component.get("components") or []):
        _check_nested(child, errors, (*at, "components", i), seen)
    for key in ("component", "accessory"):
        child = component.get(key)
        if isinstance(child, dict):
            _check_nested(child, errors, (*at, key), seen)


def check_components(components: list[dict[str, Any]], errors: FormErrors, at: Path, *, v2: bool) -> None:
    seen: set[str] = set()
    if v2:
        count = sum(1 for _ in walk_components(components))
        if count > MAX_V2_COMPONENTS:
            errors.add(at, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_V2_COMPONENTS} or fewer in length.")
        for i, component in enumerate(components):
            _check_nested(component, errors, (*at, i), seen)
        return
    errors.max_items(at, components, MAX_ROWS)
    for i, row in enumerate(components):
        here = (*at, i)
        if row.get("type") != 1:
            errors.add((*here, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')
            continue
        children = row.get("components") or []
        selects = [c for c in children if c.get("type") in SELECT_TYPES]
        if not children:
            errors.add((*here, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        elif len(children) > MAX_ROW_BUTTONS or (selects and len(children) > 1):
            errors.add(
                (*here, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for j, child in enumerate(children):
            _check_nested(child, errors, (*here, "components", j), seen)


def check_message(data: dict[str, Any], errors: FormErrors, at: Path = ()) -> None:
    """Content, embed, component and attachment-count limits of a message create/edit body."""
    flags = data.get("flags") or 0
    content = data.get("content")
    if isinstance(content, str):
        errors.max_length((*at, "content"), content, MAX_CONTENT)
    embeds = data.get("embeds")
    if isinstance(embeds, list):
        check_embeds(embeds, errors, (*at, "embeds"))
    components = data.get("components")
    v2 = bool(flags & IS_COMPONENTS_V2)
    if isinstance(components, list):
        check_components(components, errors, (*at, "components"), v2=v2)
    if v2 and (content or embeds):
        errors.add(
            (*at, "content" if content else "embeds"),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        )
    attachments = data.get("attachments")
    if isinstance(attachments, list):
        errors.max_items((*at, "attachments"), attachments, MAX_ATTACHMENTS)


def check_files(files: list[UploadedFile], errors: FormErrors, size_limit: int) -> UploadedFile | None:
    """Count limit goes into `errors`; returns the first file over `size_limit` (that is a 40005)."""
    if len(files) > MAX_ATTACHMENTS:
        errors.add(("files",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ATTACHMENTS} or fewer in length.")
    return next((f for f in files if len(f.data) > size_limit), None)


def is_empty_message(data: dict[str, Any], files: list[UploadedFile]) -> bool:
    return not (
        data.get("content")
        or data.get("embeds")
        or data.get("components")
        or data.get("sticker_ids")
        or data.get("poll")
        or files
    )


def check_choices(choices: Any, errors: FormErrors, at: Path) -> None:
    if not isinstance(choices, list):
        errors.add(at, "BASE_TYPE_REQUIRED", "This field is required")
        return
    errors.max_items(at, choices, MAX_CHOICES)
    for i, choice in enumerate(choices):
        errors.length_between((*at, i, "name"), _text(choice.get("name")), 1, 100)
        value = choice.get("value")
        if isinstance(value, str):
            errors.max_length((*at, i, "value"), value, 100)


def check_modal(data: dict[str, Any], errors: FormErrors, at: Path) -> None:
    errors.length_between((*at, "title"), _text(data.get("title")), 1, 45)
    errors.length_between((*at, "custom_id"), _text(data.get("custom_id")), 1, 100)
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        errors.add((*at, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    seen: set[str] = set()
    for i, component in enumerate(components):
        _check_nested(component, errors, (*at, "components", i), seen)


def _check_command_options(options: list[dict[str, Any]], errors: FormErrors, at: Path) -> None:
    errors.max_items(at, options, 25)
    seen_optional = False
    for i, option in enumerate(options):
        here = (*at, i)
        name = _text(option.get("name"))
        if name is None or not COMMAND_NAME.match(name) or name != name.lower():
            errors.add((*here, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        errors.length_between((*here, "description"), _text(option.get("description")), 1, 100)
        if option.get("type") in (1, 2):
            _check_command_options(option.get("options") or [], errors, (*here, "options"))
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    (*here, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        if option.get("choices") is not None:
            check_choices(option["choices"], errors, (*here, "choices"))


def _valid_command_name(name: str | None, kind: int) -> bool:
    if name is None:
        return False
    if kind == 1:
        return bool(COMMAND_NAME.match(name)) and name == name.lower()
    return 1 <= len(name) <= 32  # context-menu names may have spaces and capitals


def check_commands(commands: list[dict[str, Any]], errors: FormErrors) -> None:
    names: set[tuple[int, str]] = set()
    per_type: dict[int, int] = {}
    for i, command in enumerate(commands):
        kind = command.get("type", 1)
        name = _text(command.get("name"))
        per_type[kind] = per_type.get(kind, 0) + 1
        if not _valid_command_name(name, kind):
            errors.add((i, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if (kind, name or "") in names:
            errors.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        names.add((kind, name or ""))
        if kind == 1:
            errors.length_between((i, "description"), _text(command.get("description")), 1, 100)
            _check_command_options(command.get("options") or [], errors, (i, "options"))
    for kind, limit in ((1, 100), (2, 15), (3, 15)):
        if per_type.get(kind, 0) > limit:
            errors.add((), "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
