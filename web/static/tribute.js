// Online tribute (云祭扫): flower and candle buttons, the message form and the approved messages of one page.
// Config comes from the section's data-tribute attribute (web/public/tribute_widget.py); text is set with textContent.
// Feedback stays where the visitor acted: the one status line moves beside the flower and candle buttons or the
// message form's send button, and the tally figure that changed is bumped.
(function () {
  "use strict";

  function init(section) {
    var cfg = JSON.parse(section.getAttribute("data-tribute"));
    var S = cfg.strings || {};
    var status = section.querySelector(".tribute-status");
    var form = section.querySelector(".tribute-form");
    var list = section.querySelector(".tribute-messages");
    var empty = section.querySelector(".tribute-empty");
    var actions = section.querySelector(".tribute-actions");
    var send = section.querySelector(".tribute-send");
    var left = section.querySelector(".tribute-left");
    var busy = false;

    function say(text, kind, place) {
      if (place && status.parentNode !== place) { place.appendChild(status); }
      status.textContent = text;
      status.setAttribute("data-kind", kind || "");
    }

    function setCounts(counts, changed) {
      Object.keys(counts || {}).forEach(function (kind) {
        var el = section.querySelector('[data-count="' + kind + '"]');
        if (!el) { return; }
        var before = el.textContent;
        el.textContent = String(counts[kind]);
        if (kind === changed && before !== el.textContent) {
          el.classList.remove("bumped");
          void el.offsetWidth; // restart the animation
          el.classList.add("bumped");
        }
      });
    }

    function showMessages(messages) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      messages.forEach(function (m) {
        var li = document.createElement("li");
        var p = document.createElement("p");
        p.className = "text";
        p.textContent = m.message;
        var by = document.createElement("p");
        by.className = "by";
        var who = document.createElement("span");
        who.className = "who";
        who.textContent = m.author || S.anonymous;
        var when = document.createElement("time");
        var date = String(m.created_at).slice(0, 10);
        when.setAttribute("datetime", String(m.created_at));
        when.textContent = date;
        by.appendChild(who);
        by.appendChild(document.createTextNode(" · "));
        by.appendChild(when);
        li.appendChild(p);
        li.appendChild(by);
        list.appendChild(li);
      });
      if (empty) { empty.hidden = messages.length > 0; }
    }

    function load() {
      var url = cfg.api + "?target=" + encodeURIComponent(cfg.target) + "&target_id=" + cfg.target_id + "&limit=20";
      return fetch(url, {credentials: "omit", headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data) { setCounts(data.counts); showMessages(data.messages); }
        })
        .catch(function () { /* offline: keep what the server rendered */ });
    }

    function reason(body) {
      if (body && typeof body.detail === "string") { return body.detail; }
      return "";
    }

    function setBusy(control, on) {
      if (!control) { return; }
      control.disabled = on;
      if (on) { control.setAttribute("aria-busy", "true"); } else { control.removeAttribute("aria-busy"); }
    }

    function post(payload, control, place) {
      if (busy) { return Promise.resolve(false); }
      busy = true;
      setBusy(control, true);
      say(S.sending, "busy", place);
      payload.target = cfg.target;
      payload.target_id = cfg.target_id;
      // the language of a refusal's reason is the page's (the API reads ?lang=)
      return fetch(cfg.api + "?lang=" + encodeURIComponent(cfg.lang), {
        method: "POST",
        credentials: "omit",
        headers: {"Content-Type": "application/json", Accept: "application/json"},
        body: JSON.stringify(payload)
      }).then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (r.status === 201) {
            setCounts(body.counts, payload.kind);
            var thanks = S["thanks_" + payload.kind] || S.thanks;
            say(body.status === "pending" ? S.pending : thanks, "ok", place);
            return true;
          }
          if (r.status === 429) { say(S.too_many, "error", place); return false; }
          var why = reason(body);
          say(S.refused + (why ? " " + why : ""), "error", place);
          return false;
        });
      }).catch(function () {
        say(S.offline, "error", place);
        return false;
      }).then(function (ok) {
        busy = false;
        setBusy(control, false);
        return ok;
      });
    }

    section.querySelectorAll("button[data-kind]").forEach(function (button) {
      button.addEventListener("click", function () {
        post({kind: button.getAttribute("data-kind")}, button, actions).then(function (ok) {
          if (ok) { button.classList.add("given"); }
        });
      });
    });

    function countLeft() {
      if (!left) { return; }
      var max = Number(form.elements.message.getAttribute("maxlength")) || 0;
      var n = Math.max(0, max - form.elements.message.value.length);
      left.textContent = String(left.getAttribute("data-template")).replace("{n}", String(n));
    }

    form.elements.message.addEventListener("input", countLeft);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = form.elements.message.value.trim();
      var author = form.elements.author.value.trim();
      var button = form.querySelector("button[type=submit]");
      if (!message) {
        say(S.empty_message, "error", send);
        form.elements.message.setAttribute("aria-invalid", "true");
        form.elements.message.focus();
        return;
      }
      form.elements.message.removeAttribute("aria-invalid");
      var payload = {kind: "message", message: message};
      if (author) { payload.author = author; }
      post(payload, button, send).then(function (ok) {
        if (ok) { form.reset(); countLeft(); }
      });
    });

    load();
  }

  function start() {
    document.querySelectorAll("section.vetmap-tribute").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
