"""Controlled vocabularies, in the words social prescribing services use.

Each is a ``StrEnum`` whose value is what gets stored and exported and whose
``label`` is what people read.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value.replace("_", " ").capitalize())

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for forms and filters."""
        return [(member.value, member.label) for member in cls]


class Role(_Labelled):
    LINK_WORKER = "link_worker"
    MANAGER = "manager"
    RESEARCHER = "researcher"
    ADMIN = "admin"


class ReferralSource(_Labelled):
    GP = "gp"
    SELF = "self"
    OTHER_PROFESSIONAL = "other_professional"
    VCSE = "vcse"
    OTHER = "other"


class ReferralStatus(_Labelled):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"


class ConsentLevel(_Labelled):
    """What a client agreed their material may be used for, from narrowest to widest."""

    NONE = "none"
    INTERNAL = "internal"
    ANONYMISED_EXTERNAL = "anonymised_external"
    NAMED_EXTERNAL = "named_external"

    def allows(self, wanted: ConsentLevel) -> bool:
        """True when this level covers the wanted use (levels are nested)."""
        order = list(ConsentLevel)
        return wanted is not ConsentLevel.NONE and order.index(self) >= order.index(wanted)


class ConsentMethod(_Labelled):
    VERBAL = "verbal"
    WRITTEN = "written"
    ELECTRONIC = "electronic"


class CaseStudyStatus(_Labelled):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


class FeedbackSource(_Labelled):
    CLIENT = "client"
    REFERRER = "referrer"
    FAMILY_CARER = "family_carer"
    PARTNER_ORGANISATION = "partner_organisation"


class FeedbackChannel(_Labelled):
    FOLLOW_UP_CALL = "follow_up_call"
    IN_PERSON = "in_person"
    SURVEY = "survey"
    EMAIL = "email"
    LETTER = "letter"


class TagOrigin(_Labelled):
    RULE = "rule"
    MODEL = "model"
    HUMAN = "human"


class ReviewState(_Labelled):
    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class AgeBand(_Labelled):
    UNDER_18 = "under_18"
    AGE_18_24 = "18-24"
    AGE_25_34 = "25-34"
    AGE_35_44 = "35-44"
    AGE_45_54 = "45-54"
    AGE_55_64 = "55-64"
    AGE_65_74 = "65-74"
    AGE_75_PLUS = "75+"
    NOT_KNOWN = "not_known"


class Gender(_Labelled):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    OTHER = "other"
    NOT_KNOWN = "not_known"


class EthnicGroup(_Labelled):
    """The five high-level ONS 2021 census groups, plus not stated."""

    ASIAN = "asian"
    BLACK = "black"
    MIXED = "mixed"
    WHITE = "white"
    OTHER = "other"
    NOT_STATED = "not_stated"


_LABELS = {
    "link_worker": "Link worker",
    "gp": "GP",
    "self": "Self-referral",
    "other_professional": "Other professional",
    "vcse": "VCSE organisation",
    "internal": "Internal use only",
    "anonymised_external": "Anonymised external use",
    "named_external": "Named external use",
    "none": "No consent",
    "referrer": "GP or referrer",
    "family_carer": "Family or carer",
    "follow_up_call": "Follow-up call",
    "under_18": "Under 18",
    "not_known": "Not known",
    "not_stated": "Not stated",
    "non_binary": "Non-binary",
    "18-24": "18-24",
    "75+": "75 and over",
    "asian": "Asian or Asian British",
    "black": "Black, Black British, Caribbean or African",
    "mixed": "Mixed or multiple ethnic groups",
    "other": "Other",
}


class PresentingNeed(_Labelled):
    """Needs at referral; values are the outcomes codebook's ids, so needs and outcomes line up."""

    LONELINESS = "loneliness"
    WELLBEING = "wellbeing"
    ANXIETY = "anxiety"
    CONFIDENCE = "confidence"
    CONNECTION = "connection"
    CONTROL = "control"
    PHYSICAL_ACTIVITY = "physical_activity"
    PHYSICAL_HEALTH = "physical_health"
    ENGAGEMENT = "engagement"
    LEARNING = "learning"
    EMPLOYMENT = "employment"
    FINANCES = "finances"
    HOUSING = "housing"
    SUBSTANCE_USE = "substance_use"


_LABELS.update(
    {
        "loneliness": "Loneliness or isolation",
        "wellbeing": "Low mood or wellbeing",
        "anxiety": "Anxiety, stress or mental health",
        "confidence": "Confidence or self-esteem",
        "connection": "Relationships or belonging",
        "control": "Coping or managing day to day",
        "physical_activity": "Physical activity",
        "physical_health": "Physical health or long-term condition",
        "engagement": "Meaningful activity or routine",
        "learning": "Learning or skills",
        "employment": "Work or job search",
        "finances": "Money, debt or benefits",
        "housing": "Housing",
        "substance_use": "Alcohol, drugs or gambling",
    }
)


class JobStatus(_Labelled):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReviewDecision(_Labelled):
    """What a reviewer decided about a machine tag (or that they added a missed one)."""

    ACCEPT = "accept"
    REJECT = "reject"
    CHANGE = "change"
    ADD = "add"
