"""Medical codes a topic carries (SNOMED CT, ICD-10, RxNorm, MeSH): each system's name,
its HL7 OID (what an Infobutton request names it by), and the shape of a valid code.

Pure: no models. TopicCode (models.py) and its admin form validate with check_code(); the
API's lookup reads system_for() and check_code() so that a malformed query is a 400 with
the reason before any query runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeSystem:
    key: str  # what the API and the database call it
    label: str
    oid: str  # HL7's identifier, as Infobutton's mainSearchCriteria.v.cs gives it
    pattern: re.Pattern
    shape: str  # the rule, in words, for error messages

    def normalise(self, code: str) -> str:
        code = code.strip()
        return code.upper() if self.key in ("icd10", "mesh") else code


def _verhoeff_valid(digits: str) -> bool:
    """SNOMED CT identifiers end in a Verhoeff check digit."""
    d = (
        (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
        (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
        (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
        (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
        (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
        (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
        (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
        (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
        (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
    )
    p = (
        (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
        (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
        (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
        (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
        (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
        (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
        (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
    )
    check = 0
    for i, digit in enumerate(reversed(digits)):
        check = d[check][p[i % 8][int(digit)]]
    return check == 0


SYSTEMS: dict[str, CodeSystem] = {
    system.key: system
    for system in (
        CodeSystem(
            "snomed",
            "SNOMED CT",
            "2.16.840.1.113883.6.96",
            re.compile(r"[1-9][0-9]{5,17}"),
            "6 to 18 digits, not starting with 0, ending in a valid check digit",
        ),
        CodeSystem(
            "icd10",
            "ICD-10",
            "2.16.840.1.113883.6.90",  # ICD-10-CM; WHO's ICD-10 (…6.3) is accepted too
            re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?"),
            "a letter, two characters, then optionally a dot and 1 to 4 more (e.g. F32.A)",
        ),
        CodeSystem(
            "rxnorm",
            "RxNorm",
            "2.16.840.1.113883.6.88",
            re.compile(r"[1-9][0-9]{0,9}"),
            "an RxCUI: 1 to 10 digits, not starting with 0",
        ),
        CodeSystem(
            "mesh",
            "MeSH",
            "2.16.840.1.113883.6.177",
            re.compile(r"[DC][0-9]{6,9}"),
            "a descriptor or supplementary concept ID: D or C and 6 to 9 digits (e.g. D003866)",
        ),
    )
}
CHOICES = [(system.key, system.label) for system in SYSTEMS.values()]
# Infobutton requests name the code system by OID; WHO's ICD-10 as well as ICD-10-CM.
BY_OID = {system.oid: system for system in SYSTEMS.values()} | {
    "2.16.840.1.113883.6.3": SYSTEMS["icd10"]
}
MAX_CODE_LENGTH = 20


class CodeError(ValueError):
    """A code system or code that is not valid; the message says why, for people."""


def system_for(name: str) -> CodeSystem:
    """The code system named by its key ("icd10") or its OID."""
    found = SYSTEMS.get(name.strip().lower()) or BY_OID.get(name.strip())
    if found is None:
        raise CodeError(f"Unknown code system. Use one of: {', '.join(SYSTEMS)} (or its HL7 OID).")
    return found


def check_code(system: CodeSystem, code: str) -> str:
    """The code as stored (trimmed, upper case where the system is), or CodeError."""
    code = system.normalise(code)
    if len(code) > MAX_CODE_LENGTH or not system.pattern.fullmatch(code):
        raise CodeError(f"Not a valid {system.label} code: expected {system.shape}.")
    if system.key == "snomed" and not _verhoeff_valid(code):
        raise CodeError(f"Not a valid {system.label} code: its check digit is wrong.")
    return code
