// The reply box's help-article picker: search the knowledge base and insert an article's
// absolute URL into the reply at the cursor. (A static file: the CSP forbids inline script.)
(function () {
  let timer = null;
  function search(picker) {
    const q = picker.querySelector("[data-kb-picker-q]").value.trim();
    const results = picker.querySelector("[data-kb-picker-results]");
    if (q.length < 2) { results.innerHTML = ""; return; }
    fetch(picker.dataset.url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin", headers: { "HX-Request": "true" },
    }).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { results.innerHTML = html; });
  }
  document.addEventListener("input", function (event) {
    const picker = event.target.closest && event.target.closest("[data-kb-picker]");
    if (!picker || !event.target.matches("[data-kb-picker-q]")) return;
    clearTimeout(timer);
    timer = setTimeout(function () { search(picker); }, 250);
  });
  document.addEventListener("keydown", function (event) {
    // Enter in the search box searches; it must not submit the reply form.
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-kb-picker-q]")) {
      event.preventDefault();
      search(event.target.closest("[data-kb-picker]"));
    }
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-kb-insert]");
    if (!button) return;
    const form = button.closest("form") || document;
    const box = form.querySelector("textarea[name=body]") || document.getElementById("id_body");
    if (!box) return;
    const url = button.dataset.kbInsert;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    const before = box.value.slice(0, start);
    const pad = before && !/\s$/.test(before) ? " " : "";
    box.value = before + pad + url + box.value.slice(end);
    box.focus();
    const caret = start + pad.length + url.length;
    box.setSelectionRange(caret, caret);
  });
})();
