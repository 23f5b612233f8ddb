// The 工单 tab: the person's own tickets and their roles' unclaimed pool, and one ticket's
// screen: accept, arrive, notes with photos, parts and finish, all working offline.
import { getLang, t } from './i18n.js';
import { errorText } from './outbox.js';
import { wall } from './schedule.js';
import { render, route } from './screen.js';
import { app, roleName, siteDoc } from './state.js';
import * as store from './store.js';
import {
  CLOCKS, category, readClock, refreshTickets, runningClock, spanParts, ticketView,
  ticketsView, updateTab,
} from './ticket_data.js';
import { ticketActions } from './ticket_work.js';
import { fmtDateTime, fmtTime, h } from './ui.js';

const CHIP = { running: 'due', late: 'late', missed: 'late', paused: 'later', met: 'done', open: 'later' };
// a list older than this is fetched again when its screen opens (online)
const STALE_MS = 15_000;

// a new list from the server redraws the screens, unless the person is typing on one
document.addEventListener('dutybook:tickets', () => {
  updateTab();
  const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement?.tagName);
  if (['tickets', 'ticket'].includes(route().name) && !typing) render();
});

// --- words ---------------------------------------------------------------------------------

function span(ms) {
  const [d, hr, m] = spanParts(ms);
  const words = d
    ? [t('tickets.days', { n: d }), hr && t('tickets.hours', { n: hr })]
    : [hr && t('tickets.hours', { n: hr }), (m || !hr) && t('tickets.minutes', { n: m })];
  return words.filter(Boolean).join(' ');
}

/** An instant on the site's clock: the time today, else the date and time. */
function when(ms) {
  const zone = siteDoc().timezone;
  const same = wall(ms, zone).toISOString().slice(0, 10) === wall(Date.now(), zone).toISOString().slice(0, 10);
  return same ? fmtTime(ms) : fmtDateTime(ms);
}

function clockText(c) {
  const name = t(`tickets.clock.${c.name}`);
  const text = {
    running: () => `${t('tickets.left', { d: span(c.ms) })} · ${t('tickets.due', { t: when(c.due) })}`,
    late: () => `${t('tickets.late', { d: span(c.ms) })} · ${t('tickets.due', { t: when(c.due) })}`,
    paused: () => t('tickets.paused'),
    met: () => t('tickets.met', { t: when(c.stopped) }),
    missed: () => t('tickets.missed', { d: span(c.ms), t: when(c.stopped) }),
    open: () => t('tickets.open'),
  }[c.state]();
  return `${name} · ${text}`;
}

function clockLine(tag, c) {
  return h(tag, { class: `clock ${CHIP[c.state]}`, dataset: { clock: c.name, state: c.state } }, clockText(c));
}

function categoryName(tk) {
  const cat = category(tk.category);
  return (getLang() === 'en' ? cat?.name_en : cat?.name) || tk.category_name || tk.category;
}

function statusChip(tk) {
  return h('span', { class: `chip status ${tk.status}` }, t(`tickets.status.${tk.status}`));
}

/** Keep the time left counting on a drawn screen, in place (a redraw would take the focus). */
function ticking(root, tickets) {
  const timer = setInterval(() => {
    if (!root.isConnected) return clearInterval(timer);
    for (const el of root.querySelectorAll('.clock[data-clock]')) {
      const tk = tickets.get(el.closest('[data-ticket]')?.dataset.ticket);
      const c = tk && readClock(el.dataset.clock, tk.clocks?.[el.dataset.clock], tk);
      if (c) {
        el.textContent = clockText(c);
        el.className = `clock ${CHIP[c.state]}`;
        el.dataset.state = c.state;
      }
    }
  }, 20_000);
}

// --- the list ------------------------------------------------------------------------------

function row(tk, now) {
  const c = runningClock(tk, now);
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'ticket-row', href: `#/ticket/${tk.id}`, dataset: { ticket: tk.id, status: tk.status } },
      h('span', { class: 'ticket-head' }, h('strong', { class: 'number' }, tk.number), statusChip(tk)),
      h('span', { class: 'ticket-what' }, `${categoryName(tk)} · ${tk.room}`),
      h('span', { class: 'ticket-desc' }, tk.description),
      c ? clockLine('span', c) : null,
      tk.waiting ? h('span', { class: 'muted' }, t('tickets.waiting_upload', { n: tk.waiting })) : null,
      tk.refused.length ? h('span', { class: 'flag' }, t('tickets.refused_row', { n: tk.refused.length })) : null,
      tk.flagged ? h('span', { class: 'flag flagged' }, t('tickets.flagged_row', { n: tk.flagged })) : null,
    ),
  );
}

function group(id, title, list, empty, now) {
  return h(
    'section',
    { id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, t('tickets.heading', { title, n: list.length })),
    list.length ? h('ul', { class: 'list tickets' }, list.map((tk) => row(tk, now))) : h('p', { class: 'muted' }, empty),
  );
}

function freshness(view) {
  if (!view.fetched_at) return h('p', { class: 'muted', id: 'tickets-fetched' }, t('tickets.never_fetched'));
  const at = when(view.fetched_at);
  return navigator.onLine
    ? h('p', { class: 'muted', id: 'tickets-fetched' }, t('tickets.fetched', { t: at }))
    : h('p', { class: 'offline-note', id: 'tickets-fetched' }, t('tickets.offline_copy', { t: at }));
}

export async function ticketsListView() {
  const view = await ticketsView();
  if (navigator.onLine && !(Date.now() - (view.fetched_at || 0) < STALE_MS)) refreshTickets().catch(() => {});
  const now = Date.now();
  const roles = [...new Set(view.pool.map((tk) => tk.pool).filter(Boolean))].map(roleName).join('、');
  const root = h(
    'section',
    { class: 'tickets-screen' },
    h('h1', {}, t('tickets.title')),
    freshness(view),
    group('tickets-mine', t('tickets.mine'), view.mine, t('tickets.none_mine'), now),
    group('tickets-pool', roles ? t('tickets.pool', { role: roles }) : t('tickets.pool_any'), view.pool, t('tickets.none_pool'), now),
  );
  ticking(root, new Map(view.tickets.map((tk) => [tk.id, tk])));
  updateTab();
  return root;
}

// --- one ticket ----------------------------------------------------------------------------

/**
 * Thumbnails of photos by sha256: from this phone's own store, else from the server when
 * online (the app keeps only the photos it took); `missing` says how many could not be shown.
 */
function thumbs(shas, alt, missing) {
  const box = h('div', { class: 'thumbs' });
  let away = 0;
  shas.forEach(async (sha, i) => {
    const fig = h('figure', { class: 'thumb' });
    box.append(fig);
    try {
      let blob = (await store.getBlob(sha))?.blob;
      if (!blob && !navigator.onLine) {
        fig.remove();
        if (missing) missing.textContent = t('tickets.photos_online', { n: ++away });
        return;
      }
      if (!blob) {
        const resp = await fetch(`/api/v1/blobs/${sha}`, { headers: { Authorization: `Bearer ${app.user.token}` } });
        if (!resp.ok) throw new Error(String(resp.status));
        blob = await resp.blob();
      }
      const url = URL.createObjectURL(blob);
      fig.append(h('a', { href: url, target: '_blank' }, h('img', { src: url, alt: `${alt} ${i + 1}` })));
    } catch {
      fig.append(h('span', { class: 'muted' }, t('tickets.photo_failed')));
    }
  });
  return box;
}

function residentPhotos(tk) {
  if (!tk.photos?.length) return null;
  const note = h('p', { class: 'muted' });
  return h(
    'section',
    { 'aria-labelledby': 'resident-photos' },
    h('h2', { id: 'resident-photos' }, t('tickets.resident_photos')),
    thumbs(tk.photos, t('tickets.resident_photo'), note),
    note,
  );
}

function facts(tk) {
  const phone = tk.phone.includes('*') ? tk.phone : h('a', { href: `tel:${tk.phone}` }, tk.phone);
  const pair = (label, value) => h('div', {}, h('dt', {}, label), h('dd', {}, value));
  return h(
    'dl',
    { class: 'facts' },
    pair(t('tickets.room'), tk.room),
    pair(t('tickets.reporter'), tk.name),
    pair(t('tickets.phone'), phone),
    pair(t('tickets.reported'), tk.created_at ? fmtDateTime(Date.parse(tk.created_at)) : ''),
    pair(t('tickets.description'), tk.description),
  );
}

function refusals(tk) {
  return tk.refused.map((ev) =>
    h('p', { class: 'refused', role: 'alert', dataset: { event: ev.id } }, t('tickets.refused', {
      kind: t(`tickets.kinds.${ev.kind}`),
      t: when(ev.at),
      why: ev.error ? errorText(ev.error) : t(`tickets.sync.${ev.status}`),
    })));
}

/** A reason the server gave for marking an event (pwa/ops/tickets.py `explain`), in words. */
function flagText(reason) {
  const vars = { ...reason };
  if (reason.event) vars.event = t(`tickets.kinds.${reason.event}`);
  if (reason.status) vars.status = t(`tickets.status.${reason.status}`);
  const known = ['clock', 'while', 'not_assignee', 'assigned_to', 'created_twice', 'before_created'];
  return t(`tickets.flagged.${known.includes(reason.why) ? reason.why : 'other'}`, { text: reason.why, ...vars });
}

function log(tk) {
  if (!tk.events.length) return null;
  return h(
    'section',
    { 'aria-labelledby': 'ticket-log' },
    h('h2', { id: 'ticket-log' }, t('tickets.log')),
    h('ol', { class: 'ticket-log' }, tk.events.map((ev) =>
      h(
        'li',
        { dataset: { kind: ev.kind, sync: ev.sync, flags: ev.flags.map((f) => f.why).join(' ') } },
        h('strong', {}, `${when(ev.at)} ${t(`tickets.kinds.${ev.kind}`)}`),
        h('span', { class: `chip ${ev.sync === 'uploaded' ? 'done' : ev.sync === 'pending' ? 'later' : 'late'}` }, t(`tickets.sync.${ev.sync}`)),
        ev.text ? h('div', {}, ev.text) : null,
        ev.parts?.length ? h('div', { class: 'muted' }, t('tickets.parts_used', { p: ev.parts })) : null,
        ev.photos?.length ? thumbs(ev.photos, t('photo')) : null,
        ev.flags.map((f) => h('p', { class: 'flag why', dataset: { why: f.why } }, flagText(f))),
      ))),
  );
}

export async function ticketScreen(id) {
  const { ticket: tk, desk } = await ticketView(id);
  const back = h('a', { href: '#/tickets', class: 'back' }, `← ${t('tickets.back')}`);
  if (!tk) return h('section', { class: 'ticket' }, back, h('p', {}, t('tickets.not_listed')));
  const now = Date.now();
  const clocks = CLOCKS.map((name) => readClock(name, tk.clocks?.[name], tk, now)).filter(Boolean);
  const root = h(
    'section',
    { class: 'ticket', dataset: { ticket: tk.id, status: tk.status } },
    back,
    h('h1', {}, `${tk.number} · ${categoryName(tk)}`),
    h('p', { class: 'ticket-status' }, statusChip(tk)),
    refusals(tk),
    clocks.length ? h('ul', { class: 'clocks', 'aria-label': t('tickets.clocks') }, clocks.map((c) => clockLine('li', c))) : null,
    facts(tk),
    residentPhotos(tk),
    await ticketActions(tk, desk),
    log(tk),
  );
  ticking(root, new Map([[tk.id, tk]]));
  return root;
}
