// The service desk on the phone: the tickets the server lists for this person, kept in
// IndexedDB for the basement, with what the phone has done to them since applied on top.
//
// The list (GET /api/v1/tickets) is a snapshot. What the phone does (accept, arrive, note,
// finish) is a `ticket_event` record in the outbox, and a line in the history store written in
// the same transaction. The screen shows the snapshot with those of the phone's events the
// snapshot cannot hold yet replayed onto it: the ones still in the outbox, and the ones
// uploaded after the snapshot was asked for. An event the server refused is never replayed;
// its reason is shown on the ticket.
import { t } from './i18n.js';
import { app, doc, docs } from './state.js';
import * as store from './store.js';

const KEY = (username) => `tickets:${username}`;
export const CLOCKS = ['respond', 'on_site', 'close'];
// what needs the person: not yet accepted, accepted, on site (waiting is the resident's turn)
const TO_DO = ['assigned', 'accepted', 'on_site'];

/** The desk document of this person's handbook, or null: no desk, no 工单 tab. */
export function deskDoc() {
  const found = Object.values(docs()).find((e) => e.kind === 'desk');
  return found?.doc || null;
}

export function category(id) {
  return (deskDoc()?.categories || []).find((c) => c.id === id) || null;
}

// --- the snapshot --------------------------------------------------------------------------

/** Ask the server for the list; keeps it for offline. Null when offline or refused. */
export async function refreshTickets(user = app.user) {
  if (!user?.token || user.needs_login || !navigator.onLine) return null;
  // what was uploaded before the request left is in the answer; anything later is not
  const includes = await uploadedEvents(user.username);
  let body;
  try {
    const resp = await fetch('/api/v1/tickets', { headers: { Authorization: `Bearer ${user.token}` } });
    if (!resp.ok) return null;
    body = await resp.json();
  } catch {
    return null; // the connection dropped: the kept list serves
  }
  if (!Array.isArray(body?.tickets)) return null;
  const listed = new Set(body.tickets.map((tk) => tk.id));
  const snapshot = {
    fetched_at: Date.now(),
    desk: body.desk || null,
    tickets: body.tickets,
    includes: includes.filter((e) => listed.has(e.ticket)).map((e) => e.id),
  };
  await store.kvSet(KEY(user.username), snapshot);
  // half-typed work on a ticket that has left the list (closed, given to someone else) can
  // never be sent: drop it, so it does not keep the person on a shared phone
  for (const d of await store.draftsOf(user.username)) {
    if (d.type === 'ticket_work' && !listed.has(d.ticket)) await store.deleteDraft(d.id);
  }
  document.dispatchEvent(new CustomEvent('dutybook:tickets'));
  return snapshot;
}

async function uploadedEvents(username) {
  const waiting = new Set((await store.outboxOf(username)).map((e) => e.id));
  const defId = (await store.kvGet(KEY(username)))?.desk?.def_id || deskId();
  return (await myEvents(username, defId)).filter((e) => !waiting.has(e.id));
}

// the history store's lines of this person's ticket events, by the desk document's index
async function myEvents(username, defId = deskId()) {
  if (!defId) return [];
  const sites = (app.user?.sites || []).map((s) => (typeof s === 'string' ? s : s.id));
  const lines = (await Promise.all(sites.map((site) => store.historyFor(site, defId)))).flat();
  return lines.filter((r) => r.type === 'ticket_event' && r.owner === username && r.ticket).sort((a, b) => a.at - b.at);
}

// --- the view: snapshot + the phone's own events ------------------------------------------

/** The person's tickets as the phone sees them now: {fetched_at, desk, tickets, mine, pool}. */
export async function ticketsView(user = app.user) {
  const snapshot = (await store.kvGet(KEY(user.username))) || null;
  const outbox = new Map((await store.outboxOf(user.username)).map((e) => [e.id, e]));
  const events = await myEvents(user.username, snapshot?.desk?.def_id || deskId());
  const includes = new Set(snapshot?.includes || []);
  const tickets = (snapshot?.tickets || []).map((raw) => {
    const tk = structuredClone(raw);
    tk.events = [];
    tk.refused = [];
    for (const ev of events.filter((e) => e.ticket === tk.id)) {
      const entry = outbox.get(ev.id);
      const status = entry ? entry.status : 'uploaded';
      // why the server marked it, once it has it: applied with its time marked, or not applied
      tk.events.push({ ...ev, sync: status, flags: status === 'uploaded' ? tk.flags?.[ev.id] || [] : [] });
      if (entry && entry.status !== 'pending') tk.refused.push({ ...ev, error: entry.error, status });
      else if (entry || !includes.has(ev.id)) replay(tk, ev, user.username);
    }
    tk.waiting = tk.events.filter((e) => e.sync === 'pending').length;
    tk.flagged = tk.events.filter((e) => e.flags.length).length;
    return tk;
  });
  const now = Date.now();
  const byUrgency = (a, b) => urgency(a, now) - urgency(b, now);
  const mine = tickets.filter((tk) => tk.assignee === user.username).sort(byUrgency);
  const pool = tickets.filter((tk) => !tk.assignee).sort(byUrgency);
  return { fetched_at: snapshot?.fetched_at || null, desk: snapshot?.desk || null, tickets, mine, pool };
}

/** One ticket as the phone sees it, or null if it is not in the person's list. */
export async function ticketView(id, user = app.user) {
  const view = await ticketsView(user);
  return { ...view, ticket: view.tickets.find((tk) => tk.id === id) || null };
}

/** How many listed tickets wait for this person (the tab's badge). */
export function toDo(view) {
  return [...view.mine, ...view.pool].filter((tk) => TO_DO.includes(tk.status)).length;
}

// The server's rules for the phone's four kinds (pwa/ops/tickets.py), applied to the copy.
// An event the copy does not allow (already applied to a newer snapshot) changes nothing.
function replay(tk, ev, username) {
  const stop = (name) => {
    const clock = tk.clocks?.[name];
    if (clock && !clock.stopped) clock.stopped = new Date(ev.at).toISOString();
  };
  const mine = tk.assignee === username;
  if (ev.kind === 'accepted' && tk.status === 'assigned' && (!tk.assignee || mine)) {
    Object.assign(tk, { status: 'accepted', assignee: username });
    stop('respond');
  } else if (ev.kind === 'arrived' && tk.status === 'accepted' && mine) {
    tk.status = 'on_site';
    stop('on_site');
  } else if (ev.kind === 'finished' && tk.status === 'on_site' && mine) {
    tk.status = 'waiting';
    if (category(tk.category)?.pause_while_waiting) stop('close');
  }
}

// --- clocks --------------------------------------------------------------------------------

/**
 * A clock as the phone reads it at `now` (ms): running with time left, late, paused, or
 * stopped in time or late. `ms` is how far from its due instant, always ≥ 0.
 */
export function readClock(name, clock, tk, now = Date.now()) {
  if (!clock) return null;
  const due = clock.due ? Date.parse(clock.due) : null;
  if (clock.stopped) {
    const stopped = Date.parse(clock.stopped);
    // the close clock stops while the resident is asked to confirm (if the category says so)
    if (name === 'close' && tk.status === 'waiting') return { name, state: 'paused', due, stopped };
    const met = due === null || stopped <= due;
    return { name, state: met ? 'met' : 'missed', due, stopped, ms: due === null ? 0 : Math.abs(stopped - due) };
  }
  if (due === null) return { name, state: 'open', due };
  return { name, state: now <= due ? 'running' : 'late', due, ms: Math.abs(due - now) };
}

/** The clock a ticket's row shows: the first one still running, else a paused one. */
export function runningClock(tk, now = Date.now()) {
  const read = CLOCKS.map((name) => readClock(name, tk.clocks?.[name], tk, now)).filter(Boolean);
  return read.find((c) => c.state === 'running' || c.state === 'late') ||
    read.find((c) => c.state === 'paused') || null;
}

function urgency(tk, now) {
  const c = runningClock(tk, now);
  return c && (c.state === 'running' || c.state === 'late') ? c.due : Number.MAX_SAFE_INTEGER;
}

/** A span in whole minutes, rounded up, in the largest two units: [days, hours, minutes]. */
export function spanParts(ms) {
  const minutes = Math.ceil(ms / 60_000);
  return [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
}

// --- what the phone does -------------------------------------------------------------------

// the parts go to the server as one line, as an engineer would write them (pwa/ops/payloads.py)
export const PARTS_JOIN = '，';
export const PARTS_MAX = 500;

/**
 * Put one event in the outbox (a fresh id) and its line in the history store, atomically.
 * `data` is {kind, text?, parts?, photos?}; the record carries every key, empty when it says
 * nothing, and `seen`: the server's time of the copy acted on, so the event sorts after it
 * whatever this phone's clock says.
 */
export async function addEvent(tk, desk, data, { draft = null, draftId = null } = {}) {
  const clean = {
    ticket: tk.id,
    kind: data.kind,
    seen: tk.seen || tk.created_at,
    text: (data.text || '').trim(),
    parts: (data.parts || []).join(PARTS_JOIN),
    photos: data.photos || [],
  };
  const def = desk || { def_id: deskId(), version: doc(deskId())?.version };
  const record = await store.commitRecord(
    app.user.username,
    { id: crypto.randomUUID(), type: 'ticket_event', def_id: def.def_id, def_version: def.version, site: tk.site, data: clean },
    { blobs: clean.photos, keep: { ...clean }, draft, draftId },
  );
  document.dispatchEvent(new CustomEvent('dutybook:queued', { detail: record }));
  return record;
}

function deskId() {
  return Object.entries(docs()).find(([, e]) => e.kind === 'desk')?.[0];
}

/** Show the 工单 tab to whoever has a desk in their handbook, with what waits for them. */
export async function updateTab() {
  const tab = document.getElementById('tickets-tab');
  if (!tab) return;
  tab.hidden = !(app.user && deskDoc());
  if (tab.hidden) return;
  const n = toDo(await ticketsView());
  const count = document.getElementById('tickets-count');
  count.textContent = String(n);
  count.hidden = !n;
  tab.dataset.count = String(n);
  tab.setAttribute('aria-label', n ? t('tickets.tab_label', { n }) : t('tickets.tab'));
}
