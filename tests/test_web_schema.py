"""schemathesis against the web API's OpenAPI schema: no server errors, responses match it."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from roadwise.domain import Dependency, Item, Objective, ObjectiveLink, Team, Workspace
from roadwise.domain.model import Estimate, ValueInputs
from roadwise.views.web import accounts, create_app
from roadwise.workspace import open_store


def _workspace() -> Workspace:
    """A small workspace: enough for every endpoint to have something to return, fast to plan."""
    items = [
        Item(
            key=f"W-{n}",
            title=f"Item {n}",
            status="ready",
            team="core",
            estimate=Estimate(low=1, likely=2 + n % 3, high=5 + n),
            value=ValueInputs(
                business_value=3 + n % 5, time_criticality=2 + n % 4, risk_reduction=1 + n % 2
            ),
            objectives=[ObjectiveLink(objective="O1")],
            dependencies=[Dependency(item=f"W-{n - 1}")] if n % 4 == 3 else [],
        )
        for n in range(1, 9)
    ]
    return Workspace(
        name="schema test",
        objectives=[Objective(key="O1", title="Grow")],
        teams=[Team(key="core", name="Core")],
        items=items,
    )


def _schema(tmp: Path) -> tuple[object, str]:
    store = open_store(tmp / "schema.db")
    store.replace(_workspace())
    accounts.add_user(store, "ed", "long-enough-pw", "editor")
    token = accounts.create_token(store, "ed", "schemathesis")
    app = create_app(str(tmp / "schema.db"), secret_key="x")
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, headers={"Authorization": f"Bearer {token}"}
    )
    return schema, token


_tmp = Path(__import__("tempfile").mkdtemp(prefix="roadwise-schema-"))
schema, TOKEN = _schema(_tmp)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_matches_its_schema(case: schemathesis.Case) -> None:
    # Every default check (no server error, documented status codes, content types and Allow
    # headers, responses matching their schema) but two about requests: an estimate's
    # "low <= likely <= high" cannot be written in JSON Schema, so a schema-valid body may
    # rightly get a 422; and unknown query parameters are ignored, as HTTP servers do.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


def test_schema_documents_bearer_auth() -> None:
    spec = schema.raw_schema  # type: ignore[attr-defined]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert "/api/items/{key}" in spec["paths"]
    assert not any(path.startswith("/items") for path in spec["paths"]), "pages stay out of it"


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
