// Start-up and routing: the views each route draws, the service worker and the page's events.
import { accountView, activate, loginView, signedOut, switchedIn } from './account.js';
import { runView, startChecklist } from './checklist.js';
import { loadDefinitions } from './definitions.js';
import { drillView, startDrill } from './drill.js';
import { emergencyList, incidentView, planView, startIncident } from './emergency.js';
import { showNotice } from './handbook_notice.js';
import { handoverView, takeoverView, withHandover } from './handover.js';
import { refreshStatus } from './header.js';
import { setLang, t } from './i18n.js';
import { courseView, learnView, readView } from './learn.js';
import { backgroundSynced, kickSync, outboxView, requestBackgroundSync } from './outbox.js';
import { roundView, startPatrol } from './patrol.js';
import * as people from './people.js';
import { exceptionView, newException } from './report.js';
import { drawWith, route } from './screen.js';
import { app, settled, startWriter } from './state.js';
import * as store from './store.js';
import { ticketScreen, ticketsListView } from './tickets.js';
import { todayView } from './today.js';
import { h, toast } from './ui.js';

const main = () => document.getElementById('main');

// --- routing ---------------------------------------------------------------------------------

const SIGNED_OUT_VIEWS = {
  emergency: (r) => (r.arg ? planView(r.arg) : emergencyList()),
  outbox: outboxView,
};

let leaving = [];
let renderSeq = 0;

async function render() {
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
      today: async () => withHandover(await todayView()),
      checklist: () => startChecklist(r.arg),
      run: () => runView(r.arg),
      patrol: () => startPatrol(r.arg),
      round: () => roundView(r.arg, { onLeave }),
      exception: () => (r.arg === 'new' ? newException(r.params) : exceptionView(r.arg)),
      emergency: () => (r.arg ? startIncident(r.arg) : emergencyList()),
      incident: () => incidentView(r.arg),
      drill: () => startDrill(r.arg),
      drilling: () => drillView(r.arg),
      handover: () => handoverView(r.arg),
      takeover: () => takeoverView(r.arg),
      tickets: ticketsListView,
      ticket: () => ticketScreen(r.arg),
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
  showNotice();
  // a screen inside a tab marks its tab: one ticket is under 工单
  const tab = { today: '', ticket: 'tickets', drill: 'emergency', drilling: 'emergency', handover: '', takeover: '' }[r.name] ?? r.name;
  document.querySelectorAll('nav a').forEach((a) => {
    a.setAttribute('aria-current', a.getAttribute('href') === `#/${tab}` ? 'page' : 'false');
  });
  document.body.dataset.view = r.name;
}

// --- start -----------------------------------------------------------------------------------

// The first install: how much of the handbook is on the phone yet (an update says nothing
// until it is ready; the old version keeps working meanwhile).
function installProgress({ done, total, first }) {
  if (!first) return;
  const bar = document.getElementById('install-bar');
  bar.max = total;
  bar.value = done;
  document.getElementById('install-text').textContent = t('install_progress', { done, total });
  document.getElementById('install').hidden = done >= total;
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data?.type === 'synced') {
      backgroundSynced(e.data);
      return;
    }
    if (e.data?.type === 'precache') {
      installProgress(e.data);
      return;
    }
    if (e.data?.type !== 'activated') return;
    document.getElementById('install').hidden = true;
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

drawWith(render);
window.dutybook = { app, store, kickSync, render, settled };
boot();
