/*
 * The one QR scanner of the portal (training check-in, volunteer sign-in/out).
 *
 * Uses the BarcodeDetector API: the browser's own where it has one, otherwise the vendored
 * polyfill (static/vendor/barcode-detector, zxing-cpp as wasm, served from our static files).
 * Load the polyfill first:
 *   <script src="{% static 'vendor/barcode-detector/polyfill.js' %}"></script>
 *   <script src="{% static 'js/qr-scanner.js' %}"></script>
 *
 * Markup: a container with data-qr-scanner and data-wasm-url="{% static 'vendor/barcode-detector/zxing_reader.wasm' %}",
 * holding a <video> (muted, playsinline), a start button [data-qr-start] and a status line
 * [data-qr-status] (role="status"). The container receives a "qr-scanned" CustomEvent whose
 * detail.text is the decoded text; the same text is not reported twice within 3 seconds.
 *
 * Rear camera (facingMode "environment"); keeps scanning when the screen turns, because the
 * frames are read from the <video> element whatever its size. Pages must offer a manual search
 * as the fallback: cameras may be refused, absent, or blocked by an in-app browser.
 */
(function () {
  "use strict";

  var REPEAT_MS = 3000;

  function setStatus(root, text) {
    var status = root.querySelector("[data-qr-status]");
    if (status) status.textContent = text;
  }

  function Scanner(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.stream = null;
    this.detector = null;
    this.lastText = "";
    this.lastAt = 0;
    this.running = false;
  }

  Scanner.prototype.start = function () {
    var self = this;
    var messages = self.root.dataset;
    if (!window.BarcodeDetector || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setStatus(self.root, messages.msgUnsupported || "Camera scanning is not available; search by name.");
      return Promise.resolve(false);
    }
    if (window.BarcodeDetectionAPI && window.BarcodeDetectionAPI.prepareZXingModule && messages.wasmUrl) {
      window.BarcodeDetectionAPI.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return path.endsWith(".wasm") ? messages.wasmUrl : prefix + path;
          },
        },
      });
    }
    self.detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (stream) {
        self.stream = stream;
        self.video.srcObject = stream;
        self.video.setAttribute("playsinline", "");
        self.video.muted = true;
        return self.video.play();
      })
      .then(function () {
        self.running = true;
        setStatus(self.root, messages.msgScanning || "Point the camera at a QR code.");
        self.loop();
        return true;
      })
      .catch(function () {
        setStatus(self.root, messages.msgDenied || "The camera could not be opened; search by name.");
        return false;
      });
  };

  Scanner.prototype.loop = function () {
    var self = this;
    if (!self.running) return;
    var next = function () {
      window.setTimeout(function () { self.loop(); }, 200);
    };
    if (self.video.readyState < 2) return next();
    self.detector
      .detect(self.video)
      .then(function (codes) {
        if (codes.length) self.report(codes[0].rawValue);
      })
      .catch(function () { /* a frame that cannot be read: try the next one */ })
      .then(next);
  };

  Scanner.prototype.report = function (text) {
    var now = Date.now();
    if (text === this.lastText && now - this.lastAt < REPEAT_MS) return;
    this.lastText = text;
    this.lastAt = now;
    if (navigator.vibrate) navigator.vibrate(80);
    this.root.dispatchEvent(new CustomEvent("qr-scanned", { detail: { text: text }, bubbles: true }));
  };

  Scanner.prototype.stop = function () {
    this.running = false;
    if (this.stream) this.stream.getTracks().forEach(function (track) { track.stop(); });
    this.stream = null;
  };

  window.PortalQrScanner = Scanner;

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-qr-scanner]").forEach(function (root) {
      var scanner = new Scanner(root);
      root.portalScanner = scanner;
      var button = root.querySelector("[data-qr-start]");
      if (button) {
        button.addEventListener("click", function () {
          if (scanner.running) {
            scanner.stop();
            setStatus(root, root.dataset.msgStopped || "Camera off.");
          } else {
            scanner.start();
          }
        });
      }
      // Phones suspend the camera when the page is hidden; resume when it comes back.
      document.addEventListener("visibilitychange", function () {
        if (document.hidden && scanner.running) {
          scanner.stop();
          scanner.resume = true;
        } else if (!document.hidden && scanner.resume) {
          scanner.resume = false;
          scanner.start();
        }
      });
    });
  });
})();
