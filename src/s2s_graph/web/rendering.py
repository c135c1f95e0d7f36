"""Turn a graph (or a page) into a Response in the negotiated format. Every route goes
through here: RDF via ``formats.serialize``, HTML via Jinja templates with autoescape."""

from __future__ import annotations

from flask import Response, render_template
from rdflib import Graph

from s2s_graph.formats import RDF_FORMAT_BY_NAME, serialize
from s2s_graph.web.negotiation import HTML, Offer, alternate_links


def rdf_response(graph: Graph, offer: Offer, *, template: str, context: dict,
                 path: str, offers: tuple[Offer, ...], negotiated: bool,
                 licence: str | None = None, status: int = 200) -> Response:
    """Answer with ``graph`` in ``offer``'s format, or with ``template`` for HTML.

    ``path`` is the document's path without a suffix; ``Link`` headers point at its other
    formats and at the licence. ``negotiated`` responses vary by ``Accept``.
    """
    links = alternate_links(path, offers, offer)
    if licence:
        links.append(f'<{licence}>; rel="license"')
    if offer == HTML:
        alternates = [(o, f"{path}.{o.suffix}") for o in offers if o.name != "html"]
        body = render_template(template, alternates=alternates, licence=licence, **context)
        response = Response(body, status=status, mimetype="text/html")
    else:
        fmt = RDF_FORMAT_BY_NAME[offer.name]
        response = Response(serialize(graph, fmt), status=status, mimetype=fmt.media_type)
    return finish(response, links, negotiated)


def finish(response: Response, links: list[str], negotiated: bool) -> Response:
    """Add the ``Link`` and ``Vary`` headers every negotiated response carries."""
    if links:
        response.headers["Link"] = ", ".join(links)
    if negotiated:
        response.vary.add("Accept")
    if response.mimetype.startswith("text/") or response.mimetype.endswith(("json", "xml")):
        response.charset = "utf-8"
    return response
