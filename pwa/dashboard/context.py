"""What every dashboard page knows: now, the sites' zone, the language, the signed-in user, the
bundle, which sites they may see, the day asked for, and the wording.

The pages import this module and `tables`, never the package's `__init__`; the sign-in guard
there puts the user in `g` before any page runs.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import g, render_template, request, session

from generator.models import Property
from pwa import clock
from pwa.api.auth import csrf_token
from pwa.api.definitions import Bundle, current_bundle
from pwa.dashboard.text import LANGS, category_name, text
from pwa.errors import ApiError
from pwa.ops import payloads
from pwa.ops.compliance import Rec
from pwa.store.accounts import User

VERSIONED = ("procedure", "checklist", "patrol", "emergency", "course")


def now() -> dt.datetime:
    """Aware UTC now, from the app's one clock."""
    return clock.now()


def zone() -> ZoneInfo:
    """The sites' zone from the handbook (`timezone:` of the site document), as on the phones."""
    site = bundle().site
    return ZoneInfo(site.timezone if site else "Asia/Shanghai")


def lang() -> str:
    return session.get("lang") if session.get("lang") in LANGS else "zh"


def user() -> User:
    return g.dashboard_user


def bundle() -> Bundle:
    # once per request: finding the current bundle stats files
    if "dashboard_bundle" not in g:
        g.dashboard_bundle = current_bundle()
    return g.dashboard_bundle


def properties() -> list[Property]:
    site = bundle().site
    return list(site.properties) if site else []


def my_sites() -> list[Property]:
    me = user()
    return [p for p in properties() if me.is_admin or p.id in me.sites]


def site_ids() -> set[str]:
    return {p.id for p in properties()}


def site_or_403(site: str) -> Property:
    found = {p.id: p for p in properties()}.get(site)
    if found is None:
        raise ApiError(404, f"No site {site!r}.")
    if not user().is_admin and site not in user().sites:
        raise ApiError(403, f"You are not assigned to site {site!r}.")
    return found


def parse_day(value: str | None, name: str = "date") -> dt.date:
    if not value:
        return now().astimezone(zone()).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a date like 2026-06-09.") from None


def t(key: str, **kwargs: object) -> str:
    return text(lang(), key, **kwargs)


def local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored instant (naive UTC or aware) as the sites' wall clock; the `local` filter."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone()).strftime(fmt)


def rec(row: object) -> Rec:
    """A stored record row as the rules read it."""
    # rows stored before the API checked data may hold any shape: the readers get theirs
    data = payloads.stored(row.type, row.data)
    return Rec(
        row.id,
        row.type,
        row.def_id,
        row.device_id,
        row.username,
        row.recorded_at,
        row.received_at,
        data,
    )


def page(template: str, **values: object) -> str:
    values.setdefault("site", None)
    return render_template(
        f"dashboard/{template}",
        t=t,
        lang=lang(),
        me=user(),
        sites=my_sites(),
        csrf_token=csrf_token() if user().token_id is None else "",
        area_names=_area_names(values["site"]) if values["site"] else {},
        shift_names=_shift_names(),
        checkpoint_names=checkpoint_names,
        request_path=request.path,
        query=_query,
        lang_link=_lang_link(),
        category_name=lambda c: category_name(lang(), c),
        **values,
    )


def _query(**changes: object) -> str:
    args = {**request.args.to_dict(), **{k: v for k, v in changes.items() if v is not None}}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
    args.pop("lang", None)
    return f"{request.path}?{urlencode(args)}"


def _lang_link() -> str:
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = "en" if lang() == "zh" else "zh"
    return f"{request.path}?{urlencode(args)}"


def _area_names(site: Property) -> dict[str, str]:
    return {a.id: a.name for a in site.areas}


def checkpoint_names(def_id: str) -> dict[str, str]:
    """A patrol's checkpoint codes, old ones too, → the place's name: a supervisor reads
    水泵房, not LY-OD-06."""
    entry = bundle().raw["documents"].get(def_id)
    stops = (entry or {}).get("checkpoints") or []
    return {code: stop["name"] for stop in stops for code in stop.get("codes") or [stop["code"]]}


def _shift_names() -> dict[str, str]:
    site = bundle().site
    return {s.id: s.name for s in site.shifts} if site else {}


def role_names() -> dict[str, str]:
    """Each role of the site document by id, named in the page's language."""
    site = bundle().site
    english = lang() == "en"
    return {r.id: (r.name_en or r.name) if english else r.name for r in site.roles} if site else {}
