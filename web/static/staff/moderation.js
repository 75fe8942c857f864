/* The moderation page (/staff/moderation, web/templates/staff/moderation.html): each button sends its decision to
 * the API with the CSRF token and says what happened next to it; a done item leaves its queue and the counts drop.
 * Tributes: POST /api/v1/tributes/{id}/approve | reject {reason}. Photos: POST /api/v1/photos/{id}/publish, or
 * POST /staff/moderation/photos/{id}/keep-private. Reports: POST /api/v1/work-orders/{id}/transitions with the
 * version read (to triaged, or duplicate with duplicate_of), or POST /staff/moderation/reports/{id}/reject {version,
 * note}. Refusals are the server's sentence in the page's language; text is written as text, never as HTML.
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("moderation-data").textContent);
  const S = data.strings;
  const lang = data.lang;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, (_, k) => (values[k] != null ? String(values[k]) : ""));
  }

  function tell(item, text, kind) {
    const said = item.querySelector(".said");
    said.textContent = text;
    said.className = `said ${kind}`;
    said.hidden = !text;
  }

  function setBusy(item, busy) {
    item.querySelectorAll("button, input, select, textarea").forEach((el) => {
      if (busy) {
        el.dataset.wasDisabled = el.disabled ? "1" : "";
        el.disabled = true;
      } else {
        el.disabled = el.dataset.wasDisabled === "1";
      }
    });
    item.setAttribute("aria-busy", busy ? "true" : "false");
  }

  const CJK = /[\u3400-\u9fff]/;

  function reason(status, body, conflict) {
    // a sentence in the page's language: the server's own when it has one, else ours
    if (status === 409 && conflict && !(body && body.current)) { return conflict; }
    if (status === 412 || (status === 409 && body && body.current)) {
      const now = body && body.current && body.current.status;
      return now && now !== "reported" ? fmt(S.stale_status, {status: data.statuses[now] || now}) : S.stale;
    }
    if (status === 403) { return S.forbidden; }
    if (status === 404) { return S.gone; }
    if (status === 422 && body && Array.isArray(body.errors)) { return S.too_long; }
    const detail = body && typeof body.detail === "string" ? body.detail : "";
    if (detail && (lang !== "zh" || CJK.test(detail))) { return detail; }
    return S.failed;
  }

  async function send(url, payload) {
    const headers = {"X-CSRF-Token": data.csrf, Accept: "application/json", "Accept-Language": lang};
    const init = {method: "POST", credentials: "same-origin", headers};
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const sep = url.includes("?") ? "&" : "?";
    const response = await fetch(`${url}${sep}lang=${encodeURIComponent(lang)}`, init);
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    return {ok: response.ok, status: response.status, body};
  }

  function done(item, text) {
    tell(item, text, "ok");
    item.classList.add("done");
    item.querySelectorAll(".actions").forEach((el) => el.remove());
    const section = item.closest("section.queue");
    const key = section.dataset.queue;
    document.querySelectorAll(`[data-count="${key}"]`).forEach((el) => {
      el.textContent = String(Math.max(0, Number(el.textContent) - 1));
    });
    const waiting = section.querySelectorAll(".item:not(.done)").length;
    if (waiting === 0) {
      const empty = section.querySelector(".empty");
      empty.textContent = S.empty;
      empty.hidden = false;
    }
  }

  async function act(item, url, payload, success, conflict) {
    setBusy(item, true);
    tell(item, S.busy, "busy");
    let answer;
    try {
      answer = await send(url, payload);
    } catch (e) {
      setBusy(item, false);
      tell(item, S.offline, "error");
      return;
    }
    setBusy(item, false);
    if (answer.ok) {
      done(item, typeof success === "function" ? success(answer.body) : success);
      return;
    }
    if (answer.status === 401 || answer.status === 303) { window.location.reload(); return; }
    tell(item, S.refused + reason(answer.status, answer.body, conflict), "error");
  }

  function require(item, field, sentence) {
    const value = field.value.trim();
    if (!value) {
      tell(item, sentence, "error");
      field.setAttribute("aria-invalid", "true");
      field.focus();
      return null;
    }
    field.removeAttribute("aria-invalid");
    return value;
  }

  const handlers = {
    tributes: {
      approve: (item, id) => act(
        item, `/api/v1/tributes/${id}/approve`, undefined, S.approved, S.tribute_decided
      ),
      reject: (item, id) => {
        const reasonText = require(item, item.querySelector("input[name=reason]"), S.reason_required);
        if (reasonText === null) { return; }
        act(item, `/api/v1/tributes/${id}/reject`, {reason: reasonText}, S.rejected, S.tribute_decided);
      },
    },
    photos: {
      publish: (item, id) => act(item, `/api/v1/photos/${id}/publish`, undefined, () => {
        // the same photo as shown with its report further down: public now
        document.querySelectorAll(`.thumb[data-photo="${id}"] .badge`).forEach((badge) => {
          badge.textContent = S.photo_public;
        });
        return S.published;
      }),
      keep: (item, id) => act(item, `/staff/moderation/photos/${id}/keep-private`, undefined, S.kept_private),
    },
    reports: {
      accept: (item, id) => act(
        item, `/api/v1/work-orders/${id}/transitions`,
        {to: "triaged", version: Number(item.dataset.version)},
        () => fmt(S.accepted, {id})
      ),
      duplicate: (item, id) => {
        const select = item.querySelector("select[name=duplicate_of]");
        const other = require(item, select, S.duplicate_required);
        if (other === null) { return; }
        act(
          item, `/api/v1/work-orders/${id}/transitions`,
          {to: "duplicate", version: Number(item.dataset.version), duplicate_of: Number(other)},
          () => fmt(S.duplicated, {id: other})
        );
      },
      reject: (item, id) => {
        const note = require(item, item.querySelector("textarea[name=note]"), S.note_required);
        if (note === null) { return; }
        act(
          item, `/staff/moderation/reports/${id}/reject`,
          {version: Number(item.dataset.version), note},
          S.report_rejected
        );
      },
    },
  };

  document.querySelectorAll("section.queue").forEach((section) => {
    const mine = handlers[section.dataset.queue] || {};
    section.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button || button.disabled) { return; }
      const item = button.closest(".item");
      const handler = mine[button.dataset.action];
      if (item && handler) { handler(item, item.dataset.id); }
    });
  });
})();
