"""The example queries of the query page: package data in ``queries/*.rq``, each opening with
a comment that asks the question it answers. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from s2s_graph.settings import Settings

# The base the files are written with; a deployment with another BASE gets its own.
WRITTEN_BASE = "https://w3id.org/safe-to-share/"


@dataclass(frozen=True)
class ExampleQuery:
    """One example: a slug for its URL, the question it answers, and the query."""

    slug: str
    question: str
    text: str


def load_examples(base_iri: str = Settings.base_iri) -> tuple[ExampleQuery, ...]:
    """Return the examples in file order, with IRIs rewritten for ``base_iri``."""
    folder = resources.files("s2s_graph").joinpath("queries")
    examples = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".rq"):
            continue
        text = entry.read_text(encoding="utf-8").replace(WRITTEN_BASE, base_iri)
        first, _, rest = text.partition("\n")
        slug = entry.name[:-3].split("-", 1)[1]
        examples.append(ExampleQuery(slug, first.lstrip("# ").strip(), rest.strip() + "\n"))
    return tuple(examples)
