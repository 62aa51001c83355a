from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from articles import reads
from articles.cache import public_page

from .models import CLINICIANS, EDITORS, User

AUTHOR_PAGE_SIZE = 50


@public_page
@require_safe
def author(request: HttpRequest, username: str) -> HttpResponse:
    # Only people who write or review have a public page; other accounts stay private.
    person = get_object_or_404(
        User.objects.filter(is_active=True, groups__name__in=[CLINICIANS, EDITORS]).distinct(),
        username=username,
    )
    context = {
        "person": person,
        "written": reads.by_author(person.pk, AUTHOR_PAGE_SIZE),
        "reviewed": reads.reviewed_by(person.pk, AUTHOR_PAGE_SIZE),
    }
    return render(request, "accounts/author.html", context)
