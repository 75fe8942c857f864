// The import page (/staff/imports): upload with progress to POST /api/v1/imports (a dry run first), show the kept
// report rendered by /staff/imports/report/{token}, then "import for real" sends the same file again.
(function () {
  "use strict";
  const form = document.getElementById("import-form");
  if (!form) return;
  const text = JSON.parse(document.getElementById("imports-text").textContent);
  const lang = form.dataset.lang;
  const csrf = form.dataset.csrf;
  const collection = document.getElementById("collection");
  const fileInput = document.getElementById("file");
  const crs = document.getElementById("crs");
  const fixSwapped = document.getElementById("fix_swapped");
  const areaSelect = document.getElementById("area"); // absent when the account has no county to choose
  const sheetInput = document.getElementById("sheet");
  const button = document.getElementById("dry-run");
  const progress = document.getElementById("upload-progress");
  const status = document.getElementById("import-status");
  const area = document.getElementById("report-area");

  function fieldError(name, message) {
    const box = document.getElementById(name + "-field");
    const error = document.getElementById(name + "-error");
    error.textContent = message || "";
    error.hidden = !message;
    box.classList.toggle("has-error", Boolean(message));
  }

  function setStatus(node, message, bad) {
    node.textContent = message || "";
    node.classList.toggle("bad", Boolean(bad));
  }

  function reasonOf(xhr) {
    try {
      const body = JSON.parse(xhr.responseText);
      if (body && typeof body.detail === "string" && !body.errors) return body.detail;
    } catch (e) {
      // not JSON: the generic sentence below
    }
    return text.failed;
  }

  function upload(options, onProgress) {
    return new Promise(function (resolve, reject) {
      const data = new FormData();
      data.append("collection", options.collection);
      data.append("crs", options.crs);
      data.append("fix_swapped", options.fixSwapped ? "true" : "false");
      data.append("dry_run", options.dryRun ? "true" : "false");
      if (options.area) data.append("area", options.area);
      if (options.sheet) data.append("sheet", options.sheet);
      data.append("file", options.file, options.file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/imports?lang=" + encodeURIComponent(lang));
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) onProgress(Math.round((100 * e.loaded) / e.total), false);
      });
      xhr.upload.addEventListener("load", function () { onProgress(100, true); });
      xhr.addEventListener("load", function () {
        if (xhr.status === 200) {
          try {
            resolve(JSON.parse(xhr.responseText));
          } catch (e) {
            reject(new Error(text.failed));
          }
        } else {
          reject(new Error(reasonOf(xhr)));
        }
      });
      xhr.addEventListener("error", function () { reject(new Error(text.failed)); });
      xhr.send(data);
    });
  }

  async function showReport(token) {
    const answer = await fetch("/staff/imports/report/" + encodeURIComponent(token) + "?lang=" + lang, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!answer.ok) throw new Error(text.failed);
    // our own server-rendered, autoescaped part of this page (as htmx would swap it in)
    area.innerHTML = await answer.text();
    area.hidden = false;
    const heading = document.getElementById("report-heading");
    if (heading) {
      heading.focus();
      heading.scrollIntoView({ block: "start" });
    }
    const commit = document.getElementById("commit");
    if (commit) commit.addEventListener("click", commitKept);
    const again = document.getElementById("commit-upload");
    if (again) again.addEventListener("click", commitByUpload);
    refreshPast();
  }

  async function refreshPast() {
    // the list of past imports, as the page now shows it (this upload included)
    try {
      const answer = await fetch("/staff/imports?lang=" + lang, { credentials: "same-origin" });
      if (!answer.ok) return;
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      const list = fresh.getElementById("past-imports");
      const here = document.getElementById("past-imports");
      if (list && here) here.replaceWith(document.importNode(list, true));
    } catch (e) {
      // the list stays as it was; the report is shown all the same
    }
  }

  async function commitKept() {
    const commit = document.getElementById("commit");
    const commitStatus = document.getElementById("commit-status");
    const token = document.getElementById("report").dataset.token;
    const accept = document.getElementById("accept-duplicates");
    const confirmed = accept && accept.checked ? "&accept_duplicates=true" : "";
    commit.disabled = true;
    setStatus(commitStatus, text.committing, false);
    try {
      const answer = await fetch(
        "/api/v1/imports/reports/" + encodeURIComponent(token) + "/commit?lang=" + encodeURIComponent(lang) + confirmed,
        {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
        },
      );
      let body = null;
      try {
        body = await answer.json();
      } catch (e) {
        body = null;
      }
      if (!answer.ok || !body || !body.report_token) {
        const reason = body && typeof body.detail === "string" ? body.detail : text.failed;
        throw new Error(reason);
      }
      await showReport(body.report_token);
    } catch (e) {
      commit.disabled = false;
      setStatus(commitStatus, e.message, true);
    }
  }

  async function commitByUpload() {
    // a dry run whose file was too large to keep: the file chosen on the left goes up again, for real
    const again = document.getElementById("commit-upload");
    const commitStatus = document.getElementById("commit-status");
    const chosen = fileInput.files && fileInput.files.length ? fileInput.files[0] : null;
    if (!chosen || chosen.name !== again.dataset.file) {
      setStatus(commitStatus, text.choose_again.replace("{file}", again.dataset.file), true);
      fileInput.focus();
      return;
    }
    again.disabled = true;
    const options = {
      collection: again.dataset.collection,
      crs: crs.value,
      fixSwapped: fixSwapped.checked,
      area: areaSelect ? areaSelect.value : "",
      sheet: sheetInput.value.trim(),
      file: chosen,
      dryRun: false,
    };
    try {
      const report = await upload(options, function (percent, sent) {
        setStatus(commitStatus, sent ? text.committing : text.uploading.replace("{percent}", percent), false);
      });
      await showReport(report.report_token);
    } catch (e) {
      again.disabled = false;
      setStatus(commitStatus, e.message, true);
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    fieldError("collection", "");
    fieldError("file", "");
    fieldError("sheet", "");
    setStatus(status, "", false);
    let bad = false;
    if (!collection.value) {
      fieldError("collection", text.need_collection);
      bad = true;
    }
    if (!fileInput.files || fileInput.files.length === 0) {
      fieldError("file", text.need_file);
      bad = true;
    }
    if (bad) {
      (collection.value ? fileInput : collection).focus();
      return;
    }
    const options = {
      collection: collection.value,
      crs: crs.value,
      fixSwapped: fixSwapped.checked,
      area: areaSelect ? areaSelect.value : "",
      sheet: sheetInput.value.trim(),
      file: fileInput.files[0],
      dryRun: true,
    };
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    try {
      const report = await upload(options, function (percent, sent) {
        progress.value = percent;
        setStatus(status, sent ? text.checking : text.uploading.replace("{percent}", percent), false);
      });
      await showReport(report.report_token);
      setStatus(status, "", false);
    } catch (e) {
      setStatus(status, "", false);
      if (options.sheet && e.message.indexOf("“" + options.sheet + "”") >= 0) {
        fieldError("sheet", e.message); // the workbook has no such sheet: said next to the sheet asked for
        sheetInput.focus();
      } else {
        fieldError("file", e.message);
        fileInput.focus();
      }
    } finally {
      button.disabled = false;
      progress.hidden = true;
    }
  });

  const fileName = document.getElementById("file-name");
  function showFileName() {
    const chosen = fileInput.files && fileInput.files.length ? fileInput.files[0].name : "";
    fileName.textContent = chosen || fileName.dataset.none;
  }
  fileInput.addEventListener("change", function () {
    fieldError("file", "");
    showFileName();
  });
  showFileName(); // a file kept by the browser after a reload
  const opened = document.getElementById("commit"); // a reopened dry run that can still be committed
  if (opened) opened.addEventListener("click", commitKept);
  const openedAgain = document.getElementById("commit-upload"); // a reopened dry run of a file too large to keep
  if (openedAgain) openedAgain.addEventListener("click", commitByUpload);
  collection.addEventListener("change", function () { fieldError("collection", ""); });
  sheetInput.addEventListener("input", function () { fieldError("sheet", ""); });

  // The county choice of a province's or the nation's account (thousands of counties grouped by province and
  // city): a filter box narrows the select to the counties whose name, code, city or province holds what is
  // typed. The options are rebuilt, not hidden (a phone's native picker shows hidden options).
  function countyFilter() {
    const box = document.getElementById("area-filter");
    if (!box || !areaSelect) return;
    const count = document.getElementById("area-count");
    const squash = function (s) { return s.toLowerCase().replace(/\s+/g, ""); };
    const first = areaSelect.querySelector("option[value='']");
    const groups = Array.from(areaSelect.querySelectorAll("optgroup")).map(function (g) {
      return { node: g, key: squash(g.label), options: Array.from(g.querySelectorAll("option")) };
    });
    const loose = Array.from(areaSelect.children).filter(function (n) {
      return n.tagName === "OPTION" && n !== first;
    });
    const all = groups.reduce(function (n, g) { return n + g.options.length; }, loose.length);
    box.hidden = false;
    box.addEventListener("input", function () {
      const q = squash(box.value);
      const chosen = areaSelect.value;
      const hit = function (o, groupKey) {
        return !q || squash(o.text).includes(q) || o.value.startsWith(q) || groupKey.includes(q);
      };
      let shown = 0;
      const parts = [];
      const keep = [];
      loose.forEach(function (o) { if (hit(o, "")) keep.push(o); });
      groups.forEach(function (g) {
        const found = g.options.filter(function (o) { return hit(o, g.key); });
        if (found.length) parts.push([g, found]);
      });
      shown = keep.length + parts.reduce(function (n, p) { return n + p[1].length; }, 0);
      if (q && !shown) {
        count.textContent = box.dataset.none;
        return; // the list stays as it was
      }
      areaSelect.replaceChildren();
      if (first) areaSelect.appendChild(first);
      keep.forEach(function (o) { areaSelect.appendChild(o); });
      parts.forEach(function (p) {
        p[0].node.replaceChildren.apply(p[0].node, p[1]);
        areaSelect.appendChild(p[0].node);
      });
      const matches = keep.concat.apply(keep, parts.map(function (p) { return p[1]; }));
      if (matches.some(function (o) { return o.value === chosen; })) {
        areaSelect.value = chosen;
      } else if (q && matches.length) {
        areaSelect.value = matches[0].value; // what the select shows is what will be sent
      } else {
        areaSelect.value = first ? "" : chosen;
      }
      count.textContent = q && shown < all ? box.dataset.matches.replace("{n}", String(shown)) : "";
    });
  }
  countyFilter();
})();
