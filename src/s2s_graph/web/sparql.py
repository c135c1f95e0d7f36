"""Blueprint for ``/sparql``: the SPARQL 1.1 Protocol, query operation (§2.1), read-only.

Query via GET, via POST with a form or with ``application/sparql-query``; the dataset from
``default-graph-uri`` and ``named-graph-uri``; the results format by ``Accept`` (or the
``format`` parameter the query page's buttons use). With no query: the Service Description
for RDF, the query page for HTML. Queries run in worker processes under a time limit and a
row limit (``s2s_graph.sparql``, ``s2s_graph.workers``); this module only speaks HTTP.
"""

from __future__ import annotations

from flask import Blueprint, Request, Response, render_template, request
from rdflib import URIRef
from werkzeug.exceptions import BadRequest, RequestURITooLarge, UnsupportedMediaType

from s2s_graph.answers import QueryAnswer
from s2s_graph.documents import labels_of
from s2s_graph.errors import (
    Busy,
    ClientGone,
    QueryError,
    QueryRefused,
    RemoteStoreError,
    RemoteStoreTimeout,
    TimeLimitExceeded,
)
from s2s_graph.sparql import check_query
from s2s_graph.web import Site, current_site
from s2s_graph.web.connection import client_gone_check
from s2s_graph.web.errors import TITLES, sentence
from s2s_graph.web.negotiation import (
    HTML,
    RDF_OFFERS,
    RESULTS_OFFERS,
    FormatNotAcceptable,
    Offer,
    negotiate,
)
from s2s_graph.web.query_string import parse_query_string
from s2s_graph.web.rendering import finish, rdf_response
from s2s_graph.workers import WorkerCrashed

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
HTML_ROWS = 1000  # the page shows this many rows; downloads have them all
TRUNCATED_HEADER = "S2S-Results-Truncated"
READ_ONLY = ("This endpoint is read-only: SPARQL updates are not accepted. "
             "Send a query (SELECT, ASK, CONSTRUCT or DESCRIBE) instead.")
STATUS_BY_ERROR = ((QueryRefused, 403), (QueryError, 400), (TimeLimitExceeded, 503),
                   (Busy, 503), (WorkerCrashed, 503), (RemoteStoreError, 502),
                   (RemoteStoreTimeout, 504), (ClientGone, 499))


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer one protocol request."""
    site = current_site()
    current = request._get_current_object()  # the proxy costs a lookup at each reading
    params = _protocol_parameters(current, site.settings.max_query_bytes)
    limit = _time_limit(params, site.settings.query_time_limit_s)  # refused even with no query
    if "update" in params:
        if "query" in params:
            raise BadRequest("Send either 'query' or 'update', not both (SPARQL 1.1 Protocol §2.1).")
        raise QueryRefused(READ_ONLY)
    queries = params.get("query", [])
    if len(queries) > 1:
        raise BadRequest("Send one 'query' parameter, not several (SPARQL 1.1 Protocol §2.1.4).")
    if not queries:
        if current.method == "POST":
            raise BadRequest("The request has no 'query'. Send the query as the 'query' form "
                             f"field or as a body of type {QUERY_BODY}.")
        return _service_description_or_page(site, limit)
    return _answer(site, queries[0], params, limit)


def _protocol_parameters(current: Request, limit: int) -> dict[str, list[str]]:
    """Collect the protocol parameters from wherever this kind of request carries them;
    ``limit``: the most bytes a query may have."""
    current.max_content_length = limit  # lower than the app-wide limit set for uploads
    if current.method == "GET":
        if len(current.query_string) > limit * 3:  # percent-encoding can triple a query
            raise RequestURITooLarge(f"The query string is over the limit of {limit} bytes; "
                                     "send long queries by POST.")
        return _query_string_parameters(current)
    mimetype = current.mimetype
    if mimetype == FORM:
        return current.form.to_dict(flat=False)
    if mimetype == QUERY_BODY:
        params = _query_string_parameters(current)
        try:
            params["query"] = [current.get_data().decode("utf-8")]
        except UnicodeDecodeError:
            raise BadRequest("The query body is not UTF-8 text.") from None
        return params
    if mimetype == UPDATE_BODY:
        raise QueryRefused(READ_ONLY)
    raise UnsupportedMediaType(
        f"POST the query as {FORM} (field 'query') or as {QUERY_BODY}; "
        f"'{mimetype or 'no content type'}' is not accepted.")


def _query_string_parameters(current: Request) -> dict[str, list[str]]:
    """The query string's parameters, read as werkzeug reads ``request.args`` (invalid bytes
    stay percent-encoded) but straight into the dict the protocol wants: this runs for
    every query."""
    return parse_query_string(current.query_string.decode(), errors="werkzeug.url_quote")


def _forced_offer(params: dict[str, list[str]], offers) -> Offer | None:
    """Return the format the ``format`` parameter asks for, if it names one we offer.

    The query page's download buttons use it, since a link cannot set Accept. Clients send
    ``format`` with values of their own too (SPARQLWrapper sends "rdf+xml" and "n3" beside a
    proper Accept header), so a value we do not know leaves the choice to Accept.
    """
    wanted = (params.get("format") or [""])[0]
    return next((o for o in offers if wanted in (o.name, o.suffix, o.media_type)), None)


MIN_TIMEOUT_S = 0.1  # less leaves no time to send a query to a worker and back


def _time_limit(params: dict[str, list[str]], ceiling: float) -> float:
    """Return the time limit of this request: ``timeout`` seconds, never over ``ceiling``
    (the setting)."""
    if "timeout" not in params:
        return ceiling
    asked = params["timeout"][0]
    try:
        seconds = float(asked)
    except ValueError:
        raise BadRequest(f"timeout must be a number of seconds, not '{asked}'.") from None
    if not MIN_TIMEOUT_S <= seconds < float("inf"):
        raise BadRequest(f"timeout must be a number of seconds from {MIN_TIMEOUT_S}, "
                         f"not '{asked}'.")
    return min(seconds, ceiling)


def _answer(site: Site, query: str, params: dict[str, list[str]], limit: float,
            question: str = "") -> Response:
    if len(query.encode("utf-8")) > site.settings.max_query_bytes:
        raise RequestURITooLarge(
            f"The query is over the limit of {site.settings.max_query_bytes} bytes.")
    form = check_query(query)
    offers = (*RDF_OFFERS, HTML) if form == "graph" else (*RESULTS_OFFERS, HTML)
    forced = _forced_offer(params, offers)
    store = site.store
    dataset = (tuple(params.get("default-graph-uri", [])), tuple(params.get("named-graph-uri", [])))
    abandoned = client_gone_check()
    try:
        offer = negotiate(offers, forced)
    except FormatNotAcceptable:
        # A bad query is reported as such whatever the Accept header says.
        store.answer(query, "html", *dataset, 0, 0, {}, limit, site.settings.busy_wait_s,
                     abandoned)
        raise
    try:
        answer: QueryAnswer = store.answer(
            query, offer.name, *dataset, site.settings.max_result_rows, HTML_ROWS,
            site.release.vocabulary.prefixes(), limit, site.settings.busy_wait_s, abandoned)
    except tuple(error for error, _ in STATUS_BY_ERROR) as error:
        if offer != HTML:
            raise
        status = next(code for kind, code in STATUS_BY_ERROR if isinstance(error, kind))
        page = _query_page(query, None, question, error=sentence(str(error)), status=status)
        if status == 503:
            page.headers["Retry-After"] = "5"
        return finish(page, [], negotiated=forced is None)
    if offer == HTML:
        return finish(_query_page(query, answer, question), [], negotiated=forced is None)
    response = Response(answer.body, mimetype=offer.media_type)
    if answer.truncated:
        # Said in a header because no results format has room for it (SPARQL 1.1 Results).
        response.headers[TRUNCATED_HEADER] = (
            f"only the first {site.settings.max_result_rows} results are given")
    if forced is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="results.{offer.suffix}"'
    return finish(response, [], negotiated=forced is None)


def _service_description_or_page(site: Site, limit: float) -> Response:
    offers = (HTML, *RDF_OFFERS)
    offer = negotiate(offers)
    if offer != HTML:
        return rdf_response(site.service_description, offer, template="sparql/query.html",
                            context={}, path="/sparql", offers=offers, negotiated=True)
    slug = request.args.get("example", "")
    if not slug:
        return finish(_query_page("", None), [], negotiated=True)
    example = next((e for e in site.examples if e.slug == slug), None)
    if example is None:
        return finish(_query_page("", None, notice=f"There is no example '{slug}'."), [],
                      negotiated=True)
    return _answer(site, example.text, {"query": [example.text], "format": ["html"]}, limit,
                   question=example.question)


def _query_page(query: str, answer: QueryAnswer | None, question: str = "", notice: str = "",
                error: str = "", status: int = 200) -> Response:
    site = current_site()
    labeller = site.labeller
    rows = []
    if answer is not None:
        labels = labels_of(site.release, {t for row in answer.rows for t in row
                                          if isinstance(t, URIRef)})
        rows = [[labeller.value(term, labels) if term is not None else None for term in row]
                for row in answer.rows]
    downloads = ()
    if answer is not None:
        downloads = RDF_OFFERS if answer.kind == "graph" else RESULTS_OFFERS
    body = render_template(
        "sparql/query.html", title="SPARQL query", query=query, result=answer, rows=rows,
        total=answer.total if answer else 0, shown=len(rows), examples=site.examples,
        question=question, notice=notice, error=error, error_title=TITLES.get(status, ""),
        downloads=downloads, max_rows=site.settings.max_result_rows,
        time_limit=site.settings.query_time_limit_s)
    return Response(body, status=status, mimetype="text/html")
