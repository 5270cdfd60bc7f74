// parindex pages: the one script. Every change a page makes goes through the
// API (/api/v1) with the session cookie; the server's problem+json answer is
// shown next to the form, in Vietnamese, naming the field.
//
//   <form data-api="/api/v1/..." data-method="PATCH" data-if-match="7"
//         data-next="/reports/7" data-done="KEY" data-confirm="dialog-id">
//     fields become a JSON object by name; data-kind on a field:
//       points    "0,5" or "0.5" -> the JSON number 0.5 ("" -> null)
//       int       -> a JSON integer
//       bool      a checkbox -> true/false
//       list      every checked box of that name -> an array of values
//       ints      as list, each value a JSON integer (ids)
//       datetime  a datetime-local, sent as typed: "2026-12-01T17:00", which
//                 the API reads in the province's zone
//       omit      "" leaves the field out
//   <form data-upload="/api/v1/.../evidence"> a file field, sent as
//     multipart with a <progress> in the form showing how far it is.
// On success the page goes to data-next (default: this page, reloaded) with
// ?xong=KEY, a fixed message the server knows. Nothing is kept in the
// browser's storage.
"use strict";
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // points reads a score as a person types it: "0,5", "0.5", " 1 ".
  function points(s) {
    s = String(s).trim().replace(/\s/g, "");
    if (s === "") return null;
    if (!/^-?\d+([.,]\d+)?$/.test(s)) return NaN;
    return Number(s.replace(",", "."));
  }
  window.parindexPoints = points;

  // vn writes a number the Vietnamese way: 1.234,5.
  function vn(n, decimals) {
    if (n === null || isNaN(n)) return "—";
    var neg = n < 0; n = Math.abs(n);
    var s = decimals === undefined ? String(Math.round(n * 100) / 100) : n.toFixed(decimals);
    var parts = s.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (neg ? "-" : "") + whole + (parts[1] ? "," + parts[1] : "");
  }
  window.parindexVN = vn;

  function body(form) {
    var out = {};
    $$("input, select, textarea", form).forEach(function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit") return;
      var kind = el.dataset.kind || "";
      if (kind === "list" || kind === "ints") {
        if (!out[el.name]) out[el.name] = [];
        if (el.checked) out[el.name].push(kind === "ints" ? parseInt(el.value, 10) : el.value);
        return;
      }
      if (el.type === "checkbox" || kind === "bool") { out[el.name] = el.checked; return; }
      if (el.type === "radio") { if (el.checked) out[el.name] = el.value; return; }
      var v = el.value;
      if (kind === "omit" && v.trim() === "") return;
      if (kind === "points") { var p = points(v); out[el.name] = (p !== null && isNaN(p)) ? v : p; return; }
      if (kind === "int") { out[el.name] = v.trim() === "" ? null : parseInt(v, 10); return; }
      out[el.name] = v;
    });
    return out;
  }

  function alertBox(form) {
    var box = $(".problem", form);
    if (!box) {
      box = document.createElement("div");
      box.className = "problem";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    return box;
  }

  function clearErrors(form) {
    $$(".field-error", form).forEach(function (e) { e.remove(); });
    $$("[aria-invalid]", form).forEach(function (e) { e.removeAttribute("aria-invalid"); });
    var box = $(".problem", form);
    if (box) box.textContent = "";
  }

  // fieldOf finds the field a problem names: data-field="entries/1.1/score"
  // or a field of that name (the last part of the path).
  function fieldOf(form, name) {
    var el = null;
    $$("[data-field]", form).forEach(function (e) { if (!el && e.dataset.field === name) el = e; });
    if (el) return el;
    var last = name.split("/").pop();
    $$("[name]", form).forEach(function (e) { if (!el && (e.name === name || e.name === last)) el = e; });
    return el;
  }

  function showProblem(form, status, p) {
    var box = alertBox(form);
    box.textContent = "";
    var head = document.createElement("strong");
    head.textContent = (p && (p.detail || p.title)) || ("Không thực hiện được (mã " + status + ").");
    box.appendChild(head);
    var errs = (p && p.errors) || [];
    if (errs.length) {
      var ul = document.createElement("ul");
      errs.forEach(function (e) {
        var li = document.createElement("li"), words = window.parindex.fieldWords ? window.parindex.fieldWords(e) : "";
        li.textContent = (words ? words + ": " : "") + e.message;
        ul.appendChild(li);
        var el = fieldOf(form, e.field || "");
        if (el) {
          el.setAttribute("aria-invalid", "true");
          var m = document.createElement("span");
          m.className = "field-error";
          m.textContent = e.message;
          el.insertAdjacentElement("afterend", m);
        }
      });
      box.appendChild(ul);
    }
    box.scrollIntoView({ block: "nearest" });
  }

  function done(form, answer) {
    var next = form.dataset.next || (location.pathname + location.search.replace(/([?&])xong=[^&]*&?/, "$1").replace(/[?&]$/, ""));
    if (answer && next.indexOf("{id}") >= 0 && answer.id !== undefined) next = next.replace("{id}", answer.id);
    if (form.dataset.done) next += (next.indexOf("?") >= 0 ? "&" : "?") + "xong=" + encodeURIComponent(form.dataset.done);
    location.assign(next);
  }

  function busy(form, on) {
    $$("button", form).forEach(function (b) { b.disabled = on; });
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  function handle(form, xhr) {
    busy(form, false);
    var answer = null;
    try { answer = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch (e) { answer = null; }
    if (xhr.status >= 200 && xhr.status < 300) {
      if (form.dataset.show && answer) { form.dispatchEvent(new CustomEvent("parindex:answer", { detail: answer, bubbles: true })); return; }
      done(form, answer);
      return;
    }
    if (xhr.status === 401) {
      location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      return;
    }
    showProblem(form, xhr.status, answer);
  }

  // request sends body (JSON text, a FormData with a <progress> in the
  // form showing how far it is, or any text of type) to url as the form's
  // action, and answers as every form does. Page scripts use it too
  // (parindex.request).
  function request(form, method, url, body, type) {
    clearErrors(form);
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Accept-Language", "vi"); // the pages are Vietnamese, whatever the browser's language
    if (form.dataset.ifMatch) xhr.setRequestHeader("If-Match", '"' + form.dataset.ifMatch + '"');
    if (type) xhr.setRequestHeader("Content-Type", type);
    xhr.onload = function () { handle(form, xhr); };
    xhr.onerror = function () {
      busy(form, false);
      showProblem(form, 0, { detail: "Không kết nối được tới máy chủ; hãy kiểm tra mạng và thử lại." });
    };
    var bar = body instanceof FormData ? $("progress", form) : null;
    if (bar) {
      bar.value = 0;
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = e.loaded / e.total; };
    }
    busy(form, true);
    xhr.send(body);
  }

  function send(form) {
    if (form.dataset.upload) {
      request(form, "POST", form.dataset.upload, new FormData(form), null);
      return;
    }
    request(form, form.dataset.method || "POST", form.dataset.api, JSON.stringify(body(form)), "application/json");
  }

  // What page scripts may use: request, showProblem, and fieldWords, a
  // page's way to name a problem's field in words ("rows/3/email" → "Dòng 3,
  // cột Email"); null names none.
  window.parindex = { request: request, showProblem: showProblem, fieldWords: null };

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form.dataset.api || form.dataset.upload)) return;
    ev.preventDefault();
    var id = form.dataset.confirm;
    if (id) {
      var dlg = document.getElementById(id);
      if (dlg && !form.dataset.confirmed) {
        dlg.returnValue = "";
        dlg.onclose = function () { if (dlg.returnValue === "ok") { form.dataset.confirmed = "1"; send(form); delete form.dataset.confirmed; } };
        dlg.showModal();
        return;
      }
    }
    send(form);
  });

  // Buttons that open a dialog: <button data-open="dialog-id">.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("[data-open]") : null;
    if (!b) return;
    var dlg = document.getElementById(b.dataset.open);
    if (dlg) { ev.preventDefault(); dlg.showModal(); }
  });

  // Live totals: inputs with data-kind=points and data-sum="GROUP" add up
  // into every [data-total="GROUP"]; [data-index] shows total ÷ max × 100.
  function totals(root) {
    var sums = {};
    $$("[data-sum]", root).forEach(function (el) {
      var v = points(el.value);
      if (v === null || isNaN(v)) return;
      el.dataset.sum.split(" ").forEach(function (g) { sums[g] = (sums[g] || 0) + v; });
    });
    $$("[data-total]", root).forEach(function (el) {
      var g = el.dataset.total, v = sums[g] || 0, max = el.dataset.max ? Number(el.dataset.max) : null;
      if (max !== null && v > max) v = max;
      el.textContent = vn(Math.round(v * 100) / 100);
    });
    $$("[data-index]", root).forEach(function (el) {
      var g = el.dataset.index, max = Number(el.dataset.max || 0), v = sums[g] || 0;
      el.textContent = max > 0 ? vn(Math.round(v / max * 100000) / 1000, 3) : "0,000";
    });
  }
  document.addEventListener("input", function (ev) {
    if (ev.target.dataset && ev.target.dataset.sum !== undefined) totals(document);
  });
  document.addEventListener("DOMContentLoaded", function () { if ($("[data-total]")) totals(document); });
})();
