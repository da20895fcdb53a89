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
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from spstories.core.nlp.cues import SUBJECTS
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


@dataclass(frozen=True, slots=True)
class DocCues:
    """What the rules read in a whole doc (token offsets): cues, longest phrase first at
    each position, sorted; clause breaks; and the positions of each word class (see
    ``cues.WORD_CLASSES``: "never", "subject", "contrast", ...), sorted."""

    cues: list[Cue]
    breaks: list[int]
    positions: dict[str, list[int]]
    cue_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cue_starts.extend(c.start for c in self.cues)


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
        self.cues = [c for c in found if c.end <= end]
        present: set[str] = set()
        for c in self.cues:
            present |= c.categories
        self.present = present  # every cue category in the sentence
        self._after_would: int | None = -1

    def at(self, word_class: str, start: int, end: int) -> list[int]:
        """Positions of words of ``word_class`` in [start, end)."""
        found = self.doc.positions.get(word_class)
        if not found:
            return []
        return found[bisect_left(found, start) : bisect_left(found, end)]

    def clause(self, start: int, end: int) -> tuple[int, int]:
        breaks = self.doc.breaks
        before = breaks[bisect_left(breaks, self.start) : bisect_left(breaks, start)]
        after = breaks[bisect_left(breaks, end) : bisect_left(breaks, self.end)]
        return (before[-1] + 1 if before else self.start), (after[0] if after else self.end)

    def scope_start(self, start: int) -> int:
        """Where the stretch that a wish or condition can reach begins: the last
        contrast ("but", ";") before ``start``, at most ``HYPOTHETICAL_REACH`` back."""
        first = max(self.start, start - HYPOTHETICAL_REACH)
        contrasts = self.at("contrast", first, start)
        return contrasts[-1] + 1 if contrasts else first

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

    def subject_between(self, start: int, end: int) -> bool:
        """A pronoun between a state and a later verb starts another clause ("happy and
        they never give up")."""
        return any(self.words(i) in SUBJECTS for i in range(start, end))


Verdict = tuple[str, float, str]


def _polarity(direction: int, valence: int) -> str:
    return "improved" if direction * valence > 0 else "worsened"


def judge(match: Match, sc: SentenceCues) -> Verdict | None:
    """(polarity, score, cue) for a match in its sentence, or None if no outcome."""
    w = match.weight
    ms, me = match.start, match.end
    after_would = sc.counterfactual_end()
    if after_would is not None and ms >= after_would:
        return "improved", 0.7 * w, "counterfactual"
    role = match.role
    present = sc.present
    # Most matches in running text meet no cue that could make them an outcome.
    if role == "activity":
        if not present & _ACTIVITY_ANY:
            return None
    elif (
        role not in EVENT_ROLES
        and not match.comparative
        and not (present & _STATE_ANY or sc.at("never", sc.start, ms))
    ):
        return None

    # One pass over the sentence's cues: the clause's cues before and after the match.
    cs, ce = sc.clause(ms, me)
    scope = sc.scope_start(ms)
    before: list[Cue] = []  # nearest first
    after: list[Cue] = []  # nearest first
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
        elif start >= me and end <= ce:
            after.append(c)
            now = now or "now" in categories
    if wish or (modal and not now) or sc.at("modal", me, ce):
        return None
    before.reverse()
    negations = [c for c in before if ms - c.end < WINDOW_BEFORE and "negation" in c[0]]
    if role in EVENT_ROLES:
        near = [c for c in before if ms - c.end < WINDOW_BEFORE]
        near += [c for c in after if c.start - me < WINDOW_AFTER]
        return _event(match, near, bool(negations))
    valence = -1 if role == "negative" else 1
    activity = role == "activity"

    for c in before:
        if ms - c.end >= WINDOW_BEFORE:
            break
        if "no_longer" in c[0] and not sc.term_between(c.end, ms):
            return _polarity(-1, valence), 0.85 * w, "no longer"
        if "used_to" in c[0]:  # "got used to" is an ignored phrase, not this cue
            return _polarity(-1, valence), 0.85 * w, "used to"
    for c in after:
        if c.start - me >= WINDOW_AFTER:
            break
        if "no_longer" in c[0] and not sc.term_between(me, c.start):
            return _polarity(-1, valence), 0.85 * w, "no longer"
    if not activity and _never_so(match, sc):
        return _polarity(1, valence), 0.85 * w, "never so"
    if match.comparative and not negations:
        return _polarity(1, valence), 0.85 * w, "comparative"

    cue = _nearest_change(match, sc, before, after, activity)
    if cue is not None:
        if "difficulty" in cue[0]:  # a need, unless "still" says it persists
            if any("still" in c[0] for c in before + after):
                return "unchanged", 0.7 * w, "still+difficulty"
            return None
        if cue.end <= ms:
            negated = bool(negations) or any(
                "negation" in n[0] and cue.start - NEG_REACH <= n.start < cue.start for n in before
            )
        else:
            negated = any("negation" in n[0] and n.start < cue.start for n in after)
        stopped = any(c[0] & _STOP and 0 <= cue.start - c.end < 2 for c in before + after)
        return _from_cue(cue, valence, activity, negated, w, stopped)
    if activity:
        return None

    if negations:
        first = negations[0].start
        if sc.term_between(first, ms):  # "not so worried about money"
            return None
        if sc.at("not_degree", first, ms) or now:
            return _polarity(-1, valence), 0.75 * w, "not any more"
        return None
    if present & _BACKGROUND:
        return None
    for c in before:
        if c[0] & _HELPFUL and not any(
            "negation" in n[0] and c.start - NEG_REACH <= n.start < c.start for n in before
        ):
            return "improved", 0.6 * w, "helped (clause)"
    if now:
        return _polarity(1, valence), 0.55 * w, "now (clause)"
    return None


def _nearest_change(
    match: Match, sc: SentenceCues, before: list[Cue], after: list[Cue], activity: bool
) -> Cue | None:
    """The change cue nearest the match: before it (preferred on a tie) within reach,
    or after it within ``WINDOW_AFTER`` and no pronoun between."""
    wanted = _ACTIVITY_CHANGE if activity else _STATE_CHANGE
    reach = WINDOW_TAKING_PART if activity else WINDOW_BEFORE
    best, distance = None, reach
    for c in before:
        gap = match.start - c.end
        if gap >= distance:
            break
        if c[0] & wanted:
            best, distance = c, gap
            break
    for c in after:
        gap = c.start - match.end
        if gap >= min(distance, WINDOW_AFTER):
            break
        categories = c[0]
        if (
            categories & wanted & _AFTER_CUES or (activity and categories & _MORE_LESS and gap < 2)
        ) and not sc.subject_between(match.end, c.start):  # "socialises more"
            return c
    return best


def _never_so(match: Match, sc: SentenceCues) -> bool:
    """ "I've never been so lonely": "never" then so/as/this before the state, in a list
    of states ("never so frightened, scared, lonely") across commas."""
    nevers = sc.at("never", sc.scope_start(match.start), match.start)
    return bool(nevers) and bool(sc.at("never_degree", nevers[0] + 1, match.start))


def _event(match: Match, near: list[Cue], negated: bool) -> Verdict | None:
    w = match.weight
    if any(c.is_("not_yet") for c in near):
        return "unchanged", 0.7 * w, "not yet"
    if match.role == "improved" and any(
        c.is_("difficulty") and 0 <= match.start - c.end < 2 for c in near
    ):
        return "unchanged", 0.7 * w, "difficulty"  # "hard to get an appointment"
    if any(c.is_("no_longer") for c in near):
        return ("worsened", 0.7 * w, "no longer") if match.role == "improved" else None
    if negated:
        return ("unchanged", 0.7 * w, "negated") if match.role == "improved" else None
    return match.role, 0.8 * w, "event"


@cache
def _label(categories: frozenset[str]) -> str:
    return "+".join(sorted(categories))


def _from_cue(
    cue: Cue, valence: int, activity: bool, negated: bool, w: float, stopped: bool = False
) -> Verdict | None:
    label = _label(cue.categories)
    if negated:
        return "unchanged", 0.7 * w, f"not {label}"
    if cue.is_("not_yet"):
        return "unchanged", 0.7 * w, label
    if cue.is_("still"):
        if activity:
            return "improved", 0.75 * w, label
        return "unchanged", 0.7 * w, label
    if activity and cue.is_("participation"):
        if stopped:  # "stopped attending the group"
            return "worsened", 0.75 * w, f"stopped {label}"
        return "improved", 0.75 * w, label
    if cue.categories & {"good", "help"}:
        return "improved", 0.85 * w, label
    if cue.is_("bad"):
        return "worsened", 0.85 * w, label
    if cue.categories & {"up", "cause"}:
        return _polarity(1, valence), 0.85 * w, label
    if cue.is_("down"):
        return _polarity(-1, valence), 0.85 * w, label
    return None
