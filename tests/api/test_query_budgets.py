"""Each endpoint costs a fixed number of queries, with 5 articles as with 50."""

import pytest

from articles.models import TopicCode
from tests.api.helpers import get, issue_key
from tests.articles.public_helpers import published_articles
from tests.factories import ClinicianFactory, EditorFactory, TopicFactory

pytestmark = pytest.mark.django_db

BUDGETS = [
    ("/topics", 2),
    ("/topics/{topic}", 4),
    ("/articles", 2),
    ("/articles?topic={topic}", 2),
    ("/articles?topic={topic}&audience=patients", 3),
    ("/articles?page=1&audience=patients", 2),
    ("/articles/{article}", 2),
    ("/authors/{author}", 3),
    ("/lookup?system=icd10&code=F32.A", 1),
]


@pytest.mark.parametrize("size", [5, 50])
@pytest.mark.parametrize(("template", "expected"), BUDGETS)
def test_fixed_queries(client, django_assert_num_queries, size, template, expected):
    author, reviewer = ClinicianFactory(), EditorFactory()
    topics = [TopicFactory() for _ in range(3)]
    TopicCode.objects.create(topic=topics[0], system="icd10", code="F32.A")
    articles = published_articles(size, topics=topics, authors=[author], reviewer=reviewer)
    path = template.format(
        topic=topics[0].slug, article=articles[0].slug, author=author.public_slug
    )
    with django_assert_num_queries(expected):
        assert get(client, path).status_code == 200


def test_a_key_costs_one_query(client, django_assert_num_queries, settings):
    settings.API_USAGE_FLUSH_EVERY = 1000
    TopicFactory()
    _key, secret = issue_key()
    with django_assert_num_queries(3):  # the key, then the list's two
        assert get(client, "/topics", key=secret).status_code == 200
