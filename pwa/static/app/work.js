// The work itself: checklist runs, patrol rounds, exceptions and emergency incidents.
// Every change lands in IndexedDB (a draft) at once; finishing turns the draft into a record.
import { categories, t } from './i18n.js';
import {
  app,
  appliesToMe,
  contact,
  currentSite,
  derived,
  displayName,
  doc,
  docs,
  docUrl,
  roleName,
  saveDraft,
  settled,
} from './state.js';
import * as store from './store.js';
import { compressPhoto, field, fmtElapsed, fmtTime, h, startScanner, toast } from './ui.js';

const MAX_PHOTOS = 3;

async function openDraft(type, defId, extra = {}) {
  const mine = await store.draftsOf(app.user.username);
  const found = mine.find((d) => d.type === type && d.def_id === defId && !extra.fresh);
  if (found) return found;
  const entry = doc(defId);
  const draft = {
    id: crypto.randomUUID(),
    owner: app.user.username,
    type,
    def_id: defId,
    def_version: entry?.version ?? null,
    site: currentSite(),
    started_at: store.isoNow(),
    ...extra.fields,
  };
  await saveDraft(draft);
  return draft;
}

async function finish(draft, data, blobs = []) {
  // an older copy of the draft still on its way must not land after the draft is removed
  await settled();
  const record = await store.commitRecord(
    draft.owner,
    {
      id: draft.id,
      type: draft.type,
      def_id: draft.def_id,
      def_version: draft.def_version,
      site: draft.site,
      data,
    },
    { draftId: draft.id, blobs },
  );
  toast(t('saved'));
  document.dispatchEvent(new CustomEvent('dutybook:queued', { detail: record }));
  return record;
}

function photoPicker(shas, onChange) {
  const list = h('div', { class: 'thumbs' });
  const draw = async () => {
    list.replaceChildren();
    for (const sha of shas) {
      const row = await store.getBlob(sha);
      if (!row) continue;
      const url = URL.createObjectURL(row.blob);
      list.append(
        h(
          'figure',
          { class: 'thumb' },
          h('img', { src: url, alt: `${t('photo')} ${sha.slice(0, 8)}` }),
          h(
            'button',
            {
              type: 'button',
              class: 'small',
              onclick: async () => {
                shas.splice(shas.indexOf(sha), 1);
                await onChange(shas);
                draw();
              },
            },
            t('remove'),
          ),
        ),
      );
    }
    input.disabled = shas.length >= MAX_PHOTOS;
  };
  const input = h('input', {
    type: 'file',
    accept: 'image/*',
    capture: 'environment',
    onchange: async (e) => {
      for (const file of [...e.target.files].slice(0, MAX_PHOTOS - shas.length)) {
        const blob = await compressPhoto(file);
        shas.push(await store.putBlob(app.user.username, blob));
      }
      e.target.value = '';
      await onChange(shas);
      draw();
    },
  });
  draw();
  return h('div', { class: 'photos' }, field(`${t('add_photo')}（${t('max_photos')}）`, input), list);
}

// --- checklists ----------------------------------------------------------------------------

export async function startChecklist(defId) {
  const draft = await openDraft('checklist_run', defId, { fields: { values: {} } });
  location.replace(`#/run/${draft.id}`);
}

function outOfRange(item, value) {
  if (value === null || value === undefined || value === '' || Number.isNaN(value)) return false;
  return (item.min != null && value < item.min) || (item.max != null && value > item.max);
}

// The bundle carries the handbook's wording ("0.15–0.45 MPa", "≥ 1 台"): one rule, one place.
function rangeText(item, key, defId) {
  return t(key, { r: derived(defId).ranges?.[item.id] ?? '' });
}

function itemView(item, draft) {
  const values = draft.values;
  const save = (value, e) => {
    values[item.id] = value;
    return saveDraft(draft, e?.timeStamp ?? performance.now());
  };
  const body = [];
  const flag = h('p', { class: 'flag', role: 'alert', id: `flag-${item.id}` });
  const failBox = h('div', { class: 'onfail' });
  const showFail = (failed) => {
    failBox.replaceChildren();
    if (!failed) return;
    if (item.on_fail) failBox.append(h('p', {}, t('on_fail'), item.on_fail.text));
    const plan = item.on_fail?.emergency;
    if (plan && doc(plan)) {
      failBox.append(h('a', { class: 'button danger', href: `#/emergency/${plan}` }, t('open_plan')));
    }
    const q = new URLSearchParams({ def: draft.def_id, item: item.id, plan: plan || '' });
    failBox.append(h('a', { class: 'button', href: `#/exception/new?${q}` }, t('report_exception')));
  };
  const label = `${item.text}${item.required ? '' : '（选填）'}`;
  if (item.type === 'check') {
    const group = h('div', { class: 'toggle', role: 'group', 'aria-label': item.text });
    const draw = () => {
      for (const b of group.children) b.setAttribute('aria-pressed', String(values[item.id] === (b.dataset.v === '1')));
      showFail(values[item.id] === false);
    };
    for (const [v, text] of [[true, t('ok')], [false, t('not_ok')]]) {
      group.append(
        h(
          'button',
          {
            type: 'button',
            class: v ? 'ok' : 'bad',
            dataset: { v: v ? '1' : '0' },
            onclick: (e) => {
              // shown at once; the write commits in the background (see state.js)
              const stored = save(v, e);
              draw();
              return stored;
            },
          },
          text,
        ),
      );
    }
    body.push(h('p', { class: 'item-text' }, label), group);
    queueMicrotask(draw);
  } else if (item.type === 'number') {
    const input = h('input', {
      type: 'number',
      inputmode: 'decimal',
      step: 'any',
      value: values[item.id] ?? '',
      'aria-describedby': `flag-${item.id}`,
    });
    const check = () => {
      const v = input.value === '' ? null : Number(input.value);
      const bad = outOfRange(item, v);
      flag.textContent = bad ? rangeText(item, 'out_of_range_words', draft.def_id) : '';
      input.setAttribute('aria-invalid', String(bad));
      showFail(bad);
      return v;
    };
    input.addEventListener('input', (e) => save(check(), e));
    const unit = item.unit ? `（${item.unit}）` : '';
    const hint = item.min != null || item.max != null ? h('p', { class: 'hint' }, rangeText(item, 'range_words', draft.def_id)) : null;
    body.push(field(`${label}${unit}`, input, hint));
    queueMicrotask(check);
  } else if (item.type === 'text') {
    const input = h('textarea', { rows: 2, value: values[item.id] ?? '' });
    input.addEventListener('input', (e) => save(input.value, e));
    body.push(field(label, input));
  } else if (item.type === 'choice') {
    const chosen = new Set([].concat(values[item.id] ?? []));
    const box = h('fieldset', {}, h('legend', {}, label));
    for (const option of item.options) {
      const input = h('input', {
        type: item.multiple ? 'checkbox' : 'radio',
        name: `c-${item.id}`,
        value: option,
        checked: chosen.has(option),
        onchange: (e) => {
          if (!item.multiple) chosen.clear();
          if (e.target.checked) chosen.add(option);
          else chosen.delete(option);
          save(item.multiple ? [...chosen] : option, e);
        },
      });
      box.append(h('label', { class: 'choice' }, input, option));
    }
    body.push(box);
  } else if (item.type === 'photo') {
    const shas = values[item.id] || [];
    body.push(h('p', { class: 'item-text' }, label), photoPicker(shas, (list) => save([...list])));
  }
  if (item.sop) body.push(h('a', { class: 'sop', href: docUrl(item.sop) }, `${t('sop_step')} ›`));
  body.push(flag, failBox);
  return h('li', { class: 'item', id: `item-${item.id}`, dataset: { type: item.type } }, body);
}

function checklistData(def, draft) {
  const items = {};
  const outOfRangeIds = [];
  const failed = [];
  for (const item of def.items) {
    const value = draft.values[item.id];
    if (value === undefined || value === null || value === '') continue;
    items[item.id] = { value };
    if (item.type === 'number' && outOfRange(item, value)) {
      items[item.id].out_of_range = true;
      outOfRangeIds.push(item.id);
    }
    if (item.type === 'check' && value === false) failed.push(item.id);
  }
  return {
    started_at: draft.started_at,
    finished_at: store.isoNow(),
    shift: app.user.shift || null,
    items,
    out_of_range: outOfRangeIds,
    failed,
  };
}

export async function runView(id) {
  const draft = await store.getDraft(id);
  if (!draft) return h('p', {}, t('saved'));
  const def = doc(draft.def_id)?.doc;
  const missing = h('p', { class: 'flag', role: 'alert' });
  const blobsOf = () =>
    def.items.filter((i) => i.type === 'photo').flatMap((i) => draft.values[i.id] || []);
  return h(
    'section',
    { class: 'run' },
    h('h1', {}, def.title),
    h('p', { class: 'muted' }, `${t('checklist')} · v${draft.def_version} · ${fmtTime(draft.started_at)}`),
    h('ol', { class: 'items' }, def.items.map((item) => itemView(item, draft))),
    missing,
    h(
      'button',
      {
        type: 'button',
        class: 'primary wide',
        id: 'finish',
        onclick: async () => {
          const todo = def.items.filter((i) => {
            const v = draft.values[i.id];
            return i.required && (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length));
          });
          if (todo.length) {
            missing.textContent = t('required_missing', { n: todo.length });
            document.getElementById(`item-${todo[0].id}`)?.scrollIntoView();
            return;
          }
          await finish(draft, checklistData(def, draft), blobsOf());
          location.hash = '#/';
        },
      },
      t('finish'),
    ),
  );
}

// --- patrol rounds ---------------------------------------------------------------------------

export async function startPatrol(defId) {
  const draft = await openDraft('patrol_round', defId, {
    fields: { scans: [], second_person: '', started_ms: Date.now() },
  });
  location.replace(`#/round/${draft.id}`);
}

/** Judge one scanned code against the route; returns the scan entry stored in the draft. */
export function judgeScan(def, scans, code) {
  const cp = def.checkpoints.find((c) => c.code === code);
  const entry = { code, at: store.isoNow(), checkpoint: cp?.id ?? null, flag: null };
  if (!cp) {
    entry.flag = 'unknown';
    return entry;
  }
  const reached = new Set(scans.filter((s) => s.checkpoint && !s.flag).map((s) => s.checkpoint));
  if (reached.has(cp.id)) {
    entry.flag = 'repeat';
    return entry;
  }
  if (def.order === 'strict') {
    const expected = def.checkpoints.find((c) => !reached.has(c.id));
    if (expected && expected.id !== cp.id) {
      entry.flag = 'wrong_order';
      entry.expected = expected.id;
    }
  }
  return entry;
}

export async function roundView(id, { onLeave }) {
  const draft = await store.getDraft(id);
  if (!draft) return h('p', {}, t('saved'));
  const def = doc(draft.def_id)?.doc;
  const people = (def.schedule.find((s) => !s.shifts?.length || s.shifts.includes(app.user.shift)) ||
    def.schedule[0]).people || 1;
  const clock = h('p', { class: 'elapsed', 'aria-live': 'off' });
  const remaining = h('p', { class: 'remaining', 'aria-live': 'polite' });
  const list = h('ol', { class: 'checkpoints' });
  const log = h('ul', { class: 'scanlog', 'aria-live': 'polite' });
  const tick = () => {
    clock.textContent = `${t('elapsed', { t: fmtElapsed(Date.now() - draft.started_ms) })} · ${t('time_allowed', { t: derived(draft.def_id).time_allowed || def.time_allowed })}`;
  };
  const timer = setInterval(tick, 1000);
  onLeave(() => clearInterval(timer));
  const byId = Object.fromEntries(def.checkpoints.map((c) => [c.id, c]));
  const draw = () => {
    tick();
    const reached = new Set(draft.scans.filter((s) => s.checkpoint && !s.flag).map((s) => s.checkpoint));
    remaining.textContent = t('remaining', { n: def.checkpoints.length - reached.size });
    list.replaceChildren(
      ...def.checkpoints.map((c) =>
        h(
          'li',
          { class: reached.has(c.id) ? 'reached' : '', dataset: { cp: c.id } },
          h('strong', {}, c.name),
          ` ${c.code}`,
          c.tasks?.length ? h('div', { class: 'muted' }, c.tasks.join('；')) : null,
          c.sop ? h('a', { class: 'sop', href: docUrl(c.sop) }, `${t('sop_step')} ›`) : null,
        ),
      ),
    );
    log.replaceChildren(
      ...draft.scans
        .slice()
        .reverse()
        .map((s) => {
          const name = byId[s.checkpoint]?.name;
          const text = {
            null: t('scanned', { name }),
            unknown: t('unknown_code', { code: s.code }),
            wrong_order: t('wrong_order', { name: byId[s.expected]?.name }),
            repeat: t('repeat_code', { name }),
          }[s.flag];
          return h('li', { class: s.flag ? 'flag' : 'ok' }, `${fmtTime(s.at)} ${text}`);
        }),
    );
  };
  const onCode = async (code, e) => {
    const started = e?.timeStamp ?? performance.now();
    const entry = judgeScan(def, draft.scans, code.trim());
    draft.scans.push(entry);
    await saveDraft(draft, started);
    draw();
    if (entry.flag) toast(log.firstChild.textContent, 'warn');
    navigator.vibrate?.(entry.flag ? [80, 60, 80] : 60);
  };
  // Tests and hardware scanners (keyboard wedge) feed codes through the same path.
  window.dutybookScan = (code) => onCode(code);
  onLeave(() => delete window.dutybookScan);

  const codeInput = h('input', { type: 'text', autocomplete: 'off', autocapitalize: 'characters' });
  const form = h(
    'form',
    {
      class: 'codeform',
      onsubmit: async (e) => {
        e.preventDefault();
        if (codeInput.value.trim()) await onCode(codeInput.value, e);
        codeInput.value = '';
      },
    },
    field(t('type_code'), codeInput),
    h('button', { type: 'submit' }, t('submit_code')),
  );
  const video = h('video', { class: 'camera', playsinline: true, muted: true, hidden: true });
  let stop = null;
  const scanBtn = h(
    'button',
    {
      type: 'button',
      class: 'primary wide',
      onclick: async () => {
        if (stop) {
          stop();
          stop = null;
          video.hidden = true;
          scanBtn.textContent = t('scan');
          return;
        }
        try {
          video.hidden = false;
          stop = await startScanner(video, (code) => onCode(code));
          scanBtn.textContent = t('stop_scan');
        } catch {
          video.hidden = true;
          toast(t('camera_failed'), 'warn');
        }
      },
    },
    t('scan'),
  );
  onLeave(() => stop?.());
  const partner = h('input', { type: 'text', value: draft.second_person || '' });
  partner.addEventListener('input', (e) => {
    draft.second_person = partner.value;
    saveDraft(draft, e.timeStamp);
  });
  const warn = h('p', { class: 'flag', role: 'alert' });
  draw();
  return h(
    'section',
    { class: 'round' },
    h('h1', {}, def.title),
    clock,
    remaining,
    scanBtn,
    video,
    form,
    people >= 2 ? field(t('second_person'), partner, h('p', { class: 'hint' }, t('second_person_needed', { n: people }))) : null,
    list,
    log,
    h('a', { class: 'button', href: `#/exception/new?${new URLSearchParams({ def: draft.def_id })}` }, t('report_exception')),
    warn,
    h(
      'button',
      {
        type: 'button',
        class: 'primary wide',
        id: 'finish',
        onclick: async () => {
          if (people >= 2 && !draft.second_person.trim()) {
            warn.textContent = t('second_person_needed', { n: people });
            return;
          }
          const reached = new Set(draft.scans.filter((s) => s.checkpoint && !s.flag).map((s) => s.checkpoint));
          const missed = def.checkpoints.filter((c) => !reached.has(c.id)).map((c) => c.id);
          const data = {
            started_at: draft.started_at,
            finished_at: store.isoNow(),
            elapsed_s: Math.round((Date.now() - draft.started_ms) / 1000),
            order: def.order,
            people,
            second_person: draft.second_person.trim() || null,
            scans: draft.scans,
            missed,
            complete: missed.length === 0,
            shift: app.user.shift || null,
          };
          await finish(draft, data);
          location.hash = '#/';
        },
      },
      t('end_round'),
    ),
  );
}

// --- exceptions ------------------------------------------------------------------------------

export async function newException(params) {
  const draft = {
    id: crypto.randomUUID(),
    owner: app.user.username,
    type: 'exception',
    def_id: params.get('def') || null,
    def_version: params.get('def') ? doc(params.get('def'))?.version ?? null : null,
    site: currentSite(),
    started_at: store.isoNow(),
    item: params.get('item') || null,
    emergency: params.get('plan') || null,
    category: 'other',
    note: '',
    photos: [],
  };
  await saveDraft(draft);
  location.replace(`#/exception/${draft.id}`);
}

export async function exceptionView(id) {
  const draft = await store.getDraft(id);
  if (!draft) return h('p', {}, t('saved'));
  const source = draft.def_id ? doc(draft.def_id)?.doc : null;
  const category = h(
    'select',
    {
      onchange: (e) => {
        draft.category = e.target.value;
        saveDraft(draft, e.timeStamp);
      },
    },
    categories().map((c) => h('option', { value: c, selected: c === draft.category }, t(`categories.${c}`))),
  );
  const note = h('textarea', { rows: 4, value: draft.note });
  note.addEventListener('input', (e) => {
    draft.note = note.value;
    saveDraft(draft, e.timeStamp);
  });
  // the server files every exception under a checklist, patrol or procedure
  const sources = Object.entries(docs()).filter(
    ([, e]) => ['checklist', 'patrol', 'procedure'].includes(e.kind) && appliesToMe(e.doc),
  );
  // a report on its own names what it is about; guessing would file it under the wrong page
  const aboutError = h('p', { class: 'error', id: 'about-error', role: 'alert' });
  const about = h(
    'select',
    {
      id: 'about',
      'aria-describedby': 'about-error',
      onchange: (e) => {
        draft.def_id = e.target.value || null;
        draft.def_version = e.target.value ? doc(e.target.value).version : null;
        aboutError.textContent = '';
        saveDraft(draft, e.timeStamp);
      },
    },
    h('option', { value: '', selected: !draft.def_id }, t('choose_about')),
    sources.map(([sid, e]) => h('option', { value: sid, selected: sid === draft.def_id }, e.doc.title)),
  );
  const plans = Object.entries(docs()).filter(([, e]) => e.kind === 'emergency');
  const plan = h(
    'select',
    {
      onchange: (e) => {
        draft.emergency = e.target.value || null;
        saveDraft(draft, e.timeStamp);
      },
    },
    h('option', { value: '' }, t('none')),
    plans.map(([pid, e]) => h('option', { value: pid, selected: pid === draft.emergency }, e.doc.title)),
  );
  return h(
    'section',
    { class: 'exception' },
    h('h1', {}, t('report_exception')),
    source && draft.item
      ? h('p', { class: 'muted' }, `${source.title} · ${draft.item}`)
      : h('div', {}, field(t('about'), about), aboutError),
    field(t('category'), category),
    field(t('note'), note),
    photoPicker(draft.photos, (list) => {
      draft.photos = [...list];
      return saveDraft(draft);
    }),
    field(t('plan_link'), plan),
    h(
      'button',
      {
        type: 'button',
        class: 'primary wide',
        id: 'finish',
        onclick: async () => {
          if (!draft.def_id) {
            aboutError.textContent = t('about_required');
            about.focus();
            return;
          }
          const data = {
            category: draft.category,
            note: draft.note,
            photos: draft.photos,
            item: draft.item,
            emergency: draft.emergency,
            started_at: draft.started_at,
          };
          await finish(draft, data, draft.photos);
          history.length > 1 ? history.back() : (location.hash = '#/');
        },
      },
      t('save_exception'),
    ),
  );
}

// --- emergency mode --------------------------------------------------------------------------

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
      plans.map(([id, e]) => h('li', {}, h('a', { class: 'button danger wide', href: `#/emergency/${id}` }, e.doc.title))),
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

function contactLinks(plan, draft) {
  const ids = [...new Set([...(plan.contacts || []), 'duty-supervisor'])];
  return ids
    .map(contact)
    .filter(Boolean)
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

export async function incidentView(id) {
  const draft = await store.getDraft(id);
  if (!draft) return h('p', {}, t('saved'));
  const plan = doc(draft.def_id).doc;
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
            actions: plan.first_actions.map((a, i) => ({
              index: i,
              text: a.text,
              done_at: draft.actions[i]?.done_at ?? null,
              done_by: draft.actions[i]?.done_by ?? null,
            })),
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
