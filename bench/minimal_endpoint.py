"""The reference the benchmark holds our framework to: a SPARQL endpoint of a few lines, Flask
and pyoxigraph and nothing else (no limits, no worker processes, no negotiation beyond
JSON and N-Triples), run under gunicorn as ours is. The benchmark sets gunicorn's worker
timeout to our query time limit, the only limit it has.

    S2S_BENCH_DATA=dataset.nt gunicorn -w 2 --timeout 10 --preload 'minimal_endpoint:app'
"""

import os

import pyoxigraph
from flask import Flask, Response, request

store = pyoxigraph.Store()
store.load(path=os.environ["S2S_BENCH_DATA"], format=pyoxigraph.RdfFormat.N_TRIPLES)
app = Flask(__name__)


@app.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    answer = store.query(request.values["query"])
    if isinstance(answer, pyoxigraph.QueryTriples):
        return Response(pyoxigraph.serialize(answer, format=pyoxigraph.RdfFormat.N_TRIPLES),
                        mimetype="application/n-triples")
    return Response(answer.serialize(format=pyoxigraph.QueryResultsFormat.JSON),
                    mimetype="application/sparql-results+json")
