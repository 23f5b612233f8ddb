// Emergency mode: the plan list, a plan's call buttons and first actions, and recording an incident.
import { finish } from './draft.js';
import { t } from './i18n.js';
import { app, contact, currentSite, derived, displayName, doc, docs, docUrl, roleName, saveDraft } from './state.js';
import * as store from './store.js';
import { field, fmtTime, h } from './ui.js';

export function emergencyList() {
  const plans = Object.entries(docs())
    .filter(([, e]) => e.kind === 'emergency')
    .sort((a, b) => a[1].doc.title.localeCompare(b[1].doc.title, 'zh'));
  return h(
    'section',
    { class: 'emergency' },
    h('h1', {}, t('pick_plan')),
    app.user ? null : h('p', { class: 'muted', id: 'signed-out-note' }, t('emergency_signed_out')),
    plans.length ? null : h('p', { class: 'flag' }, t('no_plans')),
    h(
      'ul',
      { class: 'plans' },
      plans.map(([id, e]) =>
        h(
          'li',
          {},
          h('a', { class: 'button danger wide', href: `#/emergency/${id}` }, e.doc.title),
          // a drill is started on purpose, beside the plan: never by the one-tap red button
          app.user
            ? h('a', { class: 'button drill-start', href: `#/drill/${id}`, 'aria-label': t('drill.start_label', { plan: e.doc.title }) }, t('drill.start'))
            : null,
        ),
      ),
    ),
  );
}

export async function startIncident(planId) {
  const mine = await store.draftsOf(app.user.username);
  const open = mine.find((d) => d.type === 'incident' && d.def_id === planId);
  if (open) return location.replace(`#/incident/${open.id}`);
  const draft = {
    id: crypto.randomUUID(),
    owner: app.user.username,
    type: 'incident',
    def_id: planId,
    def_version: doc(planId)?.version ?? null,
    site: currentSite(),
    started_at: store.isoNow(),
    actions: {},
    calls: [],
    severity: null,
    fields: {},
  };
  await saveDraft(draft);
  location.replace(`#/incident/${draft.id}`);
}

/** The plan's contacts, then the duty supervisor; in a drill, buttons that dial nobody. */
export function contactLinks(plan, draft, { drill = false } = {}) {
  const ids = [...new Set([...(plan.contacts || []), 'duty-supervisor'])];
  const found = ids.map(contact).filter(Boolean);
  if (drill) {
    return found.map((c) => {
      const made = draft.calls.find((x) => x.contact === c.id);
      return h(
        'button',
        {
          type: 'button',
          class: `call-drill${made ? ' done' : ''}`,
          dataset: { contact: c.id },
          onclick: async (e) => {
            const button = e.currentTarget;
            draft.calls.push({ contact: c.id, at: store.isoNow(), by: app.user.username });
            await saveDraft(draft, e.timeStamp);
            button.classList.add('done');
            button.lastChild.textContent = t('drill.called', { name: c.name, t: fmtTime(new Date()) });
          },
        },
        h('span', {}, made ? t('drill.called', { name: c.name, t: fmtTime(made.at) }) : t('drill.call', { name: c.name })),
      );
    });
  }
  return found
    .map((c) =>
      h(
        'a',
        {
          class: 'button call',
          href: `tel:${c.phone.replace(/[^0-9+]/g, '')}`,
          onclick: (e) => {
            if (!draft) return; // nobody signed in: the call goes out, nothing is recorded
            draft.calls.push({ contact: c.id, at: store.isoNow(), by: app.user.username });
            saveDraft(draft, e.timeStamp);
          },
        },
        `${t('call')} ${c.name} ${c.phone}`,
      ),
    );
}

/** A plan with nobody signed in: call buttons and first actions now, recording after sign-in. */
export function planView(planId) {
  const entry = doc(planId);
  if (!entry) return emergencyList();
  const plan = entry.doc;
  return h(
    'section',
    { class: 'incident', dataset: { plan: planId } },
    h('h1', { class: 'danger-title' }, plan.title),
    h('div', { class: 'calls' }, contactLinks(plan, null)),
    h('h2', {}, t('first_actions')),
    h(
      'ol',
      { class: 'actions' },
      plan.first_actions.map((a) => {
        const who = [a.role ? roleName(a.role) : '', a.within ? `≤ ${a.within}` : ''].filter(Boolean).join(' · ');
        return h('li', {}, h('span', { class: 'action-text' }, a.text), who ? h('span', { class: 'muted' }, ` ${who}`) : null);
      }),
    ),
    h('a', { class: 'sop', href: docUrl(planId) }, `${t('read_page')} ›`),
    h('p', { class: 'muted' }, t('emergency_signed_out')),
    h('a', { class: 'button primary wide', href: '#/login', id: 'sign-in-to-record' }, t('sign_in_to_record')),
  );
}

/** The plan's first actions, each tapped done (or undone) by who is signed in. */
export function actionList(plan, draft) {
  const actions = h('ol', { class: 'actions' });
  const draw = () => {
    actions.replaceChildren(
      ...plan.first_actions.map((a, i) => {
        const done = draft.actions[i];
        const who = [a.role ? roleName(a.role) : '', a.within ? t('within', { d: derived(draft.def_id).first_actions?.[i] || a.within }) : ''].filter(Boolean).join(' · ');
        return h(
          'li',
          { class: done ? 'done' : '' },
          h(
            'button',
            {
              type: 'button',
              class: 'action',
              'aria-pressed': String(Boolean(done)),
              onclick: async (e) => {
                if (draft.actions[i]) delete draft.actions[i];
                else draft.actions[i] = { done_at: store.isoNow(), done_by: app.user.username, name: displayName() };
                await saveDraft(draft, e.timeStamp);
                draw();
              },
            },
            h('span', { class: 'action-text' }, a.text),
            who ? h('span', { class: 'muted' }, who) : null,
            done ? h('span', { class: 'stamp' }, t('done_by', { who: done.name, t: fmtTime(done.done_at) })) : null,
          ),
        );
      }),
    );
  };
  draw();
  return actions;
}

/** The first actions as a record holds them: every one, done or not. */
export function actionsData(plan, draft) {
  return plan.first_actions.map((a, i) => ({
    index: i,
    text: a.text,
    done_at: draft.actions[i]?.done_at ?? null,
    done_by: draft.actions[i]?.done_by ?? null,
  }));
}

/** The plan's severity levels and record fields, written into the draft as they change. */
export function planFields(plan, draft) {
  const severity = plan.severity?.length
    ? field(
        t('severity'),
        h(
          'select',
          {
            onchange: (e) => {
              draft.severity = e.target.value || null;
              saveDraft(draft, e.timeStamp);
            },
          },
          h('option', { value: '' }, '—'),
          plan.severity.map((s) => h('option', { value: s.level, selected: s.level === draft.severity }, `${s.level}：${s.name}`)),
        ),
      )
    : null;
  const fields = (plan.record_fields || [])
    .filter((f) => f.type !== 'photo')
    .map((f) => {
      const type = { number: 'number', datetime: 'datetime-local' }[f.type] || 'text';
      const input = f.type === 'choice'
        ? h('select', {}, h('option', { value: '' }, '—'), (f.options || []).map((o) => h('option', { value: o, selected: draft.fields[f.id] === o }, o)))
        : h('input', { type, value: draft.fields[f.id] ?? '' });
      input.addEventListener('input', (e) => {
        draft.fields[f.id] = input.value;
        saveDraft(draft, e.timeStamp);
      });
      return field(f.label, input);
    });
  return { severity, fields };
}

export async function incidentView(id) {
  const draft = await store.getDraft(id);
  if (!draft) return h('p', {}, t('saved'));
  const plan = doc(draft.def_id).doc;
  const actions = actionList(plan, draft);
  const { severity, fields } = planFields(plan, draft);
  return h(
    'section',
    { class: 'incident' },
    h('h1', { class: 'danger-title' }, plan.title),
    h('p', { class: 'muted' }, `${fmtTime(draft.started_at)} · ${displayName()}`),
    h('div', { class: 'calls' }, contactLinks(plan, draft)),
    h('h2', {}, t('first_actions')),
    actions,
    severity,
    fields.length ? h('h2', {}, t('record_fields')) : null,
    fields,
    h('a', { class: 'sop', href: docUrl(draft.def_id) }, `${t('read_page')} ›`),
    h(
      'button',
      {
        type: 'button',
        class: 'primary wide',
        id: 'finish',
        onclick: async () => {
          const data = {
            started_at: draft.started_at,
            ended_at: store.isoNow(),
            severity: draft.severity,
            actions: actionsData(plan, draft),
            calls: draft.calls,
            fields: draft.fields,
          };
          await finish(draft, data);
          location.hash = '#/';
        },
      },
      t('end_incident'),
    ),
  );
}
