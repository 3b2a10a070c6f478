/*
 * Trainer's check-in and helper sign-in pages: glue around the one scanner (static/js/qr-scanner.js).
 *
 * Each decoded QR (a "qr-scanned" event from the scanner) or each code typed into the manual
 * form is POSTed to the form's action with a fresh nonce, so a retried request counts once.
 * The server answers JSON {result, ok, message, detail}; the page shows it in a large coloured
 * banner (green ok, amber "already", red refused), adds it to the scan log and, on success,
 * bumps the counter. Without JavaScript the same forms post normally and the server redirects
 * back with the message.
 */
(function () {
  "use strict";

  var WARN = { already_checked_in: true, signed_out: false };

  function nonce() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function hhmm(date) {
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  function show(root, answer) {
    var box = root.querySelector("[data-trn-result]");
    var kind = answer.ok ? "ok" : (WARN[answer.result] ? "warn" : "bad");
    if (box) {
      box.hidden = false;
      box.className = "trn-result trn-result--" + kind;
      box.dataset.result = answer.result || "";
      box.textContent = answer.message || "";
      if (answer.detail) {
        var detail = document.createElement("span");
        detail.className = "trn-result__detail";
        detail.textContent = answer.detail;
        box.appendChild(detail);
      }
      box.focus({ preventScroll: true });
    }
    var log = root.querySelector("[data-trn-log]");
    if (log) {
      var item = document.createElement("li");
      item.textContent = hhmm(new Date()) + " " + (answer.ok ? "✔ " : (kind === "warn" ? "• " : "✖ ")) +
        (answer.message || "") + (answer.detail ? "（" + answer.detail + "）" : "");
      log.insertBefore(item, log.firstChild);
    }
    var counter = root.querySelector("[data-trn-count]");
    if (counter && typeof answer.count === "number") counter.textContent = String(answer.count);
    if (navigator.vibrate) navigator.vibrate(answer.ok ? 80 : [60, 60, 60]);
  }

  function setup(root) {
    var form = root.querySelector("[data-trn-scan-form]");
    if (!form) return;
    var busy = false;
    var queue = [];

    function send(code, extra) {
      if (!code && !(extra && extra.booking)) return;
      if (busy) { queue.push([code, extra]); return; }
      busy = true;
      var data = new FormData();
      data.set("csrfmiddlewaretoken", csrfToken(form));
      data.set("code", code || "");
      data.set("nonce", nonce());
      if (extra) Object.keys(extra).forEach(function (key) { data.set(key, extra[key]); });
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json", "X-Requested-With": "fetch" },
      })
        .then(function (response) {
          return response.json().catch(function () {
            return { ok: false, result: "error", message: root.dataset.msgServer || "服务器出错，请重试。" };
          });
        })
        .then(function (answer) {
          show(root, answer);
          root.dispatchEvent(new CustomEvent("trn-scan-done", { detail: answer, bubbles: true }));
          if (answer.ok) {
            var input = form.querySelector("[data-trn-code]");
            if (input) input.value = "";
          }
        })
        .catch(function () {
          show(root, { ok: false, result: "network", message: root.dataset.msgNetwork || "网络错误，请重试。" });
        })
        .then(function () {
          busy = false;
          var next = queue.shift();
          if (next) send(next[0], next[1]);
        });
    }

    root.addEventListener("qr-scanned", function (event) { send((event.detail.text || "").trim()); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("[data-trn-code]");
      send(input ? input.value.trim() : "");
    });
    // Manual fallback: the search results carry one button per booking.
    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-trn-manual]");
      if (!button) return;
      event.preventDefault();
      send("", { booking: button.dataset.trnManual });
      button.disabled = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-trn-checkin]").forEach(setup);
  });
})();
