"""The graph pyshacl validates: rdflib holds the triples, Oxigraph answers the SPARQL.

pyshacl walks triples for the core constraints, which rdflib's in-memory store does fast,
and runs every SHACL-SPARQL constraint once per focus node through ``Graph.query``. Our
cross-record rules target every report; rdflib's engine took about 200 ms for each report
at 300k triples, so validation grew with reports times data. Oxigraph answers the same
queries, with the focus node substituted, in well under a millisecond.

What Oxigraph cannot take is left to rdflib's engine, so the verdict never depends on which
engine ran: SPARQL only rdflib accepts, a term Oxigraph refuses, or a query that does not
project a pre-bound variable (Oxigraph substitutes only projected ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.paths import Path
from rdflib.query import Result
from rdflib.term import Node, Variable

from s2s_graph.sources import to_rdflib

_BATCH = 100_000  # triples handed to Oxigraph at once: bounds the Python objects alive


class ValidationGraph(Graph):
    """A read-only union of some graphs, queryable by pyshacl at Oxigraph's speed.

    The triples stay in the given graphs (a copy of 3M triples in rdflib costs 3.6 GB); only
    Oxigraph's index is built here.
    """

    def __init__(self, graphs: Iterable[Graph]) -> None:
        super().__init__()
        self._graphs = tuple(graphs)
        self._repeated = _repeated_triples(self._graphs)
        self._length: int | None = None
        # rdflib's blank node labels need not be valid N-Triples labels: map each both ways.
        self._blank_nodes: dict[BNode, pyoxigraph.BlankNode] = {}
        self._rdflib_blank_nodes: dict[str, BNode] = {}
        self._index: pyoxigraph.Store | None = pyoxigraph.Store()
        batch = []
        for graph in self._graphs:
            for triple in graph:
                batch.append(triple)
                if len(batch) == _BATCH:
                    self._index_triples(batch)
                    batch = []
        self._index_triples(batch)

    def triples(self, triple):
        """Every matching triple of the graphs, once. All of rdflib's reading methods (and so
        pyshacl's) come through here."""
        subject, predicate, object_ = triple
        if isinstance(predicate, Path):
            for path_subject, path_object in predicate.eval(self, subject, object_):
                yield path_subject, predicate, path_object
            return
        for position, graph in enumerate(self._graphs):
            for found in graph.triples(triple):
                if self._repeated and found in self._repeated and any(
                        found in earlier for earlier in self._graphs[:position]):
                    continue
                yield found

    def __len__(self) -> int:
        # pyshacl asks for it with every result it makes, and counting is linear in some
        # rdflib stores (SimpleMemory); the graphs do not change while they are validated.
        if self._length is None:
            self._length = sum(len(graph) for graph in self._graphs) - sum(
                sum(1 for graph in self._graphs if triple in graph) - 1
                for triple in self._repeated)
        return self._length

    def add(self, triple):
        raise TypeError("a validation graph is read-only; add to one of its graphs")

    def addN(self, quads):  # noqa: N802
        raise TypeError("a validation graph is read-only; add to one of its graphs")

    def remove(self, triple):
        raise TypeError("a validation graph is read-only; remove from one of its graphs")

    def _index_triples(self, triples: list) -> None:
        if self._index is None or not triples:
            return
        try:
            self._index.bulk_extend(
                [pyoxigraph.Quad(*map(self._to_oxigraph, triple)) for triple in triples])
        except ValueError:  # a term Oxigraph refuses (an IRI or language tag rdflib let in)
            self._index = None

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs) -> Result:
        """Answer a SPARQL query text with Oxigraph, ``initBindings`` substituted (SEP-0007,
        the same as rdflib's pre-binding); anything else goes to rdflib."""
        if self._index is None or not isinstance(query_object, str) or kwargs:
            return super().query(query_object, processor, result, initNs, initBindings,
                                 use_store_provided, **kwargs)
        try:
            return self._as_rdflib_result(self._index.query(
                query_object,
                prefixes={prefix: str(ns) for prefix, ns in (initNs or {}).items()},
                substitutions=self._substitutions(initBindings or {})))
        except (SyntaxError, ValueError, RuntimeError):
            # Not Oxigraph's SPARQL, a term it refuses, or a bound variable the query does not
            # project (SEP-0007 substitution needs it; SHACL's pre-binding does not).
            return super().query(query_object, processor, result, initNs, initBindings,
                                 use_store_provided)

    def _substitutions(self, bindings: Mapping) -> dict:
        return {pyoxigraph.Variable(str(name)): self._to_oxigraph(term)
                for name, term in bindings.items() if term is not None}

    def _to_oxigraph(self, term: Node):
        if isinstance(term, URIRef):
            return pyoxigraph.NamedNode(str(term))
        if isinstance(term, Literal):
            if term.language:
                return pyoxigraph.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return pyoxigraph.Literal(str(term),
                                          datatype=pyoxigraph.NamedNode(str(term.datatype)))
            return pyoxigraph.Literal(str(term))
        if isinstance(term, BNode):
            known = self._blank_nodes.get(term)
            if known is None:
                known = self._blank_nodes[term] = pyoxigraph.BlankNode()
                self._rdflib_blank_nodes[known.value] = term
            return known
        raise ValueError(f"cannot index {term!r} for validation")

    def _to_rdflib(self, term):
        if isinstance(term, pyoxigraph.BlankNode):
            return self._rdflib_blank_nodes.get(term.value) or BNode(term.value)
        return to_rdflib(term)

    def _as_rdflib_result(self, answer) -> Result:
        """Wrap an Oxigraph answer as the rdflib result pyshacl reads."""
        if isinstance(answer, pyoxigraph.QueryBoolean):
            wrapped = Result("ASK")
            wrapped.askAnswer = bool(answer)
            return wrapped
        if isinstance(answer, pyoxigraph.QuerySolutions):
            names = [variable.value for variable in answer.variables]
            wrapped = Result("SELECT")
            wrapped.vars = [Variable(name) for name in names]
            wrapped.bindings = [
                {Variable(name): self._to_rdflib(solution[name]) for name in names
                 if solution[name] is not None}
                for solution in answer]
            return wrapped
        wrapped = Result("CONSTRUCT")
        wrapped.graph = Graph()
        for triple in answer:
            wrapped.graph.add((self._to_rdflib(triple.subject), self._to_rdflib(triple.predicate),
                               self._to_rdflib(triple.object)))
        return wrapped


def _repeated_triples(graphs: tuple[Graph, ...]) -> frozenset:
    """The triples found in more than one of the graphs (our vocabulary and data share none),
    found by walking all but the largest graph."""
    if len(graphs) < 2:
        return frozenset()
    largest = max(graphs, key=len)
    repeated = set()
    for graph in graphs:
        if graph is not largest:
            repeated.update(triple for triple in graph
                            if any(triple in other for other in graphs if other is not graph))
    return frozenset(repeated)
