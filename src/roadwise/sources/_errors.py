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
    return [str(p) for p in error["loc"]]


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
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if kind not in ("model_type", "dict_type", "list_type") and _short_scalar(value):
        message += f" (got {value!r})"
    return message


def _short_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(repr(value)) <= 60


def _refine_rule_path(parts: Path, message: str, data: Any) -> Path:
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
    error = errors[0]
    path = error_path(error, data)
    line, row, field = locate(path)
    message = error_message(error)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ValidationError(message, file=file, line=line, row=row, field=field or None)


def dotted(path: Sequence[str]) -> str:
    return ".".join(path)
