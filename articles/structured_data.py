"""schema.org JSON-LD for article and topic pages, escaped so no field can end the script."""

import json

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from .facts import article_facts

# The same escapes as Django's json_script: "<", ">" and "&" can never close the tag.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

AUDIENCE = {
    "patients": {"@type": "PeopleAudience", "audienceType": "Patients and carers"},
    "clinicians": {"@type": "MedicalAudience", "audienceType": "Clinician"},
}


def _person(user, request) -> dict:
    data = {
        "@type": "Person",
        "name": user.display_name,
        "url": request.build_absolute_uri(user.get_absolute_url()),
    }
    if user.credentials:
        data["honorificSuffix"] = user.credentials
    if user.professional_title:
        data["jobTitle"] = user.professional_title
    return data


def _topic_ref(topic, request) -> dict:
    return {
        "@type": "MedicalEntity",
        "name": topic.name,
        "url": request.build_absolute_uri(topic.get_absolute_url()),
    }


def article_data(article, topics, request, *, image=None) -> dict:
    """`image`: the article's lead image (markdown.lead_image), if it shows one."""
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "headline": article.title,
        "description": article.summary,
        "inLanguage": "en-GB",
        "author": _person(article.author, request),
        "audience": AUDIENCE.get(article.audience, AUDIENCE["patients"]),
        "about": [_topic_ref(topic, request) for topic in topics],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "isAccessibleForFree": True,
    }
    # The dates, the reviewer and the version hash come from the function the API's
    # article uses (facts.py), so the page and the API always agree.
    facts = article_facts(article, request.build_absolute_uri)
    if facts["medical_reviewer"]:
        data["reviewedBy"] = _person(article.medical_reviewer, request)
    if facts["last_reviewed"]:
        data["lastReviewed"] = facts["last_reviewed"].isoformat()
    if facts["date_published"]:
        data["datePublished"] = facts["date_published"].isoformat()
    data["dateModified"] = facts["date_modified"].isoformat()
    # schema.org's `version`: the approved version's SHA-256, as the API gives it.
    data["version"] = f"sha256:{facts['version_hash']}"
    if image is not None:
        data["image"] = {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(image.url),
            "width": image.width,
            "height": image.height,
        }
    return data


def topic_data(topic, request) -> dict:
    url = request.build_absolute_uri(topic.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "headline": topic.title,
        "name": topic.name,
        "inLanguage": "en-GB",
        "about": {"@type": "MedicalEntity", "name": topic.name},
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if topic.definition:
        data["description"] = topic.definition
    if topic.alias_list:
        data["about"]["alternateName"] = topic.alias_list
    return data


def as_script(data: dict) -> SafeString:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308
