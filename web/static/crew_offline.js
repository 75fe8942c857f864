/* The crews' offline app (issue 21), on every crew page: registers the service worker (/crew/sw.js, scope /crew),
 * keeps the data of my area on the phone and says how fresh it is in the header's <p id="data-as-of">.
 *
 * Online, it asks /api/v1/me/offline (ETag: unchanged data costs a 304) and hands the worker its list of URLs, each
 * with a fingerprint; the worker fetches, a few at a time, only those that changed. The bundle itself is kept in
 * Cache Storage next to the pages, not in IndexedDB: it is read whole (never queried by field), the worker and the
 * page share the one store, HTTP revalidation (ETag) comes with it, and one call clears it all. What this script
 * remembers for itself in localStorage is small: whose data it is, when it was last brought up to date and the
 * labels of the header note (so the note can be written offline).
 *
 * A page the worker served from the phone carries <meta name="crew-offline" content="<when kept>">: the note then
 * says "offline: data of ...". Signing out (the header's form.signout) first clears the caches and this script's
 * own record, so a shared phone never shows the previous crew's area.
 */
(function () {
  "use strict";

  const STATE_KEY = "vetmap-crew-offline";
  const PREFIX = "vetmap-crew-";
  const BUNDLE_CACHE = `${PREFIX}api-v1`; // the worker's cache of /api/v1/me/... (web/static/crew_sw.js)
  const WORKER = "/crew/sw.js";
  const SCOPE = "/crew";
  const CLEAR_WAIT_MS = 3000;
  const SILENCE_MS = 60000;

  const note = document.getElementById("data-as-of");
  const configEl = document.getElementById("crew-config");
  const config = configEl ? JSON.parse(configEl.textContent) : {};
  const lang = config.lang === "en" ? "en" : "zh";
  const locale = lang === "zh" ? "zh-CN" : "en-GB";
  const explicitLang = new URL(window.location.href).searchParams.get("lang");
  const keptMeta = document.querySelector('meta[name="crew-offline"]');
  const loadedAt = new Date();
  const canKeep = "serviceWorker" in navigator && "caches" in window && window.isSecureContext;

  // -- what this script remembers --------------------------------------------------------------------------------

  function loadState() {
    try {
      return JSON.parse(window.localStorage.getItem(STATE_KEY) || "{}") || {};
    } catch (e) {
      return {};
    }
  }

  function saveState() {
    try {
      window.localStorage.setItem(STATE_KEY, JSON.stringify(state));
    } catch (e) {
      // private mode or full: the note is only written while the page lives
    }
  }

  let state = loadState();
  let backOnline = false; // the network came back while this page, kept on the phone, was open

  // -- the header note -------------------------------------------------------------------------------------------

  function text(key, values) {
    const template = ((state.strings || {})[lang] || {})[key];
    if (!template) { return ""; }
    return template.replace(/\{(\w+)\}/g, (_, k) => (values && values[k] != null ? String(values[k]) : ""));
  }

  function when(value) {
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) { return ""; }
    const time = d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hour12: false });
    if (d.toDateString() === new Date().toDateString()) { return text("crew_offline.today", { time: time }); }
    const day = d.toLocaleDateString(locale, { month: lang === "zh" ? "long" : "short", day: "numeric" });
    return `${day} ${time}`;
  }

  function show(value, offline) {
    if (!note) { return; }
    note.textContent = value || "";
    note.hidden = !value;
    note.classList.toggle("offline", Boolean(offline && value)); // crew.css marks the phone's copy
  }

  function showStatus() {
    if (keptMeta) {
      show(navigator.onLine && backOnline
        ? text("crew_offline.reload")
        : text("crew_offline.offline_page", { time: when(keptMeta.content) }), true);
    } else if (!navigator.onLine) {
      show(text("crew_offline.offline_page", { time: when(loadedAt) }) || text("crew_offline.offline"), true);
    } else if (state.lastSync) {
      const failed = state.failed || 0;
      const fresh = text(failed ? "crew_offline.saved_partly" : "crew_offline.as_of", { time: when(state.lastSync), failed: failed });
      show(state.truncated ? `${fresh} · ${text("crew_offline.truncated", { n: state.truncated })}` : fresh);
    } else {
      show("");
    }
  }

  // -- clearing (sign-out, another crew) ---------------------------------------------------------------------------

  async function askWorker(message) {
    const reg = await navigator.serviceWorker.getRegistration(SCOPE);
    const worker = reg && (reg.active || reg.waiting || reg.installing);
    if (!worker) { return null; }
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      worker.postMessage(message, [channel.port2]);
    });
  }

  async function clearAll() {
    state = {};
    try {
      window.localStorage.removeItem(STATE_KEY);
    } catch (e) {
      // nothing kept there
    }
    if (!canKeep) { return; }
    await askWorker({ type: "clear" }); // first the worker: a warm-up under way stops keeping pages
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(PREFIX)).map((n) => caches.delete(n)));
  }

  function clearOnSignOut(form) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.cleared) { return; }
      event.preventDefault();
      const go = () => {
        form.dataset.cleared = "1";
        form.submit();
      };
      const waited = new Promise((resolve) => window.setTimeout(resolve, CLEAR_WAIT_MS));
      Promise.race([clearAll(), waited]).then(go, go);
    });
  }

  // -- bringing the area up to date -------------------------------------------------------------------------------

  function pageUrl(url) {
    if (!explicitLang || !url.startsWith("/crew")) { return url; }
    const u = new URL(url, window.location.origin);
    u.searchParams.set("lang", explicitLang);
    return u.pathname + u.search;
  }

  function warm(bundle) {
    return new Promise((resolve) => {
      let watchdog = 0;
      const wait = () => {
        window.clearTimeout(watchdog); // a worker stopped by the browser mid-way never answers: try next time
        watchdog = window.setTimeout(() => resolve({ type: "done", error: "no answer" }), SILENCE_MS);
      };
      wait();
      navigator.serviceWorker.ready.then((reg) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => {
          const data = event.data || {};
          wait();
          if (data.type === "progress") {
            if (data.fetched > 0) { show(text("crew_offline.saving", { done: data.done, total: data.total })); }
          } else if (data.type === "done") {
            window.clearTimeout(watchdog);
            resolve(data);
          }
        };
        // a page's copy depends on its language; the API's answers and the assets do not
        const entries = bundle.precache.map((e) =>
          e.url.startsWith("/crew") ? { url: pageUrl(e.url), rev: `${e.rev}|${lang}` } : e);
        const key = `${bundle.rev}|${bundle.build}|${lang}|${explicitLang || ""}`;
        reg.active.postMessage({ type: "warm", entries: entries, username: bundle.username, key: key }, [channel.port2]);
      });
    });
  }

  let syncing = false;

  async function sync() {
    if (syncing || !navigator.onLine) { return; }
    syncing = true;
    try {
      const url = new URL(`/api/v1/me/offline?lang=${lang}`, window.location.origin).href;
      const answer = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
      if (answer.status === 401) { await clearAll(); showStatus(); return; }
      if (!answer.ok) { return; }
      const bundle = await answer.clone().json();
      if (state.username && state.username !== bundle.username) { await clearAll(); }
      state.username = bundle.username;
      state.strings = Object.assign({}, state.strings, { [lang]: bundle.strings });
      saveState();
      await (await caches.open(BUNDLE_CACHE)).put(url, answer);
      const done = await warm(bundle);
      if (done.signedOut || done.cleared) {
        await clearAll();
      } else if (!done.error) {
        state.lastSync = new Date().toISOString();
        state.failed = (done.failed || []).length;
        state.truncated = bundle.truncated ? bundle.sites.length : 0;
        state.kept = { total: done.total, fetched: done.fetched, bytes: done.bytes };
        saveState();
        // ask the browser not to evict the area under storage pressure (granted as it sees fit)
        if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(() => null); }
      }
      showStatus();
      document.documentElement.dataset.crewOffline = done.error ? "failed" : "ready";
    } catch (e) {
      showStatus(); // the network went away meanwhile: what was kept stays
    } finally {
      syncing = false;
    }
  }

  // -- start -------------------------------------------------------------------------------------------------------

  document.querySelectorAll("form.signout").forEach(clearOnSignOut);
  showStatus();
  window.addEventListener("offline", showStatus);
  window.addEventListener("online", () => {
    backOnline = true;
    showStatus();
    sync();
  });
  // no service worker (plain http on an intranet, an old browser): say so, with the page's own label if need be
  const cannotKeep = () => show(text("crew_offline.no_storage") || (config.strings || {})["crew.no_storage"]);
  if (!canKeep) {
    cannotKeep();
    return;
  }
  navigator.serviceWorker
    .register(WORKER, { scope: SCOPE })
    .then(() => (keptMeta ? null : sync()))
    .catch(cannotKeep);
})();
