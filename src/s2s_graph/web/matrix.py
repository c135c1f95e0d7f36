"""Blueprint for ``/matrix``: recommendations and actions against the organisations that must
act on them, each cell the role and that organisation's answer, filtered by kind and status."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.exceptions import NotFound

from s2s_graph.dashboard import KIND_LABELS, STATUS_LABELS, STATUSES
from s2s_graph.web import current_site

blueprint = Blueprint("matrix", __name__)


@blueprint.get("/matrix")
def matrix() -> str:
    """Answer the responsibility matrix of a report (the first one unless ?report= says)."""
    site = current_site()
    if not site.release.reports:
        raise NotFound("There is no report in this dataset.")
    notices = []
    by_iri = {r.iri: r for r in site.release.reports}
    report = by_iri.get(request.args.get("report", ""), site.release.reports[0])
    if request.args.get("report") and request.args["report"] not in by_iri:
        notices.append(f"There is no report '{request.args['report']}'; showing {report.label}.")
    chosen = {}
    for name, allowed in (("kind", KIND_LABELS), ("status", STATUS_LABELS)):
        value = request.args.get(name, "")
        if value and value not in allowed:
            notices.append(f"'{value}' is not a value of the filter '{name}'; it was ignored.")
        elif value:
            chosen[name] = value
    for name in request.args:
        if name not in ("kind", "status", "report"):
            notices.append(f"The filter '{name}' does not apply here and was ignored.")
    bodies = [b for b in report.bodies
              if chosen.get("kind", b.kind) == b.kind and chosen.get("status", b.status) == b.status]
    return render_template(
        "matrix/matrix.html", title=f"Who must act on {report.label}", report=report,
        bodies=bodies, chosen=chosen, notices=notices, labeller=site.labeller,
        kinds=KIND_LABELS, statuses=[(s, STATUS_LABELS[s]) for s in STATUSES],
        status_labels=STATUS_LABELS, reports=site.release.reports)
