// A batch of report PDFs: ask how far it has got every second and a half, then reload
// to show the files once it has finished.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box || box.dataset.finished === "1") return;
  var bar = box.querySelector("progress");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        bar.max = state.total;
        bar.value = state.done;
        box.querySelector("[data-done]").textContent = state.done;
        box.querySelector("[data-total]").textContent = state.total;
        if (state.finished) { window.location.reload(); } else { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
