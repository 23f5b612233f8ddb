"""Handovers (交接班): each one's acknowledgement by the incoming person, and whether it came
within 30 minutes.

Pure functions over plain record values (`compliance.Rec`, naive UTC). An acknowledgement
counts when someone other than the handover's author made it (the phone never offers a person
their own handover). Without one 30 minutes after the handover, it is *unacknowledged* only
when every phone that does the checklist's work at the site has synced since: the booth phone
may still hold the acknowledgement, offline, and until it has called in it is *not yet synced*.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pwa.ops.compliance import Device, Rec

ACK_WITHIN = dt.timedelta(minutes=30)
# acknowledged in time; acknowledged after the 30 minutes; none yet, inside them; none, every
# phone synced since (confirmed); none, and a phone may still hold it
STATES = ("acknowledged", "late", "waiting", "unacknowledged", "not_synced")
FLAGGED = ("late", "unacknowledged", "not_synced")


@dataclass
class Handover:
    record: Rec
    due: dt.datetime  # naive UTC: acknowledged by then
    state: str
    ack: Rec | None = None  # the first acknowledgement by someone else
    acks: list[Rec] = field(default_factory=list)

    @property
    def minutes(self) -> int | None:
        """Minutes from the handover to its first acknowledgement."""
        if self.ack is None:
            return None
        return max(0, int((self.ack.recorded_at - self.record.recorded_at).total_seconds() // 60))

    @property
    def flagged(self) -> bool:
        """Not acknowledged within 30 minutes (late, missing, or not yet synced)."""
        return self.state in FLAGGED

    @property
    def items(self) -> list[dict]:
        return [i for i in self.record.data.get("items") or [] if isinstance(i, dict)]

    @property
    def disputed(self) -> list[str]:
        return [d for a in self.acks for d in a.data.get("disputed") or []]


def judge(
    handovers: list[Rec],
    acks: list[Rec],
    devices: list[Device],
    roles: dict[str, frozenset[str]],
    now: dt.datetime,
) -> list[Handover]:
    """Each handover (newest first) with its acknowledgements; `roles` are each checklist's
    roles (whose phones must have synced), `now` naive UTC."""
    by_handover: dict[str, list[Rec]] = {}
    for ack in sorted(acks, key=lambda a: a.recorded_at):
        target = ack.data.get("handover")
        if isinstance(target, str):
            by_handover.setdefault(target.lower(), []).append(ack)
    found = []
    for rec in sorted(handovers, key=lambda r: r.recorded_at, reverse=True):
        mine = [a for a in by_handover.get(rec.id, []) if a.username != rec.username]
        due = rec.recorded_at + ACK_WITHIN
        first = mine[0] if mine else None
        if first is not None:
            state = "acknowledged" if first.recorded_at <= due else "late"
        elif now < due:
            state = "waiting"
        else:
            workers = [d for d in devices if d.roles & roles.get(rec.def_id, frozenset())]
            synced = all(d.last_sync >= due for d in workers or devices)
            state = "unacknowledged" if synced else "not_synced"
        found.append(Handover(rec, due, state, first, mine))
    return found
