"""Each demo record's `data` as the app builds it: a checklist run as checklist.js does, every
item answered; a patrol round as patrol.js does, its checkpoints scanned in the route's order."""

from __future__ import annotations

import datetime as dt

SECOND = ("李强", "赵磊", "孙涛", "周明")  # the night round's second guard, by name


def iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def checklist_data(doc: dict, start: dt.datetime, end: dt.datetime, rng, shift, bad: bool):
    """A run as checklist.js builds it: every item answered, one failing or out of range if
    `bad`."""
    items, failed, out = {}, [], []
    answerable = [i for i in doc["items"] if (i.get("type") or "check") != "photo"]
    spoilt = rng.choice(answerable)["id"] if bad and answerable else None
    for item in answerable:
        kind = item.get("type") or "check"
        if kind == "check":
            value: object = item["id"] != spoilt
            if not value:
                failed.append(item["id"])
        elif kind == "number":
            low, high = item.get("min"), item.get("max")
            if low is not None and high is not None:
                value = round(low + (high - low) * rng.uniform(0.3, 0.7), 2)
            else:
                value = float(low if low is not None else high if high is not None else 1)
            if item["id"] == spoilt and high is not None:
                value = round(high * 1.25 + 1, 2)
                out.append(item["id"])
        elif kind == "text":
            value = "正常"
        else:
            options = item.get("options") or ["正常"]
            value = [options[0]] if item.get("multiple") else options[0]
        items[item["id"]] = {"value": value, "out_of_range": item["id"] in out}
    return {
        "started_at": iso(start),
        "finished_at": iso(end),
        "shift": shift,
        "items": items,
        "out_of_range": out,
        "failed": failed,
    }


def round_data(doc: dict, start: dt.datetime, exp, rng, skip: int = 0) -> tuple[dict, dt.datetime]:
    """A round as patrol.js builds it, its checkpoints scanned in order; `skip` of the last ones
    missed. (data, when it finished)."""
    stops = [c["code"] for c in doc["checkpoints"]]
    done = stops[: len(stops) - skip]
    gap = dt.timedelta(minutes=max(1, (exp.allowed_minutes or 40) * 0.7 / max(1, len(stops))))
    scans, moment = [], start
    for code in done:
        moment += gap + dt.timedelta(seconds=rng.randint(0, 50))
        scans.append({"code": code, "at": iso(moment), "checkpoint": code, "flag": None})
    second = rng.choice(SECOND) if exp.people > 1 else None
    data = {
        "started_at": iso(start),
        "finished_at": iso(moment),
        "elapsed_s": int((moment - start).total_seconds()),
        "order": doc.get("order") or "strict",
        "people": exp.people,
        "second_person": second,
        "scans": scans,
        "missed": stops[len(done) :],
        "complete": not skip,
        "shift": exp.shift if exp.every == "shift" else None,
    }
    return data, moment
