"""Blueprint for ``/``: what the dataset is and where to go from here."""

from __future__ import annotations

from flask import Blueprint, render_template

from s2s_graph.web import current_site

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    """Answer the home page."""
    site = current_site()
    published = site.published
    labeller = site.labeller
    types = [(t, len(published.members(t))) for t in published.types()]
    return render_template(
        "home/index.html", title=labeller.label(published.dataset_iri),
        dataset=labeller.rows(published.data, published.dataset_iri), types=types,
        triples=len(published.graph), downloads=sorted(site.downloads))
