/* VetMap crew pages (web/upkeep/crew_pages.py): the phone's position, the inspection form and the offline outbox.
 *
 * Every submission gets a client_key (a UUID) and the time of filling (inspected_at, with the zone) when it is
 * made, and goes into an outbox in IndexedDB (photos as Blobs) BEFORE it is sent. It leaves the outbox only on a
 * 2xx answer (201, or 200 when the server already had it: the client_key makes a replay harmless). A network
 * failure keeps it, to be sent again on the `online` event, on page load and every 30 s; so do 401 (signed out),
 * 408, 429 and 5xx. Any other 4xx is a refusal: it is kept aside, with the server's reason, until discarded.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("crew-config").textContent);
  const S = config.strings;
  const $ = (id) => document.getElementById(id);
  const RETRY_MS = 30000;

  function fmt(key, values) {
    return S[key].replace(/\{(\w+)\}/g, (_, k) => (values && values[k] != null ? String(values[k]) : ""));
  }

  function showMessage(text, isError) {
    const el = $("message");
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("error", Boolean(isError));
    el.hidden = !text;
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
    .then((items) => items.sort((a, b) => (a.created_at < b.created_at ? -1 : 1)));

  // -- sending ----------------------------------------------------------------------------------------------

  const transient = (status) => status === 401 || status === 408 || status === 429 || status >= 500;

  async function csrfToken() {
    const r = await fetch("/api/v1/auth/me", { credentials: "same-origin", cache: "no-store" });
    if (!r.ok) { return null; }
    return (await r.json()).csrf_token || null;
  }

  async function post(url, body, headers, token) {
    const r = await fetch(url, {
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

  async function keepOrRefuse(item, res) {
    if (transient(res.status)) {
      showMessage(res.status === 401 ? S["crew.sign_in_again"] : S["crew.retry_later"], true);
      return "stop";
    }
    item.state = "refused";
    item.error = res.detail;
    await putItem(item);
    showMessage(fmt("crew.refused", { reason: res.detail }), true);
    return "next";
  }

  async function sendPhotos(item, base, token) {
    const pos = item.body.position;
    for (const photo of item.photos) {
      if (photo.done) { continue; }
      const form = new FormData();
      form.append("file", photo.blob, photo.name || "photo.jpg");
      form.append("client_key", photo.client_key);
      if (pos) {
        form.append("lon", String(pos.lon));
        form.append("lat", String(pos.lat));
        if (pos.accuracy_m != null) { form.append("accuracy_m", String(pos.accuracy_m)); }
      }
      let res;
      try {
        res = await post(`${base}/${item.inspection_id}/photos`, form, {}, token);
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

  async function sendItem(item, token) {
    const base = `/api/v1/${item.collection}/${item.site_id}/inspections`;
    if (item.inspection_id == null) {
      let res;
      try {
        res = await post(base, JSON.stringify(item.body), { "Content-Type": "application/json" }, token);
      } catch (e) {
        return "stop";
      }
      if (!res.ok) { return keepOrRefuse(item, res); }
      item.inspection_id = res.data.id;
      item.condition_index = res.data.condition_index;
      await putItem(item);
    }
    if ((await sendPhotos(item, base, token)) === "stop") { return "stop"; }
    const refused = item.photos.filter((p) => p.error).map((p) => p.error);
    if (refused.length) {
      item.state = "refused";
      item.error = refused.join("; ");
      await putItem(item);
    } else {
      await deleteItem(item.client_key);
    }
    showMessage(refused.length ? item.error : fmt("crew.sent", { index: item.condition_index }), refused.length > 0);
    if (config.page === "site" && item.collection === config.collection && item.site_id === config.siteId) {
      refreshSite();
    }
    return "next";
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
    for (const item of waiting) {
      if ((await sendItem(item, token)) === "stop") { return; }
    }
  }

  let flushing = null;
  function flush() {
    if (!flushing) {
      flushing = runFlush().catch(() => undefined).then(render).finally(() => { flushing = null; });
    }
    return flushing;
  }

  // -- showing the outbox -----------------------------------------------------------------------------------

  function timeOf(item) {
    return (item.body.inspected_at || "").replace("T", " ").slice(0, 16);
  }

  async function render() {
    let items;
    try {
      items = await allItems();
    } catch (e) {
      showMessage(S["crew.no_storage"], true);
      return;
    }
    const waiting = items.filter((i) => i.state === "waiting");
    const refused = items.filter((i) => i.state === "refused");
    const box = $("outbox");
    box.hidden = false;
    $("outbox-count").textContent = fmt("crew.outbox", { n: waiting.length });
    box.dataset.waiting = String(waiting.length);
    $("outbox-list").replaceChildren(...waiting.map((i) => {
      const li = document.createElement("li");
      li.textContent = `${i.site_name} · ${timeOf(i)}`;
      return li;
    }));
    $("refused").hidden = refused.length === 0;
    $("refused-list").replaceChildren(...refused.map((i) => {
      const li = document.createElement("li");
      li.textContent = `${i.site_name} · ${timeOf(i)}: ${i.error} `;
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "small";
      drop.textContent = S["crew.discard"];
      drop.addEventListener("click", () => deleteItem(i.client_key).then(render));
      li.appendChild(drop);
      return li;
    }));
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

  // -- the site page ----------------------------------------------------------------------------------------

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

  async function submit(event) {
    event.preventDefault();
    const form = event.target;
    const filled = readForm(form);
    if (!Object.keys(filled.scores).length) { showMessage(S["crew.need_score"], true); return; }
    const key = uuid();
    const body = { client_key: key, inspected_at: isoWithZone(new Date()), scores: filled.scores,
      checklist: filled.checklist };
    if (filled.notes) { body.notes = filled.notes; }
    if (position) {
      body.position = { lon: position.lon, lat: position.lat };
      if (position.accuracy_m != null) { body.position.accuracy_m = position.accuracy_m; }
    }
    const files = Array.from($("photos").files || []);
    const item = {
      client_key: key,
      created_at: new Date().toISOString(),
      collection: config.collection,
      site_id: config.siteId,
      site_name: config.siteName,
      body: body,
      photos: files.map((f) => ({ client_key: uuid(), blob: f, name: f.name, done: false, error: null })),
      inspection_id: null,
      state: "waiting",
      error: null,
    };
    try {
      await putItem(item); // in the outbox before anything is sent
    } catch (e) {
      showMessage(S["crew.no_storage"], true);
      return;
    }
    form.reset();
    showMessage(S["crew.saved"], false);
    await render();
    await flush();
    const still = (await allItems()).some((i) => i.client_key === key && i.state === "waiting");
    if (still) { showMessage(S["crew.saved_offline"], true); }
  }

  // -- start ------------------------------------------------------------------------------------------------

  if (config.page === "tasks") {
    $("locate").addEventListener("click", sortByPosition);
    if (!config.hasPosition) { sortByPosition(); }
  }
  if (config.page === "site") {
    const form = $("inspection-form");
    if (form) { form.addEventListener("submit", submit); }
    const again = $("relocate");
    if (again) { again.addEventListener("click", () => locate(showPosition)); }
    if ($("position")) { $("position").textContent = S["crew.locating"]; locate(showPosition); }
  }
  if ($("outbox")) {
    window.addEventListener("online", flush);
    setInterval(flush, RETRY_MS);
    flush();
  }
})();
