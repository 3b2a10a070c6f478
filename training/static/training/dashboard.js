/*
 * District dashboard charts (vendored chart.js 4.6.1). Each <canvas data-trn-chart="id"> reads
 * its data from the <script type="application/json" id="id"> written by json_script:
 *   {"type": "bar"|"line", "labels": [...], "datasets": [{"label": ..., "data": [...]}],
 *    "lines": [{"label": ..., "value": n}]}   (horizontal target / reference lines)
 * The same numbers are in the table under each chart, which screen readers use.
 */
(function () {
  "use strict";

  var COLOURS = ["#b71c1c", "#2e7d32", "#1565c0", "#f9a825", "#6a1b9a", "#00838f", "#5d4037"];
  var LINE_COLOURS = ["#ff6f00", "#455a64", "#000000"];

  function build(canvas) {
    if (!window.Chart) return;
    var source = document.getElementById(canvas.dataset.trnChart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (set, index) {
      return {
        type: spec.type || "bar",
        label: set.label,
        data: set.data,
        backgroundColor: COLOURS[index % COLOURS.length],
        borderColor: COLOURS[index % COLOURS.length],
        borderWidth: spec.type === "line" ? 2 : 0,
        fill: false,
      };
    });
    (spec.lines || []).forEach(function (line, index) {
      datasets.push({
        type: "line",
        label: line.label,
        data: spec.labels.map(function () { return line.value; }),
        borderColor: LINE_COLOURS[index % LINE_COLOURS.length],
        borderDash: [6, 4],
        borderWidth: 2,
        pointRadius: 0,
        fill: false,
      });
    });
    new window.Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: true }, x: { beginAtZero: true } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-trn-chart]").forEach(build);
  });
})();
