"""A record's data against the document version it names: the items, checkpoints, actions,
fields and questions it refers to exist there, and each checklist value fits its item's kind."""

from __future__ import annotations

from collections.abc import Callable

from generator.models import ItemType
from pwa.ops.documents import part_id
from pwa.ops.payloads.models import (
    MAX_PHOTOS,
    AckData,
    ChecklistRunData,
    DrillData,
    ExceptionData,
    HandoverData,
    IncidentData,
    PatrolRoundData,
    Payload,
    QuizData,
)


class Mismatch(ValueError):
    """The data names something the definition does not have, or a value its item cannot hold."""

    def __init__(self, loc: tuple, msg: str) -> None:
        super().__init__(msg)
        self.loc, self.msg = loc, msg


def _value_fits(item: dict, value: object) -> str | None:
    """Why `value` cannot be the answer to `item`, or None if it can."""
    kind: ItemType = item.get("type") or "check"
    if kind == "check":
        return None if isinstance(value, bool) else "a check item's value is true or false"
    if kind == "number":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if number else "a number item's value is a number"
    if kind == "text":
        return None if isinstance(value, str) else "a text item's value is text"
    if kind == "photo":
        good = isinstance(value, list) and len(value) <= MAX_PHOTOS
        good = good and all(isinstance(v, str) and len(v) == 64 for v in value)
        return None if good else f"a photo item's value is up to {MAX_PHOTOS} photo sha256s"
    options = item.get("options") or []
    chosen = value if item.get("multiple") else [value]
    if item.get("multiple") and not isinstance(value, list):
        return "a multiple-choice item's value is a list of options"
    if not all(isinstance(c, str) for c in chosen):
        return "a choice item's value is one of its options"
    wrong = [c for c in chosen if c not in options]
    return f"{wrong[0]!r} is not one of the options" if wrong else None


def _known(ids: list, known: set, what: str, loc: tuple) -> None:
    for i, name in enumerate(ids):
        if name not in known:
            raise Mismatch((*loc, i), f"no {what} {name!r} in this version")


def _checklist(doc: dict, data: ChecklistRunData, bundle: dict) -> None:
    items = {item["id"]: item for item in doc.get("items") or []}
    for item_id, result in data.items.items():
        item = items.get(item_id)
        if item is None:
            raise Mismatch(("items", item_id), f"no item {item_id!r} in this version")
        why = _value_fits(item, result.value)
        if why:
            raise Mismatch(("items", item_id, "value"), why)
    _known(data.out_of_range, set(items), "item", ("out_of_range",))
    _known(data.failed, set(items), "item", ("failed",))


def _patrol(doc: dict, data: PatrolRoundData, bundle: dict) -> None:
    # the route names each checkpoint by its code; the app records that code, not the one a
    # scanned poster held (`code`), which may be an old one the checkpoint replaces
    checkpoints = {c["code"] for c in doc.get("checkpoints") or []}
    for i, scan in enumerate(data.scans):
        if scan.checkpoint is not None and scan.checkpoint not in checkpoints:
            raise Mismatch(("scans", i, "checkpoint"), f"no checkpoint {scan.checkpoint!r}")
        if scan.expected is not None and scan.expected not in checkpoints:
            raise Mismatch(("scans", i, "expected"), f"no checkpoint {scan.expected!r}")
    _known(data.missed, checkpoints, "checkpoint", ("missed",))


def _exception(doc: dict, data: ExceptionData, bundle: dict) -> None:
    parts = {part_id(p) for p in (doc.get("items") or doc.get("checkpoints") or [])}
    if data.item is not None and data.item not in parts:
        raise Mismatch(("item",), f"no item or checkpoint {data.item!r} in this version")
    if data.emergency is not None:
        entry = bundle["documents"].get(data.emergency)
        if entry is None or entry["kind"] != "emergency":
            raise Mismatch(("emergency",), f"no emergency plan {data.emergency!r}")


def _incident(doc: dict, data: IncidentData | DrillData, bundle: dict) -> None:
    actions = doc.get("first_actions") or []
    for i, action in enumerate(data.actions):
        if action.index >= len(actions):
            raise Mismatch(("actions", i, "index"), f"the plan has {len(actions)} first actions")
    levels = {s["level"] for s in doc.get("severity") or []}
    if data.severity is not None and data.severity not in levels:
        raise Mismatch(("severity",), f"{data.severity!r} is not a severity of this plan")
    fields = {f["id"] for f in doc.get("record_fields") or []}
    for name in data.fields:
        if name not in fields:
            raise Mismatch(("fields", name), f"no record field {name!r} in this version")


def _drill(doc: dict, data: DrillData, bundle: dict) -> None:
    _incident(doc, data, bundle)  # a drill rehearses the plan's own actions, levels and fields


def _handover(doc: dict, data: HandoverData, bundle: dict) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(data.items):
        if item.id in seen:
            raise Mismatch(("items", i, "id"), f"repeats the id of item {seen[item.id]}")
        seen[item.id] = i


def _ack(doc: dict, data: AckData, bundle: dict, version: str) -> None:
    if str(data.major) != version.partition(".")[0]:
        raise Mismatch(("major",), f"is not the major version of {version}")


def _quiz(doc: dict, data: QuizData, bundle: dict) -> None:
    questions = {q["id"]: q for q in doc.get("quiz") or []}
    for qid, chosen in data.answers.items():
        question = questions.get(qid)
        if question is None:
            raise Mismatch(("answers", qid), f"no question {qid!r} in this version")
        count = len(question.get("options") or [])
        for i, n in enumerate(chosen):
            if n > count:
                raise Mismatch(("answers", qid, i), f"the question has {count} options")


_AGAINST: dict[str, Callable[..., None]] = {
    "checklist_run": _checklist,
    "patrol_round": _patrol,
    "exception": _exception,
    "incident": _incident,
    "quiz": _quiz,
    # the ticket, not the desk document, is what the event is judged against (pwa.api.tickets)
    "ticket_event": lambda doc, payload, bundle: None,
    "drill": _drill,
    "handover": _handover,
    # the handover it names may not be stored yet: it is matched when read (pwa.ops.handovers)
    "handover_ack": lambda doc, payload, bundle: None,
}


def against_definition(kind: str, payload: Payload, doc: dict, bundle: dict, version: str) -> None:
    """Raise Mismatch if the data names what the document (at `version`) does not have."""
    if kind == "ack":
        _ack(doc, payload, bundle, version)  # type: ignore[arg-type]
    else:
        _AGAINST[kind](doc, payload, bundle)
