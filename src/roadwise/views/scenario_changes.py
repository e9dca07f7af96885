"""A scenario from the changes a person types, checked change by change: for the CLI's
``roadwise scenario add`` and the web's scenario form alike.

The changes are written as on the command line: ``ENTITY:KEY.FIELD=VALUE`` to set a field,
``ENTITY:KEY`` (or a bare item or person key) to remove, ``TEAM[@DATE]`` to hire. Each one is
applied on its own first, so an error names the change that is wrong, in the words it was
typed, and the place it was typed in (``--set`` on the command line, a form box on the web).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pydantic
import yaml

from roadwise.domain import Workspace
from roadwise.domain.model import Scenario, ScenarioChange
from roadwise.errors import RoadwiseError, ValidationError

ENTITIES = ("item", "team", "person", "release", "customer", "workspace")
HIRE_RAMP_UP_DAYS = 30

# Where each kind of change is typed, as errors name it: the CLI's options by default.
CLI_FIELDS: Mapping[str, str] = {
    "key": "KEY",
    "set": "--set",
    "remove": "--remove",
    "hire": "--hire",
}


def build_scenario(
    ws: Workspace,
    key: str,
    *,
    name: str = "",
    description: str = "",
    sets: Sequence[str] = (),
    removes: Sequence[str] = (),
    hires: Sequence[str] = (),
    fields: Mapping[str, str] = CLI_FIELDS,
) -> Scenario:
    """The scenario ``key`` with these changes, each checked against ``ws``.

    ``fields`` names where the key (``key``) and each kind of change (``set``, ``remove``,
    ``hire``) were typed, for the errors.
    """
    key_field = fields["key"]
    try:
        Scenario(key=key, name=key)
    except pydantic.ValidationError:
        raise ValidationError(
            f"'{key}' cannot be a scenario key: a key is 1 to 100 characters without spaces, "
            "commas or semicolons, e.g. hire-platform",
            field=key_field,
        ) from None
    # Each change with the place and text it came from, to name them in an error.
    changes: list[tuple[ScenarioChange, str, str]] = []
    for raw in sets:
        target, eq, value = raw.partition("=")
        if not eq:
            raise ValidationError(f"'{raw}': expected ENTITY:KEY.FIELD=VALUE", field=fields["set"])
        entity, k, field = parse_target(target, fields["set"], removal=False)
        try:
            parsed = yaml.safe_load(value)
        except (yaml.YAMLError, ValueError):  # ValueError: a date like 2026-02-30
            raise ValidationError(
                f"'{raw}': the value after '=' cannot be read; write numbers and dates as they "
                "are and put text with quotes or colons in quotes",
                field=fields["set"],
            ) from None
        edit = ScenarioChange(entity=entity, key=k, field=field, value=parsed)
        changes.append((edit, fields["set"], raw))
    for raw in removes:
        entity, k = _removal(raw, ws, fields["remove"])
        edit = ScenarioChange(entity=entity, key=k, action="remove")
        changes.append((edit, fields["remove"], raw))
    for index, raw in enumerate(hires):
        edit = _hire(raw, ws, f"{key}-hire-{index + 1}", index + 1, fields["hire"])
        changes.append((edit, fields["hire"], raw))
    # Fail now, not at planning time, and name the change that is wrong in the user's words
    # (the workspace's own error says e.g. field 'items.84.estimate.likly'). The changes to one
    # record are checked together: raising an estimate is `likely` and `high` set at once, and
    # `likely` alone would break low <= likely <= high against the stored `high`.
    from roadwise.engines.scenario import apply_scenario

    for group in _by_record(changes):
        try:
            apply_scenario(ws, Scenario(key=key, name=key, changes=[c for c, _, _ in group]))
        except RoadwiseError as exc:
            wrong = _wrong_changes(group, exc, f"scenarios.{key}.changes.")
            typed = " with ".join(f"'{raw}'" for _, _, raw in wrong)
            raise ValidationError(f"{typed}: {change_problem(exc)}", field=wrong[0][1]) from None
    scenario = Scenario(
        key=key, name=name or key, description=description, changes=[c for c, _, _ in changes]
    )
    try:
        apply_scenario(ws, scenario)
    except RoadwiseError as exc:
        raise ValidationError(
            f"the changes together are not possible: {change_problem(exc)}", field=key_field
        ) from None
    return scenario


Typed = tuple[ScenarioChange, str, str]
"""A change, the place it was typed in and the text typed."""


def _by_record(changes: Sequence[Typed]) -> list[list[Typed]]:
    """The changes that set fields of one record, together; every other change on its own."""
    groups: dict[tuple[str, str], list[Typed]] = {}
    order: list[list[Typed]] = []
    for typed in changes:
        change = typed[0]
        if change.action != "set":
            order.append([typed])
            continue
        record = (change.entity, change.key)
        if record not in groups:
            groups[record] = []
            order.append(groups[record])
        groups[record].append(typed)
    return order


def _wrong_changes(group: Sequence[Typed], exc: RoadwiseError, prefix: str) -> list[Typed]:
    """Which of one record's changes ``exc`` is about: the one it names by position (an unknown
    key), those setting the field it found invalid, else all of them."""
    where = exc.field or ""
    if where.startswith(prefix):
        index = where.removeprefix(prefix).split(".", 1)[0]
        if index.isdigit() and int(index) < len(group):
            return [group[int(index)]]
    parts = where.split(".")
    numbered = [i for i, part in enumerate(parts) if part.isdigit()]
    field = ".".join(parts[numbered[-1] + 1 :]) if numbered else ""
    if field:
        named = [
            typed
            for typed in group
            if typed[0].field == field
            or typed[0].field.startswith(f"{field}.")
            or field.startswith(f"{typed[0].field}.")
        ]
        if named:
            return named
    return list(group)


def store_scenario(store: Any, scenario: Scenario, actor: str | None = None) -> None:
    """Add ``scenario`` to the stored workspace, replacing one with the same key."""

    def change(current: Workspace) -> Workspace:
        kept = [s for s in current.scenarios if s.key != scenario.key]
        return current.copy_with(scenarios=[*kept, scenario])

    store.modify(change, actor=actor)


def parse_target(raw: str, place: str, *, removal: bool) -> tuple[str, str, str]:
    """``item:KW-1.estimate.likely`` -> (item, KW-1, estimate.likely)."""
    entity, sep, rest = raw.partition(":")
    if not sep or entity not in ENTITIES:
        form = "ENTITY:KEY, e.g. item:KW-12" if removal else "ENTITY:KEY.FIELD"
        raise ValidationError(
            f"'{raw}': expected {form} with ENTITY one of {', '.join(ENTITIES[:-1])}, "
            f"{ENTITIES[-1]}",
            field=place,
        )
    if entity == "workspace":
        return entity, "", rest
    key, _, field = rest.partition(".")
    return entity, key, field


def _removal(raw: str, ws: Workspace, place: str) -> tuple[str, str]:
    """``item:KW-1`` -> (item, KW-1); a bare key is taken as the item or person it names."""
    if ":" in raw:
        entity, key, _ = parse_target(raw, place, removal=True)
        return entity, key
    people = {p.key for t in ws.teams for p in t.people}
    if raw in ws.item_by_key:
        return "item", raw
    if raw in people:
        return "person", raw
    raise ValidationError(
        f"'{raw}': no item or person has this key; expected ENTITY:KEY, e.g. item:KW-12 "
        "or person:ana.lee",
        field=place,
    )


def _hire(raw: str, ws: Workspace, person_key: str, number: int, place: str) -> ScenarioChange:
    """``TEAM[@DATE]``: a new person with the team's skills, joining then, ramping up."""
    team_key, at, date = raw.partition("@")
    team = ws.team_by_key.get(team_key)
    if team is None:
        teams = ", ".join(sorted(ws.team_by_key)) or "none"
        hint = ", e.g. platform@2027-01-04" if "=" in raw else ""
        raise ValidationError(
            f"'{raw}': unknown team '{team_key}' (teams: {teams}); expected TEAM or "
            f"TEAM@DATE{hint}",
            field=place,
        )
    if at:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise ValidationError(
                f"'{raw}': '{date}' is not a date; expected TEAM@YYYY-MM-DD", field=place
            ) from None
    person = {
        "key": person_key,
        "name": f"New hire {number} ({team.name})",
        "skills": sorted(team.skills),
        "joins": date or ws.as_of.isoformat(),
        "ramp_up_days": HIRE_RAMP_UP_DAYS,
    }
    return ScenarioChange(entity="person", key=team_key, action="add", value=person)


def change_problem(exc: Exception) -> str:
    """What is wrong with a change, without the workspace's internal path (items.84.…)."""
    if not isinstance(exc, RoadwiseError):
        return str(exc)
    marker = "makes the workspace invalid: "
    if marker not in exc.message:
        return exc.message
    detail = exc.message.split(marker, 1)[1]
    parts = (exc.field or "").split(".")
    # The field within its record: 'items.84.estimate.likly' -> 'estimate.likly'.
    numbered = [i for i, part in enumerate(parts) if part.isdigit()]
    where = ".".join(parts[numbered[-1] + 1 :] if numbered else parts[-1:])
    if detail == "Extra inputs are not permitted":
        return f"'{where}' is not a field" if where else "unknown field"
    detail = detail[:1].lower() + detail[1:]
    detail = detail.removeprefix("value error, ")  # pydantic's words for a rule of ours
    return f"{where}: {detail}" if where else detail
