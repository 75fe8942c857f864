/* 寻亲 request page (/staff/family-requests/{id}, web/templates/staff/family_request.html): sends the status and
 * the notes to PATCH /api/v1/family-requests/{id} with the version read and the CSRF token, then shows the request
 * as the API answers it. A stale version shows the request as it now stands and keeps what was typed. Every text
 * from the server is written as text, never as HTML.
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("family-data").textContent);
  const S = data.strings;
  const $ = (id) => document.getElementById(id);
  const form = $("update-form");
  if (!form) { return; }
  const status = $("status");
  const publicNote = $("public-note");
  const internalNote = $("internal-note");
  const save = $("save");
  const said = $("form-status");
  let version = data.version;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, (_, k) => (values[k] != null ? String(values[k]) : ""));
  }

  function tell(text, kind) {
    said.textContent = text;
    said.className = `form-status ${kind}`;
    said.hidden = !text;
  }

  function when(iso) {
    // YYYY-MM-DD HH:MM in China Standard Time, as the server writes it
    const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    const two = (n) => String(n).padStart(2, "0");
    return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  }

  function show(request) {
    version = request.version;
    const label = data.statuses[request.status] || request.status;
    const badge = document.querySelector('#handling [data-field="status"]');
    if (badge) {
      const span = document.createElement("span");
      span.className = `status status-${request.status}`;
      span.textContent = label;
      badge.replaceChildren(span);
    }
    const versionCell = document.querySelector('#handling [data-field="version"]');
    if (versionCell) { versionCell.textContent = String(request.version); }
    const updated = document.querySelector('#handling [data-field="updated_at"]');
    if (updated && request.updated_at) { updated.textContent = when(request.updated_at); }
    const list = $("notes");
    list.replaceChildren(...(request.notes || []).map((note) => {
      const li = document.createElement("li");
      li.className = note.public ? "public" : "internal";
      const tag = document.createElement("span");
      tag.className = "badge";
      tag.textContent = note.public ? S.public : S.internal;
      const by = document.createElement("span");
      by.className = "by";
      by.textContent = fmt(S.by, { author: note.author || "—", when: when(note.created_at) });
      const body = document.createElement("p");
      body.className = "body";
      body.textContent = note.body;
      li.append(tag, by, body);
      return li;
    }));
    $("no-notes").hidden = (request.notes || []).length > 0;
  }

  const reissue = $("reissue");
  const reissueSaid = $("reissue-status");
  reissue.addEventListener("click", () => {
    reissue.disabled = true;
    const say = (text, kind) => { reissueSaid.textContent = text; reissueSaid.className = `form-status ${kind}`; reissueSaid.hidden = false; };
    say(S.saving, "busy");
    fetch(data.reissue, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": data.csrf },
      body: JSON.stringify({ version }),
      credentials: "same-origin",
    }).then((response) => response.json().catch(() => ({})).then((answer) => {
      reissue.disabled = false;
      if (response.ok) {
        show(answer);
        $("follow-up").textContent = S.follow_up_yes;
        said.hidden = true;  // an earlier "saved" would name an older version
        say(fmt(S.reissued, { code: answer.follow_up_code, url: window.location.origin + data.follow }), "ok");
        return;
      }
      if ((response.status === 409 || response.status === 412) && answer.current) {
        data.status = answer.current.status;
        show(answer.current);
        say(fmt(S.stale, { status: data.statuses[answer.current.status] || answer.current.status, version: answer.current.version }), "error");
        return;
      }
      say(`${S.failed} ${answer.detail || response.status}`, "error");
    })).catch(() => {
      reissue.disabled = false;
      say(S.offline, "error");
    });
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { version };
    if (status.value !== data.status) { body.status = status.value; }
    const pub = publicNote.value.trim();
    const internal = internalNote.value.trim();
    for (const [text, box] of [[pub, publicNote], [internal, internalNote]]) {
      if (text.length > data.limit) {
        tell(fmt(S.too_long, { limit: data.limit, length: text.length }), "error");
        box.focus();
        return;
      }
    }
    if (pub) { body.public_note = pub; }
    if (internal) { body.internal_note = internal; }
    if (!body.status && !pub && !internal) { tell(S.nothing, "error"); status.focus(); return; }
    save.disabled = true;
    tell(S.saving, "busy");
    fetch(data.api, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": data.csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then((response) => response.json().catch(() => ({})).then((answer) => {
      save.disabled = false;
      if (response.ok) {
        data.status = answer.status;
        show(answer);
        publicNote.value = "";
        internalNote.value = "";
        tell(fmt(S.saved, { version: answer.version }), "ok");
        return;
      }
      if ((response.status === 409 || response.status === 412) && answer.current) {
        data.status = answer.current.status;
        show(answer.current);
        tell(fmt(S.stale, { status: data.statuses[answer.current.status] || answer.current.status, version: answer.current.version }), "error");
        return;
      }
      tell(`${S.failed} ${answer.detail || response.status}`, "error");
    })).catch(() => {
      save.disabled = false;
      tell(S.offline, "error");
    });
  });
})();
