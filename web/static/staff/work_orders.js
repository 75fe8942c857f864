/* Work-order pages (web/templates/staff/work_order.html, work_order_new.html).
 *
 * An order's page sends each step to POST /api/v1/work-orders/{id}/transitions with the version read
 * (If-Match: W/"<version>") and the CSRF token; costs to PATCH /api/v1/work-orders/{id}; photos to
 * POST /api/v1/work-orders/{id}/photos. A stale version (412) shows, next to the button, what changed since the
 * page was read and offers to retry on the latest version; any other refusal is a sentence next to the button.
 * After a change the page is read again (its history, photos and steps are the server's). The new-order page
 * sends POST /api/v1/work-orders and opens the new order. Every text from the server is written as text.
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, (_, k) => (values[k] != null ? String(values[k]) : ""));
  }

  function say(box, text, kind) {
    box.replaceChildren();
    if (text) {
      const p = document.createElement("p");
      p.className = `said ${kind}`;
      p.textContent = text;
      box.append(p);
    }
    return box;
  }

  function withLang(url, data) {
    return `${url}${url.includes("?") ? "&" : "?"}lang=${encodeURIComponent(data.lang)}`;
  }

  function pageUrl(data, param, value) {
    const q = new URLSearchParams();
    q.set(param, value);
    if (data.explicit) { q.set("lang", data.lang); }
    return `${data.page}?${q.toString()}`;
  }

  function send(url, options) {
    return fetch(url, Object.assign({ credentials: "same-origin" }, options)).then(
      (response) => response.json().catch(() => ({})).then((answer) => ({ response, answer })),
    );
  }

  const COST = /^\d{1,10}(\.\d{1,2})?$/;

  // a lead-in and the server's reason: Chinese runs on after its full-width colon, English after a space
  function joined(data, lead, reason) {
    return `${lead}${data.lang === "zh" ? "" : " "}${reason}`;
  }

  // -- an order's page
  const dataNode = $("wo-data");
  if (dataNode) {
    const data = JSON.parse(dataNode.textContent);
    const S = data.strings;
    let version = data.version;
    const read = data.order;

    function shown(field, value) {
      if (value === null || value === undefined || value === "") { return "—"; }
      if (field === "status") { return data.statuses[value] || value; }
      if (field === "assigned_to") { return data.people[String(value)] || data.crews[String(value)] || `#${value}`; }
      if (field === "duplicate_of") { return `#${value}`; }
      if (field === "cost_estimate" || field === "cost_actual") {
        const amount = Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
        return fmt(S.yuan, { amount });
      }
      return String(value);
    }

    // what differs between the order as this page read it and as it stands now
    function changes(current) {
      return Object.keys(data.fields).filter((f) => JSON.stringify(read[f]) !== JSON.stringify(current[f])).map(
        (f) => fmt(S.changed, { field: data.fields[f], old: shown(f, read[f]), new: shown(f, current[f]) }),
      );
    }

    function showStale(box, current, retry) {
      box.replaceChildren();
      const p = document.createElement("p");
      p.className = "said error stale";
      p.textContent = fmt(S.stale, { old: version, new: current.version, status: shown("status", current.status) });
      const list = document.createElement("ul");
      list.className = "stale-changes";
      for (const line of changes(current)) {
        const li = document.createElement("li");
        li.textContent = line;
        list.append(li);
      }
      box.append(p, list);
      if (retry) {
        const again = document.createElement("button");
        again.type = "button";
        again.className = "button retry";
        again.textContent = S.retry;
        again.addEventListener("click", () => { version = current.version; retry(); });
        box.append(again);
      } else {
        const a = document.createElement("a");
        a.href = data.explicit ? `${data.page}?lang=${data.lang}` : data.page;
        a.className = "reload";
        a.textContent = S.reload;
        box.append(a);
      }
    }

    function refusal(box, response, answer, retry, stepTo) {
      if ((response.status === 412 || response.status === 409) && answer.current) {
        const current = answer.current;
        const stillAllowed = !stepTo || (data.transitions[current.status] || []).includes(stepTo);
        showStale(box, current, stillAllowed ? retry : null);
        return;
      }
      if (response.status === 403) {
        say(box, S.forbidden, "error");  // the API's reason for an area or role may be in English only
        return;
      }
      if (response.status === 409 && stepTo) {  // a move the order's state no longer allows
        say(box, S.not_now, "error");
        const a = document.createElement("a");
        a.href = data.explicit ? `${data.page}?lang=${data.lang}` : data.page;
        a.className = "reload";
        a.textContent = S.reload;
        box.append(a);
        return;
      }
      say(box, joined(data, S.failed, answer.detail || response.status), "error");
    }

    document.querySelectorAll("form.step").forEach((form) => {
      const to = form.dataset.to;
      const box = form.querySelector(".step-status");
      const button = form.querySelector("button[type=submit]");
      function go() {
        const body = { to };
        const note = form.querySelector("textarea[name=note]");
        const text = note ? note.value.trim() : "";
        if (note && note.dataset.required && !text) {
          note.closest("details").open = true;
          say(box, S.need_reason, "error");
          note.focus();
          return;
        }
        if (text) { body.note = text; }
        if (form.dataset.needs === "crew") {
          const crew = form.querySelector("select[name=assigned_to]");
          if (!crew || !crew.value) { say(box, S.need_crew, "error"); if (crew) { crew.focus(); } return; }
          body.assigned_to = Number(crew.value);
        }
        if (form.dataset.needs === "duplicate") {
          const pick = form.querySelector("select[name=duplicate_of]");
          const typed = form.querySelector("input[name=duplicate_number]");
          const value = (typed.value.trim().replace(/^#/, "")) || pick.value;
          if (!/^\d{1,17}$/.test(value) || Number(value) === data.id) {
            say(box, S.need_duplicate, "error");
            (typed.value ? typed : pick).focus();
            return;
          }
          body.duplicate_of = Number(value);
        }
        button.disabled = true;
        say(box, S.sending, "busy");
        send(withLang(`${data.api}/transitions`, data), {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "If-Match": `W/"${version}"`,
            "X-CSRF-Token": data.csrf,
          },
          body: JSON.stringify(body),
        }).then(({ response, answer }) => {
          button.disabled = false;
          if (response.ok) {
            window.location.assign(pageUrl(data, "moved", answer.status));
            return;
          }
          refusal(box, response, answer, go, to);
        }).catch(() => { button.disabled = false; say(box, S.offline, "error"); });
      }
      form.addEventListener("submit", (event) => { event.preventDefault(); go(); });
    });

    const costForm = $("cost-form");
    if (costForm) {
      const box = $("cost-status");
      const button = costForm.querySelector("button[type=submit]");
      function save() {
        const body = {};
        for (const input of costForm.querySelectorAll("input")) {
          const raw = input.value.trim().replace(/[,，\s]/g, "");
          const before = read[input.name];
          if (raw === "") {
            if (before !== null && before !== undefined) { body[input.name] = null; }
            continue;
          }
          if (!COST.test(raw)) {
            say(box, fmt(S.bad_cost, { field: data.fields[input.name] }), "error");
            input.setAttribute("aria-invalid", "true");
            input.focus();
            return;
          }
          input.removeAttribute("aria-invalid");
          if (before === null || before === undefined || Number(before) !== Number(raw)) { body[input.name] = raw; }
        }
        if (!Object.keys(body).length) { say(box, S.nothing, "error"); return; }
        button.disabled = true;
        say(box, S.saving, "busy");
        send(withLang(data.api, data), {
          method: "PATCH",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "If-Match": `W/"${version}"`,
            "X-CSRF-Token": data.csrf,
          },
          body: JSON.stringify(body),
        }).then(({ response, answer }) => {
          button.disabled = false;
          if (response.ok) { window.location.assign(pageUrl(data, "saved", "costs")); return; }
          refusal(box, response, answer, save, null);
        }).catch(() => { button.disabled = false; say(box, S.offline, "error"); });
      }
      costForm.addEventListener("submit", (event) => { event.preventDefault(); save(); });
    }

    const photoForm = $("photo-form");
    if (photoForm) {
      const box = $("photo-status");
      const button = photoForm.querySelector("button[type=submit]");
      photoForm.addEventListener("submit", (event) => {
        event.preventDefault();
        const file = $("photo-file");
        if (!file.files.length) { say(box, S.need_file, "error"); file.focus(); return; }
        const stage = photoForm.querySelector("input[name=stage]:checked").value;
        const form = new FormData();
        form.append("stage", stage);
        form.append("file", file.files[0]);
        const caption = $("photo-caption").value.trim();
        if (caption) { form.append("caption", caption); }
        button.disabled = true;
        say(box, S.uploading, "busy");
        send(withLang(`${data.api}/photos`, data), {
          method: "POST",
          headers: { Accept: "application/json", "X-CSRF-Token": data.csrf },
          body: form,
        }).then(({ response, answer }) => {
          button.disabled = false;
          if (response.ok) { window.location.assign(pageUrl(data, "photo", stage)); return; }
          refusal(box, response, answer, null, null);
        }).catch(() => { button.disabled = false; say(box, S.offline, "error"); });
      });
    }
  }

  // -- a new order
  const newNode = $("wo-new-data");
  if (newNode) {
    const data = JSON.parse(newNode.textContent);
    const S = data.strings;
    const form = $("new-order-form");
    const box = $("new-status");
    const button = $("create-order");

    function fieldError(name, text) {
      const p = form.querySelector(`[data-error-for="${name}"]`);
      const input = form.querySelector(`[name="${name}"]`);
      if (p) { p.textContent = text || ""; p.hidden = !text; }
      if (input) {
        if (text) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      }
      return input;
    }

    for (const name of ["title", "cost_estimate", "due_on"]) {
      form.querySelector(`[name="${name}"]`).addEventListener("input", () => fieldError(name, ""));
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      for (const name of ["title", "cost_estimate", "due_on"]) { fieldError(name, ""); }
      const title = form.title.value.trim();
      const cost = form.cost_estimate.value.trim().replace(/[,，\s]/g, "");
      const due = form.due_on.value;
      let first = null;
      if (!title || title.length > 200) { first = first || fieldError("title", S.title); }
      if (cost && !COST.test(cost)) { first = first || fieldError("cost_estimate", S.cost); }
      if (due && !/^\d{4}-\d{2}-\d{2}$/.test(due)) { first = first || fieldError("due_on", S.due); }
      if (first) { say(box, "", ""); first.focus(); return; }
      const body = {
        collection: data.site.collection,
        site_id: data.site.id,
        title,
        kind: form.kind.value,
        priority: form.priority.value,
      };
      const description = form.description.value.trim();
      if (description) { body.description = description; }
      if (cost) { body.cost_estimate = cost; }
      if (due) { body.due_on = due; }
      if (data.inspection_id) { body.inspection_id = data.inspection_id; }
      button.disabled = true;
      say(box, S.sending, "busy");
      send(withLang("/api/v1/work-orders", data), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": data.csrf },
        body: JSON.stringify(body),
      }).then(({ response, answer }) => {
        if (response.ok) {
          const q = new URLSearchParams({ saved: "created" });
          if (data.explicit) { q.set("lang", data.lang); }
          window.location.assign(`/staff/work-orders/${answer.id}?${q.toString()}`);
          return;
        }
        button.disabled = false;
        if (response.status === 403) { say(box, S.forbidden, "error"); return; }
        const loc = (answer.errors && answer.errors[0] && answer.errors[0].loc) || [];
        const name = loc[loc.length - 1];
        if (name && form.querySelector(`[data-error-for="${name}"]`)) {
          fieldError(name, joined(data, S.failed, answer.detail)).focus();
          say(box, "", "");
          return;
        }
        say(box, joined(data, S.failed, answer.detail || response.status), "error");
      }).catch(() => { button.disabled = false; say(box, S.offline, "error"); });
    });
  }
})();
