// roster admin center: small enhancements; every page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // "Select all" checkboxes select the rows of their form.
  for (const all of document.querySelectorAll("input[data-select-all]")) {
    const name = all.getAttribute("data-select-all");
    all.addEventListener("change", () => {
      for (const box of all.form.querySelectorAll(`input[type="checkbox"][name="${name}"]`)) {
        box.checked = all.checked;
      }
    });
  }
  // Deleting asks first.
  for (const form of document.querySelectorAll("form#selection")) {
    form.addEventListener("submit", (event) => {
      const action = form.querySelector('select[name="action"]');
      if (action && action.value === "delete" && !window.confirm(action.selectedOptions[0].textContent + "?")) {
        event.preventDefault();
      }
    });
  }
});
