// Report writing: each box saves itself as the teacher types (and when they leave it),
// with the version it was loaded at; a conflict shows both texts. Ctrl+Enter moves on.
(function () {
  "use strict";
  var form = document.getElementById("write-form");
  if (!form) return;
  var url = form.dataset.saveUrl;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var timers = {};
  var pending = {};
  var DELAY = 900;

  function stateFor(field) {
    var group = form.querySelector("[data-field='" + field + "']").dataset.group;
    return form.querySelector("[data-state-for='" + (group === "entry" ? "general" : field) + "']");
  }

  function setVersion(box, version) {
    var boxes = box.dataset.group === "entry"
      ? form.querySelectorAll("[data-group='entry']") : [box];
    Array.prototype.forEach.call(boxes, function (b) { b.dataset.version = String(version); });
    var hidden = box.dataset.group === "entry"
      ? form.querySelector("input[name='entry-version']")
      : form.querySelector("input[name='" + box.name + "-version']");
    if (hidden) hidden.value = String(version);
  }

  function showConflict(box, data) {
    var state = stateFor(box.dataset.field);
    var theirs = (data.fields && data.fields.length) ? data.fields[0].theirs : "";
    state.textContent = "";
    var p = document.createElement("span");
    p.textContent = data.message + " Saved now: \u201c" + (theirs === null ? "" : theirs) + "\u201d. ";
    var keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = "Keep mine";
    keep.addEventListener("click", function () {
      setVersion(box, data.current_version);
      save(box);
    });
    var use = document.createElement("button");
    use.type = "button";
    use.textContent = "Use the saved one";
    use.addEventListener("click", function () {
      box.value = theirs === null ? "" : theirs;
      setVersion(box, data.current_version);
      state.textContent = "Using the saved text.";
    });
    state.appendChild(p);
    state.appendChild(keep);
    state.appendChild(document.createTextNode(" "));
    state.appendChild(use);
    state.classList.remove("saved");
  }

  function save(box) {
    var field = box.dataset.field;
    clearTimeout(timers[field]);
    var body = new FormData();
    body.append("field", field);
    body.append("text", box.value);
    body.append("version", box.dataset.version || "0");
    var state = stateFor(field);
    state.textContent = "Saving\u2026";
    state.classList.remove("saved");
    var request = fetch(url, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.status === 200) {
        setVersion(box, result.data.version);
        var now = new Date();
        state.textContent = "Saved " + String(now.getHours()).padStart(2, "0") + ":" +
          String(now.getMinutes()).padStart(2, "0");
        state.classList.add("saved");
      } else if (result.status === 409) {
        showConflict(box, result.data);
      } else {
        state.textContent = result.data.message || "Not saved: please try again.";
      }
    }).catch(function () {
      state.textContent = "Not saved: the connection dropped. Your text is still here; it will save when you type again.";
    }).finally(function () { delete pending[field]; });
    pending[field] = request;
    return request;
  }

  Array.prototype.forEach.call(form.querySelectorAll("[data-field]"), function (box) {
    box.addEventListener("input", function () {
      clearTimeout(timers[box.dataset.field]);
      timers[box.dataset.field] = setTimeout(function () { save(box); }, DELAY);
    });
    box.addEventListener("change", function () { save(box); });
  });

  function flushThen(go) {
    var waits = [];
    Object.keys(timers).forEach(function (field) {
      var box = form.querySelector("[data-field='" + field + "']");
      if (timers[field]) { clearTimeout(timers[field]); waits.push(save(box)); }
    });
    Object.keys(pending).forEach(function (f) { waits.push(pending[f]); });
    Promise.all(waits).then(go, go);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var link = document.querySelector("[data-nav='" + (event.shiftKey ? "previous" : "next") + "']");
    if (!link) return;
    event.preventDefault();
    flushThen(function () { window.location.href = link.href; });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-nav]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      flushThen(function () { window.location.href = link.href; });
    });
  });
})();
