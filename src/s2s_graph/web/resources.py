"""Blueprint for the things of the dataset: ``/id/…`` (303 to the document), ``/doc/…``,
``/def/s2s``, ``/def/shapes`` and ``/set/{type}``, each in every format."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request
from rdflib import Graph, URIRef
from werkzeug.exceptions import NotFound

from s2s_graph.documents import (
    exists,
    set_document,
    shapes_document,
    thing_document,
    vocabulary_document,
)
from s2s_graph.lists import table_csv
from s2s_graph.shapes_docs import SPARQL_NOTE, describe_shapes
from s2s_graph.uris import doc_path, id_path, iri_for_path, split_thing_path
from s2s_graph.web import current_site
from s2s_graph.web.negotiation import (
    CSV,
    HTML,
    PAGE_OFFERS,
    alternate_links,
    negotiate,
    split_suffix,
)
from s2s_graph.web.rendering import finish, rdf_response

VOCABULARY_LICENCE = "https://creativecommons.org/licenses/by/4.0/"

blueprint = Blueprint("resources", __name__)


def _thing_iri(type_: str, ref: str) -> URIRef:
    """Return the identifier IRI of ``{type}/{ref}``, or 404 if the path breaks the scheme."""
    parts = split_thing_path(id_path(type_, ref))
    if parts is None:
        raise NotFound(f"/id/{type_}/{ref} is not an identifier of this dataset.")
    return URIRef(iri_for_path(id_path(type_, ref), current_site().release.vocabulary.base))


@blueprint.get("/id/<type_>/<path:ref>")
def identifier(type_: str, ref: str) -> Response:
    """Answer a thing's identifier with 303 See Other to its document (Cool URIs §4.3)."""
    thing = _thing_iri(type_, ref)
    if not exists(current_site().release, thing):
        raise NotFound(f"{thing} is not in this dataset.")
    response = redirect("/" + doc_path(type_, ref), code=303)
    response.vary.add("Accept")
    return response


@blueprint.get("/doc/<type_>/<path:ref>")
def document(type_: str, ref: str) -> Response:
    """Answer the document about a thing, in the negotiated or suffixed format."""
    site = current_site()
    ref, forced = split_suffix(ref, PAGE_OFFERS)
    thing = _thing_iri(type_, ref)
    graph = thing_document(site.release, thing)
    if graph is None:
        raise NotFound(f"{thing} is not in this dataset.")
    offer = negotiate(PAGE_OFFERS, forced)
    page = site.pages.page(thing, graph) if offer == HTML else None
    context = {"title": page.title if page else "", "page": page}
    return rdf_response(graph, offer, template="resources/document.html", context=context,
                        path="/" + doc_path(type_, ref), offers=PAGE_OFFERS,
                        negotiated=forced is None, licence=site.licence)


@blueprint.get("/def/<name>")
def definition(name: str) -> Response:
    """Answer the vocabulary (``/def/s2s``) or the shapes (``/def/shapes``) in any format."""
    site = current_site()
    name, forced = split_suffix(name, PAGE_OFFERS)
    if name not in ("s2s", "shapes"):
        raise NotFound(f"/def/{name} is not defined here; see /def/s2s and /def/shapes.")
    offer = negotiate(PAGE_OFFERS, forced)
    if name == "s2s":
        graph = vocabulary_document(site.release)
        template = "resources/vocabulary.html"
        context = {"title": site.vocabulary.title, "vocabulary": site.vocabulary}
    else:
        graph = shapes_document(site.release)
        template = "resources/shapes.html"
        context = {"title": "Safe to share? shapes", "sparql_note": SPARQL_NOTE,
                   "shapes": describe_shapes(site.release.shapes, site.labeller,
                                             site.shape_examples)} if offer == HTML else {}
    return rdf_response(graph, offer, template=template, context=context,
                        path=f"/def/{name}", offers=PAGE_OFFERS, negotiated=forced is None,
                        licence=VOCABULARY_LICENCE)


@blueprint.get("/set/<name>")
def listing(name: str) -> Response:
    """Answer the list of every thing of a type, in any format."""
    site = current_site()
    type_, forced = split_suffix(name, (*PAGE_OFFERS, CSV))
    if type_ not in site.release.type_counts:
        raise NotFound(f"There are no things of type '{type_}'. Types: "
                       + ", ".join(site.release.types()) + ".")
    offers = (*PAGE_OFFERS, CSV)
    offer = negotiate(offers, forced)
    path = f"/set/{type_}"
    if offer in (HTML, CSV):  # the table; the RDF page of members is not needed
        table = site.lister.table(type_, request.args.to_dict(), everything=offer == CSV)
        if offer == CSV:
            response = Response(table_csv(table), mimetype="text/csv")
            response.headers["Content-Disposition"] = f'attachment; filename="{type_}.csv"'
            return finish(response, alternate_links(path, offers, CSV), forced is None)
        query = {k: v for k, v in table.applied.items()}
        context = {"title": f"{type_.replace('-', ' ').capitalize()} records", "table": table,
                   "query": query, "path": path, "total": site.release.type_counts[type_]}
        return rdf_response(Graph(), offer, template="resources/set.html", context=context,
                            path=path, offers=offers, negotiated=forced is None,
                            licence=site.licence)
    graph = set_document(site.release, type_, _page_number())
    return rdf_response(graph, offer, template="resources/set.html", context={}, path=path,
                        offers=offers, negotiated=forced is None, licence=site.licence)


def _page_number() -> int:
    """Return the page the request asks for (RDF lists are paged too; pages start at 1)."""
    asked = request.args.get("page", "1")
    return int(asked) if asked.isdigit() and int(asked) >= 1 else 1


@blueprint.get("/doc/<type_>")
@blueprint.get("/id/<type_>")
def bare_type(type_: str) -> Response:
    """Point a reader who drops the ``{ref}`` at the list of that type."""
    raise NotFound(f"Name a thing: /id/{type_}/{{ref}}. The list of all is /set/{type_}.")
