// The "手册已更新" notice: what changed in the handbook, for this person, since the copy the
// phone had before (GET /api/v1/handbook/changes), with links to the changed pages. It stays
// until dismissed, so a phone that picked a version up in the background still says so.
import { getLang } from './i18n.js';
import { NOTICE_WORDS } from './notice_words.js';
import { app } from './state.js';
import * as store from './store.js';
import { h } from './ui.js';

const key = (username) => `handbook_notice:${username}`;

/** The notice's words in the interface language (notice_words.js). */
function t(name, vars = {}) {
  const text = (NOTICE_WORDS[getLang()] || NOTICE_WORDS.zh)[name] ?? name;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? vars[k] : `{${k}}`));
}

/** What changed since bundle `previous`; kept for the notice. Null when the server cannot say
 * (a handbook copied by hand, never published) or nothing this person sees changed. */
export async function fetchChanges(user, previous) {
  try {
    const resp = await fetch(`/api/v1/handbook/changes?from=${encodeURIComponent(previous)}`, {
      headers: { Authorization: `Bearer ${user.token}` },
    });
    if (!resp.ok) return null;
    const changes = await resp.json();
    if (!changes.count) return null;
    await store.kvSet(key(user.username), changes);
    return changes;
  } catch {
    return null; // offline again: the plain toast said enough
  }
}

function versions(d) {
  if (d.level === 'major') return `v${d.old} → v${d.new} · ${t('reack')}`;
  if (d.old && d.new && d.old !== d.new) return `v${d.old} → v${d.new}`;
  return t('changed');
}

function line(d, what) {
  const label = what === 'added' ? t('added') : what === 'removed' ? t('removed') : versions(d);
  const title = what === 'removed' ? h('span', {}, d.title) : h('a', { href: `/${d.url || ''}` }, d.title);
  return h('li', { class: d.level === 'major' ? 'major' : '', dataset: { doc: d.id } }, title, ' ', h('span', { class: 'muted' }, label));
}

/** Draw the notice above the screen, or hide it. */
export async function showNotice() {
  const box = document.getElementById('handbook-notice');
  if (!box) return;
  const changes = app.user ? await store.kvGet(key(app.user.username)) : null;
  if (!changes) {
    box.hidden = true;
    return;
  }
  const words = changes.major
    ? t('major', { n: changes.count, m: changes.major })
    : t('count', { n: changes.count });
  const items = [
    ...changes.changed.map((d) => line(d, 'changed')),
    ...changes.added.map((d) => line(d, 'added')),
    ...changes.removed.map((d) => line(d, 'removed')),
  ];
  const dismiss = () => {
    box.hidden = true;
    return store.kvSet(key(app.user.username), null);
  };
  box.replaceChildren(
    h('p', {}, h('strong', {}, t('title')), ' ', h('span', { id: 'notice-words' }, words)),
    h('ul', { class: 'notice-list' }, items),
    h('button', { type: 'button', id: 'notice-dismiss', onclick: dismiss }, t('ok')),
  );
  box.hidden = false;
}
