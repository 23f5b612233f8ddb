// Small DOM helpers, photo compression and the QR scanner.
import { t } from './i18n.js';
import { wall } from './schedule.js';
import { siteDoc } from './state.js';

/** h('button', {class: 'x', onclick}, 'text', child) -> element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let fieldCounter = 0;
/** A labelled control: the label is tied to the input for screen readers and big tap area. */
export function field(label, control, hint) {
  const id = control.id || `f${++fieldCounter}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint || null);
}

// Short, at the top, and never in the way: the next screen's main button sits at the bottom
// and a guard taps it at once. Only the dismiss control takes taps (see .toast in app.css).
export const TOAST_MS = 3000;

export function toast(text, kind = 'info') {
  const box = document.getElementById('toasts');
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': t('dismiss'), onclick: () => el.remove() }, '×');
  const el = h('div', { class: `toast ${kind}`, role: 'status' }, h('span', {}, text), close);
  box.append(el);
  // two at most: a stack of them would hide the screen's title for no gain
  while (box.children.length > 2) box.firstElementChild.remove();
  setTimeout(() => el.remove(), TOAST_MS);
}

// times are shown on the site's clock, as the handbook and the dashboard show them
export function fmtTime(date) {
  const d = wall(date, siteDoc().timezone);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

export function fmtDateTime(ms) {
  const d = wall(ms, siteDoc().timezone);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()} ${fmtTime(ms)}`;
}

export function fmtElapsed(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Shrink a camera photo on the device: longest side ≤ 1280 px, JPEG quality 0.7. */
export async function compressPhoto(file, maxSide = 1280, quality = 0.7) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob'))), 'image/jpeg', quality),
  );
}

/** A QR detector: the browser's BarcodeDetector, else the vendored ZXing (WebAssembly) one. */
async function detector() {
  if ('BarcodeDetector' in globalThis) {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    if (formats.includes('qr_code')) return new globalThis.BarcodeDetector({ formats: ['qr_code'] });
  }
  if (!globalThis.BarcodeDetectionAPI) {
    await new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/app/static/vendor/barcode-detector-3.2.2/ponyfill.js';
      s.onload = resolve;
      s.onerror = reject;
      document.head.append(s);
    });
    globalThis.BarcodeDetectionAPI.setZXingModuleOverrides({
      locateFile: (path) => `/app/static/vendor/zxing-wasm-3.1.3/${path}`,
    });
  }
  return new globalThis.BarcodeDetectionAPI.BarcodeDetector({ formats: ['qr_code'] });
}

/** Scan QR codes from the back camera into `video`; calls onCode(text); returns stop(). */
export async function startScanner(video, onCode) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'environment' },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  const det = await detector();
  let running = true;
  let last = '';
  let lastAt = 0;
  const loop = async () => {
    if (!running) return;
    try {
      if (video.readyState >= 2) {
        for (const code of await det.detect(video)) {
          // the same code stays in view for a while: report it once per 3 s
          if (code.rawValue !== last || Date.now() - lastAt > 3000) {
            last = code.rawValue;
            lastAt = Date.now();
            onCode(code.rawValue);
          }
        }
      }
    } catch {
      // a frame that cannot be read is skipped
    }
    setTimeout(loop, 200);
  };
  loop();
  return () => {
    running = false;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
}
