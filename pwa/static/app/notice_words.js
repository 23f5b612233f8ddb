// The 手册已更新 notice's words (handbook_notice.js), Chinese and English.

export const NOTICE_WORDS = {
  zh: {
    title: '手册已更新',
    count: '{n} 项变更',
    major: '{n} 项变更，其中 {m} 项需要重新确认',
    reack: '需重新确认',
    changed: '内容有修改',
    added: '新增',
    removed: '已删除',
    ok: '知道了',
  },
  en: {
    title: 'Handbook updated',
    count: '{n} change(s)',
    major: '{n} change(s), {m} to acknowledge again',
    reack: 'acknowledge again',
    changed: 'content changed',
    added: 'new',
    removed: 'removed',
    ok: 'Got it',
  },
};
