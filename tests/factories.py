import datetime

import factory
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import CLINICIANS, EDITORS, MEDICAL_REVIEWERS, User
from accounts.roles import sync_roles
from articles.models import Article, Status, Topic

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _set_roles(self, create, extracted or [])


def _set_roles(user, create, names):
    if create:
        groups = Group.objects.filter(name__in=names)
        if names and len(groups) < len(set(names)):
            # A transactional test's flush removed the groups the data migration made.
            sync_roles(apps)
        user.groups.set(Group.objects.filter(name__in=names))
        user.save()


class ClinicianFactory(UserFactory):
    credentials = "MD"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _set_roles(self, create, extracted or [CLINICIANS])


class EditorFactory(UserFactory):
    """An editor who is a doctor, and so also a medical reviewer: one press approves."""

    credentials = "MBBS, FRCP"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _set_roles(self, create, extracted or [EDITORS, MEDICAL_REVIEWERS])


class LayEditorFactory(UserFactory):
    """A copy editor with no clinical qualification: approves only what a medical
    reviewer signed off."""

    credentials = ""

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _set_roles(self, create, extracted or [EDITORS])


class MedicalReviewerFactory(UserFactory):
    """A clinically qualified reviewer who is not an editor."""

    credentials = "MD, MRCP"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _set_roles(self, create, extracted or [MEDICAL_REVIEWERS])


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Topic {n}")
    headline = factory.LazyAttribute(lambda t: f"{t.name}: what you need to know")
    definition = factory.LazyAttribute(lambda t: f"A plain definition of {t.name.lower()}.")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A draft by default; PublishedArticleFactory for one readers can see."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    summary = factory.Faker("sentence", nb_words=14)
    body = "Some careful text.[^1]\n\n[^1]: Smith J. A trial. *BMJ*. 2020;1:1."
    author = factory.SubFactory(ClinicianFactory)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(list(extracted))


class PublishedArticleFactory(ArticleFactory):
    status = Status.PUBLISHED
    live = True
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    medical_reviewer = factory.SubFactory(EditorFactory)
    last_reviewed = factory.LazyFunction(lambda: timezone.localdate())
    next_review_due = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365)
    )


# --- The people and topics many tests share ---------------------------------------------------
# Declared once, here; tests/conftest.py serves each as a fixture of its own (`psychiatrist`,
# `medical_editor`, `esketamine`, `trd`, `depression`). A test that needs a variation passes
# the field: EsketamineFactory(aliases="").


class PsychiatristFactory(ClinicianFactory):
    """Amara Okafor, MD, MRCPsych: a consultant psychiatrist with a bio and a disclosure."""

    username = "aokafor"
    first_name = "Amara"
    last_name = "Okafor"
    credentials = "MD, MRCPsych"
    professional_title = "Consultant psychiatrist"
    bio = "Amara leads a mood disorders clinic."
    disclosures = "Paid talks for Acme Pharma, 2024."


class MedicalEditorFactory(EditorFactory):
    """James Whitfield, MBBS, FRCP: the editor who reviews articles medically."""

    username = "jwhitfield"
    first_name = "James"
    last_name = "Whitfield"
    credentials = "MBBS, FRCP"
    professional_title = "Medical editor"


class EsketamineFactory(TopicFactory):
    name = "Esketamine"
    aliases = "Spravato\nesketamine nasal spray"
    definition = "A nasal spray form of ketamine."


class TreatmentResistantDepressionFactory(TopicFactory):
    name = "Treatment-resistant depression"
    aliases = "TRD"
    definition = "Depression that has not improved after two antidepressants."


class DepressionFactory(TopicFactory):
    name = "Depression"
    aliases = "clinical depression"
    definition = "Low mood that lasts."


# --- Articles readers must not see (public-side tests) ------------------------------------


class ScheduledArticleFactory(PublishedArticleFactory):
    """Approved, with a publish time still to come: public only from that moment."""

    published_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))


class ArchivedArticleFactory(PublishedArticleFactory):
    """Published once, then taken off the site."""

    status = Status.ARCHIVED
    live = False


# Every way an article can be hidden from readers, by the name used in test ids.
HIDDEN_STATES = {
    "draft": lambda **kw: ArticleFactory(status=Status.DRAFT, **kw),
    "in_review": lambda **kw: ArticleFactory(status=Status.IN_REVIEW, **kw),
    "changes_requested": lambda **kw: ArticleFactory(status=Status.CHANGES_REQUESTED, **kw),
    "scheduled": lambda **kw: ScheduledArticleFactory(**kw),
    "archived": lambda **kw: ArchivedArticleFactory(**kw),
}


def hidden_article(state: str, **fields) -> Article:
    """An article in `state` (a key of HIDDEN_STATES), which readers must never see."""
    return HIDDEN_STATES[state](**fields)
