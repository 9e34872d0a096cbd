// roster admin center: small enhancements; every page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // On a phone the navigation folds behind the menu button.
  const menu = document.querySelector("button.menu");
  const nav = document.getElementById("navigation");
  if (menu && nav) {
    const narrow = window.matchMedia("(max-width: 600px)");
    const fold = (folded) => {
      nav.classList.toggle("collapsed", folded);
      menu.setAttribute("aria-expanded", folded ? "false" : "true");
    };
    const follow = () => {
      menu.hidden = !narrow.matches;
      fold(narrow.matches);
    };
    follow();
    narrow.addEventListener("change", follow);
    menu.addEventListener("click", () => fold(!nav.classList.contains("collapsed")));
  }
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
  // A copy button copies the text of the element it names.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.getAttribute("data-copy"));
      try {
        await navigator.clipboard.writeText(source.textContent);
        button.textContent = button.getAttribute("data-copied") || button.textContent;
      } catch (_) {
        window.getSelection().selectAllChildren(source);
      }
    });
  }
  // A picker's choices follow what is typed in its search (the server renders them; without the
  // script, its Find button reloads the page with them).
  for (const input of document.querySelectorAll("input[data-picker]")) {
    const into = document.getElementById(input.getAttribute("data-picker-into"));
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const url = input.getAttribute("data-picker") + "?find=" + encodeURIComponent(input.value);
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok) into.innerHTML = await response.text();
      }, 200);
    });
  }
});
