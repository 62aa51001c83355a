import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import InvalidPage
from django.db import connection, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User
from hub.ratelimit import client_ip, rate_limited, too_many

from . import cache as page_cache
from . import crisis_help, helpfulness, images, notifications, reads, structured_data, upkeep
from .cache import (
    PagePart,
    article_key,
    author_key,
    byline_key,
    made_from,
    page_part,
    public_page,
    shows,
    topic_key,
    topic_name_key,
    with_parts,
)
from .crisis import signals_crisis
from .forms import HelpfulnessForm, ProblemReportForm
from .markdown import lead_image
from .models import (
    Article,
    Audience,
    Consent,
    CrisisSearchDay,
    Image,
    ImageUse,
    Page,
    ProblemReport,
    Topic,
    needs_crisis_help,
    safety_notices,
)
from .pagination import CountedPaginator, UncountedPage, page_number
from .search import find

PAGE_SIZE = 20


@public_page
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # A featured topic with nothing published yet ("Depression – 0 articles") leads nowhere.
    featured = Topic.objects.filter(is_featured=True).with_public_count().filter(num_articles__gt=0)
    context = {"featured": featured, "latest": reads.latest(8)}
    return shows(render(request, "articles/home.html", context), page_cache.HOME)


# Up to this many topics the A–Z index is one page; beyond, one letter a page, paginated.
INDEX_ONE_PAGE = 300
INDEX_PAGE_SIZE = 50
# The A–Z bar always shows every letter, so that a reader sees a letter has no topics
# rather than wondering where it went.
ALPHABET = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def alphabet(letters) -> list[tuple[str, bool]]:
    """(letter, has topics) for the A–Z bar: "#" when used, A to Z, then other alphabets'."""
    used = set(letters)
    others = sorted(used - set(ALPHABET) - {"#"})
    return [(letter, letter in used) for letter in ["#"] * ("#" in used) + [*ALPHABET, *others]]


@public_page(query=("letter", "page"))
@require_safe
def topic_index(request: HttpRequest) -> HttpResponse:
    """Topics A to Z, filed by Topic.index_letter: two queries, whatever the size.

    1. the letters that have topics, and whether there are more than INDEX_ONE_PAGE
    2. the topics shown, each with its count of public articles (reads.py).
    With more than INDEX_ONE_PAGE topics, a page shows one letter's (?letter=, the first by
    default), INDEX_PAGE_SIZE at a time. A letter's pages are not counted, which would read
    every topic under it on every page; each links to the next while there is one.
    """
    letters, topics = reads.index_letters(up_to=INDEX_ONE_PAGE + 1)
    if topics <= INDEX_ONE_PAGE:
        # One page: ?letter= and ?page= change nothing.
        entries = reads.topic_index()
        context = {"letters": entries, "alphabet": alphabet(entries)}
        return shows(render(request, "articles/topic_index.html", context), page_cache.INDEX)

    nav = sorted(letters)  # "#" first, then A to Z, then other alphabets
    letter = request.GET.get("letter") or nav[0]
    if letter not in letters:  # checked before any query: PostgreSQL refuses a NUL, say
        raise Http404("No topics are filed under that letter.")
    try:
        number = page_number(request.GET.get("page"))
    except InvalidPage:
        raise Http404("No such page.") from None
    rows = reads.letter_entries(
        letter, offset=(number - 1) * INDEX_PAGE_SIZE, limit=INDEX_PAGE_SIZE + 1
    )
    if not rows:  # past the letter's last page
        raise Http404("No such page.")
    page = UncountedPage(rows, number, INDEX_PAGE_SIZE)
    context = {
        "letters": {letter: page.object_list},
        "alphabet": alphabet(letters),
        "letter": letter,
        "page_obj": page,
    }
    response = shows(render(request, "articles/topic_index.html", context), page_cache.INDEX)
    return made_from(
        response, letter=_given(request, "letter", letter), page=_given(request, "page", number)
    )


def _given(request: HttpRequest, name: str, value):
    """`value`, the view's reading of ?name=, if the request gave it (for made_from())."""
    return value if name in request.GET else None


def _page_or_404(objects, number, *, count: int | None = None, per_page: int = PAGE_SIZE):
    """One page of `objects`; `count`, when known already, spares the paginator a COUNT."""
    paginator = CountedPaginator(objects, per_page, count=count)
    try:
        return paginator.page(number or 1)
    except InvalidPage:
        raise Http404("No such page.") from None


@public_page(query=("audience", "page"))
@require_safe
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = reads.topic_page(slug)
    if topic is None:
        raise Http404("No such topic.")
    audience = request.GET.get("audience", "")
    if audience in Audience.values:
        count = None
    else:
        # Counted from the stored count with the topic: no COUNT over its articles.
        audience, count = "", topic.num_articles
    cards = reads.TopicCards(topic.pk, audience=audience)
    page = _page_or_404(cards, request.GET.get("page"), count=count)
    others = []
    if audience and not page.object_list:
        # Nothing for this audience: say what there is for the others, rather than
        # "nothing published" on a topic that has articles (one COUNT each, only here).
        others = [
            (value, label, n)
            for value, label in Audience.choices
            if value != audience and (n := reads.TopicCards(topic.pk, audience=value).count())
        ]
    context = {
        "topic": topic,
        "cards": page.object_list,
        "page_obj": page,
        "related_topics": reads.related_topics(topic.pk),
        "care_cards": crisis_help.care_cards(topic_ids=[topic.pk]),
        "audience": audience,
        "audience_label": Audience(audience).label if audience else "",
        "other_audiences": others,
        "audiences": Audience.choices,
        "jsonld": structured_data.as_script(structured_data.topic_data(topic, request)),
    }
    response = render(request, "articles/topic_detail.html", context)
    # Its cards are of its articles: a change to one retires topic:<id> (upkeep.py).
    shows(
        response,
        topic_key(topic.pk),
        *(topic_name_key(t.pk) for t in context["related_topics"]),
    )
    if topic.medical_reviewer_id:  # linked by their public slug
        shows(response, byline_key(topic.medical_reviewer_id))
    return made_from(response, audience=audience or None, page=_given(request, "page", page.number))


@public_page
@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = reads.article_page(slug)
    if article is None:
        raise Http404("No such article.")
    topics = reads.topics_of(article.pk)
    lead = lead_image(article.body_html)
    jsonld = structured_data.article_data(article, topics, request, image=lead)
    context = {
        "article": article,
        "lead_image": lead,
        "topics": topics,
        "safety_notices": safety_notices(topics),
        "crisis_help": needs_crisis_help(topics),
        "care_cards": crisis_help.care_cards(
            topic_ids=[topic.pk for topic in topics], article_id=article.pk
        ),
        "jsonld": structured_data.as_script(jsonld),
    }
    related = None
    if topics:
        scope = ",".join(str(pk) for pk in sorted(topic.pk for topic in topics))
        related = PagePart("related", scope, variant=str(article.pk))
        context["related"] = related.mark
    response = shows(
        render(request, "articles/article_detail.html", context),
        article_key(article.pk),
        *(topic_name_key(topic.pk) for topic in topics),
        *(byline_key(pk) for pk in (article.author_id, article.medical_reviewer_id) if pk),
    )
    return with_parts(response, related) if related else response


@page_part("related")
def related_articles(scope: str) -> tuple[dict[str, str], set[str]]:
    """The "Related articles" of the pages of articles in these topics (`scope`: their
    ids): one query, rendered for each article that may be in the list (its own page
    leaves it out) and for every other (""). Named by what could change it
    (upkeep.related_list_keys()), so a publish re-renders only the lists it enters."""
    topic_ids = [int(pk) for pk in scope.split(",")]
    ranked = reads.related(topic_ids, limit=reads.RELATED_LIMIT + 1)

    def section(leaving_out: int | None) -> str:
        cards = [card for pk, _, card in ranked if pk != leaving_out][: reads.RELATED_LIMIT]
        return render_to_string("includes/related_articles.html", {"cards": cards})

    variants = {"": section(None)} | {str(pk): section(pk) for pk, _, _ in ranked}
    keys = upkeep.related_list_keys(
        topic_ids, [shared for _, shared, _ in ranked], full=len(ranked) > reads.RELATED_LIMIT
    )
    return variants, keys | {article_key(pk) for pk, _, _ in ranked}


AUTHOR_PAGE_SIZE = 50
_PUBLIC_PEOPLE = reads.PUBLIC_PEOPLE
NO_SUCH_AUTHOR = "No such author."


@public_page
@require_safe
def author(request: HttpRequest, slug: str) -> HttpResponse:
    person = _PUBLIC_PEOPLE.filter(public_slug=slug).distinct().first()
    if person is None:
        return author_moved(request, slug)
    context = {
        "person": person,
        "written": reads.by_author(person.pk, AUTHOR_PAGE_SIZE),
        "reviewed": reads.reviewed_by(person.pk, AUTHOR_PAGE_SIZE),
    }
    return shows(render(request, "articles/author.html", context), author_key(person.pk))


@require_safe
def author_moved(request: HttpRequest, username: str) -> HttpResponse:
    """/authors/<username>/, the old address: 301 to the page by its public slug.

    Only for people who have a public page. Anyone else's username gets the same 404 as a
    slug nobody has, after the same queries, so it tells nothing of the accounts there are.
    """
    try:
        User.username_validator(username)
    except ValidationError:  # no account has such a name (a NUL, a space...)
        raise Http404(NO_SUCH_AUTHOR) from None
    slug = _PUBLIC_PEOPLE.filter(username=username).values_list("public_slug", flat=True).first()
    if not slug:
        raise Http404(NO_SUCH_AUTHOR)
    return redirect("articles:author", slug=slug, permanent=True)


@rate_limited("search", limit=120, window_seconds=60, methods=("GET",))
@public_page(query=("q", "page"))
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    # A repeated ?q= takes the first; bad input of any kind gets a message, never an error.
    raw = next(iter(request.GET.getlist("q")), "")
    results = find(raw, page=request.GET.get("page"))
    # Read from what was typed, not what search kept of it: help comes first whatever the
    # results, even none, or a message about the query.
    crisis = signals_crisis(raw)
    context = {"results": results, "query": results.query, "page_obj": results.page}
    response = shows(
        render(request, "articles/search.html", dict(context, crisis=crisis)), page_cache.SEARCH
    )
    if crisis:
        if request.method == "GET":
            CrisisSearchDay.count_one()  # only the day's count: never the words
        # Never stored, here or by a CDN or browser: every such search is counted, each
        # answer is rendered with the card, and nobody's words stay in a shared cache.
        response.public_page = False
        patch_cache_control(response, private=True, no_store=True)
        return response
    # Off by default: every query is a page of its own, and rarely asked twice.
    response.public_page = settings.PAGE_CACHE_SEARCH
    # Stored (with PAGE_CACHE_SEARCH) only for the query as cleaned: "  flu " is not kept
    # apart from "flu", nor page 999 of a query that has two.
    number = results.page.number if results.page else None
    return made_from(
        response, q=_given(request, "q", results.query), page=_given(request, "page", number)
    )


@public_page
@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("articles:sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", f"Sitemap: {sitemap}"]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    return shows(response, page_cache.SITE)


@never_cache
# Load balancers and uptime monitors often probe with HEAD.
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


@public_page
@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    # Policy pages: every footer links them, so a change bumps the generation (upkeep.py).
    found = get_object_or_404(Page, slug=slug)
    return shows(render(request, "articles/page.html", {"page": found}), page_cache.SITE)


# Long enough for a browser or CDN to keep a rendition while a page is read; short enough
# that an image taken off the site (consent withdrawn, article archived) leaves caches soon.
IMAGE_PUBLIC_SECONDS = 3600


@require_safe
def image(request: HttpRequest, key: str, name: str) -> HttpResponse:
    """A rendition of a library image (articles/images.py), as stored: no image work.

    Private until used: served to anyone only while a public article shows the image and
    its consent stands (two queries: the image, the use); to staff who may view the
    library otherwise (previews), never cached. Everything else is a 404, the same answer
    as for a key that does not exist, so a path says nothing about what is in the library.
    """
    width, _, ext = name.partition(".")
    found = Image.objects.filter(key=key).only("pk", "consent", "renditions").first()
    if found is None or [int(width), ext] not in [[w, e] for w, _h, e in found.renditions]:
        raise Http404("No such image.")
    public = (
        found.consent != Consent.NOT_GIVEN
        and ImageUse.objects.public().filter(image_id=found.pk).exists()
    )
    if not public and not request.user.has_perm("articles.view_image"):
        raise Http404("No such image.")
    try:
        stored = default_storage.open(Image.file_name(key, int(width), ext), "rb")
    except FileNotFoundError:
        raise Http404("No such image.") from None
    response = FileResponse(stored, content_type=images.CONTENT_TYPES[ext])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = (
        f"public, max-age={IMAGE_PUBLIC_SECONDS}" if public else "private, no-store"
    )
    return response


REPORTS_PER_HOUR = 5


def _reported_page(address: str) -> tuple[Article | None, Topic | None, str]:
    """What ?page= names: (article, topic, address) for one of the site's public pages.

    Only an address on this site that a page answers is kept; anything else (another site,
    junk, a page that does not exist) makes the report a general one.
    """
    if not address.startswith("/") or address.startswith("//") or len(address) > 300:
        return None, None, ""
    if any(ch.isspace() or not ch.isprintable() for ch in address):
        return None, None, ""
    try:
        match = resolve(address)
    except Resolver404:
        return None, None, ""
    if match.namespace != "articles" or match.url_name == "report":
        return None, None, ""
    if match.url_name == "detail":
        article = Article.objects.published().filter(slug=match.kwargs["slug"]).first()
        return article, None, "" if article else address
    if match.url_name == "topic":
        return None, Topic.objects.filter(slug=match.kwargs["slug"]).first(), ""
    return None, None, address


@require_http_methods(["GET", "POST"])
def report_problem(request: HttpRequest) -> HttpResponse:
    """A reader's report about a public article or topic, kept with the version seen; or
    about another page of the site (?page=, its address), or the site in general."""
    article = topic = None
    address = ""
    if slug := request.GET.get("article"):
        article = get_object_or_404(Article.objects.published(), slug=slug)
    elif slug := request.GET.get("topic"):
        topic = get_object_or_404(Topic, slug=slug)
    elif page_address := request.GET.get("page"):
        article, topic, address = _reported_page(page_address)
    subject = article or topic
    context = {"subject": subject, "address": address}

    form = ProblemReportForm(request.POST or None)
    if request.method == "POST":
        if too_many("report", client_ip(request), limit=REPORTS_PER_HOUR, window_seconds=3600):
            response = render(
                request, "articles/report.html", {**context, "form": form, "limited": True}
            )
            response.status_code = 429
            return response
        if form.is_valid():
            if not form.cleaned_data["website"]:
                report = ProblemReport.objects.create(
                    article=article,
                    topic=topic,
                    page_address=address,
                    article_version=article.version if article else None,
                    last_reviewed_seen=article.last_reviewed if article else None,
                    message=form.cleaned_data["message"],
                    email=form.cleaned_data["email"],
                )
                # Editors hear of it by e-mail (and on their admin home).
                transaction.on_commit(lambda: notifications.problem_reported(report_id=report.pk))
            sent = request.GET.copy()
            sent["sent"] = "1"
            return redirect(f"{request.path}?{sent.urlencode()}")
    return render(
        request,
        "articles/report.html",
        {**context, "form": form, "sent": request.GET.get("sent") == "1"},
    )


HELPFUL_VOTES_PER_HOUR = 30


def _same_origin(request: HttpRequest) -> bool:
    """Whether a POST came from one of the hub's own pages, as far as the browser says.
    Browsers send Origin with every POST; a request without it is not a browser's
    cross-site form, and is left to the rate limit."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.get_host()


@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def helpful(request: HttpRequest) -> HttpResponse:
    """A reader's "Was this page helpful?" answer, from an article or topic page.

    Not CSRF-protected like "Report a problem" (whose form is its own, uncached page with
    a token): this form sits on pages served from the page cache to everyone, so it
    cannot carry a token, and a CSRF cookie would make those pages uncacheable. What a
    token guards against cannot happen here: the answer is anonymous and changes nobody's
    account. Cross-site posts are refused by their Origin; floods are rate limited per
    address, and one answer per browser, page and day is kept (articles/helpfulness.py).
    """
    if not _same_origin(request):
        return HttpResponse("Cross-site answers are not accepted.", status=403)
    address = client_ip(request) or ""
    if too_many("helpful", address, limit=HELPFUL_VOTES_PER_HOUR, window_seconds=3600):
        response = render(
            request,
            "429.html",
            {"message": "You have sent many answers in a short time. Try again in an hour."},
            status=429,
        )
        response["Retry-After"] = "3600"
        return response
    form = HelpfulnessForm(request.POST)
    page = None
    if form.is_valid():
        if slug := form.cleaned_data["article"]:
            page = Article.objects.published().filter(slug=slug).first()
        elif slug := form.cleaned_data["topic"]:
            page = Topic.objects.filter(slug=slug).first()
        if page is None:
            raise Http404("No such page.")
        helpfulness.record(
            page=page,
            helpful=form.cleaned_data["helpful"] == "yes",
            comment=form.cleaned_data["comment"],
            address=address,
            agent=request.headers.get("User-Agent", "")[:500],
        )
    return render(
        request,
        "articles/helpful_thanks.html",
        {"form": form, "page": page},
        status=200 if page is not None else 400,
    )


@public_page
@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    response = render(request, "articles/contact.html", {"email": settings.CONTACT_EMAIL})
    return shows(response, page_cache.SITE)


# Drawn by docs/make_icons.py; browsers ask for /favicon.ico whatever the page links.
_FAVICON = settings.BASE_DIR / "static" / "img" / "favicon.ico"


@functools.cache
def _favicon_bytes() -> bytes:
    return _FAVICON.read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=7 * 24 * 3600)
    return response


@public_page
@require_safe
def web_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the icons' hashed addresses are known only at run time."""
    manifest = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME,
        "start_url": reverse("articles:home"),
        "display": "browser",
        "background_color": "#ffffff",
        "theme_color": "#005eb8",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(manifest)
    response["Content-Type"] = "application/manifest+json"
    return shows(response, page_cache.SITE)
