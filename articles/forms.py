import datetime

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.utils import timezone

from . import images, webhooks
from .markdown import image_ids
from .models import (
    Article,
    CareCard,
    ChangeKind,
    Consent,
    Image,
    Topic,
    Webhook,
    default_webhook_kinds,
)
from .readability import TARGET_GRADE
from .workflow import CHECKLIST, Action, possible_reviewers, possible_topic_reviewers
from .writing_checks import EXTERNAL_IMAGE_MESSAGE, external_images


def image_problems(body: str, *, author_id: int | None) -> list[str]:
    """Why the library images `body` refers to cannot be shown (empty: they all can)."""
    problems = []
    if external_images(body):
        problems.append(EXTERNAL_IMAGE_MESSAGE)
    ids = image_ids(body)
    if ids:
        found = {
            image.pk: image
            for image in Image.objects.filter(pk__in=ids)
            .usable_by(author_id)
            .only("pk", "title", "consent")
        }
        for pk in sorted(ids - found.keys()):
            problems.append(
                f"There is no image {pk} in the library that this page may use (it may "
                "have been deleted, or belong to someone else and not be shared). Choose one "
                "with the picker beside an article's text, or paste the code an image's "
                "library page shows."
            )
        for image in found.values():
            if image.consent == Consent.NOT_GIVEN:
                problems.append(
                    f"Image {image.pk} (“{image.title}”) may not be shown on public pages: "
                    "the people in it have not consented, or have withdrawn consent. Choose "
                    "another image."
                )
    return problems


class TopicAdminForm(forms.ModelForm):
    """A topic's page. Its intro may show shared library images (a topic has no author whose
    own images it could use), refused with the same messages as in articles. Its care cards
    are part of what readers see of it: they go into its pending version with the rest."""

    # Not "care_cards": that is the cards' relation to the topic, which the admin would show
    # read-only instead of TopicAdmin.page_care_cards to those who may only view topics.
    page_care_cards = forms.ModelMultipleChoiceField(
        queryset=CareCard.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Care cards",
        help_text="The “When to get help” cards this topic's page shows.",
    )

    class Meta:
        model = Topic
        # The admin's fieldsets choose what is shown; these are what a topic's page holds.
        fields = [
            "name",
            "slug",
            "headline",
            "definition",
            "aliases",
            "intro",
            "safety_notice",
            "mental_health",
            "is_featured",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        topic = self.instance
        if topic.pk is not None:
            # The pending version's cards when there is one (TopicAdmin.get_object).
            working = getattr(topic, "working_care_card_ids", None)
            self.fields["page_care_cards"].initial = (
                list(working) if working is not None else list(topic.care_cards.all())
            )

    def clean_intro(self):
        intro = self.cleaned_data["intro"]
        problems = image_problems(intro, author_id=None)
        if problems:
            raise forms.ValidationError(problems)
        return intro


class TypedText(forms.CharField):
    """Text from a textarea, with a browser's line breaks ("\r\n") as stored ("\n"): an
    untouched field then compares equal, so the change history names only what changed."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class ArticleAdminForm(forms.ModelForm):
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        required=False,
        help_text="Readers find the article on these topic pages.",
    )
    # The version the editor started from, for optimistic locking.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = ["title", "slug", "summary", "body", "audience"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}
        # A browser sends a textarea's line breaks as "\r\n": untouched text must compare
        # equal to what is stored, or every button press would save a "changed" version.
        field_classes = {"summary": TypedText, "body": TypedText}

    def __init__(
        self,
        *args,
        admin_site=None,
        action=None,
        action_form=None,
        refusal="",
        author_id=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # Whose images the text may show: the article's author's (and shared ones).
        self.author_id = self.instance.author_id if self.instance.pk else author_id
        # The workflow action pressed with this form, if any: its inputs are validated with
        # the text, and a refusal from the workflow comes back as this form's error, so
        # the page returns with everything typed still in it.
        self.action, self.action_form, self.refusal = action, action_form, refusal
        self.theirs = None  # the saved article, when someone else saved it meanwhile
        if admin_site is not None:
            field = Article._meta.get_field("topics")
            topics = self.fields["topics"]
            topics.widget = AutocompleteSelectMultiple(field, admin_site)
            topics.widget.choices = topics.choices
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
            working = getattr(self.instance, "working_topic_ids", None)
            self.initial["topics"] = (
                working
                if working is not None
                else [link.tag_id for link in self.instance.topic_links.all()]
            )
        if "body" in self.fields:
            self.fields["body"].max_length = settings.ARTICLE_BODY_MAX_CHARS
            self.fields["body"].validators.append(
                forms.fields.validators.MaxLengthValidator(settings.ARTICLE_BODY_MAX_CHARS)
            )

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not any(ch.isalnum() for ch in title):
            raise forms.ValidationError("Enter a title with words in it.")
        return title

    def clean_body(self):
        body = self.cleaned_data["body"]
        problems = image_problems(body, author_id=self.author_id)
        if problems:
            raise forms.ValidationError(problems)
        return body

    def clean_loaded_version(self):
        version = self.cleaned_data.get("loaded_version")
        if self.instance.pk:
            current = Article.objects.filter(pk=self.instance.pk).values("version").first()
            if current is not None and version != current["version"]:
                self.theirs = current["version"]
                # Saving again means "mine replaces theirs", now that both are on screen.
                self.data = self.data.copy()
                self.data[self.add_prefix("loaded_version")] = current["version"]
                raise forms.ValidationError(
                    "Someone else saved this article while you were editing it. Your text is "
                    "still below and theirs is shown beside it; save again to replace theirs "
                    "with yours."
                )
        return version

    def clean(self):
        cleaned = super().clean()
        if self.action_form is not None and not self.action_form.is_valid():
            self.add_error(
                None,
                f"“{self.action.label}” needs more from you: see the marked fields "
                "beside the buttons.",
            )
        if self.refusal:
            self.add_error(None, self.refusal)
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # Keep the version error visible: it is on a hidden field.
        if "loaded_version" in self.errors:
            self.add_error(None, self.errors["loaded_version"])


class SeenField(forms.CharField):
    """A hidden field that always shows the value it was given (the text on the page now),
    while what was posted (the text on the page then) is what it cleans: a refused page
    comes back carrying the new text's fingerprint, not the stale one."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", True)
        kwargs.setdefault(
            "error_messages",
            {"required": "This page is out of date: reload it, then read the text again."},
        )
        super().__init__(**kwargs)

    def bound_data(self, data, initial):
        return initial


class ActionForm(forms.Form):
    """The inputs of one workflow action (articles.workflow.ACTIONS names its form).

    `flags` are the safe-messaging flags in the version under review and `grade` its
    reading grade for patients (None for professionals); `live`, whether readers already
    see an approved version. Only an approval asks about them. `arguments()` are the
    keyword arguments of the action's function.
    """

    # What the person saw (workflow.fingerprint of the text on their page), for an action
    # that `signs_text`: the workflow refuses it if the text has changed since. Only for
    # those actions; a page left open long enough is refused, never credited.
    seen = SeenField()

    def __init__(
        self,
        *args,
        flags=(),
        grade=None,
        live=False,
        article=None,
        topic=None,
        seen=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if seen is None:
            del self.fields["seen"]
        else:
            self.fields["seen"].initial = seen

    def arguments(self) -> dict:
        return dict(self.cleaned_data)


class CommentForm(ActionForm):
    comment = forms.CharField(
        required=False,
        max_length=5000,
        label="Comment (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the label already ends in its own words
        super().__init__(*args, **kwargs)


class ArchiveForm(CommentForm):
    comment = forms.CharField(
        required=False,
        max_length=5000,
        label="Reason for withdrawing it (optional; partners who republish it are told)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequestChangesForm(CommentForm):
    comment = forms.CharField(
        max_length=5000,
        label="What needs to change? (required)",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what needs to change: a comment is required."},
    )


class AssignForm(CommentForm):
    """Who reviews the submission, and by when. The workflow refuses anyone who may not
    review it; the list offers only those who may."""

    reviewer = forms.ModelChoiceField(
        queryset=possible_reviewers(),
        label="Reviewer",
        empty_label="Choose a reviewer",
        error_messages={
            "required": "Choose who is to review it.",
            "invalid_choice": "That person may not review this article: choose an editor "
            "or a medical reviewer who did not write it.",
        },
    )
    due = forms.DateField(
        required=False,
        label="Review due (optional)",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the due date as a date, for example 2026-12-31."},
    )
    field_order = ["reviewer", "due", "comment"]

    def __init__(self, *args, article=None, topic=None, **kwargs):
        super().__init__(*args, article=article, topic=topic, **kwargs)
        if article is not None:
            self.fields["reviewer"].queryset = possible_reviewers(article)
        if topic is not None:  # not those who wrote the pending version
            self.fields["reviewer"].queryset = possible_topic_reviewers(topic)

    def clean_due(self):
        due = self.cleaned_data.get("due")
        if due is not None and due < timezone.localdate():
            raise forms.ValidationError("The review's due date is in the past.")
        return due


class NextReviewField(forms.DateField):
    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            label="Next review due",
            help_text=(
                f"Leave empty for {settings.REVIEW_INTERVAL_MONTHS} months from now, "
                "or choose an earlier date."
            ),
            widget=forms.DateInput(attrs={"type": "date"}),
            **kwargs,
        )


# The tick on the approval of a live article's (or a topic's) new version: ticked, the
# changes log calls it a major revision, which partners' webhooks are told of by default.
SIGNIFICANT_LABEL = "Clinically significant change"
SIGNIFICANT_HELP = (
    "Tick when the new version changes advice, doses, risks or who it applies to: partners "
    "who republish it are told at once. The comment is the change note they see."
)

# How far ahead a publication may be scheduled.
MAX_SCHEDULE_AHEAD = datetime.timedelta(days=2 * 366)
# "Was this page helpful?": a short comment; the model's column allows for its trimming.
HELPFUL_COMMENT_CHARS = 300


class GatesForm(ActionForm):
    """What an approval must explain (workflow._gates): each safe-messaging flag in the
    version, and a reading grade above target for patients. A topic's approval asks only
    this and a comment; an article's (PublishForm) more."""

    acknowledged_flags = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Safe-messaging flags: I have checked each one",
    )
    flags_reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Why the flagged wording stays (required)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    grade_reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Why it must read above the target grade (required)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    significant = forms.BooleanField(
        required=False, label=SIGNIFICANT_LABEL, help_text=SIGNIFICANT_HELP
    )
    comment = forms.CharField(
        required=False,
        max_length=5000,
        label="Comment (needed only to override the four-eyes rule)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, flags=(), grade=None, live=False, **kwargs):
        super().__init__(*args, flags=flags, grade=grade, live=live, **kwargs)
        if live:
            self.fields["comment"].label = "Change note (published to partners)"
        else:
            del self.fields["significant"]  # a first publication is not a revision
        self.fields["acknowledged_flags"].choices = [
            (flag.code, f"“{flag.found}”: {flag.advice}") for flag in flags
        ]
        if not flags:
            del self.fields["acknowledged_flags"], self.fields["flags_reason"]
        if grade is not None and grade > TARGET_GRADE:
            self.fields[
                "grade_reason"
            ].help_text = (
                f"The text reads at grade {grade}; patients need grade {TARGET_GRADE} or below."
            )
        else:
            del self.fields["grade_reason"]

    # The workflow refuses these too; saying so here puts the reason beside its box. A
    # reason of only spaces is stripped to nothing, so it is no reason.
    def clean_flags_reason(self):
        reason = self.cleaned_data["flags_reason"]
        if not reason:
            raise forms.ValidationError("Say why the flagged wording stays.")
        return reason

    def clean_grade_reason(self):
        reason = self.cleaned_data["grade_reason"]
        if not reason:
            raise forms.ValidationError(
                "Simplify the text, or say why it must stay above the target grade."
            )
        return reason


class PublishForm(GatesForm):
    """Approval: the editorial checklist, each safe-messaging flag, and when."""

    field_order = [
        "checklist",
        "acknowledged_flags",
        "flags_reason",
        "grade_reason",
        "publish_at",
        "next_review_due",
        "significant",
        "comment",
    ]

    checklist = forms.MultipleChoiceField(
        choices=list(CHECKLIST.items()),
        widget=forms.CheckboxSelectMultiple,
        label="Editorial checklist",
        error_messages={"required": "Complete the editorial checklist before approving."},
    )
    publish_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        # A plain date and time, read in the editors' zone (settings.TIME_ZONE): the help
        # text names it, set per form so that it follows the setting.
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={
            "invalid": "Enter the publish time as a date and a time, for example 2026-03-30T09:00."
        },
    )
    next_review_due = NextReviewField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publish_at"].help_text = (
            "Leave empty to publish now. A future time schedules the article. "
            f"Times are {settings.TIME_ZONE}."
        )

    comment = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_checklist(self):
        # The workflow refuses an incomplete checklist too; saying so here puts the reason
        # beside the boxes still to tick.
        ticked = self.cleaned_data["checklist"]
        missing = [label for key, label in CHECKLIST.items() if key not in ticked]
        if missing:
            raise forms.ValidationError(
                "Complete the editorial checklist: " + "; ".join(missing) + "."
            )
        return ticked

    def clean_publish_at(self):
        value = self.cleaned_data.get("publish_at")
        if value is not None and value < timezone.now() - datetime.timedelta(minutes=5):
            raise forms.ValidationError("The publish time is in the past.")
        # Its review falls due a year later, which must be a date there is.
        if value is not None and value > timezone.now() + MAX_SCHEDULE_AHEAD:
            raise forms.ValidationError("Schedule the publication within the next two years.")
        return value

    def arguments(self) -> dict:
        arguments = super().arguments()
        arguments["at"] = arguments.pop("publish_at")
        return arguments


class ReconfirmForm(ActionForm):
    next_review_due = NextReviewField()
    comment = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.__name__: form
    for form in (
        CommentForm,
        ArchiveForm,
        RequestChangesForm,
        GatesForm,
        PublishForm,
        ReconfirmForm,
        AssignForm,
    )
}


def action_form(action: Action, *args, **kwargs) -> ActionForm:
    """The form the registry names for `action`. Its fields share the article's one form, so
    each action's names carry its own prefix: "publish-comment", "submit-comment"."""
    kwargs.setdefault("prefix", action.name)
    if not action.signs_text:
        kwargs.pop("seen", None)
    return ACTION_FORMS[action.form](*args, **kwargs)


class ProblemReportForm(forms.Form):
    message = forms.CharField(
        label="What is wrong with this page?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, something out of date, unclear or a broken link. "
        "Do not include personal medical details.",
        error_messages={"required": "Tell us what the problem is."},
    )
    email = forms.EmailField(
        required=False,
        label="Your email address (optional)",
        help_text="Only if you would like to hear what we did about it. We use it for nothing "
        f"else, and delete it {settings.PROBLEM_REPORT_EMAIL_DAYS} days after we resolve your "
        "report.",
        error_messages={
            "invalid": "Enter an email address like name@example.com, or leave it empty."
        },
    )
    # Left empty by people; bots that fill every field give themselves away.
    website = forms.CharField(required=False, label="Leave this empty")

    def clean_message(self):
        message = " ".join(self.cleaned_data["message"].split(" ")).strip()
        if len(message) < 5:
            raise forms.ValidationError("Please describe the problem in a few words.")
        return message


class HelpfulnessForm(forms.Form):
    """ "Was this page helpful?" on an article or topic page (the page names itself)."""

    article = forms.CharField(required=False, max_length=220)
    topic = forms.CharField(required=False, max_length=220)
    helpful = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        error_messages={"required": "Choose yes or no.", "invalid_choice": "Choose yes or no."},
    )
    comment = forms.CharField(
        required=False,
        max_length=HELPFUL_COMMENT_CHARS,
        label="Tell us more (optional)",
        error_messages={
            "max_length": f"Keep the comment to {HELPFUL_COMMENT_CHARS} characters or fewer."
        },
    )

    def clean_comment(self):
        return " ".join(self.cleaned_data["comment"].split())


class ImageAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label="Image file",
        required=False,
        help_text=(
            f"{', '.join(dict.fromkeys(images.ACCEPTED.values()))}, up to "
            f"{images.MAX_UPLOAD_BYTES // 1024 // 1024} MB. Location and camera details are "
            "removed from what readers get."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Image
        fields = [
            "upload",
            "title",
            "alt_text",
            "decorative",
            "caption",
            "credit",
            "licence",
            "consent",
            "skin_tones",
            "tags",
            "shared",
        ]
        widgets = {"consent": forms.RadioSelect, "alt_text": forms.Textarea(attrs={"rows": 2})}

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if not upload:
            if not self.instance.pk:
                raise forms.ValidationError("Choose the image file to upload.")
            return None
        try:
            # Decoded and resized here, so that a file refused says why beside its field.
            self.prepared = images.prepare(upload)
        except images.BadImage as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload

    def clean_alt_text(self):
        return " ".join(self.cleaned_data.get("alt_text", "").split())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("decorative") and not cleaned.get("alt_text"):
            self.add_error(
                "alt_text",
                "Describe the image for people who cannot see it, or tick “decorative” if "
                "it adds nothing the text does not say.",
            )
        return cleaned


class WebhookAdminForm(forms.ModelForm):
    """A partner's webhook: where to POST, and which kinds of change they want."""

    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        label="URL",
        help_text="HTTPS, on the public internet; the hub POSTs each change it is sent here.",
    )

    kinds = forms.MultipleChoiceField(
        choices=ChangeKind.choices,
        # A declared field does not take the model's default: a new webhook starts with it.
        initial=default_webhook_kinds,
        widget=forms.CheckboxSelectMultiple,
        help_text="Withdrawals and clinically significant revisions are what make a "
        "partner's copy wrong; the changes feed lists every kind.",
        error_messages={"required": "Choose at least one kind of change to send."},
    )

    class Meta:
        model = Webhook
        fields = ["partner", "url", "kinds", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.check_url(url)
        except webhooks.BadWebhookURL as exc:
            raise forms.ValidationError(str(exc)) from None
        return url
