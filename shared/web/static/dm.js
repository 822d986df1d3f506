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

  function children(parent, selector) {
    return Array.prototype.filter.call(parent.children, function (el) { return el.matches(selector); });
  }

  // 添加一行: a list of rows gets one more empty row in place (without the script the button posts the form
  // back and the server shows one row more). The new row is the last one, emptied, its names and ids
  // numbered on: "seals[2].department" → "seals[3].department", "a-new-filing-seals-2-department" → "…-3-…".
  function idOf(name) { return name.replace(/\./g, "-").replace(/\[/g, "-").replace(/\]/g, ""); }

  function renumber(el, name, from, to) {
    var oldName = name + "[" + from + "]", newName = name + "[" + to + "]";
    var oldId = "-" + idOf(name) + "-" + from + "-", newId = "-" + idOf(name) + "-" + to + "-";
    var attrs = ["name", "id", "for", "aria-describedby"];
    if (el.tagName === "BUTTON") { attrs.push("value"); }  // a nested list's own 添加一行
    attrs.forEach(function (attr) {
      var value = el.getAttribute(attr);
      if (value === null) { return; }
      value = value.split(oldName).join(newName).split(oldId).join(newId);
      var end = "-" + idOf(name) + "-" + from;  // the row's own id: "f-legal_bases-2"
      if (attr === "id" && value.slice(-end.length) === end) { value = value.slice(0, -end.length) + "-" + idOf(name) + "-" + to; }
      el.setAttribute(attr, value);
    });
  }

  function emptied(row) {
    Array.prototype.forEach.call(row.querySelectorAll(".field-error, p.meta, input[type=hidden][name$='.kept'], input[type=hidden][name$='.kept_name']"), function (el) {
      el.parentNode.removeChild(el);
    });
    Array.prototype.forEach.call(row.querySelectorAll(".has-error"), function (el) { el.classList.remove("has-error"); });
    Array.prototype.forEach.call(row.querySelectorAll("input, textarea, select"), function (el) {
      el.removeAttribute("aria-invalid");
      if (el.type === "checkbox" || el.type === "radio") { el.checked = false; el.removeAttribute("checked"); }
      else if (el.tagName === "SELECT") { el.selectedIndex = 0; Array.prototype.forEach.call(el.options, function (o) { o.removeAttribute("selected"); }); }
      else if (el.type === "hidden" && el.hasAttribute("data-rows-count")) { /* a nested list keeps its rows */ }
      else if (el.type !== "hidden") { el.value = ""; if (el.tagName === "TEXTAREA") { el.textContent = ""; } else { el.removeAttribute("value"); } }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button[data-add-row]") : null;
    if (!button) { return; }
    var list = button.parentNode;
    var count = children(list, "input[data-rows-count]")[0];
    var rows = children(list, "fieldset[data-row]");
    if (!count || !rows.length) { return; }  // the server's way then
    event.preventDefault();
    var name = count.name.replace(/^rows\./, "");
    var last = rows[rows.length - 1], from = Number(last.dataset.row), to = from + 1;
    var row = last.cloneNode(true);
    row.dataset.row = String(to);
    [row].concat(Array.prototype.slice.call(row.querySelectorAll("[name], [id], [for], [aria-describedby], button[value]"))).forEach(function (el) {
      renumber(el, name, from, to);
    });
    var legend = children(row, "legend")[0];
    if (legend) {  // "（第3项）", "依据 3": the row's number is the last one in its legend
      legend.textContent = legend.textContent.replace(new RegExp("(^|\\D)" + (from + 1) + "(\\D*)$"), "$1" + (to + 1) + "$2");
    }
    emptied(row);
    list.insertBefore(row, button);
    count.value = String(rows.length + 1);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  });

  // Enter in a text box of a form with rows would "press" its first button, a 添加一行: it does nothing there
  // (the form is sent by its own button, never by a stray Enter or the phone keyboard's 前往).
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input || input.tagName !== "INPUT" || !input.form) { return; }
    if (["submit", "button", "image", "reset", "file"].indexOf(input.type) !== -1) { return; }
    if (input.form.querySelector("button[data-add-row]")) { event.preventDefault(); }
  });

  // 筛选部门: a long department picker (checkboxes or a select) gets a box above it that keeps only the
  // departments whose name contains what is typed; chosen ones always stay in sight. Chinese typed through
  // an input method filters once the characters are composed.
  var LONG = 6;
  var counter = 0;

  function pickerFilter(picker) {
    var select = picker.tagName === "SELECT" ? picker : null;
    var items = select
      ? Array.prototype.filter.call(select.options, function (o) { return o.value !== ""; })
      : Array.prototype.slice.call(picker.querySelectorAll("label.choice"));
    if (items.length < LONG) { return; }
    counter += 1;
    var id = "dept-filter-" + counter;
    var box = document.createElement("div");
    box.className = "field picker-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "筛选部门";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("enterkeyhint", "search");
    var status = document.createElement("p");
    status.className = "hint";
    status.id = id + "-status";
    status.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", status.id);
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    var composing = false;

    function chosen(item) {
      if (select) { return item.selected; }
      var check = item.querySelector("input");
      return !!(check && check.checked);
    }

    function apply() {
      var query = input.value.replace(/\s+/g, "").toLowerCase();
      var shown = 0;
      items.forEach(function (item) {
        var text = (item.textContent || "").replace(/\s+/g, "").toLowerCase();
        var keep = !query || text.indexOf(query) !== -1 || chosen(item);
        item.hidden = !keep;
        if (keep) { shown += 1; }
      });
      status.textContent = !query ? "" : (shown ? "显示 " + shown + " 个部门（共 " + items.length + " 个）" : "没有名称包含“" + input.value.trim() + "”的部门");
    }

    input.addEventListener("compositionstart", function () { composing = true; });
    input.addEventListener("compositionend", function () { composing = false; apply(); });
    input.addEventListener("input", function (event) { if (!composing && !event.isComposing) { apply(); } });
    input.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
    if (select) {
      select.parentNode.insertBefore(box, select);
    } else {
      var first = items[0];
      first.parentNode.insertBefore(box, first);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-department-picker]"), pickerFilter);

  // After a refused submission, take the reader to the summary of what to correct.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
