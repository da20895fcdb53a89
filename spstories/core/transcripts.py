"""Interview transcripts and notes as plain text with speaker turns.

Reads .txt, .md, .docx, .vtt and .srt. Every reader returns the text that codings' offsets
point into, and the speaker turns as offsets into that same text, so a turn can be shown
and exported without guessing.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from spstories.core.archives import ArchiveError, ZipLimits, open_zip

MAX_BYTES = 10 * 1024 * 1024
_DOCX = ZipLimits(max_members=2000, max_total_bytes=10 * MAX_BYTES)
KINDS = ("txt", "md", "docx", "vtt", "srt")
# "Interviewer: text" or "P1 - text" at the start of a line: a new turn.
_SPEAKER = re.compile(r"^\s*([A-Z][\w .'-]{0,39}?|[A-Z]{1,4}\d{0,3})\s*[:：]\s+(?=\S)")
_TIMING = re.compile(
    r"^\s*(\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{3}\s*-->\s*(\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{3}"
)
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>)?$")


class TranscriptError(ValueError):
    """The file cannot be read as a transcript; the message says why."""


@dataclass(frozen=True)
class Turn:
    speaker: str
    start: int
    end: int


@dataclass(frozen=True)
class Transcript:
    text: str
    turns: tuple[Turn, ...] = field(default_factory=tuple)


def kind_of(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in KINDS:
        raise TranscriptError(f"unsupported file type {suffix!r}; use one of {', '.join(KINDS)}")
    return suffix


def read_transcript(filename: str, data: bytes) -> Transcript:
    """Plain text and speaker turns of an uploaded file (untrusted: size-limited)."""
    if len(data) > MAX_BYTES:
        raise TranscriptError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    kind = kind_of(filename)
    if kind == "docx":
        return from_lines(_docx_paragraphs(data))
    text = _decode(data)
    if kind in ("vtt", "srt"):
        return from_subtitles(text)
    return from_lines(text.splitlines())


def unix_line_breaks(text: str) -> str:
    """``text`` with every CR LF and lone CR made an LF, as a browser shows it: offsets a
    reader takes from a selection then index the text exactly."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:  # Windows-1252 would read almost any binary file as "text"
        raise TranscriptError("the file is not text (is it a PDF or a Word file renamed?)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return unix_line_breaks(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise TranscriptError("the file is not text in UTF-8 or Windows-1252")


def _docx_paragraphs(data: bytes) -> list[str]:
    import docx  # python-docx; imported here as only .docx uploads need it

    try:
        # python-docx would expand a zip bomb: the archive is checked before it sees it.
        open_zip(data, "the .docx", required=("word/document.xml",), limits=_DOCX).close()
    except ArchiveError as exc:
        raise TranscriptError(str(exc)) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # untrusted file: any parser failure means "cannot read it"
        raise TranscriptError(f"not a readable .docx file ({type(exc).__name__})") from None
    return [paragraph.text for paragraph in document.paragraphs]


def from_lines(lines: list[str]) -> Transcript:
    """Text whose lines may start with ``Speaker:``; a turn runs to the next speaker."""
    text = "\n".join(lines).strip("\n")
    turns: list[Turn] = []
    offset = 0
    for line in text.split("\n"):
        match = _SPEAKER.match(line)
        if match:
            if turns:
                turns[-1] = Turn(turns[-1].speaker, turns[-1].start, _trim(text, offset))
            turns.append(Turn(match.group(1).strip(), offset, offset + len(line)))
        offset += len(line) + 1
    if turns:
        turns[-1] = Turn(turns[-1].speaker, turns[-1].start, len(text.rstrip()))
    return Transcript(text, tuple(turns))


def _trim(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def from_subtitles(source: str) -> Transcript:
    """WebVTT or SubRip cues as one paragraph per cue; ``<v Name>`` or ``Name:`` marks a speaker.

    Consecutive cues by the same speaker are joined into one turn.
    """
    cues: list[tuple[str | None, str]] = []
    block: list[str] = []
    for line in [*source.split("\n"), ""]:
        if line.strip():
            block.append(line.strip())
            continue
        timed = [i for i, b in enumerate(block) if _TIMING.match(b)]
        if timed:
            words = " ".join(block[timed[0] + 1 :])
            words = re.sub(r"<(?!v[ .])[^>]+>", "", words)
            speaker = None
            voice = _VOICE.match(words)
            if voice:
                speaker, words = voice.group(1).strip(), voice.group(2).strip()
            else:
                named = _SPEAKER.match(words)
                if named:
                    speaker, words = named.group(1).strip(), words[named.end() :]
            if words:
                cues.append((speaker, words))
        block = []
    if not cues:
        raise TranscriptError("no timed cues found: is this a .vtt or .srt file?")
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    current: str | None = None
    for speaker, words in cues:
        if parts:
            offset += 1 if speaker == current or speaker is None else 2
            parts.append(" " if speaker == current or speaker is None else "\n\n")
        if speaker is not None and speaker != current:
            line = f"{speaker}: "
            turns.append(Turn(speaker, offset, offset))
            parts.append(line)
            offset += len(line)
            current = speaker
        parts.append(words)
        offset += len(words)
        if turns and current is not None:
            turns[-1] = Turn(current, turns[-1].start, offset)
    return Transcript("".join(parts), tuple(turns))
