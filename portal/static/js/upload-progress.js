// Upload progress for the upload component (templates/components/upload.html): htmx fires
// htmx:xhr:progress on the form while the browser sends the files. No inline script (CSP).
(function () {
  "use strict";
  function formOf(evt) {
    var el = evt.target;
    return el && el.closest ? el.closest("form[data-upload]") : null;
  }
  document.addEventListener("htmx:xhr:progress", function (evt) {
    var form = formOf(evt);
    if (!form || !evt.detail || !evt.detail.lengthComputable) return;
    var bar = form.querySelector("progress");
    var text = form.querySelector("[data-progress-text]");
    var pct = Math.floor((evt.detail.loaded * 100) / evt.detail.total);
    if (bar) { bar.hidden = false; bar.max = 100; bar.value = pct; }
    if (text) text.textContent = pct < 100 ? "已上传 " + pct + "%" : "上传完成，正在校验和保存…";
  });
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = formOf(evt);
    if (!form) return;
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = formOf(evt);
    if (!form) return;
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = false;
    var text = form.querySelector("[data-progress-text]");
    if (text && !evt.detail.successful) text.textContent = "上传未完成（文件过大或网络中断），请重试。";
  });
})();
