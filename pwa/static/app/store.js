// The device's own database (IndexedDB through idb): sessions, outbox, drafts, photos, history.
// Used by the page and by the service worker, so nothing here touches the DOM.
import { openDB } from '../vendor/idb-8.0.4/index.js';

export const DB_NAME = 'dutybook';
let opening = null;

export function db() {
  if (!opening) {
    opening = openDB(DB_NAME, 1, {
      upgrade(d) {
        d.createObjectStore('kv');
        d.createObjectStore('users', { keyPath: 'username' });
        d.createObjectStore('bundles', { keyPath: 'username' });
        d.createObjectStore('outbox', { keyPath: 'id' }).createIndex('owner', 'owner');
        d.createObjectStore('drafts', { keyPath: 'id' }).createIndex('owner', 'owner');
        d.createObjectStore('blobs', { keyPath: 'sha256' });
        d.createObjectStore('history', { keyPath: 'id' }).createIndex('def', ['site', 'def_id']);
      },
      // A newer app version wants to upgrade the schema: let it, we reopen on next use.
      blocking() {
        opening.then((d) => d.close());
        opening = null;
      },
    });
  }
  return opening;
}

export async function kvGet(key) {
  return (await db()).get('kv', key);
}

export async function kvSet(key, value) {
  return (await db()).put('kv', value, key);
}

/** The device id, made once: the server counts `seq` per device. */
export async function deviceId() {
  const d = await db();
  const tx = d.transaction('kv', 'readwrite');
  let id = await tx.store.get('device_id');
  if (!id) {
    id = crypto.randomUUID();
    await tx.store.put(id, 'device_id');
  }
  await tx.done;
  return id;
}

/** Local time in ISO 8601 with the device's UTC offset, e.g. 2026-01-05T21:03:04.120+08:00. */
export function isoNow(date = new Date()) {
  const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`
  );
}

// --- users -------------------------------------------------------------------------------

export async function currentUser() {
  const name = await kvGet('current');
  return name ? (await db()).get('users', name) : undefined;
}

export async function saveUser(user) {
  return (await db()).put('users', user);
}

export async function allUsers() {
  return (await db()).getAll('users');
}

export async function setCurrent(username) {
  return kvSet('current', username);
}

/** Nobody is signed in on the phone now; every person's records and tokens stay. */
export async function clearCurrent() {
  return (await db()).delete('kv', 'current');
}

export async function getUser(username) {
  return (await db()).get('users', username);
}

/** Forget a person who left nothing behind on the phone: no records, no drafts. */
export async function removeUserIfEmpty(username) {
  const d = await db();
  const tx = d.transaction(['users', 'bundles', 'outbox', 'drafts'], 'readwrite');
  const left = (await tx.objectStore('outbox').index('owner').count(username)) +
    (await tx.objectStore('drafts').index('owner').count(username));
  if (!left) {
    await tx.objectStore('users').delete(username);
    await tx.objectStore('bundles').delete(username);
  }
  await tx.done;
  return !left;
}

// --- definitions -------------------------------------------------------------------------

export async function bundleFor(username) {
  return (await db()).get('bundles', username);
}

export async function saveBundle(username, etag, bundle) {
  return (await db()).put('bundles', { username, etag, bundle, fetched_at: Date.now() });
}

// --- drafts: work in progress, written on every change -----------------------------------

export async function getDraft(id) {
  return (await db()).get('drafts', id);
}

/**
 * Write a draft in its own transaction. Strict durability: the promise is that a dead battery
 * loses nothing already entered, and only a flushed write survives a power cut (relaxed
 * survives a closed tab or a crashed browser, not that). commit() sends the commit with the
 * put instead of after its answer comes back.
 */
export async function putDraft(draft) {
  const tx = (await db()).transaction('drafts', 'readwrite', { durability: 'strict' });
  const put = tx.store.put(draft);
  tx.commit?.();
  await Promise.all([put, tx.done]);
}

export async function draftsOf(owner) {
  return (await db()).getAllFromIndex('drafts', 'owner', owner);
}

export async function deleteDraft(id) {
  return (await db()).delete('drafts', id);
}

// --- photos ------------------------------------------------------------------------------

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function putBlob(owner, blob) {
  const sha256 = await sha256Hex(blob);
  const d = await db();
  const tx = d.transaction('blobs', 'readwrite');
  if (!(await tx.store.get(sha256))) {
    await tx.store.put({ sha256, owner, blob, type: blob.type, uploaded: false });
  }
  await tx.done;
  return sha256;
}

export async function getBlob(sha256) {
  return (await db()).get('blobs', sha256);
}

export async function markBlobUploaded(sha256) {
  const d = await db();
  const tx = d.transaction('blobs', 'readwrite');
  const row = await tx.store.get(sha256);
  if (row) await tx.store.put({ ...row, uploaded: true });
  await tx.done;
}

// --- records -----------------------------------------------------------------------------

/**
 * Turn finished work into a record in one transaction: next seq, outbox entry, history
 * line, and the draft removed (draftId) or written as it is now (draft). Either all of it is
 * on disk or none. `keep` adds fields to the history line (a ticket event's ticket and kind).
 */
export async function commitRecord(owner, fields, { draftId = null, blobs = [], keep = {}, draft = null } = {}) {
  const d = await db();
  const tx = d.transaction(['kv', 'outbox', 'history', 'drafts'], 'readwrite');
  const kv = tx.objectStore('kv');
  const device_id = await kv.get('device_id');
  const seq = ((await kv.get('seq')) || 0) + 1;
  await kv.put(seq, 'seq');
  const record = {
    id: fields.id || draftId || crypto.randomUUID(),
    type: fields.type,
    def_id: fields.def_id,
    def_version: fields.def_version,
    site: fields.site,
    device_id,
    seq,
    recorded_at: isoNow(),
    data: fields.data,
  };
  await tx.objectStore('outbox').put({
    id: record.id,
    owner,
    status: 'pending',
    error: null,
    blobs,
    record,
  });
  await tx.objectStore('history').put({
    id: record.id,
    owner,
    type: record.type,
    def_id: record.def_id,
    def_version: record.def_version,
    site: record.site,
    recorded_at: record.recorded_at,
    at: Date.now(),
    ...keep,
  });
  if (draftId) await tx.objectStore('drafts').delete(draftId);
  if (draft) await tx.objectStore('drafts').put({ ...draft, updated_at: Date.now() });
  await tx.done;
  return record;
}

export async function outboxAll() {
  return (await db()).getAll('outbox');
}

export async function outboxCount() {
  return (await db()).count('outbox');
}

export async function outboxOf(owner) {
  return (await db()).getAllFromIndex('outbox', 'owner', owner);
}

/** Apply the server's answer: only `created` and `duplicate` take a record off the device. */
export async function applyResults(results) {
  const d = await db();
  const tx = d.transaction('outbox', 'readwrite');
  const counts = { created: 0, duplicate: 0, conflict: 0, rejected: 0 };
  // issue every request at once and wait for the commit: awaiting each of 500 deletes in
  // turn costs a round trip apiece
  const pending = results.map(async (r) => {
    counts[r.status] = (counts[r.status] || 0) + 1;
    if (r.status === 'created' || r.status === 'duplicate') return tx.store.delete(r.id);
    const entry = await tx.store.get(r.id);
    if (entry) await tx.store.put({ ...entry, status: r.status, error: r.error ?? null });
  });
  await Promise.all([...pending, tx.done]);
  return counts;
}

// A record the server fails on its own waits longer each time, so it never holds the others
// back: 30 s, 1 min, 2 min … at most an hour. From the third failure 待同步 shows it as stuck.
export const STUCK_AFTER = 3;
const RETRY_FIRST = 30_000;
const RETRY_CAP = 60 * 60_000;

export function retryDelay(failures) {
  return Math.min(RETRY_CAP, RETRY_FIRST * 2 ** (failures - 1));
}

/** One more failed upload of an entry: it stays pending, with the reason and a later retry. */
export async function markFailure(id, error, now = Date.now()) {
  const d = await db();
  const tx = d.transaction('outbox', 'readwrite');
  const entry = await tx.store.get(id);
  if (entry) {
    const failures = (entry.failures || 0) + 1;
    await tx.store.put({ ...entry, failures, error, retry_at: now + retryDelay(failures) });
  }
  await tx.done;
}

export async function markEntries(ids, status, error) {
  const d = await db();
  const tx = d.transaction('outbox', 'readwrite');
  for (const id of ids) {
    const entry = await tx.store.get(id);
    if (entry) await tx.store.put({ ...entry, status, error });
  }
  await tx.done;
}

export async function historyFor(site, defId) {
  return (await db()).getAllFromIndex('history', 'def', [site, defId]);
}

export async function historyAll() {
  return (await db()).getAll('history');
}
