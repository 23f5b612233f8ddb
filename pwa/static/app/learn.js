// Reading and acknowledging SOPs (again only on a MAJOR version change) and courses with quizzes.
import { t } from './i18n.js';
import { app, appliesToMe, currentSite, derived, doc, docs, docUrl } from './state.js';
import * as store from './store.js';
import { h, toast } from './ui.js';

const ACK_KINDS = ['procedure', 'emergency'];

const major = (version) => Number(String(version).split('.')[0]);

async function myAcks() {
  const rows = (await store.historyAll()).filter((r) => r.owner === app.user.username);
  const acks = {};
  const quizzes = {};
  for (const r of rows) {
    if (r.type === 'ack') acks[r.def_id] = Math.max(acks[r.def_id] ?? -1, major(r.def_version));
    // one pass is enough: a later failed retry does not undo it
    if (r.type === 'quiz' && !quizzes[r.def_id]?.data?.passed) quizzes[r.def_id] = r;
  }
  return { acks, quizzes };
}

/** Whether the user still has to acknowledge this document's current MAJOR version. */
export function needsAck(acks, id, version) {
  return !(id in acks) || acks[id] < major(version);
}

/** When the person joined (the server's account date), else their first sign-in here. */
function joinedMs(user) {
  const at = user?.user?.joined_at || user?.first_sign_in;
  const ms = at ? Date.parse(at) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

/** A course's chip: passed, failed (retry), overdue after due_within from joining, or due. */
export function courseState(id, quiz, user, nowMs = Date.now()) {
  if (quiz?.data?.passed) return { cls: 'done', text: t('state_done') };
  if (quiz) return { cls: 'late', text: t('retry_quiz') };
  const minutes = derived(id).due_minutes;
  const joined = joinedMs(user);
  if (minutes == null || joined == null) return { cls: 'due', text: t('state_due') };
  const due = new Date(joined + minutes * 60_000);
  const day = `${due.getFullYear()}-${String(due.getMonth() + 1).padStart(2, '0')}-${String(due.getDate()).padStart(2, '0')}`;
  if (nowMs > due.getTime()) return { cls: 'late', text: t('course_overdue', { d: day }) };
  return { cls: 'due', text: `${t('state_due')} · ${t('course_due_by', { d: day })}` };
}

export async function learnView() {
  const { acks, quizzes } = await myAcks();
  const mine = Object.entries(docs()).filter(([, e]) => appliesToMe(e));
  const sops = mine
    .filter(([, e]) => ACK_KINDS.includes(e.kind))
    .sort((a, b) => needsAck(acks, b[0], b[1].version) - needsAck(acks, a[0], a[1].version));
  const courses = mine.filter(([, e]) => e.kind === 'course');
  return h(
    'section',
    { class: 'learn' },
    h('h1', {}, t('courses')),
    h(
      'ul',
      { class: 'list' },
      courses.map(([id, e]) => {
        const state = courseState(id, quizzes[id], app.user);
        return h('li', {}, h('a', { class: 'row', href: `#/course/${id}` }, h('span', {}, e.doc.title),
          h('span', { class: `chip ${state.cls}` }, state.text)));
      }),
    ),
    h('h1', {}, t('sops')),
    h(
      'ul',
      { class: 'list' },
      sops.map(([id, e]) => {
        const need = needsAck(acks, id, e.version);
        return h('li', {}, h('a', { class: 'row', href: `#/read/${id}` }, h('span', {}, `${e.doc.title} v${e.version}`),
          h('span', { class: `chip ${need ? 'due' : 'done'}` }, need ? t('needs_ack') : t('acked', { v: e.version }))));
      }),
    ),
  );
}

export async function readView(id) {
  const entry = doc(id);
  const { acks } = await myAcks();
  const need = needsAck(acks, id, entry.version);
  const d = entry.doc;
  return h(
    'section',
    { class: 'read' },
    h('h1', {}, `${d.title} v${entry.version}`),
    d.summary || d.purpose ? h('p', {}, d.summary || d.purpose) : null,
    h('a', { class: 'button wide', href: docUrl(id) }, `${t('read_page')} ›`),
    need
      ? h(
          'button',
          {
            type: 'button',
            class: 'primary wide',
            id: 'ack',
            onclick: async () => {
              await store.commitRecord(app.user.username, {
                type: 'ack',
                def_id: id,
                def_version: entry.version,
                site: currentSite(),
                data: { major: major(entry.version), acknowledged_at: store.isoNow() },
              });
              document.dispatchEvent(new CustomEvent('dutybook:queued'));
              toast(t('saved'));
              location.hash = '#/learn';
            },
          },
          t('acknowledge'),
        )
      : h('p', { class: 'chip done' }, t('acked', { v: entry.version })),
  );
}

export async function courseView(id) {
  const entry = doc(id);
  const course = entry.doc;
  const answers = {};
  const result = h('p', { role: 'status', class: 'result' });
  const questions = (course.quiz || []).map((q, qi) => {
    answers[q.id] = [];
    return h(
      'fieldset',
      { class: 'question' },
      h('legend', {}, `${qi + 1}. ${q.question}`),
      q.options.map((option, oi) =>
        h(
          'label',
          { class: 'choice' },
          h('input', {
            type: q.type === 'multiple' ? 'checkbox' : 'radio',
            name: `q-${q.id}`,
            value: String(oi + 1),
            onchange: (e) => {
              const n = oi + 1;
              if (q.type !== 'multiple') answers[q.id] = [];
              if (e.target.checked) answers[q.id].push(n);
              else answers[q.id] = answers[q.id].filter((x) => x !== n);
            },
          }),
          option,
        ),
      ),
    );
  });
  return h(
    'section',
    { class: 'course' },
    h('h1', {}, course.title),
    h(
      'ul',
      { class: 'list' },
      course.modules.map((m) => {
        const href = m.doc ? docUrl(m.doc) : `/${m.page.replace(/\.md$/, '/').replace(/index\/$/, '')}`;
        const title = m.title || (m.doc ? doc(m.doc)?.doc.title || m.doc : m.page);
        return h('li', {}, h('a', { class: 'row', href }, `${title} ›`));
      }),
    ),
    questions.length ? h('h2', {}, t('quiz')) : null,
    questions,
    questions.length
      ? h(
          'button',
          {
            type: 'button',
            class: 'primary wide',
            id: 'submit-quiz',
            onclick: async (e) => {
              // one press, one record: a second tap while saving (or after) queues nothing
              const button = e.currentTarget;
              if (button.disabled) return;
              button.disabled = true;
              const right = course.quiz.filter((q) => {
                const given = [...answers[q.id]].sort().join(',');
                return given === [...q.answer].sort().join(',');
              }).length;
              const score = Math.round((100 * right) / course.quiz.length);
              const passed = score >= course.pass_mark;
              await store.commitRecord(app.user.username, {
                type: 'quiz',
                def_id: id,
                def_version: entry.version,
                site: currentSite(),
                data: { answers, score, passed, pass_mark: course.pass_mark },
              });
              document.dispatchEvent(new CustomEvent('dutybook:queued'));
              result.textContent = t('quiz_result', {
                score,
                pass: course.pass_mark,
                verdict: passed ? t('passed') : t('failed'),
              });
            },
          },
          t('submit_quiz'),
        )
      : null,
    result,
  );
}
