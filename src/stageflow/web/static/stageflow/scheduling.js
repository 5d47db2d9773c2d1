// The schedule: drag an appointment from the unassigned list (or another cell) onto a route or
// person on a day. Each drop posts the lane, the day and the version the page showed; a refused
// drop snaps back and says why. Without this file every appointment opens a form to assign it.
(function () {
  "use strict";

  function statusLine() { return document.getElementById("schedule-status"); }

  function say(text, refused) {
    var line = statusLine();
    if (!line) { return; }
    var note = document.createElement("p");
    note.textContent = text;
    if (refused) { note.className = "is-refused"; }
    line.replaceChildren(note);
  }

  function csrfToken() {
    var field = document.querySelector("#schedule-csrf [name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function putBack(move) {
    var item = move.item;
    if (item.parentNode === move.from) { return; }
    var next = move.next && move.next.parentNode === move.from ? move.next : null;
    move.from.insertBefore(item, next);
  }

  function drop(event) {
    var item = event.item;
    if (event.from === event.to) { return; }
    var move = { item: item, from: event.from, next: item._scheduleNext || null };
    var body = new FormData();
    body.append("lane", event.to.dataset.lane);
    body.append("date", event.to.dataset.date || "");
    body.append("version", item.dataset.version);
    item.classList.add("is-saving");
    fetch(item.dataset.assignUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: response.statusText }; });
    }).then(function (outcome) {
      item.classList.remove("is-saving");
      if (outcome.ok) {
        item.dataset.version = outcome.version;
        say(outcome.message, false);
      } else {
        putBack(move);
        say(outcome.message, true);
      }
    }, function () {
      item.classList.remove("is-saving");
      putBack(move);
      say(statusLine() ? statusLine().dataset.offline : "", true);
    });
  }

  function paint(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-colour]"), function (node) {
      var colour = node.dataset.colour;
      if (!/^#[0-9a-fA-F]{6}$/.test(colour)) { return; }
      if (node.classList.contains("chip")) { node.style.borderLeftColor = colour; }
      else { node.style.backgroundColor = colour; }
    });
  }

  function ready() {
    paint(document);
    if (typeof Sortable === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll(".cell[data-lane]"), function (cell) {
      Sortable.create(cell, {
        group: "schedule",
        sort: false,
        draggable: ".chip",
        filter: "button, input",
        preventOnFilter: false,
        forceFallback: true,
        fallbackOnBody: true,
        delay: 180,
        delayOnTouchOnly: true,
        animation: 120,
        onStart: function (event) { event.item._scheduleNext = event.item.nextSibling; },
        onEnd: drop
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
