// The rule form: shows only the inputs that fit the chosen event, pipeline and actions, adds,
// removes and reorders rows, and makes the key from the name. The form posts plain fields and
// works without this file (its "Show the inputs for my choices" button does the same).
(function () {
  "use strict";

  function words(text) {
    return (text || "").split(" ").filter(Boolean);
  }

  function each(root, selector, callback) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), callback);
  }

  function chosenEvent(form) {
    var select = form.querySelector("select[name=event]");
    var option = select ? select.options[select.selectedIndex] : null;
    var data = option ? option.dataset : {};
    return { recordType: data.recordType || "", facts: words(data.facts), timed: !!data.timed };
  }

  // Option groups name the record type and pipeline they belong to; show the ones that fit.
  function filterOptions(form, event) {
    var pipelineSelect = form.querySelector("select[name=pipeline]");
    each(form, "select:not([name=event]) optgroup[data-record-type]", function (group) {
      group.hidden = !!event.recordType && group.dataset.recordType !== event.recordType;
    });
    if (pipelineSelect) {
      var chosen = pipelineSelect.options[pipelineSelect.selectedIndex];
      if (chosen && chosen.parentElement.hidden) { pipelineSelect.value = ""; }
    }
    var pipeline = pipelineSelect ? pipelineSelect.value : "";
    each(form, "optgroup[data-pipeline]", function (group) {
      if (pipeline && group.dataset.pipeline !== pipeline) { group.hidden = true; }
    });
    each(form, "option[data-record-types]", function (option) {
      option.hidden = !!event.recordType &&
        words(option.dataset.recordTypes).indexOf(event.recordType) < 0;
    });
  }

  function showConditions(form, event) {
    each(form, "[data-needs]", function (item) {
      var needs = item.dataset.needs;
      item.hidden = needs === "timed" ? !event.timed : event.facts.indexOf(needs) < 0;
    });
  }

  function updateActionRow(row) {
    var select = row.querySelector("select[name$='-action']");
    var action = select ? select.value : "";
    var recipient = row.querySelector("select[name$='-to']");
    each(row, "[data-actions]", function (param) {
      var shown = words(param.dataset.actions).indexOf(action) >= 0;
      if (param.hasAttribute("data-address")) {
        shown = shown && !!recipient && recipient.value === "other";
      }
      param.hidden = !shown;
    });
  }

  function updateComparison(row) {
    var op = row.querySelector("select[name$='-op']");
    var value = row.querySelector("input[name$='-value']");
    var label = value ? value.closest("label") : null;
    if (op && label) { label.hidden = op.value === "empty" || op.value === "not_empty"; }
  }

  // "All hold / at least one holds" only means something with two comparisons or more.
  function showMatch(form) {
    var match = form.querySelector("select[name=conditions-match]");
    var label = match ? match.closest("label") : null;
    if (label) { label.hidden = form.querySelectorAll("[data-rows=where] > [data-row]").length < 2; }
  }

  function refresh(form) {
    var event = chosenEvent(form);
    filterOptions(form, event);
    showConditions(form, event);
    each(form, "[data-rows=actions] > [data-row]", updateActionRow);
    each(form, "[data-rows=where] > [data-row]", updateComparison);
    showMatch(form);
  }

  // Without this script an empty row at the end is how rows are added; with it, the buttons
  // add them, so the empty rows go (unless it is the only action of a new rule).
  function dropEmptyRows(form) {
    each(form, "[data-rows=where] > [data-row]", function (row) {
      var field = row.querySelector("select[name$='-field']");
      if (field && !field.value && !row.querySelector(".field-error")) { row.remove(); }
    });
    var actions = form.querySelector("[data-rows=actions]");
    if (!actions) { return; }
    each(actions, ":scope > [data-row]", function (row) {
      var action = row.querySelector("select[name$='-action']");
      if (action && !action.value && actions.children.length > 1 &&
          !row.querySelector(".field-error")) {
        row.remove();
      }
    });
    renumber(actions);
  }

  // Rows keep the names they were given; their position fields say the order.
  function renumber(list) {
    Array.prototype.forEach.call(list.children, function (row, index) {
      var order = row.querySelector("input[name$='-order']");
      if (order) { order.value = String(index + 1); }
    });
  }

  function nextIndex(list, prefix) {
    var highest = -1;
    var pattern = new RegExp("^" + prefix + "-(\\d+)-");
    each(list, "[name]", function (input) {
      var found = pattern.exec(input.name);
      if (found) { highest = Math.max(highest, parseInt(found[1], 10)); }
    });
    return highest + 1;
  }

  function addRow(form, prefix) {
    var list = form.querySelector("[data-rows=" + prefix + "]");
    var template = form.querySelector("template[data-template=" + prefix + "]");
    if (!list || !template) { return; }
    var html = template.innerHTML.replace(/__index__/g, String(nextIndex(list, prefix)));
    list.insertAdjacentHTML("beforeend", html);
    renumber(list);
    refresh(form);
    var first = list.lastElementChild.querySelector("select, input:not([type=hidden])");
    if (first) { first.focus(); }
  }

  function moveRow(row, direction) {
    var list = row.parentElement;
    if (direction === "up" && row.previousElementSibling) {
      list.insertBefore(row, row.previousElementSibling);
    } else if (direction === "down" && row.nextElementSibling) {
      list.insertBefore(row.nextElementSibling, row);
    }
    renumber(list);
    var button = row.querySelector("[data-move=" + direction + "]");
    if (button) { button.focus(); }
  }

  function keyFrom(name) {
    return name.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60);
  }

  function autofillKey(form) {
    var key = form.querySelector("input[data-autofill]");
    var name = form.querySelector("input[name=" + (key ? key.dataset.autofill : "name") + "]");
    if (!key || !name) { return; }
    var typed = key.value !== "" && key.value !== keyFrom(name.value);
    key.addEventListener("input", function () { typed = key.value !== ""; });
    name.addEventListener("input", function () {
      if (!typed) { key.value = keyFrom(name.value); }
    });
  }

  function enhance(form) {
    form.classList.add("js");
    dropEmptyRows(form);
    refresh(form);
    autofillKey(form);
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (!(target instanceof HTMLSelectElement)) { return; }
      if (target.name === "event" || target.name === "pipeline") {
        refresh(form);
        return;
      }
      var row = target.closest("[data-row]");
      if (row && row.parentElement.dataset.rows === "actions") { updateActionRow(row); }
      if (row && row.parentElement.dataset.rows === "where") { updateComparison(row); }
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[type=button]");
      if (!button || !form.contains(button)) { return; }
      var row = button.closest("[data-row]");
      if (button.dataset.addRow) {
        addRow(form, button.dataset.addRow);
      } else if (button.dataset.move && row) {
        moveRow(row, button.dataset.move);
      } else if (button.hasAttribute("data-remove-row") && row) {
        var list = row.parentElement;
        row.remove();
        renumber(list);
        showMatch(form);
      }
    });
  }

  each(document, "form.rule-form", enhance);
})();
