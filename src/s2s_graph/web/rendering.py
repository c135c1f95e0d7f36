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
    """Add the ``Link`` and ``Vary`` headers every negotiated response carries.

    (Text and XML types have ``charset=utf-8`` from werkzeug; JSON types need none, RFC 8259
    §11.) Headers are added rather than set or parsed: a response built here has neither
    yet, and this runs on every request."""
    headers = response.headers
    if links:
        headers.add("Link", ", ".join(links))
    if negotiated:
        if has_header(response, "vary"):
            response.vary.add("Accept")
        else:
            headers.add("Vary", "Accept")
    return response


def has_header(response: Response, lower_name: str) -> bool:
    """Whether ``response`` has the header. Asking werkzeug's headers for one that is not
    there builds and throws an HTTP exception, which costs more than this scan."""
    return any(name.lower() == lower_name for name, _ in response.headers)
