"""Checks across documents: references resolve, routes visit the site's checkpoints,
schedules fit shifts, and the site's calendar and the service desk's categories hold together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from generator.checkpoints import check_route, check_site
from generator.models import (
    Checklist,
    Course,
    Desk,
    Emergency,
    Patrol,
    Procedure,
    Schedule,
    Site,
    Versioned,
)
from generator.models.site import WEEKDAYS
from generator.problems import ERROR, WARNING, Problem
from generator.prose import author_speak
from generator.tree import Tree


def split_ref(ref: str) -> tuple[str, str | None]:
    """ "SEC-GATE#3" -> ("SEC-GATE", "3")."""
    doc_id, _, step = ref.partition("#")
    return doc_id, step or None


def find_step(procedure: Procedure, step: str) -> int | None:
    """0-based index of a step named by its 1-based number or its id."""
    if step.isdigit():
        index = int(step) - 1
        return index if 0 <= index < len(procedure.steps) else None
    for index, candidate in enumerate(procedure.steps):
        if candidate.id == step:
            return index
    return None


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _article(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


class _Checker:
    def __init__(self, tree: Tree, content_dir: Path | None, today: dt.date, site: Site | None):
        self.tree = tree
        self.content_dir = content_dir
        self.today = today
        self.site = site
        self.roles = {r.id for r in site.roles} if site else set()
        self.shifts = {s.id: s for s in site.shifts} if site else {}
        self.contacts = {c.id for c in site.contacts} if site else set()
        self.properties = {p.id: {a.id for a in p.areas} for p in site.properties} if site else {}

    def error(self, doc_id: str, loc: tuple, message: str) -> None:
        self.tree.problem(doc_id, loc, message)

    def names(self, doc_id: str, loc: tuple, value: str, known: Iterable[str], what: str) -> None:
        known = set(known)
        if value not in known:
            listed = ", ".join(sorted(known)) or "none defined"
            self.error(doc_id, loc, f'unknown {what} "{value}" (known: {listed})')

    def role(self, doc_id: str, loc: tuple, value: str | None) -> None:
        if value is not None and self.site:
            self.names(doc_id, loc, value, self.roles, "role")

    def contact(self, doc_id: str, loc: tuple, value: str | None) -> None:
        if value is not None and self.site:
            self.names(doc_id, loc, value, self.contacts, "contact")

    def doc(self, doc_id: str, loc: tuple, ref: str, kinds: tuple[str, ...] = ()) -> None:
        target_id, step = split_ref(ref)
        target = self.tree.documents.get(target_id)
        if target is None:
            if target_id not in self.tree.invalid_ids:
                self.error(doc_id, loc, f'no document with id "{target_id}"')
            return
        if kinds and target.kind not in kinds:
            wanted = " or ".join(_article(k) for k in kinds)
            self.error(doc_id, loc, f'"{target_id}" is {_article(target.kind)}, expected {wanted}')
            return
        if step is not None:
            if not isinstance(target, Procedure):
                self.error(
                    doc_id,
                    loc,
                    f'"#{step}" names a step, but "{target_id}" is a '
                    f"{target.kind}, not a procedure",
                )
            elif find_step(target, step) is None:
                self.error(
                    doc_id,
                    loc,
                    f'procedure "{target_id}" has no step "{step}" '
                    f"(it has {len(target.steps)} step{'s' * (len(target.steps) != 1)})",
                )

    def sites_and_areas(self, doc_id: str, sites: list[str] | None, areas: list[tuple]) -> None:
        """Each site must exist; each area must exist in every site the document covers."""
        if not self.site:
            return
        for i, site_id in enumerate(sites or []):
            self.names(doc_id, ("sites", i), site_id, self.properties, "site")
        covered = [s for s in (sites or self.properties) if s in self.properties]
        for loc, area in areas:
            missing = [s for s in covered if area not in self.properties[s]]
            if missing:
                self.error(
                    doc_id, loc, f'area "{area}" is not defined for site(s) {", ".join(missing)}'
                )

    def schedule(self, doc_id: str, loc: tuple, schedule: Schedule) -> None:
        if not self.site:
            return
        for i, shift_id in enumerate(schedule.shifts):
            self.names(doc_id, (*loc, "shifts", i), shift_id, self.shifts, "shift")
        named = [self.shifts[s] for s in schedule.shifts if s in self.shifts]
        for i, clock in enumerate(schedule.at):
            if named and not any(shift.covers(clock) for shift in named):
                spans = ", ".join(f"{s.name} {s.start}–{s.end}" for s in named)
                self.error(
                    doc_id, (*loc, "at", i), f"{clock} is outside the shift(s) it names ({spans})"
                )

    def versioned(self, doc: Versioned) -> None:
        self.role(doc.id, ("owner",), doc.owner)
        for i, role in enumerate(doc.roles):
            self.role(doc.id, ("roles", i), role)
        for i, ref in enumerate(doc.related):
            self.doc(doc.id, ("related", i), ref)
        if doc.review_by < self.today:
            self.tree.problem(
                doc.id,
                ("review_by",),
                f"review date {doc.review_by} has passed; review the document "
                "and move review_by forward",
                WARNING,
            )
        if doc.changes and doc.changes[-1].version != doc.version:
            self.tree.problem(
                doc.id,
                ("changes",),
                f"the last change log entry is {doc.changes[-1].version} but the "
                f"document is version {doc.version}",
                WARNING,
            )

    def procedure(self, doc: Procedure) -> None:
        self.sites_and_areas(doc.id, doc.sites, [])
        seen: set[str] = set()
        for i, step in enumerate(doc.steps):
            self.role(doc.id, ("steps", i, "role"), step.role)
            if step.id is not None:
                if step.id in seen:
                    self.error(doc.id, ("steps", i, "id"), f'duplicate step id "{step.id}"')
                seen.add(step.id)

    def checklist(self, doc: Checklist) -> None:
        areas = [(("areas", i), a) for i, a in enumerate(doc.areas)]
        self.sites_and_areas(doc.id, doc.sites, areas)
        self.schedule(doc.id, ("schedule",), doc.schedule)
        seen: set[str] = set()
        for i, item in enumerate(doc.items):
            if item.id in seen:
                self.error(doc.id, ("items", i, "id"), f'duplicate item id "{item.id}"')
            seen.add(item.id)
            if item.area is not None and item.area not in doc.areas:
                self.error(
                    doc.id,
                    ("items", i, "area"),
                    f'area "{item.area}" is not one of the checklist\'s areas '
                    f"({', '.join(doc.areas) or 'none listed'})",
                )
            if item.sop:
                self.doc(doc.id, ("items", i, "sop"), item.sop, ("procedure",))
            if item.on_fail and item.on_fail.emergency:
                self.doc(
                    doc.id,
                    ("items", i, "on_fail", "emergency"),
                    item.on_fail.emergency,
                    ("emergency",),
                )

    def patrol(self, doc: Patrol) -> None:
        """The route's site exists and each stop names one of that site's checkpoints."""
        if self.site:
            self.names(doc.id, ("site",), doc.site, self.properties, "site")
            if doc.site in self.properties:
                check_route(doc, self.site, lambda loc, msg: self.error(doc.id, loc, msg))
        for i, schedule in enumerate(doc.schedule):
            self.schedule(doc.id, ("schedule", i), schedule)
        for i, checkpoint in enumerate(doc.checkpoints):
            if checkpoint.sop:
                self.doc(doc.id, ("checkpoints", i, "sop"), checkpoint.sop, ("procedure",))

    def emergency(self, doc: Emergency) -> None:
        self.sites_and_areas(doc.id, doc.sites, [])
        for i, action in enumerate(doc.first_actions):
            self.role(doc.id, ("first_actions", i, "role"), action.role)
        for i, contact in enumerate(doc.contacts):
            self.contact(doc.id, ("contacts", i), contact)
        for i, step in enumerate(doc.escalation):
            self.role(doc.id, ("escalation", i, "role"), step.role)
            self.contact(doc.id, ("escalation", i, "contact"), step.contact)
        if doc.drill:
            self.schedule(doc.id, ("drill",), doc.drill)

    def site_document(self, doc: Site) -> None:
        """Property codes are unique; alert digests name shifts that exist; the checkpoints
        hold together (`check_site`); a date is a holiday or a make-up day, never both, and a
        make-up day is a day not worked in an ordinary week."""
        codes: dict[str, str] = {}
        for i, prop in enumerate(doc.properties):
            if prop.code in codes:
                self.error(
                    doc.id,
                    ("properties", i, "code"),
                    f'property code "{prop.code}" is already used by property {codes[prop.code]}',
                )
            codes.setdefault(prop.code, prop.id)
            shifts = {shift.id for shift in doc.shifts}
            for j, route in enumerate(prop.alerts):
                for k, shift in enumerate(route.shifts):
                    if shift not in shifts:
                        self.error(
                            doc.id,
                            ("properties", i, "alerts", j, "shifts", k),
                            f'unknown shift "{shift}" (known: {", ".join(sorted(shifts))})',
                        )
        check_site(doc, lambda loc, msg: self.error(doc.id, loc, msg))
        calendar = doc.calendar
        holidays = set(calendar.holidays)
        for i, day in enumerate(calendar.make_up_days):
            loc = ("calendar", "make_up_days", i)
            weekday = WEEKDAYS[day.weekday()]
            name = _DAY_NAMES[day.weekday()]
            if day in holidays:
                self.error(
                    doc.id,
                    loc,
                    f"{day} is both a holiday and a make-up day; a date is one or the other",
                )
            elif weekday in calendar.working_days:
                self.error(
                    doc.id,
                    loc,
                    f"{day} is a {name}, already a working day; a make-up day is a day "
                    f"not worked in an ordinary week (working days: "
                    f"{', '.join(calendar.working_days)})",
                )

    def desk(self, doc: Desk) -> None:
        seen: set[str] = set()
        for i, category in enumerate(doc.categories):
            if category.id in seen:
                self.error(
                    doc.id, ("categories", i, "id"), f'duplicate category id "{category.id}"'
                )
            seen.add(category.id)
            self.role(doc.id, ("categories", i, "dispatch_to"), category.dispatch_to)

    def course(self, doc: Course) -> None:
        self.sites_and_areas(doc.id, doc.sites, [])
        for i, module in enumerate(doc.modules):
            if module.doc:
                self.doc(doc.id, ("modules", i, "doc"), module.doc)
            if (
                module.page
                and self.content_dir is not None
                and not (self.content_dir / module.page).is_file()
            ):
                self.error(
                    doc.id,
                    ("modules", i, "page"),
                    f'no page "{module.page}" in {self.content_dir.as_posix()}/',
                )
        seen: set[str] = set()
        for i, question in enumerate(doc.quiz):
            if question.id in seen:
                self.error(doc.id, ("quiz", i, "id"), f'duplicate question id "{question.id}"')
            seen.add(question.id)


def check_references(tree: Tree, content_dir: Path | None, today: dt.date) -> None:
    """Add every cross-document problem of `tree` to `tree.problems`."""
    sites = [d for d in tree.documents.values() if isinstance(d, Site)]
    for extra in sites[1:]:
        tree.problem(
            extra.id,
            ("kind",),
            f'only one site document is allowed; "{sites[0].id}" '
            f"is already defined in {tree.sources[sites[0].id].path}",
        )
    desks = [d for d in tree.documents.values() if isinstance(d, Desk)]
    for extra in desks[1:]:
        tree.problem(
            extra.id,
            ("kind",),
            f'only one desk document is allowed; "{desks[0].id}" '
            f"is already defined in {tree.sources[desks[0].id].path}",
        )
    if not sites and tree.documents:
        first = min(tree.sources.values(), key=lambda raw: (raw.path, raw.index))
        tree.problems.append(
            Problem(
                first.path,
                1,
                1,
                ERROR,
                "",
                "no site document found: roles, sites, areas, shifts and contacts go unchecked",
            )
        )
    # With several site documents it is unclear which one to check against: skip those checks
    # rather than bury the one real error under a cascade.
    checker = _Checker(tree, content_dir, today, sites[0] if len(sites) == 1 else None)
    for doc in list(tree.documents.values()):
        for loc, word in author_speak(doc):
            tree.problem(
                doc.id,
                loc,
                f'"{word}" speaks to authors, not staff; move it to author_notes, '
                "which pages never show",
                WARNING,
            )
        if isinstance(doc, Versioned):
            checker.versioned(doc)
        if isinstance(doc, Site):
            checker.site_document(doc)
        elif isinstance(doc, Desk):
            checker.desk(doc)
        elif isinstance(doc, Procedure):
            checker.procedure(doc)
        elif isinstance(doc, Checklist):
            checker.checklist(doc)
        elif isinstance(doc, Patrol):
            checker.patrol(doc)
        elif isinstance(doc, Emergency):
            checker.emergency(doc)
        elif isinstance(doc, Course):
            checker.course(doc)
