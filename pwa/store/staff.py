"""Who works where: a site's people and their roles, when they joined, how many people and
devices each site has, and an admin's change of someone's roles and sites. Functions over a
`Connection`, beside `pwa.store.accounts` (which signs people in) and `pwa.store.records`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, func, insert, select

from pwa.config import ROLES
from pwa.store import accounts
from pwa.store.models import tokens, user_roles, user_sites, users


def site_staff(
    conn: Connection, site: str, staff_roles: Iterable[str]
) -> list[tuple[int, str, frozenset[str]]]:
    """(id, username, roles) of each enabled person of the site holding one of `staff_roles`,
    by username."""
    rows = conn.execute(
        select(users.c.id, users.c.username, user_roles.c.role)
        .join(user_sites, user_sites.c.user_id == users.c.id)
        .join(user_roles, user_roles.c.user_id == users.c.id)
        .where(user_sites.c.site == site, users.c.disabled.is_(False))
        .order_by(users.c.username)
    ).all()
    wanted = set(staff_roles)
    people: dict[int, tuple[str, set[str]]] = {}
    for user_id, name, role in rows:
        people.setdefault(user_id, (name, set()))[1].add(role)
    return [(i, name, frozenset(roles)) for i, (name, roles) in people.items() if roles & wanted]


def site_people(conn: Connection, site: str) -> list[str]:
    """The usernames of the site's enabled people, whatever their roles."""
    return list(
        conn.scalars(
            select(users.c.username)
            .join(user_sites, user_sites.c.user_id == users.c.id)
            .where(user_sites.c.site == site, users.c.disabled.is_(False))
            .order_by(users.c.username)
        )
    )


def joined(conn: Connection, user_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """When each account was created (naive UTC): courses fall due from then."""
    query = select(users.c.id, users.c.created_at).where(users.c.id.in_(user_ids))
    return {row.id: row.created_at for row in conn.execute(query)}


def people_per_site(conn: Connection) -> dict[str, int]:
    return dict(
        conn.execute(select(user_sites.c.site, func.count()).group_by(user_sites.c.site)).all()
    )


def devices_at(conn: Connection, site: str) -> int:
    """Devices holding an unrevoked token of one of the site's people."""
    return conn.scalar(
        select(func.count(func.distinct(tokens.c.device_id)))
        .join(user_sites, user_sites.c.user_id == tokens.c.user_id)
        .where(user_sites.c.site == site, tokens.c.revoked_at.is_(None))
    )


def set_roles_sites(
    conn: Connection, username: str, roles: list[str], sites: list[str], known: set[str]
) -> None:
    """Replace a user's roles and sites, checked like `accounts.add_user` checks them."""
    user_id = accounts.user_id_of(conn, username)
    if not roles:
        raise accounts.AccountError("give at least one role")
    for role in roles:
        if role not in ROLES:
            raise accounts.AccountError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
    for site in sites:
        if site not in known:
            raise accounts.AccountError(
                f"unknown site {site!r} (one of: {', '.join(sorted(known))})"
            )
    if not sites and "admin" not in roles:
        raise accounts.AccountError("give at least one site")
    conn.execute(delete(user_roles).where(user_roles.c.user_id == user_id))
    conn.execute(delete(user_sites).where(user_sites.c.user_id == user_id))
    conn.execute(insert(user_roles), [{"user_id": user_id, "role": r} for r in sorted(set(roles))])
    if sites:
        conn.execute(
            insert(user_sites), [{"user_id": user_id, "site": s} for s in sorted(set(sites))]
        )
