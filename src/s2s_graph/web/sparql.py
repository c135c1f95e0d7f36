"""Blueprint for ``/sparql``: the SPARQL 1.1 Protocol, query operation (§2.1), read-only.

Query via GET, via POST with a form or with ``application/sparql-query``; the dataset from
``default-graph-uri`` and ``named-graph-uri``; the results format by ``Accept``. With no
query: the Service Description for RDF, the query page for HTML. The query itself runs in
``s2s_graph.sparql``; this module only speaks HTTP.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import BadRequest, RequestURITooLarge, UnsupportedMediaType

from s2s_graph.errors import QueryRefused
from s2s_graph.sources import to_rdflib
from s2s_graph.sparql import QueryResult, run_query
from s2s_graph.web import current_site
from s2s_graph.web.negotiation import HTML, RDF_OFFERS, RESULTS_OFFERS, Offer, negotiate
from s2s_graph.web.rendering import finish, rdf_response

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
HTML_ROWS = 1000  # the page shows this many rows; downloads have them all
READ_ONLY = ("This endpoint is read-only: SPARQL updates are not accepted. "
             "Send a query (SELECT, ASK, CONSTRUCT or DESCRIBE) instead.")


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer one protocol request."""
    params = _protocol_parameters()
    if "update" in params:
        if "query" in params:
            raise BadRequest("Send either 'query' or 'update', not both (SPARQL 1.1 Protocol §2.1).")
        raise QueryRefused(READ_ONLY)
    queries = params.get("query", [])
    if len(queries) > 1:
        raise BadRequest("Send one 'query' parameter, not several (SPARQL 1.1 Protocol §2.1.4).")
    if not queries:
        if request.method == "POST":
            raise BadRequest("The request has no 'query'. Send the query as the 'query' form "
                             f"field or as a body of type {QUERY_BODY}.")
        return _service_description_or_page()
    return _answer(queries[0], params)


def _protocol_parameters() -> dict[str, list[str]]:
    """Collect the protocol parameters from wherever this kind of request carries them."""
    limit = current_site().settings.max_query_bytes
    request.max_content_length = limit  # lower than the app-wide limit set for uploads
    if request.method == "GET":
        if len(request.query_string) > limit * 3:  # percent-encoding can triple a query
            raise RequestURITooLarge(f"The query string is over the limit of {limit} bytes; "
                                     "send long queries by POST.")
        return {k: request.args.getlist(k) for k in request.args}
    mimetype = request.mimetype
    if mimetype == FORM:
        return {k: request.form.getlist(k) for k in request.form}
    if mimetype == QUERY_BODY:
        params = {k: request.args.getlist(k) for k in request.args}
        try:
            params["query"] = [request.get_data().decode("utf-8")]
        except UnicodeDecodeError:
            raise BadRequest("The query body is not UTF-8 text.") from None
        return params
    if mimetype == UPDATE_BODY:
        raise QueryRefused(READ_ONLY)
    raise UnsupportedMediaType(
        f"POST the query as {FORM} (field 'query') or as {QUERY_BODY}; "
        f"'{mimetype or 'no content type'}' is not accepted.")


def _forced_offer(params: dict[str, list[str]], offers) -> Offer | None:
    """Return the format the ``format`` parameter asks for, if it names one we offer.

    The query page's download buttons use it, since a link cannot set Accept. Clients send
    ``format`` with values of their own too (SPARQLWrapper sends "rdf+xml" and "n3" beside a
    proper Accept header), so a value we do not know leaves the choice to Accept.
    """
    wanted = (params.get("format") or [""])[0]
    return next((o for o in offers if wanted in (o.name, o.suffix, o.media_type)), None)


def _answer(query: str, params: dict[str, list[str]]) -> Response:
    site = current_site()
    if len(query.encode("utf-8")) > site.settings.max_query_bytes:
        raise RequestURITooLarge(
            f"The query is over the limit of {site.settings.max_query_bytes} bytes.")
    # The query is checked and run before the format is chosen, so that a bad query is
    # reported as such whatever the Accept header says.
    result = run_query(site.published.store, query, site.settings.base_iri,
                       default_graph_uris=tuple(params.get("default-graph-uri", [])),
                       named_graph_uris=tuple(params.get("named-graph-uri", [])))
    offers = (*RDF_OFFERS, HTML) if result.kind == "graph" else (*RESULTS_OFFERS, HTML)
    forced = _forced_offer(params, offers)
    offer = negotiate(offers, forced)
    if offer == HTML:
        return finish(_query_page(query, result), [], negotiated=forced is None)
    data = result.serialize(offer.name, prefixes=site.published.vocabulary.prefixes())
    response = Response(data, mimetype=offer.media_type)
    if forced is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="results.{offer.suffix}"'
    return finish(response, [], negotiated=forced is None)


def _service_description_or_page() -> Response:
    site = current_site()
    offers = (HTML, *RDF_OFFERS)
    offer = negotiate(offers)
    if offer == HTML:
        slug = request.args.get("example", "")
        if slug:
            example = next((e for e in site.examples if e.slug == slug), None)
            if example is not None:
                result = run_query(site.published.store, example.text, site.settings.base_iri)
                return finish(_query_page(example.text, result, example.question), [],
                              negotiated=True)
            return finish(_query_page("", None, notice=f"There is no example '{slug}'."), [],
                          negotiated=True)
        return finish(_query_page("", None), [], negotiated=True)
    return rdf_response(site.service_description, offer, template="sparql/query.html",
                        context={}, path="/sparql", offers=offers, negotiated=True)


def _query_page(query: str, result: QueryResult | None, question: str = "",
                notice: str = "") -> Response:
    site = current_site()
    labeller = site.labeller
    rows, total = [], 0
    if result is not None:
        source = result.rows if result.kind == "select" else \
            [(t.subject, t.predicate, t.object) for t in result.triples]
        total = len(source)
        rows = [[labeller.value(to_rdflib(term)) if term is not None else None for term in row]
                for row in source[:HTML_ROWS]]
    downloads = ()
    if result is not None:
        downloads = RDF_OFFERS if result.kind == "graph" else RESULTS_OFFERS
    body = render_template("sparql/query.html", title="SPARQL query", query=query,
                           result=result, rows=rows, total=total, shown=len(rows),
                           examples=site.examples, question=question, notice=notice,
                           downloads=downloads)
    return Response(body, mimetype="text/html")
