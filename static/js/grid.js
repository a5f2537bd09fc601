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
  const focusLine = document.getElementById("grid-focus");
  const rule = table.dataset.untaughtRule || "ask";
  // Columns where the teacher chose to rate without marking the objective taught: asked once.
  const rateUntaught = new Set();
  let direction = table.dataset.cursor === "right" ? "right" : "down";
  let current = null;
  let sayTimer = null;

  // Status messages sit in the toolbar (never over a control) and go away on their own.
  function say(text, keep) {
    status.textContent = text;
    clearTimeout(sayTimer);
    if (!keep) sayTimer = setTimeout(() => { if (!unsaved.size) status.textContent = ""; }, 6000);
  }

  // A status message or a wrapped toolbar can make the grid's box shorter after the cursor
  // moved; the cell under the cursor is kept in sight, never behind the sticky headings.
  // Only while the cursor leads: once the teacher scrolls the grid by hand, a resize
  // leaves the view where they put it until the cursor moves again.
  const scroller = table.closest(".grid-scroll");
  let followCursor = true;
  function keepInSight() {
    if (!followCursor || !scroller || !current || document.activeElement !== current) return;
    const box = scroller.getBoundingClientRect();
    const cell = current.getBoundingClientRect();
    const head = table.tHead ? table.tHead.getBoundingClientRect() : box;
    if (cell.bottom > box.bottom) scroller.scrollTop += cell.bottom - box.bottom;
    else if (cell.top < head.bottom) scroller.scrollTop -= head.bottom - cell.top;
  }
  if (scroller && window.ResizeObserver) new ResizeObserver(keepInSight).observe(scroller);
  if (scroller) {
    for (const kind of ["wheel", "touchmove", "pointerdown"]) {
      scroller.addEventListener(kind, () => { followCursor = false; }, { passive: true });
    }
  }

  function position(cell) {
    const r = rows.indexOf(cell.parentElement);
    return [r, matrix[r].indexOf(cell)];
  }

  function focusCell(cell) {
    if (!cell) return;
    if (current) current.tabIndex = -1;
    current = cell;
    cell.tabIndex = 0;
    followCursor = true;
    cell.focus();
    showFocus(cell);
  }

  function header(objectiveId) {
    return table.querySelector(`thead th.obj[data-objective="${objectiveId}"]`);
  }

  // One line above the grid says which objective (in full) and which pupil the cursor is on.
  function showFocus(cell) {
    if (!focusLine) return;
    const th = header(cell.dataset.objective);
    const statement = th ? th.querySelector(".obj-tip .statement").textContent : "";
    const untaught = th && th.classList.contains("untaught") ? " (not yet taught)" : "";
    focusLine.textContent = `${pupilName(cell)} · ${objectiveCode(cell)}${untaught}: ${statement}`;
  }

  // After a rating the cursor moves on, down a column or right along a pupil, and wraps
  // to the next column or pupil, so a whole class is rated without leaving the keyboard.
  function advance() {
    const [r, c] = position(current);
    if (direction === "right") {
      if (c < matrix[r].length - 1) focusCell(matrix[r][c + 1]);
      else if (r < matrix.length - 1) focusCell(matrix[r + 1][0]);
    } else if (r < matrix.length - 1) focusCell(matrix[r + 1][c]);
    else if (c < matrix[0].length - 1) focusCell(matrix[0][c + 1]);
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
    return th ? th.textContent.trim() : "";
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

  // A percentage as the server rounds it (Python's round: halves to the even number).
  function percent(part, whole) {
    if (!whole) return null;
    const x = (100 * part) / whole;
    const f = Math.floor(x);
    if (x - f === 0.5) return f % 2 === 0 ? f : f + 1;
    return Math.round(x);
  }

  // The row and column summaries, worked out from the cells this page holds (as the page
  // was drawn: a pupil's objectives, and the column over the pupils shown), so a save
  // needs no summary queries. An objective is taught to a pupil when it is marked taught
  // to the class or the pupil has any rating on it.
  function rowSummary(tr) {
    let taught = 0, assessed = 0, secured = 0, greater = 0, depth = 0;
    for (const cell of tr.querySelectorAll("td.cell")) {
      const code = (cell.dataset.code || "").toUpperCase();
      const level = code ? byCode.get(code) : null;
      const th = header(cell.dataset.objective);
      const marked = th ? !th.classList.contains("untaught") : false;
      if (marked || level) taught += 1;
      if (!level) continue;
      assessed += 1;
      if (level.secure) secured += 1;
      if (level.greater) greater += 1;
      depth += level.value;
    }
    return { taught, assessed, secured, greater, depth };
  }

  function showRow(tr) {
    const s = rowSummary(tr);
    const pct = (v) => (v === null ? "–" : v + "%");
    tr.querySelector("[data-sum=taught]").textContent = s.taught;
    tr.querySelector("[data-sum=assessed]").textContent = s.assessed;
    tr.querySelector("[data-sum=secured]").textContent = s.secured;
    tr.querySelector("[data-sum=pct_secured_of_taught]").textContent = pct(percent(s.secured, s.taught));
    tr.querySelector("[data-sum=pct_greater_depth]").textContent = pct(percent(s.greater, s.taught));
    tr.querySelector("[data-sum=average_depth]").textContent =
      s.assessed ? (s.depth / s.assessed).toFixed(1) : "–";
  }

  function showColumn(objectiveId) {
    const col = table.querySelector(`[data-colsum="${objectiveId}"]`);
    if (!col) return;
    let assessed = 0, secured = 0;
    for (const tr of rows) {
      const cell = tr.querySelector(`td.cell[data-objective="${objectiveId}"]`);
      const code = cell ? (cell.dataset.code || "").toUpperCase() : "";
      const level = code ? byCode.get(code) : null;
      if (!level) continue;
      assessed += 1;
      if (level.secure) secured += 1;
    }
    col.textContent = assessed ? percent(secured, rows.length) + "%" : "–";
  }

  function updateSummaries(cell) {
    showRow(cell.parentElement);
    showColumn(cell.dataset.objective);
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

  // One save at a time, in the order typed: each request carries the version the one before
  // produced, and each answer's row and column summaries include every earlier save (saves
  // answering out of order would otherwise leave a summary a rating short).
  let queue = Promise.resolve();
  function save(cell, code, note, markTaught) {
    cell.dataset.intended = code || "";
    paint(cell, code);
    if (note !== undefined) showNote(cell, note);
    markState(cell, "saving");
    say("Saving…");
    const done = queue.then(() => attempt(cell, code, note, 0, markTaught));
    queue = done.catch(() => {});
    return done;
  }

  async function attempt(cell, code, note, tries, markTaught) {
    const data = {
      framework, pupil: cell.parentElement.dataset.pupil, objective: cell.dataset.objective,
      code: code || "", version: cell.dataset.version,
    };
    if (note !== undefined) data.note = note;
    if (markTaught !== undefined) data.mark_taught = markTaught ? "1" : "0";
    else if (rateUntaught.has(cell.dataset.objective)) data.mark_taught = "0";
    let response;
    try {
      response = await post(table.dataset.cellUrl, data);
    } catch (err) {
      return retry(cell, code, note, tries, "No connection", markTaught);
    }
    if (response.status >= 500) return retry(cell, code, note, tries, "The server had a problem", markTaught);
    const payload = await response.json().catch(() => ({}));
    if (response.ok) {
      cell.dataset.version = payload.cell.version;
      cell.dataset.code = payload.cell.code || "";
      paint(cell, payload.cell.code);
      showNote(cell, payload.cell.note);
      updateSummaries(cell);
      markState(cell, "saved");
      setTimeout(() => cell.classList.remove("is-saved"), 1200);
      if (markTaught) showTaught(cell.dataset.objective, true);
      say(unsaved.size ? `Saved. ${unsaved.size} still saving.` : "All changes saved.");
      return;
    }
    if (response.status === 409 && payload.untaught) {
      // The page thought the objective was taught, but it is not (any more): ask, or refuse.
      showTaught(cell.dataset.objective, false);
      revert(cell);
      say(payload.error, true);
      return;
    }
    if (response.status === 409 && payload.current) {
      markState(cell, "conflict");
      return resolveConflict(cell, code, note, payload.current[0]);
    }
    markState(cell, "error");
    cell.title = payload.error || `Not saved (${response.status})`;
    say(`Not saved: ${payload.error || response.statusText}`, true);
  }

  // Show the cell as it was saved last (a rating that was not sent).
  function revert(cell) {
    cell.dataset.intended = cell.dataset.code || "";
    paint(cell, cell.dataset.code);
    markState(cell, null);
  }

  function retry(cell, code, note, tries, why, markTaught) {
    markState(cell, "error");
    const delay = Math.min(30000, 1000 * 2 ** tries);
    say(`${why}: not saved yet, trying again in ${Math.round(delay / 1000)}s.`, true);
    return new Promise((resolve) => setTimeout(resolve, delay)).then(() => {
      markState(cell, "saving");
      return attempt(cell, code, note, tries + 1, markTaught);
    });
  }

  function resolveConflict(cell, mine, note, theirs) {
    const dialog = document.getElementById("conflict-dialog");
    const label = (code) => {
      const l = code ? byCode.get(code.toUpperCase()) : null;
      return l ? `${l.code} (${l.label})` : "no rating";
    };
    // The server writes the time the English way in the school's time zone (1 December 2026, 06:39).
    const when = theirs.updated_at_text || "";
    dialog.querySelector(".conflict-text").textContent =
      `${theirs.updated_by || "Someone"} changed ${pupilName(cell)} on ${objectiveCode(cell)} to ` +
      `${label(theirs.code)}${when ? " at " + when : ""} after you loaded the page. ` +
      `You entered ${label(mine)}.`;
    say("Someone else changed this cell: choose which rating to keep.", true);
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
          updateSummaries(cell);
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
    const url = new URL(link.dataset.href, window.location.href);
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

  // In the note box Enter adds a line; Ctrl+Enter (or Cmd+Enter) saves; Escape cancels.
  document.querySelector("#note-dialog textarea").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById("note-dialog").close("save");
    }
  });

  function columnTaught(objectiveId) {
    const th = header(objectiveId);
    return !th || !th.classList.contains("untaught");
  }

  // Typing a rating into an objective not yet taught: ask once whether to mark it taught,
  // or refuse with the reason, as the school has chosen.
  function rate(cell, code) {
    const objective = cell.dataset.objective;
    if (columnTaught(objective) || rateUntaught.has(objective)) {
      save(cell, code);
      advance();
      return;
    }
    const what = `${objectiveCode(cell)} is not yet marked as taught to ${table.dataset.className}`;
    if (rule === "refuse") {
      say(`${what}; the school asks for objectives to be marked taught before they are rated. ` +
          "Mark it as taught with the button in its heading first.", true);
      return;
    }
    const dialog = document.getElementById("untaught-dialog");
    dialog.querySelector(".untaught-text").textContent =
      `${what}. Mark it as taught now and save ${code} for ${pupilName(cell)}?`;
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      focusCell(cell);
      if (dialog.returnValue === "mark") { save(cell, code, undefined, true); showTaught(objective, true); advance(); }
      else if (dialog.returnValue === "rate") { rateUntaught.add(objective); save(cell, code); advance(); }
      else say("Not saved: the objective is still not yet taught.");
    });
    dialog.showModal();
    dialog.querySelector("button[value=mark]").focus();
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
      rate(current, byCode.get(key.toUpperCase()).code);
    }
  });

  table.addEventListener("click", (event) => {
    const cell = event.target.closest("td.cell");
    if (cell) focusCell(cell);
  });

  // Redraw a column as taught or not yet taught.
  function showTaught(objectiveId, taught) {
    const th = header(objectiveId);
    if (!th) return;
    th.classList.toggle("untaught", !taught);
    const button = th.querySelector("button.taught-toggle");
    const code = th.querySelector(".obj-code").textContent.trim();
    button.value = `${objectiveId}:${taught ? 0 : 1}`;
    button.textContent = taught ? "taught" : "not taught";
    button.setAttribute("aria-label", taught ? `Mark ${code} as not yet taught` : `Mark ${code} as taught`);
    const index = Array.from(th.parentElement.querySelectorAll("th.obj")).indexOf(th);
    for (const row of matrix) row[index].classList.toggle("untaught", !taught);
    for (const tr of rows) showRow(tr);  // coverage counts the class's taught objectives
    const option = document.querySelector(`#bulk-form select[name=objective] option[value="${objectiveId}"]`);
    if (option) option.textContent = option.textContent.replace(/ \(not yet taught\)$/, "") + (taught ? "" : " (not yet taught)");
    if (current && current.dataset.objective === String(objectiveId)) showFocus(current);
  }

  // Marking objectives as taught without a page reload.
  table.addEventListener("click", async (event) => {
    const button = event.target.closest("button.taught-toggle");
    if (!button) return;
    event.preventDefault();
    const [objective, flag] = button.value.split(":");
    const response = await post(table.dataset.taughtUrl, { framework, mark: button.value }).catch(() => null);
    if (!response || !response.ok) { say("Could not change whether that objective is taught; try again.", true); return; }
    const taught = flag === "1";
    showTaught(objective, taught);
    const code = button.closest("th").querySelector(".obj-code").textContent.trim();
    say(taught ? `${code} marked as taught.` : `${code} marked as not yet taught.`);
  });

  table.addEventListener("focusin", (event) => {
    const th = event.target.closest("th.obj");
    if (th && focusLine) {
      focusLine.textContent = th.querySelector(".obj-tip").textContent.trim();
    }
  });

  // Where the cursor goes after a rating: remembered for the user on the server.
  const cursorSelect = document.getElementById("grid-cursor");
  if (cursorSelect) {
    cursorSelect.addEventListener("change", async () => {
      const form = cursorSelect.form;
      direction = cursorSelect.value === "right" ? "right" : "down";
      const response = await post(form.action, { grid_cursor: cursorSelect.value }).catch(() => null);
      if (response && response.ok) say(direction === "right" ? "After a rating the cursor now moves right." : "After a rating the cursor now moves down.");
      else say("Could not remember that choice; it applies until you leave this page.", true);
    });
  }

  // Bulk: send the versions the user saw, so nothing changed meanwhile is overwritten,
  // and say first how many existing ratings it would change.
  const bulk = document.getElementById("bulk-form");
  const boxes = () => Array.from(document.querySelectorAll("input[name=pupils][form=bulk-form]"));
  let bulkConfirmed = false;
  bulk.addEventListener("submit", (event) => {
    bulk.elements.versions.value = matrix.flatMap((row) => row.map((cell) =>
      `${cell.dataset.objective}:${cell.parentElement.dataset.pupil}:${cell.dataset.version}`)).join(",");
    if (bulkConfirmed) return;
    const objective = bulk.elements.objective.value;
    const code = bulk.elements.code.value;
    const ticked = boxes().filter((box) => box.checked);
    if (!ticked.length) return; // the server answers with the reason, inside the page
    const changes = ticked.map((box) => {
      const cell = box.closest("tr").querySelector(`td.cell[data-objective="${objective}"]`);
      return { name: pupilName(cell), code: cell ? cell.dataset.code : "" };
    }).filter((c) => c.code && c.code.toUpperCase() !== code.toUpperCase());
    const untaught = !columnTaught(objective);
    if (untaught && rule === "refuse") {
      event.preventDefault();
      say("That objective is not yet marked as taught; the school asks for it to be marked taught " +
          "before it is rated. Mark it as taught with the button in its heading first.", true);
      return;
    }
    if (!changes.length && !untaught) return;
    event.preventDefault();
    const dialog = document.getElementById("bulk-dialog");
    const objectiveCodeText = header(objective).querySelector(".obj-code").textContent.trim();
    const parts = [];
    if (changes.length) parts.push(`This changes ${changes.length} existing rating${changes.length === 1 ? "" : "s"} to ${code}.`);
    if (untaught) parts.push(`${objectiveCodeText} is not yet marked as taught to ${table.dataset.className}; it will be marked as taught.`);
    dialog.querySelector("#bulk-title").textContent = changes.length ? "Change existing ratings?" : "Mark as taught?";
    dialog.querySelector(".bulk-text").textContent = parts.join(" ");
    const list = dialog.querySelector(".bulk-list");
    list.replaceChildren(...changes.map((c) => {
      const li = document.createElement("li");
      li.textContent = `${c.name}: ${c.code} becomes ${code}`;
      return li;
    }));
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue !== "go") { say("Nothing was changed."); return; }
      bulk.elements.confirm.value = "1";
      if (untaught) bulk.elements.mark_taught.value = "1";
      bulkConfirmed = true;
      bulk.requestSubmit();
    });
    dialog.showModal();
  });
  // "Tick all" ticks every pupil shown, and unticks them all when all are ticked.
  const selectAll = bulk.querySelector(".select-all");
  selectAll.hidden = false;
  function showTickState() {
    const all = boxes().length > 0 && boxes().every((box) => box.checked);
    selectAll.textContent = all ? "Untick all pupils" : "Tick all pupils";
    selectAll.setAttribute("aria-pressed", all ? "true" : "false");
  }
  selectAll.addEventListener("click", () => {
    const tick = !boxes().every((box) => box.checked);
    for (const box of boxes()) box.checked = tick;
    showTickState();
  });
  table.addEventListener("change", (event) => { if (event.target.matches("input[name=pupils]")) showTickState(); });
  showTickState();

  window.addEventListener("beforeunload", (event) => {
    if (unsaved.size) { event.preventDefault(); event.returnValue = ""; }
  });

  for (const row of matrix) for (const cell of row) {
    cell.tabIndex = -1;
    paint(cell, cell.dataset.code);
  }
  if (matrix.length && matrix[0].length) {
    current = matrix[0][0];
    current.tabIndex = 0;
    // A grid page is for typing ratings: start in the first cell unless the page was
    // opened at a particular place or a message needs reading first.
    if (!window.location.hash && !document.querySelector(".form-error-box, .conflict-box")) {
      current.focus({ preventScroll: true });
      showFocus(current);
    }
  }
})();
