// Continuity field app service worker, scoped to /app/. The server fills in
// VERSION (a digest of every shell file) and PRECACHE (their URLs), so a new
// build is a new service worker and a new cache; old caches are deleted once
// the new worker takes over. Only the shell is cached here: people's data
// lives in IndexedDB (the SDK) and API calls (/v1/) always go to the network,
// as does the QR decoder (/assets/jsqr/), which the app imports only to scan
// an enrolment code, when enrolling needs the network anyway.
const VERSION = '__VERSION__';
const PRECACHE = ['__PRECACHE__'];
const CACHE = 'continuity-shell-' + VERSION;

// API calls go straight to the network without waking this worker (the
// static routing API, where the browser has it): a worker that sees the
// app's syncs and retries is never idle, and a new version waits for the
// worker it replaces to be idle before it takes over (Chromium parks it up
// to five minutes), so the person's "Use the new version" would seem to do
// nothing while the app keeps trying to reach the server.
const NETWORK_ONLY = ['/v1/*'];

self.addEventListener('install', (event) => {
  const routes = typeof event.addRoutes === 'function' && typeof URLPattern === 'function'
    ? event.addRoutes(NETWORK_ONLY.map((pathname) => ({ condition: { urlPattern: new URLPattern({ pathname }) }, source: 'network' }))).catch(() => {})
    : Promise.resolve();
  event.waitUntil(Promise.all([
    routes,
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.map((u) => new Request(u, { cache: 'reload' })))),
  ]));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('continuity-shell-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

// The page asks the waiting worker to take over when the person chooses to
// update (the app shows "A new version is ready").
self.addEventListener('message', (event) => {
  // waitUntil keeps this worker running until the browser has taken the
  // request. The browser activates it once the old worker is idle.
  if (event.data && event.data.type === 'skip-waiting') event.waitUntil(self.skipWaiting());
  if (event.data && event.data.type === 'version' && event.ports[0]) event.ports[0].postMessage(VERSION);
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/v1/') || url.pathname === '/app/version.json') return;
  const shell = url.pathname.startsWith('/app/') || url.pathname.startsWith('/sdk/') || url.pathname.startsWith('/shared/') || url.pathname.startsWith('/assets/govuk/');
  if (!shell) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // Navigations inside /app/ all get the app's one page (routes are hash routes).
    const key = req.mode === 'navigate' && url.pathname.startsWith('/app/') ? '/app/' : url.pathname;
    const hit = await cache.match(key);
    if (hit) return hit;
    try {
      const res = await fetch(req);
      if (res.ok && res.type === 'basic') cache.put(key, res.clone());
      return res;
    } catch (err) {
      return new Response('Continuity is offline and this file was not saved on this device.', {
        status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    }
  })());
});
