// Live preview for the band rule editor: after a pause in typing, ask the server how
// many pupils each band would hold under the bands and rules on screen, including a band
// being added or ticked for removal or a new position number (nothing is saved).
(function () {
  "use strict";
  var form = document.getElementById("band-form");
  if (!form) return;
  var timer = null;
  var pending = null;
  function refresh() {
    var data = new FormData(form);
    data.set("action", "preview");
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: data,
      headers: { "X-Requested-With": "preview" },
      credentials: "same-origin",
      signal: pending.signal,
    })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var target = document.getElementById("band-preview");
        if (target) target.outerHTML = html;
      })
      .catch(function () { /* a newer preview replaced this one, or the network is away */ });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  }
  // A band ticked for removal is shown faded until the tick is taken off (nothing is saved yet).
  function markRemoved(box) {
    var row = box.closest("tr");
    if (row) row.style.opacity = box.checked ? "0.45" : "";
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name && /^band-\d+-remove$/.test(target.name)) markRemoved(target);
    schedule();
  });
})();
