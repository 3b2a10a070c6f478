/*
 * Volunteers pages: sign-in/out by QR (glue around static/js/qr-scanner.js), the rotating activity
 * QR, the street → community selects, the guardian section by age, "select all" in bulk tables.
 * Every page works without this file: forms post normally and the server answers with a message.
 */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showResult(root, ok, text) {
    var box = root.querySelector("[data-vol-scan-result]");
    if (box) {
      box.className = "vol-scan-result " + (ok ? "vol-scan-result--ok" : "vol-scan-result--error");
      box.textContent = text;
    }
    var log = root.querySelector("[data-vol-scan-log]");
    if (log) {
      var item = document.createElement("li");
      var now = new Date();
      item.textContent = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2) + " " + (ok ? "✔ " : "✖ ") + text;
      log.insertBefore(item, log.firstChild);
    }
  }

  // Scanner pages: a decoded QR (or the manual code) is posted to the page's action; the answer
  // is JSON {ok, message}. The same form posts without JavaScript and the server redirects.
  function setupScan(root) {
    var form = root.querySelector("[data-vol-scan-form]");
    if (!form) return;
    var busy = false;
    function send(code) {
      if (busy || !code) return;
      busy = true;
      var data = new FormData(form);
      data.set("code", code);
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json", "X-Requested-With": "fetch" },
      })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          showResult(root, !!answer.ok, answer.message || "");
          if (answer.ok) {
            var input = form.querySelector("[data-vol-scan-code]");
            if (input) input.value = "";
            root.dispatchEvent(new CustomEvent("vol-scan-done", { detail: answer, bubbles: true }));
          }
        })
        .catch(function () { showResult(root, false, root.dataset.msgNetwork || "网络错误，请重试。"); })
        .then(function () { busy = false; });
    }
    root.addEventListener("qr-scanned", function (event) { send(event.detail.text); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("[data-vol-scan-code]");
      send(input ? input.value.trim() : "");
    });
  }

  // The activity's rotating QR: reload the image before the code expires.
  function setupRotatingQr(img) {
    var seconds = parseInt(img.dataset.refresh || "30", 10);
    window.setInterval(function () {
      var base = img.dataset.src || img.src.split("?")[0];
      img.src = base + "?t=" + Date.now();
    }, seconds * 1000);
  }

  // Street → community: the community select holds one <optgroup> per street; show only the
  // chosen street's group. Without JavaScript every group is there, labelled by street.
  function setupAreas(street) {
    var community = document.getElementById(street.dataset.communitySelect);
    if (!community) return;
    var groups = Array.prototype.slice.call(community.querySelectorAll("optgroup"));
    var saved = groups.map(function (group) { return group.cloneNode(true); });
    function apply() {
      var chosen = street.options[street.selectedIndex] ? street.options[street.selectedIndex].text : "";
      var current = community.value;
      community.querySelectorAll("optgroup").forEach(function (group) { group.remove(); });
      saved.forEach(function (group) {
        if (!street.value || group.label === chosen) community.appendChild(group.cloneNode(true));
      });
      community.value = current;
      if (community.value !== current) community.value = "";
    }
    street.addEventListener("change", apply);
    apply();
  }

  // Age from an 18-digit ID number: the guardian section matters only from 14 to 17.
  function setupGuardian(input) {
    var section = document.getElementById(input.dataset.guardianSection);
    var refusal = document.getElementById(input.dataset.underageNotice);
    if (!section) return;
    function age() {
      var v = input.value.replace(/\s/g, "");
      if (!/^\d{17}[\dXx]$/.test(v)) return null;
      var birth = new Date(+v.substr(6, 4), +v.substr(10, 2) - 1, +v.substr(12, 2));
      var today = new Date();
      var years = today.getFullYear() - birth.getFullYear();
      if (today.getMonth() < birth.getMonth() || (today.getMonth() === birth.getMonth() && today.getDate() < birth.getDate())) years -= 1;
      return years;
    }
    function apply() {
      var years = age();
      section.hidden = !(years !== null && years >= 14 && years < 18);
      if (refusal) refusal.hidden = !(years !== null && years < 14);
    }
    input.addEventListener("input", apply);
    apply();
  }

  // Bulk tables: one checkbox ticks every row.
  function setupSelectAll(box) {
    var table = box.closest("table") || document;
    box.addEventListener("change", function () {
      table.querySelectorAll("input[type=checkbox][name='" + box.dataset.selectAll + "']").forEach(function (cb) {
        cb.checked = box.checked;
      });
    });
  }

  // Charts: data from a json_script element, drawn with the vendored chart.js when present.
  function setupChart(canvas) {
    if (!window.Chart) return;
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels, datasets: spec.datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } } },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-vol-scan]").forEach(setupScan);
    document.querySelectorAll("img[data-rotating-qr]").forEach(setupRotatingQr);
    document.querySelectorAll("select[data-community-select]").forEach(setupAreas);
    document.querySelectorAll("input[data-guardian-section]").forEach(setupGuardian);
    document.querySelectorAll("input[data-select-all]").forEach(setupSelectAll);
    document.querySelectorAll("canvas[data-chart]").forEach(setupChart);
  });
})();
