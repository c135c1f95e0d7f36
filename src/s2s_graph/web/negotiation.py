"""Choose a response format: a URL suffix wins, else ``Accept`` (Werkzeug's ``best_match``,
with q-values and wildcards). Nothing acceptable is a 406 that lists what is offered.

Written once, for every route. The offered types come from ``formats``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable
from werkzeug.http import parse_accept_header

from s2s_graph.formats import RDF_FORMATS, RESULTS_FORMATS


@dataclass(frozen=True)
class Offer:
    """A format a route can answer in."""

    name: str
    media_type: str
    suffix: str
    label: str


HTML = Offer("html", "text/html", "html", "HTML")
CSV = Offer("csv", "text/csv", "csv", "CSV (spreadsheet)")
RDF_OFFERS: tuple[Offer, ...] = tuple(
    Offer(f.name, f.media_type, f.suffix, f.label) for f in RDF_FORMATS)
RESULTS_OFFERS: tuple[Offer, ...] = tuple(
    Offer(f.name, f.media_type, f.suffix, f.label) for f in RESULTS_FORMATS)
PAGE_OFFERS: tuple[Offer, ...] = (HTML, *RDF_OFFERS)


class FormatNotAcceptable(NotAcceptable):
    """406 whose message lists the media types the route offers."""

    def __init__(self, offers: tuple[Offer, ...]):
        listed = ", ".join(o.media_type for o in offers)
        super().__init__(f"None of the media types in the Accept header is available here. "
                         f"Available: {listed}.")


def split_suffix(path: str, offers: tuple[Offer, ...]) -> tuple[str, Offer | None]:
    """Split ``x.ttl`` into (``x``, the Turtle offer); a path without a known suffix is kept."""
    stem, dot, suffix = path.rpartition(".")
    if dot:
        for offer in offers:
            if offer.suffix == suffix:
                return stem, offer
    return path, None


def negotiate(offers: tuple[Offer, ...], forced: Offer | None = None) -> Offer:
    """Return the offer to answer with: ``forced`` (from a suffix), else the best for Accept.

    The first offer is the default: for no ``Accept`` header, and among equal matches.

    :raises FormatNotAcceptable: nothing offered fits the ``Accept`` header.
    """
    if forced is not None:
        return forced
    accept = request.environ.get("HTTP_ACCEPT", "").strip()  # as request.headers, but cheaper
    if not accept:
        return offers[0]
    best = _best_offer(accept, offers)
    if best is None:
        raise FormatNotAcceptable(offers)
    return best


@functools.lru_cache(maxsize=512)
def _best_offer(accept: str, offers: tuple[Offer, ...]) -> Offer | None:
    """Return the offer Werkzeug's ``best_match`` picks for one ``Accept`` value. Kept, since
    clients send few distinct values and parsing one costs more than answering a cheap query."""
    best = parse_accept_header(accept, MIMEAccept).best_match([o.media_type for o in offers])
    return next((o for o in offers if o.media_type == best), None)


def alternate_links(path: str, offers: tuple[Offer, ...], current: Offer) -> list[str]:
    """Return ``Link`` header values to every other format of the document at ``path``."""
    return [f'<{path}.{o.suffix}>; rel="alternate"; type="{o.media_type}"'
            for o in offers if o != current]
