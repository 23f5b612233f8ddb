// Patrol rounds: judging each scanned code against the route, the round's screen and its record.
import { finish, openDraft } from './draft.js';
import { t } from './i18n.js';
import { app, derived, doc, docUrl, saveDraft } from './state.js';
import * as store from './store.js';
import { field, fmtElapsed, fmtTime, h, startScanner, toast } from './ui.js';

export async function startPatrol(defId) {
  const draft = await openDraft('patrol_round', defId, {
    fields: { scans: [], second_person: '', started_ms: Date.now() },
  });
  location.replace(`#/round/${draft.id}`);
}

/** Judge one scanned code against the route; returns the scan entry stored in the draft. */
export function judgeScan(def, scans, code) {
  const cp = def.checkpoints.find((c) => c.code === code);
  const entry = { code, at: store.isoNow(), checkpoint: cp?.id ?? null, flag: null };
  if (!cp) {
    entry.flag = 'unknown';
    return entry;
  }
  const reached = new Set(scans.filter((s) => s.checkpoint && !s.flag).map((s) => s.checkpoint));
  if (reached.has(cp.id)) {
    entry.flag = 'repeat';
    return entry;
  }
  if (def.order === 'strict') {
    const expected = def.checkpoints.find((c) => !reached.has(c.id));
    if (expected && expected.id !== cp.id) {
      entry.flag = 'wrong_order';
      entry.expected = expected.id;
    }
  }
  return entry;
}

export async function roundView(id, { onLeave }) {
  const draft = await store.getDraft(id);
  if (!draft) return h('p', {}, t('saved'));
  const def = doc(draft.def_id)?.doc;
  const people = (def.schedule.find((s) => !s.shifts?.length || s.shifts.includes(app.user.shift)) ||
    def.schedule[0]).people || 1;
  const clock = h('p', { class: 'elapsed', 'aria-live': 'off' });
  const remaining = h('p', { class: 'remaining', 'aria-live': 'polite' });
  const list = h('ol', { class: 'checkpoints' });
  const log = h('ul', { class: 'scanlog', 'aria-live': 'polite' });
  const tick = () => {
    clock.textContent = `${t('elapsed', { t: fmtElapsed(Date.now() - draft.started_ms) })} · ${t('time_allowed', { t: derived(draft.def_id).time_allowed || def.time_allowed })}`;
  };
  const timer = setInterval(tick, 1000);
  onLeave(() => clearInterval(timer));
  const byId = Object.fromEntries(def.checkpoints.map((c) => [c.id, c]));
  const draw = () => {
    tick();
    const reached = new Set(draft.scans.filter((s) => s.checkpoint && !s.flag).map((s) => s.checkpoint));
    remaining.textContent = t('remaining', { n: def.checkpoints.length - reached.size });
    list.replaceChildren(
      ...def.checkpoints.map((c) =>
        h(
          'li',
          { class: reached.has(c.id) ? 'reached' : '', dataset: { cp: c.id } },
          h('strong', {}, c.name),
          ` ${c.code}`,
          c.tasks?.length ? h('div', { class: 'muted' }, c.tasks.join('；')) : null,
          c.sop ? h('a', { class: 'sop', href: docUrl(c.sop) }, `${t('sop_step')} ›`) : null,
        ),
      ),
    );
    log.replaceChildren(
      ...draft.scans
        .slice()
        .reverse()
        .map((s) => {
          const name = byId[s.checkpoint]?.name;
          const text = {
            null: t('scanned', { name }),
            unknown: t('unknown_code', { code: s.code }),
            wrong_order: t('wrong_order', { name: byId[s.expected]?.name }),
            repeat: t('repeat_code', { name }),
          }[s.flag];
          return h('li', { class: s.flag ? 'flag' : 'ok' }, `${fmtTime(s.at)} ${text}`);
        }),
    );
  };
  const onCode = async (code, e) => {
    const started = e?.timeStamp ?? performance.now();
    const entry = judgeScan(def, draft.scans, code.trim());
    draft.scans.push(entry);
    await saveDraft(draft, started);
    draw();
    if (entry.flag) toast(log.firstChild.textContent, 'warn');
    navigator.vibrate?.(entry.flag ? [80, 60, 80] : 60);
  };
  // Tests and hardware scanners (keyboard wedge) feed codes through the same path.
  window.dutybookScan = (code) => onCode(code);
  onLeave(() => delete window.dutybookScan);

  const codeInput = h('input', { type: 'text', autocomplete: 'off', autocapitalize: 'characters' });
  const form = h(
    'form',
    {
      class: 'codeform',
      onsubmit: async (e) => {
        e.preventDefault();
        if (codeInput.value.trim()) await onCode(codeInput.value, e);
        codeInput.value = '';
      },
    },
    field(t('type_code'), codeInput),
    h('button', { type: 'submit' }, t('submit_code')),
  );
  const video = h('video', { class: 'camera', playsinline: true, muted: true, hidden: true });
  let stop = null;
  const scanBtn = h(
    'button',
    {
      type: 'button',
      class: 'primary wide',
      onclick: async () => {
        if (stop) {
          stop();
          stop = null;
          video.hidden = true;
          scanBtn.textContent = t('scan');
          return;
        }
        try {
          video.hidden = false;
          stop = await startScanner(video, (code) => onCode(code));
          scanBtn.textContent = t('stop_scan');
        } catch {
          video.hidden = true;
          toast(t('camera_failed'), 'warn');
        }
      },
    },
    t('scan'),
  );
  onLeave(() => stop?.());
  const partner = h('input', { type: 'text', value: draft.second_person || '' });
  partner.addEventListener('input', (e) => {
    draft.second_person = partner.value;
    saveDraft(draft, e.timeStamp);
  });
  const warn = h('p', { class: 'flag', role: 'alert' });
  draw();
  return h(
    'section',
    { class: 'round' },
    h('h1', {}, def.title),
    clock,
    remaining,
    scanBtn,
    video,
    form,
    people >= 2 ? field(t('second_person'), partner, h('p', { class: 'hint' }, t('second_person_needed', { n: people }))) : null,
    list,
    log,
    h('a', { class: 'button', href: `#/exception/new?${new URLSearchParams({ def: draft.def_id })}` }, t('report_exception')),
    warn,
    h(
      'button',
      {
        type: 'button',
        class: 'primary wide',
        id: 'finish',
        onclick: async () => {
          if (people >= 2 && !draft.second_person.trim()) {
            warn.textContent = t('second_person_needed', { n: people });
            return;
          }
          const reached = new Set(draft.scans.filter((s) => s.checkpoint && !s.flag).map((s) => s.checkpoint));
          const missed = def.checkpoints.filter((c) => !reached.has(c.id)).map((c) => c.id);
          const data = {
            started_at: draft.started_at,
            finished_at: store.isoNow(),
            elapsed_s: Math.round((Date.now() - draft.started_ms) / 1000),
            order: def.order,
            people,
            second_person: draft.second_person.trim() || null,
            scans: draft.scans,
            missed,
            complete: missed.length === 0,
            shift: app.user.shift || null,
          };
          await finish(draft, data);
          location.hash = '#/';
        },
      },
      t('end_round'),
    ),
  );
}
