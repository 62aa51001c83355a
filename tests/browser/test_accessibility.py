"""WCAG 2.2 AA in a real browser: axe-core on every page, keyboard use, reflow, no-CSS order."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from articles.models import Status
from tests.articles.workflow_helpers import article_in_state
from tests.browser.helpers import BROWSER_TEST, PUBLIC_PAGES, SCREENSHOTS, log_in
from tests.factories import ClinicianFactory, EditorFactory, TopicFactory

pytestmark = BROWSER_TEST

# Every WCAG 2.0–2.2 A and AA rule (color-contrast, target-size among them), plus axe's
# best practices (landmarks, heading order), which are reported but rarely "serious".
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
FOCUSABLE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    "[tabindex]:not([tabindex='-1'])"
)


def axe(page) -> dict:
    results = Axe().run(page, options=AXE_OPTIONS).response
    checked = {
        rule["id"] for kind in ("passes", "violations", "incomplete") for rule in results[kind]
    }
    # Text contrast (1.4.3) is axe's color-contrast rule: it must have looked at the text.
    assert "color-contrast" in checked, f"axe did not check contrast on {page.url}"
    return results


def describe(violations: list[dict], where: str) -> list[str]:
    """One readable line per failing element: page, impact, rule, target, help."""
    return [
        f"{where}: [{v['impact']}] {v['id']} at {node['target']}: {v['help']} ({v['helpUrl']})"
        for v in violations
        for node in v["nodes"]
    ]


def test_public_pages_have_no_serious_axe_violations_at_phone_and_desktop_widths(page, public_site):
    problems, reported = [], []
    # 320px, the narrowest phone WCAG reflow asks for, is where content starts to scroll.
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name in PUBLIC_PAGES:
            page.goto(public_site.pages[name])
            violations = axe(page)["violations"]
            reported += describe(violations, f"{name} at {width}px")
            problems += describe(
                [v for v in violations if v["impact"] in BLOCKING], f"{name} at {width}px"
            )
    print("\n".join(reported) or "axe: no violations on the public pages")
    assert not problems, "Serious or critical accessibility problems:\n" + "\n".join(problems)


def test_admin_pages_of_the_journey_have_no_critical_axe_violations(new_context):
    clinician = ClinicianFactory(username="dr-ahmed")
    editor = EditorFactory(username="ed-jones")
    topic = TopicFactory(name="Tinnitus")
    draft = article_in_state(Status.DRAFT, author=clinician, topics=[topic])
    in_review = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    author, reviewer = new_context().new_page(), new_context().new_page()

    found = []
    author.goto("/admin/login/")
    found += describe(axe(author)["violations"], "login")
    log_in(author, clinician)
    author.goto("/admin/articles/article/add/")
    found += describe(axe(author)["violations"], "add article (clinician)")
    author.goto(f"/admin/articles/article/{draft.pk}/change/")
    found += describe(axe(author)["violations"], "change draft (clinician)")
    log_in(reviewer, editor)
    reviewer.goto("/admin/articles/reviewqueueitem/")
    found += describe(axe(reviewer)["violations"], "review queue (editor)")
    reviewer.goto(f"/admin/articles/article/{in_review.pk}/change/")
    found += describe(axe(reviewer)["violations"], "article in review (editor)")

    # Django's own admin has known minor problems: report them all, fail on critical ones.
    report = "\n".join(found) or "axe: no violations on the admin pages"
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "axe-admin.txt").write_text(report + "\n")
    print(report)
    critical = [line for line in found if line.split(": [", 1)[1].startswith("critical")]
    assert not critical, "Critical accessibility problems in the admin:\n" + "\n".join(critical)


def test_first_tab_focuses_the_skip_link_and_enter_moves_focus_to_main(page, public_site):
    page.goto(public_site.pages["article"])
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()


# Which computed styles show focus: a visible outline, a ring, or a change of colour.
FOCUS_STYLE_JS = """(el) => {
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0
        ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : "none";
    return {outline, boxShadow: s.boxShadow, background: s.backgroundColor, color: s.color,
            text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim(),
            tag: el.tagName.toLowerCase()};
}"""


def test_every_link_and_button_on_the_article_page_takes_focus_visibly(page, public_site):
    page.goto(public_site.pages["article"])
    count = page.evaluate(
        """(selector) => {
            const els = [...document.querySelectorAll(selector)]
                .filter((el) => !el.closest(".term__def, [hidden], [aria-hidden=true]"));
            els.forEach((el, i) => el.setAttribute("data-focus-id", i));
            return els.length;
        }""",
        FOCUSABLE,
    )
    assert count > 15, "the article page should have links in header, body, sources and footer"
    unfocused = {
        i: page.locator(f"[data-focus-id='{i}']").evaluate(FOCUS_STYLE_JS) for i in range(count)
    }

    reached, invisible = set(), []
    for _ in range(count + 5):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('data-focus-id')")
        if focused is None:
            continue
        i = int(focused)
        if i in reached:
            break  # wrapped round to the start
        reached.add(i)
        now = page.locator(f"[data-focus-id='{i}']").evaluate(FOCUS_STYLE_JS)
        before = unfocused[i]
        if all(now[k] == before[k] for k in ("outline", "boxShadow", "background")):
            invisible.append(f"{now['tag']} “{now['text'][:40]}”: no focus indicator")

    missed = [
        f"{unfocused[i]['tag']} “{unfocused[i]['text'][:40]}”"
        for i in range(count)
        if i not in reached
    ]
    assert not missed, "Not reachable with Tab: " + "; ".join(missed)
    assert not invisible, "Focus not visible: " + "; ".join(invisible)


def test_linked_term_shows_its_definition_when_its_link_takes_focus(page, public_site):
    page.goto(public_site.pages["article"])
    term = page.locator(".prose span.term").first
    link, definition = term.locator("a.term__link"), term.locator(".term__def")
    expect(definition).to_be_hidden()
    expect(link).to_have_attribute("aria-describedby", definition.get_attribute("id"))

    page.locator("main#main-content").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if link.evaluate("(el) => el === document.activeElement"):
            break
    expect(link).to_be_focused()
    expect(definition).to_be_visible()
    expect(definition).not_to_be_empty()
    page.keyboard.press("Tab")
    expect(definition).to_be_hidden()


def test_no_public_page_scrolls_sideways_at_320px(new_context, public_site):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    too_wide = []
    for name in PUBLIC_PAGES:
        page.goto(public_site.pages[name])
        width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if width[0] > width[1]:
            too_wide.append(f"{name}: {width[0]}px of content in a {width[1]}px window")
    assert not too_wide, "Horizontal scrolling at 320px:\n" + "\n".join(too_wide)


@pytest.mark.parametrize("width", [320, 768, 1024])
def test_focused_term_definition_stays_inside_the_window(new_context, public_site, width):
    page = new_context(viewport={"width": width, "height": 640}).new_page()
    for name in ("article", "topic"):
        page.goto(public_site.pages[name])
        for link in page.locator(".prose a.term__link").all():
            link.focus()
            scroll_width, client_width = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll_width <= client_width, f"{name}: “{link.inner_text()}” overflows"


def test_article_reads_in_order_without_css(page, public_site):
    page.goto(public_site.pages["article"])
    page.evaluate(
        "document.querySelectorAll('link[rel=stylesheet], style').forEach((el) => el.remove())"
    )
    assert page.evaluate("document.styleSheets.length") == 0

    def top(selector: str) -> float:
        return page.locator(selector).first.evaluate(
            "(el) => el.getBoundingClientRect().top + window.scrollY"
        )

    order = [
        ("title", top("main h1")),
        ("summary", top("main .lead")),
        ("first body heading", top(".prose > h2")),
        (
            "last body heading",
            page.locator(".prose > h2").last.evaluate(
                "(el) => el.getBoundingClientRect().top + window.scrollY"
            ),
        ),
        ("sources", top("h2#sources")),
    ]
    tops = [y for _, y in order]
    assert tops == sorted(tops) and len(set(tops)) == len(tops), f"out of order: {order}"
