"""Turning pydantic's validation errors into messages that point at a file, line and field."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Sequence
from typing import Any, NamedTuple

from pydantic import ValidationError as PydanticValidationError

from roadwise.domain import find_cycle
from roadwise.domain.model import KEY_RULE
from roadwise.domain.workspace import keyed_path, references_to_items
from roadwise.errors import RoadwiseError, ValidationError

Path = list[str]
"""A location in workspace data: ``["items", "3", "dependencies", "0", "item"]``."""


def not_utf8(exc: UnicodeDecodeError, file: str, advice: str) -> RoadwiseError:
    """The error for a file that is not UTF-8 (``exc`` from decoding its whole bytes), at the
    line of the first byte that is not: a file saved as Windows-1252 is mostly ASCII, and the
    line shows which accented word to look at."""
    data = exc.object if isinstance(exc.object, bytes) else b""
    line = data[: exc.start].count(b"\n") + 1
    return RoadwiseError(f"not UTF-8 text ({exc.reason}); {advice}", file=file, line=line)


def error_path(error: Any, data: Any) -> Path:
    """Where one pydantic error is, as a path into the data that was validated.

    Workspace rules carry their dotted path in ``ctx['field']``; a cycle is pinned on the first
    edge of the cycle so a reader can jump to the line that closes it.
    """
    return error_paths(error, data)[0]


def error_paths(error: Any, data: Any) -> list[Path]:
    """The places one pydantic error may be reported at, the first the plainest: one, except
    for a cycle, which each of its edges closes (so the one a file brought can be named)."""
    if error["type"] == "workspace_rule":
        field = str((error.get("ctx") or {}).get("field", ""))
        parts = field.split(".") if field else []
        return _refine_rule_paths(parts, data)
    return [[str(p) for p in error["loc"] if not _is_union_tag(p)]]


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
        return f"{KEY_RULE} (got {error.get('input')!r})"
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


def _refine_rule_paths(parts: Path, data: Any) -> list[Path]:
    if len(parts) >= 2 and parts[0] == "releases":
        return [["cycles", *parts]]
    if len(parts) >= 2 and parts[0] == "people" and parts[1].isdigit():
        return [_person_path(int(parts[1]), data) + parts[2:]]
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or parts not in (["items", "dependencies"], ["items", "parent"]):
        return [parts]
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
    if not cycle:
        return [parts]
    paths = [
        path
        for source, target in itertools.pairwise(cycle)
        if source in keys and (path := _edge_path(items, keys.index(source), parts[1], target))
    ]
    return paths or [parts]


def _edge_path(items: list[Any], index: int, field: str, target: str) -> Path:
    """The place in ``items`` where item ``index`` points at ``target`` through ``field``."""
    if field == "parent":
        return ["items", str(index), "parent"]
    deps = items[index].get("dependencies") or []
    for d_index, dep in enumerate(deps):
        if isinstance(dep, dict) and str(dep.get("item")) == target:
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
    paths = error_paths(error, data)
    path = paths[0]
    # A cycle that a file closes with records already stored is shown where the file closes
    # it: the stored edge has no line or row the reader could go to.
    places = [locate(p) for p in paths]
    line, row, field = next((p for p in places if p[0] is not None or p[1] is not None), places[0])
    message = error_message(error)
    # Other members of the same union failing at the same place are not further problems.
    others = sum(1 for e in errors if error_path(e, data) != path)
    if others:
        message += f" (and {others} more problem{'s' if others > 1 else ''})"
    return ValidationError(message, file=file, line=line, row=row, field=field or None)


def dotted(path: Sequence[str]) -> str:
    return ".".join(path)


def stored_field(path: Path, data: Any) -> str:
    """A place in records the file did not bring, by key: ``(stored) feedback[FB-7].links.item``.

    A position such as ``feedback.25`` means nothing to someone who never saw the stored
    list's order; its key does (:func:`~roadwise.domain.workspace.keyed_path`).
    """
    return "(stored) " + keyed_path(path, data)


def _keys_text(keys: Sequence[str], shown: int = 2) -> str:
    more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more


class Referrers(NamedTuple):
    """The records of one kind that refer to an item: ``noun`` fits ``len(keys)``."""

    noun: str
    keys: list[str]
    by_name: bool  # few, and read best named: "decisions D-3, D-7" rather than counted

    def counted(self) -> str:
        """``52 feedback links (FB-1, FB-2 and 50 more)``, ``decision D-3``."""
        if self.by_name:
            return f"{self.noun} {_keys_text(self.keys)}"
        return f"{len(self.keys)} {self.noun} ({_keys_text(self.keys)})"

    def listed(self) -> str:
        """The same inside parentheses: ``52 feedback links: FB-1, FB-2 and 50 more``."""
        if self.by_name:
            return self.counted()
        return f"{len(self.keys)} {self.noun}: {_keys_text(self.keys)}"


def referrers_of(kept: Any, keys: Collection[str]) -> dict[str, list[Referrers]]:
    """What in the records ``kept`` (workspace data) refers to each of ``keys``, for each key
    that anything refers to, in words (:func:`~roadwise.domain.workspace.references_to_items`).

    Every workspace rule that names an item is covered: a child's parent, a dependency, a
    feedback link and a decision's items. Scenarios and saved plans may name items that are
    gone (planning skips those changes), so they do not block a removal.
    """
    found = references_to_items(kept, keys)
    return {
        key: [
            Referrers(one if len(named) == 1 else many, named, kind == "decision")
            for kind, one, many in _REFERRER_WORDS
            if (named := found[key].get(kind, []))
        ]
        for key in keys
        if key in found
    }


_REFERRER_WORDS = (
    ("child", "child item", "child items"),
    ("dependent", "dependent item", "dependent items"),
    ("link", "feedback link", "feedback links"),
    ("decision", "decision", "decisions"),
)


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def removed_items_error(
    kept: Any, removed: Sequence[str], *, action: str, file: str | None
) -> ValidationError | None:
    """The error for removing items that the records ``kept`` still refer to (``None`` if
    nothing does).

    One message names every such item with what refers to it, counted, and the remedy: a row
    kept with status ``dropped`` leaves the item out of planning and keeps what refers to it.
    """
    found = referrers_of(kept, removed)
    if not found:
        return None
    remedy = "with status dropped if {it} no longer wanted: planning leaves dropped items out"
    if len(found) == 1:
        ((key, kinds),) = found.items()
        verb = "refers" if sum(len(r.keys) for r in kinds) == 1 else "refer"
        return ValidationError(
            f"{action} would remove {key}, but {_and([r.counted() for r in kinds])} {verb} to "
            f"it; keep its row ({remedy.format(it='it is')})",
            file=file,
        )
    shown = [f"{key} ({'; '.join(r.listed() for r in kinds)})" for key, kinds in found.items()]
    if len(shown) > 5:
        shown[5:] = [f"{len(shown) - 5} more"]
    return ValidationError(
        f"{action} would remove {len(found)} items that the workspace still refers to: "
        f"{_and(shown)}; keep their rows ({remedy.format(it='they are')})",
        file=file,
    )
