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
    if (key === "u" || key === "г" || key === "Escape") {
      if (undoLast()) ev.preventDefault();
      return;
    }
    var button = item.querySelector('[data-key="' + key + '"]');
    if (button) {
      ev.preventDefault();
      if (item.querySelector(".undo-bar")) return; // already waiting
      lastIndex = i;
      later(item, button);
      focusAt(list, i + 1); // go on with the next one while this one waits
    }
  });

  // A key press is easy to make by mistake: the step waits UNDO_SECONDS with «Отменить»
  // (or the key u) before it is sent. A click on the button itself is deliberate and goes at once.
  var UNDO_SECONDS = 10;
  var pending = [];

  function later(item, button) {
    var bar = document.createElement("div");
    bar.className = "undo-bar";
    bar.setAttribute("role", "status");
    var text = document.createElement("span");
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary undo";
    cancel.textContent = "Отменить";
    var now = document.createElement("button");
    now.type = "button";
    now.className = "secondary undo-now";
    now.textContent = "Выполнить сейчас";
    bar.appendChild(text);
    bar.appendChild(cancel);
    bar.appendChild(now);
    item.appendChild(bar);
    item.classList.add("is-pending");
    var left = UNDO_SECONDS;
    var entry = { item: item, bar: bar };
    function show() { text.textContent = "«" + button.textContent.trim() + "» через " + left + " с "; }
    function finish(run) {
      clearInterval(entry.timer);
      pending = pending.filter(function (p) { return p !== entry; });
      bar.remove();
      item.classList.remove("is-pending");
      if (run) button.click();
    }
    entry.cancel = function () { finish(false); };
    entry.timer = setInterval(function () { left -= 1; if (left <= 0) finish(true); else show(); }, 1000);
    cancel.addEventListener("click", function () { entry.cancel(); });
    now.addEventListener("click", function () { finish(true); });
    show();
    pending.push(entry);
  }

  function undoLast() {
    var entry = pending[pending.length - 1];
    if (!entry) return false;
    entry.cancel();
    entry.item.focus();
    return true;
  }

  // A button that cannot be undone (data-confirm) asks first; capture phase, before htmx sends.
  document.addEventListener("submit", function (ev) {
    var button = ev.submitter;
    if (!button || !button.dataset || !button.dataset.confirm) return;
    if (!window.confirm(button.dataset.confirm)) { ev.preventDefault(); ev.stopPropagation(); }
  }, true);

  // Bulk buttons of the feed: nothing ticked says so; exclusion (п. 22) asks first. Runs in the
  // capture phase, before htmx sends the form.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.id || form.id !== "bulk") return;
    var ticked = document.querySelectorAll('input[type=checkbox][name=case][form=bulk]:checked').length;
    var note = form.querySelector(".bulk-note");
    var stop = function (message) {
      ev.preventDefault();
      ev.stopPropagation();
      if (note && message) { note.textContent = message; note.hidden = false; }
    };
    if (!ticked) return stop("Ничего не отмечено: поставьте галочки у сообщений (или клавиша x), затем нажмите кнопку.");
    var action = ev.submitter ? ev.submitter.value : "";
    if (action === "exclude" && !window.confirm("Исключить отмеченные сообщения (" + ticked + ") по п. 22? Вернуть их в работу будет нельзя.")) {
      return stop("");
    }
    if (note) note.hidden = true;
  }, true);

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

  // «Вставить в ответ»: a quote of the intermediate answer into the final draft.
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("button[data-insert-text]") : null;
    if (!button) return;
    var area = document.getElementById(button.dataset.insertInto);
    if (!area) return;
    var quote = button.dataset.insertText.split("\n").map(function (l) { return "> " + l; }).join("\n");
    area.value = area.value ? area.value.replace(/\s*$/, "\n\n") + quote : quote + "\n\n";
    area.focus();
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
