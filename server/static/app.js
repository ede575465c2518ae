// samprio console: small enhancements only. Every action also works
// without this script (plain forms that post and redirect).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // An error summary takes the focus, so screen readers announce it.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
  follow();
  document.querySelectorAll("[data-ranking]").forEach(ranking);
});

// ---------------------------------------------------------------------------
// Live updates: the page's live parts ([data-live], each naming the URL of
// its fresh HTML) are fetched again whenever the cooperation's event stream
// ([data-stream]) reports a change.

function follow() {
  const source = document.querySelector("[data-stream]");
  if (!source || !window.EventSource || !document.querySelector("[data-live]")) return;
  const status = document.getElementById("live-status");
  let timer = null;
  let busy = false;
  let again = false;
  document.querySelectorAll("[data-live-note]").forEach((e) => { e.hidden = false; });

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      for (const part of document.querySelectorAll("[data-live]")) {
        const response = await fetch(part.dataset.live, { credentials: "same-origin", headers: { Accept: "text/html" } });
        // A redirect means the sign-in ran out: leave the page as it is.
        if (!response.ok || response.redirected) continue;
        const doc = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = doc.body.firstElementChild;
        if (!fresh || fresh.dataset.live !== part.dataset.live || fresh.outerHTML === part.outerHTML) continue;
        const focusedId = part.contains(document.activeElement) ? document.activeElement.id : null;
        const before = part.dataset.announce;
        part.replaceWith(fresh);
        if (focusedId) document.getElementById(focusedId)?.focus();
        if (status && fresh.dataset.announce && fresh.dataset.announce !== before) {
          status.textContent = fresh.dataset.announce;
        }
        if (fresh.dataset.state && fresh.dataset.state !== "OPEN") {
          // The round is over: its ballot form and the chair's buttons go.
          document.querySelectorAll("[data-while-open]").forEach((e) => e.remove());
        }
      }
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }

  const url = new URL(source.dataset.stream, location.href);
  if (source.dataset.after) url.searchParams.set("after", source.dataset.after);
  const events = new EventSource(url);
  events.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
}

// ---------------------------------------------------------------------------
// Ranking: the list of proposals, each with a place to choose, becomes a
// list to reorder by dragging, by the buttons "Move up/down", or by
// Alt+Arrow up/down anywhere in an item. Every move numbers the places
// 1..n in list order and is announced in the list's live region.

function ranking(list) {
  const status = document.getElementById("ranking-status");
  const keys = document.getElementById("ranking-keys");
  if (keys) {
    keys.hidden = false;
    list.setAttribute("aria-describedby", list.getAttribute("aria-describedby") + " ranking-keys");
  }
  list.classList.add("ranking--enhanced");
  const items = () => [...list.querySelectorAll(":scope > li")];

  function renumber() {
    items().forEach((li, i) => { li.querySelector("select").value = String(i + 1); });
  }

  function announce(li) {
    const all = items();
    const title = li.querySelector(".ranking-title").textContent.trim();
    const text = `${title} ${list.dataset.moved} ${all.indexOf(li) + 1} ${list.dataset.of} ${all.length}`;
    if (status) status.textContent = text;
  }

  function move(li, delta, focus) {
    const other = delta < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!other) return;
    if (delta < 0) other.before(li); else other.after(li);
    renumber();
    announce(li);
    if (focus) focus.focus();
  }

  for (const li of items()) {
    const title = li.querySelector(".ranking-title").textContent.trim();
    const buttons = li.querySelector(".ranking-buttons");
    for (const [label, delta, cls] of [[list.dataset.moveUp, -1, "move-up"], [list.dataset.moveDown, 1, "move-down"]]) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `button button--secondary button--small ${cls}`;
      b.textContent = label;
      b.setAttribute("aria-label", `${label}: ${title}`);
      b.addEventListener("click", () => move(li, delta, b));
      buttons.append(b);
    }
    li.addEventListener("keydown", (e) => {
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      e.preventDefault();
      move(li, e.key === "ArrowUp" ? -1 : 1, document.activeElement);
    });
    drag(li);
  }

  // Dragging by pointer (mouse, pen or touch) on the item's handle. The
  // item moves in the DOM while dragged, which ends any pointer capture, so
  // the moves and the release are followed on the document.
  function drag(li) {
    const handle = li.querySelector(".ranking-handle");
    handle.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      li.classList.add("ranking-item--dragging");
      const onMove = (ev) => {
        const over = items().find((other) => {
          if (other === li) return false;
          const r = other.getBoundingClientRect();
          return ev.clientY >= r.top && ev.clientY <= r.bottom;
        });
        if (!over) return;
        const r = over.getBoundingClientRect();
        if (ev.clientY < r.top + r.height / 2) over.before(li); else over.after(li);
      };
      const onUp = () => {
        document.removeEventListener("pointermove", onMove);
        document.removeEventListener("pointerup", onUp);
        document.removeEventListener("pointercancel", onUp);
        li.classList.remove("ranking-item--dragging");
        renumber();
        announce(li);
      };
      document.addEventListener("pointermove", onMove);
      document.addEventListener("pointerup", onUp);
      document.addEventListener("pointercancel", onUp);
    });
  }
}
