// The account: signing in, switching and signing out, and the page for site, shift and language.
import { loadDefinitions } from './definitions.js';
import { refreshStatus } from './header.js';
import { getLang, setLang, t } from './i18n.js';
import { kickSync } from './outbox.js';
import * as people from './people.js';
import { render } from './screen.js';
import { app, currentSite, displayName, siteDoc, siteIds, siteName } from './state.js';
import * as store from './store.js';
import { field, fmtDateTime, h, toast } from './ui.js';

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

export async function loginView({ username = '' } = {}) {
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
export async function activate(user) {
  await store.setCurrent(user.username);
  app.user = user;
  await loadDefinitions(false);
  location.hash = '#/';
  await refreshStatus();
  render();
  kickSync('switch');
}

export async function switchedIn(username, password, pin) {
  await signIn(username, password, pin);
  location.hash = '#/';
  render();
}

export function signedOut(user) {
  app.user = null;
  app.bundle = null;
  toast(t('signed_out', { name: user.username }));
  // pushes what they left and then ends their token on the server
  kickSync('sign-out');
  location.hash = '#/login';
  refreshStatus();
  render();
}

export async function accountView() {
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
