"""`manage.py load_demo`: the seed's topics and article and one user per role, run again safely."""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import TestCase, override_settings

from accounts.models import CLINICIANS, EDITORS, MEDICAL_REVIEWERS, User
from articles.management.commands.load_demo import ARTICLES  # the articles it loads
from articles.models import Article, ArticleTopic, Image, Topic, TopicCode

SEED_ARTICLE = "ketamine-and-esketamine-rapid-acting-options-for-depression"
PASSWORD_LINE = re.compile(r"^\s*(\w+)\s+password: (\S+)$", re.M)


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class LoadDemoTwiceTests(TestCase):
    """Everything here holds after the command has run twice (it must be idempotent)."""

    @classmethod
    def setUpTestData(cls):
        load_demo()
        cls.output = load_demo()

    def test_demo_has_seven_topics_when_loaded_twice(self):
        assert Topic.objects.count() == 7

    def test_a_portal_finds_the_depression_topic_by_its_icd10_code_when_loaded_twice(self):
        answer = self.client.get("/api/v1/lookup", {"system": "icd10", "code": "F32"}).json()

        assert [t["name"] for t in answer["items"]] == ["Depression"]
        assert TopicCode.objects.filter(code="F32").count() == 1

    def test_demo_has_one_row_per_demo_article_when_loaded_twice(self):
        assert sorted(Article.objects.values_list("slug", flat=True)) == sorted(
            spec["slug"] for spec in ARTICLES
        )

    def test_demo_links_each_article_to_its_topics_once_when_loaded_twice(self):
        links = list(ArticleTopic.objects.values_list("content_object_id", "tag_id"))

        assert len(links) == len(set(links)) == sum(len(spec["topics"]) for spec in ARTICLES)

    def test_seed_article_is_public_when_demo_is_loaded(self):
        article = Article.objects.get(slug=SEED_ARTICLE)

        response = self.client.get(article.get_absolute_url())

        assert article.is_public
        assert response.status_code == 200

    def test_seed_article_is_on_the_ketamine_topic_page_when_demo_is_loaded(self):
        article = Article.objects.get(slug=SEED_ARTICLE)

        response = self.client.get("/topics/ketamine-for-depression/")

        self.assertContains(
            response, f'<a href="{article.get_absolute_url()}">{article.title}</a>', html=True
        )

    def test_demo_has_three_users_when_loaded_twice(self):
        assert sorted(User.objects.values_list("username", flat=True)) == [
            "admin",
            "clinician",
            "editor",
        ]

    def test_demo_clinician_is_only_a_clinician_when_demo_is_loaded(self):
        user = User.objects.get(username="clinician")

        assert list(user.groups.values_list("name", flat=True)) == [CLINICIANS]
        assert user.is_staff and not user.is_superuser

    def test_demo_editor_is_an_editor_and_a_medical_reviewer_when_demo_is_loaded(self):
        user = User.objects.get(username="editor")

        assert set(user.groups.values_list("name", flat=True)) == {EDITORS, MEDICAL_REVIEWERS}
        assert user.is_medical_reviewer
        assert user.is_staff and not user.is_superuser

    def test_demo_admin_is_a_superuser_without_roles_when_demo_is_loaded(self):
        user = User.objects.get(username="admin")

        assert list(user.groups.values_list("name", flat=True)) == []
        assert user.is_staff and user.is_superuser

    def test_demo_keeps_one_group_per_role_when_loaded_twice(self):
        assert Group.objects.filter(name=CLINICIANS).count() == 1
        assert Group.objects.filter(name=EDITORS).count() == 1

    def test_demo_prints_a_working_password_per_user_when_loaded(self):
        printed = dict(PASSWORD_LINE.findall(self.output))

        assert sorted(printed) == ["admin", "clinician", "editor"]
        for username, password in printed.items():
            assert User.objects.get(username=username).check_password(password)


@pytest.mark.django_db
def test_seed_article_shows_the_demo_diagram_when_demo_is_loaded(client):
    load_demo()
    load_demo()
    assert Image.objects.count() == 1
    image = Image.objects.get()
    article = Article.objects.get(slug=ARTICLES[0]["slug"])
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<figure" in page and image.alt_text in page and image.credit in page
    width, _height, ext = image.renditions[0]
    assert client.get(image.rendition_url(width, ext)).status_code == 200
