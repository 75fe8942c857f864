// Online tribute (云祭扫): flower and candle buttons, the message form and the approved messages of one page.
// Config comes from the section's data-tribute attribute (web/public/tribute_widget.py); text is set with textContent.
(function () {
  "use strict";

  function init(section) {
    var cfg = JSON.parse(section.getAttribute("data-tribute"));
    var status = section.querySelector(".tribute-status");
    var form = section.querySelector(".tribute-form");
    var list = section.querySelector(".tribute-messages");
    var busy = false;

    function say(text, kind) {
      status.textContent = text;
      status.setAttribute("data-kind", kind || "");
    }

    function setCounts(counts) {
      Object.keys(counts).forEach(function (kind) {
        var el = section.querySelector('[data-count="' + kind + '"]');
        if (el) { el.textContent = String(counts[kind]); }
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
        by.textContent = "— " + (m.author || cfg.anonymous) + " · " + String(m.created_at).slice(0, 10);
        li.appendChild(p);
        li.appendChild(by);
        list.appendChild(li);
      });
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

    function send(payload) {
      if (busy) { return Promise.resolve(false); }
      busy = true;
      say(cfg.strings.sending, "busy");
      payload.target = cfg.target;
      payload.target_id = cfg.target_id;
      return fetch(cfg.api, {
        method: "POST",
        credentials: "omit",
        headers: {"Content-Type": "application/json", Accept: "application/json"},
        body: JSON.stringify(payload)
      }).then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (r.status === 201) {
            setCounts(body.counts);
            say(body.status === "pending" ? cfg.strings.pending : cfg.strings.thanks, "ok");
            return true;
          }
          if (r.status === 429) { say(cfg.strings.too_many, "error"); return false; }
          var why = reason(body);
          say(cfg.strings.refused + (why ? " " + why : ""), "error");
          return false;
        });
      }).catch(function () {
        say(cfg.strings.offline, "error");
        return false;
      }).then(function (ok) { busy = false; return ok; });
    }

    section.querySelectorAll("button[data-kind]").forEach(function (button) {
      button.addEventListener("click", function () { send({kind: button.getAttribute("data-kind")}); });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = form.elements.message.value.trim();
      var author = form.elements.author.value.trim();
      if (!message) { say(cfg.strings.empty_message, "error"); return; }
      var payload = {kind: "message", message: message};
      if (author) { payload.author = author; }
      send(payload).then(function (ok) { if (ok) { form.reset(); } });
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
