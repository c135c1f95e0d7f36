"""Human documentation of the vocabulary, rendered by pyLODE (OntPub profile).

pyLODE runs offline here: it is given our ontology graph and fetches nothing. Importing it
configures the root logger (``logging.basicConfig(level=DEBUG)`` in
``pylode/profiles/supermodel/loader.py``); the logging state is put back right after the
import, so our logs stay as the server set them and pyLODE's INFO lines are dropped.
"""

from __future__ import annotations

import logging

from rdflib import Graph


def _import_ontpub():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from pylode import OntPub
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    return OntPub


def render_vocabulary_html(ontology: Graph) -> str:
    """Return the vocabulary's documentation as one self-contained HTML page."""
    return _import_ontpub()(ontology=ontology).make_html()
