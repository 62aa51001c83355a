from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("topics/", views.topic_index, name="topic_index"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("search/", views.search, name="search"),
    path("healthz", views.healthz, name="healthz"),
]
