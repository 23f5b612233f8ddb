// What is due now, computed on the device from the definitions' schedules (no network).
// Mirrors generator/schedule.py's periods: shift, day, week, half_month, month, two_months,
// quarter, half_year, year.

const MINUTE = 60_000;
// the record types that are runs of a checklist or patrol
const RUN_TYPES = ['checklist_run', 'patrol_round'];
const DURATION_MIN = { m: 1, h: 60, d: 1440, wd: 1440 };

export function durationMs(text) {
  const m = /^(\d+)(m|h|d|wd)$/.exec(text || '');
  return m ? Number(m[1]) * DURATION_MIN[m[2]] * MINUTE : null;
}

// Every calendar step is taken in the site's time zone (the site document's `timezone`), not
// the phone's: a phone set to UTC must still see a Shanghai site's night shift start at 20:00
// there. A wall-clock time in the zone is kept as a Date whose UTC fields are that wall clock.
const ZONE_DEFAULT = 'Asia/Shanghai';
const formatters = new Map();

function formatter(zone) {
  if (!formatters.has(zone)) {
    formatters.set(zone, new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    }));
  }
  return formatters.get(zone);
}

/** The wall clock in `zone` at `instant`, as a Date read with its UTC getters. */
export function wall(instant, zone = ZONE_DEFAULT) {
  const p = Object.fromEntries(formatter(zone).formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return new Date(Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second, new Date(instant).getUTCMilliseconds()));
}

/** The instant at which `zone` shows the wall clock `w` (DST gaps resolve forward). */
export function instant(w, zone = ZONE_DEFAULT) {
  let guess = +w - (+wall(w, zone) - +w);
  // a second pass settles the offset when the first guess fell across a DST change
  guess = +w - (+wall(guess, zone) - guess);
  return new Date(guess);
}

function at(dayWall, clock) {
  const [h, m] = clock.split(':').map(Number);
  const d = new Date(dayWall);
  d.setUTCHours(h, m, 0, 0);
  return d;
}

function midnight(w) {
  const d = new Date(w);
  d.setUTCHours(0, 0, 0, 0);
  return d;
}

function addDays(w, n) {
  const d = new Date(w);
  d.setUTCDate(d.getUTCDate() + n);
  return d;
}

function month(y, m) {
  return new Date(Date.UTC(y, m, 1));
}

export function covers(shift, clock) {
  if (shift.start <= shift.end) return shift.start <= clock && clock < shift.end;
  return clock >= shift.start || clock < shift.end;
}

function clockOf(w) {
  return `${String(w.getUTCHours()).padStart(2, '0')}:${String(w.getUTCMinutes()).padStart(2, '0')}`;
}

/** The shift in force now: the chosen one if set, else the first that covers the clock. */
export function currentShift(shifts, now, chosen) {
  if (chosen) {
    const s = shifts.find((x) => x.id === chosen);
    if (s) return s;
  }
  return shifts.find((s) => covers(s, clockOf(now))) || shifts[0];
}

/** Start and end of the shift instance containing `now` (night shifts cross midnight); wall. */
export function shiftInstance(shift, now) {
  let start = at(midnight(now), shift.start);
  if (shift.start > shift.end && clockOf(now) < shift.end) start = addDays(start, -1);
  let end = at(midnight(start), shift.end);
  if (end <= start) end = addDays(end, 1);
  return { start, end };
}

/** The period of a schedule containing the wall clock `now`, as wall clocks. */
export function periodBounds(every, now, shiftInst) {
  const y = now.getUTCFullYear();
  const mo = now.getUTCMonth();
  const monthSpan = (first, months) => ({ start: month(y, first), end: month(y, first + months) });
  switch (every) {
    case 'shift':
      return shiftInst;
    case 'day':
      return { start: midnight(now), end: addDays(midnight(now), 1) };
    case 'week': {
      const start = addDays(midnight(now), -((now.getUTCDay() + 6) % 7));
      return { start, end: addDays(start, 7) };
    }
    case 'half_month':
      return now.getUTCDate() <= 15
        ? { start: month(y, mo), end: addDays(month(y, mo), 15) }
        : { start: addDays(month(y, mo), 15), end: month(y, mo + 1) };
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

/** Slots in a period (given as wall clocks in `zone`): each one's due instant and deadline. */
export function slots(schedule, period, timeAllowed, zone = ZONE_DEFAULT) {
  return slotsWithin(schedule, period, durationMs(timeAllowed), zone);
}

/** `slots` with the time allowed in milliseconds (null: none), as the bundle's slots give it. */
export function slotsWithin(schedule, period, allowed, zone = ZONE_DEFAULT) {
  const n = schedule.times || 1;
  const begin = instant(period.start, zone);
  const span = instant(period.end, zone) - begin;
  let dues;
  if (schedule.at?.length && (schedule.every === 'day' || schedule.every === 'shift')) {
    dues = schedule.at.map((clock) => {
      let d = at(midnight(period.start), clock);
      if (d < period.start) d = addDays(d, 1);
      return instant(d, zone);
    });
    dues.sort((a, b) => a - b);
  } else {
    dues = Array.from({ length: n }, (_, i) => new Date(+begin + (i * span) / n));
  }
  const periodEnd = instant(period.end, zone);
  return dues.map((due, i) => {
    const next = i + 1 < dues.length ? dues[i + 1] : periodEnd;
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

/**
 * Whether a bundle entry is for one of `roles` at `site`. Where a document applies is the
 * bundle's `sites` (null: every site), the same rule the server reads (pwa/ops/documents.py).
 */
export function appliesTo(entry, roles, site) {
  if (!entry.doc.roles?.some((r) => roles.includes(r))) return false;
  return !entry.sites || entry.sites.includes(site);
}

/**
 * Today's list for a user: every checklist and patrol for their roles and site whose schedule
 * applies to the current shift, with what is done, due and late.
 * `history` is a list of {type, def_id, site, recorded_at} of records made on this device.
 */
export function today({ documents, shifts, roles, site, shiftId, history, zone = ZONE_DEFAULT, now = new Date() }) {
  const here = wall(now, zone);
  const shift = currentShift(shifts, here, shiftId);
  const inst = shiftInstance(shift, here);
  const rows = [];
  for (const [id, entry] of Object.entries(documents)) {
    if (entry.kind !== 'checklist' && entry.kind !== 'patrol') continue;
    if (!appliesTo(entry, roles, site)) continue;
    // what falls due: the bundle's slots (each schedule with its defaults, minutes allowed)
    const schedule = entry.slots.schedules.find((s) => !s.shifts.length || s.shifts.includes(shift.id));
    if (!schedule) continue;
    const local = periodBounds(schedule.every, here, inst);
    const minutes = entry.slots.time_allowed_minutes;
    const list = slotsWithin(schedule, local, minutes ? minutes * MINUTE : null, zone);
    const period = { start: instant(local.start, zone), end: instant(local.end, zone) };
    const done = history.filter((h) => {
      const t = new Date(h.recorded_at);
      // runs only: an exception, a handover or its acknowledgement names a checklist too
      if (h.type && !RUN_TYPES.includes(h.type)) return false;
      return h.def_id === id && h.site === site && t >= period.start && t < period.end;
    }).length;
    rows.push({
      id,
      kind: entry.kind,
      title: entry.doc.title,
      schedule,
      people: schedule.people,
      period,
      total: list.length,
      done: Math.min(done, list.length),
      ...status(list, done, now),
    });
  }
  const order = { late: 0, due: 1, upcoming: 2, done: 3 };
  rows.sort((a, b) => order[a.state] - order[b.state] || a.title.localeCompare(b.title, 'zh'));
  return { shift, shiftInstance: { start: instant(inst.start, zone), end: instant(inst.end, zone) }, rows };
}
