"""The polarity reader's word lists: how English marks change, negation and hypotheticals.

Phrases use the codebook phrase syntax (inflected unless ``=``); multi-word cues win over
their parts ("no longer" over "no"). These lists are general English, not tuned to any
text; the component's config can replace them and ``to_disk`` writes them as JSON.
"""

from __future__ import annotations

# fmt: off
DEFAULT_CUES: dict[str, list[str]] = {
    # More of the state: increase, onset, causation ("gave me confidence").
    "up": [
        "more", "=much more", "increase", "grow", "gain", "boost", "build", "=built", "rise",
        "raise", "higher", "develop", "regain", "rebuild", "restore", "enhance", "lift",
        "=got more", "=getting more", "=get more", "give me back", "=gave me back", "get back",
        "come back", "bring back", "=back again", "go up", "=went up", "=gone up",
    ],
    # Causing or starting the state; only read before the state's words.
    "cause": [
        "give", "make", "bring", "put", "instil", "find", "discover", "start to", "start",
        "begin", "=became", "=become", "=becoming", "=becomes", "new", "=extra", "=added",
        "equip", "=equipped", "leave me", "=left me", "=left her", "=left him", "=left us",
        "=left them",
    ],
    # Less of the state: decrease, loss, ending.
    "down": [
        "less", "fewer", "reduce", "decrease", "lower", "drop", "=dropped", "go down",
        "come down", "=went down", "=came down", "=eased", "=easing",
        "ease my|the|his|her|their", "cut down", "cut back", "fall", "=fell", "come off",
        "=came off", "=no more", "gone", "disappear", "overcome", "beat", "lessen", "=not as",
        "=not so", "=n't as", "=n't so", "=nt as", "=nt so", "fade", "minimise", "minimize",
        "get rid of", "=got rid of", "stop", "quit", "give up", "=gave up", "lose", "=lost",
        "shrink", "=free", "=away", "=out of",
    ],
    # Better or worse whatever the state's direction ("my anxiety improved" = improved).
    "good": [
        "improve", "improvement", "better", "=best", "benefit", "=beneficial", "=sorted",
        "resolve", "=on top of", "=under control", "progress", "transform", "=turned around",
        "=turn around", "come on so much", "come on loads", "come on leaps and bounds",
        "come on a lot", "come on massively", "=really come on", "=really came on",
    ],
    # Help towards the state: improvement when read before it, or weakly anywhere.
    "help": [
        "help with", "help me", "help us", "help him", "help her", "help them", "help to",
        "help my", "help our", "help his", "help their", "=helpful", "support me", "support us",
        "support him", "support her", "support with", "thanks to", "=thank", "enable",
        "encourage", "empower", "allow", "=able", "manage", "cope with", "deal with", "tackle",
        "handle", "relieve", "teach", "=taught", "=positive", "=difference", "=worked on",
        "=work on",
    ],
    "bad": [
        "=worse", "=worst", "worsen", "deteriorate", "decline", "=go downhill",
        "=went downhill", "=going downhill", "affect", "=affected", "ruin", "damage", "=spiral",
        "=spiralled", "=spiralling", "=plummet", "=plummeted", "descend",
    ],
    "still": [
        "=still", "continue to", "remain", "persist", "=no change", "=no different",
        "=the same", "=as before", "=unchanged", "=ongoing",
    ],
    # Difficulty: a need, not an outcome, unless "still" says it persists.
    "difficulty": [
        "struggle", "=struggling", "=challenge", "=hard to", "=difficult to", "=difficulty",
        "=difficulties", "=trouble", "=problems with", "=issues with",
    ],
    "not_yet": [
        "=not yet", "=n't yet", "=nt yet", "=yet to",
    ],
    "no_longer": [
        "=no longer", "=any more", "=anymore", "=any longer", "=not any more", "=nomore",
    ],
    "used_to": [
        "=used to", "=use to",
    ],
    "negation": [
        "=not", "=n't", "=n’t", "=nt", "=never", "=no", "=nothing", "=none", "=nobody",
        "=neither", "=nor", "=without", "=hardly", "=barely", "=unable", "=no one", "=no-one",
        "=lack", "=lacking", "=lacked",
    ],
    # "Without them I wouldn't have ...": what follows is an improvement.
    "counterfactual": [
        "=would not have", "=would n't have", "=could not have", "=could n't have",
        "=\"d not have", "=\"d have", "=would n't of", "=could n't of", "=wouldnt have",
        "=couldnt have", "=would never have", "=could never have",
    ],
    # Politeness formulas whose "would"/"can't" are neither wishes nor negations.
    "ignore": [
        "=would like to thank", "=would like to say", "=\"d like to thank", "=like to thank",
        "=want to thank", "=want to say", "=would recommend", "=would highly recommend",
        "=would not hesitate", "=would n't hesitate", "=ca n't thank", "=can not thank",
        "=could n't thank", "=ca n't recommend", "=can not recommend",
        "=could n't have asked for", "=could not have asked for", "=could n't ask for",
        "=could not ask for", "=could n't of asked for", "=ca n't fault", "=can not fault",
        "=could n't fault", "=nothing was too much", "=no matter", "=would say", "=i \"d say",
        "=at ease", "get used to", "be used to", "become used to", "=would n't wish",
        "=wouldnt wish", "=will be pleased to", "=will be glad to", "=\"ll be pleased to",
    ],
    # Wishes, plans, conditions and general statements are not outcomes.
    "hypothetical": [
        "=would", "=\"d", "=might", "=may", "=should", "=if", "wish", "hope to", "=hopefully",
        "want to", "=wants", "=like to", "plan to", "=going to", "=will", "=\"ll", "need to",
        "=needs", "aim to", "=unless", "=whether", "try to", "=would like", "intend to",
        "=looking to", "=in case", "=hoped", "=expect", "=expected", "=supposed to", "=offer",
        "=offers", "=want",
    ],
    # Ability: a possibility ("they can help you") unless "now"/"again" say it happened.
    "modal": [
        "=can", "=ca", "=could", "=cannot",
    ],
    # ... or unless the speaker says it of themselves ("I can go out on my own").
    "ability": [
        "=i =can", "=we =can", "=i =ca", "=we =ca", "=i =cannot",
    ],
    # Words that turn "can"/"could" back into a reported change ("I can now go out").
    "now": [
        "=now", "=again", "=finally", "=since", "=at last", "=these days", "=nowadays",
        "=for the first time", "=since then", "=since starting", "=since joining",
        "=since coming", "=since attending",
    ],
    # Background: needs stated at referral, diagnoses, reasons for referral.
    "background": [
        "refer for", "=referred because", "=referral for", "=referred with", "suffer",
        "=diagnosed", "=history of", "=due to", "=because of my", "=when i was", "=at the time",
        "=at that time",
    ],
    # Taking part: the verbs that make an activity noun an outcome ("enjoyed the group").
    "participation": [
        "attend", "join", "become", "=became", "enjoy", "love", "=look forward",
        "=looking forward", "=looks forward", "=looked forward", "take part", "participate",
        "get involved", "=got involved", "=involved in", "go to", "=going to the",
        "=going to a", "=going to my", "=going to our", "=going to her", "=going to his",
        "=went to", "come to", "=came to", "start", "begin", "try", "sign up", "enrol",
        "enroll", "take up", "=took up", "=every week", "=each week", "=weekly", "=regularly",
        "do", "=did", "go", "=went", "come", "=came", "continue", "carry on", "=carried on",
        "complete", "finish", "have fun", "=had fun", "=keep", "=kept", "=keeps", "=still",
        # also "now" cues: "since joining the walking group" says it was joined
        "=since starting", "=since joining", "=since coming", "=since attending",
    ],
}
# fmt: on


# Single words the decision rules look at by class (not configurable: they are grammar).
# Punctuation classes are read from the doc's punctuation tokens, the rest by a matcher.
WORD_CLASSES: dict[str, tuple[str, ...]] = {
    "clause": (
        ",",
        ";",
        ":",
        "(",
        ")",
        "–",
        "—",
        "but",
        "although",
        "though",
        "however",
        "whereas",
        "whilst",
        "while",
    ),
    "dash": ("-",),
    "contrast": ("but", ";", "however", "although", "though", "whereas", "whilst"),
    "never": ("never",),
    "never_degree": ("so", "as", "this", "more"),
    "not_degree": ("so", "as", "too"),
    "without": ("without", "before"),
    "modal": ("would", "'d", "could", "might", "should", "will", "'ll"),
}
SUBJECTS = frozenset({"i", "he", "she", "they", "we", "you", "it"})
# Conjunctions that, right before a verb, start another verb phrase of the same subject
# ("I go to the group and no longer feel lonely"): a cue after them is that phrase's.
# ("or"/"nor" are left out: under a negation they share it, "no longer X or Y".)
CONJUNCTIONS = frozenset({"and", "then", "&"})
# First words of the cessation cues that follow what they end ("I don't go there any
# more", "not lonely anymore"); the others ("no longer") come before it.
TRAILING_CESSATION = frozenset({"any", "anymore"})
