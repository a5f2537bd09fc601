// Trackwell results grid: type raw marks fast; each is saved as you leave it.
// The page works read-only without this script; this adds saving.
(function () {
  "use strict";

  const table = document.getElementById("results");
  if (!table || table.dataset.canEdit !== "1") return;

  const url = table.dataset.url;
  const csrf = document.querySelector("#results-form [name=csrfmiddlewaretoken]").value;
  const status = document.getElementById("results-status");
  const inputs = Array.from(table.querySelectorAll("input.raw"));
  const bandData = document.getElementById("results-bands");
  const colours = new Map(
    (bandData ? JSON.parse(bandData.textContent) : []).map((b) => [b.label, b.colour]));

  function say(text) { status.textContent = text; }

  function show(row, data) {
    row.dataset.version = String(data.version);
    const input = row.querySelector("input.raw");
    const raw = data.raw === null ? "" : String(data.raw);
    input.value = raw;
    input.dataset.saved = raw;
    input.removeAttribute("aria-invalid");
    row.querySelector(".score").textContent =
      data.score !== null ? String(data.score) : (data.raw !== null ? "No score awarded" : "");
    const cell = row.querySelector(".band-cell");
    cell.textContent = "";
    if (data.band) {
      const span = document.createElement("span");
      span.className = "band static";
      span.textContent = data.band;
      if (colours.has(data.band)) span.style.background = colours.get(data.band);
      cell.appendChild(span);
    }
    const pct = row.querySelector(".pct");
    if (pct) pct.textContent = data.percentile === null ? "" : String(data.percentile);
  }

  // One save at a time per pupil, so a quick Enter then leaving the box never races itself.
  const queues = new Map();
  function save(input) {
    const row = input.closest("tr");
    const next = (queues.get(row) || Promise.resolve()).then(() => send(input));
    queues.set(row, next);
    return next;
  }

  async function send(input) {
    const row = input.closest("tr");
    if (input.value.trim() === input.dataset.saved) return;
    const body = new URLSearchParams({
      pupil: row.dataset.pupil, raw: input.value.trim(), version: row.dataset.version,
    });
    say("Saving…");
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        body: body,
        credentials: "same-origin",
      });
    } catch (err) {
      say("Not saved: the connection failed. Your mark is still in the box; try again.");
      input.setAttribute("aria-invalid", "true");
      return;
    }
    const data = await response.json().catch(() => ({}));
    const name = row.querySelector("th").textContent.trim();
    if (response.ok) {
      show(row, data);
      say("Saved " + name + ".");
    } else if (response.status === 409) {
      const theirs = data.current.raw === null ? "blank" : data.current.raw;
      const who = data.current.updated_by ? " by " + data.current.updated_by : "";
      say(name + ": changed" + who + " to " + theirs + " since you opened the page. You typed " +
        (input.value.trim() || "blank") + ". Type your mark again to replace it.");
      const typed = input.value;
      show(row, data.current);
      input.value = typed;
      input.setAttribute("aria-invalid", "true");
    } else {
      say(name + ": " + (data.error || "not saved."));
      input.setAttribute("aria-invalid", "true");
    }
  }

  inputs.forEach((input, i) => {
    input.addEventListener("change", () => save(input));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === "ArrowDown") {
        event.preventDefault();
        save(input);
        if (inputs[i + 1]) inputs[i + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (inputs[i - 1]) inputs[i - 1].focus();
      }
    });
  });
})();
