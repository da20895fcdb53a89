"""Given names common in the UK, for the name rule (pure data, written for spstories).

Mixed origins on purpose: a list of only Anglo names would leave other clients identifiable.
Names that are also everyday words (``Will``, ``May``, ``Hope``…) are in ``AMBIGUOUS``: they
count as names only with a title or a capitalised surname after them.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FIRST_NAMES: frozenset[str] = _words(
    """
    aaliyah abdul abdullah abigail adam adele adrian ahmed aisha alan albert alex alexander
    alexandra alfie ali alice alison amanda amber amelia amina amir amy andrea andrew angela
    anita ann anna anne annie anthony archie arjun arthur ashley audrey ava barbara barry
    beatrice ben benjamin bernard beryl beth betty beverley bilal brenda brian bridget callum
    carl carol caroline catherine charles charlie charlotte chloe chris christine christopher
    claire colin connor craig daniel danielle darren david dawn dean deborah declan denise
    dennis derek diane donald doreen dorothy duncan edith edward eileen elaine eleanor elizabeth
    ella ellie emily emma eric ethan eve evelyn fatima fiona florence frances francesca frank
    freddie gail gareth gary gavin geoffrey george georgia gemma gillian glenys gordon graham
    gwen hannah harriet harry harvey hassan hayley heather helen henry hilda howard hussain ian
    imran irene isaac isabella isla ivy jack jackie jacob jacqueline james jamie jane janet
    jasmine jason jean jennifer jessica joan joanne john jonathan joseph joshua joyce judith
    julia julie karen kate katherine kathleen kevin kieran kirsty laura lauren leah lee leon
    lesley lily linda lisa logan lorraine louise lucy luke lynn lynne malcolm margaret maria
    marie marjorie martin mary maureen megan melanie michael michelle mohammed mohammad mohamed
    muhammad nadia naomi natalie nathan neil nicholas nicola nigel noah norman oliver olivia
    omar oscar owen pamela patricia paul pauline peter philip priya rachel rajesh rebecca
    richard rita robert roger ronald rosemary ruth ryan sally samantha samuel sandra sarah
    scott sean shabana sharon sheila shirley simon sophie stanley stephanie stephen steven
    stuart susan sylvia tariq teresa thomas timothy tom tracey tracy valerie vera victoria
    vivienne wendy william yasmin yusuf zainab zara zoe
    """
)

AMBIGUOUS: frozenset[str] = _words(
    """
    april august bill dawn faith grace holly hope iris jade jay joy june mark may pat
    rose ruby summer will daisy sky
    """
)

TITLES: tuple[str, ...] = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Rev", "Sir", "Dame", "Lady",
    "Lord", "Nurse", "Cllr",
)
