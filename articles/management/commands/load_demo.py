"""Idempotent demo content: the seed's topics and article, and one user per role."""

import datetime
import io
import secrets

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import CLINICIANS, EDITORS, MEDICAL_REVIEWERS, User
from articles import images, library, upkeep, workflow
from articles.cache import check_no_bump_owed, content_changed
from articles.models import (
    Article,
    ArticleTopic,
    CareCard,
    Consent,
    Helpline,
    Image,
    Topic,
    TopicCode,
    set_related_topics,
)

from . import _demo_diagram as diagram
from ._demo_content import ARTICLES, CARE_CARDS, HELPLINES, TOPIC_CODES, TOPICS

# The seed article shows the diagram after its first paragraph.
ILLUSTRATED = ARTICLES[0]["slug"]

DEMO_USERS = [
    {
        "username": "clinician",
        "first_name": "Amara",
        "last_name": "Okafor",
        "credentials": "MD, MRCPsych",
        "professional_title": "Consultant psychiatrist",
        "bio": "Amara leads a mood disorders clinic and writes about treatments for "
        "depression that has not responded to first-line care.",
        "disclosures": "None declared.",
        "groups": [CLINICIANS],
    },
    {
        "username": "editor",
        "first_name": "James",
        "last_name": "Whitfield",
        "credentials": "MBBS, FRCP",
        "professional_title": "Medical editor",
        "bio": "James checks every article against its sources before it is published.",
        "disclosures": "None declared.",
        # A doctor: also a medical reviewer, so one press both signs off and approves.
        "groups": [EDITORS, MEDICAL_REVIEWERS],
    },
    {"username": "admin", "first_name": "Site", "last_name": "Administrator", "groups": []},
]


class Command(BaseCommand):
    help = "Load the demo topics, article and users (safe to run again)."

    # Setting up a demo is not news: keep the workflow's e-mails out of the console.
    @override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    @transaction.atomic
    def handle(self, *args, **options):
        users = {spec["username"]: self._user(spec) for spec in DEMO_USERS}
        topics = self._topics()
        figure = self._diagram(owner=users["clinician"])
        for spec in ARTICLES:
            if spec["slug"] == ILLUSTRATED:
                first, rest = spec["body"].split("\n\n", 1)
                spec = {**spec, "body": f"{first}\n\n![](image:{figure.pk})\n\n{rest}"}
            self._article(spec, topics, author=users["clinician"], editor=users["editor"])
        self._crisis_help(topics)
        for topic in topics.values():
            # The demo's medical editor signs its topics off once, through the workflow, so
            # that their pages show a review as every reader-facing page must.
            if topic.medical_reviewer_id is None:
                workflow.reconfirm_topic(topic=topic, by=users["editor"])
        content_changed()  # the back-dated reviews below the workflow's own changes
        check_no_bump_owed()
        self.stdout.write(self.style.SUCCESS(f"Demo content ready: {len(topics)} topics."))

    def _user(self, spec: dict) -> User:
        spec = dict(spec)
        groups = spec.pop("groups")
        username = spec.pop("username")
        user, _ = User.objects.get_or_create(username=username, defaults=spec)
        user.email = f"{username}@example.org"
        user.is_staff = True
        user.is_superuser = username == "admin"
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=groups))
        self.stdout.write(f"  {username:<10} password: {password}")
        if MEDICAL_REVIEWERS in groups:
            self.stdout.write(f"  ({username} is also a medical reviewer: one press approves)")
        return user

    def _diagram(self, *, owner: User) -> Image:
        found = Image.objects.filter(title=diagram.TITLE, uploaded_by=owner).first()
        if found is not None:
            return found
        data = diagram.draw()
        upload = io.BytesIO(data)
        upload.size = len(data)
        image = Image(
            title=diagram.TITLE,
            alt_text=diagram.ALT,
            caption=diagram.CAPTION,
            credit=diagram.CREDIT,
            licence="Own work",
            consent=Consent.NO_PEOPLE,
            shared=True,
            tags="esketamine, mechanism, diagram",
            uploaded_by=owner,
        )
        library.set_file(image=image, prepared=images.prepare(upload))
        image.save()
        return image

    def _topics(self) -> dict[str, Topic]:
        topics = {}
        for spec in TOPICS:
            fields = {
                "headline": spec["headline"],
                "definition": spec["definition"],
                "aliases": "\n".join(spec["aliases"]),
                "intro": spec["intro"],
                "safety_notice": spec["safety_notice"],
                "is_featured": spec["is_featured"],
                "mental_health": spec.get("mental_health", False),
            }
            # get_or_create: a second load_demo running at once finds this one's topic.
            topic, _ = Topic.objects.get_or_create(
                name__iexact=spec["name"], defaults={"name": spec["name"]}
            )
            for name, value in fields.items():
                setattr(topic, name, value)
            topic.save()
            upkeep.topic_saved(topic=topic)  # links it from pages already mentioning it
            topics[spec["name"]] = topic
        for spec in TOPICS:
            set_related_topics(topics[spec["name"]], [topics[name] for name in spec["related"]])
        for name, codes in TOPIC_CODES.items():
            for system, code, display in codes:
                row = TopicCode(topic=topics[name], system=system, code=code, display=display)
                row.full_clean(
                    validate_unique=False, validate_constraints=False
                )  # the admin's checks
                TopicCode.objects.get_or_create(
                    topic=row.topic, system=row.system, code=row.code, defaults={"display": display}
                )
        return topics

    def _crisis_help(self, topics: dict[str, Topic]) -> None:
        """The helplines and care cards, by name: an editor's later changes are kept."""
        for spec in HELPLINES:
            Helpline.objects.get_or_create(name=spec["name"], region=spec["region"], defaults=spec)
        for spec in CARE_CARDS:
            spec = dict(spec)
            on = spec.pop("topics")
            card, created = CareCard.objects.get_or_create(name=spec["name"], defaults=spec)
            if created:
                card.topics.set([topics[name] for name in on])

    def _article(self, spec: dict, topics: dict[str, Topic], *, author, editor) -> None:
        if Article.objects.filter(slug=spec["slug"]).exists():
            return
        article = workflow.create_article(
            by=author,
            title=spec["title"],
            summary=spec["summary"],
            body=spec["body"],
            topics=[topics[name] for name in spec["topics"]],
            audience=spec["audience"],
            slug=spec["slug"],
        )
        workflow.submit_for_review(article=article, by=author)
        if spec.get("state") == "in_review":
            return
        workflow.publish(
            article=article,
            by=editor,
            checklist=list(workflow.CHECKLIST),
            comment="Checked against the sources.",
            # Read only when the text is above the target grade: the reason is then recorded.
            grade_reason="The owner's sample text, kept as written for the demo.",
        )
        if days := spec.get("reviewed_days_ago"):
            # A demo of currency: this article's medical review has lapsed.
            reviewed = timezone.localdate() - datetime.timedelta(days=days)
            Article.objects.filter(pk=article.pk).update(
                published_at=timezone.now() - datetime.timedelta(days=days),
                last_reviewed=reviewed,
                next_review_due=workflow.add_months(reviewed, 12),
            )
            ArticleTopic.objects.copy_publish_times([article.pk])
            upkeep.refresh_cards(Article.objects.filter(pk=article.pk).select_related("author"))
