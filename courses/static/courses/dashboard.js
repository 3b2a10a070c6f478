/* Learning statistics charts (vendored chart.js); the tables beside them carry the same numbers. */
(function () {
  "use strict";
  var source = document.getElementById("crs-chart-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var red = "#b71c1c", green = "#2e7d32", grey = "#555";

  var streets = document.getElementById("crs-chart-streets");
  if (streets && data.streets.labels.length) {
    new window.Chart(streets, {
      data: {
        labels: data.streets.labels,
        datasets: [
          { type: "bar", label: data.labels.share, data: data.streets.shares, backgroundColor: green },
          { type: "line", label: data.labels.target, data: data.streets.labels.map(function () { return data.streets.target; }),
            borderColor: red, borderDash: [6, 4], pointRadius: 0, fill: false }
        ]
      },
      options: { maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ticks: { color: grey } } } }
    });
  } else if (streets) {
    streets.parentNode.hidden = true;
  }

  var questions = document.getElementById("crs-chart-questions");
  if (questions && data.questions.labels.length) {
    new window.Chart(questions, {
      type: "bar",
      data: {
        labels: data.questions.labels,
        datasets: [{ label: data.labels.rate, data: data.questions.rates,
          backgroundColor: data.questions.rates.map(function (r) { return r < 60 ? red : green; }) }]
      },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false, scales: { x: { min: 0, max: 100 } } }
    });
  }
})();
