"""Trustworthy health information: sources, checklist, review dates, safety, structured data."""

import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from articles import workflow
from articles.markdown import render_markdown
from articles.models import Article, Page, ProblemReport, Status
from articles.readability import measure
from tests.articles.desk_helpers import press
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import ArticleFactory, PublishedArticleFactory, TopicFactory, hidden_article
from tests.html import parse

pytestmark = pytest.mark.django_db

CRISIS = "If you are thinking about suicide, call 988 or Samaritans on 116 123."


def jsonld_of(response) -> list[dict]:
    blocks = parse(response).select('script[type="application/ld+json"]')
    return [json.loads(block.inner_html) for block in blocks]


class TestSources:
    def test_submission_is_refused_when_the_article_cites_no_source(self, clinician):
        article = ArticleFactory(author=clinician, body="Ketamine works fast. Trust me.")
        with pytest.raises(workflow.TransitionNotAllowed, match="source"):
            workflow.submit_for_review(article=article, by=clinician)
        assert Article.objects.get(pk=article.pk).status == Status.DRAFT

    def test_footnotes_render_as_a_numbered_sources_list(self):
        html = render_markdown("Claim.[^a] Another.[^b]\n\n[^a]: First.\n[^b]: Second.\n")
        sources = parse(html).one("section.sources")
        assert sources.one("section > h2#sources").text == "Sources"
        assert [li.get("id") for li in sources.select("section > ol > li")] == ["fn:a", "fn:b"]
        assert len(parse(html).select('li[id^="fn:"]')) == 2

    def test_doi_and_pubmed_identifiers_become_links(self):
        html = render_markdown(
            "[^1]: Daly EJ. 2019. doi:10.1001/jamapsychiatry.2019.1189 PMID: 31166571"
        )
        links = [a.get("href") for a in parse(html).select("a")]
        assert "https://doi.org/10.1001/jamapsychiatry.2019.1189" in links
        assert "https://pubmed.ncbi.nlm.nih.gov/31166571/" in links

    def test_doi_at_the_end_of_a_source_links_to_the_doi_alone(self):
        # Footnotes put a placeholder between a source's last word and its back-link.
        html = render_markdown("Claim.[^1]\n\n[^1]: Daly EJ. doi:10.1001/jamapsychiatry.2019.1189")
        links = [a.get("href") for a in parse(html).select("a")]
        assert "https://doi.org/10.1001/jamapsychiatry.2019.1189" in links

    def test_identifiers_in_code_are_not_linked(self):
        html = render_markdown("`doi:10.1001/abc`")
        assert "<a" not in html

    def test_javascript_link_in_a_footnote_is_neutralised(self):
        html = render_markdown("x[^1]\n\n[^1]: [click](javascript:alert(1))")
        assert "javascript" not in html.lower()


class TestChecklist:
    def test_approval_is_refused_until_the_checklist_is_complete(self, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        with pytest.raises(workflow.TransitionNotAllowed, match="checklist"):
            workflow.publish(article=article, by=editor, checklist=["accurate", "no_promotion"])
        assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW

    def test_completed_checklist_is_stored_with_the_approval(self, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        approve(article=article, by=editor)
        event = article.events.get(to_status=Status.PUBLISHED)
        assert event.details["checklist"] == sorted(workflow.CHECKLIST)

    def test_admin_publish_without_checklist_shows_an_error(self, client, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        client.force_login(editor)
        response = press(client, article, "publish", {"checklist": ["accurate"]})
        assert "Complete the editorial checklist" in response.content.decode()
        assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


class TestSafeMessaging:
    BODY = "Her brother committed suicide in 2019.[^1]\n\n[^1]: Source."

    def test_flagged_wording_must_be_acknowledged_to_approve(self, clinician, editor):
        # About suicide, so published only with a crisis notice beside it (issue 18).
        crisis = TopicFactory(name="Bereavement", safety_notice=CRISIS)
        article = article_in_state(
            Status.IN_REVIEW, author=clinician, approver=editor, body=self.BODY, topics=[crisis]
        )
        with pytest.raises(workflow.TransitionNotAllowed, match="committed suicide"):
            approve(article=article, by=editor)
        approve(article=article, by=editor, acknowledged_flags=["committed"])
        event = article.events.get(to_status=Status.PUBLISHED)
        assert event.details["flags_acknowledged"][0]["code"] == "committed"

    def test_admin_shows_the_flag_to_the_editor(self, client, clinician, editor):
        article = article_in_state(
            Status.IN_REVIEW, author=clinician, approver=editor, body=self.BODY
        )
        client.force_login(editor)
        page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
        assert "Safe-messaging flags" in page.content.decode()
        assert "died by suicide" in page.content.decode()

    def test_author_cannot_drop_a_topic_that_carries_the_crisis_notice(self, clinician, editor):
        crisis = TopicFactory(name="Depression", safety_notice=CRISIS)
        other = TopicFactory(name="Esketamine")
        article = article_in_state(
            Status.PUBLISHED, author=clinician, approver=editor, topics=[crisis, other]
        )
        with pytest.raises(workflow.TransitionNotAllowed, match="Depression"):
            workflow.edit_article(
                article=article,
                by=clinician,
                content=workflow.Content(article.title, article.summary, article.body, [other.pk]),
                expected_version=article.version,
            )

    def test_editor_may_drop_a_topic_that_carries_the_crisis_notice(self, clinician, editor):
        crisis = TopicFactory(name="Depression", safety_notice=CRISIS)
        article = article_in_state(
            Status.PUBLISHED, author=clinician, approver=editor, topics=[crisis]
        )
        workflow.edit_article(
            article=article,
            by=editor,
            content=workflow.Content(article.title, article.summary, article.body, []),
            expected_version=article.version,
        )
        assert Article.objects.get(pk=article.pk).has_pending_changes


class TestReviewDates:
    def test_copy_edit_does_not_move_last_reviewed(self, clinician, editor):
        article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
        Article.objects.filter(pk=article.pk).update(
            last_reviewed=datetime.date(2025, 1, 1), next_review_due=datetime.date(2026, 1, 1)
        )
        article.refresh_from_db()
        workflow.edit_article(
            article=article,
            by=editor,
            content=workflow.Content("Typo fixed", article.summary, article.body, []),
            expected_version=article.version,
        )
        article.refresh_from_db()
        assert article.last_reviewed == datetime.date(2025, 1, 1)

    def test_reconfirming_records_an_event_and_moves_the_dates(
        self, clinician, editor, second_editor
    ):
        article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
        Article.objects.filter(pk=article.pk).update(
            last_reviewed=datetime.date(2025, 1, 1), next_review_due=datetime.date(2026, 1, 1)
        )
        workflow.reconfirm_review(article=article, by=second_editor)
        article.refresh_from_db()
        today = timezone.localdate()
        assert article.last_reviewed == today
        assert article.next_review_due == workflow.add_months(today, 12)
        assert article.medical_reviewer == second_editor
        event = article.events.first()
        assert event.details["reconfirmed"] is True
        assert event.details["previous_review"] == "2025-01-01"

    def test_author_cannot_reconfirm_own_article(self, editor):
        article = article_in_state(Status.PUBLISHED, author=editor)
        with pytest.raises(workflow.TransitionNotAllowed, match="four-eyes"):
            workflow.reconfirm_review(article=article, by=editor)

    def test_overdue_article_stays_public_with_a_notice(self, client):
        article = PublishedArticleFactory(
            last_reviewed=datetime.date(2024, 1, 1), next_review_due=datetime.date(2025, 1, 1)
        )
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert "This page is due for review." in response.content.decode()

    def test_current_article_shows_no_overdue_notice(self, client):
        article = PublishedArticleFactory()
        assert "due for review" not in client.get(article.get_absolute_url()).content.decode()


class TestDueForReview:
    URL = reverse("admin:articles_dueforreviewitem_changelist")

    def test_lists_overdue_and_due_soon_articles_soonest_first(self, client, editor):
        today = timezone.localdate()
        overdue = PublishedArticleFactory(next_review_due=today - datetime.timedelta(days=10))
        soon = PublishedArticleFactory(next_review_due=today + datetime.timedelta(days=20))
        PublishedArticleFactory(next_review_due=today + datetime.timedelta(days=200))
        archived = article_in_state(Status.ARCHIVED, author=overdue.author)
        Article.objects.filter(pk=archived.pk).update(next_review_due=today)
        client.force_login(editor)
        response = client.get(self.URL)
        assert [a.pk for a in response.context["cl"].result_list] == [overdue.pk, soon.pk]
        assert "1 overdue · 1 due in the next 30 days" in response.content.decode()
        assert "Overdue by 10 days" in response.content.decode()

    def test_is_closed_to_clinicians(self, client, clinician):
        client.force_login(clinician)
        assert client.get(self.URL).status_code == 403


class TestReadability:
    def test_plain_text_scores_a_low_grade(self):
        result = measure("The cat sat on the mat. It was warm. We had tea.")
        assert result.grade <= 8 and not result.too_hard

    def test_dense_text_is_flagged_above_grade_eight(self):
        text = (
            "Pharmacological augmentation strategies incorporating glutamatergic modulation "
            "demonstrate heterogeneous effectiveness across treatment-refractory populations."
        )
        assert measure(text).too_hard

    def test_sources_are_left_out_of_the_word_count(self):
        assert measure("One two three.[^1]\n\n[^1]: Many many many words here.").words == 3

    def test_admin_shows_grade_words_and_reading_time(self, client, clinician):
        article = ArticleFactory(author=clinician)
        client.force_login(clinician)
        page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
        assert re.search(r"reading grade [\d.]+", page.content.decode())
        assert "min read" in page.content.decode()

    def test_readers_see_reading_time(self, client):
        article = PublishedArticleFactory(body=" ".join(["word"] * 600))
        assert "3 min read" in client.get(article.get_absolute_url()).content.decode()


class TestStructuredData:
    def test_article_jsonld_carries_reviewer_and_dates(self, client, clinician, editor):
        topic = TopicFactory(name="Esketamine")
        article = article_in_state(
            Status.PUBLISHED, author=clinician, approver=editor, topics=[topic]
        )
        (data,) = jsonld_of(client.get(article.get_absolute_url()))
        assert data["@type"] == "MedicalWebPage"
        assert data["headline"] == article.title
        assert data["reviewedBy"]["name"] == editor.display_name
        assert data["lastReviewed"] == timezone.localdate().isoformat()
        assert data["datePublished"]
        assert data["about"][0]["name"] == "Esketamine"
        assert data["audience"]["audienceType"] == "Patients and carers"

    def test_script_end_tag_in_a_title_cannot_break_out(self, client):
        title = 'Ketamine </script><script>alert("x")</script>'
        article = PublishedArticleFactory(title=title)
        response = client.get(article.get_absolute_url())
        html = response.content.decode()
        assert "<script>alert" not in html
        (data,) = jsonld_of(response)
        assert data["headline"] == title

    def test_topic_page_has_jsonld_and_canonical(self, client):
        topic = TopicFactory(name="Esketamine", aliases="Spravato")
        response = client.get(topic.get_absolute_url())
        (data,) = jsonld_of(response)
        assert data["about"]["alternateName"] == ["Spravato"]
        page = parse(response)
        canonical = page.one("link[rel=canonical]").get("href")
        assert canonical == f"http://testserver{topic.get_absolute_url()}"
        assert page.one('meta[property="og:title"]')


class TestSafetyAndPolicy:
    def test_safety_notice_shows_on_topic_and_each_tagged_article_once(self, client):
        first = TopicFactory(safety_notice=CRISIS)
        second = TopicFactory(safety_notice=CRISIS)
        article = PublishedArticleFactory(topics=[first, second])
        assert CRISIS in client.get(first.get_absolute_url()).content.decode()
        assert client.get(article.get_absolute_url()).content.decode().count(CRISIS) == 1

    def test_footer_links_to_policy_pages_that_exist(self, client):
        html = client.get("/").content.decode()
        assert "Medical disclaimer" in html
        for slug in ("editorial-policy", "funding", "accessibility"):
            url = reverse("articles:page", args=[slug])
            assert parse(html).select(f'footer a[href="{url}"]')
            assert client.get(url).status_code == 200

    def test_funding_page_says_no_adverts(self, client):
        page = client.get(reverse("articles:page", args=["funding"])).content.decode()
        assert "no advertising" in page

    def test_editor_can_edit_a_policy_page(self, client, editor):
        page = Page.objects.get(slug="funding")
        client.force_login(editor)
        url = reverse("admin:articles_page_change", args=[page.pk])
        response = client.post(url, {"title": page.title, "slug": "funding", "body": "Updated."})
        assert response.status_code == 302
        assert Page.objects.get(pk=page.pk).body_html.strip() == "<p>Updated.</p>"


class TestAudience:
    def test_topic_page_filters_by_audience(self, client):
        topic = TopicFactory()
        PublishedArticleFactory(topics=[topic], title="For patients", audience="patients")
        PublishedArticleFactory(topics=[topic], title="For doctors", audience="clinicians")
        html = client.get(topic.get_absolute_url() + "?audience=clinicians").content.decode()
        assert "For doctors" in html and "For patients" not in html

    def test_unknown_audience_shows_everything(self, client):
        topic = TopicFactory()
        PublishedArticleFactory(topics=[topic], title="For patients")
        html = client.get(topic.get_absolute_url() + "?audience=<b>x").content.decode()
        assert "For patients" in html


class TestReportAProblem:
    @pytest.fixture(autouse=True)
    def _clear_rate_limits(self):
        cache.clear()

    def url(self, article):
        return reverse("articles:report") + f"?article={article.slug}"

    def test_report_is_stored_against_the_version_seen(self, client):
        article = PublishedArticleFactory()
        response = client.post(self.url(article), {"message": "The dose table is out of date."})
        assert response.status_code == 302
        report = ProblemReport.objects.get()
        assert report.article == article
        assert report.article_version == article.version
        assert report.last_reviewed_seen == article.last_reviewed

    def test_thank_you_is_shown_after_sending(self, client):
        article = PublishedArticleFactory()
        response = client.post(self.url(article), {"message": "Broken link."}, follow=True)
        assert "Thank you" in response.content.decode()

    def test_empty_report_gets_a_clear_error(self, client):
        article = PublishedArticleFactory()
        response = client.post(self.url(article), {"message": ""})
        assert response.status_code == 200
        assert "Tell us what the problem is." in response.content.decode()
        assert not ProblemReport.objects.exists()

    def test_honeypot_filled_by_a_bot_is_not_stored(self, client):
        article = PublishedArticleFactory()
        client.post(self.url(article), {"message": "Buy pills", "website": "spam.example"})
        assert not ProblemReport.objects.exists()

    def test_reports_are_rate_limited_with_429(self, client):
        article = PublishedArticleFactory()
        for _ in range(5):
            client.post(self.url(article), {"message": "Another problem here."})
        response = client.post(self.url(article), {"message": "One too many."})
        assert response.status_code == 429
        assert ProblemReport.objects.count() == 5

    def test_reporting_on_an_unpublished_article_is_404(self, client, clinician):
        draft = ArticleFactory(author=clinician)
        assert client.get(self.url(draft)).status_code == 404

    def test_report_without_a_page_is_a_general_one(self, client):
        response = client.get(reverse("articles:report"))
        assert response.status_code == 200
        assert "Report a problem with this website" in response.content.decode()

    def test_editors_see_reports_in_the_admin(self, client, editor):
        article = PublishedArticleFactory()
        ProblemReport.objects.create(article=article, message="<script>x</script> wrong dose")
        client.force_login(editor)
        html = client.get(reverse("admin:articles_problemreport_changelist")).content.decode()
        assert "&lt;script&gt;x&lt;/script&gt; wrong dose" in html


class TestAudienceWithNothingForIt:
    def test_empty_audience_points_to_the_articles_for_the_other(self, client):
        topic = TopicFactory()
        PublishedArticleFactory.create_batch(2, topics=[topic], audience="patients")

        response = client.get(topic.get_absolute_url() + "?audience=clinicians")

        assertContains(
            response,
            '<p class="audience-empty">No articles for health professionals yet – see'
            ' <a href="?audience=patients">the 2 for patients and carers</a>.</p>',
            html=True,
        )
        assert "have been published yet" not in response.content.decode()

    def test_empty_audience_says_nothing_published_when_no_audience_has_any(self, client):
        topic = TopicFactory()
        hidden_article("draft", topics=[topic], audience="patients")

        response = client.get(topic.get_absolute_url() + "?audience=clinicians")

        assertContains(response, "No articles on this topic have been published yet.")
        assert "audience-empty" not in response.content.decode()
