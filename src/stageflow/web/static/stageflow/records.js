// Lead and opportunity screens: pickers, bulk selection, the preview panel, transition forms
// and wizard choices. Every page works without this file; it only saves clicks.
(function () {
  "use strict";

  // A refused transition (422) or a stale version (409) comes back as a form to show.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 422 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function closest(target, selector) {
    return target instanceof Element ? target.closest(selector) : null;
  }

  document.addEventListener("click", function (event) {
    // Record pickers (contacts, opportunities): a search lists buttons; a click stores the id.
    var pick = closest(event.target, "[data-pick-record]");
    if (pick) {
      var name = pick.dataset.target;
      var input = document.getElementById("id_" + name);
      var chosen = document.getElementById(name + "-chosen");
      if (input) { input.value = pick.dataset.id; }
      if (chosen) { chosen.textContent = "✓ " + pick.dataset.name; }
      var results = document.getElementById(name + "-results");
      if (results) { results.textContent = ""; }
      return;
    }
    if (closest(event.target, "[data-close-preview]")) {
      var panel = document.getElementById("preview");
      if (panel) { panel.textContent = ""; }
      return;
    }
    var cancel = closest(event.target, "[data-close-panel]");
    if (cancel && cancel.closest("#transition-panel") && !cancel.closest(".transition-page")) {
      event.preventDefault();
      cancel.closest("#transition-panel").textContent = "";
      return;
    }
    // A click anywhere on an overview row (not on a control) opens its preview.
    var row = closest(event.target, "tr[data-preview-row]");
    if (row && !closest(event.target, "a, button, input, label, select")) {
      var button = row.querySelector("[data-preview]");
      if (button) { button.click(); }
    }
  });

  // Preview links open in the side panel instead of navigating.
  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.elt;
    if (source instanceof Element && source.hasAttribute("data-preview")) {
      var rows = document.querySelectorAll("tr[data-preview-row].previewed");
      Array.prototype.forEach.call(rows, function (r) { r.classList.remove("previewed"); });
      var row = source.closest("tr");
      if (row) { row.classList.add("previewed"); }
      var panel = document.getElementById("preview");
      if (panel && window.matchMedia("(max-width: 1023px)").matches) {
        panel.scrollIntoView({ behavior: "smooth", block: "start" });
      }
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) { return; }
    if (target.hasAttribute("data-select-all")) {
      var form = target.closest("form");
      var boxes = form ? form.querySelectorAll("input[name=ids]") : [];
      Array.prototype.forEach.call(boxes, function (box) { box.checked = target.checked; });
    }
    if (target.hasAttribute("data-bulk-action")) { showBulkInputs(target); }
    if (target.closest("[data-modes]")) { showModePanels(target.closest("form")); }
  });

  function showBulkInputs(select) {
    var form = select.closest("form");
    if (!form) { return; }
    Array.prototype.forEach.call(form.querySelectorAll("[data-for-action]"), function (input) {
      var actions = input.dataset.forAction.split(" ");
      input.hidden = actions.indexOf(select.value) === -1;
    });
  }

  function showModePanels(form) {
    if (!form) { return; }
    var checked = form.querySelector("[data-modes] input[type=radio]:checked");
    var mode = checked ? checked.value : "";
    Array.prototype.forEach.call(form.querySelectorAll("[data-mode-panel]"), function (panel) {
      panel.hidden = panel.dataset.modePanel !== mode;
    });
  }

  function enhance(root) {
    if (!root.querySelectorAll) { return; }
    Array.prototype.forEach.call(root.querySelectorAll("[data-bulk-action]"), showBulkInputs);
    Array.prototype.forEach.call(root.querySelectorAll("form"), function (form) {
      if (form.querySelector("[data-modes]")) { showModePanels(form); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
