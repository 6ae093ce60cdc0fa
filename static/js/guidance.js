// New ticket: show the priority guidance of the chosen category only (seed 002 gives each
// category its own). Without JS, or before a category is chosen, every category's is listed.
(function () {
  function setup() {
    const box = document.getElementById("category-guidance");
    if (!box) return;
    const select = document.getElementById(box.dataset.categoryField);
    if (!select) return;
    const title = box.querySelector("[data-guidance-title]");
    const blocks = box.querySelectorAll(".category-guidance");
    function show() {
      const chosen = select.value;
      let shown = null;
      blocks.forEach(function (block) {
        const match = !chosen || block.dataset.category === chosen;
        block.hidden = !match;
        if (match && chosen) shown = block;
      });
      // A chosen category without guidance: nothing specific to show, so the box hides.
      box.hidden = Boolean(chosen) && !shown;
      if (title) {
        const heading = shown && shown.querySelector("h4");
        title.textContent = shown ? select.options[select.selectedIndex].text : "each category";
        if (heading) heading.hidden = true;
        blocks.forEach(function (block) {
          const h = block.querySelector("h4");
          if (h && block !== shown) h.hidden = false;
        });
      }
    }
    select.addEventListener("change", show);
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
