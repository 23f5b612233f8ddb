"""The phone reads where a document applies and what falls due from the bundle's own `sites`
and `slots` (issue 12), as pwa/ops/schedules.py does (tests/pwa/test_bundle_contract.py)."""

from __future__ import annotations

# a checklist whose `doc` says nothing of sites and is done once a day, while the entry says
# where it applies and that it is done three times, at set clocks, 30 minutes each
TODAY = """async (sites) => {
  const m = await import('/app/static/app/schedule.js');
  const entry = {
    kind: 'checklist',
    doc: { title: '水箱', roles: ['engineer'], schedule: { every: 'day', times: 1 } },
    sites,
    slots: {
      schedules: [{ every: 'day', times: 3, shifts: [], at: ['08:00', '12:00', '16:00'], people: 1 }],
      time_allowed_minutes: 30,
    },
  };
  const list = (site) => m.today({
    documents: { 'CHK-TANK': entry },
    shifts: [{ id: 'day', name: '白班', start: '08:00', end: '20:00' }],
    roles: ['engineer'],
    site,
    history: [],
    zone: 'Asia/Shanghai',
    now: new Date('2026-06-09T04:10:00Z'),  // 12:10 in Shanghai
  }).rows.map((r) => [r.total, r.state, r.next.due.toISOString(), r.next.deadline.toISOString()]);
  return { lanyuan: list('lanyuan'), jinxiu: list('jinxiu') };
}"""

# state.js asks the same of every document the learn and report screens list
APPLIES = """async (sites) => {
  const m = await import('/app/static/app/schedule.js');
  const entry = { kind: 'procedure', doc: { roles: ['engineer'] }, sites };
  return [['engineer'], ['guard']].map((roles) => ['lanyuan', 'jinxiu'].map((site) =>
    m.appliesTo(entry, roles, site)));
}"""


def test_the_today_list_takes_sites_and_slots_from_the_bundle(server, page):
    page.goto(server.url + "/app/")
    page.wait_for_selector('body[data-ready="1"]')
    # the first run (08:00-08:30) is late; nothing is done
    row = [3, "late", "2026-06-09T00:00:00.000Z", "2026-06-09T00:30:00.000Z"]
    assert page.evaluate(TODAY, ["jinxiu"]) == {"lanyuan": [], "jinxiu": [row]}
    assert page.evaluate(TODAY, None) == {"lanyuan": [row], "jinxiu": [row]}
    assert page.evaluate(APPLIES, ["jinxiu"]) == [[False, True], [False, False]]
    assert page.evaluate(APPLIES, None) == [[True, True], [False, False]]
