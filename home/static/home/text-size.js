/* 适老化 large text: one switch in the page header; the choice sticks (localStorage) on every page.
   Loaded in <head> so the class is set before the first paint (no jump). Pages are the same for
   everyone on the server side, so caches stay shared. */
(function () {
  var KEY = "portal.textSize";
  var root = document.documentElement;
  // The base type is 112.5 % and everything is sized in rem: one value scales the whole page. Set
  // through the CSSOM, not an injected <style>, which the Content-Security-Policy would block.
  var LARGE = "137.5%";
  function stored() {
    try { return window.localStorage.getItem(KEY) === "large"; } catch (e) { return false; }
  }
  function apply(large) {
    root.classList.toggle("text-large", large);
    root.style.fontSize = large ? LARGE : "";
    var buttons = document.querySelectorAll("[data-text-size-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", large ? "true" : "false");
    }
  }
  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    apply(stored());
    var buttons = document.querySelectorAll("[data-text-size-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () {
        var large = !root.classList.contains("text-large");
        try { window.localStorage.setItem(KEY, large ? "large" : "normal"); } catch (e) { /* private mode */ }
        apply(large);
      });
    }
  });
})();
