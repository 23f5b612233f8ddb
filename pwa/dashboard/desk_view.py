"""What the service desk's pages share: who may open them, the desk of the bundle, a ticket's
clocks in words, its phone number as the viewer may see it, and the names of things.

客服 (service) and supervisors of a site, and admins, work its desk; the dashboard's sign-in
guard lets a 客服 through to these pages only, and every other staff role nowhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.models import Property
from pwa.api.tickets import sees_phone
from pwa.dashboard.context import bundle, lang, site_or_403, t, user
from pwa.errors import ApiError
from pwa.ops import desk as rules
from pwa.ops.desk import Desk
from pwa.ops.tickets import CLOCKS, OPEN, explain
from pwa.store.accounts import User

DESK_BLUEPRINTS = ("dashboard.desk", "dashboard.ticket")


def works_the_desk(me: User) -> bool:
    return me.is_admin or me.is_supervisor or "service" in me.roles


def desk_only(me: User) -> bool:
    """A 客服 without a supervisor's role: the desk's pages and nothing else."""
    return me.is_staff and "service" in me.roles


def the_desk() -> Desk:
    found = bundle().desk
    if found is None:
        raise ApiError(404, "This handbook has no service desk document.")
    return found


def desk_site(site: str) -> Property:
    """The site, when the signed-in user works its desk; else 404 or 403."""
    prop = site_or_403(site)
    if not works_the_desk(user()):
        raise ApiError(403, "The service desk is for 客服, supervisors and admins.")
    return prop


def phone_of(row) -> str:
    """The resident's number in full for 客服 and supervisors of the site, masked otherwise."""
    if sees_phone(user(), row.site):
        return row.phone
    return rules.mask_phone(row.phone)


def span(minutes: float) -> str:
    """A length of time in words: 12 分, 3 小时 5 分, 2 天 4 小时."""
    whole = max(0, round(minutes))
    days, rest = divmod(whole, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return t("span_d", d=days, h=hours)
    if hours:
        return t("span_h", h=hours, m=mins)
    return t("span_m", m=mins)


@dataclass(frozen=True)
class ClockView:
    clock: str
    limit: str | None  # "15m", from the category
    state: str  # none | running | late | paused | met | missed
    due: dt.datetime | None  # naive UTC
    words: str

    @property
    def is_late(self) -> bool:
        return self.state in ("late", "missed")


def clock_view(row, clock: str, limit: str | None, now: dt.datetime) -> ClockView:
    """One clock of a stored ticket at `now` (naive UTC): time left, late since, paused, or
    how long it took."""
    due, stop = getattr(row, f"{clock}_due"), getattr(row, f"{clock}_stop")
    minutes = getattr(row, f"{clock}_minutes")
    if due is None and stop is None:
        return ClockView(clock, limit, "none", None, t("no_limit"))
    if stop is None:
        if now > due:
            return ClockView(clock, limit, "late", due, t("late_by", time=span(_mins(now - due))))
        return ClockView(clock, limit, "running", due, t("left", time=span(_mins(due - now))))
    used = span(minutes or 0)
    if clock == "close" and row.status in OPEN:  # waiting for the resident: a pause
        late = due is not None and stop > due
        return ClockView(clock, limit, "missed" if late else "paused", due, t("paused", time=used))
    if due is None or stop <= due:
        return ClockView(clock, limit, "met", due, t("took", time=used))
    return ClockView(clock, limit, "missed", due, t("took_late", time=used))


def _mins(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


def clocks_of(row, desk: Desk, now: dt.datetime) -> list[ClockView]:
    category = desk.raw_categories.get(row.category, {})
    return [clock_view(row, c, category.get(c), now) for c in CLOCKS]


def category_label(desk: Desk, category: str) -> str:
    raw = desk.raw_categories.get(category)
    if raw is None:
        return category
    return (raw.get("name_en") or raw["name"]) if lang() == "en" else raw["name"]


def naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def flag_words(why: str) -> str:
    """Why the log could not take an event (pwa.ops.tickets says it in English, for the CSV),
    in the page's words."""
    parts = explain(why)
    key = parts["why"]
    if key == "while":
        return t(
            "flag_while", event=t(f"ev_{parts['event']}"), status=t(f"tstatus_{parts['status']}")
        )
    if key == "not_assignee":
        return t("flag_not_assignee", event=t(f"ev_{parts['event']}"), actor=parts["actor"])
    if key == "assigned_to":
        return t("flag_assigned_to", person=parts["person"])
    if key == "other":
        return why
    return t(f"flag_{key}")
