// Trackwell tracking grid: keyboard entry that saves each cell as you go.
// The page works read-only without this script; this adds editing.
(function () {
  "use strict";

  const table = document.getElementById("grid");
  if (!table || table.dataset.canEdit !== "1") return;

  const levels = JSON.parse(document.getElementById("grid-levels").textContent);
  const byCode = new Map(levels.map((l) => [l.code.toUpperCase(), l]));
  const csrf = document.querySelector("#bulk-form [name=csrfmiddlewaretoken]").value;
  const framework = table.dataset.framework;
  const status = document.getElementById("grid-status");
  const rows = Array.from(table.tBodies[0].rows);
  const matrix = rows.map((r) => Array.from(r.querySelectorAll("td.cell")));
  const unsaved = new Set();
  let current = null;

  function say(text) { status.textContent = text; }

  function position(cell) {
    const r = rows.indexOf(cell.parentElement);
    return [r, matrix[r].indexOf(cell)];
  }

  function focusCell(cell) {
    if (!cell) return;
    if (current) current.tabIndex = -1;
    current = cell;
    cell.tabIndex = 0;
    cell.focus();
  }

  function move(dr, dc) {
    const [r, c] = position(current);
    const nr = Math.max(0, Math.min(matrix.length - 1, r + dr));
    const nc = Math.max(0, Math.min(matrix[nr].length - 1, c + dc));
    focusCell(matrix[nr][nc]);
  }

  function pupilName(cell) {
    return cell.parentElement.querySelector("th .name").textContent;
  }

  function objectiveCode(cell) {
    const th = table.querySelector(`thead th.obj[data-objective="${cell.dataset.objective}"] .obj-code`);
    return th ? th.textContent : "";
  }

  // Hover and focus text of a cell: what its level means in this subject, then its note.
  function describe(cell) {
    const code = cell.textContent.trim();
    const level = code ? byCode.get(code.toUpperCase()) : null;
    const meaning = level ? `${level.code} ${level.label}${level.descriptor ? ": " + level.descriptor : ""}` : "";
    const note = cell.dataset.note || "";
    const text = [meaning, note ? `Note: ${note}` : ""].filter(Boolean).join("\n");
    if (text) cell.title = text; else cell.removeAttribute("title");
    if (level && level.descriptor) cell.setAttribute("aria-description", level.descriptor);
    else cell.removeAttribute("aria-description");
  }

  function paint(cell, code) {
    cell.className = cell.className.replace(/\blv-\d+\b/g, "").trim();
    const level = code ? byCode.get(code.toUpperCase()) : null;
    if (level) cell.classList.add("lv-" + level.value);
    cell.textContent = level ? level.code : "";
    if (level) cell.setAttribute("aria-label", `${pupilName(cell)}, ${objectiveCode(cell)}: ${level.label}`);
    else cell.setAttribute("aria-label", `${pupilName(cell)}, ${objectiveCode(cell)}: no rating`);
    describe(cell);
  }

  function showNote(cell, note) {
    cell.dataset.note = note || "";
    cell.classList.toggle("has-note", !!note);
    describe(cell);
  }

  for (const row of matrix) for (const cell of row) describe(cell);

  function updateSummaries(cell, payload) {
    const tr = cell.parentElement;
    const row = payload.row;
    for (const key of ["taught", "assessed", "secured"]) {
      tr.querySelector(`[data-sum=${key}]`).textContent = row[key];
    }
    const pct = (v) => (v === null || v === undefined ? "–" : v + "%");
    tr.querySelector("[data-sum=pct_secured_of_taught]").textContent = pct(row.pct_secured_of_taught);
    tr.querySelector("[data-sum=pct_greater_depth]").textContent = pct(row.pct_greater_depth);
    tr.querySelector("[data-sum=average_depth]").textContent =
      row.average_depth === null ? "–" : Number(row.average_depth).toFixed(1);
    const col = table.querySelector(`[data-colsum="${cell.dataset.objective}"]`);
    if (col) col.textContent = payload.column.assessed ? pct(payload.column.pct_secured) : "–";
  }

  function markState(cell, state) {
    cell.classList.remove("is-saving", "is-saved", "is-error", "is-conflict");
    if (state) cell.classList.add("is-" + state);
    if (state === "saving" || state === "error" || state === "conflict") unsaved.add(cell);
    else unsaved.delete(cell);
  }

  async function post(url, data) {
    const body = new URLSearchParams(data);
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      body,
      credentials: "same-origin",
    });
  }

  // One save at a time per cell, so each request carries the version the previous one produced.
  function save(cell, code, note) {
    cell.dataset.intended = code || "";
    paint(cell, code);
    if (note !== undefined) showNote(cell, note);
    markState(cell, "saving");
    say("Saving…");
    const previous = cell._queue || Promise.resolve();
    cell._queue = previous.then(() => attempt(cell, code, note, 0));
    return cell._queue;
  }

  async function attempt(cell, code, note, tries) {
    const data = {
      framework, pupil: cell.parentElement.dataset.pupil, objective: cell.dataset.objective,
      code: code || "", version: cell.dataset.version,
    };
    if (note !== undefined) data.note = note;
    let response;
    try {
      response = await post(table.dataset.cellUrl, data);
    } catch (err) {
      return retry(cell, code, note, tries, "No connection");
    }
    if (response.status >= 500) return retry(cell, code, note, tries, "The server had a problem");
    const payload = await response.json().catch(() => ({}));
    if (response.ok) {
      cell.dataset.version = payload.cell.version;
      cell.dataset.code = payload.cell.code || "";
      paint(cell, payload.cell.code);
      showNote(cell, payload.cell.note);
      updateSummaries(cell, payload);
      markState(cell, "saved");
      setTimeout(() => cell.classList.remove("is-saved"), 1200);
      say(unsaved.size ? `Saved. ${unsaved.size} still saving.` : "All changes saved.");
      return;
    }
    if (response.status === 409 && payload.current) {
      markState(cell, "conflict");
      return resolveConflict(cell, code, note, payload.current[0]);
    }
    markState(cell, "error");
    cell.title = payload.error || `Not saved (${response.status})`;
    say(`Not saved: ${payload.error || response.statusText}`);
  }

  function retry(cell, code, note, tries, why) {
    markState(cell, "error");
    const delay = Math.min(30000, 1000 * 2 ** tries);
    say(`${why}: not saved yet, trying again in ${Math.round(delay / 1000)}s.`);
    return new Promise((resolve) => setTimeout(resolve, delay)).then(() => {
      markState(cell, "saving");
      return attempt(cell, code, note, tries + 1);
    });
  }

  function resolveConflict(cell, mine, note, theirs) {
    const dialog = document.getElementById("conflict-dialog");
    const label = (code) => {
      const l = code ? byCode.get(code.toUpperCase()) : null;
      return l ? `${l.code} (${l.label})` : "no rating";
    };
    const when = theirs.updated_at ? new Date(theirs.updated_at).toLocaleTimeString() : "";
    dialog.querySelector(".conflict-text").textContent =
      `${theirs.updated_by || "Someone"} changed ${pupilName(cell)} on ${objectiveCode(cell)} to ` +
      `${label(theirs.code)}${when ? " at " + when : ""} after you loaded the page. ` +
      `You entered ${label(mine)}.`;
    say("Someone else changed this cell: choose which rating to keep.");
    return new Promise((resolve) => {
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        cell.dataset.version = theirs.version;
        if (dialog.returnValue === "mine") {
          markState(cell, "saving");
          resolve(attempt(cell, mine, note, 0));
        } else {
          cell.dataset.code = theirs.code || "";
          cell.dataset.intended = theirs.code || "";
          paint(cell, theirs.code);
          showNote(cell, theirs.note);
          markState(cell, null);
          say("Kept the other person's rating.");
          resolve();
        }
        focusCell(cell);
      });
      dialog.showModal();
    });
  }

  function openNote(cell) {
    const dialog = document.getElementById("note-dialog");
    const area = dialog.querySelector("textarea");
    area.value = cell.dataset.note || "";
    dialog.querySelector(".note-for").textContent = `${pupilName(cell)}, ${objectiveCode(cell)}`;
    const link = dialog.querySelector(".history-link");
    const url = new URL(link.href, window.location.href);
    url.search = new URLSearchParams({ pupil: cell.parentElement.dataset.pupil, objective: cell.dataset.objective });
    link.href = url.toString();
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      // A rating change may still be on its way: the note goes with the rating the user chose last.
      const code = cell.dataset.intended !== undefined ? cell.dataset.intended : cell.dataset.code;
      if (dialog.returnValue === "save") save(cell, code, area.value);
      focusCell(cell);
    });
    dialog.showModal();
    area.focus();
  }

  table.addEventListener("keydown", (event) => {
    if (!current || event.target !== current || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    const handled = () => event.preventDefault();
    if (key === "ArrowRight") { handled(); move(0, 1); }
    else if (key === "ArrowLeft") { handled(); move(0, -1); }
    else if (key === "ArrowDown") { handled(); move(1, 0); }
    else if (key === "ArrowUp") { handled(); move(-1, 0); }
    else if (key === "Tab") {
      const [r, c] = position(current);
      const last = r === matrix.length - 1 && c === matrix[r].length - 1;
      const first = r === 0 && c === 0;
      if (event.shiftKey && !first) { handled(); c > 0 ? move(0, -1) : focusCell(matrix[r - 1].at(-1)); }
      else if (!event.shiftKey && !last) { handled(); c < matrix[r].length - 1 ? move(0, 1) : focusCell(matrix[r + 1][0]); }
    }
    else if (key === "Backspace" || key === "Delete") { handled(); save(current, ""); }
    else if (key === "Enter") { handled(); openNote(current); }
    else if (key.length === 1 && byCode.has(key.toUpperCase())) {
      handled();
      const cell = current;
      save(cell, byCode.get(key.toUpperCase()).code);
      move(1, 0);
    }
  });

  table.addEventListener("click", (event) => {
    const cell = event.target.closest("td.cell");
    if (cell) focusCell(cell);
  });

  // Marking objectives as taught without a page reload.
  table.addEventListener("click", async (event) => {
    const button = event.target.closest("button.taught-toggle");
    if (!button) return;
    event.preventDefault();
    const [objective, flag] = button.value.split(":");
    const response = await post(table.dataset.taughtUrl, { framework, mark: button.value }).catch(() => null);
    if (!response || !response.ok) { say("Could not change whether that objective is taught; try again."); return; }
    const taught = flag === "1";
    const th = button.closest("th");
    th.classList.toggle("untaught", !taught);
    button.value = `${objective}:${taught ? 0 : 1}`;
    button.textContent = taught ? "taught" : "not taught";
    const code = th.querySelector(".obj-code").textContent;
    button.setAttribute("aria-label", taught ? `Mark ${code} as not yet taught` : `Mark ${code} as taught`);
    const index = Array.from(th.parentElement.querySelectorAll("th.obj")).indexOf(th);
    for (const row of matrix) row[index].classList.toggle("untaught", !taught);
    say(taught ? `${code} marked as taught.` : `${code} marked as not yet taught.`);
  });

  // Bulk: send the versions the user saw, so nothing changed meanwhile is overwritten.
  const bulk = document.getElementById("bulk-form");
  bulk.addEventListener("submit", () => {
    const objective = bulk.elements.objective.value;
    const ticked = Array.from(document.querySelectorAll("input[name=pupils][form=bulk-form]:checked"));
    bulk.elements.versions.value = ticked.map((box) => {
      const tr = box.closest("tr");
      const cell = tr.querySelector(`td.cell[data-objective="${objective}"]`);
      return `${box.value}:${cell ? cell.dataset.version : 0}`;
    }).join(",");
  });
  const selectAll = bulk.querySelector(".select-all");
  selectAll.hidden = false;
  selectAll.addEventListener("click", () => {
    document.querySelectorAll("input[name=pupils][form=bulk-form]").forEach((box) => { box.checked = true; });
  });

  window.addEventListener("beforeunload", (event) => {
    if (unsaved.size) { event.preventDefault(); event.returnValue = ""; }
  });

  for (const row of matrix) for (const cell of row) {
    cell.tabIndex = -1;
    paint(cell, cell.dataset.code);
  }
  if (matrix.length && matrix[0].length) { current = matrix[0][0]; current.tabIndex = 0; }
})();
