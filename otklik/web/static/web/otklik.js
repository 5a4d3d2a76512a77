/* Otklik pages: keyboard navigation of lists, answer templates. No inline scripts (CSP). */
(function () {
  "use strict";

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll(".kbd-list .kbd-item"));
  }

  function current(list) {
    var active = document.activeElement;
    for (var i = 0; i < list.length; i++) {
      if (list[i] === active || list[i].contains(active)) return i;
    }
    return -1;
  }

  function focusAt(list, i) {
    if (!list.length) return;
    i = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (el) { el.classList.remove("kbd-current"); });
    list[i].classList.add("kbd-current");
    list[i].focus();
    list[i].scrollIntoView({ block: "nearest" });
  }

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  var lastIndex = -1;

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    var list = items();
    if (!list.length) return;
    var i = current(list);
    var key = ev.key;
    if (key === "j" || key === "о") { focusAt(list, i + 1); ev.preventDefault(); return; }
    if (key === "k" || key === "л") { focusAt(list, i < 0 ? 0 : i - 1); ev.preventDefault(); return; }
    if (i < 0) return;
    var item = list[i];
    if (key === "Enter" || key === "o") {
      if (ev.target !== item) return; // a focused link or button inside handles Enter itself
      if (item.dataset.href) { window.location.href = item.dataset.href; ev.preventDefault(); }
      return;
    }
    if (key === "x") {
      var box = item.querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; ev.preventDefault(); }
      return;
    }
    var button = item.querySelector('[data-key="' + key + '"]');
    if (button) {
      lastIndex = i;
      ev.preventDefault();
      button.click();
    }
  });

  // After a feed row is done and removed in place, keep the keyboard position.
  document.addEventListener("htmx:afterSettle", function () {
    if (lastIndex >= 0) {
      var list = items();
      if (list.length) focusAt(list, lastIndex);
      lastIndex = -1;
    }
  });

  // Answer templates: insert the chosen text at the cursor instead of reloading the page.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains("template-picker")) return;
    var area = document.getElementById(form.dataset.insertInto);
    var select = form.querySelector("select");
    // A similar approved answer carries its text on the form itself (one click, §20).
    if (!area || (!form.dataset.text && (!select || select.selectedIndex < 0))) return;
    ev.preventDefault();
    var text = form.dataset.text || select.options[select.selectedIndex].dataset.text || "";
    var start = area.selectionStart || 0;
    var end = area.selectionEnd || 0;
    var before = area.value.slice(0, start);
    var after = area.value.slice(end);
    var glue = before && !/\n$/.test(before) ? "\n\n" : "";
    area.value = before + glue + text + after;
    var pos = (before + glue + text).length;
    area.focus();
    area.setSelectionRange(pos, pos);
  });

  // The organization picker: type to narrow a long list (the list works without it).
  function initOrgFilters(root) {
    root.querySelectorAll(".org-filter[hidden]").forEach(function (input) {
      input.hidden = false;
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") ev.preventDefault(); // Enter filters, it does not route
      });
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        input.form.querySelectorAll(".org-picker tbody tr").forEach(function (row) {
          var checked = row.querySelector("input[type=checkbox]").checked;
          row.hidden = q !== "" && !checked && row.textContent.toLowerCase().indexOf(q) < 0;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initOrgFilters(document); });
  document.addEventListener("htmx:load", function (ev) { initOrgFilters(ev.detail.elt); });

  // Buttons show they are working while htmx waits for the server (no double submits).
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var el = ev.detail.elt;
    if (el && el.tagName === "FORM") {
      el.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    var el = ev.detail.elt;
    if (el && el.tagName === "FORM" && document.body.contains(el)) {
      el.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    }
  });
})();
