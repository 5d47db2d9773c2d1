// Report charts: each <canvas data-chart="id"> is drawn from the JSON in <script id="id">
// (the page's Content-Security-Policy allows no inline script). The table beside every chart
// holds the same figures, so the page is complete without this file.
(function () {
  "use strict";

  var COLOURS = ["#1f6fb2", "#e07b24", "#2e9d57", "#c0392b", "#7d4cc2", "#8c6d31", "#d6569b", "#5b6b7a"];
  var TYPES = { bar: "bar", funnel: "bar", stacked: "bar", line: "line", doughnut: "doughnut" };
  var locale = document.documentElement.lang || undefined;

  function formatter(kind) {
    var digits = kind === "money" ? 2 : (kind === "count" ? 0 : 1);
    var number = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
    return function (value) {
      if (value === null || value === undefined) { return "—"; }
      var text = number.format(value);
      if (kind === "percent") { return text + " %"; }
      if (kind === "days") { return text + " d"; }
      return text;
    };
  }

  // Money and counts on one axis would flatten the smaller series: each kind gets its own.
  function axes(series, kind, horizontal) {
    var scales = {};
    var seen = [];
    series.forEach(function (item) {
      if (seen.indexOf(item.kind) === -1) { seen.push(item.kind); }
    });
    var valueAxis = horizontal ? "x" : "y";
    seen.forEach(function (itemKind, index) {
      var id = index === 0 ? valueAxis : valueAxis + index;
      scales[id] = {
        axis: valueAxis,
        position: horizontal ? (index === 0 ? "bottom" : "top") : (index === 0 ? "left" : "right"),
        beginAtZero: true,
        suggestedMax: itemKind === "percent" ? 100 : undefined,
        stacked: kind === "stacked",
        grid: { drawOnChartArea: index === 0 },
        ticks: { callback: formatter(itemKind), precision: itemKind === "count" ? 0 : undefined }
      };
    });
    scales[horizontal ? "y" : "x"] = { stacked: kind === "stacked", ticks: { autoSkip: !horizontal } };
    return { scales: scales, ids: seen.map(function (itemKind, index) {
      return index === 0 ? valueAxis : valueAxis + index;
    }), kinds: seen };
  }

  function config(data) {
    var type = TYPES[data.kind] || "bar";
    var horizontal = data.kind === "funnel";
    var pie = type === "doughnut";
    var layout = pie ? null : axes(data.series, data.kind, horizontal);
    var datasets = data.series.map(function (item, index) {
      var dataset = { label: item.label, data: item.data };
      if (pie) {
        dataset.backgroundColor = item.data.map(function (_, at) { return COLOURS[at % COLOURS.length]; });
      } else {
        var colour = COLOURS[index % COLOURS.length];
        dataset.backgroundColor = type === "line" ? colour + "33" : colour;
        dataset.borderColor = colour;
        dataset.fill = type === "line" && data.series.length === 1;
        dataset[horizontal ? "xAxisID" : "yAxisID"] = layout.ids[layout.kinds.indexOf(item.kind)];
      }
      return dataset;
    });
    var formats = data.series.map(function (item) { return formatter(item.kind); });
    return {
      type: type,
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        scales: pie ? {} : layout.scales,
        plugins: {
          legend: { display: pie || datasets.length > 1, position: "bottom" },
          tooltip: { callbacks: { label: function (context) {
            return context.dataset.label + ": " + formats[context.datasetIndex](context.raw);
          } } }
        }
      }
    };
  }

  function draw(canvas) {
    if (!window.Chart || canvas.dataset.drawn) { return; }
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    if (!data) { return; }
    // A horizontal funnel grows with its stages so each bar keeps a readable height.
    if (data.kind === "funnel") {
      canvas.parentNode.style.height = Math.max(220, data.labels.length * 44 + 60) + "px";
    }
    canvas.dataset.drawn = "1";
    new window.Chart(canvas, config(data));
  }

  function drawIn(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  // On a phone the figures come first: the filters start folded unless one needs fixing.
  function foldFilters() {
    if (window.matchMedia("(max-width: 600px)").matches) {
      document.querySelectorAll("details.filter-panel:not([data-keep-open])").forEach(function (panel) {
        panel.open = false;
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { foldFilters(); drawIn(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawIn(event.detail.elt || document); });

  // A refused filter (422) comes back as the form with the reason next to the field.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 && event.detail.target.id === "report") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
