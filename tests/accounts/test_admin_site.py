import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_clinicians_see_my_articles_in_the_admin_index(client, clinician):
    client.force_login(clinician)
    html = client.get(reverse("admin:index")).content.decode()
    assert "My articles" in html
    assert "Review queue" not in html


def test_editors_see_articles_review_queue_and_due_list(client, editor):
    client.force_login(editor)
    html = client.get(reverse("admin:index")).content.decode()
    assert "My articles" not in html
    assert "Review queue" in html and "Due for review" in html
