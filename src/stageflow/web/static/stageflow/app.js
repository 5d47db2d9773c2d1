// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Destructive forms ask first: <form data-confirm="Really?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // Account pickers: a search lists accounts as buttons; a click stores the choice.
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-pick-account]");
    if (pick) {
      var target = pick.dataset.target;
      var input = document.getElementById("id_" + target);
      var chosen = document.getElementById(target + "-chosen");
      if (input) { input.value = pick.dataset.id; }
      if (chosen) { chosen.textContent = "✓ " + pick.dataset.name; }
      var list = pick.closest(".lookup-results");
      if (list) { list.remove(); }
      return;
    }
    var clear = event.target.closest("[data-clear-account]");
    if (clear) {
      var name = clear.dataset.clearAccount;
      var field = document.getElementById("id_" + name);
      var label = document.getElementById(name + "-chosen");
      if (field) { field.value = ""; }
      if (label) { label.textContent = label.dataset.empty || ""; }
    }
  });

  // A document page's print button.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  // The language menu applies the choice at once.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit")) {
      select.form.submit();
    }
  });
})();
