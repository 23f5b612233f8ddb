// The screen: which route the hash names, and redrawing it (main.js installs the drawing).

// Views that redraw (account, outbox, definitions) call render() here rather than import
// main.js, which imports them: the hook keeps the module graph free of cycles.

let draw = async () => {};

/** Where the hash points: `#/name/arg?key=value` (no hash is Today). */
export function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  return { name: parts[0] || 'today', arg: parts[1] ? decodeURIComponent(parts[1]) : null, params: new URLSearchParams(query) };
}

/** Install the function that draws the current route (main.js, once, at start-up). */
export function drawWith(fn) {
  draw = fn;
}

/** Draw the current route again. */
export function render() {
  return draw();
}
