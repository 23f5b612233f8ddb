"""The phone's schedule.js counts every schedule of the golden file as the server does.

The same file runs against pwa/ops/compliance.py in tests/pwa/test_schedule_golden.py; here the
phone is set to UTC, and the site is in Shanghai.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

GOLDEN = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "schedules.json").read_text(encoding="utf-8")
)

# what the app computes for one case, through the module's own exports
EVALUATE = """async ({ c, shifts }) => {
  const m = await import('/app/static/app/schedule.js');
  const zone = 'Asia/Shanghai';
  const here = m.wall(new Date(c.now), zone);
  const shift = shifts[c.shift || 'day'];
  const inst = m.shiftInstance(shift, here);
  const local = c.schedule.every === 'shift' ? inst : m.periodBounds(c.schedule.every, here, inst);
  const slots = m.slots(c.schedule, local, c.time_allowed, zone);
  return {
    period: [m.instant(local.start, zone).getTime(), m.instant(local.end, zone).getTime()],
    slots: slots.map((s) => [s.due.getTime(), s.deadline.getTime()]),
  };
}"""


def ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp() * 1000)


@pytest.mark.parametrize("browser_zone", ["UTC"], indirect=True)
def test_golden_schedules_in_the_app(server, page, browser_zone):
    page.goto(server.url + "/app/")
    page.wait_for_selector('body[data-ready="1"]')
    wrong = []
    for case in GOLDEN["cases"]:
        got = page.evaluate(EVALUATE, {"c": case, "shifts": GOLDEN["shifts"]})
        want = {
            "period": [ms(t) for t in case["period"]],
            "slots": [[ms(due), ms(deadline)] for due, deadline in case["slots"]],
        }
        if got != want:
            wrong.append((case["name"], got, want))
    assert wrong == []
