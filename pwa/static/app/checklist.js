// Checklist runs: each item's input, its range and failure prompts, and the finished run's data.
import { finish, openDraft } from './draft.js';
import { t } from './i18n.js';
import { photoPicker } from './photos.js';
import { app, derived, doc, docUrl, draftEntry, saveDraft } from './state.js';
import * as store from './store.js';
import { field, fmtTime, h } from './ui.js';

export async function startChecklist(defId) {
  const draft = await openDraft('checklist_run', defId, { fields: { values: {} } });
  location.replace(`#/run/${draft.id}`);
}

function outOfRange(item, value) {
  if (value === null || value === undefined || value === '' || Number.isNaN(value)) return false;
  return (item.min != null && value < item.min) || (item.max != null && value > item.max);
}

// The bundle carries the handbook's wording ("0.15–0.45 MPa", "≥ 1 台"): one rule, one place.
function rangeText(item, key, draft) {
  return t(key, { r: derived(draft.def_id, draftEntry(draft)).ranges?.[item.id] ?? '' });
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
      flag.textContent = bad ? rangeText(item, 'out_of_range_words', draft) : '';
      input.setAttribute('aria-invalid', String(bad));
      showFail(bad);
      return v;
    };
    input.addEventListener('input', (e) => save(check(), e));
    const unit = item.unit ? `（${item.unit}）` : '';
    const hint = item.min != null || item.max != null ? h('p', { class: 'hint' }, rangeText(item, 'range_words', draft)) : null;
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
  const def = draftEntry(draft)?.doc;
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
          // a handover checklist goes on to what the shift hands over (handover.js)
          location.hash = def.handover ? `#/handover/${draft.def_id}` : '#/';
        },
      },
      t('finish'),
    ),
  );
}
