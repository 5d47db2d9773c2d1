// Configuration screens: drag stages into a new funnel order. The up/down buttons do the same
// without JavaScript; this file only adds dragging.
(function () {
  "use strict";

  function stageKeys(list) {
    return Array.prototype.map.call(list.querySelectorAll("[data-key]"), function (item) {
      return item.dataset.key;
    });
  }

  function makeSortable(list) {
    if (list.dataset.sortableReady || typeof Sortable === "undefined") { return; }
    list.dataset.sortableReady = "1";
    Sortable.create(list, {
      handle: ".drag-handle",
      animation: 150,
      forceFallback: true,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) { return; }
        list.classList.add("saving");
        htmx.ajax("POST", list.dataset.reorderUrl, {
          source: list,
          target: "#stage-section",
          swap: "outerHTML",
          values: { order: stageKeys(list).join(",") }
        });
      }
    });
  }

  htmx.onLoad(function (root) {
    if (root.matches && root.matches("[data-reorder-url]")) { makeSortable(root); }
    if (root.querySelectorAll) {
      Array.prototype.forEach.call(root.querySelectorAll("[data-reorder-url]"), makeSortable);
    }
  });
})();
