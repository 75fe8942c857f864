/* The crews' service worker (issue 21), served at /crew/sw.js with scope /crew by api/routes/upkeep/crew_offline.py,
 * which writes `self.CREW_SW` (Workbox's module URLs on our own server, never a CDN) before this text.
 *
 * It answers only these GET requests, and lets every other request (POST, PATCH, other users' and public pages,
 * /api/v1/auth/...) go to the network untouched:
 *   - the crew pages (/crew, /crew/...): network first with a short timeout, else the copy kept on the phone, else
 *     the kept page /crew/offline ("not kept on this phone");
 *   - /api/v1/me/...: network first, else the kept copy;
 *   - /static/crew/... (URLs with a content hash): cache first; /static/vendor/...: the kept copy, refreshed behind.
 * Only 200 answers are kept. A page served from the phone gets <meta name="crew-offline" content="<when kept>">, so
 * crew_offline.js says "offline: data of ...". Kept copies are keyed without the lon/lat of the URL (the task list
 * sorted for a position is still the task list).
 *
 * The page (crew_offline.js) sends {type: "warm", entries: [{url, rev}], username, key}: the worker fetches, three
 * at a time, each URL whose rev differs from the one it kept (its manifest), keeps it, drops what the area no longer
 * lists, and reports progress. {type: "clear"} (sign-out) deletes every cache of the app, as does a navigation that
 * the server answers with the sign-in page (a redirect while /api/v1/auth/me says 401).
 */
/* global workbox */
"use strict";

importScripts(...self.CREW_SW.workbox);

const VERSION = "v1";
const PREFIX = "vetmap-crew-";
const CACHES = {
  pages: `${PREFIX}pages-${VERSION}`,
  api: `${PREFIX}api-${VERSION}`,
  assets: `${PREFIX}assets-${VERSION}`,
  meta: `${PREFIX}meta-${VERSION}`,
};
const MANIFEST = "/crew/offline-manifest.json"; // a cache key only: the revs of the kept URLs, and whose they are
const PAGE_TIMEOUT_S = 4;
const API_TIMEOUT_S = 6;
const AT_ONCE = 3;

const { registerRoute, setCatchHandler } = workbox.routing;
const { NetworkFirst, CacheFirst, StaleWhileRevalidate } = workbox.strategies;
const { CacheableResponsePlugin } = workbox.cacheableResponse;

let generation = 0; // raised by every clearing: a warm-up of an earlier generation keeps nothing more

// -- which requests, and under which key ------------------------------------------------------------------------

const sameOrigin = (url) => url.origin === self.location.origin;
const isPage = (url) =>
  sameOrigin(url) && (url.pathname === "/crew" || url.pathname.startsWith("/crew/")) && url.pathname !== "/crew/sw.js";
const isApi = (url) => sameOrigin(url) && url.pathname.startsWith("/api/v1/me/");
const isOwnAsset = (url) => sameOrigin(url) && url.pathname.startsWith("/static/crew/");
const isVendor = (url) => sameOrigin(url) && url.pathname.startsWith("/static/vendor/");

function cacheKey(href) {
  const url = new URL(href, self.location.origin);
  url.searchParams.delete("lon");
  url.searchParams.delete("lat");
  url.hash = "";
  return url.href;
}

function cacheFor(url) {
  if (isPage(url)) { return CACHES.pages; }
  if (isApi(url)) { return CACHES.api; }
  if (isOwnAsset(url) || isVendor(url)) { return CACHES.assets; }
  return null;
}

const keyPlugin = { cacheKeyWillBeUsed: async ({ request }) => cacheKey(request.url) };
const only200 = new CacheableResponsePlugin({ statuses: [200] });

// -- clearing ------------------------------------------------------------------------------------------------------

async function clearAll() {
  generation += 1;
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX)).map((n) => caches.delete(n)));
}

async function signedOut() {
  try {
    const r = await fetch("/api/v1/auth/me", { credentials: "same-origin", cache: "no-store" });
    return r.status === 401;
  } catch (e) {
    return false; // no network: nothing is known
  }
}

// A navigation answered by a redirect (the crew pages redirect only to the sign-in page): when the server says
// nobody is signed in, the phone forgets the area (a shared phone must not show the previous crew's data).
const signOutPlugin = {
  fetchDidSucceed: async ({ request, response, event }) => {
    if (request.mode === "navigate" && (response.type === "opaqueredirect" || response.redirected)) {
      const check = signedOut().then((out) => (out ? clearAll() : null));
      try {
        if (event && event.waitUntil) { event.waitUntil(check); }
      } catch (e) {
        // the event is over: the check runs on while the worker lives
      }
    }
    return response;
  },
};

// A page served from the phone says when it was kept, for crew_offline.js to show.
async function markKept(response) {
  const type = response.headers.get("content-type") || "";
  if (!type.startsWith("text/html")) { return response; }
  const when = new Date(response.headers.get("date") || Date.now());
  const stamp = Number.isNaN(when.getTime()) ? new Date() : when;
  // a kept task list is not sorted for a position again on opening: offline that would reload it for ever
  const html = (await response.text()).replace('"hasPosition":false', '"hasPosition":true');
  const meta = `<meta name="crew-offline" content="${stamp.toISOString()}">`;
  const at = html.indexOf("<head>");
  const body = at < 0 ? html : html.slice(0, at + 6) + meta + html.slice(at + 6);
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
}

const markPlugin = {
  cachedResponseWillBeUsed: async ({ cachedResponse }) => (cachedResponse ? markKept(cachedResponse) : null),
};

// -- routes --------------------------------------------------------------------------------------------------------

registerRoute(
  ({ url }) => isPage(url),
  new NetworkFirst({
    cacheName: CACHES.pages,
    networkTimeoutSeconds: PAGE_TIMEOUT_S,
    plugins: [keyPlugin, only200, signOutPlugin, markPlugin],
  }),
);
registerRoute(
  ({ url }) => isApi(url),
  new NetworkFirst({ cacheName: CACHES.api, networkTimeoutSeconds: API_TIMEOUT_S, plugins: [keyPlugin, only200] }),
);
registerRoute(({ url }) => isOwnAsset(url), new CacheFirst({ cacheName: CACHES.assets, plugins: [only200] }));
registerRoute(({ url }) => isVendor(url), new StaleWhileRevalidate({ cacheName: CACHES.assets, plugins: [only200] }));

// Neither the network nor the phone has the page: the kept page /crew/offline in the page's language says so.
setCatchHandler(async ({ request, url }) => {
  if (request.mode !== "navigate") { return Response.error(); }
  const fallback = new URL("/crew/offline", self.location.origin);
  const lang = url.searchParams.get("lang");
  if (lang) { fallback.searchParams.set("lang", lang); }
  const kept = await caches.match(fallback.href, { cacheName: CACHES.pages });
  return kept ? markKept(kept) : Response.error();
});

// -- the warm-up: keep every URL of my area ------------------------------------------------------------------------

async function readManifest() {
  const cache = await caches.open(CACHES.meta);
  const kept = await cache.match(MANIFEST);
  if (!kept) { return { username: null, revs: {} }; }
  try {
    return await kept.json();
  } catch (e) {
    return { username: null, revs: {} };
  }
}

async function writeManifest(manifest) {
  const cache = await caches.open(CACHES.meta);
  const body = JSON.stringify(manifest);
  await cache.put(MANIFEST, new Response(body, { headers: { "Content-Type": "application/json" } }));
}

async function keepOne(entry, manifest, mine, tally) {
  const url = new URL(entry.url, self.location.origin);
  const name = cacheFor(url);
  if (!name) { tally.failed.push(entry.url); return; }
  const key = cacheKey(url.href);
  const cache = await caches.open(name);
  if (manifest.revs[key] === entry.rev && (await cache.match(key))) {
    tally.skipped += 1;
    return;
  }
  let response;
  try {
    response = await fetch(url.href, { credentials: "same-origin", redirect: "manual", cache: "no-cache" });
  } catch (e) {
    tally.failed.push(entry.url); // no network any more: what is kept stays
    return;
  }
  if (response.type === "opaqueredirect" || response.status === 401) {
    tally.signedOut = true;
    return;
  }
  if (response.status !== 200) { tally.failed.push(entry.url); return; }
  const bytes = (await response.clone().arrayBuffer()).byteLength;
  if (generation !== mine) { return; }
  await cache.put(key, response);
  manifest.revs[key] = entry.rev;
  tally.fetched += 1;
  tally.bytes += bytes;
}

async function warm(message, report) {
  const mine = generation;
  let manifest = await readManifest();
  if (manifest.username && manifest.username !== message.username) {
    await clearAll(); // another crew signed in on this phone
    return warm(message, report);
  }
  manifest.username = message.username;
  const entries = message.entries;
  const tally = { total: entries.length, done: 0, fetched: 0, skipped: 0, bytes: 0, failed: [], signedOut: false };
  let next = 0;
  async function worker() {
    while (next < entries.length && !tally.signedOut && generation === mine) {
      const entry = entries[next];
      next += 1;
      await keepOne(entry, manifest, mine, tally);
      tally.done += 1;
      if (tally.done % 5 === 0 || tally.done === entries.length) {
        report({ type: "progress", done: tally.done, total: tally.total, fetched: tally.fetched });
      }
    }
  }
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  if (tally.signedOut) {
    await clearAll();
    report({ type: "done", signedOut: true });
    return;
  }
  if (generation !== mine) {
    report({ type: "done", cleared: true });
    return;
  }
  // what the area no longer lists (a site moved out, an order closed) is dropped, in every language; so are the
  // assets of old builds
  const listed = new Set(entries.map((e) => cacheKey(e.url)));
  const paths = new Set(entries.map((e) => new URL(e.url, self.location.origin).pathname));
  const dropped = Object.keys(manifest.revs).filter((key) => !paths.has(new URL(key).pathname));
  for (const key of dropped) {
    const name = cacheFor(new URL(key));
    if (name) { await (await caches.open(name)).delete(key); }
    delete manifest.revs[key];
  }
  const assets = await caches.open(CACHES.assets);
  for (const request of await assets.keys()) {
    if (isOwnAsset(new URL(request.url)) && !listed.has(cacheKey(request.url))) { await assets.delete(request); }
  }
  await writeManifest(manifest);
  report({
    type: "done",
    total: tally.total,
    fetched: tally.fetched,
    skipped: tally.skipped,
    bytes: tally.bytes,
    failed: tally.failed,
  });
}

let running = null; // {key, ports, promise}: one warm-up at a time; the same one asked again is joined

function startWarm(message, port) {
  if (running && running.key === message.key) {
    if (port) { running.ports.push(port); }
    return running.promise;
  }
  const job = { key: message.key, ports: port ? [port] : [] };
  const report = (data) => job.ports.forEach((p) => p.postMessage(data));
  const before = running ? running.promise.catch(() => null) : Promise.resolve();
  job.promise = before
    .then(() => warm(message, report))
    .catch((e) => report({ type: "done", error: String(e) }))
    .finally(() => {
      if (running === job) { running = null; }
    });
  running = job;
  return job.promise;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  if (data.type === "warm" && Array.isArray(data.entries)) {
    event.waitUntil(startWarm(data, port));
  } else if (data.type === "clear") {
    event.waitUntil(clearAll().then(() => port && port.postMessage({ type: "cleared" })));
  }
});

// -- life cycle ----------------------------------------------------------------------------------------------------

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  const current = new Set(Object.values(CACHES));
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(PREFIX) && !current.has(n)).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});
