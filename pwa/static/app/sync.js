// Push the outbox to the server (DESIGN.md, sync protocol v1). Shared by the page and the
// service worker's Background Sync; a Web Lock keeps the two from pushing at once.
import * as store from './store.js';

export const BATCH = 500;

export class AuthError extends Error {}

async function withLock(fn) {
  if (globalThis.navigator?.locks) return navigator.locks.request('dutybook-sync', fn);
  return fn();
}

async function uploadBlob(token, sha256) {
  const row = await store.getBlob(sha256);
  if (!row || row.uploaded) return;
  const resp = await fetch(`/api/v1/blobs/${sha256}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': row.type || 'image/jpeg' },
    body: row.blob,
  });
  if (resp.status === 401) throw new AuthError('401');
  if (!resp.ok) throw new Error(`blob ${sha256.slice(0, 8)}: HTTP ${resp.status}`);
  await store.markBlobUploaded(sha256);
}

async function pushUser(user, summary) {
  const entries = (await store.outboxOf(user.username)).filter((e) => e.status === 'pending');
  if (!entries.length) return;
  if (!user.token || user.needs_login) {
    summary.needLogin.push(user.username);
    return;
  }
  entries.sort((a, b) => a.record.seq - b.record.seq);
  try {
    for (const entry of entries) {
      for (const sha of entry.blobs || []) await uploadBlob(user.token, sha);
    }
    // Batches go out one after another, in seq order, but the next one is posted while the
    // answer to the last is still being written to the outbox: the server and IndexedDB
    // work at the same time instead of taking turns.
    let applying = Promise.resolve();
    const apply = async (results) => {
      const counts = await store.applyResults(results);
      for (const [k, v] of Object.entries(counts)) summary[k] += v;
    };
    try {
      for (let i = 0; i < entries.length; i += BATCH) {
        const batch = entries.slice(i, i + BATCH);
        const resp = await fetch('/api/v1/records', {
          method: 'POST',
          headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ records: batch.map((e) => e.record) }),
        });
        if (resp.status === 401) throw new AuthError('401');
        if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
        const { results } = await resp.json();
        await applying;
        applying = apply(results);
      }
    } finally {
      // answers already received are stored even when a later batch fails
      await applying;
    }
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    // The outbox stays exactly as it is; only the session is marked for a new sign-in.
    await store.saveUser({ ...user, needs_login: true });
    summary.needLogin.push(user.username);
  }
}

/** Push every user's pending records; throws on network or server failure (caller backs off). */
export async function syncAll() {
  return withLock(async () => {
    const summary = { created: 0, duplicate: 0, conflict: 0, rejected: 0, needLogin: [] };
    for (const user of await store.allUsers()) await pushUser(user, summary);
    await store.kvSet('last_sync', Date.now());
    return summary;
  });
}

/** Fetch the definitions for a user with If-None-Match; returns {changed, bundle}. */
export async function refreshDefinitions(user) {
  const cached = await store.bundleFor(user.username);
  const headers = { Authorization: `Bearer ${user.token}` };
  if (cached?.etag) headers['If-None-Match'] = cached.etag;
  const resp = await fetch('/api/v1/definitions', { headers });
  if (resp.status === 304) return { changed: false, bundle: cached.bundle };
  if (resp.status === 401) {
    await store.saveUser({ ...user, needs_login: true });
    throw new AuthError('401');
  }
  if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
  const bundle = await resp.json();
  await store.saveBundle(user.username, resp.headers.get('ETag'), bundle);
  return { changed: !cached || cached.bundle.hash !== bundle.hash, first: !cached, bundle };
}
