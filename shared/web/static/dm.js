/* Progressive enhancement only: every page works without this script. */
(function () {
  "use strict";
  // A file larger than the limit is refused before it is sent, with the limit named.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file" || !input.dataset.maxBytes) { return; }
    var limit = Number(input.dataset.maxBytes);
    var tooBig = Array.prototype.some.call(input.files || [], function (f) { return f.size > limit; });
    var hint = document.getElementById(input.id + "-hint");
    input.setCustomValidity(tooBig ? "文件超过大小限制：" + (hint ? hint.textContent : "") : "");
    if (tooBig) { input.reportValidity(); }
  });
  // After a refused submission, take the reader to the summary of what to correct.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
