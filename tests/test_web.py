"""Web app and API: login, roles, CSRF, conflicts, escaping, tokens, the main pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from roadwise.domain.model import FEEDBACK_LABELS
from roadwise.sample import generate_sample
from roadwise.views.web import accounts, create_app
from roadwise.workspace import open_store

PASSWORD = "correct-horse-battery"
PAGES = [
    "/",
    "/backlog",
    "/release",
    "/roadmap",
    "/forecasts",
    "/capacity",
    "/feedback",
    "/feedback/demand",
    "/decisions",
    "/audit",
    "/reports",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("web") / "w.db"
    store = open_store(path)
    store.replace(generate_sample(seed=7))
    for name, role in (("ann", "admin"), ("ed", "editor"), ("vic", "viewer")):
        accounts.add_user(store, name, PASSWORD, role)
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def app(db: str):  # type: ignore[no-untyped-def]
    return create_app(db, secret_key="test-secret")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient, name: str) -> str:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"csrf_token": token, "username": name, "password": PASSWORD, "next": "/backlog"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/backlog"
    return csrf_of(client.get("/backlog").text)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


def some_item(app, n: int = 3):  # type: ignore[no-untyped-def]
    ws = app.state.service.workspace()
    leaves = [i for i in ws.open_items() if not ws.children(i.key)]
    return app.state.store.get_item(leaves[n].key)


# ----------------------------------------------------------------------------- access


@pytest.mark.parametrize("path", [*PAGES, "/items/KW-1", "/scenarios"])
def test_no_page_without_login(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "path",
    [
        "/api/items",
        "/api/priorities",
        "/api/audit",
        "/api/me",
        "/api/feedback/demand",
        "/openapi.json",
    ],
)
def test_no_api_without_credentials(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401


def test_wrong_password_is_refused_and_logins_are_rate_limited(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    from roadwise.views.web.security import LoginLimiter

    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        r = client.post(
            "/login", data={"csrf_token": token, "username": "vic", "password": "nope-nope"}
        )
        assert r.status_code == 401
    r = client.post("/login", data={"csrf_token": token, "username": "vic", "password": PASSWORD})
    assert r.status_code == 429, "the sixth try within a minute is refused, even with the password"
    # Another user from the same address is not locked out by vic's failures.
    r = client.post(
        "/login",
        data={"csrf_token": token, "username": "ed", "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303
    app.state.limiter = LoginLimiter()  # the other tests log in as vic


def test_login_needs_the_csrf_token(client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"csrf_token": "forged", "username": "ed", "password": PASSWORD})
    assert r.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_redirect_stays_on_this_site(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "ann",
            "password": PASSWORD,
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_session_cookie_is_http_only_and_same_site(client: TestClient) -> None:
    r = client.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def session_of(client: TestClient) -> dict[str, str]:
    """What the signed session cookie holds (base64 JSON, then a timestamp and signature)."""
    import base64
    import json

    value = client.cookies["roadwise_session"]
    data: dict[str, str] = json.loads(base64.b64decode(value.rsplit(".", 2)[0]))
    return data


def test_a_copied_session_cookie_stops_working_at_logout(app) -> None:  # type: ignore[no-untyped-def]
    """Signing out ends the session on the server: a copy of the cookie taken before (from a
    shared computer, a proxy log) no longer reads a page nor writes, by form or by API."""
    item = some_item(app, 7)
    with TestClient(app) as ed, TestClient(app) as thief:
        token = login(ed, "ed")
        thief.cookies.set("roadwise_session", ed.cookies["roadwise_session"])
        assert thief.get("/backlog", follow_redirects=False).status_code == 200  # the copy works
        r = ed.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"

        r = thief.get("/backlog", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        form = {"csrf_token": token, "version": item.version, "title": "stolen", "status": "ready"}
        r = thief.post(f"/items/{item.key}", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        r = thief.patch(
            f"/api/items/{item.key}",
            json={"version": item.version, "title": "stolen"},
            headers={"x-csrf-token": token},
        )
        assert r.status_code == 401
        assert thief.get("/api/me").status_code == 401
        assert ed.get("/backlog", follow_redirects=False).status_code == 303
    assert app.state.store.get_item(item.key).title == item.title
    # Signing in again starts a new session, which works; and a session signed in over ends,
    # so a copy of the cookie from before a second sign-in in the same browser is dead too.
    with TestClient(app) as ed:
        login(ed, "ed")
        earlier = ed.cookies["roadwise_session"]
        with TestClient(app) as thief:
            thief.cookies.set("roadwise_session", earlier)
            assert thief.get("/api/me").json() == {"name": "ed", "role": "editor"}
            login(ed, "ed")
            assert ed.get("/api/me").json() == {"name": "ed", "role": "editor"}
            assert thief.get("/api/me").status_code == 401


def test_removing_an_account_ends_its_sessions(app) -> None:  # type: ignore[no-untyped-def]
    """A session of a removed account does not come back when an account of that name is
    added again."""
    store = app.state.store
    accounts.add_user(store, "rex", PASSWORD, "editor")
    with TestClient(app) as rex:
        login(rex, "rex")
        cookie = rex.cookies["roadwise_session"]
    accounts.remove_user(store, "rex")
    accounts.add_user(store, "rex", PASSWORD, "admin")
    try:
        with TestClient(app) as copy:
            copy.cookies.set("roadwise_session", cookie)
            assert copy.get("/", follow_redirects=False).status_code == 303
            assert copy.get("/api/me").status_code == 401
    finally:
        accounts.remove_user(store, "rex")


def test_a_sign_in_that_races_the_accounts_removal_stores_no_session(
    app,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The account is removed while its password is being checked: no session is stored for
    the name (it would come back if the name were added again), and the sign-in fails."""
    import sqlalchemy as sa

    from roadwise.workspace.schema import web_sessions

    store = app.state.store
    accounts.add_user(store, "tess", PASSWORD, "editor")
    checked = accounts.authenticate

    def removed_meanwhile(store_: object, name: str, password: str) -> object:
        user = checked(store, name, password)
        accounts.remove_user(store, name)
        return user

    def sessions() -> int:
        with store.engine.connect() as conn:
            return len(conn.execute(sa.select(web_sessions.c.session_hash)).all())

    before = sessions()
    monkeypatch.setattr(accounts, "authenticate", removed_meanwhile)
    with TestClient(app) as tess:
        token = csrf_of(tess.get("/login").text)
        r = tess.post(
            "/login",
            data={"csrf_token": token, "username": "tess", "password": PASSWORD},
            follow_redirects=False,
        )
        assert r.status_code == 401 and "Wrong user name or password" in r.text
        assert tess.get("/api/me").status_code == 401
    assert sessions() == before
    assert accounts.start_session(store, "tess", dt.timedelta(hours=1)) is None


def test_the_session_id_is_stored_hashed_and_ends_when_it_expires(app) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    import hashlib

    import sqlalchemy as sa

    from roadwise.workspace.schema import web_sessions

    store = app.state.store
    with TestClient(app) as vic:
        login(vic, "vic")
        session = session_of(vic)
        assert "user" not in session and "vic" not in session.values()
        session_id = session["sid"]
        with store.engine.connect() as conn:
            rows = conn.execute(sa.select(web_sessions)).all()
        assert session_id not in " ".join(str(r) for r in rows)
        hashed = hashlib.sha256(session_id.encode()).hexdigest()
        (row,) = [r for r in rows if r.session_hash == hashed]
        assert row.user == "vic"
        assert dt.timedelta(hours=7.9) < row.expires - row.created <= dt.timedelta(hours=8)
        with store.write_transaction() as conn:
            conn.execute(
                web_sessions.update()
                .where(web_sessions.c.session_hash == hashed)
                .values(expires=row.created)
            )
        assert vic.get("/", follow_redirects=False).status_code == 303
        assert vic.get("/api/me").status_code == 401


def test_every_main_page_renders_real_data(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    login(client, "vic")
    ws = app.state.service.workspace()
    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 200, path
        assert 'accesskey="b"' in r.text
    dash = client.get("/").text
    assert ws.objectives[0].title in dash
    backlog = client.get("/backlog").text
    top = app.state.service.priorities().items[0]
    assert top.key in backlog and f"{top.score:,.1f}" in backlog
    item = some_item(app)
    page = client.get(f"/items/{item.key}").text
    assert item.title in page and "History" in page


# ----------------------------------------------------------------------------- writes


def test_viewer_cannot_write(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    token = login(client, "vic")
    item = some_item(app)
    r = client.post(
        f"/items/{item.key}",
        data={"csrf_token": token, "version": item.version, "title": "x", "status": "ready"},
    )
    assert r.status_code == 403
    r = client.patch(
        f"/api/items/{item.key}",
        json={"version": item.version, "title": "x"},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 403
    assert client.post("/release/run", data={"csrf_token": token}).status_code == 403
    assert app.state.store.get_item(item.key).title == item.title


def test_editor_edits_an_item_and_the_audit_log_says_who(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    token = login(client, "ed")
    item = some_item(app, 4)
    r = client.post(
        f"/items/{item.key}",
        data={
            "csrf_token": token,
            "version": item.version,
            "title": item.title + " (v2)",
            "status": "in_progress",
            "team": item.team or "",
            "release": item.release or "",
            "description": item.description,
            "low": "2",
            "likely": "3",
            "high": "8",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    saved = app.state.store.get_item(item.key)
    assert saved.title == item.title + " (v2)" and saved.status.value == "in_progress"
    assert (saved.estimate.low, saved.estimate.likely, saved.estimate.high) == (2, 3, 8)
    assert saved.version == item.version + 1
    entry = app.state.store.audit_entries("item", item.key, limit=1)[0]
    assert entry.actor == "ed" and entry.before["title"] == item.title
    assert "(v2)" in client.get(f"/items/{item.key}").text
    assert "ed" in client.get("/audit").text


def test_a_form_without_csrf_token_is_refused(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    login(client, "ed")
    item = some_item(app, 5)
    r = client.post(
        f"/items/{item.key}",
        data={"csrf_token": "wrong", "version": item.version, "title": "x", "status": "ready"},
    )
    assert r.status_code == 403
    r = client.post(
        f"/items/{item.key}", data={"version": item.version, "title": "x", "status": "ready"}
    )
    assert r.status_code in (403, 422)
    # The API with the session cookie needs the token in a header.
    r = client.patch(f"/api/items/{item.key}", json={"version": item.version, "title": "x"})
    assert r.status_code == 403
    assert app.state.store.get_item(item.key).title == item.title


def test_a_stale_edit_gets_a_conflict_showing_the_other_change(app) -> None:  # type: ignore[no-untyped-def]
    item = some_item(app, 6)
    with TestClient(app) as ann, TestClient(app) as ed:
        ann_token, ed_token = login(ann, "ann"), login(ed, "ed")
        base = {"status": item.status.value, "team": item.team or "", "version": item.version}
        r = ann.post(
            f"/items/{item.key}",
            data={**base, "csrf_token": ann_token, "title": "Ann's title"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        r = ed.post(
            f"/items/{item.key}", data={**base, "csrf_token": ed_token, "title": "Ed's title"}
        )
        assert r.status_code == 409
        assert "changed by ann" in r.text and "Ann&#39;s title" in r.text
        r = ed.patch(
            f"/api/items/{item.key}",
            json={"version": item.version, "title": "Ed again"},
            headers={"x-csrf-token": ed_token},
        )
        assert r.status_code == 409 and "changed by ann" in r.json()["detail"]
    assert app.state.store.get_item(item.key).title == "Ann's title"


def test_item_titles_cannot_inject_script(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    item = some_item(app, 7)
    app.state.store.upsert_item(item.model_copy(update={"title": evil}), actor="test")
    login(client, "vic")
    for path in ("/backlog", f"/items/{item.key}", "/audit"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
    assert "&lt;script&gt;alert" in client.get(f"/items/{item.key}").text
    assert "script-src" in client.get("/").headers["content-security-policy"] or (
        "default-src 'self'" in client.get("/").headers["content-security-policy"]
    )


def test_bulk_edit_saves_each_item_and_reports_conflicts(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    token = login(client, "ed")
    a, b = some_item(app, 10), some_item(app, 11)
    r = client.post(
        "/backlog/bulk",
        data={
            "csrf_token": token,
            "sel": [f"{a.key}:{a.version}", f"{b.key}:{b.version + 5}"],
            "status": "discovery",
        },
    )
    assert r.status_code == 200
    assert app.state.store.get_item(a.key).status.value == "discovery"
    assert app.state.store.get_item(b.key).status == b.status
    assert "Not saved" in r.text and b.key in r.text


# ----------------------------------------------------------------------------- API


def test_api_token_reads_and_writes(app) -> None:  # type: ignore[no-untyped-def]
    store = app.state.store
    editor = {"Authorization": f"Bearer {accounts.create_token(store, 'ed', 'test')}"}
    viewer = {"Authorization": f"Bearer {accounts.create_token(store, 'vic', 'test')}"}
    with TestClient(app) as c:
        assert c.get("/api/me", headers=editor).json() == {"name": "ed", "role": "editor"}
        assert c.get("/api/me", headers={"Authorization": "Bearer rw_wrong"}).status_code == 401
        items = c.get("/api/items", params={"status": "ready"}, headers=viewer).json()
        assert items and all(i["status"] == "ready" for i in items)
        item = some_item(app, 12)
        r = c.patch(
            f"/api/items/{item.key}",
            json={"version": item.version, "status": "discovery"},
            headers=viewer,
        )
        assert r.status_code == 403
        r = c.patch(
            f"/api/items/{item.key}",
            json={"version": item.version, "status": "discovery"},
            headers=editor,
        )
        assert r.status_code == 200 and r.json()["version"] == item.version + 1
        pr = c.get("/api/priorities", headers=viewer).json()
        assert [p["rank"] for p in pr["items"]] == list(range(1, len(pr["items"]) + 1))
        audit = c.get("/api/audit", params={"key": item.key}, headers=viewer).json()
        assert audit[0]["actor"] == "ed"
        assert f"status: '{item.status.value}' -> 'discovery'" in audit[0]["changes"]


def test_a_patch_that_changes_nothing_keeps_the_version_and_audits_nothing(app) -> None:  # type: ignore[no-untyped-def]
    store = app.state.store
    editor = {"Authorization": f"Bearer {accounts.create_token(store, 'ed', 'test')}"}
    item = some_item(app, 14)
    same = {
        "title": item.title,
        "description": item.description,
        "status": item.status.value,
        "team": item.team or "",
        "release": item.release or "",
    }
    if item.estimate is not None:
        same["estimate"] = item.estimate.model_dump(mode="json")
    audited = len(store.audit_entries("item", item.key))
    with TestClient(app) as c:
        r = c.patch(
            f"/api/items/{item.key}", json={"version": item.version, **same}, headers=editor
        )
        assert r.status_code == 200
        assert r.json() == c.get(f"/api/items/{item.key}", headers=editor).json()
        assert r.json()["version"] == item.version
        assert store.get_item(item.key) == item
        assert len(store.audit_entries("item", item.key)) == audited
        # A real change moves it on; sending its values again based on the version before it
        # changes nothing, but is refused as stale all the same.
        now = {**same, "title": item.title + " (v2)"}
        r = c.patch(f"/api/items/{item.key}", json={"version": item.version, **now}, headers=editor)
        assert r.status_code == 200 and r.json()["version"] == item.version + 1
        r = c.patch(f"/api/items/{item.key}", json={"version": item.version, **now}, headers=editor)
        assert r.status_code == 409 and "was changed after you read it" in r.json()["detail"]
    assert store.get_item(item.key).version == item.version + 1
    assert len(store.audit_entries("item", item.key)) == audited + 1


def test_priorities_without_sampling_leave_out_interval_and_p_top_k(db: str, app) -> None:  # type: ignore[no-untyped-def]
    """As the CLI with --samples 0: no interval, P(top k) or expected rank (the score twice,
    a 0/1 share and the rank again); the API says None and the pages leave the columns out."""
    plain = create_app(db, secret_key="test-secret")
    plain.state.service.priority_samples = 0
    for web, sampled in ((app, True), (plain, False)):
        viewer = {"Authorization": f"Bearer {accounts.create_token(web.state.store, 'vic')}"}
        with TestClient(web) as c:
            pr = c.get("/api/priorities", headers=viewer).json()
            assert (pr["samples"] > 0) is sampled
            assert pr["ranked_by"] == ("expected" if sampled else "score")
            top = pr["items"][0]
            for name in ("interval", "p_top_k", "expected_rank"):
                assert (top[name] is not None) is sampled, name
            if sampled:
                assert top["interval"][0] <= top["expected"] <= top["interval"][1]
            else:
                assert top["expected"] == top["score"]
            login(c, "vic")
            backlog = c.get("/backlog").text
            assert top["key"] in backlog and f"{top['score']:,.1f}" in backlog
            assert ("90% interval</th>" in backlog) is sampled
            assert (f"P(top {pr['top_k']})</th>" in backlog) is sampled
            assert ("Nothing was sampled" in backlog) is not sampled
            item = c.get(f"/items/{top['key']}").text
            assert f"score {top['score']:,.1f}" in item
            assert (f"P(top {pr['top_k']})" in item) is sampled
            dash = c.get("/").text
            assert top["key"] in dash
            if sampled:
                low, high = top["interval"]
                assert f"({low:,.1f}–{high:,.1f})" in dash
    schema = plain.openapi()["components"]["schemas"]["Priority"]["properties"]
    assert "None when nothing was sampled" in schema["p_top_k"]["description"]


def test_release_plan_runs_and_beats_or_matches_greedy(app) -> None:  # type: ignore[no-untyped-def]
    editor = {"Authorization": f"Bearer {accounts.create_token(app.state.store, 'ed')}"}
    with TestClient(app) as c:
        r = c.post("/api/release/run", json={"percentile": 0.8}, headers=editor)
        assert r.status_code == 200, r.text
        plan = r.json()
        assert plan["items"] and plan["value"] >= plan["greedy_value"] - 1e-6
        assert c.get("/api/release", headers=editor).json()["key"] == plan["key"]
        login(c, "vic")
        assert plan["items"][0]["key"] in c.get("/release").text


def test_decisions_are_logged(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    token = login(client, "ed")
    key = some_item(app, 2).key
    r = client.post(
        "/decisions",
        data={
            "csrf_token": token,
            "title": "Ship SSO first",
            "rationale": "Biggest deals",
            "items": key,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/decisions").text
    assert "Ship SSO first" in page and key in page
    (logged,) = [d for d in app.state.store.load().decisions if d.title == "Ship SSO first"]
    assert logged.who == "ed"
    # the audit log names the signed-in user too, not the server process's login
    (entry,) = app.state.store.audit_entries(entity="decision", key=logged.key)
    assert entry.actor == "ed"


def test_published_read_only_opens_pages_but_not_writes(db: str) -> None:
    public = create_app(db, published_readonly=True, secret_key="x")
    with TestClient(public) as c:
        assert c.get("/backlog").status_code == 200
        assert c.get("/api/items").status_code == 200
        token = csrf_of(c.get("/backlog").text)
        item = some_item(public)
        r = c.post(
            f"/items/{item.key}",
            data={"csrf_token": token, "version": item.version, "title": "x", "status": "ready"},
        )
        assert r.status_code == 403
        assert c.patch(f"/api/items/{item.key}", json={"version": 1}).status_code == 401


def test_accounts_store_hashes_only(tmp_path: Path) -> None:
    store = open_store(tmp_path / "a.db")
    accounts.add_user(store, "zoe", "long-enough-pw", "viewer")
    token = accounts.create_token(store, "zoe")
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        dump = " ".join(
            str(r)
            for t in ("web_users", "web_tokens")
            for r in conn.execute(sa.text(f"select * from {t}"))
        )
    assert "long-enough-pw" not in dump and token not in dump and "$argon2" in dump
    assert accounts.authenticate(store, "zoe", "long-enough-pw") == accounts.User("zoe", "viewer")
    assert accounts.authenticate(store, "zoe", "wrong-password") is None
    assert accounts.user_for_token(store, token) == accounts.User("zoe", "viewer")
    accounts.remove_user(store, "zoe")
    assert accounts.user_for_token(store, token) is None
    from roadwise.errors import RoadwiseError

    with pytest.raises(RoadwiseError):
        accounts.add_user(store, "x", "short", "viewer")
    with pytest.raises(RoadwiseError):
        accounts.add_user(store, "x", "long-enough-pw", "root")


def test_accounts_queue_behind_other_writers_and_errors_carry_no_hash(tmp_path: Path) -> None:
    """`user add` from several processes at once waited for nobody and failed with a traceback
    that printed the new password's hash; now each waits its turn, and no database error
    message carries the values it was given."""
    import threading

    import sqlalchemy as sa

    path = tmp_path / "a.db"
    open_store(path).close()
    failures: list[BaseException] = []

    def add(name: str) -> None:
        store = open_store(path)
        try:
            accounts.add_user(store, name, "long-enough-pw", "viewer")
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=add, args=(f"user{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    store = open_store(path)
    assert [u.name for u, _ in accounts.list_users(store)] == [f"user{n}" for n in range(4)]
    # the same name twice, below the check in add_user
    with pytest.raises(sa.exc.IntegrityError) as caught, store.write_transaction() as conn:
        conn.execute(
            sa.text(
                "insert into web_users (name, password_hash, role, created) "
                "values (:name, :hash, 'viewer', '2026-01-01')"
            ),
            {"name": "user0", "hash": "SECRET-HASH"},
        )
    assert "SECRET-HASH" not in str(caught.value)
    store.close()


def test_feedback_inbox_confirms_and_labels(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    from roadwise.domain import FeedbackLink

    store = app.state.store
    item = some_item(app, 13)
    target: dict[str, str] = {}

    def propose(ws):  # type: ignore[no-untyped-def]
        rows = list(ws.feedback)
        f = next(f for f in rows if not f.links)
        target["key"] = f.key
        rows[rows.index(f)] = f.model_copy(
            update={"links": [FeedbackLink(item=item.key, score=0.5, confirmed=None)]}
        )
        return ws.copy_with(feedback=rows)

    store.modify(propose, actor="test")
    token = login(client, "ed")
    key = target["key"]
    inbox = client.get("/feedback").text
    assert f"fb-{key}" in inbox
    assert all(f">{kind}</option>" in inbox for kind in FEEDBACK_LABELS)  # every kind offered
    r = client.post(
        f"/feedback/{key}",
        data={"csrf_token": token, "item": item.key, "decision": "confirm"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/feedback/{key}", data={"csrf_token": token, "label": "feature"}, follow_redirects=False
    )
    assert r.status_code == 303
    saved = next(f for f in store.load().feedback if f.key == key)
    assert saved.links[0].confirmed is True and saved.label == "feature"
    assert saved.label_source == "user"
    assert f"fb-{key}" not in client.get("/feedback").text  # reviewed: out of the inbox
    assert key in client.get(f"/items/{item.key}").text  # evidence on the item page


def test_a_label_the_classifier_has_no_kind_for_is_refused(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    """A label outside the five kinds would be stored and then fail every feedback analysis:
    the API, the inbox form and the stored workspace all refuse it, naming the kinds."""
    store = app.state.store
    key = store.load().feedback[0].key
    token = login(client, "ed")
    api = client.post(
        f"/api/feedback/{key}/label", json={"label": "urgent"}, headers={"X-CSRF-Token": token}
    )
    assert api.status_code == 422 and "bug, feature, praise, question, other" in api.text
    page = client.post(
        f"/feedback/{key}", data={"csrf_token": token, "label": "urgent"}, follow_redirects=False
    )
    assert page.status_code == 422 and "unknown label" in page.text
    assert next(f for f in store.load().feedback if f.key == key).label != "urgent"
    assert client.get("/api/feedback/demand").status_code == 200


def test_demand_and_themes_page_and_api_show_one_analysis(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    """The web app shows what `roadwise feedback demand` and `themes` show: items by
    revenue-weighted demand and themes with their trend, from the same analysis."""
    import html

    from roadwise.views.feedback_rows import demand_rows, theme_rows

    login(client, "vic")
    service = app.state.service
    analysis = service.feedback_analysis()
    ws = service.workspace()
    top = demand_rows(ws, analysis, 3)
    themes = theme_rows(analysis)
    assert top and themes
    page = html.unescape(client.get("/feedback/demand").text)
    for row in top:
        assert f'id="demand-{row["item"]}"' in page and row["title"] in page
    first = page.index(f'id="demand-{top[0]["item"]}"')
    assert first < page.index(f'id="demand-{top[1]["item"]}"')  # most demand first
    for row in themes:
        assert f'id="theme-{row["theme"]}"' in page and row["name"] in page
    assert page.count("<strong>rising</strong>") == sum(r["rising"] for r in themes)
    api = client.get("/api/feedback/demand", params={"top": 3}).json()["items"]
    assert [r["item"] for r in api] == [r["item"] for r in top]
    assert api[0]["revenue"] == top[0]["revenue"]
    assert client.get("/api/feedback/themes").json() == themes
    assert "/feedback/demand" in client.get("/feedback").text  # reachable from the inbox


def test_demand_page_says_what_customers_ask_of_dropped_items(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    """Texts linked to a dropped item are no demand in the ranking; the page says in one line
    how many texts and customers still ask for dropped items, and which."""
    import html

    from roadwise.domain import Status

    login(client, "vic")
    ws = app.state.service.workspace()
    customers = {c.key: c for c in ws.customers}
    asked: dict[str, list[str]] = {}  # dropped item -> its texts (nothing is proposed for one)
    for f in ws.feedback:
        for link in f.links:
            if ws.item_by_key[link.item].status == Status.DROPPED and link.confirmed:
                asked.setdefault(link.item, []).append(f.key)
    assert len(asked) > 1 and not any(ws.children(k) for k in asked)  # the sample drops two
    by_key = {f.key: f for f in ws.feedback}

    def who(texts: list[str]) -> set[str]:
        return {c for k in texts if (c := by_key[k].customer) in customers}

    order = sorted(
        asked,
        key=lambda k: (-sum(customers[c].annual_revenue for c in who(asked[k])), k),
    )
    named = [f"{k} ({len(asked[k])} texts, {len(who(asked[k]))} customers)" for k in order]
    texts = {k for found in asked.values() for k in found}
    everyone = set().union(*(who(found) for found in asked.values()))
    line = (
        f"{len(texts)} texts from {len(everyone)} customers ask for dropped items: "
        f"{', '.join(named[:-1])} and {named[-1]}; they are not in the ranking."
    )
    page = html.unescape(client.get("/feedback/demand").text)
    assert f'<p class="small muted" id="dropped-demand">{line}</p>' in page
    assert not any(f'id="demand-{k}"' in page for k in asked)


def test_scenarios_page_lists_and_refuses_unknown(client: TestClient) -> None:
    login(client, "vic")
    page = client.get("/scenarios")
    assert page.status_code == 200 and "No scenarios yet" in page.text
    assert client.get("/scenarios", params={"compare": "nope"}).status_code == 404


def test_reports_download(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    login(client, "vic")
    r = client.get("/reports/executive.md")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert app.state.service.workspace().name in r.text
    assert client.get("/reports/nope.md").status_code == 404


def test_cli_manages_accounts_and_tokens(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from roadwise.views.cli import app as cli

    db = str(tmp_path / "cli.db")
    open_store(db).close()
    runner = CliRunner()
    r = runner.invoke(cli, ["serve", "--db", db])
    assert r.exit_code == 1 and "roadwise user add" in r.output  # no accounts: says how
    r = runner.invoke(
        cli, ["user", "add", "ana", "--role", "viewer", "--password", "pw-long-1", "--db", db]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        cli, ["user", "add", "bo", "--role", "boss", "--password", "x" * 9, "--db", db]
    )
    assert r.exit_code == 1 and "role must be one of" in r.output
    assert "ana" in runner.invoke(cli, ["user", "list", "--db", db]).output
    r = runner.invoke(cli, ["token", "create", "--user", "ana", "--db", db])
    token = r.output.strip()
    assert r.exit_code == 0 and token.startswith("rw_")
    assert accounts.user_for_token(open_store(db), token) == accounts.User("ana", "viewer")
    assert runner.invoke(cli, ["user", "remove", "ana", "--db", db]).exit_code == 0
    assert accounts.user_for_token(open_store(db), token) is None


def test_a_slow_result_does_not_hold_up_the_others(app) -> None:  # type: ignore[no-untyped-def]
    """One page's slow computation (a large feedback analysis) leaves the other pages served;
    two requests for the same result compute it once."""
    import threading

    service = app.state.service
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append("slow")
        started.set()
        release.wait(10)
        return "slow result"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(service.cached("slow", slow)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(service.cached("slow", slow)))
    second.start()
    fast = threading.Thread(target=lambda: results.append(service.cached("fast", lambda: "fast")))
    fast.start()
    fast.join(timeout=5)
    assert not fast.is_alive() and results == ["fast"]  # served while "slow" runs
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert results == ["fast", "slow result", "slow result"] and calls == ["slow"]


def test_an_editor_moves_the_as_of_date_on_to_today(tmp_path: Path) -> None:
    """The dashboard says when plans start from a day in the past, and an editor's button
    moves the as-of date on to today (a viewer gets no button, and cannot post)."""
    import datetime as dt

    path = tmp_path / "asof.db"
    store = open_store(path)
    ws = generate_sample(seed=7)
    store.replace(ws.copy_with(as_of=dt.date.today() - dt.timedelta(days=10)))
    for name, role in (("ed", "editor"), ("vic", "viewer")):
        accounts.add_user(store, name, PASSWORD, role)
    app = create_app(str(path), secret_key="test-secret")
    with TestClient(app) as c:
        login(c, "vic")
        page = c.get("/").text
        assert 'id="as-of-behind"' in page and 'id="as-of-today"' not in page
        assert c.post("/as-of", data={"csrf_token": csrf_of(page)}).status_code == 403
    with TestClient(app) as c:
        token = login(c, "ed")
        assert 'id="as-of-today"' in c.get("/").text
        r = c.post("/as-of", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        assert store.load().as_of == dt.date.today()
        assert 'id="as-of-behind"' not in c.get("/").text
    store.close()


def test_an_editor_makes_a_theme_a_backlog_item(tmp_path: Path) -> None:
    path = tmp_path / "theme.db"
    store = open_store(path)
    store.replace(generate_sample(seed=7))
    accounts.add_user(store, "ed", PASSWORD, "editor")
    accounts.add_user(store, "vic", PASSWORD, "viewer")
    app = create_app(str(path), secret_key="test-secret")
    with TestClient(app) as c:
        login(c, "vic")
        assert "Make it an item" not in c.get("/feedback/demand").text
    with TestClient(app) as c:
        token = login(c, "ed")
        page = c.get("/feedback/demand").text
        assert "Make it an item" in page
        theme = app.state.service.feedback_analysis().themes[0]
        form = {"csrf_token": token, "key": "KW-9001", "name": theme.theme.name, "title": "New"}
        # the theme's name as shown must still be its name: the feedback may have changed
        stale = c.post(f"/feedback/themes/{theme.theme.key}/item", data={**form, "name": "x"})
        assert stale.status_code == 422 and "reload the page" in stale.text
        r = c.post(f"/feedback/themes/{theme.theme.key}/item", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/items/KW-9001"
        item = store.load().item_by_key["KW-9001"]
        assert item.title == "New" and len(item.customers) == theme.demand.reach
        assert "KW-9001" in c.get("/items/KW-9001").text
        # the API does the same, and answers with the new item
        other = app.state.service.feedback_analysis().themes[0]
        body = {"key": "KW-9002", "name": other.theme.name}
        editor = {"Authorization": f"Bearer {accounts.create_token(store, 'ed', 'test')}"}
        url = f"/api/feedback/themes/{other.theme.key}/item"
        r = c.post(url, json=body, headers=editor)
        assert r.status_code == 201 and r.json()["key"] == "KW-9002"
        assert r.json()["title"] == other.theme.name
        # its texts are linked now, so the theme is gone from the next analysis
        again = c.post(url, json=body, headers=editor)
        assert again.status_code == 422 and "is no longer" in again.text
    store.close()


def test_sessions_live_end_and_need_their_account_on_every_database(db_url: str) -> None:
    """The session table's rules on SQLite and PostgreSQL alike (``.ci/run`` starts one): a
    session signs its account in until it ends, and none is stored for an account that is
    gone (read back, as drivers differ on the row count of an INSERT … SELECT)."""
    with open_store(db_url) as store:
        accounts.add_user(store, "tess", PASSWORD, "editor")
        session = accounts.start_session(store, "tess", dt.timedelta(hours=1))
        assert session is not None
        assert accounts.user_for_session(store, session) == accounts.User("tess", "editor")
        accounts.end_session(store, session)
        assert accounts.user_for_session(store, session) is None
        accounts.remove_user(store, "tess")
        assert accounts.start_session(store, "tess", dt.timedelta(hours=1)) is None
