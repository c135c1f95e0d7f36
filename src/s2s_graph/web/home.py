"""Blueprint for ``/``: what the dataset is, where to go from here, and who answered."""

from __future__ import annotations

from flask import Blueprint, render_template
from rdflib.namespace import DCTERMS

from s2s_graph.namespaces import DCAT_VERSION
from s2s_graph.web import current_site

blueprint = Blueprint("home", __name__)
DASHBOARDS_ON_HOME = 3  # the first reports; the rest are a click away in the list


@blueprint.get("/")
def index() -> str:
    """Answer the home page and its response dashboard."""
    site = current_site()
    release = site.release
    void, dataset = release.void, release.dataset_iri
    labeller = site.labeller
    about = {
        "title": labeller.label(dataset),
        "description": str(void.value(dataset, DCTERMS.description) or ""),
        "licence": labeller.value(void.value(dataset, DCTERMS.license)),
        "sources": [labeller.value(s) for s in sorted(void.objects(dataset, DCTERMS.source))],
        "version": str(void.value(dataset, DCAT_VERSION) or ""),
        "modified": str(void.value(dataset, DCTERMS.modified) or ""),
    }
    counts = sorted(release.type_counts.items())
    return render_template("home/index.html", title=about["title"], about=about, counts=counts,
                           triples=release.triples, downloads=sorted(release.files),
                           reports=release.reports[:DASHBOARDS_ON_HOME],
                           more_reports=len(release.reports) - DASHBOARDS_ON_HOME)
