"""The ``s2s-graph`` command: build, validate, serve, query.

The only module that prints or chooses exit codes: 0 success, 1 the data breaks a shape,
2 unusable input (a missing or unparsable file, a bad query, a bad option).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click
from rdflib import Graph

from s2s_graph import __version__
from s2s_graph.answers import check_format, default_format, write_answer
from s2s_graph.dumps import write_dumps
from s2s_graph.errors import (
    BuildError,
    DataInvalid,
    LoadError,
    QueryError,
    RemoteStoreError,
    RemoteStoreTimeout,
    UnsupportedFormat,
)
from s2s_graph.feedback import Feedback
from s2s_graph.formats import RDF_FORMAT_BY_NAME, RESULTS_FORMAT_BY_NAME, serialize
from s2s_graph.namespaces import Vocabulary, bind_prefixes, shorten
from s2s_graph.published import check_sources, publish
from s2s_graph.settings import Settings
from s2s_graph.sources import load_sources, parse_file
from s2s_graph.sparql import query_form, run_query
from s2s_graph.validation import ValidationReport, report_as_text, validate_graph

EXIT_OK, EXIT_VIOLATIONS, EXIT_UNUSABLE = 0, 1, 2
REPORT_FORMATS = {"text": None, "turtle": "turtle", "json-ld": "json-ld"}


class UsageFailure(click.ClickException):
    """An error the user can fix, reported on stderr with exit code 2."""

    exit_code = EXIT_UNUSABLE

    def format_message(self) -> str:
        return self.message


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="s2s-graph")
@click.option("--project-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding ontology/, data/ and shapes/ [env S2S_PROJECT_ROOT; default: .].")
@click.option("--base-iri", default=None,
              help="Base of every IRI in the dataset [env S2S_BASE_IRI; "
                   "default: https://w3id.org/safe-to-share/].")
@click.pass_context
def main(ctx: click.Context, project_root: Path | None, base_iri: str | None) -> None:
    """Publish the "Safe to share?" report and its responses as linked open data."""
    try:
        ctx.obj = Settings.from_env(project_root=project_root, base_iri=base_iri)
    except ValueError as error:
        raise UsageFailure(f"{error}") from None


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the release to [env S2S_DIST_DIR; default: dist].")
@click.option("--push", is_flag=True,
              help="Then put the release's graphs into the remote store's Graph Store "
                   "endpoint [env S2S_REMOTE_GRAPH_STORE, S2S_REMOTE_USER, "
                   "S2S_REMOTE_PASSWORD].")
@click.pass_obj
def build(settings: Settings, out_dir: Path | None, push: bool) -> None:
    """Load, validate and write the release: the dumps, their VoID description, the
    vocabulary, the shapes, precomputed figures and an on-disk store.

    Nothing is written if any source is invalid; the previous output stays as it was.
    """
    if push and not settings.remote_graph_store:
        raise UsageFailure("--push needs the URL of the remote store's Graph Store endpoint "
                           "(S2S_REMOTE_GRAPH_STORE). Nothing was written.")
    with Feedback() as feedback:
        published = _publish_or_exit(settings, feedback)
        target = out_dir if out_dir is not None else settings.dist_path
        feedback.step(f"Writing the release of {len(published.graph)} triples")
        try:
            written = write_dumps(published, target)
        except BuildError as error:
            raise UsageFailure(f"{error}") from None
        if push:
            _push(settings, published, feedback)
    click.echo(f"Built {len(published.graph)} triples into {target}: "
               + ", ".join(p.name for p in written)
               + (f"; pushed to {settings.remote_graph_store}" if push else ""))


def _push(settings: Settings, published, feedback: Feedback) -> None:
    from s2s_graph.push import PushTarget, graph_payloads, push_graphs

    graphs = (published.vocabulary.ontology_iri, str(published.dataset_iri))
    payloads = graph_payloads(published.store, graphs)
    advance = feedback.step(f"Pushing to {settings.remote_graph_store}",
                            total=sum(len(p) for p in payloads.values()))
    target = PushTarget(settings.remote_graph_store, settings.remote_user,
                        settings.remote_password, max(settings.remote_timeout_s, 300.0))
    try:
        push_graphs(payloads, target, advance)
    except (RemoteStoreError, RemoteStoreTimeout) as error:
        feedback.close()
        raise UsageFailure(f"The release was written, but not pushed: {error}") from None


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=True))
@click.option("--format", "report_format", type=click.Choice(list(REPORT_FORMATS)),
              default="text", show_default=True, help="How to print the validation report.")
@click.option("--with-dataset", is_flag=True,
              help="Validate FILES together with the project's data, so that links to our "
                   "organisations and recommendations are checked in context.")
@click.pass_obj
def validate(settings: Settings, files: tuple[Path, ...], report_format: str,
             with_dataset: bool) -> None:
    """Validate RDF FILES (format by suffix) against the shapes, or the project's own data.

    Exit 0 if the data conforms, 1 if it breaks a shape, 2 if a file cannot be read.
    """
    vocabulary = Vocabulary(settings.base_iri)
    try:
        if files:
            sources = load_sources(settings)
            data = Graph()
            for path in files:
                parse_file(path, settings.base_iri, into=data)
            if with_dataset:
                for triple in sources.data:
                    data.add(triple)
            report = validate_graph(data, sources.shapes, sources.ontology)
        else:
            _, report = check_sources(settings)
    except (LoadError, UnsupportedFormat) as error:
        raise UsageFailure(f"{error}") from None
    click.echo(_render_report(report, report_format, vocabulary), nl=False)
    sys.exit(EXIT_OK if report.conforms else EXIT_VIOLATIONS)


@main.command()
@click.option("--host", default=None, help="Interface to listen on [env S2S_HOST; default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port to listen on [env S2S_PORT; default: 8080].")
@click.option("--workers", type=int, default=None,
              help="Worker processes [env S2S_WORKERS; default: 2].")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the graph over HTTP: linked data, SPARQL, downloads.

    From the in-memory store (S2S_STORE=memory, the default) the data is loaded and
    validated first, and the server refuses to start if it is invalid; the disk and remote
    stores serve the release `build` wrote (and pushed).
    """
    from dataclasses import replace

    from s2s_graph.sandbox import install as install_guard
    from s2s_graph.sandbox import server_guard
    from s2s_graph.web import create_app
    from s2s_graph.web.server import serve as run_server

    settings = replace(settings, **{k: v for k, v in
                                    {"host": host, "port": port, "workers": workers}.items()
                                    if v is not None})
    try:
        # The published graph (rdflib) is only needed until the release is written.
        app = create_app(settings, published=_publish_or_exit(settings)
                         if settings.store == "memory" else None)
    except LoadError as error:
        raise UsageFailure(str(error)) from None
    site = app.extensions["s2s_graph"]
    store = site.release.store
    if settings.store == "remote":
        _check_remote(store, site.release)
    guard = server_guard(settings.project_root, site.release.folder, store.connections())
    store.guard_with(guard)
    site.validators.guard = guard
    install_guard(guard)
    click.echo(f"Serving {settings.base_iri} from the {settings.store} store on "
               f"http://{settings.host}:{settings.port}/", err=True)
    # What the workers fork from stays put: collected once, then out of the collector's way,
    # so that its passes do not copy the shared pages into every worker.
    gc.collect()
    gc.freeze()
    run_server(app, settings)


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder to write the static site to (must be empty).")
@click.option("--force", is_flag=True, help="Replace what the folder holds.")
@click.option("--app-url", default="",
              help="URL of a running `s2s-graph serve`, where the generated web server rules "
                   "send /sparql and /validate (without it a static host answers them 404, "
                   "but for the Service Description).")
@click.pass_obj
def bake(settings: Settings, out_dir: Path, force: bool, app_url: str) -> None:
    """Render every page in every format to files, with nginx and Apache rules, so that all
    but /sparql and /validate can be served by a static host or CDN.

    Serves the release the settings name (S2S_STORE), as `serve` would.
    """
    import time

    from s2s_graph.web import create_app
    from s2s_graph.web.bake import FolderNotEmpty, count_pages
    from s2s_graph.web.bake import bake as bake_site

    if app_url and not app_url.startswith(("http://", "https://")):
        raise UsageFailure(f"--app-url must be an http(s) URL, not {app_url!r}")
    out = out_dir.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise UsageFailure(f"{out} is not empty; choose an empty folder, or --force to "
                           "replace what it holds. Nothing was written.")
    started = time.perf_counter()
    with Feedback(unit="pages") as feedback:
        feedback.step("Loading the release")
        published = _publish_or_exit(settings, feedback) if settings.store == "memory" else None
        try:
            app = create_app(settings, published=published)
        except LoadError as error:
            raise UsageFailure(str(error)) from None
        advance = feedback.step(f"Baking into {out}", total=count_pages(app))
        try:
            baked = bake_site(app, out, force=force, app_url=app_url, progress=advance)
        except (FolderNotEmpty, BuildError) as error:
            raise UsageFailure(f"{error}. Nothing was written.") from None
        except (RemoteStoreError, RemoteStoreTimeout) as error:
            raise UsageFailure(f"{error}. Nothing was written.") from None
        finally:
            app.extensions["s2s_graph"].release.close()
    click.echo(f"Baked {baked.things} documents into {out}: {baked.files} files, "
               f"{baked.bytes / 1e6:.1f} MB, in {time.perf_counter() - started:.1f} s; "
               "web server rules in nginx-http.conf, nginx-server.conf and .htaccess")


def _check_remote(store, release) -> None:
    """Refuse to serve a remote store that holds another release; warn if it is down."""
    try:
        store.check_holds(release.triples_by_graph())
    except LoadError as error:
        raise UsageFailure(str(error)) from None
    except (RemoteStoreError, RemoteStoreTimeout) as error:
        click.echo(f"Warning: {error}; requests will answer 502 or 504 until it is back.",
                   err=True)


@main.command()
@click.argument("query_text", metavar="QUERY")
@click.option("--format", "output_format", default=None,
              type=click.Choice(sorted(set(RESULTS_FORMAT_BY_NAME) | set(RDF_FORMAT_BY_NAME))),
              help="Results format: json, xml, csv or tsv for SELECT and ASK (default json); "
                   "turtle, n-triples, json-ld or rdf-xml for CONSTRUCT and DESCRIBE "
                   "(default turtle).")
@click.pass_obj
def query(settings: Settings, query_text: str, output_format: str | None) -> None:
    """Run a read-only SPARQL QUERY (text, or @file.rq) on the published graph."""
    text = _read_query(query_text)
    published = _publish_or_exit(settings)
    try:
        fmt = output_format or default_format(query_form(text))
        check_format(query_form(text), fmt)  # before the query runs
        prefixes = published.vocabulary.prefixes()
        data = run_query(published.store, text, settings.base_iri,
                         then=lambda result: write_answer(result, fmt, None, 0, prefixes)).body
    except (QueryError, UnsupportedFormat) as error:
        raise UsageFailure(f"{error}") from None
    # Bytes as serialised: CSV results end lines with CRLF (RFC 4180, SPARQL 1.1 CSV/TSV §2).
    click.echo(data if data.endswith(b"\n") else data + b"\n", nl=False)


def _read_query(argument: str) -> str:
    if not argument.startswith("@"):
        return argument
    path = Path(argument[1:])
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageFailure(f"{path}: no such query file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageFailure(f"{path}: cannot be read ({error})") from None


def _publish_or_exit(settings: Settings, feedback: Feedback | None = None):
    """Run load, validate, publish, showing each stage on ``feedback``; on failure print why
    and exit 1 or 2."""
    try:
        return publish(settings, feedback.step if feedback is not None else lambda _: None)
    except LoadError as error:
        if feedback is not None:
            feedback.close()
        raise UsageFailure(f"{error}\nNothing was written.") from None
    except DataInvalid as error:
        if feedback is not None:
            feedback.close()
        text = report_as_text(error.report, _shortener(Vocabulary(settings.base_iri)))
        click.echo(text, err=True, nl=False)
        click.echo("The data does not conform to the shapes. Nothing was written.", err=True)
        sys.exit(EXIT_VIOLATIONS)


def _shortener(vocabulary: Vocabulary):
    prefixes = vocabulary.prefixes()
    return lambda term: shorten(term, prefixes)


def _render_report(report: ValidationReport, report_format: str, vocabulary: Vocabulary) -> str:
    fmt_name = REPORT_FORMATS[report_format]
    if fmt_name is None:
        return report_as_text(report, _shortener(vocabulary))
    graph = bind_prefixes(report.graph, vocabulary)
    return serialize(graph, RDF_FORMAT_BY_NAME[fmt_name]).decode("utf-8")
