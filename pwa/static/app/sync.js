// Push the outbox to the server (DESIGN.md, sync protocol v1). Shared by the page and the
// service worker's Background Sync; a Web Lock keeps the two from pushing at once.
import * as store from './store.js';

export const BATCH = 500;

export class AuthError extends Error {}

async function withLock(fn) {
  if (globalThis.navigator?.locks) return navigator.locks.request('dutybook-sync', fn);
  return fn();
}

const STATUSES = new Set(['created', 'duplicate', 'conflict', 'rejected']);
// Failed requests one sync may spend isolating bad records before it gives up and backs off:
// enough to find a few among 500 by halving, few enough not to hammer a server that is down.
const FAILURE_BUDGET = 24;

/** What went wrong, as stored on the entry and shown on 待同步. */
async function reasonOf(resp) {
  const body = await resp.json().catch(() => null);
  return {
    status: resp.status,
    message: typeof body?.message === 'string' ? body.message : null,
    details: Array.isArray(body?.details) ? body.details : [],
    at: Date.now(),
  };
}

// a status that will not change on a retry: the record itself is refused
const refusal = (status) => status >= 400 && status < 500 && ![408, 425, 429].includes(status);

async function uploadBlob(token, sha256) {
  const row = await store.getBlob(sha256);
  if (!row || row.uploaded) return null;
  const resp = await fetch(`/api/v1/blobs/${sha256}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': row.type || 'image/jpeg' },
    body: row.blob,
  });
  if (resp.status === 401) throw new AuthError('401');
  if (!resp.ok) return reasonOf(resp);
  await store.markBlobUploaded(sha256);
  return null;
}

/**
 * POST one batch. Answers {results, unanswered}: the valid results for records of this batch,
 * and the entries the answer said nothing usable about (all of them on a 5xx or a body that is
 * not the protocol's). A lost connection throws: that is the network, not a record.
 */
async function postBatch(user, batch) {
  const resp = await fetch('/api/v1/records', {
    method: 'POST',
    headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ records: batch.map((e) => e.record) }),
  });
  if (resp.status === 401) throw new AuthError('401');
  if (!resp.ok) return { results: [], unanswered: batch, reason: await reasonOf(resp) };
  const body = await resp.json().catch(() => null);
  const ids = new Set(batch.map((e) => e.id));
  // only an answer about a record we sent may take it off the phone
  const results = (Array.isArray(body?.results) ? body.results : []).filter(
    (r) => r && ids.has(r.id) && STATUSES.has(r.status),
  );
  const answered = new Set(results.map((r) => r.id));
  const unanswered = batch.filter((e) => !answered.has(e.id));
  return { results, unanswered, reason: { status: resp.status, malformed: true, at: Date.now() } };
}

/**
 * Send entries, halving a batch the server fails until the record that breaks it stands
 * alone; that one is marked (rejected, or failed with a later retry) and the rest go through.
 */
async function send(user, batch, summary, budget) {
  const { results, unanswered, reason } = await postBatch(user, batch);
  if (results.length) {
    const counts = await store.applyResults(results);
    for (const [k, v] of Object.entries(counts)) summary[k] += v;
  }
  if (!unanswered.length) return;
  budget.failed += 1;
  if (unanswered.length === 1) {
    const [entry] = unanswered;
    if (refusal(reason.status)) await store.markEntries([entry.id], 'rejected', reason);
    else await store.markFailure(entry.id, reason);
    summary.stuck += 1;
    return;
  }
  if (budget.failed > FAILURE_BUDGET) {
    const err = new Error(`HTTP ${reason.status}`);
    err.reason = reason;
    throw err; // the server is failing everything: back off and try again later
  }
  const half = Math.ceil(unanswered.length / 2);
  await send(user, unanswered.slice(0, half), summary, budget);
  await send(user, unanswered.slice(half), summary, budget);
}

/** Whether an entry should be sent now: pending, and not waiting out a failure. */
export function due(entry, now = Date.now()) {
  return entry.status === 'pending' && !(entry.retry_at > now);
}

async function pushUser(user, summary) {
  const now = Date.now();
  let entries = (await store.outboxOf(user.username)).filter((e) => due(e, now));
  if (!entries.length) return;
  if (!user.token || user.needs_login) {
    summary.needLogin.push(user.username);
    return;
  }
  entries.sort((a, b) => a.record.seq - b.record.seq);
  const budget = { failed: 0 };
  try {
    const ready = [];
    for (const entry of entries) {
      let reason = null;
      for (const sha of entry.blobs || []) reason ||= await uploadBlob(user.token, sha);
      // a photo the server will not take holds back its own record, not the others
      if (reason) {
        if (refusal(reason.status)) await store.markEntries([entry.id], 'rejected', reason);
        else await store.markFailure(entry.id, reason);
        summary.stuck += 1;
      } else ready.push(entry);
    }
    entries = ready;
    // Batches go out one after another, in seq order; answers already received are stored
    // before the next batch is posted, so a failure later loses none of them.
    for (let i = 0; i < entries.length; i += BATCH) {
      await send(user, entries.slice(i, i + BATCH), summary, budget);
    }
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    // The outbox stays exactly as it is; only the session is marked for a new sign-in (unless
    // the person signed in again meanwhile and this answer is about the old token).
    const fresh = await store.getUser(user.username);
    if (fresh && fresh.token === user.token) await store.saveUser({ ...fresh, needs_login: true });
    summary.needLogin.push(user.username);
  }
}

/**
 * End a signed-out person's token on the server once nothing of theirs waits for it.
 * 204, or 401 (already ended or expired): the phone forgets the token.
 */
export async function endSession(user) {
  const resp = await fetch('/api/v1/session', {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${user.token}` },
  });
  if (resp.status !== 204 && resp.status !== 401) throw new Error(`HTTP ${resp.status}`);
  const fresh = await store.getUser(user.username);
  if (fresh && fresh.token === user.token) {
    await store.saveUser({ ...fresh, token: null, needs_login: true });
    await store.removeUserIfEmpty(user.username);
  }
}

async function finishSignOut(user) {
  const fresh = await store.getUser(user.username);
  if (!fresh?.signed_out || !fresh.token) return;
  const waiting = (await store.outboxOf(user.username)).some((e) => e.status === 'pending');
  if (!waiting) await endSession(fresh);
}

/** Push every user's pending records; throws on network or server failure (caller backs off). */
export async function syncAll() {
  return withLock(async () => {
    const summary = { created: 0, duplicate: 0, conflict: 0, rejected: 0, stuck: 0, needLogin: [] };
    for (const user of await store.allUsers()) {
      await pushUser(user, summary);
      // offline or refused: the token is ended at a later sync
      await finishSignOut(user).catch(() => {});
    }
    await store.kvSet('last_sync', Date.now());
    return summary;
  });
}

/** Fetch the definitions for a user with If-None-Match; returns {changed, first, bundle, previous}. */
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
  return { changed: !cached || cached.bundle.hash !== bundle.hash, first: !cached, bundle, previous: cached?.bundle.hash };
}
