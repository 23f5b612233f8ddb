"""Users, passwords, bearer tokens and login attempts: the store side of authentication."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Connection,
    DateTime,
    String,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.sql import CompoundSelect

from pwa.config import ROLES
from pwa.store.models import login_attempts, tokens, user_roles, user_sites, users, utcnow


class AccountError(ValueError):
    """A request the accounts cannot honour (unknown user, bad role...), in words."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    roles: frozenset[str]
    sites: frozenset[str]
    disabled: bool = False
    session_epoch: int = 0
    token_id: int | None = None
    joined: dt.datetime | None = None  # naive UTC: the account's creation, when courses fall due

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles

    @property
    def is_staff(self) -> bool:
        return not (self.is_admin or self.is_supervisor)

    def public(self) -> dict:
        body: dict = {"id": self.id, "username": self.username}
        if self.joined is not None:
            body["joined_at"] = self.joined.replace(microsecond=0).isoformat() + "Z"
        return body


def hasher(memory_kib: int = 65536, time_cost: int = 3) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_kib, time_cost=time_cost)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(12)


def _identity(source, where) -> CompoundSelect:
    """The user (with the token's columns when `source` joins tokens), each role and each site,
    as the rows of one statement: part 0 the user, 1 a role, 2 a site (in `value`)."""
    with_token = source is not users
    token_columns = [tokens.c.id, tokens.c.expires_at, tokens.c.revoked_at, tokens.c.last_used_at]
    head = select(
        literal_column("0").label("part"),
        users.c.id.label("user_id"),
        users.c.username,
        users.c.disabled,
        users.c.session_epoch,
        users.c.created_at,
        *(token_columns if with_token else [null()] * len(token_columns)),
        null().label("value"),
    ).select_from(source.join(users, users.c.id == source.c.user_id) if with_token else users)
    padding = [null()] * (len(head.selected_columns) - 2)
    parts = [head.where(where)]
    for number, table, column in ((1, user_roles, "role"), (2, user_sites, "site")):
        joined = (source if with_token else users).join(
            table, table.c.user_id == (source.c.user_id if with_token else users.c.id)
        )
        parts.append(
            select(literal_column(str(number)), *padding, table.c[column])
            .select_from(joined)
            .where(where)
        )
    return union_all(*parts)


def _user_of(rows: list, token_id: int | None) -> User | None:
    head = next((r for r in rows if r.part == 0), None)
    if head is None:
        return None
    return User(
        head.user_id,
        head.username,
        frozenset(r.value for r in rows if r.part == 1),
        frozenset(r.value for r in rows if r.part == 2),
        bool(head.disabled),
        head.session_epoch,
        token_id,
        head.created_at,
    )


# built once: making the statement costs more than running it (about 1 ms per request)
_BY_ID = _identity(users, users.c.id == bindparam("user_id"))
_BY_TOKEN = _identity(tokens, tokens.c.token_hash == bindparam("token_hash"))


def load_user(conn: Connection, user_id: int, token_id: int | None = None) -> User | None:
    """The user with their roles and sites, in one query."""
    rows = conn.execute(_BY_ID, {"user_id": user_id}).all()
    return _user_of(rows, token_id)


@dataclass(frozen=True)
class Bearer:
    """A bearer token's user, or the problem with the token; and when it was last used."""

    user: User | None
    problem: str | None
    last_used: dt.datetime | None = None


def bearer(conn: Connection, token: str) -> Bearer:
    """Who a bearer token speaks for, in one query (token, user, roles and sites together):
    every authenticated request of a phone runs it."""
    rows = conn.execute(_BY_TOKEN, {"token_hash": token_hash(token)}).all()
    head = next((r for r in rows if r.part == 0), None)
    if head is None:
        return Bearer(None, "The token is not known.")
    if head.revoked_at is not None:
        return Bearer(None, "The token has been revoked; sign in again.")
    if head.expires_at <= utcnow():
        return Bearer(None, "The token has expired; sign in again.")
    user = _user_of(rows, head.id)
    if user.disabled:
        return Bearer(None, "The account is disabled.")
    return Bearer(user, None, head.last_used_at)


def user_id_of(conn: Connection, username: str) -> int:
    found = conn.scalar(select(users.c.id).where(users.c.username == username))
    if found is None:
        raise AccountError(f"no user named {username!r}")
    return found


def add_user(
    conn: Connection,
    ph: PasswordHasher,
    username: str,
    password: str,
    roles: list[str],
    sites: list[str],
    known_sites: set[str] | None = None,
) -> int:
    """Create a user; roles from ROLES, sites from the site document when it is known."""
    if not username or len(username) > 64:
        raise AccountError("a username has 1 to 64 characters")
    if not roles:
        raise AccountError("give at least one role")
    for role in roles:
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
    if not sites and "admin" not in roles:
        raise AccountError("give at least one site")
    for site in sites:
        if known_sites is not None and site not in known_sites:
            raise AccountError(f"unknown site {site!r} (one of: {', '.join(sorted(known_sites))})")
    if conn.scalar(select(users.c.id).where(users.c.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    user_id = conn.execute(
        insert(users).values(
            username=username, password_hash=ph.hash(password), created_at=utcnow()
        )
    ).inserted_primary_key[0]
    conn.execute(insert(user_roles), [{"user_id": user_id, "role": r} for r in sorted(set(roles))])
    if sites:
        conn.execute(insert(user_sites), [{"user_id": user_id, "site": s} for s in set(sites)])
    return user_id


def list_users(conn: Connection) -> list[User]:
    ids = conn.scalars(select(users.c.id).order_by(users.c.username)).all()
    return [load_user(conn, i) for i in ids]


def set_disabled(conn: Connection, username: str, disabled: bool = True) -> None:
    user_id = user_id_of(conn, username)
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(disabled=disabled, session_epoch=users.c.session_epoch + 1)
    )
    if disabled:
        revoke_tokens(conn, user_id)


def reset_password(conn: Connection, ph: PasswordHasher, username: str, password: str) -> None:
    """New password; every session and token of the user stops working."""
    user_id = user_id_of(conn, username)
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=ph.hash(password), session_epoch=users.c.session_epoch + 1)
    )
    revoke_tokens(conn, user_id)


_DUMMY_HASH: dict[int, str] = {}


def check_password(
    conn: Connection, ph: PasswordHasher, username: str, password: str
) -> int | None:
    """The user's id when the password is right and the account enabled, else None."""
    row = conn.execute(
        select(users.c.id, users.c.password_hash, users.c.disabled).where(
            users.c.username == username
        )
    ).one_or_none()
    if row is None:
        # spend the same time as a real check so timing does not reveal which names exist
        if ph.memory_cost not in _DUMMY_HASH:
            _DUMMY_HASH[ph.memory_cost] = ph.hash("not a password")
        with contextlib.suppress(VerificationError):
            ph.verify(_DUMMY_HASH[ph.memory_cost], password)
        return None
    try:
        ph.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return None if row.disabled else row.id


def _lock_key(name: str) -> int:
    """A PostgreSQL advisory-lock key (a signed 64-bit integer) for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def admit_attempt(
    conn: Connection,
    since: dt.datetime,
    username: str,
    address: str,
    max_per_user: int,
    max_per_address: int,
) -> int | None:
    """Write a sign-in attempt, failed until its password proves right, unless a limit is
    reached: the attempt's id, or None when refused.

    Failures count since `since`, for the username only after its last success. Counting and
    writing are one statement, so concurrent attempts cannot all read the same count and each
    check a password: SQLite's BEGIN IMMEDIATE already runs one writer at a time; PostgreSQL's
    READ COMMITTED statements see only committed rows, so there the transaction first takes a
    lock on the username and on the address (in a fixed order: no deadlock).
    """
    if conn.dialect.name == "postgresql":
        for key in sorted({_lock_key(f"user:{username}"), _lock_key(f"address:{address}")}):
            conn.execute(select(func.pg_advisory_xact_lock(key)))
    now = utcnow()
    failed = login_attempts.c.success.is_(False)
    ok = login_attempts.alias("ok")
    last_ok = (
        select(func.max(ok.c.at))
        .where(ok.c.username == username, ok.c.success.is_(True))
        .scalar_subquery()
    )
    per_user = (
        select(func.count())
        .select_from(login_attempts)
        .where(
            login_attempts.c.username == username,
            login_attempts.c.at > since,
            login_attempts.c.at > func.coalesce(last_ok, since),
            failed,
        )
        .scalar_subquery()
    )
    per_address = (
        select(func.count())
        .select_from(login_attempts)
        .where(login_attempts.c.address == address, login_attempts.c.at > since, failed)
        .scalar_subquery()
    )
    row = select(
        literal(username, String),
        literal(address, String),
        literal(now, DateTime),
        false(),
    ).where(per_user < max_per_user, per_address < max_per_address)
    attempt = conn.scalar(
        insert(login_attempts)
        .from_select(["username", "address", "at", "success"], row)
        .returning(login_attempts.c.id)
    )
    # keep the table small: a day of history is plenty for any window we use
    conn.execute(delete(login_attempts).where(login_attempts.c.at < now - dt.timedelta(days=1)))
    return attempt


def attempt_succeeded(conn: Connection, attempt: int) -> None:
    """The password of an admitted attempt was right: it no longer counts as a failure."""
    conn.execute(update(login_attempts).where(login_attempts.c.id == attempt).values(success=True))


def issue_token(
    conn: Connection, user_id: int, device_id: str, hours: float
) -> tuple[str, dt.datetime]:
    """A new bearer token; only its hash is stored, the token itself is shown once."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow().replace(microsecond=0) + dt.timedelta(hours=hours)
    conn.execute(
        insert(tokens).values(
            user_id=user_id,
            token_hash=token_hash(token),
            device_id=device_id,
            expires_at=expires_at,
        )
    )
    return token, expires_at


def revoke_tokens(conn: Connection, user_id: int, token_id: int | None = None) -> int:
    """Revoke one token (or all) of a user; returns how many were live."""
    where = [tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None)]
    if token_id is not None:
        where.append(tokens.c.id == token_id)
    return conn.execute(update(tokens).where(and_(*where)).values(revoked_at=utcnow())).rowcount


def list_tokens(conn: Connection, user_id: int | None = None) -> list[dict]:
    query = (
        select(
            tokens.c.id,
            users.c.username,
            tokens.c.device_id,
            tokens.c.created_at,
            tokens.c.expires_at,
            tokens.c.last_used_at,
            tokens.c.revoked_at,
        )
        .join(users, users.c.id == tokens.c.user_id)
        .order_by(tokens.c.id)
    )
    if user_id is not None:
        query = query.where(tokens.c.user_id == user_id)
    return [dict(row._mapping) for row in conn.execute(query)]


def token_owner(conn: Connection, token_id: int) -> int | None:
    return conn.scalar(select(tokens.c.user_id).where(tokens.c.id == token_id))


def touch_token(conn: Connection, token_id: int, at: dt.datetime | None = None) -> None:
    """The token was used at `at` (now): the device's last contact, which alerts read."""
    at = at or utcnow()
    older = or_(tokens.c.last_used_at.is_(None), tokens.c.last_used_at < at)
    conn.execute(update(tokens).where(tokens.c.id == token_id, older).values(last_used_at=at))
