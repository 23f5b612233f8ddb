// The 工单 tab: the person's own tickets and their roles' unclaimed pool, and one ticket's
// screen: accept, arrive, notes with photos, parts and finish, all working offline.
import { getLang, t } from './i18n.js';
import { errorText } from './outbox.js';
import { photoPicker } from './photos.js';
import { wall } from './schedule.js';
import { render, route } from './screen.js';
import { app, roleName, saveDraft, settled, siteDoc } from './state.js';
import * as store from './store.js';
import {
  CLOCKS, addEvent, category, readClock, refreshTickets, runningClock, spanParts, ticketView,
  ticketsView, updateTab,
} from './ticket_data.js';
import { field, fmtDateTime, fmtTime, h, toast } from './ui.js';

const CHIP = { running: 'due', late: 'late', missed: 'late', paused: 'later', met: 'done', open: 'later' };
const MAX_PARTS = 30;
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
    ),
  );
}

function group(id, title, list, empty, now) {
  return h(
    'section',
    { 'aria-labelledby': id },
    h('h2', { id }, `${title}（${list.length}）`),
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
  if (navigator.onLine && !(Date.now() - (view.fetched_at || 0) < STALE_MS)) refreshTickets();
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

const draftKey = (id) => `ticket-${id}-${app.user.username}`;

async function workDraft(id) {
  return (await store.getDraft(draftKey(id))) || {
    id: draftKey(id),
    owner: app.user.username,
    type: 'ticket_work',
    ticket: id,
    note: '',
    note_photos: [],
    arrive_photos: [],
    parts: [],
    summary: '',
  };
}

function residentPhotos(tk) {
  if (!tk.photos?.length) return null;
  const box = h('div', { class: 'thumbs' });
  let missing = 0;
  const note = h('p', { class: 'muted' });
  tk.photos.forEach(async (sha, i) => {
    const fig = h('figure', { class: 'thumb' });
    box.append(fig);
    try {
      let blob = (await store.getBlob(sha))?.blob;
      if (!blob && !navigator.onLine) {
        fig.remove();
        note.textContent = t('tickets.photos_online', { n: ++missing });
        return;
      }
      if (!blob) {
        const resp = await fetch(`/api/v1/blobs/${sha}`, { headers: { Authorization: `Bearer ${app.user.token}` } });
        if (!resp.ok) throw new Error(String(resp.status));
        blob = await resp.blob();
      }
      const url = URL.createObjectURL(blob);
      fig.append(h('a', { href: url, target: '_blank' }, h('img', { src: url, alt: t('tickets.resident_photo', { n: i + 1 }) })));
    } catch {
      fig.append(h('span', { class: 'muted' }, t('tickets.photo_failed')));
    }
  });
  return h('section', { 'aria-labelledby': 'resident-photos' }, h('h2', { id: 'resident-photos' }, t('tickets.resident_photos')), box, note);
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
      t: fmtDateTime(ev.at),
      why: ev.error ? errorText(ev.error) : t(`tickets.sync.${ev.status}`),
    })));
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
        { dataset: { kind: ev.kind, sync: ev.sync } },
        h('strong', {}, `${fmtTime(ev.at)} ${t(`tickets.kinds.${ev.kind}`)}`),
        h('span', { class: `chip ${ev.sync === 'uploaded' ? 'done' : ev.sync === 'pending' ? 'later' : 'late'}` }, t(`tickets.sync.${ev.sync}`)),
        ev.text ? h('div', {}, ev.text) : null,
        ev.parts?.length ? h('div', { class: 'muted' }, t('tickets.parts_used', { p: ev.parts.join('、') })) : null,
        ev.photos?.length ? h('div', { class: 'muted' }, `${t('photo')} × ${ev.photos.length}`) : null,
      ))),
  );
}

/** Queue one event, keep the draft as `after` leaves it, and show the new state at once. */
function action(tk, desk, draft, build, after = null) {
  return async (e) => {
    const button = e.currentTarget;
    const data = build();
    if (!data) return;
    button.disabled = true;
    await settled(); // an older copy of the draft must not land after this one
    if (after === 'drop') await addEvent(tk, desk, data, { draftId: draft.id });
    else await addEvent(tk, desk, data, { draft: after ? Object.assign(draft, after) : null });
    toast(t('tickets.saved'));
    await render();
    document.getElementById('main').focus();
  };
}

function problem(id) {
  return h('p', { class: 'error', id, role: 'alert' });
}

function acceptPart(tk, desk, draft) {
  return h(
    'div',
    { class: 'ticket-action' },
    h('button', { type: 'button', class: 'primary big', id: 'accept', onclick: action(tk, desk, draft, () => ({ kind: 'accepted' })) }, t('tickets.accept')),
    h('p', { class: 'muted' }, t('tickets.accept_hint')),
  );
}

function arrivePart(tk, desk, draft) {
  const photos = [...draft.arrive_photos];
  return h(
    'fieldset',
    { class: 'ticket-action' },
    h('legend', {}, t('tickets.arrive')),
    h('p', { class: 'arrive-time' }, t('tickets.arrive_time', { t: fmtTime(Date.now()) })),
    h('p', { class: 'muted' }, t('tickets.arrive_photo')),
    photoPicker(photos, (list) => saveDraft(Object.assign(draft, { arrive_photos: [...list] }))),
    h('button', {
      type: 'button',
      class: 'primary big',
      id: 'arrive',
      onclick: action(tk, desk, draft, () => ({ kind: 'arrived', photos: draft.arrive_photos }), { arrive_photos: [] }),
    }, t('tickets.arrive')),
  );
}

function notePart(tk, desk, draft) {
  const text = h('textarea', { rows: 3, value: draft.note, maxlength: 2000, 'aria-describedby': 'note-error' });
  text.addEventListener('input', (e) => saveDraft(Object.assign(draft, { note: text.value }), e.timeStamp));
  const error = problem('note-error');
  const photos = [...draft.note_photos];
  const build = () => {
    if (!text.value.trim() && !draft.note_photos.length) {
      error.textContent = t('tickets.note_empty');
      text.focus();
      return null;
    }
    return { kind: 'note', text: text.value, photos: draft.note_photos };
  };
  return h(
    'fieldset',
    { class: 'ticket-action' },
    h('legend', {}, t('tickets.work')),
    field(t('tickets.note'), text),
    error,
    photoPicker(photos, (list) => saveDraft(Object.assign(draft, { note_photos: [...list] }))),
    h('button', { type: 'button', class: 'wide', id: 'add-note', onclick: action(tk, desk, draft, build, { note: '', note_photos: [] }) }, t('tickets.add_note')),
  );
}

function partsList(draft) {
  const list = h('ul', { class: 'parts', 'aria-live': 'polite' });
  const draw = () => {
    list.replaceChildren(...(draft.parts.length ? draft.parts : [null]).map((p, i) => (p === null
      ? h('li', { class: 'muted' }, t('tickets.no_parts'))
      : h('li', {}, h('span', {}, p), h('button', {
        type: 'button',
        class: 'small',
        'aria-label': t('tickets.remove_part', { p }),
        onclick: () => {
          draft.parts.splice(i, 1);
          saveDraft(draft);
          draw();
        },
      }, t('remove'))))));
  };
  draw();
  const input = h('input', { type: 'text', maxlength: 120, enterkeyhint: 'done' });
  const add = () => {
    const p = input.value.trim();
    if (!p || draft.parts.length >= MAX_PARTS) return;
    draft.parts.push(p);
    input.value = '';
    saveDraft(draft);
    draw();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  });
  return h(
    'div',
    { class: 'parts-box' },
    h('h3', {}, t('tickets.parts')),
    list,
    h('div', { class: 'part-add' }, field(t('tickets.part'), input), h('button', { type: 'button', id: 'add-part', onclick: add }, t('tickets.add_part'))),
  );
}

function finishPart(tk, desk, draft) {
  const summary = h('textarea', { rows: 3, value: draft.summary, maxlength: 2000, 'aria-describedby': 'summary-error' });
  summary.addEventListener('input', (e) => saveDraft(Object.assign(draft, { summary: summary.value }), e.timeStamp));
  const error = problem('summary-error');
  const build = () => {
    if (!summary.value.trim()) {
      error.textContent = t('tickets.summary_empty');
      summary.focus();
      return null;
    }
    return { kind: 'finished', text: summary.value, parts: [...draft.parts] };
  };
  return h(
    'fieldset',
    { class: 'ticket-action' },
    h('legend', {}, t('tickets.finish_title')),
    partsList(draft),
    field(t('tickets.summary'), summary),
    error,
    h('button', { type: 'button', class: 'primary big', id: 'finish', onclick: action(tk, desk, draft, build, 'drop') }, t('tickets.finish')),
  );
}

function actions(tk, desk, draft) {
  const mine = tk.assignee === app.user.username;
  if (tk.status === 'assigned' && (!tk.assignee || mine)) return [acceptPart(tk, desk, draft)];
  if (!mine) return [];
  if (tk.status === 'accepted') return [arrivePart(tk, desk, draft)];
  if (tk.status === 'on_site') return [notePart(tk, desk, draft), finishPart(tk, desk, draft)];
  if (tk.status === 'waiting') return [h('p', { class: 'waiting-note' }, t('tickets.waiting_note'))];
  return [];
}

export async function ticketScreen(id) {
  const { ticket: tk, desk } = await ticketView(id);
  const back = h('a', { href: '#/tickets', class: 'back' }, `← ${t('tickets.back')}`);
  if (!tk) return h('section', { class: 'ticket' }, back, h('p', {}, t('tickets.not_listed')));
  const draft = await workDraft(id);
  const now = Date.now();
  const clocks = CLOCKS.map((name) => readClock(name, tk.clocks?.[name], tk, now)).filter(Boolean);
  const root = h(
    'section',
    { class: 'ticket', dataset: { ticket: tk.id, status: tk.status } },
    back,
    h('h1', {}, `${tk.number} · ${categoryName(tk)}`),
    h('p', { class: 'ticket-status' }, statusChip(tk)),
    refusals(tk),
    clocks.length ? h('ul', { class: 'clocks', 'aria-label': t('tickets.title') }, clocks.map((c) => clockLine('li', c))) : null,
    facts(tk),
    residentPhotos(tk),
    actions(tk, desk, draft),
    log(tk),
  );
  ticking(root, new Map([[tk.id, tk]]));
  return root;
}
