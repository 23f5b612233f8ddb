// Dutybook service worker, served by pwa/shell.py at the root scope so it covers the app
// and the whole handbook. Version {{ version }}.
//
// Precache: every URL in MANIFEST with its content revision. An update copies unchanged
// entries from the old cache and downloads only what changed, then takes over at once;
// IndexedDB (outbox, drafts) is never touched here except by Background Sync's push.
import { syncAll } from '/app/static/app/sync.js';

const VERSION = '{{ version }}';
const MANIFEST = {{ manifest|safe }};
const PREFIX = 'dutybook-';
const CACHE = PREFIX + VERSION;
const REVISIONS = '/__dutybook/revisions';
// Search results link to pages with ?h=<terms> (highlight) and the search page uses ?q=;
// the cached page is the same document, so those parameters must not defeat the match.
const IGNORED_PARAMS = ['h', 'q'];
const PARALLEL = 8;

const KEYS = new Set(MANIFEST.map(([url]) => url));

function cacheKey(url) {
  const u = new URL(url);
  if (u.origin !== self.location.origin) return null;
  for (const p of IGNORED_PARAMS) u.searchParams.delete(p);
  const path = u.pathname + (u.search || '');
  if (KEYS.has(path)) return path;
  if (path.endsWith('/') && KEYS.has(path + 'index.html')) return path + 'index.html';
  if (!path.endsWith('/') && KEYS.has(path + '/index.html')) return path + '/index.html';
  return null;
}

async function copyable(response) {
  // A response that followed a redirect cannot answer a navigation; store a clean copy.
  if (!response.redirected) return response;
  return new Response(await response.blob(), { status: response.status, headers: response.headers });
}

async function previous() {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const cache = await caches.open(name);
    const revs = await cache.match(REVISIONS);
    if (revs) return { cache, revisions: await revs.json() };
  }
  return { cache: null, revisions: {} };
}

// A weak signal drops a request now and then; one lost file must not fail the whole install.
async function fetchPatiently(url, attempts = 3) {
  for (let i = 1; ; i += 1) {
    let response = null;
    try {
      response = await fetch(url, { cache: 'no-cache' });
    } catch (err) {
      if (i >= attempts) throw err; // a dropped connection: try again shortly
    }
    if (response?.ok) return response;
    if (response && (response.status < 500 || i >= attempts)) {
      throw new Error(`precache ${url}: HTTP ${response.status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** i));
  }
}

async function tell(message) {
  for (const client of await self.clients.matchAll({ includeUncontrolled: true })) client.postMessage(message);
}

// The first install downloads the whole handbook, a minute or more on a weak signal: the
// open pages are told how far it is, at most every PROGRESS_MS, and once at the end.
const PROGRESS_MS = 250;

async function precache() {
  const cache = await caches.open(CACHE);
  const old = await previous();
  const queue = MANIFEST.slice();
  const total = queue.length;
  let done = 0;
  let told = 0;
  const progress = (last = false) => {
    if (!last && Date.now() - told < PROGRESS_MS) return;
    told = Date.now();
    tell({ type: 'precache', done, total, first: !old.cache });
  };
  const worker = async () => {
    while (queue.length) {
      const [url, rev] = queue.shift();
      const hit = old.cache && old.revisions[url] === rev ? await old.cache.match(url) : null;
      await cache.put(url, hit || (await copyable(await fetchPatiently(url))));
      done += 1;
      progress();
    }
  };
  progress(true);
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  progress(true);
  await cache.put(REVISIONS, new Response(JSON.stringify(Object.fromEntries(MANIFEST))));
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = (await caches.keys()).filter((n) => n.startsWith(PREFIX) && n !== CACHE);
      await Promise.all(names.map((n) => caches.delete(n)));
      await self.clients.claim();
      await tell({ type: 'activated', version: VERSION, first: names.length === 0 });
    })(),
  );
});

async function respond(request) {
  const key = cacheKey(request.url);
  if (key) {
    const hit = await caches.match(key, { cacheName: CACHE });
    if (hit) return hit;
  }
  try {
    return await fetch(request);
  } catch (err) {
    if (request.mode === 'navigate') {
      const path = new URL(request.url).pathname;
      const fallback = path.startsWith('/app') ? '/app/' : '/404.html';
      const hit = await caches.match(fallback, { cacheName: CACHE });
      if (hit) return hit;
    }
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/dashboard')) return;
  if (url.pathname === '/sw.js' || url.pathname === '/healthz') return;
  event.respondWith(respond(request));
});

// Background Sync: the browser wakes the worker when the connection returns, even with the
// app closed. The page's own timer and `online` handler cover browsers without it.
// Open pages are told, so the phone still says 已同步 and when.
async function syncAndTell() {
  const summary = await syncAll();
  await tell({ type: 'synced', at: Date.now(), created: summary.created, duplicate: summary.duplicate });
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'outbox') event.waitUntil(syncAndTell());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'version') event.source?.postMessage({ type: 'version', version: VERSION });
  // A page that loaded while this worker was activating (or by a hard reload) is not
  // controlled; it asks to be, so its handbook links are answered from the cache offline.
  if (event.data?.type === 'claim') event.waitUntil(self.clients.claim());
});
