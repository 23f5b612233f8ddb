// Drills: an emergency plan run as a drill, marked as one on every screen, dialling nobody; who
// took part, the plan's actions as played out, then the review. A `drill` record, never an incident.
import { finish } from './draft.js';
import { actionList, actionsData, contactLinks, planFields } from './emergency.js';
import { t } from './i18n.js';
import { render } from './screen.js';
import { app, currentSite, displayName, doc, saveDraft } from './state.js';
import * as store from './store.js';
import { field, fmtTime, h } from './ui.js';

export async function startDrill(planId) {
  const mine = await store.draftsOf(app.user.username);
  const open = mine.find((d) => d.type === 'drill' && d.def_id === planId);
  if (open) return location.replace(`#/drilling/${open.id}`);
  const entry = doc(planId);
  if (entry?.kind !== 'emergency') return location.replace('#/emergency');
  const draft = {
    id: crypto.randomUUID(),
    owner: app.user.username,
    type: 'drill',
    def_id: planId,
    def_version: entry.version,
    site: currentSite(),
    started_at: store.isoNow(),
    ended_at: null,
    scenario: '',
    participants: [displayName()],
    actions: {},
    calls: [],
    severity: null,
    fields: {},
    went_well: '',
    to_improve: '',
    follow_ups: '',
  };
  await saveDraft(draft);
  location.replace(`#/drilling/${draft.id}`);
}

function banner() {
  return h(
    'div',
    { class: 'drill-banner', role: 'note', id: 'drill-banner' },
    h('strong', {}, t('drill.banner')),
    h('span', {}, t('drill.banner_note')),
  );
}

function participants(draft) {
  const list = h('ul', { class: 'people-chips', id: 'participants' });
  const draw = () =>
    list.replaceChildren(
      ...draft.participants.map((name, i) =>
        h(
          'li',
          {},
          h('span', {}, name),
          h(
            'button',
            {
              type: 'button',
              class: 'small',
              'aria-label': t('drill.remove_person', { name }),
              onclick: async (e) => {
                draft.participants.splice(i, 1);
                await saveDraft(draft, e.timeStamp);
                draw();
              },
            },
            '×',
          ),
        ),
      ),
    );
  draw();
  const input = h('input', { type: 'text', id: 'participant-name', maxlength: 64, autocomplete: 'off' });
  const add = async (e) => {
    const name = input.value.trim();
    if (!name || draft.participants.includes(name)) return;
    draft.participants.push(name);
    input.value = '';
    await saveDraft(draft, e.timeStamp);
    draw();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') add(e);
  });
  return h(
    'div',
    { class: 'participants' },
    h('h2', {}, t('drill.participants')),
    list,
    h('div', { class: 'codeform' }, field(t('drill.person_name'), input), h('button', { type: 'button', id: 'add-participant', onclick: add }, t('drill.add_person'))),
  );
}

function text(draft, key, label, { rows = 0, hint = '' } = {}) {
  const input = rows
    ? h('textarea', { rows, maxlength: 2000, id: `drill-${key}` })
    : h('input', { type: 'text', maxlength: 500, id: `drill-${key}`, placeholder: hint });
  input.value = draft[key] || '';
  input.addEventListener('input', (e) => {
    draft[key] = input.value;
    saveDraft(draft, e.timeStamp);
  });
  return field(label, input);
}

function drillData(plan, draft) {
  return {
    started_at: draft.started_at,
    ended_at: draft.ended_at,
    scenario: draft.scenario.trim(),
    severity: draft.severity,
    participants: draft.participants,
    actions: actionsData(plan, draft),
    calls: draft.calls,
    fields: draft.fields,
    went_well: draft.went_well.trim(),
    to_improve: draft.to_improve.trim(),
    follow_ups: draft.follow_ups.split('\n').map((l) => l.trim()).filter(Boolean),
  };
}

export async function drillView(id) {
  const draft = await store.getDraft(id);
  if (!draft || draft.type !== 'drill') return h('p', {}, t('saved'));
  const plan = doc(draft.def_id).doc;
  const head = [
    banner(),
    h('h1', { class: 'drill-title' }, t('drill.title', { plan: plan.title })),
    h('p', { class: 'muted' }, `${fmtTime(draft.started_at)} · ${displayName()}`),
  ];
  if (!draft.ended_at) {
    const { severity, fields } = planFields(plan, draft);
    return h(
      'section',
      { class: 'incident drill', dataset: { plan: draft.def_id } },
      ...head,
      text(draft, 'scenario', t('drill.scenario'), { hint: t('drill.scenario_hint') }),
      participants(draft),
      h('h2', {}, t('first_actions')),
      actionList(plan, draft),
      h('h2', {}, t('drill.calls')),
      h('div', { class: 'calls' }, contactLinks(plan, draft, { drill: true })),
      severity,
      fields.length ? h('h2', {}, t('record_fields')) : null,
      fields,
      h(
        'button',
        {
          type: 'button',
          class: 'primary wide',
          id: 'end-drill',
          onclick: async (e) => {
            draft.ended_at = store.isoNow();
            await saveDraft(draft, e.timeStamp);
            render();
          },
        },
        t('drill.end'),
      ),
    );
  }
  const error = h('p', { class: 'flag', role: 'alert' });
  const took = Date.parse(draft.ended_at) - Date.parse(draft.started_at);
  return h(
    'section',
    { class: 'incident drill review', dataset: { plan: draft.def_id } },
    ...head,
    h('p', { class: 'elapsed', id: 'drill-took' }, t('drill.ended', { n: Math.floor(took / 60_000) })),
    participants(draft),
    h('h2', {}, t('drill.review')),
    text(draft, 'went_well', t('drill.went_well'), { rows: 3 }),
    text(draft, 'to_improve', t('drill.to_improve'), { rows: 3 }),
    text(draft, 'follow_ups', t('drill.follow_ups'), { rows: 3 }),
    error,
    h(
      'button',
      {
        type: 'button',
        class: 'primary wide',
        id: 'finish',
        onclick: async () => {
          if (!draft.participants.length) {
            error.textContent = t('drill.need_people');
            return;
          }
          await finish(draft, drillData(plan, draft));
          location.hash = '#/';
        },
      },
      t('drill.save'),
    ),
  );
}
