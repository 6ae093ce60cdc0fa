// Time-left badges tick without a reload: every element with data-due="<ISO instant>" shows
// how long is left (or how long ago it breached) and carries the state as a class.
(function () {
  function fmt(ms) {
    const neg = ms < 0; let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60);
    const text = d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`;
    return neg ? `${text} over` : `${text} left`;
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.due);
      if (isNaN(due)) return;
      const left = due - now;
      const riskMs = parseInt(el.dataset.riskMs || "3600000", 10);
      const state = left < 0 ? "breached" : left < riskMs ? "at-risk" : "on-track";
      el.classList.remove("breached", "at-risk", "on-track");
      el.classList.add(state);
      el.textContent = fmt(left);
      el.title = state.replace("-", " ");
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 15000);
})();

// A <select data-fill-target="#id"> whose options are URLs: choosing one replaces the target
// with what the URL returns (canned responses into the reply box). An event listener here,
// not an onchange attribute: the Content-Security-Policy allows no inline script.
(function () {
  document.addEventListener("change", function (event) {
    const select = event.target.closest("select[data-fill-target]");
    if (!select || !select.value || !window.htmx) return;
    htmx.ajax("GET", select.value, { target: select.dataset.fillTarget, swap: "outerHTML" });
  });
})();

// A button marked data-print prints the page (the monthly statement): no inline handler (CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});
