"""/api/v1/lookup: the topics that answer for a medical code, asked two ways.

- `GET /api/v1/lookup?system=icd10&code=F32.A`: system by name (snomed, icd10, rxnorm,
  mesh) or HL7 OID; answers {system, code, items} (items as in /topics).
- `GET /api/v1/lookup/infobutton?mainSearchCriteria.v.cs=<OID>&mainSearchCriteria.v.c=<code>`:
  the HL7 Infobutton (URL-based) request a patient portal sends MedlinePlus Connect,
  answered in MedlinePlus Connect's JSON (an Atom feed as JSON: feed.entry[].title._value,
  .link[].href, .summary._value).

An unknown system or a malformed code is a 400 with the reason, before any query; a
lookup is then one query along the codes' unique index.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from .. import codes
from ..models import Topic
from . import http, topics
from .errors import Problem
from .schemas import Lookup

router = Router(tags=["lookup"])

JSON = "application/json"


def _checked(system: str, code: str) -> tuple[codes.CodeSystem, str]:
    try:
        found = codes.system_for(system)
        return found, codes.check_code(found, code)
    except codes.CodeError as error:
        raise Problem(400, "Bad request", str(error)) from None


def _topics(system: codes.CodeSystem, code: str) -> list[Topic]:
    return list(
        Topic.objects.filter(codes__system=system.key, codes__code=code)
        .only(*topics.LIST_FIELDS)
        .with_public_count()
        .order_by("name")
    )


@router.get("", response=Lookup, url_name="lookup", summary="Topics for a medical code")
def lookup(
    request: HttpRequest,
    system: str = Query(..., max_length=40, description="snomed, icd10, rxnorm, mesh or an OID"),
    code: str = Query(..., max_length=40),
):
    found, code = _checked(system, code)
    return {"system": found.key, "code": code, "items": topics.items(request, _topics(found, code))}


@router.get(
    "/infobutton",
    url_name="infobutton",
    summary="Topics for a medical code, as MedlinePlus Connect answers",
    description="HL7 Infobutton URL-based request; JSON answer in MedlinePlus Connect's shape.",
)
def infobutton(
    request: HttpRequest,
    cs: str = Query(..., alias="mainSearchCriteria.v.cs", max_length=40),
    c: str = Query(..., alias="mainSearchCriteria.v.c", max_length=40),
    dn: str = Query("", alias="mainSearchCriteria.v.dn", max_length=200),
    response_type: str = Query(JSON, alias="knowledgeResponseType", max_length=40),
) -> dict:
    if response_type != JSON:
        raise Problem(400, "Bad request", f"knowledgeResponseType: only {JSON} is offered.")
    found, code = _checked(cs, c)
    matches = _topics(found, code)
    http.last_modified(request, *(t.updated_at for t in matches))
    absolute = request.build_absolute_uri
    now = timezone.now().isoformat()
    return {
        "feed": {
            "lang": "en",
            "base": absolute("/"),
            "title": {"_value": settings.SITE_NAME, "type": "text"},
            "subtitle": {
                "_value": f"{settings.SITE_NAME} results for {found.label} {code}",
                "type": "text",
            },
            "author": {"name": {"_value": settings.SITE_NAME}},
            "updated": {"_value": now},
            "id": {"_value": absolute(request.get_full_path())},
            "category": [
                {"scheme": "mainSearchCriteria.v.c", "term": code},
                {"scheme": "mainSearchCriteria.v.cs", "term": found.oid},
            ],
            "entry": [
                {
                    "title": {"_value": topic.title, "type": "text"},
                    "link": [
                        {"href": absolute(topic.get_absolute_url()), "rel": "alternate"},
                    ],
                    "id": {"_value": absolute(topic.get_absolute_url())},
                    "summary": {"_value": topic.definition, "type": "text"},
                    "updated": {"_value": topic.updated_at.isoformat()},
                }
                for topic in matches
            ],
        }
    }
