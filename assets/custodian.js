// Custodian's pages work without this script; it only makes them easier to use. Served from /assets
// because the Content-Security-Policy allows no inline script.
(() => {
  // Dates: the markup carries UTC; show them in the viewer's own zone (the jurisdiction's stays beside).
  // The server's one format (web/zones.ts formatInZone: "1 Dec 2026, 09:00 GMT+1"), in the viewer's zone.
  const local = new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });
  for (const el of document.querySelectorAll("time[data-local]")) {
    const at = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(at.getTime())) continue;
    el.setAttribute("title", `${el.textContent} (UTC)`);
    el.textContent = local.format(at);
    // The jurisdiction's time beside it says nothing more when the viewer keeps the same clock.
    const zone = el.nextElementSibling;
    if (zone?.classList.contains("zone") && zone.textContent.includes(el.textContent)) zone.hidden = true;
  }

  // The request form: the emergency section only when the process is "emergency".
  const form = document.querySelector("form.request-form");
  if (form) {
    const emergency = form.querySelector("[data-show-when-process]");
    const sync = () => {
      const chosen = form.querySelector('input[name="process"]:checked');
      if (emergency) emergency.hidden = !(chosen && chosen.value === emergency.dataset.showWhenProcess);
    };
    form.addEventListener("change", (event) => {
      if (event.target.name === "process") sync();
    });
    sync();

    // One more target row on demand; its fields are named by position like the rows the server drew.
    const add = form.querySelector("[data-add-target]");
    const rows = form.querySelector("#target-rows");
    if (add && rows) {
      add.hidden = false;
      add.addEventListener("click", () => {
        const last = rows.lastElementChild;
        if (!last) return;
        const index = rows.children.length;
        const row = last.cloneNode(true);
        for (const el of row.querySelectorAll("[id], [name], [for]")) {
          for (const attr of ["id", "name", "for"]) {
            const value = el.getAttribute(attr);
            if (value) el.setAttribute(attr, value.replace(/\d+/, String(index)));
          }
        }
        for (const label of row.querySelectorAll("label")) {
          label.textContent = label.textContent.replace(/\d+/, String(index + 1));
        }
        for (const el of row.querySelectorAll(".field-error")) el.remove();
        for (const input of row.querySelectorAll("input")) {
          input.value = "";
          input.removeAttribute("aria-invalid");
          input.removeAttribute("aria-describedby");
        }
        rows.appendChild(row);
        row.querySelector("input")?.focus();
      });
    }
  }

  // After a failed submission, take keyboard and screen-reader users to the list of problems.
  document.getElementById("error-summary")?.focus();
})();
