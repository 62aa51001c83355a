/* A short Markdown toolbar above the body: each button writes the hub's own conventions
   (a source is a numbered marker plus its line under the text), so authors need not
   remember the syntax. Typing Markdown by hand works just as well. */
(function () {
  "use strict";
  var body = document.getElementById("id_body");
  if (!body || !document.querySelector("[data-desk]")) {
    return;
  }

  function edit(replace) {
    var start = body.selectionStart;
    var end = body.selectionEnd;
    var result = replace(body.value.slice(start, end), body.value);
    body.focus();
    body.setRangeText(result.text, start, end, "end");
    var at = null;
    if (result.append) {
      body.value = body.value.trimEnd() + result.append;
      at = body.value.length - result.append.length + result.append.indexOf(result.select);
    } else if (result.select) {
      at = start + result.text.indexOf(result.select);
    }
    if (at !== null) {
      body.setSelectionRange(at, at + result.select.length);
    }
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function lineStart(prefix, fallback) {
    return function (chosen) {
      var text = (chosen || fallback)
        .split("\n")
        .map(function (line) {
          return prefix + line;
        })
        .join("\n");
      return { text: "\n" + text + "\n", select: chosen ? "" : fallback };
    };
  }

  function nextSource(all) {
    var numbers = (all.match(/\[\^(\d+)\]/g) || []).map(function (m) {
      return parseInt(m.slice(2), 10);
    });
    return numbers.length ? Math.max.apply(null, numbers) + 1 : 1;
  }

  var TOOLS = [
    ["Heading", lineStart("## ", "Section heading")],
    ["Bold", function (chosen) {
      var words = chosen || "important words";
      return { text: "**" + words + "**", select: chosen ? "" : words };
    }],
    ["List", lineStart("- ", "List item")],
    ["Link", function (chosen) {
      var words = chosen || "what the page is";
      return { text: "[" + words + "](https://)", select: "https://" };
    }],
    ["Source", function (chosen, all) {
      var n = nextSource(all);
      var line = "Author A. Title. Journal. Year. https://doi.org/";
      return { text: chosen + "[^" + n + "]", append: "\n\n[^" + n + "]: " + line, select: line };
    }],
    ["Table", function () {
      var table = "\n| Column | Column |\n| --- | --- |\n| Cell | Cell |\n";
      return { text: table, select: "Column" };
    }],
  ];

  var bar = document.createElement("div");
  bar.className = "markdown-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting");
  bar.setAttribute("aria-controls", "id_body");
  TOOLS.forEach(function (tool) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = tool[0];
    button.addEventListener("click", function () {
      edit(tool[1]);
    });
    bar.appendChild(button);
  });
  body.parentNode.insertBefore(bar, body);
})();
