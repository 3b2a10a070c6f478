// The public progress chart: each target's history as a share of its plan value (%).
// Data comes from the page (json_script), drawn with the vendored chart.js; the table below has the same figures.
(function () {
  "use strict";
  var canvas = document.getElementById("progress-chart");
  var source = document.getElementById("progress-data");
  if (!canvas || !source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f"];
  data.datasets.forEach(function (dataset, index) {
    dataset.borderColor = colours[index % colours.length];
    dataset.backgroundColor = dataset.borderColor;
    dataset.spanGaps = true;
    dataset.tension = 0.2;
  });
  new Chart(canvas, {
    type: "line",
    data: data,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, suggestedMax: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
