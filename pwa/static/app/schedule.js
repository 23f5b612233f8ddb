// What is due now, computed on the device from the definitions' schedules (no network).
// Mirrors generator/schedule.py's periods: shift, day, week, half_month, month, two_months,
// quarter, half_year, year.

const MINUTE = 60_000;
const DURATION_MIN = { m: 1, h: 60, d: 1440, wd: 1440 };

export function durationMs(text) {
  const m = /^(\d+)(m|h|d|wd)$/.exec(text || '');
  return m ? Number(m[1]) * DURATION_MIN[m[2]] * MINUTE : null;
}

function at(day, clock) {
  const [h, m] = clock.split(':').map(Number);
  const d = new Date(day);
  d.setHours(h, m, 0, 0);
  return d;
}

function midnight(date) {
  const d = new Date(date);
  d.setHours(0, 0, 0, 0);
  return d;
}

function addDays(date, n) {
  const d = new Date(date);
  d.setDate(d.getDate() + n);
  return d;
}

export function covers(shift, clock) {
  if (shift.start <= shift.end) return shift.start <= clock && clock < shift.end;
  return clock >= shift.start || clock < shift.end;
}

function clockOf(date) {
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** The shift in force now: the chosen one if set, else the first that covers the clock. */
export function currentShift(shifts, now, chosen) {
  if (chosen) {
    const s = shifts.find((x) => x.id === chosen);
    if (s) return s;
  }
  return shifts.find((s) => covers(s, clockOf(now))) || shifts[0];
}

/** Start and end of the shift instance containing `now` (night shifts cross midnight). */
export function shiftInstance(shift, now) {
  let start = at(midnight(now), shift.start);
  if (shift.start > shift.end && clockOf(now) < shift.end) start = addDays(start, -1);
  let end = at(midnight(start), shift.end);
  if (end <= start) end = addDays(end, 1);
  return { start, end };
}

export function periodBounds(every, now, shiftInst) {
  const y = now.getFullYear();
  const mo = now.getMonth();
  const monthSpan = (first, months) => ({
    start: new Date(y, first, 1),
    end: new Date(y, first + months, 1),
  });
  switch (every) {
    case 'shift':
      return shiftInst;
    case 'day':
      return { start: midnight(now), end: addDays(midnight(now), 1) };
    case 'week': {
      const start = addDays(midnight(now), -((now.getDay() + 6) % 7));
      return { start, end: addDays(start, 7) };
    }
    case 'half_month':
      return now.getDate() <= 15
        ? { start: new Date(y, mo, 1), end: new Date(y, mo, 16) }
        : { start: new Date(y, mo, 16), end: new Date(y, mo + 1, 1) };
    case 'month':
      return monthSpan(mo, 1);
    case 'two_months':
      return monthSpan(mo - (mo % 2), 2);
    case 'quarter':
      return monthSpan(mo - (mo % 3), 3);
    case 'half_year':
      return monthSpan(mo - (mo % 6), 6);
    case 'year':
      return monthSpan(0, 12);
    default:
      throw new Error(`unknown period ${every}`);
  }
}

/** Slots in a period: when each one falls due and its deadline. */
export function slots(schedule, period, timeAllowed) {
  const n = schedule.times || 1;
  const span = period.end - period.start;
  let dues;
  if (schedule.at?.length && (schedule.every === 'day' || schedule.every === 'shift')) {
    dues = schedule.at.map((clock) => {
      let d = at(midnight(period.start), clock);
      if (d < period.start) d = addDays(d, 1);
      return d;
    });
    dues.sort((a, b) => a - b);
  } else {
    dues = Array.from({ length: n }, (_, i) => new Date(+period.start + (i * span) / n));
  }
  const allowed = durationMs(timeAllowed);
  return dues.map((due, i) => {
    const next = i + 1 < dues.length ? dues[i + 1] : period.end;
    // time_allowed bounds a run that starts at a set clock time; evenly spread runs may
    // happen any time in their window
    const deadline = allowed && schedule.at?.length ? new Date(Math.min(+due + allowed, +next)) : next;
    return { due, deadline };
  });
}

/** done / due / late / upcoming for one definition, given how many runs are in the period. */
export function status(slotList, doneCount, now) {
  const k = Math.min(doneCount, slotList.length);
  if (k >= slotList.length) return { state: 'done', next: null };
  const slot = slotList[k];
  if (now > slot.deadline) return { state: 'late', next: slot };
  if (now >= slot.due) return { state: 'due', next: slot };
  return { state: 'upcoming', next: slot };
}

function applies(doc, roles, site) {
  if (!doc.roles?.some((r) => roles.includes(r))) return false;
  if (doc.site) return doc.site === site;
  return !doc.sites || doc.sites.includes(site);
}

/**
 * Today's list for a user: every checklist and patrol for their roles and site whose schedule
 * applies to the current shift, with what is done, due and late.
 * `history` is a list of {def_id, site, recorded_at} of finished runs on this device.
 */
export function today({ documents, shifts, roles, site, shiftId, history, now = new Date() }) {
  const shift = currentShift(shifts, now, shiftId);
  const inst = shiftInstance(shift, now);
  const rows = [];
  for (const [id, entry] of Object.entries(documents)) {
    if (entry.kind !== 'checklist' && entry.kind !== 'patrol') continue;
    const doc = entry.doc;
    if (!applies(doc, roles, site)) continue;
    const schedules = entry.kind === 'patrol' ? doc.schedule : [doc.schedule];
    const schedule = schedules.find((s) => !s.shifts?.length || s.shifts.includes(shift.id));
    if (!schedule) continue;
    const period = periodBounds(schedule.every, now, inst);
    const list = slots(schedule, period, doc.time_allowed);
    const done = history.filter((h) => {
      const t = new Date(h.recorded_at);
      return h.def_id === id && h.site === site && t >= period.start && t < period.end;
    }).length;
    rows.push({
      id,
      kind: entry.kind,
      title: doc.title,
      schedule,
      people: schedule.people || 1,
      period,
      total: list.length,
      done: Math.min(done, list.length),
      ...status(list, done, now),
    });
  }
  const order = { late: 0, due: 1, upcoming: 2, done: 3 };
  rows.sort((a, b) => order[a.state] - order[b.state] || a.title.localeCompare(b.title, 'zh'));
  return { shift, shiftInstance: inst, rows };
}
