// When a form comes back with errors, move keyboard and screen-reader focus to the error summary, so the
// person hears what to fix first (the summary's links then lead to each field). Progressive enhancement only.
(function () {
  function focusSummary(root) {
    var summary = (root || document).querySelector("#error-summary");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusSummary(event.target); });
})();
