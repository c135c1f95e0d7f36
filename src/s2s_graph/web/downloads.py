"""Blueprint for the dataset as files: ``/download/dataset.{ttl,jsonld,nt,rdf}``, its JSON-LD
context, and ``/.well-known/void``, served from the release folder with strong ETags (each
file's SHA-256), Last-Modified, 304 on conditional requests, and the gzipped copy when the
client accepts gzip."""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file
from werkzeug.exceptions import NotFound

from s2s_graph.dumps import CONTEXT_FILE, VOID_FILE, dump_file_name
from s2s_graph.formats import RDF_FORMAT_BY_SUFFIX, rdf_format
from s2s_graph.release import ReleaseFile
from s2s_graph.web import current_site
from s2s_graph.web.negotiation import HTML, PAGE_OFFERS, RDF_OFFERS, negotiate, split_suffix
from s2s_graph.web.rendering import rdf_response

blueprint = Blueprint("downloads", __name__)
DOWNLOADS = {dump_file_name(s) for s in RDF_FORMAT_BY_SUFFIX} | {CONTEXT_FILE}


@blueprint.get("/download/<name>")
def download(name: str) -> Response:
    """Answer one file of the build output."""
    site = current_site()
    if name not in DOWNLOADS or name not in site.release.files:
        raise NotFound(f"No download '{name}'. Available: " + ", ".join(sorted(DOWNLOADS)) + ".")
    suffix = name.rpartition(".")[2]
    media_type = "application/ld+json" if suffix == "jsonld" else rdf_format(suffix).media_type
    return file_response(site.release.files[name], media_type)


def file_response(file: ReleaseFile, media_type: str) -> Response:
    """Send a file with validators, honouring If-None-Match / If-Modified-Since and gzip."""
    site = current_site()
    gzipped = file.gzipped is not None and "gzip" in request.accept_encodings
    # A strong ETag names one representation, so the gzip form has its own (RFC 9110 §8.8.3).
    response = send_file(file.gzipped if gzipped else file.path, mimetype=media_type,
                         conditional=True, etag=file.sha256 + ("-gzip" if gzipped else ""),
                         last_modified=site.last_modified,
                         max_age=site.settings.cache_max_age_s)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.headers["Content-Disposition"] = f'inline; filename="{file.name}"'
    response.cache_control.public = True
    return response


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
        response = file_response(site.release.files[VOID_FILE], "text/turtle")
        response.vary.add("Accept")
        return response
    graph = site.release.void
    page = site.pages.page(site.release.dataset_iri, graph) if offer == HTML else None
    context = {"title": page.title if page else "", "page": page}
    return rdf_response(graph, offer, template="resources/document.html", context=context,
                        path="/.well-known/void", offers=offers, negotiated=forced is None,
                        licence=site.licence)
