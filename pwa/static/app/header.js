// The header: the network chip, the unsynced count, the last sync and the sign-in-again banner.
import { t } from './i18n.js';
import { app } from './state.js';
import * as store from './store.js';
import { updateTab } from './ticket_data.js';
import { fmtDateTime } from './ui.js';

export function setStatus(text) {
  const el = document.getElementById('sync-state');
  if (el) el.textContent = text;
}

export async function refreshStatus() {
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
  await updateTab();
}
