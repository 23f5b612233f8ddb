// The signed-in person's handbook bundle: the cached copy at once, a fresh one when online.
import { fetchChanges, showNotice } from './handbook_notice.js';
import { t } from './i18n.js';
import { render } from './screen.js';
import { app } from './state.js';
import * as store from './store.js';
import { AuthError, refreshDefinitions } from './sync.js';
import { toast } from './ui.js';

export async function loadDefinitions(fetchNow = false) {
  const cached = await store.bundleFor(app.user.username);
  app.bundle = cached?.bundle || null;
  if (!fetchNow || !navigator.onLine || app.user.needs_login) return;
  try {
    const { changed, first, bundle, previous } = await refreshDefinitions(app.user);
    app.bundle = bundle;
    if (changed && !first) {
      // what changed for this person, when the server published it; else the plain toast
      if (await fetchChanges(app.user, previous)) await showNotice();
      else toast(t('handbook_updated'));
    }
    if (changed) render();
  } catch (err) {
    if (err instanceof AuthError) app.user = await store.currentUser();
    // offline or server down: the cached definitions serve
  }
}
