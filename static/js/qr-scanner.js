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
 * Rear camera (facingMode "environment"). Frames are read from the <video> element whatever its
 * size, and when the screen turns (orientationchange / resize) a stream the phone ended is opened
 * again and a paused video played again, so scanning goes on. Pages must offer a manual code entry
 * as the fallback: cameras may be refused or absent, and in-app browsers (WeChat) may lack
 * getUserMedia, BarcodeDetector or WebAssembly — each case shows data-msg-unsupported/-denied in
 * the status line (role="status") instead of failing silently. Tested with Chromium's fake
 * camera in tests/test_a11y_pages.py.
 */
(function () {
  "use strict";

  var REPEAT_MS = 3000;

  function isNative(fn) {
    return /\[native code\]/.test(Function.prototype.toString.call(fn));
  }

  // getUserMedia and a decoder: the browser's own BarcodeDetector, or the polyfill with WebAssembly.
  function canScan() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.BarcodeDetector) return false;
    return isNative(window.BarcodeDetector) || typeof window.WebAssembly === "object";
  }

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
    if (!canScan()) {
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
    try {
      self.detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (e) {
      setStatus(self.root, messages.msgUnsupported || "Camera scanning is not available; search by name.");
      return Promise.resolve(false);
    }
    self.failures = 0;
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
        self.failures = 0;
        if (codes.length) self.report(codes[0].rawValue);
      })
      .catch(function (error) {
        self.lastError = String(error);
        // A frame that cannot be read: try the next one. A decoder that never works (its wasm
        // blocked or missing) is given up after ~4 s, pointing the user to the code entry.
        self.failures += 1;
        if (self.failures >= 20) {
          self.stop();
          setStatus(self.root, self.root.dataset.msgUnsupported || "Camera scanning is not available.");
        }
      })
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

  // After the screen turned: reopen a stream the phone ended, replay a paused picture.
  Scanner.prototype.refresh = function () {
    var self = this;
    if (!self.running) return;
    var track = self.stream && self.stream.getVideoTracks()[0];
    if (!track || track.readyState === "ended") {
      self.stop();
      self.start();
    } else if (self.video.paused) {
      self.video.play().catch(function () { /* the next refresh or a tap on the button retries */ });
    }
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
      // The screen turned: some phones end or pause the camera stream when they rotate.
      var turning = null;
      var turned = function () {
        window.clearTimeout(turning);
        turning = window.setTimeout(function () { scanner.refresh(); }, 250);
      };
      window.addEventListener("orientationchange", turned);
      window.addEventListener("resize", turned);
      if (window.screen && window.screen.orientation && window.screen.orientation.addEventListener) {
        window.screen.orientation.addEventListener("change", turned);
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
