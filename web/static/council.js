// parindex council pages: the round forms' choices. A checkbox with
// data-choose="ID" enables the criteria list #ID (disabled boxes are not
// sent: no criteria named reopens every self-scored one); a container with
// data-need-one="message" refuses, through the browser's own form
// validation, a submission with none of its enabled boxes checked.
// Loaded on Việc của tôi too, for its filter form.
"use strict";
(function () {
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function check(group) {
    var boxes = $$("input[type=checkbox]", group).filter(function (b) { return !b.disabled; });
    if (!boxes.length) return;
    var any = boxes.some(function (b) { return b.checked; });
    boxes.forEach(function (b) { b.setCustomValidity(""); });
    if (!any) boxes[0].setCustomValidity(group.dataset.needOne);
  }

  function choose(toggle) {
    var list = document.getElementById(toggle.dataset.choose);
    if (!list) return;
    $$("input[type=checkbox]", list).forEach(function (b) {
      b.disabled = !toggle.checked;
      if (b.disabled) b.setCustomValidity("");
    });
    check(list);
  }

  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.dataset && el.dataset.choose) { choose(el); return; }
    var group = el.closest ? el.closest("[data-need-one]") : null;
    if (group) check(group);
  });
  // A filter form (GET, data-clean-query) leaves its empty fields out of the
  // URL: the address stays short enough to read and bookmark.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute("data-clean-query")) return;
    $$("select, input", form).forEach(function (el) { if (el.name && el.value === "") el.disabled = true; });
  });
  window.addEventListener("pageshow", function () {
    $$("form[data-clean-query] [disabled]").forEach(function (el) { el.disabled = false; });
  });
  document.addEventListener("DOMContentLoaded", function () {
    $$("[data-choose]").forEach(choose);
    $$("[data-need-one]").forEach(check);
  });
})();
