// Start-up, routing, Today, the outbox, the account page and the sync schedule.
import { runView, startChecklist } from './checklist.js';
import { emergencyList, incidentView, planView, startIncident } from './emergency.js';
import { getLang, setLang, t } from './i18n.js';
import { courseView, learnView, readView } from './learn.js';
import { roundView, startPatrol } from './patrol.js';
import * as people from './people.js';
import { exceptionView, newException } from './report.js';
import { today } from './schedule.js';
import {
  app,
  currentSite,
  displayName,
  docs,
  settled,
  siteDoc,
  siteIds,
  siteName,
  startWriter,
} from './state.js';
import * as store from './store.js';
import { AuthError, refreshDefinitions, syncAll } from './sync.js';
import { field, fmtDateTime, fmtTime, h, toast } from './ui.js';

const main = () => document.getElementById('main');

// --- sign-in -------------------------------------------------------------------------------

async function signIn(username, password, pin = null) {
  const resp = await fetch('/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password, device_id: await store.deviceId() }),
  });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(body.message || `HTTP ${resp.status}`);
  const before = (await store.allUsers()).find((u) => u.username === username) || {};
  if (before.token && before.token !== body.token) {
    // the person's old token on this phone (e.g. kept for uploads after a sign-out) ends now
    fetch('/api/v1/session', { method: 'DELETE', headers: { Authorization: `Bearer ${before.token}` } }).catch(() => {});
  }
  const user = {
    site: null,
    shift: null,
    ...before,
    username,
    token: body.token,
    user: body.user,
    roles: body.roles,
    sites: body.sites,
    expires_at: body.expires_at,
    needs_login: false,
    signed_out: false,
    // a new PIN replaces the old one; without one, a PIN set earlier on this phone stays
    pin: pin ? await people.makePin(pin) : before.pin || null,
    // a course's due date counts from joining; this phone's first sign-in stands in for it
    first_sign_in: before.first_sign_in || store.isoNow(),
  };
  await store.saveUser(user);
  await store.setCurrent(username);
  app.user = user;
  await loadDefinitions(true);
  kickSync('sign-in');
}

async function loginView({ username = '' } = {}) {
  const name = h('input', { type: 'text', autocomplete: 'username', value: username, required: true });
  const pass = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const pin = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 8, class: 'pin' });
  const error = h('p', { class: 'flag', role: 'alert' });
  const here = (await store.allUsers()).filter((u) => u.username !== app.user?.username);
  return h(
    'section',
    { class: 'login' },
    h('h1', {}, t('sign_in')),
    h(
      'form',
      {
        onsubmit: async (e) => {
          e.preventDefault();
          if (!navigator.onLine) {
            error.textContent = t('sign_in_offline');
            return;
          }
          if (pin.value && !people.validPin(pin.value)) {
            error.textContent = t('pin_invalid');
            return;
          }
          try {
            await signIn(name.value.trim(), pass.value, pin.value || null);
            location.hash = '#/';
            render();
          } catch (err) {
            error.textContent = t('sign_in_failed', { msg: err.message });
          }
        },
      },
      field(t('username'), name),
      field(t('password'), pass),
      field(t('pin_new'), pin, h('small', { class: 'muted' }, t('pin_hint'))),
      error,
      h('button', { type: 'submit', class: 'primary wide' }, t('sign_in')),
    ),
    here.length ? h('h2', {}, t('people_here')) : null,
    here.length ? await people.peopleList(here) : null,
  );
}

/** Make a person who proved it is them (PIN) the one signed in now. */
async function activate(user) {
  await store.setCurrent(user.username);
  app.user = user;
  await loadDefinitions(false);
  location.hash = '#/';
  await refreshStatus();
  render();
  kickSync('switch');
}

async function switchedIn(username, password, pin) {
  await signIn(username, password, pin);
  location.hash = '#/';
  render();
}

function signedOut(user) {
  app.user = null;
  app.bundle = null;
  toast(t('signed_out', { name: user.username }));
  // pushes what they left and then ends their token on the server
  kickSync('sign-out');
  location.hash = '#/login';
  refreshStatus();
  render();
}

// --- definitions and sync --------------------------------------------------------------------

async function loadDefinitions(fetchNow = false) {
  const cached = await store.bundleFor(app.user.username);
  app.bundle = cached?.bundle || null;
  if (!fetchNow || !navigator.onLine || app.user.needs_login) return;
  try {
    const { changed, first, bundle } = await refreshDefinitions(app.user);
    app.bundle = bundle;
    if (changed && !first) toast(t('handbook_updated'));
    if (changed) render();
  } catch (err) {
    if (err instanceof AuthError) app.user = await store.currentUser();
    // offline or server down: the cached definitions serve
  }
}

const backoff = { failures: 0, timer: null };

function schedule(ms) {
  clearTimeout(backoff.timer);
  backoff.timer = setTimeout(() => kickSync('timer'), ms);
}

let syncing = null;
export function kickSync(reason) {
  // one sync at a time; later calls share the running one
  if (!syncing) syncing = runSync(reason).finally(() => (syncing = null));
  return syncing;
}

async function runSync(reason) {
  setStatus(t('syncing'));
  try {
    if (!navigator.onLine) throw new Error(t('offline'));
    const summary = await syncAll();
    backoff.failures = 0;
    if (summary.needLogin.includes(app.user?.username)) app.user = await store.currentUser();
    if (summary.created || summary.duplicate) toast(t('sync_done', summary));
    // new definitions and a new app version are looked for after the push, not as part of it
    if (reason !== 'timer' && app.user && !app.user.needs_login) loadDefinitions(true).then(refreshStatus);
    navigator.serviceWorker?.getRegistration().then((reg) => reg?.update()).catch(() => {});
    schedule(60_000);
  } catch (err) {
    backoff.failures += 1;
    // 5 s, 10 s, 20 s … capped at 15 min, with jitter so a compound's phones spread out
    const delay = Math.min(15 * 60_000, 5000 * 2 ** (backoff.failures - 1));
    schedule(delay * (0.75 + Math.random() / 2));
    if (navigator.onLine && reason === 'manual') toast(t('sync_failed', { msg: err.message }), 'warn');
  } finally {
    await refreshStatus();
    if (['outbox', 'today'].includes(route().name)) render();
  }
}

async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    await reg?.sync?.register('outbox');
  } catch {
    // no Background Sync here: the timer and the `online` event still push
  }
}

// --- header ----------------------------------------------------------------------------------

function setStatus(text) {
  const el = document.getElementById('sync-state');
  if (el) el.textContent = text;
}

async function refreshStatus() {
  const count = await store.outboxCount();
  const last = await store.kvGet('last_sync');
  document.getElementById('unsynced').textContent = t('unsynced', { n: count });
  document.getElementById('unsynced').dataset.count = count;
  document.getElementById('net').textContent = navigator.onLine ? t('online') : t('offline');
  document.getElementById('net').className = navigator.onLine ? 'net on' : 'net off';
  setStatus(t('last_sync', { t: last ? fmtDateTime(last) : t('never') }));
  const banner = document.getElementById('relogin');
  banner.hidden = !app.user?.needs_login;
  document.querySelectorAll('[data-t]').forEach((el) => {
    el.textContent = t(el.dataset.t);
  });
}

// --- views -----------------------------------------------------------------------------------

const STATE_CLASS = { done: 'done', due: 'due', late: 'late', upcoming: 'later' };

async function todayView() {
  const site = currentSite();
  const shifts = siteDoc().shifts || [];
  const history = (await store.historyAll()).filter((r) => r.site === site);
  const drafts = await store.draftsOf(app.user.username);
  const open = new Set(drafts.map((d) => d.def_id));
  const { shift, rows } = today({
    documents: docs(),
    shifts,
    roles: app.user.roles || [],
    site,
    shiftId: app.user.shift,
    history,
    zone: siteDoc().timezone,
  });
  return h(
    'section',
    { class: 'today' },
    h('a', { class: 'button danger big', href: '#/emergency', id: 'emergency-button' }, `⚠ ${t('emergency_button')}`),
    h('h1', {}, `${t('today')} · ${siteName(site)} · ${shift?.name || ''}`),
    rows.length ? null : h('p', {}, t('nothing_due')),
    h(
      'ul',
      { class: 'list' },
      rows.map((r) =>
        h(
          'li',
          {},
          h(
            'a',
            { class: 'row', href: `#/${r.kind}/${r.id}`, dataset: { def: r.id, state: r.state } },
            h('span', { class: 'title' }, r.title, h('small', {}, ` ${r.kind === 'patrol' ? t('patrol') : t('checklist')}`)),
            h(
              'span',
              { class: `chip ${open.has(r.id) ? 'due' : STATE_CLASS[r.state]}` },
              open.has(r.id) ? t('in_progress') : t(`state_${r.state}`),
              ` ${t('progress', r)}`,
              r.state === 'upcoming' ? ` · ${t('due_at', { t: fmtTime(r.next.due) })}` : '',
            ),
          ),
        ),
      ),
    ),
    h('a', { class: 'button wide', href: '#/exception/new' }, t('report_exception')),
  );
}

function download(name, text) {
  const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/json' })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

function base64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result.slice(reader.result.indexOf(',') + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Every unsynced record (or the one given) with the photos it names, so the file alone can restore them. */
async function exportBody(only = null) {
  const entries = (await store.outboxAll())
    .filter((e) => !only || e.id === only)
    .sort((a, b) => a.record.seq - b.record.seq);
  const blobs = {};
  for (const sha of new Set(entries.flatMap((e) => e.blobs || []))) {
    const row = await store.getBlob(sha);
    if (row) blobs[sha] = { type: row.type, uploaded: row.uploaded, base64: await base64(row.blob) };
  }
  return { format: 1, exported_at: store.isoNow(), device_id: await store.deviceId(), entries, blobs };
}

/** The server's reason for an entry, in words: a refused field, an HTTP failure, a bad answer. */
function errorText(error) {
  if (typeof error === 'string') return error;
  if (error.malformed) return t('error_malformed', { status: error.status });
  if (error.status) {
    const details = (error.details || []).map((d) => `${(d.loc || []).join('.')}: ${d.msg}`);
    return t('error_http', { status: error.status, msg: [error.message, ...details].filter(Boolean).join(' · ') });
  }
  if (error.msg) return `${(error.loc || []).join('.')}: ${error.msg}`;
  return JSON.stringify(error);
}

// A phone a week offline can hold thousands of records; drawing them all would freeze it.
const OUTBOX_SHOWN = 100;

async function outboxView() {
  // conflicts and rejections first: they are the ones that need a person
  const stuckFirst = (e) => e.status !== 'pending' || (e.failures || 0) >= store.STUCK_AFTER;
  const entries = (await store.outboxAll()).sort(
    (a, b) => stuckFirst(b) - stuckFirst(a) || a.record.seq - b.record.seq,
  );
  const users = await store.allUsers();
  const last = await store.kvGet('last_sync');
  const needLogin = users.filter((u) => u.needs_login && entries.some((e) => e.owner === u.username));
  const stuck = (e) => e.status !== 'pending' || (e.failures || 0) >= store.STUCK_AFTER;
  return h(
    'section',
    { class: 'outbox' },
    h('h1', {}, t('unsynced', { n: entries.length })),
    h('p', {}, t('last_sync', { t: last ? fmtDateTime(last) : t('never') })),
    app.persisted === undefined
      ? null
      : h('p', { id: 'storage', class: app.persisted ? 'muted' : 'flag' },
        t(app.persisted ? 'storage_persisted' : 'storage_not_persisted')),
    needLogin.map((u) => h('p', { class: 'flag' },
      h('a', { href: `#/switch?u=${encodeURIComponent(u.username)}` }, `${u.username}: ${t('sign_in_again')}`))),
    h('button', { type: 'button', class: 'primary wide', id: 'sync-now', onclick: () => kickSync('manual') }, t('sync_now')),
    h(
      'button',
      {
        type: 'button',
        class: 'wide',
        id: 'export',
        onclick: async () => {
          download(`dutybook-unsynced-${Date.now()}.json`, JSON.stringify(await exportBody(), null, 2));
        },
      },
      t('export'),
    ),
    entries.length ? null : h('p', {}, t('outbox_empty')),
    h(
      'ul',
      { class: 'list' },
      entries.slice(0, OUTBOX_SHOWN).map((e) =>
        h(
          'li',
          { class: `entry ${e.status}${stuck(e) ? ' stuck' : ''}`, dataset: { id: e.id, status: e.status, failures: e.failures || 0 } },
          h('strong', {}, `${t(`types.${e.record.type}`)} · ${docs()[e.record.def_id]?.doc.title || e.record.def_id || ''}`),
          h('div', { class: 'muted' }, `${e.owner} · #${e.record.seq} · ${fmtDateTime(new Date(e.record.recorded_at))}`),
          h('div', { class: `chip ${stuck(e) ? 'late' : 'later'}` },
            e.status === 'pending' && e.failures ? t('status_failing', { n: e.failures }) : t(`status_${e.status}`)),
          e.error ? h('div', { class: 'flag reason' }, errorText(e.error)) : null,
          e.status === 'pending' && e.retry_at ? h('div', { class: 'muted' }, t('retry_at', { t: fmtDateTime(e.retry_at) })) : null,
          stuck(e)
            ? h('button', {
              type: 'button',
              class: 'export-one',
              onclick: async () => {
                download(`dutybook-record-${e.id}.json`, JSON.stringify(await exportBody(e.id), null, 2));
              },
            }, t('export_one'))
            : null,
        ),
      ),
    ),
    entries.length > OUTBOX_SHOWN ? h('p', { class: 'muted', id: 'more' }, t('more_entries', { n: entries.length - OUTBOX_SHOWN })) : null,
  );
}

async function accountView() {
  const users = await store.allUsers();
  const shifts = siteDoc().shifts || [];
  const saveUser = async (patch) => {
    app.user = { ...app.user, ...patch };
    await store.saveUser(app.user);
    render();
  };
  return h(
    'section',
    { class: 'account' },
    h('h1', {}, `${t('current_user')}：${displayName()}`),
    h('p', { class: 'muted', id: 'signed-in-as' }, t('signed_in_until', {
      name: app.user.username,
      t: app.user.expires_at ? fmtDateTime(Date.parse(app.user.expires_at)) : '—',
    })),
    document.body.dataset.offlineReady
      ? h('p', { id: 'offline-state', class: 'offline-state ok' }, t('offline_ready'))
      : h('p', { id: 'offline-state', class: 'offline-state wait' }, t('offline_not_ready')),
    field(
      t('site'),
      h('select', { onchange: (e) => saveUser({ site: e.target.value }) },
        siteIds().map((s) => h('option', { value: s, selected: s === currentSite() }, siteName(s)))),
    ),
    field(
      t('shift'),
      h('select', { onchange: (e) => saveUser({ shift: e.target.value || null }) },
        h('option', { value: '' }, t('shift_auto')),
        shifts.map((s) => h('option', { value: s.id, selected: s.id === app.user.shift }, `${s.name} ${s.start}–${s.end}`))),
    ),
    field(
      t('language'),
      h('select', {
        id: 'lang',
        onchange: async (e) => {
          setLang(e.target.value);
          await store.kvSet('lang', e.target.value);
          await refreshStatus();
          render();
        },
      },
      h('option', { value: 'zh', selected: getLang() === 'zh' }, '简体中文'),
      h('option', { value: 'en', selected: getLang() === 'en' }, 'English')),
    ),
    h('h2', {}, t('switch_user')),
    // who is signed in now is marked; any other name asks for their PIN or password
    await people.peopleList(users),
    h('a', { class: 'button wide', href: '#/login' }, t('add_user')),
    h('a', { class: 'button wide danger-outline', href: '#/signout', id: 'sign-out' }, t('sign_out')),
  );
}

// --- routing ---------------------------------------------------------------------------------

function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  return { name: parts[0] || 'today', arg: parts[1] ? decodeURIComponent(parts[1]) : null, params: new URLSearchParams(query) };
}

const SIGNED_OUT_VIEWS = {
  emergency: (r) => (r.arg ? planView(r.arg) : emergencyList()),
  outbox: outboxView,
};

let leaving = [];
let renderSeq = 0;

export async function render() {
  const seq = ++renderSeq;
  for (const fn of leaving) fn();
  leaving = [];
  await settled(); // views read drafts: let the writes already posted land first
  const onLeave = (fn) => leaving.push(fn);
  const r = route();
  let view;
  if (r.name === 'switch') {
    view = await people.switchView(r.params.get('u'), { activate, signIn: switchedIn });
  } else if (!app.user && SIGNED_OUT_VIEWS[r.name]) {
    // nobody signed in: the plans and their call buttons still open, from the phone
    app.bundle = await people.publicPlans();
    view = await SIGNED_OUT_VIEWS[r.name](r);
  } else if (!app.user || r.name === 'login') {
    view = await loginView({ username: r.params.get('u') || '' });
  } else if (!app.bundle) {
    await loadDefinitions(true);
    view = app.bundle ? await todayView() : h('p', {}, t('sign_in_offline'));
  } else {
    const views = {
      today: todayView,
      checklist: () => startChecklist(r.arg),
      run: () => runView(r.arg),
      patrol: () => startPatrol(r.arg),
      round: () => roundView(r.arg, { onLeave }),
      exception: () => (r.arg === 'new' ? newException(r.params) : exceptionView(r.arg)),
      emergency: () => (r.arg ? startIncident(r.arg) : emergencyList()),
      incident: () => incidentView(r.arg),
      learn: learnView,
      read: () => readView(r.arg),
      course: () => courseView(r.arg),
      outbox: outboxView,
      account: accountView,
      signout: () => people.signOutView({ done: signedOut }),
    };
    view = await (views[r.name] || todayView)();
  }
  if (!view || seq !== renderSeq) return; // a redirecting view, or a newer render won
  main().replaceChildren(view);
  document.querySelectorAll('nav a').forEach((a) => {
    a.setAttribute('aria-current', a.getAttribute('href') === `#/${r.name === 'today' ? '' : r.name}` ? 'page' : 'false');
  });
  document.body.dataset.view = r.name;
}

// --- start -----------------------------------------------------------------------------------

/** The service worker pushed the outbox (Background Sync): say so, as a sync of our own would. */
async function backgroundSynced({ created = 0, duplicate = 0, at }) {
  await refreshStatus();
  setStatus(`${t('synced_in_background', { n: created + duplicate })} · ${t('last_sync', { t: fmtDateTime(at) })}`);
  if (['outbox', 'today'].includes(route().name)) render();
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data?.type === 'synced') {
      backgroundSynced(e.data);
      return;
    }
    if (e.data?.type !== 'activated') return;
    app.workerVersion = e.data.version;
    if (e.data.first) {
      toast(t('offline_ready'));
    } else {
      const bar = document.getElementById('update');
      bar.hidden = false;
    }
    document.body.dataset.offlineReady = e.data.version;
    if (route().name === 'account') render();
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    document.body.dataset.offlineReady ||= 'yes';
  });
  const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/', type: 'module' });
  navigator.serviceWorker.ready.then((ready) => {
    if (navigator.serviceWorker.controller) document.body.dataset.offlineReady ||= 'yes';
    // Active but not ours: this page loaded between the worker's install and its claim, or
    // by a hard reload. Without a controller nothing is served from the cache offline.
    else ready.active?.postMessage({ type: 'claim' });
  });
  return reg;
}

async function boot() {
  startWriter();
  setLang((await store.kvGet('lang')) || 'zh');
  await store.deviceId();
  app.user = (await store.currentUser()) || null;
  if (app.user) await loadDefinitions(false);
  await refreshStatus();
  await render();
  // interactive: the first view is drawn from IndexedDB (read by the cold-start benchmark)
  app.readyAt = performance.now();
  document.body.dataset.ready = '1';
  window.addEventListener('hashchange', render);
  window.addEventListener('online', () => {
    refreshStatus();
    kickSync('online');
  });
  window.addEventListener('offline', refreshStatus);
  document.addEventListener('dutybook:queued', () => {
    refreshStatus();
    requestBackgroundSync();
    if (navigator.onLine) kickSync('queued');
  });
  document.getElementById('reload').addEventListener('click', () => location.reload());
  document.getElementById('relogin-link').addEventListener('click', () => {
    location.hash = `#/login?u=${encodeURIComponent(app.user?.username || '')}`;
  });
  registerWorker().catch(() => {});
  // keep the emergency plans on the phone for when nobody is signed in
  people.publicPlans().catch(() => {});
  // ask once per start: the browser then keeps IndexedDB (the outbox) under storage pressure
  navigator.storage?.persist?.().then((ok) => {
    app.persisted = ok;
    document.body.dataset.persisted = String(ok);
    if (route().name === 'outbox') render();
  });
  if (app.user) kickSync('open');
}

window.dutybook = { app, store, kickSync, render, settled };
boot();
