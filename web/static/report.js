// parindex report page: after an entry is saved, the page stays where it
// is (no reload): every form of the page takes the report's new version,
// the score is written back the Vietnamese way and the form says it saved.
// After an evidence upload the page reloads in place, to list the file.
"use strict";
(function () {
  document.addEventListener("parindex:answer", function (ev) {
    var form = ev.target, answer = ev.detail || {};
    if (form.dataset.show === "reload") { location.reload(); return; }
    if (form.dataset.show !== "saved") return;
    if (answer.version !== undefined) {
      Array.prototype.forEach.call(document.querySelectorAll("[data-if-match]"), function (f) {
        f.dataset.ifMatch = String(answer.version);
      });
    }
    var score = form.querySelector("[name=self_score]");
    if (score && window.parindexVN) {
      score.value = answer.self_score === null || answer.self_score === undefined ? "" : window.parindexVN(answer.self_score);
    }
    var out = form.querySelector("output.saved");
    if (out) {
      out.textContent = "Đã lưu" + (answer.version !== undefined ? " (phiên bản " + answer.version + ")." : ".");
    }
  });
})();
