"""Blueprint for ``/``: what the dataset is, where to go from here, and who answered."""

from __future__ import annotations

from flask import Blueprint, render_template
from rdflib.namespace import DCTERMS

from s2s_graph.namespaces import DCAT_VERSION
from s2s_graph.web import current_site

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    """Answer the home page and its response dashboard."""
    site = current_site()
    published = site.published
    data, dataset = published.data, published.dataset_iri
    labeller = site.labeller
    about = {
        "title": labeller.label(dataset),
        "description": str(data.value(dataset, DCTERMS.description) or ""),
        "licence": labeller.value(data.value(dataset, DCTERMS.license)),
        "sources": [labeller.value(s) for s in sorted(data.objects(dataset, DCTERMS.source))],
        "version": str(data.value(dataset, DCAT_VERSION) or ""),
        "modified": str(data.value(dataset, DCTERMS.modified) or ""),
    }
    counts = [(t, len(published.members(t))) for t in published.types()]
    return render_template("home/index.html", title=about["title"], about=about, counts=counts,
                           triples=len(published.graph), downloads=sorted(site.downloads),
                           reports=site.reports)
