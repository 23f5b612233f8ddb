// The outbox: pushing it (one sync at a time, with back-off), its screen and its export file.
import { loadDefinitions } from './definitions.js';
import { refreshStatus, setStatus } from './header.js';
import { t } from './i18n.js';
import { render, route } from './screen.js';
import { app, docs } from './state.js';
import * as store from './store.js';
import { refreshSiteDay } from './site_day.js';
import { syncAll } from './sync.js';
import { refreshTickets } from './ticket_data.js';
import { fmtDateTime, h, toast } from './ui.js';

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
    // the tickets as the server now has them, with what this push did to them
    await refreshTickets().catch(() => null);
    // what the site's other phones have done in the current periods, for Today
    await refreshSiteDay().catch(() => null);
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

export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    await reg?.sync?.register('outbox');
  } catch {
    // no Background Sync here: the timer and the `online` event still push
  }
}

/** The service worker pushed the outbox (Background Sync): say so, as a sync of our own would. */
export async function backgroundSynced({ created = 0, duplicate = 0, at }) {
  await refreshStatus();
  setStatus(`${t('synced_in_background', { n: created + duplicate })} · ${t('last_sync', { t: fmtDateTime(at) })}`);
  await Promise.all([refreshTickets().catch(() => {}), refreshSiteDay().catch(() => {})]);
  if (['outbox', 'today'].includes(route().name)) render();
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
export function errorText(error) {
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

export async function outboxView() {
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
