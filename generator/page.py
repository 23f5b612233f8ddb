"""`Page`: what a template may ask while one page is rendered (words, links, phone numbers,
front matter), and the small text helpers templates call directly."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterable

import yaml
from markupsafe import escape
from pydantic import BaseModel

from generator.addresses import page_uri
from generator.labels import duration_words, labels, number, range_words, schedule_words
from generator.models import (
    Calendar,
    Category,
    Checklist,
    Checkpoint,
    Contact,
    Emergency,
    Escalation,
    Item,
    Procedure,
    Schedule,
    Shift,
    Site,
    Standard,
    Step,
    checkpoint_index,
)
from generator.models.desk import CLOCKS
from generator.models.site import WEEKDAYS
from generator.references import find_step, split_ref
from generator.tree import Tree

# libyaml's emitter where PyYAML has it: the same text, a tenth of the time
SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

PUBLIC_NUMBERS = {"110": "报警电话", "119": "火警电话", "120": "急救电话"}
BOX = "☐"
BLANK = "＿＿＿＿"
# How search ranks a kind of page against another on the same words (Material's per-page
# boost): on 火 or 停电 the plan to follow comes before the routine pages that mention it;
# role and start pages, which repeat every title, come after the pages they list.
SEARCH_BOOST = {
    "emergency": 4,
    "procedure": 1.5,
    "desk": 1.5,
    "checklist": 1,
    "patrol": 0.6,
    "course": 0.3,
}
LIST_BOOST = 0.2
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def step_anchor(step: Step, number: int) -> str:
    """Every step gets an anchor; ids survive renumbering, so prefer them."""
    return f"step-{step.id}" if step.id else f"step-{number}"


def cell(text: object) -> str:
    """Text made safe for one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def tel(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


class Page:
    """What a template may ask about while rendering one page at `here`."""

    def __init__(
        self,
        tree: Tree,
        here: str,
        lang: str,
        today: dt.date,
        pdf: bool,
        seen: set[str] | None = None,
    ) -> None:
        self.tree = tree
        # the ids of the documents this page asked for (render.jobs): what it depends on
        self.seen = seen if seen is not None else set()
        self.here = here
        self.lang = lang
        self.today = today
        self.pdf = pdf
        self.t = labels(lang)
        site = tree.site
        self.site: Site | None = site
        self._roles = {r.id: r for r in site.roles} if site else {}
        self._areas = {a.id: a.name for p in site.properties for a in p.areas} if site else {}
        self._props = {p.id: p.name for p in site.properties} if site else {}
        self.contacts: dict[str, Contact] = {c.id: c for c in site.contacts} if site else {}
        self.list_search = {"boost": LIST_BOOST}
        self._checkpoints: dict[str, Checkpoint] | None = None

    # --- words -------------------------------------------------------------------------

    def role(self, role_id: str | None) -> str:
        role = self._roles.get(role_id or "")
        if role is None:
            return role_id or ""
        return role.name_en if self.lang == "en" and role.name_en else role.name

    def roles(self, ids: Iterable[str]) -> str:
        return (
            "、".join(self.role(r) for r in ids)
            if self.lang != "en"
            else ", ".join(self.role(r) for r in ids)
        )

    def area(self, area_id: str | None) -> str:
        return self._areas.get(area_id or "", area_id or self.t["other_area"])

    def checkpoint(self, code: str) -> Checkpoint:
        """The site's checkpoint a route names by `code` (a placeholder if the site has none)."""
        if self._checkpoints is None:  # only patrol pages ask: not built for every page
            index = checkpoint_index(self.site) if self.site else {}
            self._checkpoints = {code: place for code, (_, place) in index.items()}
        found = self._checkpoints.get(code)
        return found or Checkpoint(code=code, name=code, area="other")

    def property(self, prop_id: str) -> str:
        return self._props.get(prop_id, prop_id)

    def duration(self, value: str | None) -> str:
        return duration_words(value, self.lang) if value else ""

    def within(self, value: str | None) -> str:
        return self.t["within"].format(d=self.duration(value)) if value else ""

    def limit(self, value: str | None) -> str:
        """A ticket's time limit in a table cell: 10分钟内, or a dash when there is none."""
        return self.within(value) or self.t["no_limit"]

    def category_name(self, category: Category) -> str:
        return category.name_en if self.lang == "en" else category.name

    def weekdays(self, days: Iterable[str]) -> str:
        """周一至周五 for a run of three or more weekdays, else each: 周一、周三."""
        numbers = sorted(WEEKDAYS.index(day) for day in set(days))
        if len(numbers) >= 3 and numbers[-1] - numbers[0] == len(numbers) - 1:
            first, last = (self.t[WEEKDAYS[n]] for n in (numbers[0], numbers[-1]))
            return self.t["day_span"].format(a=first, b=last)
        return self.listing(self.t[WEEKDAYS[n]] for n in numbers)

    def names(self, categories: Iterable[Category]) -> str:
        return self.listing(self.category_name(c) for c in categories)

    def limits(self, category: Category) -> str:
        """A category's limits in one line: 答复5分钟内；到场10分钟内；办结24小时内."""
        words = [
            self.t["limit_words"].format(clock=self.t[clock], d=self.within(value))
            for clock in CLOCKS
            if (value := getattr(category, clock))
        ]
        sep = "; " if self.lang == "en" else "；"
        return sep.join(words) + (self.t["paused"] if category.pause_while_waiting else "")

    def listing(self, words: Iterable[str]) -> str:
        return ("、" if self.lang != "en" else ", ").join(words)

    def date_spans(self, dates: Iterable[dt.date]) -> list[tuple[int, str]]:
        """Dates as runs of days, by year: [(2026, "1月1日至3日、2月15日至23日")]."""
        runs: list[list[dt.date]] = []
        for day in sorted(set(dates)):
            if runs and day - runs[-1][-1] == dt.timedelta(days=1) and day.year == runs[-1][0].year:
                runs[-1].append(day)
            else:
                runs.append([day])
        years: dict[int, list[str]] = {}
        for run in runs:
            first, last = run[0], run[-1]
            words = self._day(first)
            if last != first:
                end = self._day(last, first.month if last.month == first.month else None)
                words = self.t["day_span"].format(a=words, b=end)
            years.setdefault(first.year, []).append(words)
        return [(y, self.listing(w)) for y, w in years.items()]

    def calendar_lines(self, calendar: Calendar) -> list[str]:
        """Per year, its days off, then its make-up working days."""
        lines: dict[tuple[int, int], str] = {}
        for order, (what, dates) in enumerate(
            [("holidays", calendar.holidays), ("make_up_days", calendar.make_up_days)]
        ):
            for year, days in self.date_spans(dates):
                lines[year, order] = self.t["calendar_line"].format(
                    y=year, what=self.t[what], days=days
                )
        return [lines[key] for key in sorted(lines)]

    def _day(self, day: dt.date, month: int | None = None) -> str:
        if self.lang == "en":
            return f"{day.day} {MONTHS_EN[day.month - 1]}"
        return f"{day.day}日" if month is not None else f"{day.month}月{day.day}日"

    def schedule(self, schedule: Schedule) -> str:
        return schedule_words(schedule.every, schedule.times, self.lang)

    def shifts(self, ids: list[str]) -> str:
        if not ids:
            return self.t["all_shifts"]
        known = {s.id: s for s in self.site.shifts} if self.site else {}
        return "、".join(self._shift(known[s]) if s in known else s for s in ids)

    def _shift(self, shift: Shift) -> str:
        words = f"{shift.name} {shift.start}–{shift.end}"
        if shift.rotation:
            words += self.t["rotation"].format(d=self.duration(shift.rotation))
        return words

    def standard(self, standard: Standard) -> str:
        unit = f" {standard.unit}" if standard.unit else ""
        return f"{standard.op} {number(standard.value)}{unit}"

    def range(self, item: Item) -> str:
        return range_words(item.min, item.max, item.unit)

    def pass_box(self, item: Item) -> str:
        """A box in the pass and in the fail column: a tick must say which it is."""
        return "" if item.type == "text" else BOX

    def mark(self, item: Item) -> str:
        """What the value column holds for one item in one round: a blank for a reading."""
        if item.type == "number":
            return f"{BLANK}{item.unit or ''}"
        if item.type == "choice":
            return " ".join(f"{BOX}{option}" for option in item.options or [])
        if item.type == "photo":
            return self.t["photo_in_app"]
        return ""

    def note(self, doc: BaseModel) -> str:
        """The one-line "how often" shown beside a document in a list."""
        if isinstance(doc, Checklist):
            return self.schedule(doc.schedule)
        if doc.kind == "patrol":
            return "；".join(
                self.t["shift_schedule"].format(shifts=self.shifts(s.shifts), n=self.schedule(s))
                for s in doc.schedule
            )
        if doc.kind == "course":
            return self.t["due_words"].format(d=self.duration(doc.due_within))
        return ""

    def overdue(self, review_by: dt.date) -> bool:
        return review_by < self.today

    # --- links -------------------------------------------------------------------------

    def rel(self, target: str) -> str:
        """A link from this page to another file under docs_dir."""
        return posixpath.relpath(target, posixpath.dirname(self.here) or ".")

    def doc(self, doc_id: str) -> BaseModel | None:
        self.seen.add(doc_id)
        return self.tree.documents.get(doc_id)

    def link(self, ref: str, step_words: bool = True) -> str:
        """Markdown link to a document or one procedure step ("SEC-GATE#3")."""
        doc_id, step = split_ref(ref)
        doc = self.doc(doc_id)
        if doc is None or doc.kind == "site":
            return ref
        target = self.rel(page_uri(doc))
        if step is not None and isinstance(doc, Procedure):
            index = find_step(doc, step)
            if index is not None:
                text = self.t["see_step"].format(title=doc.title, n=index + 1)
                if not step_words:
                    text = f"{doc.title} #{index + 1}"
                return f"[{text}]({target}#{step_anchor(doc.steps[index], index + 1)})"
        return f"[{doc.title}]({target})"

    def escalation(self, doc: Emergency) -> tuple[list[Escalation], list[Escalation]]:
        """Calls to 110/119/120 come first and wait for no one; then the internal chain."""
        calls, chain = [], []
        for step in doc.escalation:
            contact = self.contacts.get(step.contact or "")
            public = contact is not None and contact.kind == "public" and not step.role
            (calls if public else chain).append(step)
        return calls, chain

    def tel(self, contact: Contact) -> str:
        note = f"（{self.t['example_number']}）" if contact.example else ""
        if self.lang == "en" and contact.example:
            note = f" ({self.t['example_number']})"
        return f"{contact.name}：[{contact.phone}]({tel(contact.phone)}){{ .dutybook-tel }}{note}"

    def call_buttons(self, doc: Emergency) -> str:
        """Tap-to-call buttons: the plan's public numbers, then 110/119/120, then the site's."""
        listed = [self.contacts[c] for c in doc.contacts if c in self.contacts]
        by_phone = {c.phone: c for c in self.contacts.values()}
        public = [c for c in listed if c.kind == "public"]
        for phone, name in PUBLIC_NUMBERS.items():
            if all(c.phone != phone for c in public):
                known = by_phone.get(phone)
                public.append(
                    known or Contact(id=f"n{phone}", name=name, phone=phone, kind="public")
                )
        others = [c for c in listed if c.kind != "public"]
        buttons = []
        for contact in public + others:
            style = "md-button md-button--primary" if contact.kind == "public" else "md-button"
            note = f"<small>{escape(self.t['example_number'])}</small>" if contact.example else ""
            buttons.append(
                f'<a class="{style} dutybook-call" href="{tel(contact.phone)}">'
                f"{escape(contact.name)} <strong>{escape(contact.phone)}</strong>{note}</a>"
            )
        # one line above the buttons: the plan's first actions must reach the first screen
        return (
            '<div class="dutybook-calls" data-search-exclude markdown="0">\n'
            f"<p><strong>{escape(self.t['call_first'])}</strong></p>\n"
            + "\n".join(buttons)
            + "\n</div>"
        )

    def public_numbers(self) -> str:
        by_phone = {c.phone: c.name for c in self.contacts.values()}
        return " · ".join(
            f"{by_phone.get(n, name)} [{n}]({tel(n)}){{ .dutybook-tel }}"
            for n, name in PUBLIC_NUMBERS.items()
        )

    def doc_front_matter(self, doc: BaseModel, tags: Iterable[str]) -> str:
        """A document page's front matter: its aliases for search (never shown), its rank."""
        extra: dict[str, object] = {}
        if doc.aliases:
            extra["aliases"] = list(doc.aliases)
        extra["search"] = {"boost": SEARCH_BOOST.get(doc.kind, 1)}
        # seven role and area tags would fill a phone's first screen; the tags page lists them
        extra["hide"] = ["tags"]
        return self.front_matter(f"{doc.id} {doc.title}", tags, **extra)

    def front_matter(self, title: str, tags: Iterable[str] = (), **extra: object) -> str:
        data: dict[str, object] = {"title": title}
        unique = list(dict.fromkeys(t for t in tags if t))
        if unique:
            data["tags"] = unique
        data.update(extra)
        dumped = yaml.dump(data, Dumper=SafeDumper, allow_unicode=True, sort_keys=False, width=1000)
        return f"---\n{dumped}---\n\n"
