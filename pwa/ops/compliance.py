"""Compliance against the handbook's own schedules: what was due, what was done, what is unknown.

Pure functions over the bundle (`handbook.json` as a dict) and plain record values; the
dashboard fetches, `schedules` says when work fell due, this module judges.

A slot whose deadline has passed without a record is *missed* only when every device that
does that work at the site has synced since the deadline; otherwise it is *not yet synced*:
a phone offline in a basement may still hold the round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pwa.ops.documents import checkpoint_codes
from pwa.ops.schedules import Expectation, local, utc_naive

# records from a device this recent say the device works at the site
DEVICE_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class Rec:
    """A stored record as compliance needs it; times are naive UTC like the store."""

    id: str
    type: str
    def_id: str
    device_id: str
    username: str
    recorded_at: dt.datetime
    received_at: dt.datetime
    data: dict


@dataclass(frozen=True)
class Device:
    device_id: str
    roles: frozenset[str]
    last_sync: dt.datetime  # naive UTC: the last time it handed records over


@dataclass
class Outcome:
    """What happened against one expectation."""

    exp: Expectation
    done: int = 0
    due: int = 0  # slots whose deadline has passed
    missed: int = 0  # confirmed: every device has synced since the deadline
    pending: int = 0  # not yet synced: a device may still hold it
    upcoming: int = 0
    late_arrivals: int = 0  # records received after their period ended
    # patrol rounds
    complete: int = 0
    short_people: int = 0
    late_rounds: int = 0
    missed_checkpoints: int = 0
    late_checkpoints: int = 0
    rounds: list[dict] = field(default_factory=list)
    # checklist runs
    failed: list[dict] = field(default_factory=list)
    out_of_range: list[dict] = field(default_factory=list)


def _number(value: object) -> float | None:
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _item_value(data: dict, item_id: str) -> object:
    value = (data.get("items") or {}).get(item_id)
    return value.get("value") if isinstance(value, dict) else value


def judge_run(doc: dict, rec: Rec) -> tuple[list[dict], list[dict]]:
    """(failed checks, out-of-range readings) of one checklist run, judged by the definition."""
    failed, out = [], []
    for item in doc["items"]:
        value = _item_value(rec.data, item["id"])
        if item.get("type", "check") == "check" and value is False:
            failed.append({"item": item["id"], "text": item["text"], "record": rec})
        if item.get("type") == "number":
            number = _number(value)
            low, high = item.get("min"), item.get("max")
            if number is None:
                continue
            if (low is not None and number < low) or (high is not None and number > high):
                out.append(
                    {
                        "item": item["id"],
                        "text": item["text"],
                        "value": number,
                        "unit": item.get("unit") or "",
                        "min": low,
                        "max": high,
                        "record": rec,
                    }
                )
    return failed, out


def _parse_time(text: object, tz: ZoneInfo) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(tz)
    except OverflowError:  # 9999-12-31T23:00-05:00 and the like, stored before the check
        return None


def _reached(scan: dict, codes: dict[str, str]) -> str | None:
    """The checkpoint a scan counts as, by its code: the app names the checkpoint's code in
    `checkpoint`; a record from before checkpoints were the site's names a route's own id
    there, and the code it scanned (perhaps one since merged into another) in `code`."""
    if scan.get("flag"):
        return None
    for key in ("checkpoint", "code"):
        value = scan.get(key)
        if isinstance(value, str) and value in codes:
            return codes[value]
    return None


def judge_round(doc: dict, rec: Rec, exp: Expectation, tz: ZoneInfo) -> dict:
    """One patrol round: when it started, people present, missed and late checkpoints.

    `doc` is the route with its checkpoints joined to the site's (`documents.route`); every
    checkpoint is named by its code, whatever code the record holds for it."""
    data = rec.data
    finished = local(rec.recorded_at, tz)
    started = _parse_time(data.get("started_at"), tz) or finished
    codes = checkpoint_codes(doc["checkpoints"])
    scans = [s for s in data.get("scans") or [] if isinstance(s, dict)]
    reached = [(s, code) for s in scans if (code := _reached(s, codes))]
    missed = data.get("missed")
    if isinstance(missed, list) and all(isinstance(m, str) and m in codes for m in missed):
        missed = list(dict.fromkeys(codes[m] for m in missed))
    else:
        # not said, or said in the route's own ids of old: what the scans show
        done = {code for _, code in reached}
        missed = [c["code"] for c in doc["checkpoints"] if c["code"] not in done]
    limit = started + dt.timedelta(minutes=exp.allowed_minutes)
    late = [code for s, code in reached if (_parse_time(s.get("at"), tz) or limit) > limit]
    present = 1 + (1 if str(data.get("second_person") or "").strip() else 0)
    if isinstance(data.get("people_present"), int):
        present = data["people_present"]
    return {
        "record": rec,
        "started": started,
        "finished": finished,
        "present": present,
        "short": present < exp.people,
        "second_person": data.get("second_person"),
        "missed": missed,
        "late": late,
    }


def evaluate(
    exp: Expectation,
    doc: dict,
    runs: list[Rec],
    devices: list[Device],
    now: dt.datetime,
    tz: ZoneInfo,
    done: int | None = None,
) -> Outcome:
    """Judge one expectation; `runs` are its records inside the period, `now` aware.

    For a long period (a week, a year) `runs` may be only the viewed day's records and `done`
    the count over the whole period: the day's failures are judged, the period's total counted.
    """
    out = Outcome(exp)
    runs = sorted(runs, key=lambda r: r.recorded_at)
    out.done = len(runs) if done is None else done
    end_utc = utc_naive(exp.end)
    out.late_arrivals = sum(1 for r in runs if r.received_at > end_utc)
    if exp.kind == "patrol":
        for index, rec in enumerate(runs):
            judged = judge_round(doc, rec, exp, tz)
            slot = exp.slots[index] if index < len(exp.slots) else None
            judged["late_start"] = bool(slot and judged["started"] > slot.deadline)
            judged["late_arrival"] = rec.received_at > end_utc
            out.rounds.append(judged)
            out.short_people += judged["short"]
            out.missed_checkpoints += len(judged["missed"])
            out.late_checkpoints += len(judged["late"])
            out.late_rounds += judged["late_start"]
            out.complete += not judged["missed"]
    else:
        for rec in runs:
            failed, readings = judge_run(doc, rec)
            out.failed += failed
            out.out_of_range += readings
    workers = [d for d in devices if d.roles & exp.roles] or devices
    for index, slot in enumerate(exp.slots):
        if slot.deadline > now:
            if index >= out.done:
                out.upcoming += 1
            continue
        out.due += 1
        if index < out.done:
            continue
        deadline = utc_naive(slot.deadline)
        if all(d.last_sync >= deadline for d in workers):
            out.missed += 1
        else:
            out.pending += 1
    return out


def relevant_devices(rows: list[tuple[str, frozenset[str], dt.datetime]]) -> list[Device]:
    """Merge (device, roles of a user on it, last sync) rows into one Device per device."""
    merged: dict[str, tuple[set[str], dt.datetime]] = {}
    for device_id, roles, last in rows:
        have = merged.setdefault(device_id, (set(), last))
        have[0].update(roles)
        merged[device_id] = (have[0], max(have[1], last))
    return [Device(d, frozenset(r), last) for d, (r, last) in sorted(merged.items())]


@dataclass
class Totals:
    rounds_done: int = 0
    rounds_required: int = 0
    runs_done: int = 0
    runs_due: int = 0
    missed: int = 0
    pending: int = 0
    short_people: int = 0
    missed_checkpoints: int = 0
    late_checkpoints: int = 0
    failed: int = 0
    out_of_range: int = 0
    late_arrivals: int = 0

    @property
    def percent(self) -> int | None:
        """Share of due work done, counting pending as not done (yet)."""
        due = self.rounds_required + self.runs_due
        done = self.rounds_done + self.runs_done
        return None if due == 0 else round(100 * min(done, due) / due)


def totals(outcomes: list[Outcome]) -> Totals:
    total = Totals()
    for o in outcomes:
        # a run done ahead of its slot's deadline counts as done and as due: the table shows
        # it done, and the summary must not read 0 / 7 beside it
        counted = min(o.done, len(o.exp.slots))
        due = max(o.due, counted)
        if o.exp.kind == "patrol":
            total.rounds_done += counted
            total.rounds_required += due
            total.short_people += o.short_people
            total.missed_checkpoints += o.missed_checkpoints
            total.late_checkpoints += o.late_checkpoints
        else:
            total.runs_done += counted
            total.runs_due += due
            total.failed += len(o.failed)
            total.out_of_range += len(o.out_of_range)
        total.missed += o.missed
        total.pending += o.pending
        total.late_arrivals += o.late_arrivals
    return total


def done_due(exp: Expectation, times: list[dt.datetime], now: dt.datetime) -> tuple[int, int]:
    """(runs counted, runs due by `now`) from sorted naive-UTC record times: the trend's view."""
    from bisect import bisect_left

    start, end = utc_naive(exp.start), utc_naive(exp.end)
    done = bisect_left(times, end) - bisect_left(times, start)
    due = sum(1 for slot in exp.slots if slot.deadline <= now)
    return min(done, due), due
