// Draft writes, off the page's main thread.
//
// After a tap, Chromium defers the page's other tasks until the next frame is drawn
// (DeferRendererTasksAfterInput), and IndexedDB's answers are among them: a write that is on
// disk 2 ms after the tap is reported to the page up to a frame (16.7 ms) later. A worker's
// event loop is not held back that way, so it learns of the commit when it happens. The page
// posts each draft here in order; every write is its own committed transaction.
import { db, putDraft } from './store.js';

self.addEventListener('message', async ({ data }) => {
  const { n, draft } = data;
  try {
    await putDraft(draft);
    // on the shared wall clock, so the page can place it on its own timeline
    self.postMessage({ n, at: performance.timeOrigin + performance.now() });
  } catch (err) {
    self.postMessage({ n, error: String(err?.message || err) });
  }
});

// open the database now rather than on the first tap
db().then(() => self.postMessage({ n: 0, ready: true }));
