// The pipeline board: drag cards between columns (each drop asks the server to take the
// transition into that stage), open the dialog when a move needs values, and put a card back
// when a move is refused. Without this file every card still has its "Move to…" form.
(function () {
  "use strict";

  function area() { return document.getElementById("board-area"); }
  function dialog() { return document.getElementById("move-dialog"); }

  // A refused drag puts the card back where it was picked up.
  function putBack(move) {
    var item = move.item;
    item.classList.remove("is-moving");
    if (!item.isConnected || item.parentNode === move.from) { return; }
    var next = move.next && move.next.parentNode === move.from ? move.next : null;
    move.from.insertBefore(item, next);
  }

  function drop(event) {
    var item = event.item;
    if (event.from === event.to || !event.to.dataset.stage) { return; }
    var move = { item: item, from: event.from, next: item._boardNext || null };
    var board = area();
    item.classList.add("is-moving");
    htmx.ajax("POST", item.dataset.moveUrl, {
      source: item,
      target: "#board-status",
      swap: "innerHTML",
      values: {
        stage: event.to.dataset.stage,
        version: item.dataset.version,
        filters: board ? board.dataset.filters : ""
      }
    }).then(function () { putBack(move); }, function () { putBack(move); });
  }

  function makeSortable(list, closing) {
    if (list.dataset.sortableReady || typeof Sortable === "undefined") { return; }
    list.dataset.sortableReady = "1";
    Sortable.create(list, {
      group: { name: "board", pull: !closing, put: true },
      sort: false,
      draggable: ".card",
      filter: "a, select, button, input, label",
      preventOnFilter: false,
      forceFallback: true,
      fallbackOnBody: true,
      delay: 180,
      delayOnTouchOnly: true,
      animation: 120,
      onStart: function (event) { event.item._boardNext = event.item.nextSibling; },
      onEnd: drop
    });
  }

  // A card moved into a column shows at its top; when that column later fetches its cards
  // (or a "show more" page), the copy fetched for the same record is dropped.
  function dropDuplicates(root) {
    var loaded = Array.prototype.slice.call(root.querySelectorAll(".card[id]"));
    if (root.matches && root.matches(".card[id]")) { loaded.push(root); }
    loaded.forEach(function (card) {
      var same = document.querySelectorAll("#" + CSS.escape(card.id));
      if (same.length > 1 && same[0] !== card) { card.remove(); }
    });
  }

  // The status line clears itself a while after the last outcome.
  var statusTimer = null;
  function fadeStatus() {
    var status = document.getElementById("board-status");
    if (!status || !status.firstElementChild) { return; }
    window.clearTimeout(statusTimer);
    statusTimer = window.setTimeout(function () { status.replaceChildren(); }, 8000);
  }

  htmx.onLoad(function (root) {
    if (!root.querySelectorAll) { return; }
    dropDuplicates(root);
    var lists = Array.prototype.slice.call(root.querySelectorAll(".board .card-list"));
    if (root.matches && root.matches(".board .card-list")) { lists.push(root); }
    lists.forEach(function (list) { makeSortable(list, false); });
    Array.prototype.forEach.call(root.querySelectorAll(".board .drop-zone"), function (zone) {
      makeSortable(zone, true);
    });
  });

  // Refusals (409), "needs values" (422) and "not allowed" (403) carry content for the board.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (area() && (status === 409 || status === 422 || status === 403) &&
        event.detail.xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board-status") { fadeStatus(); }
    var box = dialog();
    if (!box || event.detail.target !== box) { return; }
    if (!box.open) { box.showModal(); }
    var first = box.querySelector("label:has(.field-error) :is(input, select, textarea)") ||
      box.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  });

  document.addEventListener("board-moved", function () {
    var box = dialog();
    if (box && box.open) { box.close(); }
  });

  document.addEventListener("click", function (event) {
    var status = event.target.closest("#board-status");
    if (status) { status.replaceChildren(); return; }
    var close = event.target.closest("[data-dialog-close]");
    var box = dialog();
    if (close && box && box.contains(close)) {
      event.preventDefault();
      box.close();
    }
  });

  document.addEventListener("close", function (event) {
    if (event.target === dialog()) { event.target.replaceChildren(); }
  }, true);
})();
