"""Transcripts: plain text and speaker turns whose offsets point into that text."""

from __future__ import annotations

import io

import docx
import pytest

from spstories.core.transcripts import TranscriptError, read_transcript

VTT = b"""WEBVTT

00:00:01.000 --> 00:00:04.000
<v Interviewer>How have you been?</v>

00:00:04.500 --> 00:00:09.000
<v Jo>Much better since the walking group.

00:00:09.000 --> 00:00:12.000
<v Jo>I see people now.
"""

SRT = b"""1
00:00:01,000 --> 00:00:03,000
Interviewer: Tell me about the group.

2
00:00:03,500 --> 00:00:06,000
Sam: It got me out of the house.
"""


def _turns(t):
    return [(turn.speaker, t.text[turn.start:turn.end]) for turn in t.turns]


def test_vtt_voices_become_turns_and_same_speaker_cues_join():
    t = read_transcript("interview.vtt", VTT)
    assert _turns(t) == [("Interviewer", "Interviewer: How have you been?"),
                         ("Jo", "Jo: Much better since the walking group. I see people now.")]


def test_srt_speaker_prefixes():
    t = read_transcript("i.srt", SRT)
    assert [s for s, _ in _turns(t)] == ["Interviewer", "Sam"]
    assert "It got me out of the house." in t.text


def test_text_turns_run_to_the_next_speaker():
    t = read_transcript("i.txt", b"Interviewer: Hello\nP1: I was lonely.\nIt got better.\n")
    assert _turns(t) == [("Interviewer", "Interviewer: Hello"),
                         ("P1", "P1: I was lonely.\nIt got better.")]


def test_docx_paragraphs():
    document = docx.Document()
    document.add_paragraph("Interviewer: How was it?")
    document.add_paragraph("Ann: Lovely, I made friends.")
    buffer = io.BytesIO()
    document.save(buffer)
    t = read_transcript("a.docx", buffer.getvalue())
    assert _turns(t)[1] == ("Ann", "Ann: Lovely, I made friends.")


@pytest.mark.parametrize(("name", "data"), [("a.pdf", b"x"), ("a.docx", b"not a zip"),
                                            ("a.vtt", b"WEBVTT\n\nno cues")])
def test_bad_files_are_refused_with_a_reason(name, data):
    with pytest.raises(TranscriptError):
        read_transcript(name, data)
