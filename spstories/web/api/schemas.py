"""JSON Schemas of what the API sends and takes (OpenAPI 3.1 components).

Enumerations come from ``core.vocabulary``, so the description cannot drift from what is
stored. Request bodies are checked against these same schemas (``validation``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from spstories.core.tags import Polarity
from spstories.core.vocabulary import (
    AgeBand,
    CaseStudyStatus,
    EthnicGroup,
    FeedbackChannel,
    FeedbackSource,
    Gender,
    PresentingNeed,
    ReferralSource,
    ReferralStatus,
    ReviewState,
    Role,
    TagOrigin,
)
from spstories.services import feedback as feedback_service
from spstories.services.sharing import CASE_STUDY_TEXT

ID = {"type": "integer", "minimum": 1}
DATE = {"type": "string", "format": "date"}
MOMENT = {"type": "string", "format": "date-time"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema.get("type")
    out = dict(schema)
    out["type"] = [kind, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def one_of(vocabulary: type[StrEnum]) -> dict[str, Any]:
    return {"type": "string", "enum": [m.value for m in vocabulary]}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Any], required: list[str] | None = None,
        closed: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties,
                           "required": list(properties) if required is None else required}
    if closed:
        out["additionalProperties"] = False
    return out


WITHHELD = nullable({"type": "string",
                     "description": "Why the text is not sent (consent, approval); null when "
                                    "it is."})

COUNT = obj({
    "value": nullable({"type": "integer", "minimum": 0,
                       "description": "The count; null when suppressed."}),
    "display": {"type": "string", "description": "As the dashboard shows it: the number, "
                "'<5' when small, '*' when hidden so a small one cannot be worked out."},
})

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": obj({
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Input problems by field name."},
    }, required=["error", "detail"]),
    "Links": obj({"self": {"type": "string"}, "next": nullable({"type": "string"})}),
    "PageMeta": obj({"limit": {"type": "integer"}, "next_cursor": nullable({"type": "string"})}),
    "Organisation": obj({"id": ID, "name": {"type": "string"}, "slug": {"type": "string"}}),
    "Me": obj({
        "id": ID, "name": {"type": "string"}, "email": {"type": "string"},
        "role": one_of(Role),
        "organisations": {"type": "array", "items": ref("Organisation")},
        "token": obj({"id": ID, "name": {"type": "string"}, "prefix": {"type": "string"},
                      "can_write": {"type": "boolean"}, "expires_at": nullable(MOMENT)}),
    }),
    "Client": obj({
        "id": ID, "organisation_id": ID, "reference": {"type": "string"},
        "age_band": one_of(AgeBand), "gender": one_of(Gender),
        "ethnic_group": one_of(EthnicGroup), "area": nullable({"type": "string"}),
        "imd_decile": nullable({"type": "integer", "minimum": 1, "maximum": 10}),
        "created_at": MOMENT,
    }),
    "Referral": obj({
        "id": ID, "organisation_id": ID, "client_id": ID, "referred_on": DATE,
        "source": one_of(ReferralSource), "service": nullable({"type": "string"}),
        "needs": {"type": "array", "items": one_of(PresentingNeed)},
        "status": one_of(ReferralStatus), "first_contact_on": nullable(DATE),
        "closed_on": nullable(DATE), "link_worker_id": nullable(ID), "created_at": MOMENT,
    }),
    "Activity": obj({"provider": {"type": "string"}, "activity": {"type": "string"},
                     "started_on": nullable(DATE)}),
    "CaseStudy": obj({
        "id": ID, "organisation_id": ID, "client_id": nullable(ID), "referral_id": nullable(ID),
        "status": one_of(CaseStudyStatus), "referral_source": nullable(one_of(ReferralSource)),
        "presenting_needs": {"type": "array", "items": {"type": "string"}},
        "activities": {"type": "array", "items": ref("Activity")},
        "submitted_at": nullable(MOMENT), "reviewed_at": nullable(MOMENT),
        "created_at": MOMENT, "updated_at": MOMENT,
        "text": nullable(obj({name: nullable({"type": "string"}) for name in CASE_STUDY_TEXT},
                             closed=True)),
        "text_withheld": WITHHELD,
    }),
    "Feedback": obj({
        "id": ID, "organisation_id": ID, "client_id": nullable(ID),
        "source": one_of(FeedbackSource), "channel": one_of(FeedbackChannel),
        "formal": {"type": "boolean"}, "received_on": DATE, "created_at": MOMENT,
        "text": nullable({"type": "string", "description": "De-identified, when consent "
                          "allows."}),
        "text_withheld": WITHHELD,
    }),
    "Score": obj({"scale": {"type": "string"}, "value": {"type": "number"},
                  "band": nullable({"type": "string"}),
                  "snomed_ct": nullable({"type": "string", "description": "SNOMED CT concept "
                                         "that records this score, where one is mapped."})}),
    "MeasureResponse": obj({
        "id": ID, "organisation_id": ID, "client_id": ID, "instrument": {"type": "string"},
        "instrument_version": {"type": "string"}, "timepoint": {"type": "string"},
        "review_number": nullable({"type": "integer"}), "administered_on": DATE,
        "administration_mode": {"type": "string"}, "modified": {"type": "boolean"},
        "answers": {"type": "object",
                    "additionalProperties": nullable({"type": "integer"})},
        "scores": {"type": "array", "items": ref("Score")}, "created_at": MOMENT,
    }),
    "Tag": obj({
        "id": ID, "organisation_id": ID, "client_id": nullable(ID),
        "document": obj({"type": {"type": "string", "enum": ["case_study", "feedback"]},
                         "id": ID}),
        "field": {"type": "string"}, "code": {"type": "string"},
        "codebook": obj({"key": {"type": "string"}, "version": {"type": "string"}}),
        "polarity": nullable(one_of(Polarity)), "origin": one_of(TagOrigin),
        "score": {"type": "number"}, "review_state": one_of(ReviewState),
        "created_at": MOMENT,
        "evidence": nullable({"type": "string", "description": "The evidence sentence, "
                              "de-identified, when consent allows."}),
        "evidence_withheld": WITHHELD,
    }),
    "Count": COUNT,
    "OutcomeCount": obj({"code": {"type": "string"}, "polarity": one_of(Polarity),
                         "clients": ref("Count"), "human_confirmed": ref("Count"),
                         "machine_only": ref("Count")}),
    "GroupOutcomeCount": obj({"code": {"type": "string"}, "polarity": one_of(Polarity),
                              "clients": ref("Count")}),
    "OutcomeCounts": obj({
        "organisation_ids": {"type": "array", "items": ID},
        "start": nullable(DATE), "end": nullable(DATE), "confirmed_only": {"type": "boolean"},
        "threshold": {"type": "integer"}, "clients_with_narrative": ref("Count"),
        "outcomes": {"type": "array", "items": ref("OutcomeCount")},
        "by": nullable({"type": "string"}),
        "groups": {"type": "array", "items": obj({
            "group": {"type": "string"}, "clients_with_narrative": ref("Count"),
            "outcomes": {"type": "array", "items": ref("GroupOutcomeCount")}})},
    }),
    "FeedbackInput": obj({
        "organisation_id": {**ID, "description": "One of your organisations; may be left "
                            "out when you belong to one only."},
        "source": one_of(FeedbackSource),
        "channel": one_of(FeedbackChannel),
        "received_on": {**DATE, "description": "Not in the future."},
        "text": {"type": "string", "minLength": 1,
                 "maxLength": feedback_service.MAX_LENGTH},
        "formal": {"type": "boolean"},
        "client_reference": {"type": "string", "maxLength": 64,
                             "description": "An existing client of that organisation."},
    }, required=["source", "channel", "received_on", "text"], closed=True),
    "ReferralInput": obj({
        "referred_on": DATE, "source": one_of(ReferralSource),
        "status": one_of(ReferralStatus),
        "service": {"type": "string", "maxLength": 120},
        "needs": {"type": "array", "items": one_of(PresentingNeed), "maxItems": 20},
        "first_contact_on": nullable(DATE),
    }, required=["referred_on", "source"], closed=True),
    "ClientInput": obj({
        "organisation_id": ID,
        "reference": {"type": "string", "minLength": 1, "maxLength": 64,
                      "pattern": r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                      "description": "The service's pseudonymous reference (N-0042), never "
                                     "a name."},
        "age_band": one_of(AgeBand), "gender": one_of(Gender),
        "ethnic_group": one_of(EthnicGroup),
        "area": {"type": "string", "maxLength": 8,
                 "description": "Postcode district only (M14, SW1A), never a full postcode."},
        "imd_decile": {"type": "integer", "minimum": 1, "maximum": 10},
        "referral": ref("ReferralInput"),
    }, required=["reference"], closed=True),
    "ClientWithReferrals": obj({
        "client": ref("Client"), "referrals": {"type": "array", "items": ref("Referral")},
    }),
}
