"""Web accounts: users with a role (admin, editor, viewer), their browser sessions and API
tokens for scripts.

Passwords are stored as argon2 hashes; API tokens and session ids are random 256-bit secrets
stored as their SHA-256 (a fast hash is enough for a secret with that much entropy).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from roadwise.errors import RoadwiseError, ValidationError
from roadwise.workspace import Store
from roadwise.workspace.schema import web_sessions, web_tokens, web_users

ROLES = ("admin", "editor", "viewer")
_hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown user like a known one.
_DUMMY_HASH = _hasher.hash("roadwise-no-such-user")


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in ("admin", "editor")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def add_user(store: Store, name: str, password: str, role: str = "editor") -> User:
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, not '{role}'", field="role")
    if (
        not name
        or len(name) > 100
        or not name.replace("-", "").replace("_", "").replace(".", "").replace("@", "").isalnum()
    ):
        raise ValidationError(
            "a user name is 1-100 letters, digits, '.', '-', '_' or '@'", field="name"
        )
    if len(password) < 8:
        raise ValidationError("a password needs at least 8 characters", field="password")
    hashed = _hasher.hash(password)  # slow on purpose: not while holding the write lock
    with store.write_transaction() as conn:
        if conn.execute(sa.select(web_users.c.name).where(web_users.c.name == name)).first():
            raise RoadwiseError(f"user '{name}' exists already", field="name")
        conn.execute(
            web_users.insert().values(name=name, password_hash=hashed, role=role, created=_now())
        )
    return User(name, role)


def list_users(store: Store) -> list[tuple[User, dt.datetime]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(web_users).order_by(web_users.c.name)).all()
    return [(User(r.name, r.role), r.created) for r in rows]


def remove_user(store: Store, name: str) -> None:
    with store.write_transaction() as conn:
        gone = conn.execute(web_users.delete().where(web_users.c.name == name)).rowcount
        conn.execute(web_tokens.delete().where(web_tokens.c.user == name))
        conn.execute(web_sessions.delete().where(web_sessions.c.user == name))
    if not gone:
        raise RoadwiseError(f"no user '{name}'", field="name")


def authenticate(store: Store, name: str, password: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(web_users).where(web_users.c.name == name)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return User(row.name, row.role) if row else None


def get_user(store: Store, name: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(web_users).where(web_users.c.name == name)).first()
    return User(row.name, row.role) if row else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, user: str, label: str = "") -> str:
    """A new API token for ``user``; only its hash is stored, so show it now or never."""
    if get_user(store, user) is None:
        raise RoadwiseError(f"no user '{user}'; add one with `roadwise user add`", field="user")
    token = "rw_" + secrets.token_urlsafe(32)
    with store.write_transaction() as conn:
        conn.execute(
            web_tokens.insert().values(
                token_hash=_token_hash(token), user=user, label=label, created=_now()
            )
        )
    return token


def user_for_token(store: Store, token: str) -> User | None:
    return _holder(store, web_tokens, web_tokens.c.token_hash == _token_hash(token))


def _holder(store: Store, table: sa.Table, *match: sa.ColumnElement[bool]) -> User | None:
    """The account a stored secret (``table``: tokens or sessions) belongs to, if any."""
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(web_users.c.name, web_users.c.role)
            .join(table, table.c.user == web_users.c.name)
            .where(*match)
        ).first()
    return User(row.name, row.role) if row else None


# --------------------------------------------------------------------------- browser sessions
# The signed cookie alone cannot be revoked: a copy keeps working until it expires. So it
# carries only a random session id, and a session is live while its hash is stored here.


def start_session(store: Store, user: str, lifetime: dt.timedelta) -> str | None:
    """A new session id for ``user``, live for ``lifetime``; only its hash is stored. None
    when the account is gone by then (removed while its password was being checked)."""
    session_id = secrets.token_urlsafe(32)
    now = _now()
    with store.write_transaction() as conn:
        # Sessions nobody signed out of would otherwise pile up.
        conn.execute(web_sessions.delete().where(web_sessions.c.expires <= now))
        # Stored only while the account exists, in the same statement: a session stored for
        # an account removed meanwhile would come back if the name were added again.
        hashed = _token_hash(session_id)
        conn.execute(
            web_sessions.insert().from_select(
                ["session_hash", "user", "created", "expires"],
                sa.select(
                    sa.literal(hashed, sa.String),
                    web_users.c.name,
                    sa.literal(now, sa.DateTime),
                    sa.literal(now + lifetime, sa.DateTime),
                ).where(web_users.c.name == user),
            )
        )
        # Read back rather than trust rowcount, which a driver may leave at -1 for INSERT …
        # SELECT.
        stored = conn.execute(
            sa.select(web_sessions.c.session_hash).where(web_sessions.c.session_hash == hashed)
        ).first()
    return session_id if stored is not None else None


def user_for_session(store: Store, session_id: str) -> User | None:
    """The account of a live session; ``None`` once it ended, expired or its account went."""
    s = web_sessions
    return _holder(store, s, s.c.session_hash == _token_hash(session_id), s.c.expires > _now())


def end_session(store: Store, session_id: str) -> None:
    """Sign a session out on the server: its cookie, or any copy of it, no longer signs in."""
    with store.write_transaction() as conn:
        conn.execute(
            web_sessions.delete().where(web_sessions.c.session_hash == _token_hash(session_id))
        )
