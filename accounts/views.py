from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from articles.cache import public_page
from articles.models import Article

from .models import CLINICIANS, EDITORS, User


@public_page
@require_safe
def author(request: HttpRequest, username: str) -> HttpResponse:
    # Only people who write or review have a public page; other accounts stay private.
    person = get_object_or_404(
        User.objects.filter(is_active=True, groups__name__in=[CLINICIANS, EDITORS]).distinct(),
        username=username,
    )
    articles = Article.objects.published().filter(author=person).for_listing()[:50]
    reviewed = (
        Article.objects.published()
        .filter(Q(medical_reviewer=person) & ~Q(author=person))
        .for_listing()[:50]
    )
    return render(
        request,
        "accounts/author.html",
        {"person": person, "articles": articles, "reviewed": reviewed},
    )
