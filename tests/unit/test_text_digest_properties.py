"""Property: whatever text arrives, the parser either parses it or raises our
own DumpRejected; never an IndexError, a UnicodeError or anything else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from papertrend.parsing import DumpRejected, parse_dump

lines = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "Get trending papers in your email inbox once a day!",
            "Get trending papers in your email inbox!",
            "Subscribe",
            "SubscribeTitle: with prefix",
            "{[",
            "\x00",
            "",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, max_size=12).map("\n".join))
def test_text_parser_only_raises_dump_rejected(text):
    try:
        parsed = parse_dump(text.encode("utf-8", "surrogatepass"), "fuzz.txt")
    except DumpRejected:
        return
    for record in parsed.records:
        assert record.title.strip() and record.abstract.strip()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_raise_dump_rejected(raw):
    try:
        parse_dump(raw, "fuzz.bin")
    except DumpRejected:
        pass
