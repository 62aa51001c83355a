from django.urls import path, register_converter

from . import feeds, sitemaps, views


class ImageKey:
    """Image.key: the random part of a rendition's address."""

    regex = "[A-Za-z0-9_-]{20,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RenditionName(ImageKey):
    """<width>.<ext> of one of an image's renditions (articles/images.py)."""

    regex = r"[0-9]{1,5}\.(?:webp|jpg|png)"


register_converter(ImageKey, "imagekey")
register_converter(RenditionName, "rendition")

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("topics/", views.topic_index, name="topic_index"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("topics/<slug:slug>/feed/", feeds.TopicArticlesFeed(), name="topic_feed"),
    path("topics/<slug:slug>/feed/atom/", feeds.TopicArticlesAtomFeed(), name="topic_feed_atom"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("authors/<slug:slug>/", views.author, name="author"),
    # The addresses author pages had until issue 23: the login name (any username's shape).
    path("authors/<str:username>/", views.author_moved, name="author_moved"),
    path("search/", views.search, name="search"),
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    path("about/<slug:slug>/", views.page, name="page"),
    path("report-a-problem/", views.report_problem, name="report"),
    path("was-this-helpful/", views.helpful, name="helpful"),
    path("contact/", views.contact, name="contact"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("site.webmanifest", views.web_manifest, name="web_manifest"),
    path("images/<imagekey:key>/<rendition:name>", views.image, name="image"),
]
