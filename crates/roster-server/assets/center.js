// roster admin center: small enhancements; every page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A sign-in's answer posted to the application (response_mode=form_post) goes at once.
  const answer = document.querySelector("form[data-auto-submit]");
  if (answer) {
    answer.submit();
    return;
  }
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
  // script, its Find button reloads the page with them). Only the answer to the latest search is
  // shown, and a choice already ticked is kept (moved to the picker's chosen list, if it has one).
  for (const input of document.querySelectorAll("input[data-picker]")) {
    const into = document.getElementById(input.getAttribute("data-picker-into"));
    const keep = document.getElementById(input.getAttribute("data-picker-keep") || "");
    let timer = null;
    let latest = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const asked = ++latest;
        const url = input.getAttribute("data-picker") + (input.getAttribute("data-picker").includes("?") ? "&" : "?") +
          "find=" + encodeURIComponent(input.value);
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok || asked !== latest) return;
        const html = await response.text();
        if (asked !== latest) return;
        if (keep) {
          for (const box of into.querySelectorAll("input[type=checkbox]:checked")) keep.appendChild(box.closest("label") || box);
        }
        into.innerHTML = html;
        if (keep) {
          for (const box of into.querySelectorAll("input[type=checkbox]")) {
            if (keep.querySelector(`input[value="${box.value}"]`)) (box.closest("label") || box).remove();
          }
        }
      }, 200);
    });
  }
  // A display name follows the first and last name until it is edited.
  for (const name of document.querySelectorAll("input[data-fill-from]")) {
    const parts = name.getAttribute("data-fill-from").split(" ").map((id) => document.getElementById(id));
    const composed = () => parts.map((part) => part.value.trim()).filter(Boolean).join(" ");
    let follows = name.value.trim() === "" || name.value.trim() === composed();
    name.addEventListener("input", () => { follows = name.value.trim() === ""; });
    for (const part of parts) {
      part.addEventListener("input", () => { if (follows) name.value = composed(); });
    }
  }
  // A new user's name is checked as it is typed: its characters, its domain, and that it is free.
  for (const alias of document.querySelectorAll("input[data-check-name]")) {
    const domain = document.getElementById(alias.getAttribute("data-domain"));
    const status = document.getElementById(alias.getAttribute("aria-describedby"));
    let timer = null;
    const check = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        if (alias.value.trim() === "") return;
        const url = alias.getAttribute("data-check-name") + "?alias=" + encodeURIComponent(alias.value) +
          "&domain=" + encodeURIComponent(domain.value);
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return;
        const answer = await response.json();
        status.textContent = answer.message;
        status.className = answer.valid ? "valid" : "error";
        alias.setAttribute("aria-invalid", answer.valid ? "false" : "true");
      }, 250);
    };
    alias.addEventListener("input", check);
    domain.addEventListener("change", check);
  }
  // The bulk bar shows only the fields the chosen action needs (without the script, all).
  for (const action of document.querySelectorAll("div.bulk select[name=action]")) {
    const show = () => {
      for (const field of action.closest("div.bulk").querySelectorAll("[data-for]")) {
        field.hidden = !field.getAttribute("data-for").split(" ").includes(action.value);
      }
    };
    action.addEventListener("change", show);
    show();
  }
});
