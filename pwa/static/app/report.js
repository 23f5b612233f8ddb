// Exception reports: a new report (from an item, a round or on its own) and its form.
import { finish } from './draft.js';
import { categories, t } from './i18n.js';
import { photoPicker } from './photos.js';
import { app, appliesToMe, currentSite, doc, docs, saveDraft } from './state.js';
import * as store from './store.js';
import { field, h } from './ui.js';

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
    ([, e]) => ['checklist', 'patrol', 'procedure'].includes(e.kind) && appliesToMe(e),
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
