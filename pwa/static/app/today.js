// Today: what is due on this shift at this site, with the emergency button above it.
import { t } from './i18n.js';
import { today } from './schedule.js';
import { siteHistory } from './site_day.js';
import { app, currentSite, docs, siteDoc, siteName } from './state.js';
import * as store from './store.js';
import { fmtTime, h } from './ui.js';

const STATE_CLASS = { done: 'done', due: 'due', late: 'late', upcoming: 'later' };

/** Who did this row's runs in its period, oldest first: 张三 10:05 完成 · 李四 14:10 完成. */
function doneBy(history, row) {
  const runs = history
    .filter((x) => x.def_id === row.id && new Date(x.recorded_at) >= row.period.start && new Date(x.recorded_at) < row.period.end)
    .sort((a, b) => new Date(a.recorded_at) - new Date(b.recorded_at));
  if (!runs.length) return null;
  const text = runs.map((x) => t('run_done_by', { user: x.owner, t: fmtTime(new Date(x.recorded_at)) })).join(' · ');
  return h('span', { class: 'by' }, text);
}

export async function todayView() {
  const site = currentSite();
  const shifts = siteDoc().shifts || [];
  // what the site has done, by anyone: nobody walks a round twice
  const history = await siteHistory(site);
  const drafts = await store.draftsOf(app.user.username);
  const open = new Set(drafts.map((d) => d.def_id));
  const { shift, rows } = today({
    documents: docs(),
    shifts,
    roles: app.user.roles || [],
    site,
    shiftId: app.user.shift,
    history,
    zone: siteDoc().timezone,
  });
  return h(
    'section',
    { class: 'today' },
    h('a', { class: 'button danger big', href: '#/emergency', id: 'emergency-button' }, `⚠ ${t('emergency_button')}`),
    h('h1', {}, `${t('today')} · ${siteName(site)} · ${shift?.name || ''}`),
    rows.length ? null : h('p', {}, t('nothing_due')),
    h(
      'ul',
      { class: 'list' },
      rows.map((r) =>
        h(
          'li',
          {},
          h(
            'a',
            { class: 'row', href: `#/${r.kind}/${r.id}`, dataset: { def: r.id, state: r.state } },
            h(
              'span',
              { class: 'title' },
              r.title,
              h('small', {}, ` ${r.kind === 'patrol' ? t('patrol') : t('checklist')}`),
              doneBy(history, r),
            ),
            h(
              'span',
              { class: `chip ${open.has(r.id) ? 'due' : STATE_CLASS[r.state]}` },
              open.has(r.id) ? t('in_progress') : t(`state_${r.state}`),
              ` ${t('progress', r)}`,
              r.state === 'upcoming' ? ` · ${t('due_at', { t: fmtTime(r.next.due) })}` : '',
            ),
          ),
        ),
      ),
    ),
    h('a', { class: 'button wide', href: '#/exception/new' }, t('report_exception')),
  );
}
