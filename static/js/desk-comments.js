/* Comments on passages, beside the text: a selection in the preview (or in the text box)
   becomes the quoted passage of a new comment, with a little of the text either side to
   tell repeated words apart; each open comment's passage is marked in the preview.
   Without this script the passage is pasted into its box and the comments still work. */
(function () {
  "use strict";
  var section = document.querySelector("[data-comments]");
  var quote = section && section.querySelector("[data-comment-quote]");
  if (!section) {
    return;
  }
  var CONTEXT = 40;
  var before = section.querySelector("[data-comment-before]");
  var after = section.querySelector("[data-comment-after]");
  var desk = document.querySelector("[data-desk]");
  var frame = document.querySelector(".preview-frame");

  function take(text, textBefore, textAfter) {
    text = text.replace(/\s+/g, " ").trim();
    if (!quote || !text) {
      return;
    }
    quote.value = text.slice(0, 1000);
    before.value = textBefore.replace(/\s+/g, " ").slice(-CONTEXT);
    after.value = textAfter.replace(/\s+/g, " ").slice(0, CONTEXT);
  }

  // The selection inside `container` (of document `doc`), with the text either side.
  function fromSelection(doc, container) {
    var selection = doc.getSelection();
    if (!selection || selection.isCollapsed || !container) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!container.contains(range.commonAncestorContainer)) {
      return;
    }
    var head = doc.createRange();
    head.selectNodeContents(container);
    head.setEnd(range.startContainer, range.startOffset);
    var tail = doc.createRange();
    tail.selectNodeContents(container);
    tail.setStart(range.endContainer, range.endOffset);
    take(selection.toString(), head.toString(), tail.toString());
  }

  function fromPreview(doc) {
    fromSelection(doc, doc.querySelector('[data-preview="body"]'));
  }

  function watch(doc) {
    if (doc.documentElement.dataset.commentsWatched) {
      return;
    }
    doc.documentElement.dataset.commentsWatched = "1";
    doc.addEventListener("mouseup", function () {
      fromPreview(doc);
    });
    doc.addEventListener("keyup", function () {
      fromPreview(doc);
    });
  }

  // The open comments' passages, marked in the preview where they are found whole in one
  // run of text (a passage across a link or a paragraph stays unmarked: "where possible").
  function mark(doc) {
    var body = doc.querySelector('[data-preview="body"]');
    if (!body) {
      return;
    }
    var passages = Array.prototype.map.call(
      section.querySelectorAll("[data-comment-passage]"),
      function (item) {
        return item.getAttribute("data-comment-passage");
      }
    );
    passages.forEach(function (passage) {
      var walker = doc.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      var node;
      while ((node = walker.nextNode())) {
        var at = node.data.replace(/\s+/g, " ").indexOf(passage);
        if (at !== -1 && node.data.replace(/\s+/g, " ").length === node.data.length) {
          var range = doc.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + passage.length);
          var highlight = doc.createElement("mark");
          highlight.className = "comment-passage";
          range.surroundContents(highlight);
          return;
        }
      }
    });
  }

  if (desk && frame) {
    desk.addEventListener("desk:previewed", function (event) {
      watch(event.detail.doc);
      mark(event.detail.doc);
    });
  }

  // Someone who reviews but may not edit (a medical reviewer) sees the text read-only:
  // a selection there quotes it too.
  var shown = document.querySelector(".desk__text .field-body .readonly");
  if (shown && quote) {
    shown.addEventListener("mouseup", function () {
      fromSelection(document, shown);
    });
  }

  var body = document.getElementById("id_body");
  if (body && quote) {
    var fromText = function () {
      if (body.selectionStart === body.selectionEnd) {
        return;
      }
      take(
        body.value.slice(body.selectionStart, body.selectionEnd),
        body.value.slice(0, body.selectionStart),
        body.value.slice(body.selectionEnd)
      );
    };
    body.addEventListener("mouseup", fromText);
    body.addEventListener("keyup", fromText);
  }
})();
