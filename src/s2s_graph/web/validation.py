"""Blueprint for ``/validate``: SHACL validation of outside data as a service.

``POST /validate`` takes Turtle, N-Triples, RDF/XML or JSON-LD by ``Content-Type``, or a
form (an uploaded file or pasted text, with a format), and answers with a W3C SHACL
validation report in the negotiated RDF format or as a page. ``?with=dataset`` validates the
data merged with ours. Parsing and validation run in a worker process under a time limit.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from rdflib import URIRef
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from s2s_graph.display import Value
from s2s_graph.documents import exists
from s2s_graph.formats import RDF_FORMAT_BY_MEDIA_TYPE, RDF_FORMATS, READ_SUFFIXES
from s2s_graph.namespaces import bind_prefixes
from s2s_graph.validation import ValidationReport, render_path, validate_document
from s2s_graph.web import current_site
from s2s_graph.web.connection import client_gone_check
from s2s_graph.web.negotiation import HTML, RDF_OFFERS, negotiate
from s2s_graph.web.rendering import finish, rdf_response

blueprint = Blueprint("validation", __name__)

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
ACCEPTED_TYPES = ", ".join(f.media_type for f in RDF_FORMATS)


@blueprint.get("/validate")
def form() -> Response:
    """Answer the validation form (works without JavaScript)."""
    return finish(Response(render_template("validation/form.html", title="Validate RDF data",
                                           formats=RDF_FORMATS), mimetype="text/html"),
                  [], negotiated=False)


@blueprint.post("/validate")
def validate() -> Response:
    """Validate the posted document and answer with the report (200 whether or not it conforms)."""
    site = current_site()
    request.max_content_length = site.settings.max_upload_bytes
    request.max_form_memory_size = site.settings.max_upload_bytes
    data, format_name, name = _posted_document()
    with_dataset = _with_dataset()
    report: ValidationReport = site.validators.get().run(
        "Validation", validate_document, (data, format_name, name, with_dataset),
        time_limit_s=site.settings.validation_time_limit_s, wait_s=site.settings.busy_wait_s,
        abandoned=client_gone_check())
    # Chosen after validating, so that unparsable data is a 400 whatever Accept says.
    offer = negotiate((*RDF_OFFERS, HTML))
    context = {
        "title": "Validation report",
        "report": report,
        "results": [_result_view(site, r) for r in report.results],
        "with_dataset": with_dataset,
        "name": name,
    }
    return rdf_response(bind_prefixes(report.graph, site.release.vocabulary), offer, template="validation/report.html", context=context,
                        path="/validate", offers=(), negotiated=True)


def _with_dataset() -> bool:
    """Read ``with``: ``?with=dataset`` in the URL, or the form's checkbox, which sends
    "dataset" when ticked and nothing (or "") when not. Any other value is a mistake."""
    if "with" in request.args:
        value = request.args["with"]
    else:
        value = request.form.get("with", "")
        if value == "":
            return False
    if value != "dataset":
        raise BadRequest(f"'with' may only be 'dataset' (to validate together with our data), "
                         f"not '{value}'.")
    return True


def _posted_document() -> tuple[bytes, str, str]:
    """Return the posted bytes, their format name and a name for messages."""
    mimetype = request.mimetype
    if mimetype in RDF_FORMAT_BY_MEDIA_TYPE:
        return request.get_data(), RDF_FORMAT_BY_MEDIA_TYPE[mimetype].name, "the posted data"
    if mimetype in FORM_TYPES:
        chosen = request.form.get("format", "")
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            data = upload.read()
            name = upload.filename
            if not chosen:
                suffix = name.rpartition(".")[2].lower()
                if suffix not in READ_SUFFIXES:
                    raise BadRequest(f"Choose the format of '{name}': its suffix does not say.")
                chosen = READ_SUFFIXES[suffix].name
        else:
            data = request.form.get("data", "").encode("utf-8")
            name = "the pasted data"
        if not data.strip():
            raise BadRequest("There is no data to validate: upload a file or paste RDF.")
        formats = {f.name for f in RDF_FORMATS}
        if (chosen or "turtle") not in formats:
            raise BadRequest(f"Unknown format '{chosen}'; choose one of {', '.join(sorted(formats))}.")
        return data, chosen or "turtle", name
    raise UnsupportedMediaType(
        f"POST RDF as one of {ACCEPTED_TYPES}, or a form; '{mimetype or 'no content type'}' "
        "is not accepted.")


def _result_view(site, result) -> dict:
    labeller = site.labeller
    shape = result.source_constraint if result.source_constraint is not None \
        and str(result.source_constraint).startswith(site.release.vocabulary.shapes_iri) \
        else result.source_shape
    focus = labeller.value(result.focus)
    if not isinstance(result.focus, URIRef) or not exists(site.release, result.focus):
        focus = Value(focus.text, iri=focus.iri)  # link only to things of our dataset
    return {
        "severity": labeller.label(result.severity),
        "focus": focus,
        "path": render_path(result.path, labeller.label) if result.path is not None else "",
        "value": labeller.value(result.value) if result.value is not None else None,
        "shape": labeller.value(shape),
        "message": result.message,
    }
