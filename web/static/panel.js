// TillEdge panel: small progressive enhancements, no build step.
// Every page works without this file; it adds search as you type, live
// device state and double-submit protection.
(function () {
  "use strict";

  // Search as you type: re-render the result rows from the server.
  function initSearch() {
    var form = document.getElementById("customer-search");
    if (!form) return;
    var results = document.getElementById("results");
    var timer = null;
    var seq = 0;
    function run() {
      var params = new URLSearchParams(new FormData(form));
      var mine = ++seq;
      fetch(form.dataset.rows + "?" + params.toString(), {
        headers: { "Accept": "text/html" }, credentials: "same-origin"
      }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.text();
      }).then(function (html) {
        if (mine !== seq) return; // an older answer arriving late
        results.innerHTML = html;
        results.setAttribute("aria-busy", "false");
        history.replaceState(null, "", form.action + "?" + params.toString());
      }).catch(function () { results.setAttribute("aria-busy", "false"); });
    }
    function schedule() {
      clearTimeout(timer);
      results.setAttribute("aria-busy", "true");
      timer = setTimeout(run, 180);
    }
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); run(); });
  }

  // Money forms: one click, one booking (the server also refuses a reused nonce).
  function initOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (f) {
      f.addEventListener("submit", function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) {
          setTimeout(function () { b.disabled = true; }, 0);
        });
      });
    });
  }

  // Devices page: poll the state and mirror the customer display.
  function initDevices() {
    var root = document.getElementById("devices-live");
    if (!root) return;
    function text(id, value) {
      var el = document.getElementById(id);
      if (el && value !== undefined && el.textContent !== value) el.textContent = value;
    }
    function tick() {
      fetch(root.dataset.state, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          Object.keys(s.devices || {}).forEach(function (k) {
            var d = s.devices[k];
            text("state-" + k, d.label);
            var el = document.getElementById("state-" + k);
            if (el) el.className = "state " + (d.ok ? "ok" : "bad");
            text("detail-" + k, d.detail || "");
          });
          if (s.display) text("display-mirror", s.display.join("\n"));
          text("uptime", s.uptime);
        }).catch(function () {});
    }
    setInterval(tick, 2000);
  }

  // Documents: a file dropped on the upload form fills its file field and
  // sends the form (the same plain POST as choosing the file and clicking).
  function initDropzones() {
    document.querySelectorAll("form[data-dropzone]").forEach(function (form) {
      var input = form.querySelector("input[type=file]");
      if (!input) return;
      ["dragenter", "dragover"].forEach(function (ev) {
        form.addEventListener(ev, function (e) { e.preventDefault(); form.classList.add("dragging"); });
      });
      form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
      form.addEventListener("drop", function (e) {
        e.preventDefault();
        form.classList.remove("dragging");
        if (!e.dataTransfer || !e.dataTransfer.files.length) return;
        input.files = e.dataTransfer.files;
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  }

  // After a refused form, put the cursor in the first field to fix.
  function focusFirstError() {
    var bad = document.querySelector("[aria-invalid=true]");
    if (bad) bad.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstError();
    initSearch();
    initOnce();
    initDevices();
    initDropzones();
  });
})();
