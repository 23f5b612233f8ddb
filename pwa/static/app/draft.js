// Drafts: opening one and finishing it into a queued record (every change is in IndexedDB at once).
import { t } from './i18n.js';
import { app, currentSite, doc, saveDraft, settled } from './state.js';
import * as store from './store.js';
import { toast } from './ui.js';

export async function openDraft(type, defId, extra = {}) {
  const mine = await store.draftsOf(app.user.username);
  const found = mine.find((d) => d.type === type && d.def_id === defId && !extra.fresh);
  if (found) return found;
  const entry = doc(defId);
  const draft = {
    id: crypto.randomUUID(),
    owner: app.user.username,
    type,
    def_id: defId,
    def_version: entry?.version ?? null,
    // the document as it is now: a publish while the work goes on does not change it
    entry: entry ?? null,
    site: currentSite(),
    started_at: store.isoNow(),
    ...extra.fields,
  };
  await saveDraft(draft);
  return draft;
}

export async function finish(draft, data, blobs = []) {
  // an older copy of the draft still on its way must not land after the draft is removed
  await settled();
  const record = await store.commitRecord(
    draft.owner,
    {
      id: draft.id,
      type: draft.type,
      def_id: draft.def_id,
      def_version: draft.def_version,
      site: draft.site,
      data,
    },
    { draftId: draft.id, blobs },
  );
  toast(t('saved'));
  document.dispatchEvent(new CustomEvent('dutybook:queued', { detail: record }));
  return record;
}
