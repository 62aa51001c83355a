from django.urls import path, re_path

from . import feeds, sitemaps, views

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
    # The key is Image.key; the name one of its renditions (articles/images.py).
    re_path(
        r"^images/(?P<key>[A-Za-z0-9_-]{20,64})/(?P<name>[0-9]{1,5}\.(?:webp|jpg|png))$",
        views.image,
        name="image",
    ),
]
