"""Blueprint for ``/openapi.json``: the OpenAPI 3.0 description of the HTTP interface (package
data), which the tests fuzz the running server against."""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response

blueprint = Blueprint("openapi", __name__)
DESCRIPTION = resources.files("s2s_graph.web").joinpath("openapi.json").read_bytes()


@blueprint.get("/openapi.json")
def description() -> Response:
    """Answer the OpenAPI description."""
    return Response(DESCRIPTION, mimetype="application/json")
