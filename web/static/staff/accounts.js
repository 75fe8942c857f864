// The accounts pages (/staff/accounts and /staff/accounts/{id}): every write goes to the API (/api/v1) with the
// session cookie and the X-CSRF-Token header; feedback is written as text next to the control that was used.
// A secret (a generated password, a new API token) is shown once, with a copy button, and never stored.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("accounts-data").textContent);
  const T = data.texts;
  const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
  const AREA = /^\d{6}(\d{3}(\d{3})?)?$/;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  // A time of the API (ISO 8601) as YYYY-MM-DD HH:MM in China time, as the server writes it.
  function chinaTime(iso) {
    if (!iso) { return ""; }
    const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    const two = (n) => String(n).padStart(2, "0");
    return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) + " "
      + two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }

  async function api(method, url, body) {
    const headers = {"X-CSRF-Token": data.csrf, "Accept-Language": data.lang === "en" ? "en" : "zh-CN"};
    const init = {method: method, headers: headers, credentials: "same-origin"};
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url + (url.includes("?") ? "&" : "?") + "lang=" + data.lang, init);
    } catch (e) {
      return {ok: false, status: 0, json: null};
    }
    let json = null;
    if (response.status !== 204) {
      try { json = await response.json(); } catch (e) { json = null; }
    }
    return {ok: response.ok, status: response.status, json: json};
  }

  // -- feedback next to the control ----------------------------------------------------------------------------

  function status(form, text, kind) {
    const el = form.querySelector(".status");
    if (!el) { return; }
    el.textContent = text || "";
    el.className = "status" + (kind ? " " + kind : "");
  }

  function fieldError(form, field, text) {
    const el = form.querySelector('[data-error-for="' + field + '"]');
    if (!el) { status(form, text, "bad"); return; }
    el.textContent = text;
    el.hidden = false;
    const input = form.querySelector('[name="' + field + '"]');
    if (input) { input.setAttribute("aria-invalid", "true"); }
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach((el) => { el.hidden = true; el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    status(form, "");
  }

  // field name -> the catalogue key of the message its own check shows
  const CHECKS = Object.fromEntries([
    ["username", "accounts.check.username"],
    ["password", "accounts.check.password"],
    ["area_code", "accounts.check.area"],
    ["name", "accounts.check.token_name"],
    ["expires_at", "accounts.check.date"],
  ]);

  // The session changed since the page was made (signed out and in elsewhere): its CSRF token is refused.
  function staleCsrf(answer) {
    const detail = (answer.json || {}).detail;
    return answer.status === 403 && typeof detail === "string" && detail.includes("X-CSRF-Token");
  }

  // An answer that is not a success, as sentences next to the field it is about (``fieldOf``: status → field).
  function refusal(form, answer, fieldOf) {
    if (answer.status === 0) { status(form, T["accounts.failed"], "bad"); return; }
    if (answer.status === 401) { status(form, T["accounts.signed_out"], "bad"); return; }
    const json = answer.json || {};
    if (staleCsrf(answer)) { status(form, T["accounts.stale_page"], "bad"); return; }
    if (answer.status === 422 && Array.isArray(json.errors) && json.errors.length) {
      let shown = false;
      json.errors.forEach((e) => {
        const field = String((e.loc || []).slice(-1)[0] || "");
        if (CHECKS[field]) { fieldError(form, field, T[CHECKS[field]]); shown = true; }
      });
      if (!shown) { status(form, T["accounts.failed"], "bad"); }
      return;
    }
    const text = typeof json.detail === "string" && answer.status < 500 ? json.detail : T["accounts.failed"];
    const field = (fieldOf || {})[answer.status];
    if (field) { fieldError(form, field, text); } else { status(form, text, "bad"); }
  }

  function busy(form, on) {
    form.querySelectorAll("button").forEach((b) => { b.disabled = on; });
    if (on) { status(form, T["accounts.working"], "busy"); }
  }

  // -- a secret shown once -----------------------------------------------------------------------------------

  function showSecret(box, value, isToken) {
    box.querySelector(".secret-value").textContent = value;
    box.querySelector(".secret-use").hidden = !isToken;
    box.querySelector(".copy-status").textContent = "";
    box.hidden = false;
  }

  function hideSecret(box) {
    if (!box) { return; }
    box.hidden = true;
    box.querySelector(".secret-value").textContent = "";
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.copy");
    if (!button) { return; }
    const box = button.closest(".secret");
    const value = box.querySelector(".secret-value");
    const said = box.querySelector(".copy-status");
    try {
      await navigator.clipboard.writeText(value.textContent);
      said.textContent = T["accounts.copied"];
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents(value);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      said.textContent = T["accounts.copy_failed"];
    }
  });

  function passwordChoice(form) {
    const own = form.querySelector('input[name="password_mode"][value="own"]');
    const box = form.querySelector(".own-password");
    const sync = () => { box.hidden = !own.checked; };
    form.querySelectorAll('input[name="password_mode"]').forEach((r) => r.addEventListener("change", sync));
    sync();
    return () => (own.checked ? form.querySelector('input[name="password"]').value : null);
  }

  function checkPassword(form, value) {
    if (value !== null && (value.length < 8 || value.length > 1024)) {
      fieldError(form, "password", T["accounts.check.password"]);
      return false;
    }
    return true;
  }

  function checkArea(form, value, required) {
    if (value === "" && required) { fieldError(form, "area_code", T["accounts.check.area_required"]); return false; }
    if (value !== "" && !AREA.test(value)) { fieldError(form, "area_code", T["accounts.check.area"]); return false; }
    return true;
  }

  function stateBadge(disabled) {
    const span = document.createElement("span");
    span.className = "state " + (disabled ? "off" : "on");
    span.textContent = T[disabled ? "accounts.state.disabled" : "accounts.state.enabled"];
    return span;
  }

  function areaLabel(account) {
    if (!account.area_code) { return T["accounts.whole_atlas"]; }
    return account.area_name ? account.area_name + " (" + account.area_code + ")" : account.area_code;
  }

  // -- the list: create an account ------------------------------------------------------------------------------

  const createForm = document.getElementById("create-account");
  if (createForm) {
    const ownPassword = passwordChoice(createForm);
    const outcome = document.getElementById("created");
    const wholeAtlas = createForm.dataset.wholeAtlas === "true";
    createForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(createForm);
      outcome.hidden = true;
      hideSecret(document.getElementById("new-password-secret"));
      const username = createForm.querySelector('[name="username"]').value.trim();
      const area = createForm.querySelector('[name="area_code"]').value.trim();
      const password = ownPassword();
      let ok = true;
      if (!USERNAME.test(username)) { fieldError(createForm, "username", T["accounts.check.username"]); ok = false; }
      ok = checkArea(createForm, area, !wholeAtlas) && ok;
      ok = checkPassword(createForm, password) && ok;
      if (!ok) { status(createForm, ""); return; }
      const body = {username: username, role: createForm.querySelector('[name="role"]').value,
                    area_code: area === "" ? null : area};
      if (password !== null) { body.password = password; }
      busy(createForm, true);
      const answer = await api("POST", "/api/v1/accounts", body);
      busy(createForm, false);
      if (!answer.ok) { refusal(createForm, answer, {409: "username", 403: "area_code", 422: "area_code"}); return; }
      const account = answer.json;
      status(createForm, fill(T["accounts.created"], {name: account.username}), "good");
      outcome.querySelector(".outcome-title").textContent = fill(T["accounts.created"], {name: account.username})
        + (account.password ? "" : " " + T["accounts.created.own_password"]);
      if (account.password) {
        showSecret(document.getElementById("new-password-secret"), account.password, false);
      }
      const link = outcome.querySelector(".outcome-link");
      link.href = "/staff/accounts/" + account.id;
      link.textContent = fill(T["accounts.manage_link"], {name: account.username});
      outcome.hidden = false;
      outcome.focus();
      addRow(account);
      createForm.querySelector('[name="username"]').value = "";
      createForm.querySelector('[name="password"]').value = "";
    });
  }

  function addRow(account) {
    const rows = document.getElementById("account-rows");
    if (!rows) { return; }
    const tr = document.createElement("tr");
    tr.dataset.account = account.id;
    const th = document.createElement("th");
    th.scope = "row";
    const a = document.createElement("a");
    a.href = "/staff/accounts/" + account.id;
    a.textContent = account.username;
    th.appendChild(a);
    tr.appendChild(th);
    const labels = JSON.parse(rows.closest("table").dataset.labels);
    const cells = [T["role." + account.role] || account.role, areaLabel(account), stateBadge(account.disabled),
                   chinaTime(account.created_at)];
    cells.forEach((content, i) => {
      const td = document.createElement("td");
      td.dataset.label = labels[i];
      if (typeof content === "string") { td.textContent = content; } else { td.appendChild(content); }
      tr.appendChild(td);
    });
    tr.classList.add("is-new");
    rows.insertBefore(tr, rows.firstChild);
    const count = document.getElementById("account-count");
    const n = Number(count.dataset.n) + 1;
    count.dataset.n = String(n);
    count.textContent = fill(T["accounts.list.count"], {n: n});
  }

  // -- one account ------------------------------------------------------------------------------------------

  const holder = document.getElementById("account");
  if (!holder) { return; }
  const accountId = holder.dataset.account;
  const accountUrl = "/api/v1/accounts/" + accountId;
  let disabled = holder.dataset.disabled === "true";

  function showAccount(account) {
    holder.querySelector('[data-show="role"]').textContent = T["role." + account.role] || account.role;
    holder.querySelector('[data-show="area"]').textContent = areaLabel(account);
    const state = holder.querySelector('[data-show="state"]');
    state.replaceChildren(stateBadge(account.disabled));
    holder.querySelector('[data-show="updated"]').textContent = chinaTime(account.updated_at);
    disabled = account.disabled;
    holder.dataset.disabled = disabled ? "true" : "false";
    const button = document.getElementById("state-button");
    button.textContent = T[disabled ? "account.enable" : "account.disable"];
    button.className = disabled ? "" : "danger";
    document.getElementById("state-note").textContent =
      T[disabled ? "account.state.note_disabled" : "account.state.note_enabled"];
  }

  const roleForm = document.getElementById("role-area");
  roleForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(roleForm);
    const area = roleForm.querySelector('[name="area_code"]').value.trim();
    if (!checkArea(roleForm, area, false)) { return; }
    busy(roleForm, true);
    const answer = await api("PATCH", accountUrl, {
      role: roleForm.querySelector('[name="role"]').value, area_code: area === "" ? null : area,
    });
    busy(roleForm, false);
    if (!answer.ok) { refusal(roleForm, answer, {403: "area_code", 422: "area_code"}); return; }
    showAccount(answer.json);
    status(roleForm, T["accounts.saved"], "good");
  });

  const stateForm = document.getElementById("state");
  stateForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(stateForm);
    const disabling = !disabled;
    if (disabling && !window.confirm(fill(T["account.disable.confirm"], {name: holder.dataset.username}))) {
      return;
    }
    busy(stateForm, true);
    const answer = await api("PATCH", accountUrl, {disabled: disabling});
    busy(stateForm, false);
    if (!answer.ok) { refusal(stateForm, answer, {}); return; }
    showAccount(answer.json);
    status(stateForm, T[disabling ? "account.disabled_now" : "account.enabled_now"], "good");
    await refreshTokens();
  });

  const passwordForm = document.getElementById("password");
  const ownReset = passwordChoice(passwordForm);
  const passwordSecret = document.getElementById("reset-password-secret");
  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(passwordForm);
    hideSecret(passwordSecret);
    const password = ownReset();
    if (!checkPassword(passwordForm, password)) { return; }
    busy(passwordForm, true);
    const answer = await api("PATCH", accountUrl,
      password === null ? {generate_password: true} : {password: password});
    busy(passwordForm, false);
    if (!answer.ok) { refusal(passwordForm, answer, {422: "password"}); return; }
    showAccount(answer.json);
    status(passwordForm, T["account.password.done"], "good");
    passwordForm.querySelector('[name="password"]').value = "";
    if (answer.json.password) {
      showSecret(passwordSecret, answer.json.password, false);
    }
    await refreshTokens();
  });

  // -- API tokens ---------------------------------------------------------------------------------------------

  const tokenRows = document.getElementById("token-rows");
  const tokensStatus = document.getElementById("tokens-status");

  const tokenLabels = JSON.parse(tokenRows.closest("table").dataset.labels);

  function tokenRow(token) {
    const tr = document.createElement("tr");
    tr.dataset.token = token.id;
    tr.dataset.name = token.name;
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = token.name;
    tr.appendChild(th);
    const prefix = document.createElement("td");
    prefix.dataset.label = tokenLabels[0];
    const code = document.createElement("code");
    code.textContent = token.prefix + "…";
    prefix.appendChild(code);
    tr.appendChild(prefix);
    const created = document.createElement("td");
    created.dataset.label = tokenLabels[1];
    created.textContent = chinaTime(token.created_at);
    tr.appendChild(created);
    const expires = document.createElement("td");
    expires.dataset.label = tokenLabels[2];
    expires.textContent = token.expires_at ? chinaTime(token.expires_at) : T["account.tokens.never"];
    tr.appendChild(expires);
    const live = !token.revoked_at && !(token.expires_at && new Date(token.expires_at) <= new Date());
    const state = document.createElement("td");
    state.dataset.label = tokenLabels[3];
    const badge = document.createElement("span");
    badge.className = "state " + (live ? "on" : "off");
    badge.textContent = token.revoked_at
      ? fill(T["account.tokens.revoked"], {at: chinaTime(token.revoked_at)})
      : T[live ? "account.tokens.live" : "account.tokens.expired"];
    state.appendChild(badge);
    tr.appendChild(state);
    const action = document.createElement("td");
    action.className = "token-actions";
    if (live) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "revoke danger";
      button.textContent = T["account.tokens.revoke"];
      button.setAttribute("aria-label", fill(T["account.tokens.revoke_label"], {name: token.name}));
      action.appendChild(button);
    }
    const audit = document.createElement("a");
    audit.href = "/staff/audit?collection=api_tokens&record=" + token.id;
    audit.textContent = T["account.tokens.audit"];
    audit.setAttribute("aria-label", fill(T["account.tokens.audit_label"], {name: token.name}));
    action.appendChild(audit);
    tr.appendChild(action);
    return tr;
  }

  async function refreshTokens() {
    const answer = await api("GET", accountUrl + "/tokens");
    if (!answer.ok || !Array.isArray(answer.json)) { return; }
    tokenRows.replaceChildren(...answer.json.map(tokenRow));
    document.querySelector(".tokens-empty").hidden = answer.json.length > 0;
    tokenRows.closest(".table-wrap").hidden = answer.json.length === 0;
  }

  tokenRows.addEventListener("click", async (event) => {
    const button = event.target.closest("button.revoke");
    if (!button) { return; }
    const row = button.closest("tr");
    const name = row.dataset.name;
    if (!window.confirm(fill(T["account.tokens.revoke.confirm"], {name: name}))) { return; }
    button.disabled = true;
    tokensStatus.className = "status tokens-status busy";
    tokensStatus.textContent = T["accounts.working"];
    const answer = await api("DELETE", "/api/v1/tokens/" + row.dataset.token);
    if (!answer.ok) {
      button.disabled = false;
      const json = answer.json || {};
      tokensStatus.className = "status tokens-status bad";
      tokensStatus.textContent = answer.status === 401 ? T["accounts.signed_out"]
        : staleCsrf(answer) ? T["accounts.stale_page"]
        : (typeof json.detail === "string" && answer.status < 500 ? json.detail : T["accounts.failed"]);
      return;
    }
    await refreshTokens();
    tokensStatus.className = "status tokens-status good";
    tokensStatus.textContent = fill(T["account.tokens.revoked_now"], {name: name});
  });

  const issueForm = document.getElementById("issue-token");
  const tokenSecret = document.getElementById("token-secret");
  issueForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(issueForm);
    hideSecret(tokenSecret);
    const name = issueForm.querySelector('[name="name"]').value.trim();
    const day = issueForm.querySelector('[name="expires_at"]').value;
    let ok = true;
    if (name.length < 1 || name.length > 200) { fieldError(issueForm, "name", T["accounts.check.token_name"]); ok = false; }
    if (day && !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      fieldError(issueForm, "expires_at", T["accounts.check.date"]);
      ok = false;
    } else if (day && day < chinaTime(new Date().toISOString()).slice(0, 10)) {
      fieldError(issueForm, "expires_at", T["accounts.check.past"]);
      ok = false;
    }
    if (!ok) { return; }
    if (disabled) { status(issueForm, T["account.tokens.issue.disabled"], "bad"); return; }
    const body = {name: name};
    if (day) { body.expires_at = day + "T23:59:59+08:00"; }
    busy(issueForm, true);
    const answer = await api("POST", accountUrl + "/tokens", body);
    busy(issueForm, false);
    if (!answer.ok) { refusal(issueForm, answer, {}); return; }
    status(issueForm, fill(T["account.tokens.issued"], {name: answer.json.name}), "good");
    showSecret(tokenSecret, answer.json.token, true);
    issueForm.querySelector('[name="name"]').value = "";
    issueForm.querySelector('[name="expires_at"]').value = "";
    await refreshTokens();
  });
})();
