// Trackwell grid page: folding panels that remember whether they were open, and the
// parts of the page that only make sense with this script running.
(function () {
  "use strict";

  const store = {
    get(key) { try { return window.localStorage.getItem(key); } catch (err) { return null; } },
    set(key, value) { try { window.localStorage.setItem(key, value); } catch (err) { /* private mode */ } },
  };

  for (const panel of document.querySelectorAll("details[data-remember]")) {
    const key = "trackwell:" + panel.dataset.remember;
    // A panel the server opened (to show a problem in it) stays open this time.
    if (!panel.dataset.keepOpen) {
      const saved = store.get(key);
      if (saved !== null) panel.open = saved === "open";
    }
    panel.addEventListener("toggle", () => store.set(key, panel.open ? "open" : "closed"));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && panel.open && !event.target.closest("dialog")) {
        panel.open = false;
        panel.querySelector("summary").focus();
      }
    });
  }

  for (const el of document.querySelectorAll(".js-only")) el.hidden = false;
  const every = document.querySelector("#bulk-form .every-pupil");
  if (every) {
    // The script offers "Tick all pupils" instead, and shows what it will change first.
    every.hidden = true;
    every.querySelector("input").checked = false;
  }
})();
