"""Turning pydantic's validation errors into messages that point at a file, line and field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from roadwise.domain import find_cycle
from roadwise.errors import ValidationError

Path = list[str]
"""A location in workspace data: ``["items", "3", "dependencies", "0", "item"]``."""


def error_path(error: Any, data: Any) -> Path:
    """Where one pydantic error is, as a path into the data that was validated.

    Workspace rules carry their dotted path in ``ctx['field']``; a cycle is pinned on the first
    edge of the cycle so a reader can jump to the line that closes it.
    """
    if error["type"] == "workspace_rule":
        field = str((error.get("ctx") or {}).get("field", ""))
        parts = field.split(".") if field else []
        return _refine_rule_path(parts, str(error["ctx"].get("message", "")), data)
    return [str(p) for p in error["loc"] if not _is_union_tag(p)]


def _is_union_tag(part: Any) -> bool:
    """Pydantic names the member of a union it tried (``float``, ``Range``); files do not."""
    if isinstance(part, int):
        return False
    text = str(part)
    return text in _SCALAR_TAGS or text[:1].isupper() or "[" in text


_SCALAR_TAGS = frozenset({"float", "int", "str", "bool", "none", "list", "dict", "date"})


def error_message(error: Any) -> str:
    kind = error["type"]
    if kind == "workspace_rule":
        return str(error["ctx"]["message"])
    loc = error["loc"]
    last = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        return f"unknown field '{last}' (check the spelling; see docs/workspace.md)"
    if kind == "missing":
        return f"missing required field '{last}'"
    if kind == "string_pattern_mismatch":
        return f"a key must not contain spaces, commas or semicolons (got {error.get('input')!r})"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    # Some validators name the value themselves ("must not be negative, got -5"): once is enough.
    if (
        kind not in ("model_type", "dict_type", "list_type")
        and _short_scalar(value)
        and ", got " not in message
    ):
        message += f" (got {value!r})"
    return message


def _short_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(repr(value)) <= 60


def _refine_rule_path(parts: Path, message: str, data: Any) -> Path:
    if len(parts) >= 2 and parts[0] == "releases":
        return ["cycles", *parts]
    if len(parts) >= 2 and parts[0] == "people" and parts[1].isdigit():
        return _person_path(int(parts[1]), data) + parts[2:]
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or parts not in (["items", "dependencies"], ["items", "parent"]):
        return parts
    keys = [i.get("key") if isinstance(i, dict) else None for i in items]
    if parts[1] == "dependencies":
        edges = {
            str(i.get("key")): [
                str(d.get("item")) for d in (i.get("dependencies") or []) if isinstance(d, dict)
            ]
            for i in items
            if isinstance(i, dict)
        }
    else:
        edges = {
            str(i.get("key")): [str(i["parent"])] if i.get("parent") else []
            for i in items
            if isinstance(i, dict)
        }
    cycle = find_cycle(edges)
    if not cycle or cycle[0] not in keys:
        return parts
    index = keys.index(cycle[0])
    if parts[1] == "parent":
        return ["items", str(index), "parent"]
    deps = items[index].get("dependencies") or []
    for d_index, dep in enumerate(deps):
        if isinstance(dep, dict) and str(dep.get("item")) == cycle[1]:
            return ["items", str(index), "dependencies", str(d_index), "item"]
    return ["items", str(index), "dependencies"]


def _person_path(index: int, data: Any) -> Path:
    """People are numbered across teams by the rules; in a file they sit inside their team."""
    teams = data.get("teams") if isinstance(data, dict) else None
    for t_index, team in enumerate(teams if isinstance(teams, list) else []):
        people = team.get("people") if isinstance(team, dict) else None
        count = len(people) if isinstance(people, list) else 0
        if index < count:
            return ["teams", str(t_index), "people", str(index)]
        index -= count
    return ["teams"]


_TYPE_ERRORS = frozenset(
    {"float_type", "int_type", "string_type", "model_type", "dict_type", "none_required"}
)


def pick_error(errors: list[Any]) -> Any:
    """The error to report: a misspelt field first (it also shows up as a missing one), then a
    broken rule over a type mismatch of another member of the same union."""
    for error in errors:
        if error["type"] == "extra_forbidden":
            return error
    first = errors[0]
    if first["type"] in _TYPE_ERRORS:
        prefix = [p for p in first["loc"] if not _is_union_tag(p)]
        for error in errors[1:]:
            same_place = [p for p in error["loc"] if not _is_union_tag(p)] == prefix
            if same_place and error["type"] not in _TYPE_ERRORS:
                return error
    return first


def first_error(
    exc: PydanticValidationError,
    data: Any,
    *,
    file: str | None,
    locate: Callable[[Path], tuple[int | None, int | None, str]],
) -> ValidationError:
    """A :class:`ValidationError` for the first of ``exc``'s errors.

    ``locate`` turns a data path into (line, row, field name as the user knows it).
    """
    errors = exc.errors()
    error = pick_error(errors)
    path = error_path(error, data)
    line, row, field = locate(path)
    message = error_message(error)
    # Other members of the same union failing at the same place are not further problems.
    others = sum(1 for e in errors if error_path(e, data) != path)
    if others:
        message += f" (and {others} more problem{'s' if others > 1 else ''})"
    return ValidationError(message, file=file, line=line, row=row, field=field or None)


def dotted(path: Sequence[str]) -> str:
    return ".".join(path)
