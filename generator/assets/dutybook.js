// Every handbook page registers the origin's one service worker (served by the app at
// /sw.js, root scope), so one online visit to any page keeps the whole handbook and its
// search offline, without opening /app/ first. Served without the app (a plain static
// copy of the site) there is no /sw.js and registration fails quietly.
(function () {
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return;
  var sw = navigator.serviceWorker;
  // read by tests: this page is served by the worker, so the handbook opens offline
  function ready() {
    document.documentElement.dataset.offlineReady = 'yes';
  }
  window.addEventListener('load', function () {
    // type 'module' as the app registers it: another type would replace the worker
    sw.register('/sw.js', { scope: '/', type: 'module' }).catch(function () {});
    sw.addEventListener('controllerchange', ready);
    sw.ready.then(function (reg) {
      // a page loaded while the worker activated is not controlled until it asks
      if (sw.controller) ready();
      else if (reg.active) reg.active.postMessage({ type: 'claim' });
    });
  });
})();
