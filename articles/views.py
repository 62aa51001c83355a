from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from .models import Article, Topic, safety_notices
from .search import clean_query, search_articles, search_topics

PAGE_SIZE = 20


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    featured = Topic.objects.filter(is_featured=True).with_article_counts()
    latest = Article.objects.published().for_listing()[:8]
    return render(request, "articles/home.html", {"featured": featured, "latest": latest})


@require_GET
def topic_index(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.with_article_counts().order_by("name")
    letters: dict[str, list[Topic]] = {}
    for topic in topics:
        first = topic.name[:1].upper()
        letters.setdefault(first if first.isalpha() else "#", []).append(topic)
    return render(request, "articles/topic_index.html", {"letters": letters})


class TopicDetailView(ListView):
    template_name = "articles/topic_detail.html"
    context_object_name = "articles"
    paginate_by = PAGE_SIZE
    http_method_names = ["get", "head"]

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return Article.objects.published().filter(topics=self.topic).for_listing()

    def get_context_data(self, **kwargs):
        related = self.topic.related.with_article_counts().order_by("name")
        return super().get_context_data(topic=self.topic, related_topics=related, **kwargs)


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"
    http_method_names = ["get", "head"]

    def get_queryset(self):
        return (
            Article.objects.published()
            .select_related("author", "medical_reviewer")
            .prefetch_related("topics")
        )

    def get_context_data(self, **kwargs):
        topics = list(self.object.topics.all())
        return super().get_context_data(
            topics=topics, safety_notices=safety_notices(topics), **kwargs
        )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    query = clean_query(raw)
    context = {"raw_query": raw[:200], "query": query, "topics": [], "page_obj": None}
    if query:
        context["topics"] = search_topics(query)[:10]
        paginator = Paginator(search_articles(query), PAGE_SIZE)
        try:
            context["page_obj"] = paginator.page(request.GET.get("page", 1))
        except InvalidPage as exc:
            raise Http404("No such page of results.") from exc
    return render(request, "articles/search.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})
