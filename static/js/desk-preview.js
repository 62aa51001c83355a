/* The preview and checks beside the text: one request per pause in typing renders the
   working text through the hub's own pipeline (the server's live-preview endpoint) into
   the article page's own layout, framed, at desktop or phone width. */
(function () {
  "use strict";
  var desk = document.querySelector("[data-desk]");
  var form = document.getElementById("article_form");
  if (!desk || !form) {
    return;
  }
  var PAUSE_MS = 500;
  var panel = desk.querySelector(".desk__preview");
  var frame = panel.querySelector("iframe");
  var checks = document.getElementById("desk-checks");
  var timer = null;
  var inFlight = false;
  var again = false;
  var lastSent = null;
  var waiting = null;

  function value(name) {
    var input = form.elements.namedItem(name);
    return input ? input.value : "";
  }

  function show(data) {
    // The checks first: the frame may still be loading (lazily, below the fold on a phone).
    checks.innerHTML = data.checks;
    var doc = frame.contentDocument;
    if (!doc || doc.readyState !== "complete" || !doc.querySelector("[data-preview]")) {
      waiting = data;
      return;
    }
    doc.querySelector('[data-preview="title"]').textContent = data.title;
    doc.querySelector('[data-preview="summary"]').textContent = data.summary;
    // Sanitised by the server's pipeline, the same as the published page.
    doc.querySelector('[data-preview="body"]').innerHTML = data.html;
    desk.dispatchEvent(new CustomEvent("desk:previewed", { detail: { doc: doc } }));
  }

  function send() {
    var text = [value("title"), value("summary"), value("body")];
    var key = text.join("\u0000");
    if (key === lastSent) {
      return;
    }
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    lastSent = key;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", value("csrfmiddlewaretoken"));
    data.append("title", text[0]);
    data.append("summary", text[1]);
    data.append("body", text[2]);
    if (desk.dataset.article) {
      data.append("article", desk.dataset.article); // whose library images it may show
    }
    fetch(desk.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("The preview is busy; it will catch up when you next pause.");
        }
        return response.json().then(function (body) {
          if (!response.ok) {
            throw new Error(body.error);
          }
          show(body);
        });
      })
      .catch(function (error) {
        lastSent = null;
        checks.textContent = error.message || "The preview is not available just now.";
      })
      .then(function () {
        inFlight = false;
        if (again) {
          again = false;
          send();
        }
      });
  }

  function pause() {
    window.clearTimeout(timer);
    timer = window.setTimeout(send, PAUSE_MS);
  }

  ["title", "summary", "body"].forEach(function (name) {
    var input = form.elements.namedItem(name);
    if (input) {
      input.addEventListener("input", pause);
    }
  });

  frame.addEventListener("load", function () {
    if (waiting) {
      var data = waiting;
      waiting = null;
      show(data);
    }
  });

  Array.prototype.forEach.call(panel.querySelectorAll("[data-preview-width]"), function (button) {
    button.addEventListener("click", function () {
      var phone = button.dataset.previewWidth === "phone";
      frame.classList.toggle("preview-frame--phone", phone);
      Array.prototype.forEach.call(panel.querySelectorAll("[data-preview-width]"), function (b) {
        b.setAttribute("aria-pressed", String(b === button));
      });
    });
  });

  panel.hidden = false;
  frame.src = desk.dataset.frameUrl;
  send();
})();
