// The site's day on the phone: who did which patrol round or checklist at the site in the
// periods Today shows now, by everyone (GET /api/v1/site-day), pulled after each sync and kept
// in IndexedDB, so the basement and the night shift see it too. Other people's runs are only
// shown: they open nothing and are never sent back.
import { app } from './state.js';
import * as store from './store.js';

const KEY = (username, site) => `site_day:${username}:${site}`;

const sitesOf = (user) => (user.sites || []).map((s) => (typeof s === 'string' ? s : s.id));

/**
 * Ask the server for each of the person's sites; the answer replaces what was kept (it holds
 * the current periods only, so nothing older piles up). Offline or refused, the last pull stays.
 */
export async function refreshSiteDay(user = app.user) {
  if (!user?.token || user.needs_login || !navigator.onLine) return;
  for (const site of sitesOf(user)) {
    let body;
    try {
      const resp = await fetch(`/api/v1/site-day?site=${encodeURIComponent(site)}`, {
        headers: { Authorization: `Bearer ${user.token}` },
      });
      if (!resp.ok) continue;
      body = await resp.json();
    } catch {
      return; // the connection dropped: the kept pull serves
    }
    if (!Array.isArray(body?.runs)) continue;
    await store.kvSet(KEY(user.username, site), { fetched_at: Date.now(), at: body.at, runs: body.runs });
  }
}

/**
 * The site's runs as Today counts them: this phone's own history, and what the last pull says
 * everyone else did (a run in both is counted once), each with who did it.
 */
export async function siteHistory(site, username = app.user?.username) {
  const mine = (await store.historyAll()).filter((r) => r.site === site);
  const kept = (await store.kvGet(KEY(username, site)))?.runs || [];
  const here = new Set(mine.map((r) => r.id));
  const others = kept
    .filter((r) => !here.has(r.id))
    .map((r) => ({ id: r.id, type: r.type, def_id: r.def_id, site, recorded_at: r.recorded_at, owner: r.user, pulled: true }));
  return [...mine, ...others];
}
