/* The writing desk keeps what was typed: it asks before a page with unsaved edits is left,
   sends one POST per button press, and keeps the working text on the server every
   30 seconds (and when the tab is hidden or closed) for the writer to restore later.
   Without this script every action still works: the buttons post the one form. */
(function () {
  "use strict";
  var form = document.getElementById("article_form");
  var desk = form && form.querySelector("[data-desk]");
  if (!desk) {
    return;
  }
  var TEXT_FIELDS = ["title", "summary", "body"];
  var intervalMs = (parseInt(desk.dataset.autosaveSeconds, 10) || 30) * 1000;
  var dirty = false;
  var submitting = false;
  var changedSinceKept = false;
  var note = document.getElementById("desk-note");

  function field(name) {
    return form.elements.namedItem(name);
  }

  function say(text) {
    if (note) {
      note.textContent = text;
    }
  }

  function edited(event) {
    // The comment boxes beside the text sit in this form but belong to their own forms.
    if (event && event.target && event.target.form && event.target.form !== form) {
      return;
    }
    dirty = true;
    changedSinceKept = true;
  }

  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  // The topics box (select2) announces changes through jQuery only.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(form).on("change", "select", edited);
  }

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  form.addEventListener("submit", function (event) {
    if (submitting) {
      // A double click: the first press is already on its way.
      event.preventDefault();
      return;
    }
    submitting = true;
    // Not `disabled`: a disabled button would not send its own name and value.
    Array.prototype.forEach.call(form.querySelectorAll(".desk-bar button"), function (b) {
      b.setAttribute("aria-disabled", "true");
      b.classList.add("is-busy");
    });
    say("Saving…");
  });

  function workingText() {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", field("csrfmiddlewaretoken").value);
    TEXT_FIELDS.forEach(function (name) {
      var input = field(name);
      data.append(name, input ? input.value : "");
    });
    return data;
  }

  function keep() {
    if (!changedSinceKept || submitting) {
      return;
    }
    changedSinceKept = false;
    fetch(desk.dataset.autosaveUrl, {
      method: "POST",
      body: workingText(),
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            throw new Error(data.error || "not kept");
          }
          say("Unsaved text kept at " + data.time + ".");
        });
      })
      .catch(function () {
        changedSinceKept = true;
        say("Could not keep a copy of the unsaved text; save the article to be safe.");
      });
  }

  window.setInterval(keep, intervalMs);
  // Closing or hiding the tab: one last copy, sent even as the page goes away.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && changedSinceKept && !submitting) {
      changedSinceKept = false;
      navigator.sendBeacon(desk.dataset.autosaveUrl, workingText());
    }
  });

  var restore = form.querySelector("[data-restore-autosave]");
  var kept = document.getElementById("autosave-text");
  if (restore && kept) {
    restore.hidden = false;
    restore.addEventListener("click", function () {
      var text = JSON.parse(kept.textContent);
      TEXT_FIELDS.forEach(function (name) {
        var input = field(name);
        if (input && typeof text[name] === "string") {
          input.value = text[name];
          input.dispatchEvent(new Event("input", { bubbles: true }));
        }
      });
      var offer = restore.closest(".autosave-offer");
      offer.hidden = true;
      say("Unsaved text restored. Save it to keep it.");
      field("body").focus();
    });
  }
})();
