"""The standing pages every health publisher owes its readers, as first written.

Editors keep them current in the admin; this text only seeds a new site.
"""

POLICY_PAGES = [
    {
        "slug": "editorial-policy",
        "title": "How we write and review our information",
        "body": """\
Every article on this site is written by a registered clinician and checked by a second,
independent medical reviewer before anyone can read it. Nobody approves their own work.

## How an article is made

1. A clinician writes the article in plain language and cites the evidence for every
   important statement. An article cannot be sent for review without sources.
2. An editor checks it against those sources, for plain language, for balance and for any
   conflict of interest, then either asks for changes or approves it.
3. Each page shows who wrote it, who reviewed it, when it was last reviewed and when the
   next review is due.

## Keeping information current

Articles are reviewed at least every 12 months, sooner when the evidence changes. If a
review is overdue, the page says so. You can report a problem on any page, and an editor
reads every report.

## What we do not do

We do not accept payment for content, and we do not promote products or services.
""",
    },
    {
        "slug": "funding",
        "title": "Funding and advertising",
        "body": """\
This site carries **no advertising** and no sponsored content. We do not accept money from
companies that make medicines, devices or treatments in exchange for content.

Authors and reviewers declare their conflicts of interest, which are shown on their
profile pages.
""",
    },
    {
        "slug": "accessibility",
        "title": "Accessibility statement",
        "body": """\
We want everyone to be able to use this site, including people who use screen readers,
keyboard navigation, magnification or older phones.

We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. Pages can
be used at 320 pixels wide, work without images or styles, and are tested with automated
accessibility checks.

If you find a part of the site hard to use, please report a problem from any page.
""",
    },
]
