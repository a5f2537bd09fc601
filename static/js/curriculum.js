// Drag objectives to reorder them (also into another strand). The up and down
// buttons do the same without a script; this only adds the native drag and drop.
(function () {
  "use strict";
  const editor = document.getElementById("cur-editor");
  if (!editor || !editor.dataset.reorderUrl) return;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  let dragged = null;

  function after(list, y) {
    const items = [...list.querySelectorAll("li[data-objective]:not(.is-dragging)")];
    return items.find((item) => {
      const box = item.getBoundingClientRect();
      return y < box.top + box.height / 2;
    });
  }

  function save() {
    const body = new URLSearchParams();
    editor.querySelectorAll("ol[data-strand]").forEach((list) => {
      const ids = [...list.querySelectorAll("li[data-objective]")].map((li) => li.dataset.objective);
      body.append("strand-" + list.dataset.strand, ids.join(","));
    });
    fetch(editor.dataset.reorderUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
      body: body,
      credentials: "same-origin",
    }).then((response) => {
      if (!response.ok) window.location.reload();
    }, () => window.location.reload());
  }

  editor.addEventListener("dragstart", (event) => {
    const item = event.target.closest && event.target.closest("li[data-objective]");
    if (!item) return;
    dragged = item;
    item.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.objective);
  });
  editor.addEventListener("dragover", (event) => {
    const list = event.target.closest && event.target.closest("ol[data-strand]");
    if (!dragged || !list) return;
    event.preventDefault();
    list.classList.add("is-target");
    const next = after(list, event.clientY);
    if (next) list.insertBefore(dragged, next);
    else list.appendChild(dragged);
  });
  editor.addEventListener("dragleave", (event) => {
    const list = event.target.closest && event.target.closest("ol[data-strand]");
    if (list) list.classList.remove("is-target");
  });
  editor.addEventListener("drop", (event) => {
    if (!dragged) return;
    event.preventDefault();
  });
  editor.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("is-dragging");
    editor.querySelectorAll(".is-target").forEach((el) => el.classList.remove("is-target"));
    dragged = null;
    save();
  });
})();
