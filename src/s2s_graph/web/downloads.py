"""Blueprint for the dataset as files: ``/download/dataset.{ttl,jsonld,nt,rdf}``, its JSON-LD
context, and ``/.well-known/void``. Strong ETags, Last-Modified, 304 on conditional requests
and gzip on request. The bytes are the build's own (``dumps.render_dumps``)."""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import NotFound

from s2s_graph.dumps import CONTEXT_FILE, VOID_FILE, dump_file_name
from s2s_graph.formats import RDF_FORMAT_BY_SUFFIX, rdf_format
from s2s_graph.web import Download, current_site
from s2s_graph.web.negotiation import HTML, PAGE_OFFERS, RDF_OFFERS, negotiate, split_suffix
from s2s_graph.web.rendering import rdf_response

blueprint = Blueprint("downloads", __name__)


@blueprint.get("/download/<name>")
def download(name: str) -> Response:
    """Answer one file of the build output."""
    site = current_site()
    stem, _, suffix = name.rpartition(".")
    allowed = {dump_file_name(s) for s in RDF_FORMAT_BY_SUFFIX} | {CONTEXT_FILE}
    if name not in allowed or name not in site.downloads:
        raise NotFound(f"No download '{name}'. Available: " + ", ".join(sorted(allowed)) + ".")
    media_type = "application/ld+json" if suffix == "jsonld" else rdf_format(suffix).media_type
    return _file_response(site.downloads[name], media_type)


def _file_response(file: Download, media_type: str) -> Response:
    """Send a file with validators, honouring If-None-Match / If-Modified-Since and gzip."""
    site = current_site()
    gzipped = "gzip" in request.accept_encodings
    data = file.gzipped if gzipped else file.data
    response = Response(data, mimetype=media_type)
    if media_type.startswith("text/") or media_type.endswith("json"):
        response.charset = "utf-8"
    # A strong ETag names one representation, so the gzip form has its own (RFC 9110 §8.8.3).
    response.set_etag(file.etag + ("-gzip" if gzipped else ""))
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if site.last_modified is not None:
        response.last_modified = site.last_modified
    response.headers["Content-Disposition"] = f'inline; filename="{file.name}"'
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@blueprint.get("/.well-known/<name>")
def void(name: str) -> Response:
    """Answer the VoID + DCAT description of the dataset, in any RDF format or as HTML."""
    site = current_site()
    stem, forced = split_suffix(name, PAGE_OFFERS)
    if stem != "void":
        raise NotFound(f"/.well-known/{name} is not here; the dataset description is "
                       "/.well-known/void.")
    offers = (*RDF_OFFERS, HTML)
    offer = negotiate(offers, forced)
    if offer.name == "turtle" and forced is None:
        response = _file_response(site.downloads[VOID_FILE], "text/turtle")
        response.vary.add("Accept")
        return response
    graph = site.void_graph
    page = site.pages.page(site.published.dataset_iri, graph) if offer == HTML else None
    context = {"title": page.title if page else "", "page": page}
    return rdf_response(graph, offer, template="resources/document.html", context=context,
                        path="/.well-known/void", offers=offers, negotiated=forced is None,
                        licence=site.licence)
