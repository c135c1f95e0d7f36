"""The URI scheme as pure functions: identifiers and documents, IRIs and paths under BASE.

``BASE id/{type}/{ref}`` names a thing, ``BASE doc/{type}/{ref}`` the document about it,
``BASE def/...`` our vocabulary and shapes, ``BASE set/{type}`` the list of things of a type.
``{type}`` is a lower-case singular noun; ``{ref}`` is a slug, possibly hierarchical
(``safe-to-share/1``). No rdflib parsing and no Flask here.
"""

from __future__ import annotations

import re

TYPE_PATTERN = re.compile(r"^[a-z]+(-[a-z]+)*$")
REF_SEGMENT_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def path_under_base(iri: str, base: str) -> str | None:
    """Return the path of ``iri`` below ``base`` (``id/report/x``), or None if it is elsewhere."""
    if not iri.startswith(base):
        return None
    return iri[len(base):]


def iri_for_path(path: str, base: str) -> str:
    """Return the IRI that a path below ``base`` names (inverse of :func:`path_under_base`)."""
    return base + path.lstrip("/")


def split_thing_path(path: str) -> tuple[str, str, str] | None:
    """Split ``id/{type}/{ref}`` or ``doc/{type}/{ref}`` into (kind, type, ref), else None.

    Each part must follow the scheme, so malformed paths never reach a lookup.
    """
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] not in ("id", "doc"):
        return None
    kind, type_, ref_parts = parts[0], parts[1], parts[2:]
    if not TYPE_PATTERN.match(type_) or not all(REF_SEGMENT_PATTERN.match(p) for p in ref_parts):
        return None
    return kind, type_, "/".join(ref_parts)


def id_path(type_: str, ref: str) -> str:
    """Return the identifier path of a thing: ``id/{type}/{ref}``."""
    return f"id/{type_}/{ref}"


def doc_path(type_: str, ref: str) -> str:
    """Return the path of the document about a thing: ``doc/{type}/{ref}``."""
    return f"doc/{type_}/{ref}"


def doc_path_for_iri(iri: str, base: str) -> str | None:
    """Return the document path for a thing's IRI under BASE; vocabulary IRIs map to their page."""
    path = path_under_base(iri, base)
    if path is None:
        return None
    if path.startswith("def/"):
        return path.split("#", 1)[0]
    parts = split_thing_path(path)
    if parts is None or parts[0] != "id":
        return None
    return doc_path(parts[1], parts[2])


def type_of_iri(iri: str, base: str) -> str | None:
    """Return the ``{type}`` segment of an identifier IRI under BASE, or None."""
    path = path_under_base(iri, base)
    parts = split_thing_path(path) if path is not None else None
    return parts[1] if parts and parts[0] == "id" else None
