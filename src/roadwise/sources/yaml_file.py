"""A whole workspace in one human-editable YAML file ("backlog as code").

Writing: fields appear in the order the domain model declares them (key and title first),
values equal to their default are left out, free-form maps are sorted by key, dates are ISO
(``2026-03-02``, ``2026-03-02T09:30:00``) and multi-line text is a ``|`` block. So the same
workspace always gives the same file and one change gives a one-line diff.

Reading: the file is parsed once into nodes that remember their line, then validated by the
domain model. A problem is reported with the file, the line and the field
(``items.3.dependencies.0.item``); nothing is stored when a file is invalid.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticUndefined

from roadwise.domain import Workspace
from roadwise.errors import RoadwiseError
from roadwise.sources._errors import dotted, first_error, not_utf8, stored_field

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loading, except that dates stay text: the domain model parses them, so a bad date
    (2026-02-30) is reported at its line like any other bad value, and a title that looks like
    a date stays a title."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[Any, Any]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Always written, even when equal to their default: as_of defaults to *today*, and the
# schema version and name make a file self-describing.
_ALWAYS = frozenset({"schema_version", "name", "as_of"})


# --------------------------------------------------------------------------- writing


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_datetime(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.Node:
    # ISO with a "T" (PyYAML's default uses a space); still read back as a timestamp.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dt.datetime, _represent_datetime)


def to_plain(model: BaseModel, always: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A model as plain data in field order, leaving out values equal to their default."""
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if name not in always and _is_default(field, value):
            continue
        out[name] = _plain(value)
    return out


def _is_default(field: Any, value: Any) -> bool:
    if field.default_factory is not None:
        return bool(value == field.default_factory())
    if field.default is PydanticUndefined:
        return False
    return bool(value == field.default and type(value) is type(field.default))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return to_plain(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(value[k]) for k in sorted(value, key=str)}
    return value


def workspace_to_data(ws: Workspace) -> dict[str, Any]:
    return to_plain(ws, _ALWAYS)


def dump_workspace_yaml(ws: Workspace) -> str:
    header = (
        "# Roadwise workspace (backlog as code). Every field is described in docs/workspace.md.\n"
    )
    body = yaml.dump(
        workspace_to_data(ws),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return header + body


def write_workspace_yaml(ws: Workspace, path: str | Path) -> Path:
    """Write ``ws`` to ``path`` atomically (a reader never sees half a file)."""
    target = Path(path)
    text = dump_workspace_yaml(ws)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file normal rights
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# --------------------------------------------------------------------------- reading


class YamlDocument:
    """A parsed YAML file: its data plus the nodes that know each value's line."""

    def __init__(self, path: str, data: Any, node: yaml.Node | None) -> None:
        self.path = path
        self.data = data
        self.node = node

    def line_of(self, parts: list[str]) -> tuple[int | None, list[str]]:
        """The line of the deepest node on ``parts`` and the part of the path that was found."""
        node = self.node
        if node is None:
            return None, []
        found: list[str] = []
        for part in parts:
            child = _child(node, part)
            if child is None:
                break
            node = child
            found.append(part)
        return node.start_mark.line + 1, found

    def locate(self, parts: list[str]) -> tuple[int | None, int | None, str]:
        line, _found = self.line_of(parts)
        return line, None, dotted(parts)


def _child(node: yaml.Node, part: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if str(key_node.value) == part:
                return value_node
        return None
    if isinstance(node, yaml.SequenceNode) and part.isdigit():
        index = int(part)
        return node.value[index] if index < len(node.value) else None
    return None


def load_yaml_document(path: str | Path) -> YamlDocument:
    """Parse a YAML file, keeping line numbers; syntax errors name the file and line."""
    name = str(path)
    try:
        # Bytes decoded whole, so a byte that is not UTF-8 is named with its line.
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise RoadwiseError("file not found", file=name) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(exc, name, "save it as UTF-8") from None
    except OSError as exc:
        raise RoadwiseError(f"cannot read the file: {exc.strerror}", file=name) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        _check_duplicate_keys(node, name)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise RoadwiseError(f"not valid YAML: {problem}", file=name, line=line) from None
    except yaml.YAMLError as exc:
        raise RoadwiseError(f"not valid YAML: {exc}", file=name) from None
    finally:
        loader.dispose()
    # a moment with a time zone becomes naive UTC in the domain model, where the field is one
    return YamlDocument(name, data, node)


def _check_duplicate_keys(node: yaml.Node | None, file: str) -> None:
    # YAML silently keeps the last of two equal keys; in a hand-edited file that hides a typo.
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in current.value:
                key = str(key_node.value)
                if key in seen:
                    raise RoadwiseError(
                        f"'{key}' appears twice in the same mapping",
                        file=file,
                        line=key_node.start_mark.line + 1,
                        field=key,
                    )
                seen.add(key)
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def validate_workspace_data(data: Any, document: YamlDocument, translate: Any = None) -> Workspace:
    """Validate workspace data read from ``document``.

    ``translate`` maps a path in ``data`` to a path in the file, or ``None`` when the value
    did not come from the file (used when a file is merged into a stored workspace).
    """
    if data is None:  # an empty file, or only comments: likely the wrong file, or unsaved
        raise RoadwiseError(
            "the file is empty; a workspace file holds fields such as name: and items:",
            file=document.path,
        )
    if not isinstance(data, dict):
        raise RoadwiseError(
            "a workspace file must be a mapping of fields (name:, items:, ...)",
            file=document.path,
            line=1,
        )
    try:
        return Workspace.model_validate(data)
    except PydanticValidationError as exc:

        def locate(parts: list[str]) -> tuple[int | None, int | None, str]:
            file_parts = translate(parts) if translate is not None else parts
            if file_parts is None:
                return None, None, stored_field(parts, data)
            return document.locate(file_parts)

        raise first_error(exc, data, file=document.path, locate=locate) from None


def read_workspace_yaml(path: str | Path) -> Workspace:
    """Read and validate a workspace file."""
    document = load_yaml_document(path)
    _check_unique_keys(document)
    return validate_workspace_data(document.data, document)


def _keyed_records(data: dict[str, Any]) -> list[list[tuple[list[str], Any]]]:
    """The file's records whose keys must be unique, in groups: (path, key) each."""

    def records(parts: list[str], value: Any) -> list[tuple[list[str], Any]]:
        if not isinstance(value, list):
            return []
        return [
            ([*parts, str(index)], record["key"])
            for index, record in enumerate(value)
            if isinstance(record, dict) and "key" in record
        ]

    groups = [records([name], data.get(name)) for name in _KEYED]
    cycles = data.get("cycles")
    if isinstance(cycles, dict):
        groups.append(records(["cycles", "releases"], cycles.get("releases")))
    # People are unique across all teams, key results within their objective.
    people: list[tuple[list[str], Any]] = []
    for team_path, _ in records(["teams"], data.get("teams")):
        team = data["teams"][int(team_path[1])]
        people += records([*team_path, "people"], team.get("people"))
    groups.append(people)
    for objective_path, _ in records(["objectives"], data.get("objectives")):
        objective = data["objectives"][int(objective_path[1])]
        groups.append(records([*objective_path, "key_results"], objective.get("key_results")))
    return groups


def _check_unique_keys(document: YamlDocument) -> None:
    """A key given twice in the file, named with both lines. The workspace rule says so too,
    but by the record's position in the list, which counts from 0 and, when the file is merged
    into a stored workspace, counts the stored records as well."""
    if not isinstance(document.data, dict):
        return
    for group in _keyed_records(document.data):
        first: dict[Any, list[str]] = {}
        for path, key in group:
            try:
                earlier = first.setdefault(key, path)
            except TypeError:  # a list or mapping as a key: the model reports it
                continue
            if earlier is not path:
                line, _ = document.line_of([*path, "key"])
                first_line, _ = document.line_of([*earlier, "key"])
                raise RoadwiseError(
                    f"duplicate key '{key}' (also at line {first_line}); keys must be unique",
                    file=document.path,
                    line=line,
                    field=dotted([*path, "key"]),
                )


# --------------------------------------------------------------------------- merging

_KEYED = (
    "objectives",
    "themes",
    "teams",
    "customers",
    "items",
    "feedback",
    "history",
    "scenarios",
    "decisions",
    "plans",
)


def _merge_list(stored: list[Any], incoming: list[Any]) -> tuple[list[Any], dict[int, int]]:
    """Stored records with the file's records merged in by key; merged index -> file index."""
    merged = list(stored)
    position = {r.get("key"): i for i, r in enumerate(merged) if isinstance(r, dict)}
    origin: dict[int, int] = {}
    from_file: set[Any] = set()
    for file_index, record in enumerate(incoming):
        key = record.get("key") if isinstance(record, dict) else None
        if key is not None and key in position and key not in from_file:
            merged[position[key]] = record
            origin[position[key]] = file_index
        else:
            # A key given twice in the file is appended twice, so the duplicate is reported.
            origin[len(merged)] = file_index
            merged.append(record)
        from_file.add(key)
    return merged, origin


def merge_workspace_yaml(ws: Workspace, path: str | Path) -> Workspace:
    """``ws`` with a (possibly partial) workspace file merged in.

    Records are matched by key: the file's version replaces the stored one, new ones are
    appended, records the file does not mention are kept. Top-level fields the file sets
    (name, settings, cycles …) replace the stored ones. The result is validated; a problem is
    reported at its line in the file (or as ``(stored) …`` when it lies in kept data).
    """
    document = load_yaml_document(path)
    _check_unique_keys(document)
    incoming = document.data
    if not isinstance(incoming, dict):
        return validate_workspace_data(incoming, document)
    stored = ws.model_dump(mode="json")
    merged = dict(stored)
    origins: dict[str, dict[int, int]] = {}
    for field, value in incoming.items():
        if field in _KEYED and isinstance(value, list):
            merged[field], origins[field] = _merge_list(stored[field], value)
        elif field == "cycles" and isinstance(value, dict):
            cycles = dict(stored["cycles"])
            for name, cycle_value in value.items():
                if name == "releases" and isinstance(cycle_value, list):
                    cycles[name], origins["cycles.releases"] = _merge_list(
                        stored["cycles"]["releases"], cycle_value
                    )
                else:
                    cycles[name] = cycle_value
            merged["cycles"] = cycles
        else:
            merged[field] = value

    def translate(parts: list[str]) -> list[str] | None:
        for prefix, origin in origins.items():
            depth = prefix.count(".") + 1
            if parts[:depth] == prefix.split(".") and len(parts) > depth:
                if not parts[depth].isdigit():
                    return parts[:depth]
                file_index = origin.get(int(parts[depth]))
                if file_index is None:
                    return None
                return [*parts[:depth], str(file_index), *parts[depth + 1 :]]
        if parts and parts[0] in incoming:
            return parts
        return None if parts else []

    return validate_workspace_data(merged, document, translate)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
