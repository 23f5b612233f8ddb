// The people of a shared booth phone: who is signed in, switching with a PIN or a password,
// signing out without losing anyone's queued records. Each person keeps their own token on
// the phone; each outbox entry names its author and is pushed with that author's token.
import { t } from './i18n.js';
import { app, displayName } from './state.js';
import * as store from './store.js';
import { field, h } from './ui.js';

// --- PIN: a salted PBKDF2 hash on the device, a growing wait, wiped after PIN_TRIES ---------

export const PIN_TRIES = 5;
// PBKDF2-SHA-256 (WebCrypto, native code): ~0.1 s on a cheap phone. A 4–8 digit PIN is weak
// against someone who copies the phone's storage; the wait and the wipe are what protect it.
const PIN_ITERATIONS = 200_000;
const PIN_PATTERN = /^\d{4,8}$/;
const WAIT_FIRST = 5_000;

/** How long to wait after `failures` wrong PINs in a row: 0, 5 s, 10 s, 20 s, 40 s. */
export function pinWait(failures) {
  return failures ? WAIT_FIRST * 2 ** (failures - 1) : 0;
}

export function validPin(pin) {
  return PIN_PATTERN.test(pin);
}

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (text) => new Uint8Array(text.match(/../g).map((b) => parseInt(b, 16)));

async function derive(pin, salt, iterations) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return hex(new Uint8Array(bits));
}

/** A new PIN record: random salt, the derived hash, no failures. The PIN itself is not kept. */
export async function makePin(pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return {
    algorithm: 'PBKDF2-SHA-256',
    iterations: PIN_ITERATIONS,
    salt: hex(salt),
    hash: await derive(pin, salt, PIN_ITERATIONS),
    failures: 0,
    wait_until: 0,
  };
}

function same(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Check a PIN against the stored hash. Answers {ok, user}, {wait: ms} (too soon after a wrong
 * one), {wrong, left, wait}, or {wiped} (none set, or this was the last try: password now).
 */
export async function checkPin(username, pin, now = Date.now()) {
  const user = await store.getUser(username);
  const saved = user?.pin;
  if (!saved) return { wiped: true };
  if (saved.wait_until > now) return { wait: saved.wait_until - now };
  if (same(await derive(pin, unhex(saved.salt), saved.iterations), saved.hash)) {
    const fresh = { ...user, pin: { ...saved, failures: 0, wait_until: 0 } };
    await store.saveUser(fresh);
    return { ok: true, user: fresh };
  }
  const failures = (saved.failures || 0) + 1;
  if (failures >= PIN_TRIES) {
    await store.saveUser({ ...user, pin: null });
    return { wiped: true };
  }
  const wait = pinWait(failures);
  await store.saveUser({ ...user, pin: { ...saved, failures, wait_until: now + wait } });
  return { wrong: true, left: PIN_TRIES - failures, wait };
}

// --- who may be switched to how -------------------------------------------------------------

export function expired(user, now = Date.now()) {
  return Boolean(user.expires_at) && Date.parse(user.expires_at) <= now;
}

/** Why this person must type their password, or null when their PIN will do. */
export function passwordReason(user) {
  if (user.signed_out || !user.token) return 'signed_out';
  if (user.needs_login || expired(user)) return 'expired';
  if (!user.pin) return 'no_pin';
  return null;
}

async function waitingOf(username) {
  return (await store.outboxOf(username)).filter((e) => e.status === 'pending').length;
}

/** The people on this phone, the one signed in now marked; each opens the switch screen. */
export async function peopleList(users) {
  const rows = [];
  for (const u of [...users].sort((a, b) => a.username.localeCompare(b.username))) {
    const current = u.username === app.user?.username;
    const waiting = await waitingOf(u.username);
    let note;
    if (current) note = h('span', { class: 'chip done', id: 'current-chip' }, t('signed_in_now'));
    else if (u.signed_out) note = h('span', { class: 'chip later' }, t('signed_out_state', { n: waiting }));
    else note = h('span', { class: 'chip later' }, passwordReason(u) ? t('needs_password') : t('pin'));
    rows.push(
      h(
        'li',
        {},
        h(
          current ? 'div' : 'a',
          {
            class: `row wide person${current ? ' current' : ''}`,
            href: current ? null : `#/switch?u=${encodeURIComponent(u.username)}`,
            'aria-current': current ? 'true' : null,
            dataset: { user: u.username },
          },
          h('span', { class: 'title' }, `${displayName(u)} (${u.username})`),
          note,
        ),
      ),
    );
  }
  return h('ul', { class: 'list people' }, rows);
}

// --- the switch screen ------------------------------------------------------------------------

function passwordForm(user, reason, { signIn }) {
  const pass = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const pin = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 8, class: 'pin' });
  const error = h('p', { class: 'flag', role: 'alert', id: 'switch-error' });
  return h(
    'form',
    {
      id: 'password-form',
      onsubmit: async (e) => {
        e.preventDefault();
        if (!navigator.onLine) {
          error.textContent = t('password_offline');
          return;
        }
        if (pin.value && !validPin(pin.value)) {
          error.textContent = t('pin_invalid');
          return;
        }
        try {
          await signIn(user.username, pass.value, pin.value || null);
        } catch (err) {
          error.textContent = t('sign_in_failed', { msg: err.message });
        }
      },
    },
    h('p', { class: reason === 'wiped' ? 'flag' : 'muted', id: 'switch-reason' }, t(`switch_${reason}`, { name: displayName(user) })),
    field(t('password'), pass),
    user.pin && reason !== 'wiped' ? null : field(t('pin_new'), pin, h('small', { class: 'muted' }, t('pin_hint'))),
    error,
    h('button', { type: 'submit', class: 'primary wide' }, t('sign_in')),
  );
}

function pinForm(user, { activate, redraw }) {
  const pin = h('input', {
    type: 'password',
    inputmode: 'numeric',
    autocomplete: 'off',
    maxlength: 8,
    class: 'pin',
    id: 'pin',
    required: true,
  });
  const message = h('p', { class: 'flag', role: 'alert', id: 'switch-error' });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, t('confirm'));
  return h(
    'form',
    {
      id: 'pin-form',
      onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        try {
          const answer = await checkPin(user.username, pin.value);
          pin.value = '';
          if (answer.ok) return activate(answer.user);
          if (answer.wiped) return redraw('wiped');
          const seconds = Math.ceil(answer.wait / 1000);
          message.textContent = answer.wrong
            ? `${t('pin_wrong', { n: answer.left })} ${t('pin_wait', { s: seconds })}`
            : t('pin_wait', { s: seconds });
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('p', { class: 'muted' }, t('enter_pin', { name: displayName(user) })),
    field(t('pin'), pin),
    message,
    submit,
    h('button', { type: 'button', class: 'wide', id: 'use-password', onclick: () => redraw('asked') }, t('use_password')),
  );
}

/**
 * 切换用户 → a name: prove it is them. Their PIN on this phone, or their password (then the
 * server issues a new token); a signed-out, expired or PIN-less person always needs the password.
 * `activate(user)` makes the person current; `signIn(username, password, pin)` signs them in.
 */
export async function switchView(username, hooks) {
  const user = await store.getUser(username);
  if (!user) {
    location.replace(`#/login?u=${encodeURIComponent(username || '')}`);
    return null;
  }
  const section = h('section', { class: 'switch', dataset: { user: username } });
  const draw = (forced) => {
    const reason = forced || passwordReason(user);
    section.replaceChildren(
      h('h1', {}, t('switch_to', { name: `${displayName(user)} (${username})` })),
      reason ? passwordForm(user, reason, hooks) : pinForm(user, { ...hooks, redraw: draw }),
      h('a', { class: 'button wide', href: app.user ? '#/account' : '#/login' }, t('cancel')),
    );
    section.querySelector('input')?.focus();
  };
  draw(null);
  return section;
}

// --- signing out -----------------------------------------------------------------------------

/**
 * 退出登录: the phone stops acting for the person at once. Their queued records stay under
 * their name and are pushed with their token; the server ends the token (DELETE /session) as
 * soon as none of theirs waits for it — at once when online and nothing is queued.
 */
export async function signOutView({ done }) {
  const user = app.user;
  const waiting = await waitingOf(user.username);
  return h(
    'section',
    { class: 'sign-out' },
    h('h1', {}, t('sign_out_title', { name: displayName(user) })),
    h('p', { class: waiting ? 'flag' : 'muted', id: 'sign-out-note' },
      waiting ? t('sign_out_waiting', { n: waiting }) : t('sign_out_nothing')),
    h(
      'button',
      {
        type: 'button',
        class: 'primary wide',
        id: 'confirm-sign-out',
        onclick: async () => {
          const fresh = await store.getUser(user.username);
          // the PIN goes with the session: coming back needs the password
          await store.saveUser({ ...fresh, signed_out: true, pin: null });
          await store.clearCurrent();
          done(user);
        },
      },
      waiting ? t('sign_out_keep') : t('sign_out'),
    ),
    h('a', { class: 'button wide', href: '#/account' }, t('cancel')),
  );
}

// --- the emergency plans with nobody signed in -------------------------------------------

/**
 * The plans and contacts a phone keeps for when nobody is signed in: the copy kept on the
 * device at once, refreshed from /app/emergency.json (the service worker's cache offline);
 * without either, any bundle a person fetched here holds them too.
 */
export async function publicPlans({ refresh = true } = {}) {
  const fetched = refresh
    ? fetch('/app/emergency.json')
      .then((resp) => (resp.ok ? resp.json() : null))
      .then(async (plans) => {
        if (plans?.documents) await store.kvSet('emergency', plans);
        return plans?.documents ? plans : null;
      })
      .catch(() => null)
    : Promise.resolve(null);
  const kept = await store.kvGet('emergency');
  if (kept) return kept; // never wait for the network when the phone has them
  const plans = await fetched;
  if (plans) return plans;
  for (const u of await store.allUsers()) {
    const cached = await store.bundleFor(u.username);
    if (cached?.bundle) return cached.bundle;
  }
  return { documents: {}, site: {} };
}
