"""The query string of a GET query is read exactly as the standard library reads it: the
fast decoding of long percent-encoded queries never gives another answer."""

from __future__ import annotations

from urllib.parse import parse_qs, quote

import pytest
import werkzeug  # noqa: F401  (registers the "werkzeug.url_quote" error handler)
from hypothesis import example, given, settings
from hypothesis import strategies as st

from s2s_graph.examples import load_examples
from s2s_graph.web.query_string import parse_query_string

ERRORS = ("werkzeug.url_quote", "replace")
# What query strings are made of, and what could trip a decoder: escapes valid and not,
# of bytes that are UTF-8 and not, separators, "+", backslashes (the fast path's own escape
# character), and text outside ASCII.
PIECES = st.sampled_from(["%", "%2", "%41", "%4a", "%4A", "%zz", "%C3%A9", "%C3", "%FF",
                          "%E2%82%AC", "%5C", "%00", "+", "&", "=", "&&", "\\", "\\x",
                          "\\x41", "\\u0041", "\\N{DASH}", "x41", "é", "€", "\x7f", " "])
QUERY_STRINGS = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=24).map("".join)


def _standard(text: str, errors: str) -> dict[str, list[str]]:
    return parse_qs(text, keep_blank_values=True, errors=errors)


@settings(max_examples=3000, deadline=None)
@given(QUERY_STRINGS, st.sampled_from(ERRORS))
@example("query=%5Cx41%25&query=a%2", "werkzeug.url_quote")
@example("=&a&b=&=c&+=%2B", "replace")
def test_any_query_string_is_read_as_the_standard_library_reads_it(text, errors):
    assert parse_query_string(text, errors) == _standard(text, errors)


@settings(max_examples=500, deadline=None)
@given(st.text(), st.text(), st.sampled_from(["", "/", "/?:@!$'()*,;"]))
def test_any_encoded_text_is_read_back(name, value, safe):
    text = f"{quote(name, safe=safe)}={quote(value, safe=safe)}&timeout=5"
    assert parse_query_string(text, "werkzeug.url_quote") == _standard(text, "werkzeug.url_quote")


@pytest.mark.parametrize("example_query", load_examples("https://w3id.org/safe-to-share/"),
                         ids=lambda e: e.slug)
def test_the_example_queries_are_read_back_whole(example_query):
    text = "query=" + quote(example_query.text, safe="") + "&format=json"
    assert parse_query_string(text, "werkzeug.url_quote") == {
        "query": [example_query.text], "format": ["json"]}
