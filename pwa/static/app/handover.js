// Shift handovers (交接班): the outgoing person lists what is open, carried from the handover before
// and the site's open exceptions and tickets; the incoming one, signed in on the same booth phone,
// sees it on Today and acknowledges it, offline too. Both are records (`handover`, `handover_ack`)
// and lines in the phone's history, which every person on the phone reads.
import { openDraft } from './draft.js';
import { t } from './i18n.js';
import { render, route } from './screen.js';
import { currentShift, wall } from './schedule.js';
import { app, currentSite, displayName, doc, docs, saveDraft, settled, siteDoc } from './state.js';
import * as store from './store.js';
import { field, fmtDateTime, fmtTime, h, toast } from './ui.js';

const SHEET = (site) => `handovers:${site}`;
const RECENT_MS = 24 * 3600_000; // a handover older than this waits for nobody on Today
const REFRESH_MS = 60_000;
const KINDS = ['key', 'visitor', 'equipment', 'other'];
let fetchedAt = 0;

/** Ask the server what is open at the person's sites (GET /api/v1/handovers); kept per site. */
export async function refreshSheet(user = app.user) {
  if (!user?.token || user.needs_login || !navigator.onLine) return false;
  fetchedAt = Date.now();
  try {
    const resp = await fetch('/api/v1/handovers', { headers: { Authorization: `Bearer ${user.token}` } });
    if (!resp.ok) return false;
    const body = await resp.json();
    for (const [site, open] of Object.entries(body.open || {})) {
      const handovers = (body.handovers || []).filter((x) => x.site === site);
      await store.kvSet(SHEET(site), { fetched_at: Date.now(), handovers, ...open });
    }
    return true;
  } catch {
    return false; // the kept copy serves
  }
}

function handoverDefs(site = currentSite()) {
  return Object.entries(docs()).filter(
    ([, e]) => e.kind === 'checklist' && e.doc.handover && (!e.sites || e.sites.includes(site)),
  );
}

/** Every handover this phone knows at the site, newest first, each with who acknowledged it. */
async function known(site) {
  const sheet = (await store.kvGet(SHEET(site))) || { handovers: [] };
  const lines = (await store.historyAll()).filter((r) => r.site === site);
  const byId = new Map();
  for (const x of sheet.handovers) {
    byId.set(x.id, { id: x.id, def_id: x.def_id, who: x.user, by: x.user, at: x.recorded_at, data: x.data, acks: x.acks.map((a) => a.user) });
  }
  for (const r of lines.filter((l) => l.type === 'handover' && l.handover)) {
    const had = byId.get(r.id);
    byId.set(r.id, { id: r.id, def_id: r.def_id, who: r.who || r.owner, by: r.owner, at: r.recorded_at, data: r.handover, acks: had?.acks || [] });
  }
  for (const r of lines.filter((l) => l.type === 'handover_ack')) byId.get(r.handover_id)?.acks.push(r.owner);
  return { sheet, list: [...byId.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)) };
}

/** The newest handover of each handover checklist at the site, if someone else must take it over. */
async function waitingFor(user, site) {
  const { list } = await known(site);
  const found = [];
  for (const [defId] of handoverDefs(site)) {
    const last = list.find((x) => x.def_id === defId);
    if (!last || last.by === user.username || Date.now() - Date.parse(last.at) > RECENT_MS) continue;
    if (!last.acks.some((who) => who !== last.by)) found.push(last);
  }
  return found;
}

/** Today, with a handover waiting for this person first and the way to hand over last. */
export async function withHandover(view) {
  const site = currentSite();
  if (Date.now() - fetchedAt > REFRESH_MS) {
    refreshSheet().then((changed) => {
      if (changed && route().name === 'today') render();
    });
  }
  const waiting = await waitingFor(app.user, site);
  const items = (x) => (x.data.items || []).length;
  const pending = waiting.map((x) =>
    h(
      'a',
      { class: 'button handover-pending wide', href: `#/takeover/${x.id}`, dataset: { handover: x.id } },
      t(items(x) ? 'handover.pending' : 'handover.pending_none', { who: x.who, t: fmtTime(x.at), n: items(x) }),
    ),
  );
  view.querySelector('#emergency-button')?.after(...pending);
  for (const [defId] of handoverDefs(site)) {
    view.append(h('a', { class: 'button wide handover-link', href: `#/handover/${defId}` }, t('handover.open_link')));
  }
  return view;
}

function serverItems(sheet) {
  const status = (s) => t(`tickets.status.${s}`);
  return [
    ...(sheet.exceptions || []).map((e) => ({ id: `exception:${e.id}`, kind: 'exception', ref: e.id, text: `${e.title}：${e.note || ''}`.slice(0, 500) })),
    ...(sheet.tickets || []).map((k) => ({ id: `ticket:${k.number}`, kind: 'ticket', ref: k.number, text: `${k.number} ${k.category_name} ${k.room}（${status(k.status)}）`.slice(0, 500) })),
  ];
}

function itemLine(item, extra = []) {
  return h('li', { class: 'open-item', dataset: { item: item.id } }, h('span', { class: 'chip' }, t(`handover.kinds.${item.kind}`)), ' ', item.text, ...extra);
}

/** The outgoing person's handover of one handover checklist, as a draft until it is handed over. */
export async function handoverView(defId) {
  const entry = doc(defId);
  if (!entry?.doc.handover) return h('p', {}, t('handover.nothing'));
  if (navigator.onLine) await refreshSheet();
  const site = currentSite();
  const { sheet, list } = await known(site);
  const before = list.find((x) => x.def_id === defId) || null;
  const draft = await openDraft('handover', defId, { fields: { previous: before?.id ?? null, closed: [], items: [], note: '' } });
  if (draft.previous !== (before?.id ?? null)) {
    // a later handover reached the phone since this draft began: carry from that one
    Object.assign(draft, { previous: before?.id ?? null, closed: [] });
    await saveDraft(draft);
  }
  const carried = before?.id === draft.previous ? before.data.items || [] : [];
  const fromServer = serverItems(sheet).filter((i) => !carried.some((c) => c.id === i.id));
  const carriedList = h('ul', { class: 'list carried' }, carried.map((item) => {
    const closed = h('input', { type: 'checkbox', checked: draft.closed.includes(item.id), 'aria-label': `${t('handover.closed')}：${item.text}` });
    closed.addEventListener('change', (e) => {
      draft.closed = closed.checked ? [...draft.closed, item.id] : draft.closed.filter((x) => x !== item.id);
      saveDraft(draft, e.timeStamp);
    });
    return itemLine(item, [h('label', { class: 'choice' }, closed, t('handover.closed'))]);
  }));
  const mine = h('ul', { class: 'list added', id: 'handover-items' });
  const drawMine = () => mine.replaceChildren(...draft.items.map((item, i) => itemLine(item, [
    h('button', { type: 'button', class: 'small', onclick: async (e) => { draft.items.splice(i, 1); await saveDraft(draft, e.timeStamp); drawMine(); } }, t('handover.remove')),
  ])));
  drawMine();
  const kind = h('select', { id: 'item-kind' }, KINDS.map((k) => h('option', { value: k }, t(`handover.kinds.${k}`))));
  const text = h('input', { type: 'text', id: 'item-text', maxlength: 500 });
  const note = h('textarea', { rows: 3, maxlength: 2000, id: 'handover-note' });
  note.value = draft.note;
  note.addEventListener('input', (e) => { draft.note = note.value; saveDraft(draft, e.timeStamp); });
  const add = async (e) => {
    if (!text.value.trim()) return;
    draft.items.push({ id: crypto.randomUUID(), kind: kind.value, text: text.value.trim(), ref: null });
    text.value = '';
    await saveDraft(draft, e.timeStamp);
    drawMine();
  };
  const shift = currentShift(siteDoc().shifts || [], wall(new Date(), siteDoc().timezone), app.user.shift);
  return h(
    'section',
    { class: 'handover', dataset: { def: defId } },
    h('h1', {}, t('handover.title', { title: entry.doc.title })),
    h('p', { class: 'muted' }, `${shift?.name || ''} · ${displayName()} · ${t('handover.intro')}`),
    h('h2', {}, t('handover.carried')),
    carried.length ? carriedList : h('p', { class: 'muted' }, t('handover.carried_none')),
    h('h2', {}, t('handover.from_server')),
    h('p', { class: 'muted', id: 'sheet-age' }, sheet.fetched_at ? t('handover.server_copy', { t: fmtDateTime(sheet.fetched_at) }) : t('handover.server_never')),
    fromServer.length
      ? h('ul', { class: 'list from-server' }, fromServer.map((i) => itemLine(i)))
      : sheet.fetched_at ? h('p', { class: 'muted', id: 'server-none' }, t('handover.server_none')) : null,
    h('h2', {}, t('handover.add')),
    mine,
    field(t('handover.kind'), kind),
    field(t('handover.text'), text),
    h('button', { type: 'button', id: 'add-item', onclick: add }, t('handover.add_button')),
    field(t('handover.note'), note),
    h('button', {
      type: 'button',
      class: 'primary wide',
      id: 'finish',
      onclick: async () => {
        const open = carried.filter((c) => !draft.closed.includes(c.id)).map((c) => ({ ...c, carried: true }));
        const data = {
          shift: shift?.id ?? null,
          previous: draft.previous,
          items: [...open, ...fromServer, ...draft.items].map(({ id, kind: k, text: x, ref, carried: c }) => ({ id, kind: k, text: x, ref: ref ?? null, carried: Boolean(c) })),
          closed: draft.closed.filter((id) => carried.some((c) => c.id === id)),
          note: draft.note.trim(),
        };
        await commit(draft, data, { handover: data, who: displayName() }, draft.id);
        location.hash = '#/';
      },
    }, t('handover.save')),
  );
}

async function commit(fields, data, keep, draftId = null) {
  await settled(); // an older copy of the draft still on its way must not land after it is removed
  const record = await store.commitRecord(app.user.username, { ...fields, data }, { draftId, keep });
  toast(t('saved'));
  document.dispatchEvent(new CustomEvent('dutybook:queued', { detail: record }));
}

/** The incoming person takes over: each item confirmed or not, and a note. */
export async function takeoverView(id) {
  const x = (await known(currentSite())).list.find((y) => y.id === id);
  if (!x) return h('p', {}, t('handover.nothing'));
  if (x.by === app.user.username) return h('p', { class: 'flag', id: 'own-handover' }, t('handover.ack_own'));
  const items = x.data.items || [];
  const boxes = items.map((item) => h('input', { type: 'checkbox', checked: true, dataset: { item: item.id }, 'aria-label': `${t('handover.ack_item')}：${item.text}` }));
  const note = h('textarea', { rows: 3, maxlength: 2000, id: 'ack-note' });
  return h(
    'section',
    { class: 'handover takeover', dataset: { handover: id } },
    h('h1', {}, t('handover.ack_title')),
    h('p', {}, t('handover.ack_intro', { who: x.who, t: fmtDateTime(Date.parse(x.at)) })),
    h('ul', { class: 'list' }, items.map((item, i) => itemLine(item, [h('label', { class: 'choice' }, boxes[i], t('handover.ack_item'))]))),
    x.data.note ? h('p', { class: 'note' }, `${t('handover.note')}：${x.data.note}`) : null,
    field(t('handover.ack_note'), note),
    h('button', {
      type: 'button',
      class: 'primary wide',
      id: 'finish',
      onclick: async () => {
        const data = {
          handover: id,
          acknowledged_at: store.isoNow(),
          disputed: boxes.filter((b) => !b.checked).map((b) => b.dataset.item),
          note: note.value.trim(),
        };
        const fields = { type: 'handover_ack', def_id: x.def_id, def_version: doc(x.def_id)?.version, site: currentSite() };
        await commit(fields, data, { handover_id: id });
        toast(t('handover.acked'));
        location.hash = '#/';
      },
    }, t('handover.ack_save')),
  );
}
