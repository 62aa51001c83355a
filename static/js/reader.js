/* Readers' pages: linked terms' definitions for touch and keyboard, and the breadcrumb of
   the topic the reader came from. Progressive: without this file every term is still a
   link to its topic, and the breadcrumb names the article's first topic.

   Definitions (articles/linking.py renders <span class="term"><a class="term__link">word</a>
   <span class="term__def" role="tooltip">definition</span></span>):
   - each definition gets a "More about <word>" link to the topic;
   - a tap (touch or pen) on a term opens its definition instead of leaving the page; a
     second tap, or the "More about" link, goes to the topic. A mouse click and Enter go
     straight to the topic: hover and focus already show the definition (CSS);
   - Escape closes an open definition, and one shown by hover or focus (WCAG 1.4.13,
     dismissible), until the pointer or focus leaves the term; a tap outside closes it.
   Where the definition shows is CSS's (site.css, "Linked terms"): in the flow of the text,
   below the term's line, so it never covers the words being read. */
(function () {
  "use strict";

  var OPEN = "term--open";
  var DISMISSED = "term--dismissed";
  var lastPointer = "";

  function terms() {
    return document.querySelectorAll(".term");
  }

  function close(term) {
    term.classList.remove(OPEN);
    var link = term.querySelector(".term__link");
    if (link) link.removeAttribute("aria-expanded");
  }

  function closeAll(except) {
    terms().forEach(function (term) {
      if (term !== except) close(term);
    });
  }

  function addMoreLink(term) {
    var link = term.querySelector(".term__link");
    var definition = term.querySelector(".term__def");
    if (!link || !definition || definition.querySelector(".term__more")) return;
    var more = document.createElement("a");
    more.className = "term__more";
    // Not a second tab stop: on a keyboard the term itself is the link to the topic.
    more.tabIndex = -1;
    more.href = link.getAttribute("href");
    more.textContent = "More about " + link.textContent.trim();
    definition.appendChild(document.createTextNode(" "));
    definition.appendChild(more);
  }

  function onTermClick(event) {
    var link = event.target.closest(".term__link");
    if (!link) return;
    var term = link.closest(".term");
    // Only a touch or pen tap opens the definition; it is the second tap that navigates.
    if (lastPointer !== "touch" && lastPointer !== "pen") return;
    if (term.classList.contains(OPEN)) return;
    event.preventDefault();
    closeAll(term);
    term.classList.remove(DISMISSED);
    term.classList.add(OPEN);
    link.setAttribute("aria-expanded", "true");
  }

  /* "Was this page helpful?": answered in place. The button pressed is sent with the
     form (FormData leaves it out); the thanks replace the form, announced as a status.
     Without this script the endpoint's own page says thank you. */
  function answerInline(form) {
    var pressed = null;
    form.addEventListener("click", function (event) {
      if (event.target.name === "helpful") pressed = event.target;
    });
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) return;
      event.preventDefault();
      var data = new FormData(form);
      var submitter = event.submitter || pressed;
      if (submitter) data.append("helpful", submitter.value);
      function say(ok, text) {
        var note = document.createElement("p");
        note.className = "message";
        note.setAttribute("role", ok ? "status" : "alert");
        note.setAttribute("tabindex", "-1");
        note.textContent = text;
        if (ok) {
          form.replaceWith(note);
        } else {
          form.insertBefore(note, form.firstChild);
        }
        note.focus();
      }
      fetch(form.action, { method: "POST", body: data, credentials: "omit" })
        .then(function (response) {
          if (response.ok) {
            say(true, "Thank you for your feedback. It helps us improve this page.");
          } else if (response.status === 429) {
            say(false, "You have sent many answers in a short time. Try again in an hour.");
          } else {
            say(false, "Sorry, your answer could not be sent. Keep the comment short and try again.");
          }
        })
        .catch(function () {
          say(false, "Sorry, your answer could not be sent. Check your connection and try again.");
        });
    });
  }

  function init() {
    document.querySelectorAll("[data-helpful]").forEach(answerInline);
    var found = terms();
    if (found.length) {
      found.forEach(function (term) {
        addMoreLink(term);
        // A dismissed definition may show again once both pointer and focus have left
        // the term: were it to come back while either stays, the text below would jump
        // under a tap that is on its way elsewhere.
        term.addEventListener("mouseleave", function () {
          if (!term.matches(":focus-within")) term.classList.remove(DISMISSED);
        });
        term.addEventListener("focusout", function (event) {
          if (term.contains(event.relatedTarget)) return;
          close(term);
          if (!term.matches(":hover")) term.classList.remove(DISMISSED);
        });
      });
      document.addEventListener(
        "pointerdown",
        function (event) {
          lastPointer = event.pointerType || "";
          if (!event.target.closest || !event.target.closest(".term")) closeAll(null);
        },
        true
      );
      document.addEventListener("click", onTermClick);
      document.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" && event.key !== "Esc") return;
        found.forEach(function (term) {
          if (term.classList.contains(OPEN) || term.matches(":hover, :focus-within")) {
            close(term);
            term.classList.add(DISMISSED);
          }
        });
      });
      document.addEventListener("keydown", function () {
        lastPointer = "";  // Enter on a focused term is a keyboard's: it navigates
      }, true);
    }
    followReferrer();
  }

  /* The article's breadcrumb names the topic the reader came from, when that is one of
     the article's topics. Read here, from the Referer, rather than sent to the server (a
     ?from= on the address), so that the page cache keeps one copy of each article. */
  function followReferrer() {
    var crumb = document.querySelector("[data-crumb-topic]");
    var topics = document.querySelector("[data-article-topics]");
    if (!crumb || !topics || !document.referrer) return;
    var from;
    try {
      from = new URL(document.referrer);
    } catch (error) {
      return;
    }
    if (from.origin !== window.location.origin) return;
    var links = topics.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i += 1) {
      if (new URL(links[i].href).pathname === from.pathname) {
        crumb.setAttribute("href", links[i].getAttribute("href"));
        crumb.textContent = links[i].textContent;
        return;
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
