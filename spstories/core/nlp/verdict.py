"""The polarity decision for one match, from the cues found in its sentence.

Pure Python over token offsets, so it can be tested without building a pipeline. The
rules, in order:

1. "Without them I wouldn't have ..." (a counterfactual) reports an improvement in
   what follows the "wouldn't have".
2. A wish, plan or condition before the match ("I would like to make friends", "if I
   feel lonely"), or a modal after it in its clause, is not an outcome; "can"/"could" are
   read as possibilities unless said of oneself or with "now"/"again".
3. Event phrases ("made new friends", "lost my home") carry their own polarity; a
   negation before them makes an improvement "unchanged" ("didn't make any friends").
4. State words ("lonely", "confidence") need a change cue. "No longer"/"any more" and
   "used to" mean the state stopped; "never ... so" means more of it than ever; otherwise
   the nearest cue in the clause decides: more/less, comparatives, started/gave/made,
   improved/worse, helped, still, not yet; a negation before the cue gives "unchanged".
   "No longer" ends what follows it (or its subject: "anxiety is no longer a problem"),
   "any more" the verb phrase before it; neither reaches past another match, a subject
   pronoun or an "and" ("since joining the group I no longer feel lonely" ends the
   loneliness, not the group), and a cue after the match does not reach back past an
   "and" right before it ("joined a group and stopped feeling low").
5. A negated state with "now"/"so"/"any more" ("I don't get stressed so easily now")
   means less of it. A state with nothing else is a need or a description: no tag.
6. Failing all that, "helped"/"thanks to" earlier in the clause, or "now" in it, give a
   weaker improvement; background phrases ("referred for", "suffer") block this.

Activities ("group", "volunteering") count only when taken part in ("enjoyed the group",
"started volunteering", "still go"); "didn't go" is unchanged, "stopped going" worsened.
Less of a bad state (loneliness, anxiety, debt) is an improvement.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from spstories.core.nlp.cues import CONJUNCTIONS, SUBJECTS, TRAILING_CESSATION
from spstories.core.nlp.extensions import Match

WINDOW_BEFORE = 5
WINDOW_AFTER = 4
WINDOW_TAKING_PART = 7  # programme names often stand between "enjoyed" and "sessions"
NEG_REACH = 3
HYPOTHETICAL_REACH = 12
EVENT_ROLES = frozenset({"improved", "worsened", "unchanged"})
_STATE_CHANGE = frozenset(
    {"up", "down", "good", "bad", "cause", "help", "still", "not_yet", "difficulty"}
)
_ACTIVITY_CHANGE = frozenset({"participation", "still", "not_yet", "difficulty"})
_AFTER_OK = frozenset({"up", "down", "good", "bad", "still"})
_AFTER_CUES = _AFTER_OK | {"participation"}
_MORE_LESS = frozenset({"up", "down"})
_STOP = frozenset({"down", "no_longer"})
_BACKGROUND = frozenset({"background", "difficulty"})
_HELPFUL = frozenset({"help", "good"})
# Categories without which a state or an activity cannot be an outcome.
_STATE_ANY = _STATE_CHANGE | {"no_longer", "used_to", "negation", "now"}
_ACTIVITY_ANY = _ACTIVITY_CHANGE | {"no_longer", "used_to", "up", "down"}


class Cue(NamedTuple):
    categories: frozenset[str]
    start: int
    end: int

    def is_(self, category: str) -> bool:
        return category in self.categories


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs, once a doc
class DocCues:
    """What the rules read in a whole doc (token offsets): cues, longest phrase first at
    each position, sorted; clause breaks; and the positions of each word class (see
    ``cues.WORD_CLASSES``: "never", "subject", "contrast", ...), sorted. Not changed
    once made."""

    cues: list[Cue]
    breaks: list[int]
    positions: dict[str, list[int]]
    cue_starts: list[int] | None = None  # the cues' starts, made here when not given

    def __post_init__(self) -> None:
        if self.cue_starts is None:
            self.cue_starts = [c[1] for c in self.cues]


class SentenceCues:
    """One sentence of a doc as the rules see it, with the codebook matches in it."""

    __slots__ = ("_after_would", "cues", "doc", "end", "present", "start", "terms", "words")

    def __init__(
        self,
        start: int,
        end: int,
        doc: DocCues,
        terms: list[tuple[int, int]] | None = None,
        words: Callable[[int], str] = str,
    ) -> None:
        self.start, self.end, self.doc = start, end, doc
        self.terms = terms or []
        self.words = words  # token offset -> lower-case word, read lazily
        starts = doc.cue_starts
        found = doc.cues[bisect_left(starts, start) : bisect_left(starts, end)]
        # Cues do not overlap, so their ends rise: only the last can reach past ``end``.
        if found and found[-1][2] > end:
            found.pop()
        self.cues = found
        # every cue category in the sentence
        self.present: set[str] = set().union(*[c[0] for c in self.cues])
        self._after_would: int | None = -1

    def at(self, word_class: str, start: int, end: int) -> list[int]:
        """Positions of words of ``word_class`` in [start, end)."""
        found = self.doc.positions.get(word_class)
        if not found:
            return []
        return found[bisect_left(found, start) : bisect_left(found, end)]

    def counterfactual_end(self) -> int | None:
        """Token offset after "wouldn't have" in a "without ..." sentence, or None."""
        if self._after_would == -1:
            self._after_would = None
            if "counterfactual" in self.present and self.at("without", self.start, self.end):
                self._after_would = min(c.end for c in self.cues if c.is_("counterfactual"))
        return self._after_would

    def term_between(self, start: int, end: int) -> bool:
        """True when another codebook match lies inside [start, end)."""
        return any(start <= s and e <= end for s, e in self.terms)

    def term_from(self, start: int, end: int) -> bool:
        """True when a codebook match begins in [start, end)."""
        return any(start <= s < end for s, _ in self.terms)

    def subject_between(self, start: int, end: int) -> bool:
        """A pronoun between a state and a later verb starts another clause ("happy and
        they never give up")."""
        return any(self.words(i) in SUBJECTS for i in range(start, end))

    def conjunction_between(self, start: int, end: int) -> bool:
        """An "and"/"then" in [start, end): past it a verb starts another verb phrase
        ("I joined the group and no longer feel lonely")."""
        return any(self.words(i) in CONJUNCTIONS for i in range(start, end))

    def after_conjunction(self, start: int, floor: int) -> bool:
        """The word before ``start`` (not before ``floor``) is an "and"/"then": what
        begins at ``start`` is another verb phrase ("lonely and stopped going out")."""
        return start > floor and self.words(start - 1) in CONJUNCTIONS


Verdict = tuple[str, float, str]


def _polarity(direction: int, valence: int) -> str:
    return "improved" if direction * valence > 0 else "worsened"


def _any_within(found: list[int] | None, start: int, end: int) -> bool:
    """Whether the sorted ``found`` holds a position in [start, end): ``at`` without
    building the list (the rules run for every match)."""
    if not found:
        return False
    i = bisect_left(found, start)
    return i < len(found) and found[i] < end


# The rules below read cues as plain tuples (categories, start, end) and test categories
# with ``in``/``isdisjoint``: they run for every match of every doc, and attribute access
# and set building there cost a measurable share of the tagger's time.
def judge(match: Match, sc: SentenceCues) -> Verdict | None:
    """(polarity, score, cue) for a match in its sentence, or None if no outcome."""
    _, role, ms, me, _, w, comparative = match
    present = sc.present
    if "counterfactual" in present:  # without one, counterfactual_end() is None
        after_would = sc.counterfactual_end()
        if after_would is not None and ms >= after_would:
            return "improved", 0.7 * w, "counterfactual"
    positions = sc.doc.positions
    # Most matches in running text meet no cue that could make them an outcome.
    if role == "activity":
        if present.isdisjoint(_ACTIVITY_ANY):
            return None
    elif (
        role not in EVENT_ROLES
        and not comparative
        and present.isdisjoint(_STATE_ANY)
        and not _any_within(positions.get("never"), sc.start, ms)
    ):
        return None

    # One pass over the sentence's cues: the clause's cues before and after the match.
    # The clause runs between the breaks around the match; the scope of a wish or
    # condition starts at the last contrast ("but", ";") before it, at most
    # HYPOTHETICAL_REACH back. Written inline: this runs for every match.
    s_start, s_end = sc.start, sc.end
    cs, ce = s_start, s_end
    breaks = sc.doc.breaks
    if breaks:
        i = bisect_left(breaks, ms)
        if i and breaks[i - 1] >= s_start:
            cs = breaks[i - 1] + 1
        i = bisect_left(breaks, me)
        if i < len(breaks) and breaks[i] < s_end:
            ce = breaks[i]
    scope = ms - HYPOTHETICAL_REACH if ms - HYPOTHETICAL_REACH > s_start else s_start
    contrasts = positions.get("contrast")
    if contrasts:
        i = bisect_left(contrasts, ms)
        if i and contrasts[i - 1] >= scope:
            scope = contrasts[i - 1] + 1
    before: list[Cue] = []  # nearest first
    after: list[Cue] = []  # nearest first
    negations: list[Cue] = []  # negations just before the match, nearest first
    wish = modal = now = False
    for c in sc.cues:
        categories, start, end = c
        if end <= ms:
            if start >= scope:
                wish = wish or "hypothetical" in categories
                modal = modal or "modal" in categories
            if start >= cs:
                before.append(c)
                now = now or "now" in categories
                if ms - end < WINDOW_BEFORE and "negation" in categories:
                    negations.append(c)
        elif start >= me and end <= ce:
            after.append(c)
            now = now or "now" in categories
    if wish or (modal and not now) or _any_within(positions.get("modal"), me, ce):
        return None
    before.reverse()
    negations.reverse()
    if role in EVENT_ROLES:
        near = [c for c in before if ms - c[2] < WINDOW_BEFORE]
        near += [c for c in after if c[1] - me < WINDOW_AFTER]
        return _event(match, near, bool(negations), sc, before, ce)
    valence = -1 if role == "negative" else 1
    activity = role == "activity"

    for c in before:
        if ms - c[2] >= WINDOW_BEFORE:
            break
        if "no_longer" in c[0] and _ends(c, match, sc, before, ce):
            return _polarity(-1, valence), 0.85 * w, "no longer"
        if "used_to" in c[0]:  # "got used to" is an ignored phrase, not this cue
            return _polarity(-1, valence), 0.85 * w, "used to"
    for c in after:
        if c[1] - me >= WINDOW_AFTER:
            break
        if "no_longer" in c[0] and _ends(c, match, sc, before, ce):
            return _polarity(-1, valence), 0.85 * w, "no longer"
    if not activity and _never_so(ms, positions, scope):
        return _polarity(1, valence), 0.85 * w, "never so"
    if comparative and not negations:
        return _polarity(1, valence), 0.85 * w, "comparative"

    cue = _nearest_change(match, sc, before, after, activity)
    if cue is not None:
        categories, cue_start, cue_end = cue
        if "difficulty" in categories:  # a need, unless "still" says it persists
            if any("still" in c[0] for c in before + after):
                return "unchanged", 0.7 * w, "still+difficulty"
            return None
        negated = False
        if cue_end <= ms:
            if negations:
                negated = True
            else:
                for n in before:
                    if "negation" in n[0] and cue_start - NEG_REACH <= n[1] < cue_start:
                        negated = True
                        break
        else:
            for n in after:
                if "negation" in n[0] and n[1] < cue_start:
                    negated = True
                    break
        return _from_cue(cue, valence, activity, negated, w, before, after)
    if activity:
        return None

    if negations:
        first = negations[0][1]
        if sc.term_between(first, ms):  # "not so worried about money"
            return None
        if _any_within(positions.get("not_degree"), first, ms) or now:
            return _polarity(-1, valence), 0.75 * w, "not any more"
        return None
    if not present.isdisjoint(_BACKGROUND):
        return None
    for c in before:
        if not c[0].isdisjoint(_HELPFUL) and not any(
            "negation" in n[0] and c[1] - NEG_REACH <= n[1] < c[1] for n in before
        ):
            return "improved", 0.6 * w, "helped (clause)"
    if now:
        return _polarity(1, valence), 0.55 * w, "now (clause)"
    return None


_STATE_AFTER = _STATE_CHANGE & _AFTER_CUES
_ACTIVITY_AFTER = _ACTIVITY_CHANGE & _AFTER_CUES


def _nearest_change(
    match: Match, sc: SentenceCues, before: list[Cue], after: list[Cue], activity: bool
) -> Cue | None:
    """The change cue nearest the match: before it (preferred on a tie) within reach,
    or after it within ``WINDOW_AFTER`` and no pronoun between."""
    if activity:
        wanted, wanted_after, reach = _ACTIVITY_CHANGE, _ACTIVITY_AFTER, WINDOW_TAKING_PART
    else:
        wanted, wanted_after, reach = _STATE_CHANGE, _STATE_AFTER, WINDOW_BEFORE
    ms, me = match[2], match[3]
    best, distance = None, reach
    for c in before:
        gap = ms - c[2]
        if gap >= distance:
            break
        if not c[0].isdisjoint(wanted):
            best, distance = c, gap
            break
    limit = min(distance, WINDOW_AFTER)
    for c in after:
        gap = c[1] - me
        if gap >= limit:
            break
        categories = c[0]
        if (
            (
                not categories.isdisjoint(wanted_after)
                or (activity and gap < 2 and not categories.isdisjoint(_MORE_LESS))
            )
            and not sc.subject_between(me, c[1])  # "socialises more"
            and not sc.after_conjunction(c[1], me)  # not "joined it and stopped feeling low"
        ):
            return c
    return best


def _never_so(start: int, positions: dict[str, list[int]], scope: int) -> bool:
    """ "I've never been so lonely": "never" then so/as/this before the state, in a list
    of states ("never so frightened, scared, lonely") across commas. ``scope`` is where a
    wish or condition before ``start`` could begin (see ``judge``)."""
    nevers = positions.get("never")
    if not nevers:
        return False
    i = bisect_left(nevers, scope)
    return (
        i < len(nevers)
        and nevers[i] < start
        and _any_within(positions.get("never_degree"), nevers[i] + 1, start)
    )


def _ends(c: Cue, match: Match, sc: SentenceCues, before: list[Cue], clause_end: int) -> bool:
    """Whether the cessation cue ``c`` ("no longer", "any more") ends what ``match``
    names, rather than another phrase of its sentence. "No longer" governs what follows
    it, and what precedes it only as that phrase's subject ("anxiety is no longer a
    problem"); "any more" ends the verb phrase before it, back to its negation ("I don't
    go to the group any more"). Neither reaches past another codebook match, a subject
    pronoun (another clause: "since joining the group I no longer feel lonely") or an
    "and"/"then" (another verb phrase: "I joined the group and no longer feel lonely")."""
    ms, me = match[2], match[3]
    trailing = sc.words(c[1]) in TRAILING_CESSATION
    if c[2] <= ms:  # "I no longer feel lonely"
        return not (trailing or sc.term_between(c[2], ms) or sc.conjunction_between(c[2], ms))
    if sc.term_between(me, c[1]) or sc.subject_between(me, c[1]):
        return False
    if trailing:  # "I don't see my friends and family any more": one negation for both
        return not sc.conjunction_between(me, c[1]) or any("negation" in b[0] for b in before)
    # A "no longer" with a match just after it is that match's, not the one before
    # ("since joining the group Mary no longer feels isolated").
    return not (
        sc.conjunction_between(me, c[1])
        or sc.term_from(c[2], min(c[2] + WINDOW_BEFORE, clause_end))
    )


def _event(
    match: Match, near: list[Cue], negated: bool, sc: SentenceCues, before: list[Cue], ce: int
) -> Verdict | None:
    w = match.weight
    role = match.role
    if any("not_yet" in c[0] for c in near):
        return "unchanged", 0.7 * w, "not yet"
    if role == "improved" and any(
        "difficulty" in c[0] and 0 <= match.start - c[2] < 2 for c in near
    ):
        return "unchanged", 0.7 * w, "difficulty"  # "hard to get an appointment"
    if any("no_longer" in c[0] and _ends(c, match, sc, before, ce) for c in near):
        return ("worsened", 0.7 * w, "no longer") if role == "improved" else None
    if negated:
        return ("unchanged", 0.7 * w, "negated") if role == "improved" else None
    return role, 0.8 * w, "event"


@cache
def _label(categories: frozenset[str]) -> str:
    return "+".join(sorted(categories))


def _stopped(cue_start: int, before: list[Cue], after: list[Cue]) -> bool:
    """A "stop"/"no longer" cue just before the change cue ("stopped attending")."""
    for cues in (before, after):
        for c in cues:
            if 0 <= cue_start - c[2] < 2 and not c[0].isdisjoint(_STOP):
                return True
    return False


def _from_cue(
    cue: Cue,
    valence: int,
    activity: bool,
    negated: bool,
    w: float,
    before: list[Cue],
    after: list[Cue],
) -> Verdict | None:
    categories = cue[0]
    label = _label(categories)
    if negated:
        return "unchanged", 0.7 * w, f"not {label}"
    if "not_yet" in categories:
        return "unchanged", 0.7 * w, label
    if "still" in categories:
        if activity:
            return "improved", 0.75 * w, label
        return "unchanged", 0.7 * w, label
    if activity and "participation" in categories:
        # "stopped attending the group"; a "since joining" dates the taking part, and
        # what stands before it belongs to another verb ("less often since joining")
        if "now" not in categories and _stopped(cue[1], before, after):
            return "worsened", 0.75 * w, f"stopped {label}"
        return "improved", 0.75 * w, label
    if "good" in categories or "help" in categories:
        return "improved", 0.85 * w, label
    if "bad" in categories:
        return "worsened", 0.85 * w, label
    if "up" in categories or "cause" in categories:
        return _polarity(1, valence), 0.85 * w, label
    if "down" in categories:
        return _polarity(-1, valence), 0.85 * w, label
    return None
