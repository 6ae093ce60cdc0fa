// Submit buttons disable while their form is posting: a double click sends one request.
// (The server also recognises a resubmitted form by its one-time token; this spares the wait.)
(function () {
  function buttons(form) {
    return form.querySelectorAll("button:not([type]), button[type=submit], input[type=submit]");
  }
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.noDisable !== undefined) return;
    // A submit another handler cancelled posts nothing, unless htmx cancelled it to post
    // the form itself (it then fires htmx:afterRequest, which enables the buttons again).
    const htmx = form.matches("[hx-post], [hx-get], [hx-put], [hx-patch], [hx-delete]");
    if (event.defaultPrevented && !htmx) return;
    if (form.dataset.submitting) {
      event.preventDefault(); // a second submit of the same form while the first is posting
      return;
    }
    form.dataset.submitting = "1";
    // Disabled after this event, not during it: the clicked button's name and value (e.g.
    // kind=note) are part of the submission only if it is enabled when the data is gathered.
    setTimeout(function () {
      buttons(form).forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    }, 0);
  });
  function release(form) {
    delete form.dataset.submitting;
    buttons(form).forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }
  // htmx forms stay on the page: enable them again when their request is done.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.target.closest && event.target.closest("form");
    if (form) release(form);
  });
  // Back to a page from the browser's cache: its forms are usable again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) document.querySelectorAll("form[data-submitting]").forEach(release);
  });
})();
