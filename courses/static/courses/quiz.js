/*
 * Quiz taking: a visible countdown, answers kept across a reload, one submission only.
 *
 * The page works without this script: the form posts like any other and the server grades it
 * and decides whether it came in time. This script only adds comfort:
 *  - a countdown from the seconds the server says are left (not the phone's clock), announced to
 *    screen readers at 5 and 1 minutes, and an automatic submit when it reaches zero;
 *  - the answers ticked so far stored in sessionStorage under the attempt id, so a reload or a
 *    dropped connection does not lose them (option ids only, never anything graded);
 *  - "answered n of N" as the resident goes;
 *  - the submit button disabled after the first click (the server also ignores a repeat).
 *
 * Markup: <form data-quiz-form data-attempt="ID" data-remaining-seconds="N"
 *           data-msg-five="…" data-msg-one="…" data-msg-over="…" data-msg-answered="… %(n)s … %(total)s …">
 * with a [data-quiz-clock] and [data-quiz-live] inside [data-quiz-timer], fieldsets
 * [data-question] holding the inputs, and [data-quiz-answered] for the counter.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-quiz-form]");
  if (!form) return;

  var timer = document.querySelector("[data-quiz-timer]");
  var clock = document.querySelector("[data-quiz-clock]");
  var live = document.querySelector("[data-quiz-live]");
  var counter = document.querySelector("[data-quiz-answered]");
  var questions = form.querySelectorAll("[data-question]");
  var storageKey = "crs-quiz-" + form.getAttribute("data-attempt");
  var submitted = false;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function announce(text) {
    if (live) live.textContent = text;
  }

  // ---- answers survive a reload -------------------------------------------------------------
  function saveAnswers() {
    var state = {};
    form.querySelectorAll("input[type=radio]:checked, input[type=checkbox]:checked").forEach(function (input) {
      (state[input.name] = state[input.name] || []).push(input.value);
    });
    try { window.sessionStorage.setItem(storageKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function restoreAnswers() {
    var raw = null;
    try { raw = window.sessionStorage.getItem(storageKey); } catch (e) { return; }
    if (!raw) return;
    var state;
    try { state = JSON.parse(raw); } catch (e) { return; }
    Object.keys(state).forEach(function (name) {
      state[name].forEach(function (value) {
        var input = form.querySelector('input[name="' + CSS.escape(name) + '"][value="' + CSS.escape(value) + '"]');
        if (input) input.checked = true;
      });
    });
  }

  // ---- answered n of N ----------------------------------------------------------------------
  function updateCounter() {
    if (!counter) return;
    var answered = 0;
    questions.forEach(function (fieldset) {
      if (fieldset.querySelector("input:checked")) answered += 1;
    });
    counter.textContent = format(form.getAttribute("data-msg-answered") || "%(n)s / %(total)s", {
      n: answered, total: questions.length
    });
  }

  // ---- countdown ----------------------------------------------------------------------------
  var remaining = parseInt(form.getAttribute("data-remaining-seconds"), 10);
  var deadline = isNaN(remaining) ? null : Date.now() + remaining * 1000;
  var announcedFive = remaining <= 300;
  var announcedOne = remaining <= 60;
  var tick = null;

  function render(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    if (clock) {
      clock.textContent = pad(m) + ":" + pad(s);
      clock.setAttribute("datetime", "PT" + m + "M" + s + "S");
    }
    if (timer) timer.classList.toggle("crs-timer--low", seconds <= 60);
  }

  function step() {
    var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    render(seconds);
    if (!announcedFive && seconds <= 300) {
      announcedFive = true;
      announce(form.getAttribute("data-msg-five") || "");
    }
    if (!announcedOne && seconds <= 60) {
      announcedOne = true;
      announce(form.getAttribute("data-msg-one") || "");
    }
    if (seconds <= 0) {
      window.clearInterval(tick);
      announce(form.getAttribute("data-msg-over") || "");
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "timed_out";
      flag.value = "1";
      form.appendChild(flag);
      submit();
    }
  }

  function submit() {
    if (submitted) return;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      submitted = true;
      form.submit();
    }
  }

  form.addEventListener("change", function () {
    saveAnswers();
    updateCounter();
  });

  form.addEventListener("submit", function (event) {
    if (submitted) {
      event.preventDefault();
      return;
    }
    submitted = true;
    saveAnswers();
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      // Disabled later in the same task so the button's own name/value still goes with the form.
      window.setTimeout(function () {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }, 0);
    });
    if (tick) window.clearInterval(tick);
  });

  restoreAnswers();
  updateCounter();
  if (deadline !== null) {
    if (timer) timer.hidden = false;
    render(Math.max(0, remaining));
    tick = window.setInterval(step, 1000);
    step();
  }
})();
