"""Medical codes on topics: validated by system (model, admin inline), unique per topic,
and looked up by partners in two forms (ours and Infobutton's)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles.codes import SYSTEMS, CodeError, check_code, system_for
from articles.models import TopicCode
from tests.api.helpers import assert_problem, body, get
from tests.articles.workflow_helpers import topic_form

pytestmark = pytest.mark.django_db

ICD10_CM = "2.16.840.1.113883.6.90"


@pytest.mark.parametrize(
    ("system", "good", "bad"),
    [
        ("snomed", ["35489007", "370143000"], ["35489008", "012345", "12", "abc"]),
        ("icd10", ["F32", "F32.A", "f32.1", "F33.9"], ["32F", "F3", "F32.12345", "F32-1"]),
        ("rxnorm", ["1989529", "7"], ["0123", "12a", "12345678901"]),
        ("mesh", ["D003866", "C000589"], ["D12", "X003866", "D003866X"]),
    ],
)
def test_codes_are_checked_by_system(system, good, bad):
    for code in good:
        check_code(SYSTEMS[system], code)
    for code in bad:
        with pytest.raises(CodeError):
            check_code(SYSTEMS[system], code)


def test_systems_by_name_or_oid():
    assert system_for("ICD10").key == "icd10"
    assert system_for(ICD10_CM).key == "icd10"
    assert system_for("2.16.840.1.113883.6.3").key == "icd10"  # WHO's ICD-10
    with pytest.raises(CodeError, match="Unknown code system"):
        system_for("loinc")


def test_model_clean_says_why(depression):
    code = TopicCode(topic=depression, system="snomed", code="35489008")
    with pytest.raises(ValidationError) as error:
        code.full_clean()
    assert "check digit" in str(error.value)
    code = TopicCode(topic=depression, system="icd10", code=" f32.a ")
    code.full_clean()
    assert code.code == "F32.A"


def test_one_code_once_per_topic(depression, esketamine):
    TopicCode.objects.create(topic=depression, system="icd10", code="F32.A")
    TopicCode.objects.create(topic=esketamine, system="icd10", code="F32.A")  # another topic
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicCode.objects.create(topic=depression, system="icd10", code="F32.A")
    with pytest.raises(ValidationError):
        TopicCode(topic=depression, system="icd10", code="F32.A").full_clean()


def _inline_post(topic, code_rows):
    data = topic_form(topic, **{"codes-TOTAL_FORMS": str(len(code_rows))})
    for n, (system, code) in enumerate(code_rows):
        data[f"codes-{n}-system"] = system
        data[f"codes-{n}-code"] = code
        data[f"codes-{n}-display"] = ""
    return data


def test_the_topic_admin_edits_codes_inline(client, depression, editor):
    client.force_login(editor)
    url = f"/admin/articles/topic/{depression.pk}/change/"
    assert "codes-TOTAL_FORMS" in client.get(url).content.decode()
    refused = client.post(url, _inline_post(depression, [("snomed", "35489008")]))
    assert refused.status_code == 200
    assert "check digit" in refused.content.decode()
    assert not TopicCode.objects.exists()
    saved = client.post(url, _inline_post(depression, [("icd10", "f32.a"), ("mesh", "D003866")]))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert sorted(TopicCode.objects.values_list("system", "code")) == [
        ("icd10", "F32.A"),
        ("mesh", "D003866"),
    ]


def test_lookup_finds_the_topics_for_a_code(client, depression, esketamine, trd):
    TopicCode.objects.create(topic=depression, system="icd10", code="F32.A")
    TopicCode.objects.create(topic=trd, system="icd10", code="F32.A")
    TopicCode.objects.create(topic=esketamine, system="rxnorm", code="1989529")
    answer = body(get(client, "/lookup?system=icd10&code=f32.a"))
    assert answer["system"] == "icd10" and answer["code"] == "F32.A"
    assert [t["name"] for t in answer["items"]] == ["Depression", "Treatment-resistant depression"]
    by_oid = body(get(client, f"/lookup?system={ICD10_CM}&code=F32.A"))
    assert by_oid["items"] == answer["items"]
    assert body(get(client, "/lookup?system=icd10&code=F33"))["items"] == []


def test_lookup_refuses_unknown_systems_and_malformed_codes(client):
    problem = assert_problem(get(client, "/lookup?system=loinc&code=1234-5"), 400)
    assert "Unknown code system" in problem["detail"]
    problem = assert_problem(get(client, "/lookup?system=snomed&code=35489008"), 400)
    assert "check digit" in problem["detail"]
    assert_problem(get(client, "/lookup?system=icd10"), 400)


def test_infobutton_form(client, depression):
    TopicCode.objects.create(topic=depression, system="icd10", code="F32.A")
    answer = body(
        get(
            client,
            f"/lookup/infobutton?mainSearchCriteria.v.cs={ICD10_CM}"
            "&mainSearchCriteria.v.c=F32.A&knowledgeResponseType=application/json",
        )
    )
    feed = answer["feed"]
    assert {"scheme": "mainSearchCriteria.v.c", "term": "F32.A"} in feed["category"]
    [entry] = feed["entry"]
    assert entry["title"]["_value"] == depression.title
    assert entry["link"][0]["href"] == "http://testserver/topics/depression/"
    assert entry["summary"]["_value"] == depression.definition
    problem = assert_problem(
        get(client, "/lookup/infobutton?mainSearchCriteria.v.cs=1.2.3&mainSearchCriteria.v.c=F32"),
        400,
    )
    assert "Unknown code system" in problem["detail"]
    assert_problem(
        get(
            client,
            f"/lookup/infobutton?mainSearchCriteria.v.cs={ICD10_CM}&mainSearchCriteria.v.c=F32"
            "&knowledgeResponseType=text/xml",
        ),
        400,
    )
