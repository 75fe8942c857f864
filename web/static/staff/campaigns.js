/* Campaign list page (web/templates/staff/campaigns.html): the form that starts a campaign.
 *
 * Sends {kind, year, area} to POST /api/v1/upkeep/campaigns with the session cookie and the CSRF token (header
 * X-CSRF-Token), then opens the new campaign's page. A campaign of that kind and year covering the area already
 * (409) is the API's sentence (in the page's language) with a link to that campaign; a bad year or no area is
 * named next to its field before anything is sent; any other refusal is a sentence under the form. Every text
 * from the server is written as text.
 */
(function () {
  "use strict";

  const form = document.getElementById("start-form");
  if (!form) { return; }
  const S = JSON.parse(document.getElementById("start-texts").textContent);
  const lang = form.dataset.lang;
  const kind = document.getElementById("start-kind");
  const year = document.getElementById("start-year");
  const area = document.getElementById("start-area");
  const submit = document.getElementById("start-submit");
  const status = document.getElementById("start-status");
  const explicitLang = new URLSearchParams(window.location.search).has("lang");
  let yearTouched = false;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, (_, k) => (values[k] != null ? String(values[k]) : ""));
  }

  function fieldError(input, text) {
    const box = document.getElementById(`${input.id}-error`);
    box.textContent = text || "";
    box.hidden = !text;
    if (text) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  }

  function say(text, kindOfText, link) {
    status.replaceChildren();
    status.className = `start-status ${kindOfText || ""}`;
    if (!text) { return; }
    const p = document.createElement("p");
    p.textContent = text;
    status.append(p);
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      a.id = "existing-campaign";
      status.append(a);
    }
  }

  function campaignHref(id, extra) {
    const q = new URLSearchParams(extra || {});
    if (explicitLang) { q.set("lang", lang); }
    const query = q.toString();
    return `${form.dataset.list}/${id}${query ? `?${query}` : ""}`;
  }

  kind.addEventListener("change", () => {
    const option = kind.options[kind.selectedIndex];
    if (!yearTouched && option.dataset.year) { year.value = option.dataset.year; }
  });
  year.addEventListener("input", () => { yearTouched = true; fieldError(year, ""); });
  area.addEventListener("change", () => fieldError(area, ""));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const low = Number(year.min);
    const high = Number(year.max);
    const value = year.value.trim();
    const number = Number(value);
    let bad = false;
    if (!/^\d{4}$/.test(value) || number < low || number > high) {
      fieldError(year, fmt(S.bad_year, { low, high }));
      bad = true;
    }
    if (!area.value) { fieldError(area, S.no_area); bad = true; }
    if (bad) {
      say("");
      (year.getAttribute("aria-invalid") ? year : area).focus();
      return;
    }
    submit.disabled = true;
    say(S.sending, "busy");
    fetch(`/api/v1/upkeep/campaigns?lang=${encodeURIComponent(lang)}`, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": lang === "en" ? "en" : "zh-CN",
        "X-CSRF-Token": form.dataset.csrf,
      },
      body: JSON.stringify({ kind: kind.value, year: number, area: area.value }),
    }).then((response) => response.json().catch(() => ({})).then((answer) => ({ response, answer })))
      .then(({ response, answer }) => {
        if (response.status === 201 && answer.id) {
          window.location.assign(campaignHref(answer.id, { started: answer.tasks_created || 0 }));
          return;
        }
        submit.disabled = false;
        if (response.status === 401) {
          say(S.signed_out, "error");
        } else if (response.status === 409 && answer.campaign_id) {
          say(fmt(S.failed, { reason: answer.detail || "" }), "error", {
            href: campaignHref(answer.campaign_id),
            text: fmt(S.open_existing, { id: answer.campaign_id }),
          });
        } else if (response.status === 403) {
          say(S.forbidden, "error");
        } else if (typeof answer.detail === "string" && !answer.errors) {
          say(fmt(S.failed, { reason: answer.detail }), "error");
        } else {
          say(fmt(S.refused_generic, { status: response.status }), "error");
        }
        status.setAttribute("tabindex", "-1");
        status.focus();
      })
      .catch(() => {
        submit.disabled = false;
        say(S.offline, "error");
      });
  });
}());
