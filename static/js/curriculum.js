// Drag objectives to reorder them, also into another strand, with SortableJS
// (installed from npm, served from node_modules). The up and down buttons do
// the same without a script; this only adds dragging. After each drop the new
// order of every strand is posted; if the server refuses it, the page reloads
// to show the order that was kept.
(function () {
  "use strict";
  const editor = document.getElementById("cur-editor");
  if (!editor || !editor.dataset.reorderUrl || typeof window.Sortable === "undefined") return;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  const status = document.getElementById("cur-reorder-status");
  editor.classList.add("can-drag");

  function say(text) {
    if (status) status.textContent = text;
  }

  function save() {
    const body = new URLSearchParams();
    editor.querySelectorAll("ol[data-strand]").forEach((list) => {
      const ids = [...list.querySelectorAll("li[data-objective]")].map((li) => li.dataset.objective);
      body.append("strand-" + list.dataset.strand, ids.join(","));
    });
    say("Saving the new order…");
    fetch(editor.dataset.reorderUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
      body: body,
      credentials: "same-origin",
    }).then(
      (response) => {
        if (response.ok) say("New order saved.");
        else window.location.reload();
      },
      () => window.location.reload(),
    );
  }

  editor.querySelectorAll("ol[data-strand]").forEach((list) => {
    window.Sortable.create(list, {
      group: "objectives",
      draggable: "li[data-objective]",
      filter: "button, a, input",
      preventOnFilter: false,
      animation: 120,
      ghostClass: "is-dragging",
      onEnd: (event) => {
        if (event.from !== event.to || event.oldIndex !== event.newIndex) save();
      },
    });
  });
})();
