// Patrol rounds: judging each scanned code against the route, the round's screen and its record.
import { finish, openDraft } from './draft.js';
import { t } from './i18n.js';
import { app, derived, docUrl, draftEntry, saveDraft } from './state.js';
import * as store from './store.js';
import { field, fmtElapsed, fmtTime, h, startScanner, toast } from './ui.js';

export async function startPatrol(defId) {
  const draft = await openDraft('patrol_round', defId, {
    fields: { scans: [], second_person: '', started_ms: Date.now() },
  });
  location.replace(`#/round/${draft.id}`);
}

/**
 * A route's stops, each the site checkpoint it names: code, name, area, tasks, sop, and
 * `codes`, every code the place's posters carry (an old poster's too). The bundle joins them
 * (entry.checkpoints); a definition cached before it did has them in the document itself.
 */
export function stopsOf(entry) {
  return entry.checkpoints || entry.doc.checkpoints.map((c) => ({ ...c, codes: [c.code] }));
}

/** The stop a recorded scan counts as, by the code it names (as compliance.py judges it). */
function stopOf(stops, scan) {
  if (scan.flag) return null;
  return stops.find((c) => c.code === scan.checkpoint) || stops.find((c) => c.codes.includes(scan.code)) || null;
}

/** The codes of the stops the scans have reached. */
export function reachedOf(stops, scans) {
  return new Set(scans.map((s) => stopOf(stops, s)?.code).filter(Boolean));
}

/**
 * Judge one scanned code against the route's stops; returns the scan entry stored in the
 * draft. A checkpoint is named by its code, whichever of its codes the poster held.
 */
export function judgeScan(order, stops, scans, code) {
  const cp = stops.find((c) => c.codes.includes(code));
  const entry = { code, at: store.isoNow(), checkpoint: cp?.code ?? null, flag: null };
  if (!cp) {
    entry.flag = 'unknown';
    return entry;
  }
  const reached = reachedOf(stops, scans);
  if (reached.has(cp.code)) {
    entry.flag = 'repeat';
    return entry;
  }
  if (order === 'strict') {
    const expected = stops.find((c) => !reached.has(c.code));
    if (expected && expected.code !== cp.code) {
      entry.flag = 'wrong_order';
      entry.expected = expected.code;
    }
  }
  return entry;
}

export async function roundView(id, { onLeave }) {
  const draft = await store.getDraft(id);
  if (!draft) return h('p', {}, t('saved'));
  const entry = draftEntry(draft);
  const def = entry?.doc;
  const stops = stopsOf(entry);
  const people = (def.schedule.find((s) => !s.shifts?.length || s.shifts.includes(app.user.shift)) ||
    def.schedule[0]).people || 1;
  const clock = h('p', { class: 'elapsed', 'aria-live': 'off' });
  const remaining = h('p', { class: 'remaining', 'aria-live': 'polite' });
  const list = h('ol', { class: 'checkpoints' });
  const log = h('ul', { class: 'scanlog', 'aria-live': 'polite' });
  const tick = () => {
    clock.textContent = `${t('elapsed', { t: fmtElapsed(Date.now() - draft.started_ms) })} · ${t('time_allowed', { t: derived(draft.def_id, entry).time_allowed || def.time_allowed })}`;
  };
  const timer = setInterval(tick, 1000);
  onLeave(() => clearInterval(timer));
  const byCode = Object.fromEntries(stops.map((c) => [c.code, c]));
  const draw = () => {
    tick();
    const reached = reachedOf(stops, draft.scans);
    remaining.textContent = t('remaining', { n: stops.filter((c) => !reached.has(c.code)).length });
    list.replaceChildren(
      ...stops.map((c) =>
        h(
          'li',
          { class: reached.has(c.code) ? 'reached' : '', dataset: { cp: c.code } },
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
          const name = (byCode[s.checkpoint] || stopOf(stops, s))?.name;
          const text = {
            null: t('scanned', { name }),
            unknown: t('unknown_code', { code: s.code }),
            wrong_order: t('wrong_order', { name: byCode[s.expected]?.name }),
            repeat: t('repeat_code', { name }),
          }[s.flag];
          return h('li', { class: s.flag ? 'flag' : 'ok' }, `${fmtTime(s.at)} ${text}`);
        }),
    );
  };
  const onCode = async (code, e) => {
    const started = e?.timeStamp ?? performance.now();
    const entry = judgeScan(def.order, stops, draft.scans, code.trim());
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
          const reached = reachedOf(stops, draft.scans);
          const missed = stops.filter((c) => !reached.has(c.code)).map((c) => c.code);
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
