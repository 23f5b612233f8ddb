// The actions on one ticket, offline like everything else: 接单, 到场 (with an optional
// photo), work notes with photos, the parts used and 完工 with a summary. Each is one
// ticket_event record in the outbox; what is half-typed is a draft in IndexedDB.
import { t } from './i18n.js';
import { photoPicker } from './photos.js';
import { render } from './screen.js';
import { app, saveDraft, settled } from './state.js';
import * as store from './store.js';
import { PARTS_JOIN, PARTS_MAX, addEvent } from './ticket_data.js';
import { field, fmtTime, h, toast } from './ui.js';

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
  const list = h('ul', { class: 'parts', 'aria-live': 'polite', 'aria-labelledby': 'parts-title' });
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
  const input = h('input', { type: 'text', maxlength: 120, enterkeyhint: 'done', 'aria-describedby': 'part-error' });
  const error = problem('part-error');
  const add = () => {
    const p = input.value.trim();
    // the server keeps them as one line of at most 500 characters
    const full = [...draft.parts, p].join(PARTS_JOIN).length > PARTS_MAX;
    error.textContent = p && full ? t('tickets.parts_full') : '';
    if (!p || full) return;
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
    h('p', { class: 'parts-title', id: 'parts-title' }, t('tickets.parts')),
    list,
    h('div', { class: 'part-add' }, field(t('tickets.part'), input), h('button', { type: 'button', id: 'add-part', onclick: add }, t('tickets.add_part'))),
    error,
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

/** The ticket's next steps for this person, by its status. */
export async function ticketActions(tk, desk) {
  const draft = await workDraft(tk.id);
  const mine = tk.assignee === app.user.username;
  if (tk.status === 'assigned' && (!tk.assignee || mine)) return [acceptPart(tk, desk, draft)];
  if (!mine) return [];
  if (tk.status === 'accepted') return [arrivePart(tk, desk, draft)];
  if (tk.status === 'on_site') return [notePart(tk, desk, draft), finishPart(tk, desk, draft)];
  if (tk.status === 'waiting') return [h('p', { class: 'waiting-note' }, t('tickets.waiting_note'))];
  return [];
}

