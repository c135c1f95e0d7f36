"""The URI scheme: identifiers, documents and paths under BASE."""

from __future__ import annotations

import pytest

from s2s_graph.uris import doc_path_for_iri, split_thing_path, type_of_iri

BASE = "https://w3id.org/safe-to-share/"


@pytest.mark.parametrize("path, expected", [
    ("id/organisation/home-office", ("id", "organisation", "home-office")),
    ("doc/recommendation/safe-to-share/1", ("doc", "recommendation", "safe-to-share/1")),
    ("id/super-complaint/liberty-and-southall-black-sisters",
     ("id", "super-complaint", "liberty-and-southall-black-sisters")),
    ("id/organisation", None),
    ("id/Organisation/x", None),
    ("id/organisation/../etc", None),
    ("id/organisation/a b", None),
    ("set/organisation/x", None),
])
def test_thing_paths_follow_the_scheme(path, expected):
    assert split_thing_path(path) == expected


def test_documents_of_things_and_vocabulary_terms():
    assert doc_path_for_iri(BASE + "id/report/safe-to-share", BASE) == "doc/report/safe-to-share"
    assert doc_path_for_iri(BASE + "def/s2s#Report", BASE) == "def/s2s"
    assert doc_path_for_iri("https://example.org/id/report/x", BASE) is None


def test_type_of_an_identifier():
    assert type_of_iri(BASE + "id/response/safe-to-share/home-office-lsbs-response-1", BASE) == "response"
    assert type_of_iri(BASE + "def/s2s#Report", BASE) is None
