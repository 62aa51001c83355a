/* The image picker beside the body: "Insert" writes ![](image:ID) on a line of its own at
   the cursor (a paragraph of its own renders as a captioned figure), then the preview and
   checks update as if it had been typed. */
(function () {
  "use strict";
  var body = document.getElementById("id_body");
  var picker = document.getElementById("image-picker");
  if (!body || !picker) {
    return;
  }
  // Beside the body it writes into, rather than after the form's other fields.
  var row = body.closest(".form-row");
  if (row) {
    row.appendChild(picker);
  }
  picker.querySelectorAll("[data-insert-image]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var at = body.selectionEnd;
      var before = body.value.slice(0, at);
      var lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
      var text = lead + "![](image:" + button.dataset.insertImage + ")\n\n";
      body.focus();
      body.setRangeText(text, at, at, "end");
      body.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
