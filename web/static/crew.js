/* VetMap crew pages (web/upkeep/crew_pages.py): the phone's position, the inspection form, start / finish of a work
 * order, site edits, and the offline outbox they all go through.
 *
 * Every submission is an outbox item of one kind (inspection, move = a work order's start or finish with its after
 * photos, edit = a change of a few site fields) with a client_key (a UUID) made when it is filled in, and goes into
 * IndexedDB (photos as Blobs) BEFORE anything is sent. It leaves the outbox only on a 2xx answer (201, or 200 when
 * the server already had it: the client_key makes a replay harmless, for every kind). A network failure keeps it,
 * to be sent again on the `online` event, on page load and every 30 s; so do 401 (signed out), 408, 429 and 5xx.
 * Any other 4xx is a refusal: kept aside with the server's reason (in the page's language) until retried or
 * discarded. A site edit the server answers 409 with conflicts waits for the crew's choice per field (keep mine /
 * take theirs) and is then sent again with the server's values as its base.
 *
 * The outcome of each submission is written in the status line right under the button that made it (role=status,
 * role=alert for a refusal), scrolled into view: sent / saved on this phone, N waiting / refused and why.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("crew-config").textContent);
  const S = config.strings;
  const $ = (id) => document.getElementById(id);
  const RETRY_MS = 30000;
  const LANG_QUERY = `lang=${encodeURIComponent(config.lang || "zh")}`;

  function fmt(key, values) {
    return S[key].replace(/\{(\w+)\}/g, (_, k) => (values && values[k] != null ? String(values[k]) : ""));
  }

  function withLang(url) {
    return url + (url.includes("?") ? "&" : "?") + LANG_QUERY;
  }

  function showMessage(text, isError) {
    const el = $("message");
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("error", Boolean(isError));
    el.hidden = !text;
  }

  // -- the status next to the button ------------------------------------------------------------------------

  const statusOf = new Map(); // client_key -> the status line of the control that made the item (this page only)

  function setStatus(el, text, tone) {
    if (!el) { return; }
    el.textContent = text;
    el.hidden = !text;
    el.dataset.tone = tone || "ok"; // ok | waiting | error
    el.setAttribute("role", tone === "error" ? "alert" : "status");
    if (text && typeof el.scrollIntoView === "function") {
      el.scrollIntoView({ block: "nearest", behavior: "auto" });
    }
  }

  function tell(item, text, tone) {
    setStatus(statusOf.get(item.client_key), text, tone);
  }

  // -- ids and times ----------------------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") { return crypto.randomUUID(); }
    const b = crypto.getRandomValues(new Uint8Array(16)); // plain http on an intranet has no randomUUID
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function isoWithZone(d) {
    const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:` +
      `${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
  }

  // -- the outbox (IndexedDB) -------------------------------------------------------------------------------

  const DB_NAME = "vetmap-crew";
  const STORE = "outbox";
  let dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        const req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "client_key" });
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }

  function withStore(mode, work) {
    return openDb().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    }));
  }

  const putItem = (item) => withStore("readwrite", (s) => s.put(item));
  const deleteItem = (key) => withStore("readwrite", (s) => s.delete(key));
  const allItems = () => withStore("readonly", (s) => s.getAll())
    .then((items) => items.map((i) => Object.assign({ kind: "inspection" }, i))
      .sort((a, b) => (a.created_at < b.created_at ? -1 : 1)));

  async function waitingCount() {
    return (await allItems()).filter((i) => i.state === "waiting").length;
  }

  // -- sending ----------------------------------------------------------------------------------------------

  const transient = (status) => status === 401 || status === 408 || status === 429 || status >= 500;
  const sending = new Set(); // client_keys being sent now (shown as "sending")

  let signedInAs = null; // who the server says is signed in, learnt with the CSRF token

  async function csrfToken() {
    const r = await fetch("/api/v1/auth/me", { credentials: "same-origin", cache: "no-store" });
    if (!r.ok) { return null; }
    const me = await r.json();
    signedInAs = me.username || null;
    return me.csrf_token || null;
  }

  // Whose work an item is: the crew member the phone last brought the area up to date for (crew_offline.js
  // keeps the name). On a phone shared by two crews, an item is sent only under its own crew's sign-in.
  function currentOwner() {
    try {
      return (JSON.parse(window.localStorage.getItem("vetmap-crew-offline") || "{}") || {}).username || null;
    } catch (e) {
      return null;
    }
  }

  const mine = (item) => !item.owner || !signedInAs || item.owner === signedInAs;

  // Signing out with records still waiting: say so first (they stay, and go when their crew signs in again).
  const signOut = document.querySelector("form.signout");
  if (signOut) {
    signOut.addEventListener("submit", (event) => {
      if (signOut.dataset.confirmed === "1") { return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      allItems().catch(() => []).then((items) => {
        const n = items.filter((i) => i.state === "waiting" && i.owner === currentOwner()).length;
        if (n && !window.confirm(fmt("cw.signout_waiting", { n: n }))) { return; }
        signOut.dataset.confirmed = "1";
        signOut.requestSubmit();
      });
    });
  }

  async function post(url, body, headers, token) {
    const r = await fetch(withLang(url), {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign({ "X-CSRF-Token": token }, headers),
      body: body,
    }); // rejects when there is no network: the caller keeps the item
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    const detail = data && typeof data.detail === "string" ? data.detail : `HTTP ${r.status}`;
    return { ok: r.ok, status: r.status, data: data, detail: detail };
  }

  const postJson = (url, body, token) => post(url, JSON.stringify(body), { "Content-Type": "application/json" }, token);

  async function keepOrRefuse(item, res) {
    if (transient(res.status)) {
      const text = res.status === 401 ? S["crew.sign_in_again"] : S["crew.retry_later"];
      showMessage(text, true);
      tell(item, text, "waiting");
      return "stop";
    }
    item.state = "refused";
    item.error = res.detail;
    await putItem(item);
    showMessage(fmt("crew.refused", { reason: res.detail }), true);
    tell(item, fmt("cw.item_refused", { reason: res.detail }), "error");
    return "next";
  }

  async function sendPhotos(item, url, token, extra) {
    const pos = item.body && item.body.position;
    for (const photo of item.photos) {
      if (photo.done) { continue; }
      const form = new FormData();
      form.append("file", photo.blob, photo.name || "photo.jpg");
      form.append("client_key", photo.client_key);
      for (const [k, v] of Object.entries(extra || {})) { form.append(k, v); }
      if (pos) {
        form.append("lon", String(pos.lon));
        form.append("lat", String(pos.lat));
        if (pos.accuracy_m != null) { form.append("accuracy_m", String(pos.accuracy_m)); }
      }
      let res;
      try {
        res = await post(url, form, {}, token);
      } catch (e) {
        return "stop";
      }
      if (!res.ok && transient(res.status)) { return keepOrRefuse(item, res); }
      if (!res.ok) { photo.error = fmt("crew.photo_refused", { name: photo.name, reason: res.detail }); }
      photo.done = true;
      photo.blob = null;
      await putItem(item);
    }
    return "next";
  }

  async function finishWithPhotos(item, sentText) {
    const refused = item.photos.filter((p) => p.error).map((p) => p.error);
    if (refused.length) {
      item.state = "refused";
      item.error = refused.join("; ");
      await putItem(item);
      showMessage(item.error, true);
      tell(item, fmt("cw.item_refused", { reason: item.error }), "error");
    } else {
      await deleteItem(item.client_key);
      showMessage(sentText, false);
      tell(item, sentText, "ok");
    }
  }

  async function sendInspection(item, token) {
    const base = `/api/v1/${item.collection}/${item.site_id}/inspections`;
    if (item.inspection_id == null) {
      let res;
      try {
        res = await postJson(base, item.body, token);
      } catch (e) {
        return "stop";
      }
      if (!res.ok) { return keepOrRefuse(item, res); }
      item.inspection_id = res.data.id;
      item.condition_index = res.data.condition_index;
      await putItem(item);
    }
    if ((await sendPhotos(item, `${base}/${item.inspection_id}/photos`, token)) === "stop") { return "stop"; }
    await finishWithPhotos(item, fmt("crew.sent", { index: item.condition_index }));
    if (config.page === "site" && item.collection === config.collection && item.site_id === config.siteId) {
      refreshSite();
    }
    return "next";
  }

  async function sendMove(item, token) {
    if (!item.moved) {
      const body = { to: item.to, version: item.version, client_key: item.client_key };
      if (item.note) { body.note = item.note; }
      if (item.cost_actual != null) { body.cost_actual = item.cost_actual; }
      if (item.cost_actual != null && item.cost_base != null) { body.cost_base = item.cost_base; }
      let res;
      try {
        res = await postJson(`/api/v1/me/work-orders/${item.order_id}/transitions`, body, token);
      } catch (e) {
        return "stop";
      }
      if (!res.ok) { return keepOrRefuse(item, res); }
      item.moved = true;
      item.new_version = res.data.version;
      await putItem(item);
      // a finish queued behind this start read the version before it: it goes on from the new one
      for (const other of await allItems()) {
        if (other.kind === "move" && other.order_id === item.order_id && other.client_key !== item.client_key &&
            !other.moved && other.created_at > item.created_at) {
          other.version = res.data.version;
          await putItem(other);
        }
      }
      if (config.page === "order" && config.orderId === item.order_id) { config.version = res.data.version; }
    }
    const url = `/api/v1/work-orders/${item.order_id}/photos`;
    if ((await sendPhotos(item, url, token, { stage: "after" })) === "stop") { return "stop"; }
    await finishWithPhotos(item, S[item.to === "done" ? "cw.sent_finish" : "cw.sent_start"]);
    if (config.page === "order" && config.orderId === item.order_id) { refreshOrder(); }
    return "next";
  }

  async function sendEdit(item, token) {
    const body = { base_version: item.base_version, base: item.base, changes: item.changes,
      client_key: item.client_key };
    let res;
    try {
      res = await postJson(`/api/v1/me/sites/${item.collection}/${item.site_id}/edits`, body, token);
    } catch (e) {
      return "stop";
    }
    if (res.status === 409 && res.data && Array.isArray(res.data.conflicts)) {
      item.state = "conflict";
      item.error = res.detail;
      item.conflicts = res.data.conflicts;
      item.server_version = res.data.version;
      item.server_values = res.data.values || {};
      item.choices = {};
      await putItem(item);
      showMessage(S["cw.item_conflict"], true);
      tell(item, S["cw.item_conflict"], "error");
      return "next";
    }
    if (!res.ok) { return keepOrRefuse(item, res); }
    await deleteItem(item.client_key);
    const others = Object.keys(res.data.values || {}).some((f) => !(f in item.changes) &&
      item.known && item.known[f] !== undefined && item.known[f] !== res.data.values[f]);
    const text = S[others ? "cw.sent_edit_merged" : "cw.sent_edit"];
    showMessage(text, false);
    tell(item, text, "ok");
    if (config.page === "site" && item.collection === config.collection && item.site_id === config.siteId) {
      takeServerValues(res.data.version, res.data.values);
    }
    return "next";
  }

  function sendItem(item, token) {
    if (item.kind === "move") { return sendMove(item, token); }
    if (item.kind === "edit") { return sendEdit(item, token); }
    return sendInspection(item, token);
  }

  async function runFlush() {
    let waiting;
    try {
      waiting = (await allItems()).filter((i) => i.state === "waiting");
    } catch (e) {
      return;
    }
    if (!waiting.length) { return; }
    let token;
    try {
      token = await csrfToken();
    } catch (e) {
      return; // offline
    }
    if (!token) { showMessage(S["crew.sign_in_again"], true); return; }
    for (const stored of waiting.filter(mine)) {
      const item = (await allItems()).find((i) => i.client_key === stored.client_key); // versions may have moved
      if (!item || item.state !== "waiting") { continue; }
      sending.add(item.client_key);
      await render();
      let outcome;
      try {
        outcome = await sendItem(item, token);
      } finally {
        sending.delete(item.client_key);
      }
      if (outcome === "stop") { return; }
    }
  }

  let flushing = null;
  let flushAgain = false;
  function flush() {
    // one sender at a time; an item saved while it runs is sent by one more round right after
    if (flushing) { flushAgain = true; return flushing; }
    flushing = (async () => {
      do {
        flushAgain = false;
        await runFlush().catch(() => undefined);
        await render();
      } while (flushAgain);
    })().finally(() => { flushing = null; });
    return flushing;
  }

  // -- showing the outbox -----------------------------------------------------------------------------------

  const CHINA_TIME = (() => {
    try {
      return new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
    } catch (e) {
      return null;
    }
  })();

  function chinaTime(iso) {
    // a time as the pages write it: China Standard Time, "YYYY-MM-DD HH:MM" (web/times.py does the same)
    const d = iso ? new Date(iso) : null;
    if (!d || Number.isNaN(d.getTime())) { return (iso || "").replace("T", " ").slice(0, 16); }
    return CHINA_TIME ? CHINA_TIME.format(d).replace(",", "") : d.toISOString().replace("T", " ").slice(0, 16);
  }

  function timeOf(item) {
    return chinaTime(item.created_at || (item.body && item.body.inspected_at));
  }

  function kindLabel(item) {
    if (item.kind === "move") { return S[item.to === "done" ? "cw.kind.finish" : "cw.kind.start"]; }
    if (item.kind === "edit") { return S["cw.kind.edit"]; }
    return S["cw.kind.inspection"];
  }

  function button(text, cls, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `small ${cls}`;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  async function retry(key) {
    const item = (await allItems()).find((i) => i.client_key === key);
    if (item && item.state === "refused") {
      item.state = "waiting";
      item.error = null;
      for (const p of item.photos || []) { if (p.error && p.blob) { p.error = null; p.done = false; } }
      await putItem(item);
    }
    await render();
    await flush();
  }

  async function retryAll() {
    for (const item of await allItems()) {
      if (item.state === "refused") {
        item.state = "waiting";
        item.error = null;
        await putItem(item);
      }
    }
    await render();
    await flush();
  }

  function itemLine(item) {
    const li = document.createElement("li");
    const state = sending.has(item.client_key) ? "sending" : item.state;
    li.dataset.key = item.client_key;
    li.dataset.state = state;
    li.dataset.kind = item.kind;
    const what = document.createElement("span");
    what.className = "item-what";
    what.textContent = `${kindLabel(item)} · ${item.site_name || ""} · ${timeOf(item)}`;
    const badge = document.createElement("span");
    badge.className = `item-state state-${state}`;
    badge.textContent = S[`cw.state.${state}`] || state;
    li.append(what, " ", badge);
    if (item.error && state !== "sending") {
      const why = document.createElement("span");
      why.className = "item-reason";
      why.textContent = `${item.error} `;
      li.append(" ", why);
    }
    const here = config.page === "site" && item.collection === config.collection && item.site_id === config.siteId;
    if (item.state === "conflict" && !here) { // the choice is made on the site's page, next to its form
      const open = document.createElement("a");
      open.className = "item-open";
      open.href = `/crew/${item.collection}/${item.site_id}${config.lang === "en" ? "?lang=en" : ""}#edit-form`;
      open.textContent = S["cw.open_to_choose"];
      li.append(" ", open);
    }
    return li;
  }

  async function render() {
    let items;
    try {
      items = await allItems();
    } catch (e) {
      showMessage(S["crew.no_storage"], true);
      return;
    }
    const box = $("outbox");
    if (!box) { return; }
    const waiting = items.filter((i) => i.state === "waiting");
    const aside = items.filter((i) => i.state === "refused" || i.state === "conflict");
    box.hidden = waiting.length === 0; // nothing waits: no "0 waiting" line on every page (the count stays current)
    $("outbox-count").textContent = fmt("crew.outbox", { n: waiting.length });
    box.dataset.waiting = String(waiting.length);
    $("outbox-list").replaceChildren(...waiting.map((i) => {
      const li = itemLine(i);
      if (!mine(i)) {
        const note = document.createElement("span");
        note.className = "owner-note";
        note.textContent = fmt("cw.other_owner", { name: i.owner });
        li.append(note);
      } else if (!sending.has(i.client_key)) {
        li.append(button(S["cw.retry"], "retry", () => flush()));
      }
      return li;
    }));
    const all = $("retry-all");
    if (all) { all.hidden = waiting.length + items.filter((i) => i.state === "refused").length < 2; }
    $("refused").hidden = aside.length === 0;
    $("refused-list").replaceChildren(...aside.map((i) => {
      const li = itemLine(i);
      if (i.state === "refused") { li.append(button(S["cw.retry"], "retry", () => retry(i.client_key))); }
      li.append(" ", button(S["crew.discard"], "discard", () => deleteItem(i.client_key).then(render)));
      return li;
    }));
    if (config.page === "site") { renderConflicts(items); }
  }

  // -- position ---------------------------------------------------------------------------------------------

  let position = null;

  function locate(done) {
    if (!navigator.geolocation) { done(null); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => {
        const acc = p.coords.accuracy;
        position = {
          lon: Math.round(p.coords.longitude * 1e7) / 1e7,
          lat: Math.round(p.coords.latitude * 1e7) / 1e7,
          accuracy_m: acc != null && acc >= 0 && acc <= 100000 ? Math.round(acc * 10) / 10 : null,
        };
        done(position);
      },
      () => done(null),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }

  function showPosition() {
    const el = $("position");
    if (!el) { return; }
    el.textContent = position
      ? fmt("crew.position_value", { lon: position.lon, lat: position.lat, acc: position.accuracy_m ?? "?" })
      : S["crew.no_position"];
  }

  // -- the task list ----------------------------------------------------------------------------------------

  function sortByPosition() {
    const note = $("order-note");
    const before = note.textContent;
    note.textContent = S["crew.locating"];
    locate((p) => {
      if (!p) {
        note.textContent = before; // the list stays most urgent first
        showMessage(S["crew.no_position"], true);
        return;
      }
      const url = new URL(window.location.href);
      url.searchParams.set("lon", String(p.lon));
      url.searchParams.set("lat", String(p.lat));
      window.location.replace(url.toString());
    });
  }

  // -- saving an item, and saying so at the button ----------------------------------------------------------

  async function keep(item, statusEl) {
    try {
      await putItem(item); // in the outbox before anything is sent
    } catch (e) {
      setStatus(statusEl, S["crew.no_storage"], "error");
      showMessage(S["crew.no_storage"], true);
      return false;
    }
    statusOf.set(item.client_key, statusEl);
    setStatus(statusEl, S["cw.sending"], "waiting");
    showMessage(S["crew.saved"], false);
    return true;
  }

  async function sendNow(item, statusEl) {
    await render();
    await flush();
    const still = (await allItems()).find((i) => i.client_key === item.client_key && i.state === "waiting");
    if (still) {
      const n = await waitingCount();
      setStatus(statusEl, fmt("cw.saved_here", { n: n }), "waiting");
      showMessage(S["crew.saved_offline"], true);
    }
  }

  function newItem(kind, fields) {
    const now = new Date();
    return Object.assign({
      client_key: uuid(),
      kind: kind,
      owner: currentOwner(),
      created_at: now.toISOString(),
      created_local: isoWithZone(now),
      state: "waiting",
      error: null,
      photos: [],
    }, fields);
  }

  function photoEntries(input) {
    return Array.from((input && input.files) || []).map((f) => ({ client_key: uuid(), blob: f, name: f.name,
      done: false, error: null }));
  }

  // -- the site page: inspection ----------------------------------------------------------------------------

  async function refreshSite() {
    try {
      const r = await fetch(`/api/v1/me/sites/${config.collection}/${config.siteId}`, { cache: "no-store" });
      if (!r.ok) { return; }
      const site = await r.json();
      const set = (field, value) => {
        const el = document.querySelector(`dd[data-field="${field}"]`);
        if (el) { el.textContent = value; }
      };
      set("condition_index", site.condition_index == null ? "—" : String(site.condition_index));
      set("upkeep_status", config.upkeep[site.upkeep_status] || site.upkeep_status);
      set("last_inspected_on", site.last_inspected_on || S["crew.never"]);
      if (site.next_due_on) { set("next_due_on", site.next_due_on); }
    } catch (e) {
      // offline again: the page keeps what it shows
    }
  }

  function readForm(form) {
    const scores = {};
    for (const c of config.categories) {
      const chosen = form.querySelector(`input[name="score-${c}"]:checked`);
      if (chosen && chosen.value !== "na") { scores[c] = Number(chosen.value); }
    }
    const checklist = {};
    for (const c of config.checklist) { checklist[c] = form.elements[c].checked; }
    return { scores: scores, checklist: checklist, notes: form.elements.notes.value.trim() };
  }

  async function submitInspection(event) {
    event.preventDefault();
    const form = event.target;
    const statusEl = $("submit-status");
    const filled = readForm(form);
    if (!Object.keys(filled.scores).length) {
      setStatus(statusEl, S["crew.need_score"], "error");
      showMessage(S["crew.need_score"], true);
      return;
    }
    const item = newItem("inspection", {
      collection: config.collection,
      site_id: config.siteId,
      site_name: config.siteName,
      photos: photoEntries($("photos")),
      inspection_id: null,
    });
    const body = { client_key: item.client_key, inspected_at: item.created_local, scores: filled.scores,
      checklist: filled.checklist };
    if (filled.notes) { body.notes = filled.notes; }
    if (position) {
      body.position = { lon: position.lon, lat: position.lat };
      if (position.accuracy_m != null) { body.position.accuracy_m = position.accuracy_m; }
    }
    item.body = body;
    if (!(await keep(item, statusEl))) { return; } // the form keeps what was typed
    form.reset();
    await sendNow(item, statusEl);
  }

  // -- the site page: editing a few fields (three-way merge on the server) ----------------------------------

  function controlValue(name) {
    const el = document.querySelector(`#edit-form [name="${name}"]`);
    if (!el) { return undefined; }
    if (el.type === "checkbox") { return el.checked; }
    const v = el.value.trim();
    return v === "" ? null : v;
  }

  function setControl(name, value) {
    const el = document.querySelector(`#edit-form [name="${name}"]`);
    if (!el) { return; }
    if (el.type === "checkbox") { el.checked = Boolean(value); } else { el.value = value == null ? "" : value; }
  }

  function takeServerValues(version, values) {
    config.version = version;
    for (const [name, value] of Object.entries(values || {})) {
      config.fields[name] = value;
      setControl(name, value);
    }
    if (values && "upkeep_status" in values) {
      const dd = document.querySelector('dd[data-field="upkeep_status"]');
      if (dd) { dd.textContent = config.upkeep[values.upkeep_status] || values.upkeep_status; }
    }
  }

  async function submitEdit(event) {
    event.preventDefault();
    const statusEl = $("edit-status");
    const base = {};
    const changes = {};
    for (const name of Object.keys(config.fields)) {
      const now = controlValue(name);
      const had = config.fields[name] === "" ? null : config.fields[name];
      if (now !== undefined && now !== had) {
        base[name] = had;
        changes[name] = now;
      }
    }
    if (!Object.keys(changes).length) { setStatus(statusEl, S["cw.edit_nothing"], "waiting"); return; }
    const item = newItem("edit", {
      collection: config.collection,
      site_id: config.siteId,
      site_name: config.siteName,
      base_version: config.version,
      base: base,
      changes: changes,
      known: Object.assign({}, config.fields),
    });
    if (!(await keep(item, statusEl))) { return; }
    Object.assign(config.fields, changes); // what the phone now has: the base of a further edit
    await sendNow(item, statusEl);
  }

  function shown(name, value) {
    if (typeof value === "boolean") { return S[value ? "cw.yes" : "cw.no"]; }
    if (value == null || value === "") { return S["cw.empty"]; }
    if (name === "upkeep_status") { return config.upkeep[value] || value; }
    return String(value);
  }

  async function choose(key, field, choice) {
    const item = (await allItems()).find((i) => i.client_key === key);
    if (!item || item.state !== "conflict") { return; }
    item.choices = Object.assign({}, item.choices, { [field]: choice });
    const open = item.conflicts.filter((c) => !(c.field in item.choices));
    if (open.length) { await putItem(item); await render(); return; }
    // every conflict chosen: the server's values become the base; "take theirs" drops the field
    const base = Object.assign({}, item.base);
    const changes = Object.assign({}, item.changes);
    for (const c of item.conflicts) {
      base[c.field] = c.theirs;
      if (item.choices[c.field] === "theirs") { delete changes[c.field]; delete base[c.field]; }
    }
    await deleteItem(item.client_key);
    const statusEl = $("edit-status");
    if (config.page === "site" && item.site_id === config.siteId) {
      takeServerValues(item.server_version, item.server_values);
      Object.assign(config.fields, changes);
      for (const [name, value] of Object.entries(changes)) { setControl(name, value); }
    }
    if (!Object.keys(changes).length) {
      setStatus(statusEl, S["cw.conflict_resolved"], "ok");
      await render();
      return;
    }
    const again = newItem("edit", {
      collection: item.collection,
      site_id: item.site_id,
      site_name: item.site_name,
      base_version: item.server_version,
      base: base,
      changes: changes,
      known: Object.assign({}, item.server_values),
    });
    if (!(await keep(again, statusEl))) { return; }
    setStatus(statusEl, S["cw.conflict_resolved"], "waiting");
    await sendNow(again, statusEl);
  }

  function renderConflicts(items) {
    const panel = $("edit-conflicts");
    if (!panel) { return; }
    const mine = items.filter((i) => i.kind === "edit" && i.state === "conflict" &&
      i.collection === config.collection && i.site_id === config.siteId);
    panel.hidden = mine.length === 0;
    const rows = [];
    for (const item of mine) {
      for (const c of item.conflicts) {
        const li = document.createElement("li");
        li.className = "conflict";
        li.dataset.field = c.field;
        const title = document.createElement("strong");
        title.textContent = S[`cw.field.${c.field}`] || c.field;
        const a = document.createElement("p");
        a.className = "mine";
        a.textContent = fmt("cw.conflict_mine", { value: shown(c.field, c.mine) });
        const b = document.createElement("p");
        b.className = "theirs";
        b.textContent = fmt("cw.conflict_theirs", { value: shown(c.field, c.theirs) }) +
          (c.by ? fmt("cw.conflict_by", { by: c.by, at: chinaTime(c.at) }) : "");
        const chosen = (item.choices || {})[c.field];
        const keepMine = button(S["cw.keep_mine"], "keep-mine", () => choose(item.client_key, c.field, "mine"));
        const takeTheirs = button(S["cw.take_theirs"], "take-theirs",
          () => choose(item.client_key, c.field, "theirs"));
        keepMine.setAttribute("aria-pressed", String(chosen === "mine"));
        takeTheirs.setAttribute("aria-pressed", String(chosen === "theirs"));
        const choices = document.createElement("div");
        choices.className = "choose";
        choices.append(keepMine, takeTheirs);
        li.append(title, a, b, choices);
        rows.push(li);
      }
    }
    $("conflict-list").replaceChildren(...rows);
  }

  // -- the work-order page ----------------------------------------------------------------------------------

  function costValue(input) {
    const raw = input.value.trim().replace(/[,，\s]/g, "").replace("。", ".");
    if (raw === "") { return { ok: true, value: null }; }
    if (!/^\d{1,10}(\.\d{1,2})?$/.test(raw)) { return { ok: false }; }
    return { ok: true, value: raw };
  }

  function showFinishForm(note) {
    const start = $("start-form");
    const finish = $("finish-form");
    if (start) { start.hidden = true; }
    if (finish) { finish.hidden = false; }
    if (note) { setStatus($("move-status"), note, "waiting"); }
  }

  async function submitMove(event) {
    event.preventDefault();
    const form = event.target;
    const to = form.dataset.to;
    const statusEl = $("move-status");
    const fields = { order_id: config.orderId, to: to, version: config.version, site_name: config.siteName,
      note: (form.elements.note.value || "").trim() || null, cost_actual: null, moved: false };
    if (to === "done") {
      const cost = costValue(form.elements.cost_actual);
      const err = $("cost-error");
      if (!cost.ok) {
        err.textContent = S["cw.bad_cost"];
        err.hidden = false;
        form.elements.cost_actual.setAttribute("aria-invalid", "true");
        form.elements.cost_actual.focus();
        setStatus(statusEl, S["cw.bad_cost"], "error");
        return;
      }
      err.hidden = true;
      form.elements.cost_actual.removeAttribute("aria-invalid");
      fields.cost_actual = cost.value;
      fields.cost_base = config.costActual == null ? null : Number(config.costActual).toFixed(2); // what I saw
      fields.photos = photoEntries($("finish-photos"));
    }
    const item = newItem("move", fields);
    if (!(await keep(item, statusEl))) { return; }
    form.reset();
    if (to === "in_progress") { showFinishForm(null); } else { form.hidden = true; }
    await sendNow(item, statusEl);
  }

  async function refreshOrder() {
    try {
      const r = await fetch(`/api/v1/me/work-orders/${config.orderId}`, { cache: "no-store" });
      if (!r.ok) { return; }
      const sheet = await r.json();
      const order = sheet.order;
      config.version = order.version;
      config.status = order.status;
      config.costActual = order.cost_actual;
      const status = document.querySelector('dd[data-field="status"]');
      const statusLabel = config.statusLabels && config.statusLabels[order.status];
      if (status && statusLabel) { status.textContent = statusLabel; }
      const cost = document.querySelector('dd[data-field="cost_actual"]');
      if (cost && order.cost_actual != null && config.yuan) {
        cost.textContent = config.yuan.replace("{n}", Number(order.cost_actual).toFixed(2));
      }
      const photos = $("order-photos");
      if (photos && Array.isArray(sheet.photos) && sheet.photos.length) {
        const list = document.createElement("ul");
        list.className = "thumbs";
        sheet.photos.forEach((p, i) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = p.url;
          const img = document.createElement("img");
          img.src = p.thumbnail_url;
          img.width = 96;
          img.height = 96;
          img.alt = `${config.stageLabels ? config.stageLabels[p.stage] || p.stage : p.stage} ${i + 1}`;
          a.appendChild(img);
          li.appendChild(a);
          list.appendChild(li);
        });
        const old = photos.querySelector("ul.thumbs, p");
        if (old) { old.replaceWith(list); } else { photos.appendChild(list); }
      }
      const history = $("history");
      if (history && Array.isArray(sheet.history)) {
        history.replaceChildren(...sheet.history.slice().reverse().map((h) => {
          const li = document.createElement("li");
          const when = document.createElement("span");
          when.className = "when";
          when.textContent = `${chinaTime(h.at)} · ${h.actor}`;
          const move = document.createElement("span");
          move.className = "move";
          const label = (s) => (config.statusLabels && config.statusLabels[s]) || s || "";
          const fields = Object.keys(h.changes || {}).map((f) => (config.fieldLabels || {})[f] || f);
          if (!h.from_status && h.to_status) {
            move.textContent = config.createdLabel || label(h.to_status);
          } else {
            move.textContent = h.to_status ? `${label(h.from_status)} → ${label(h.to_status)}` :
              (config.changedLabel || "{fields}").replace("{fields}", fields.join(", "));
          }
          li.append(when, move);
          if (h.note) {
            const note = document.createElement("span");
            note.className = "note";
            note.textContent = h.note;
            li.append(note);
          }
          return li;
        }));
      }
    } catch (e) {
      // offline again: the page keeps what it shows
    }
  }

  async function showQueuedMoves() {
    let items;
    try { items = await allItems(); } catch (e) { return; }
    const mine = items.filter((i) => i.kind === "move" && i.order_id === config.orderId && i.state === "waiting");
    if (mine.some((i) => i.to === "in_progress") && config.nextMove === "in_progress") {
      showFinishForm(S["cw.offline_start_shown"]);
    }
    if (mine.some((i) => i.to === "done")) {
      const finish = $("finish-form");
      if (finish) { finish.hidden = true; }
      setStatus($("move-status"), fmt("cw.saved_here", { n: items.filter((i) => i.state === "waiting").length }),
        "waiting");
    }
  }

  // -- photo pickers: how many are chosen, in the page's language -------------------------------------------

  function showChosen(input) {
    const line = $(`${input.id}-chosen`);
    if (!line) { return; }
    const n = (input.files || []).length;
    line.textContent = n ? fmt("cw.photos_chosen", { n: n }) : S["cw.photos_none"];
  }

  for (const input of document.querySelectorAll("input.file-input")) {
    input.addEventListener("change", () => showChosen(input));
    input.form.addEventListener("reset", () => setTimeout(() => showChosen(input), 0));
  }

  // -- start ------------------------------------------------------------------------------------------------

  if (config.page === "tasks") {
    $("locate").addEventListener("click", sortByPosition);
    if (!config.hasPosition) { sortByPosition(); }
  }
  if (config.page === "site") {
    const form = $("inspection-form");
    if (form) { form.addEventListener("submit", submitInspection); }
    const edit = $("edit-form");
    if (edit) { edit.addEventListener("submit", submitEdit); }
    const again = $("relocate");
    if (again) { again.addEventListener("click", () => locate(showPosition)); }
    if ($("position")) { $("position").textContent = S["crew.locating"]; locate(showPosition); }
  }
  if (config.page === "order") {
    for (const id of ["start-form", "finish-form"]) {
      const form = $(id);
      if (form) { form.addEventListener("submit", submitMove); }
    }
    showQueuedMoves();
  }
  if ($("retry-all")) { $("retry-all").addEventListener("click", retryAll); }
  if ($("outbox")) {
    window.addEventListener("online", flush);
    setInterval(flush, RETRY_MS);
    render().then(flush);
  }
})();
