"""Sentence banks for the synthetic demo narratives.

Written for the demo, not taken from any real case study. Each entry is
(code, polarity) -> sentences; ``{name}`` is the client's invented first name,
``{they}``/``{their}`` pronouns, ``{activity}`` a linked activity.
"""

from __future__ import annotations

OUTCOME_SENTENCES: dict[tuple[str, str], list[str]] = {
    ("loneliness", "improved"): [
        "{name} says {they} no longer feel so alone during the week.",
        "{name} is getting out of the house most days now.",
        "Since starting {activity}, {name} feels much less isolated.",
    ],
    ("loneliness", "unchanged"): [
        "{name} still feels lonely in the evenings and at weekends.",
    ],
    ("loneliness", "worsened"): [
        "After the group closed {name} became more isolated and rarely left the flat.",
    ],
    ("connection", "improved"): [
        "{name} has made new friends at {activity} and they meet for coffee afterwards.",
        "{name} has reconnected with {their} sister and now sees her every week.",
    ],
    ("confidence", "improved"): [
        "{name} has grown in confidence and now speaks up in the group.",
        "{name} told me {they} feel more confident going to new places on {their} own.",
    ],
    ("wellbeing", "improved"): [
        "{name} says {they} feel happier and have something to look forward to each week.",
        "{name} describes feeling more positive about the future.",
    ],
    ("wellbeing", "worsened"): [
        "{name} has been feeling very low since the winter.",
    ],
    ("anxiety", "improved"): [
        "{name} feels less anxious about leaving the house.",
        "{name} says the panic attacks are less frequent now.",
    ],
    ("anxiety", "unchanged"): [
        "{name} is still very anxious about money and sleeping badly because of it.",
    ],
    ("volunteering", "improved"): [
        "{name} has started volunteering at the community garden two mornings a week.",
        "{name} now volunteers at the food bank and helps to run the Tuesday session.",
    ],
    ("engagement", "improved"): [
        "{name} now attends {activity} every week and rarely misses a session.",
        "{name} goes to a group almost every day, which gives {their} week a routine.",
    ],
    ("physical_activity", "improved"): [
        "{name} joined the walking group and now walks three times a week.",
        "{name} has started swimming again after several years.",
    ],
    ("physical_health", "improved"): [
        "{name} is sleeping better and has lost some weight.",
    ],
    ("physical_health", "worsened"): [
        "{name}'s arthritis has got worse and {they} struggle with the stairs.",
    ],
    ("finances", "improved"): [
        "With help from the debt advice service {name} now has a repayment plan "
        "and the debt is under control.",
        "{name} received a grant for a new cooker and is now getting the benefits "
        "{they} are entitled to.",
    ],
    ("finances", "unchanged"): [
        "{name} is still waiting for a decision on {their} benefits claim.",
    ],
    ("housing", "improved"): [
        "The housing officer arranged repairs and {name}'s flat is now warm and dry.",
    ],
    ("housing", "worsened"): [
        "{name} lost {their} tenancy in the spring and is now sofa surfing.",
    ],
    ("employment", "improved"): [
        "{name} has found part-time paid work at a local shop.",
    ],
    ("learning", "improved"): [
        "{name} completed a digital skills course and can now video call {their} grandchildren.",
    ],
    ("control", "improved"): [
        "{name} says {they} now know where to turn when things get difficult.",
        "{name} feels more in control of {their} life and is managing {their} diabetes well.",
    ],
    ("service_use", "improved"): [
        "{name} has been to the GP far less often since being referred.",
    ],
    ("access", "improved"): [
        "{name} was linked to the Citizens Advice service and has been seen twice.",
    ],
    ("access", "unchanged"): [
        "The referral to counselling has not been taken up yet and support has ended.",
    ],
}

BACKGROUND = [
    "{name} was referred by {their} GP after several appointments about low mood.",
    "{name} lives alone since {their} partner died two years ago.",
    "At our first meeting we talked about what matters to {name}.",
    "We met at a café near {their} home to agree a plan together.",
]

WHAT_MATTERS = [
    "Getting out of the house and meeting people.",
    "Sorting out money worries.",
    "Feeling useful again.",
    "Getting fitter and more active.",
    "Being able to see family more often.",
]

ACTIVITIES = [
    ("Riverside Walking Group", "weekly health walk"),
    ("Community Garden Project", "gardening volunteers"),
    ("Age Friendly Lunch Club", "lunch club"),
    ("Men's Shed", "woodwork sessions"),
    ("Library", "digital skills course"),
    ("Citizens Advice", "debt advice"),
    ("Arts for Health", "art class"),
    ("Leisure Centre", "swimming sessions"),
    ("Food Bank", "volunteering"),
    ("Choir in the Community", "singing group"),
]

FEEDBACK_SENTENCES = [
    "My link worker listened and helped me find the walking group, I feel so much better.",
    "I have made friends at the lunch club and I am not lonely any more.",
    "The advice about my debts took a weight off my mind.",
    "Thank you for your patience, I now know where to go for help.",
    "I still find it hard to leave the house but the phone calls help.",
    "My mum has more confidence since she started going to the craft group.",
    "The patient has attended the GP surgery much less since the referral.",
    "It was nice to talk but nothing really changed for me.",
    "Volunteering at the garden has given me a reason to get up in the morning.",
]

FIRST_NAMES = [
    "Alex",
    "Sam",
    "Jo",
    "Chris",
    "Pat",
    "Robin",
    "Jamie",
    "Morgan",
    "Taylor",
    "Casey",
    "Jordan",
    "Charlie",
    "Frankie",
    "Max",
    "Billie",
    "Ash",
    "Kim",
    "Lee",
    "Sandy",
    "Toni",
]
