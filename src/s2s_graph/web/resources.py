"""Blueprint for the things of the dataset: ``/id/…`` (303 to the document), ``/doc/…``,
``/def/s2s``, ``/def/shapes`` and ``/set/{type}``, each in every format."""

from __future__ import annotations

from flask import Blueprint, Response, redirect
from rdflib import URIRef
from rdflib.namespace import RDF
from werkzeug.exceptions import NotFound

from s2s_graph.documents import (
    set_document,
    shapes_document,
    thing_document,
    vocabulary_document,
)
from s2s_graph.shapes_docs import SPARQL_NOTE, describe_shapes
from s2s_graph.uris import doc_path, id_path, iri_for_path, split_thing_path
from s2s_graph.web import current_site
from s2s_graph.web.negotiation import HTML, PAGE_OFFERS, negotiate, offer_for_suffix, split_suffix
from s2s_graph.web.rendering import finish, rdf_response

blueprint = Blueprint("resources", __name__)


def _thing_iri(type_: str, ref: str) -> URIRef:
    """Return the identifier IRI of ``{type}/{ref}``, or 404 if the path breaks the scheme."""
    parts = split_thing_path(id_path(type_, ref))
    if parts is None:
        raise NotFound(f"/id/{type_}/{ref} is not an identifier of this dataset.")
    return URIRef(iri_for_path(id_path(type_, ref), current_site().published.vocabulary.base))


@blueprint.get("/id/<type_>/<path:ref>")
def identifier(type_: str, ref: str) -> Response:
    """Answer a thing's identifier with 303 See Other to its document (Cool URIs §4.3)."""
    thing = _thing_iri(type_, ref)
    if (thing, None, None) not in current_site().published.graph:
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
    graph = thing_document(site.published, thing)
    if graph is None:
        raise NotFound(f"{thing} is not in this dataset.")
    offer = negotiate(PAGE_OFFERS, forced)
    labeller = site.labeller
    context = {
        "thing": str(thing),
        "title": labeller.label(thing),
        "types": [labeller.value(t) for t in site.published.graph.objects(thing, RDF.type)],
        "rows": labeller.rows(graph, thing),
        "incoming": labeller.incoming_rows(graph, thing),
    }
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
    path = f"/def/{name}"
    if name == "s2s" and offer == HTML:
        response = Response(site.vocabulary_html, mimetype="text/html")
        links = [f'<{path}.{o.suffix}>; rel="alternate"; type="{o.media_type}"'
                 for o in PAGE_OFFERS if o != HTML]
        return finish(response, links, negotiated=forced is None)
    graph = vocabulary_document(site.published) if name == "s2s" \
        else shapes_document(site.published)
    context = {"title": "Safe to share? shapes", "sparql_note": SPARQL_NOTE,
               "shapes": describe_shapes(site.published.shapes, site.labeller,
                                         site.shape_examples)}
    return rdf_response(graph, offer, template="resources/shapes.html", context=context,
                        path=path, offers=PAGE_OFFERS, negotiated=forced is None,
                        licence="https://creativecommons.org/licenses/by/4.0/")


@blueprint.get("/set/<name>")
def listing(name: str) -> Response:
    """Answer the list of every thing of a type, in any format."""
    site = current_site()
    type_, forced = split_suffix(name, PAGE_OFFERS)
    graph = set_document(site.published, type_)
    if graph is None:
        raise NotFound(f"There are no things of type '{type_}'. Types: "
                       + ", ".join(site.published.types()) + ".")
    offer = negotiate(PAGE_OFFERS, forced)
    labeller = site.labeller
    members = [labeller.value(m) for m in site.published.members(type_)]
    context = {"title": f"All {type_} records", "type_": type_, "members": members}
    return rdf_response(graph, offer, template="resources/set.html", context=context,
                        path=f"/set/{type_}", offers=PAGE_OFFERS, negotiated=forced is None,
                        licence=site.licence)


@blueprint.get("/doc/<type_>")
@blueprint.get("/id/<type_>")
def bare_type(type_: str) -> Response:
    """Point a reader who drops the ``{ref}`` at the list of that type."""
    raise NotFound(f"Name a thing: /id/{type_}/{{ref}}. The list of all is /set/{type_}.")
