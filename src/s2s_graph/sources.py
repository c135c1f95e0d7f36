"""Find and parse the project's sources (``ontology/``, ``data/``, ``shapes/``) and outside RDF files.

Relative IRIs in our files resolve against BASE, so one set of files serves any base.
Every parse error names the file and, where the parser gives it, the line and column.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD
from rdflib.plugins.stores.memory import SimpleMemory

from s2s_graph.errors import LoadError, UnsupportedFormat
from s2s_graph.formats import RdfFormat, rdf_format_for_suffix
from s2s_graph.settings import Settings

SOURCE_FOLDERS = ("ontology", "data", "shapes")


@dataclass(frozen=True)
class Sources:
    """The parsed sources of one build: our vocabulary, our data and our shapes."""

    ontology: Graph
    data: Graph
    shapes: Graph
    files: tuple[Path, ...]


def load_sources(settings: Settings) -> Sources:
    """Parse every ``*.ttl`` file of ``ontology/``, ``data/`` and ``shapes/``, in sorted order.

    :raises LoadError: a folder is missing or empty, or a file is not valid Turtle.
    """
    graphs: dict[str, Graph] = {}
    files: list[Path] = []
    for folder in SOURCE_FOLDERS:
        directory = settings.project_root / folder
        paths = sorted(directory.glob("*.ttl")) if directory.is_dir() else []
        if not paths:
            raise LoadError(str(directory), f"no Turtle files in {folder}/; run from the project "
                            "folder or set S2S_PROJECT_ROOT")
        # The data can be millions of triples: rdflib's SimpleMemory adds and finds them
        # faster than its context-aware default, which only the shapes need (pyshacl).
        graph = Graph(store=SimpleMemory()) if folder == "data" else Graph()
        for path in paths:
            parse_file(path, settings.base_iri, into=graph)
        graphs[folder] = graph
        files.extend(paths)
    resolve_shape_namespaces(graphs["shapes"], settings.base_iri)
    return Sources(graphs["ontology"], graphs["data"], graphs["shapes"], tuple(files))


def parse_file(path: Path, base_iri: str, *, into: Graph | None = None,
               fmt: RdfFormat | None = None) -> Graph:
    """Parse one RDF file, its format given or taken from its suffix.

    :raises LoadError: the file is missing, unreadable, of an unknown suffix or not valid RDF.
    """
    try:
        fmt = fmt or rdf_format_for_suffix(path.suffix)
    except UnsupportedFormat as error:
        raise LoadError(str(path), str(error)) from None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(str(path), "no such file") from None
    except IsADirectoryError:
        raise LoadError(str(path), "is a folder, not a file") from None
    except OSError as error:
        raise LoadError(str(path), f"cannot be read ({error.strerror})") from None
    return parse_bytes(data, fmt, base_iri, name=str(path), into=into)


def parse_bytes(data: bytes, fmt: RdfFormat, base_iri: str, *, name: str,
                into: Graph | None = None) -> Graph:
    """Parse RDF ``data`` in ``fmt`` with relative IRIs resolved against ``base_iri``.

    Oxigraph's parser does the reading: it is strict where rdflib's is lenient (rdflib
    accepts an IRI with spaces and newlines in it), it reports line and column for every
    syntax, and it never loads a remote JSON-LD context. Triples are then copied into an
    rdflib graph for SHACL and serialisation. ``into`` is only changed when all of ``data``
    is valid.

    :raises LoadError: naming ``name`` and the line and column where the parser gives them.
    """
    if fmt.name == "rdf-xml":
        _check_xml(data, fmt, name)
    if fmt.name == "json-ld" and data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        # Oxigraph reads a bare JSON value as an empty graph; JSON-LD 1.1 §9.1 says no.
        raise LoadError(name, "not valid JSON-LD: a JSON-LD document is a JSON object or array",
                        1, 1)
    try:
        quads = list(pyoxigraph.parse(data, format=fmt.oxigraph, base_iri=base_iri,
                                      without_named_graphs=True, rename_blank_nodes=True))
    except SyntaxError as error:
        line, column = error.lineno, error.offset
        if line is None and fmt.name == "rdf-xml":
            line, column = _xml_error_position(data)
        raise LoadError(name, f"not valid {fmt.label}: {_reason(error)}", line, column) from None
    for quad in quads:  # checked before ``into`` changes: rdflib has no triple terms
        for node in (quad.subject, quad.object):
            if isinstance(node, pyoxigraph.Triple):
                raise LoadError(name, f"RDF 1.2 triple terms are not supported: {node}")
    graph = into if into is not None else Graph()
    converted: dict = {}  # predicates, classes and codes repeat: convert each term once
    for quad in quads:
        terms = []
        for node in (quad.subject, quad.predicate, quad.object):
            term = converted.get(node)
            if term is None:
                term = converted[node] = to_rdflib(node)
            terms.append(term)
        graph.add(tuple(terms))
    return graph


_POSITION_PREFIX = re.compile(r"^Parser error (at|between) [^:]*: ")
_POSITION_SUFFIX = re.compile(r" \(line \d+\)$")


def _reason(error: SyntaxError) -> str:
    """Return the parser's message without the position, which LoadError states itself."""
    return _POSITION_SUFFIX.sub("", _POSITION_PREFIX.sub("", str(error.msg)))


def _check_xml(data: bytes, fmt: RdfFormat, name: str) -> None:
    """Refuse XML that expat finds malformed or explosive before Oxigraph reads it.

    Oxigraph expands internal entities without limit: a 1 kB "billion laughs" document took
    15 s and 3.8 GB. Expat stops it at once (its amplification limit) and never resolves an
    external entity, since no handler for them is set.
    """
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        reason = xml.parsers.expat.ErrorString(error.code)
        raise LoadError(name, f"not valid {fmt.label}: {reason}", error.lineno,
                        error.offset + 1) from None


def _xml_error_position(data: bytes) -> tuple[int | None, int | None]:
    """Locate an XML well-formedness error, which Oxigraph reports without a position.

    Expat only checks the document here; it resolves no external entity.
    """
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        return error.lineno, error.offset + 1
    return None, None


def to_rdflib(term):
    """Turn an Oxigraph term into the equal rdflib term (plain strings stay plain)."""
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    raise ValueError(f"RDF 1.2 triple terms are not supported: {term}")


_XSD_STRING = str(XSD.string)


def resolve_shape_namespaces(shapes: Graph, base_iri: str) -> None:
    """Resolve relative ``sh:namespace`` literals against BASE, as the IRIs around them are.

    SHACL-SPARQL prefix declarations are literals, which Turtle does not resolve.
    """
    for declaration, value in list(shapes.subject_objects(SH.namespace)):
        text = str(value)
        if "://" not in text:
            shapes.set((declaration, SH.namespace, Literal(base_iri + text, datatype=XSD.anyURI)))



@dataclass(frozen=True)
class ShapeExample:
    """An invalid example of ``shapes/examples/invalid/``: what it breaks, and its text."""

    name: str
    shape: str
    path: str
    component: str
    text: str


def load_shape_examples(settings: Settings) -> tuple[ShapeExample, ...]:
    """Read the invalid examples that document the shapes (none if the folder is absent).

    Each file's ``# expect: <shape> <path> <component>`` line says what it breaks; the text
    shown to readers is the file without that line and its description.
    """
    folder = settings.project_root / "shapes" / "examples" / "invalid"
    examples = []
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        expect = next((line.split()[2:5] for line in text.splitlines()
                       if line.startswith("# expect:")), None)
        if expect is None or len(expect) != 3:
            raise LoadError(str(path), "has no '# expect: <shape> <path> <component>' line")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("# expect:"))
        examples.append(ShapeExample(path.stem, *expect, body.strip() + "\n"))
    return tuple(examples)
