// parindex pages: the administrator's script, beside app.js. It does what
// app.js's forms cannot:
//   <form data-token>          with data-show="1": shows the token the API
//                              answered, once, in #ma-moi.
//   <form data-admin-upload=URL>  an officials list (multipart "file"),
//                              with a <progress>.
//   <form data-admin-file=URL>    a criteria set: the chosen file's text as
//                              the body, typed application/json or
//                              application/yaml by its name.
//   <form data-admin-json=URL>    fields as JSON where a name with dots
//                              nests ("criteria_sets.district"); data-kind
//                              int, and "" is left out.
// Each names the problem's field errors in words (row and column of a
// list, the criterion's code) in the form's alert box (parindex.fieldWords);
// each is sent by app.js's parindex.request. data-next and
// data-done as in app.js.
"use strict";
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // A token, shown once.
  document.addEventListener("parindex:answer", function (ev) {
    var form = ev.target;
    if (!form.hasAttribute("data-token")) return;
    var box = document.getElementById("ma-moi"), t = ev.detail || {};
    $("output", box).textContent = t.token || "";
    $("[data-token-id]", box).textContent = t.id;
    $("[data-token-exp]", box).textContent = t.expires_at ? "hết hạn " + when(t.expires_at) : "không hết hạn";
    box.hidden = false;
    form.hidden = true;
    $("output", box).focus();
  });

  // when writes an RFC 3339 time as "17:00 25/11/2026", as the pages do
  // (the API already answers in the province's zone).
  function when(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s);
    return m ? m[4] + ":" + m[5] + " " + m[3] + "/" + m[2] + "/" + m[1] : s;
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (!b) return;
    var out = document.getElementById(b.dataset.copy);
    if (out && navigator.clipboard) {
      navigator.clipboard.writeText(out.textContent).then(function () { b.textContent = "Đã sao chép"; }, function () {});
    }
  });

  // The words for a problem's field: "rows/3/email" is row 3's Email.
  var columns = { name: "Họ và tên", title: "Chức vụ", email: "Email", permission: "Quyền" };
  function fieldWords(e) {
    var f = e.field || "", parts = f.split("/");
    if (parts[0] === "rows" && parts.length >= 2) {
      var row = e.row || parts[1];
      return "Dòng " + row + (parts[2] ? ", cột " + (columns[parts[2]] || parts[2]) : "");
    }
    if (parts[0] === "criteria" && parts.length >= 2) {
      return "Tiêu chí " + parts[1] + (parts[2] ? " (" + parts.slice(2).join("/") + ")" : "");
    }
    return f;
  }
  parindex.fieldWords = fieldWords;

  // nested reads a form's fields into an object, a dotted name nesting.
  function nested(form) {
    var out = {};
    $$("input, select, textarea", form).forEach(function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit") return;
      var v = el.type === "checkbox" ? el.checked : el.value;
      if (v === "") return;
      if (el.dataset.kind === "int") v = parseInt(v, 10);
      var path = el.name.split("."), o = out;
      for (var i = 0; i < path.length - 1; i++) o = o[path[i]] = o[path[i]] || {};
      o[path[path.length - 1]] = v;
    });
    return out;
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target, d = form.dataset;
    if (d.adminUpload) {
      ev.preventDefault();
      parindex.request(form, "POST", d.adminUpload, new FormData(form), null);
    } else if (d.adminJson) {
      ev.preventDefault();
      parindex.request(form, "POST", d.adminJson, JSON.stringify(nested(form)), "application/json");
    } else if (d.adminFile) {
      ev.preventDefault();
      var input = $("input[type=file]", form), file = input && input.files[0];
      if (!file) { parindex.showProblem(form, 0, { detail: "Hãy chọn một tệp." }); return; }
      var type = /\.json$/i.test(file.name) ? "application/json" : "application/yaml";
      var reader = new FileReader();
      reader.onload = function () { parindex.request(form, "POST", d.adminFile, reader.result, type); };
      reader.onerror = function () { parindex.showProblem(form, 0, { detail: "Không đọc được tệp đã chọn." }); };
      reader.readAsText(file);
    }
  });
})();
