// Quotes screens: small enhancements; every page works without this file.
(function () {
  "use strict";

  // The client's link, shown once after sending: focusing it selects it for copying.
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field instanceof HTMLInputElement && field.hasAttribute("data-select-on-focus")) {
      field.select();
    }
  });
})();
