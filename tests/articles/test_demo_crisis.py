"""`manage.py load_demo`: the UK and US helplines, care cards and mental-health topics."""

import pytest
from django.test import TestCase, override_settings

from articles.models import CareCard, Helpline, Topic
from tests.articles.crisis_helpers import card, links
from tests.articles.test_demo import load_demo
from tests.html import parse


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class DemoCrisisHelpTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()
        Helpline.objects.filter(name="Samaritans").update(hours="Edited by an editor")
        load_demo()

    def test_uk_lines_come_first_with_nhs_111_and_shout_when_demo_is_loaded(self):
        assert links(self.client.get("/search/", {"q": "I want to die"})) == [
            "tel:999",
            "tel:116123",
            "tel:111",
            "sms:85258",
            "tel:911",
            "tel:988",
            "sms:988",
        ]

    def test_nhs_111_says_option_2_for_mental_health(self):
        text = card(self.client.get("/")).text
        assert "NHS 111: Choose option 2 for the mental health crisis line" in text

    def test_lines_are_loaded_once_and_editors_changes_kept_when_loaded_twice(self):
        assert Helpline.objects.count() == 6
        assert Helpline.objects.get(name="Samaritans").hours == "Edited by an editor"

    def test_depression_and_ketamine_topics_are_mental_health_when_demo_is_loaded(self):
        assert set(Topic.objects.filter(mental_health=True).values_list("name", flat=True)) == {
            "Depression",
            "Treatment-resistant depression",
            "Ketamine for depression",
        }

    def test_depression_page_has_help_and_three_care_cards_when_demo_is_loaded(self):
        response = self.client.get(Topic.objects.get(name="Depression").get_absolute_url())
        assert card(response) is not None
        labels = [e.text for e in parse(response).select(".care-card__label")]
        assert labels == [label for _, label in CareCard.Level.choices]


@pytest.mark.django_db
def test_every_demo_line_passes_the_admins_validation():
    load_demo()
    for line in Helpline.objects.all():
        line.full_clean()
