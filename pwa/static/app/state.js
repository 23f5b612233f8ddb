// What every view shares: the signed-in user, their definitions, and save timing.
import { getLang } from './i18n.js';
import { appliesTo } from './schedule.js';
import * as store from './store.js';

export const app = {
  user: null, // {username, token, user, roles, sites, expires_at, needs_login, site, shift}
  bundle: null, // the definitions for this user (DESIGN.md bundle format 1)
  online: navigator.onLine,
  // time from a tap to the change being committed in IndexedDB, ms (read by the benchmark)
  saves: [],
  commits: [],
  rerender: () => {},
};

const KIND_DIRS = {
  procedure: 'procedures',
  checklist: 'checklists',
  patrol: 'patrols',
  emergency: 'emergencies',
  course: 'courses',
};

export function docs() {
  return app.bundle?.documents || {};
}

export function doc(id) {
  return docs()[id];
}

/**
 * The document a draft was started with: a checklist or round begun before a new handbook
 * version arrived is finished against the version it began with (the record names it).
 */
export function draftEntry(draft) {
  return draft.entry || doc(draft.def_id);
}

/** The handbook's own words for a document (durations, ranges) in the interface language. */
export function derived(id, entry = doc(id)) {
  return (getLang() === 'en' ? entry?.derived_en : entry?.derived) || {};
}

/** Handbook URL of a document, or of one step ("ENG-REPAIR#repair" -> #step-repair). */
export function docUrl(ref) {
  const [id, step] = ref.split('#');
  const entry = doc(id);
  const base = entry?.url
    ? `/${entry.url.replace(/^\//, '')}`
    : `/${KIND_DIRS[entry?.kind] || 'procedures'}/${id.toLowerCase()}/`;
  return step ? `${base}#step-${step}` : base;
}

export function siteDoc() {
  return app.bundle?.site || {};
}

export function contact(id) {
  return (siteDoc().contacts || []).find((c) => c.id === id);
}

export function roleName(id) {
  const role = (siteDoc().roles || []).find((r) => r.id === id);
  return role ? role.name : id;
}

export function siteIds() {
  return (app.user?.sites || []).map((s) => (typeof s === 'string' ? s : s.id));
}

export function siteName(id) {
  for (const p of siteDoc().properties || []) if (p.id === id) return p.name;
  return id;
}

export function currentSite() {
  const ids = siteIds();
  return ids.includes(app.user?.site) ? app.user.site : ids[0];
}

export function displayName(user = app.user) {
  const u = user?.user;
  return (u && typeof u === 'object' ? u.display_name || u.name || u.username : u) ||
    user?.username;
}

/** Whether a bundle entry applies to the current user's roles and site. */
export function appliesToMe(entry) {
  return appliesTo(entry, app.user?.roles || [], currentSite());
}

// --- draft writes ---------------------------------------------------------------------------
// Each change goes to writer.js (a worker) which commits it in IndexedDB; see there for why.
// Writes stay in order, and `settled()` waits for every one posted so far, so nothing reads or
// finishes a draft while an older copy of it is still on its way to the disk.

const writes = { worker: null, n: 0, waiting: new Map(), last: Promise.resolve() };

/** Start the draft writer; without module workers every write happens on this thread. */
export function startWriter() {
  if (writes.worker || typeof Worker === 'undefined') return;
  try {
    writes.worker = new Worker(new URL('./writer.js', import.meta.url), { type: 'module' });
  } catch {
    return;
  }
  writes.worker.addEventListener('message', ({ data }) => {
    const w = writes.waiting.get(data.n);
    if (!w) return;
    writes.waiting.delete(data.n);
    if (data.error) w.reject(new Error(data.error));
    else w.resolve(data.at - performance.timeOrigin);
  });
  writes.worker.addEventListener('error', () => {
    // the worker could not start: write what it was given here, in the same order
    writes.worker = null;
    const pending = [...writes.waiting.values()];
    writes.waiting.clear();
    for (const w of pending) direct(w.draft).then(w.resolve, w.reject);
  });
}

async function direct(draft) {
  await store.putDraft(draft);
  return performance.now();
}

function write(draft) {
  if (!writes.worker) return direct(draft);
  const n = ++writes.n;
  return new Promise((resolve, reject) => {
    writes.waiting.set(n, { draft, resolve, reject });
    writes.worker.postMessage({ n, draft });
  });
}

/** Resolves once every draft write posted so far is committed (or has failed). */
export function settled() {
  return writes.last;
}

/**
 * Save a draft and time it from the event that caused it to the commit in IndexedDB.
 * The draft is copied when this is called; later changes to it need another save.
 */
export function saveDraft(draft, startedAt = performance.now()) {
  const handled = performance.now();
  draft.updated_at = Date.now();
  const stored = write(draft).then((at) => {
    // from the input event's own timestamp, and from when our handler got it
    app.saves.push(at - startedAt);
    app.commits.push(at - handled);
    if (app.saves.length > 2000) {
      app.saves.splice(0, 1000);
      app.commits.splice(0, 1000);
    }
  });
  writes.last = stored.catch(() => {});
  return stored;
}
