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
  // A membership rule is checked as it is typed; the server checks it again on submit.
  for (const area of document.querySelectorAll("textarea[data-check-rule]")) {
    const status = document.getElementById(area.getAttribute("aria-describedby"));
    let timer = null;
    area.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const url = area.getAttribute("data-check-rule") + "?rule=" + encodeURIComponent(area.value);
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return;
        const answer = await response.json();
        status.textContent = answer.message;
        status.className = answer.valid ? "valid" : "error";
        area.setAttribute("aria-invalid", answer.valid ? "false" : "true");
      }, 250);
    });
  }
  // A button whose action cannot be undone asks first.
  for (const button of document.querySelectorAll("button[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
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
