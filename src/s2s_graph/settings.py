"""The frozen settings of one run, and the only place ``S2S_*`` environment variables are read.

Defaults, then the environment, then command-line flags, resolved once. No I/O beyond
``os.environ`` here.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "S2S_"


def _setting(default: object, help: str, **kwargs: object) -> object:
    return field(default=default, metadata={"help": help}, **kwargs)


@dataclass(frozen=True)
class Settings:
    """Everything a run may configure. Each field's ``help`` is documented in README.md."""

    base_iri: str = _setting(
        "https://w3id.org/safe-to-share/",
        "Canonical base of every IRI in the dataset (BASE); relative IRIs in ontology/, data/ "
        "and shapes/ resolve against it. Must end with '/'.",
    )
    project_root: Path = _setting(
        Path("."),
        "Folder that holds ontology/, data/ and shapes/.",
    )
    dist_dir: Path = _setting(
        Path("dist"),
        "Folder the build writes its dumps to; relative paths are taken from project_root.",
    )
    store: str = _setting(
        "memory", "Where the server's data lives: memory (the sources, loaded and validated "
                  "at start), built (the built release, loaded into memory), disk (the built "
                  "release's Oxigraph store, opened read-only) or remote (a SPARQL endpoint "
                  "holding the built release).")
    remote_endpoint: str = _setting(
        "", "URL of the SPARQL endpoint of the remote store (with S2S_STORE=remote).")
    remote_graph_store: str = _setting(
        "", "URL of the remote store's SPARQL 1.1 Graph Store endpoint, for `build --push`.")
    remote_user: str = _setting("", "User name for `build --push`, if the store needs one.")
    remote_password: str = _setting("", "Password for `build --push`, if the store needs one.")
    remote_timeout_s: float = _setting(
        30.0, "Seconds to wait for the remote store before answering 504.")
    host: str = _setting("127.0.0.1", "Interface the server listens on.")
    port: int = _setting(8080, "Port the server listens on.")
    workers: int = _setting(2, "Server worker processes (gunicorn); one per core is a good start.")
    threads: int = _setting(4, "Threads per worker process.")
    access_log: str = _setting(
        "-", "Where gunicorn writes its access log: - for standard output, a file path, or "
             "nothing to keep none.")
    request_timeout_s: int = _setting(
        60, "Seconds a worker may spend on one request before gunicorn restarts it.")
    max_query_bytes: int = _setting(
        65536, "Longest SPARQL query accepted, in bytes (413 or 414 above it).")
    query_workers: int = _setting(
        2, "Child processes per server worker that run SPARQL queries: the number of queries "
           "one server worker runs at once.")
    query_time_limit_s: float = _setting(
        10.0, "Seconds a SPARQL query may run before it is stopped (503); a request may ask "
              "for less with ?timeout=, never more.")
    max_result_rows: int = _setting(
        10000, "Most rows (or triples) a query returns; longer results are cut and say so.")
    busy_wait_s: float = _setting(
        5.0, "Seconds a request waits for a free query or validation worker before 503.")
    max_upload_bytes: int = _setting(
        16 * 1024 * 1024, "Largest RDF document accepted by POST /validate, in bytes (413).")
    validation_time_limit_s: float = _setting(
        60.0, "Seconds a validation of posted data may run before it is stopped (503).")
    validation_workers: int = _setting(
        1, "Child processes per server worker that validate posted data.")
    cache_bytes: int = _setting(
        64 * 1024 * 1024, "Memory per server worker for answers kept for reuse (query results "
                          "and rendered pages of the release); 0 turns the cache off.")
    worker_memory_mib: int = _setting(
        512, "Memory a server worker may hold of its own (its caches, and the pages of the "
             "shared store it has copied by reading them) before it is replaced by a fresh "
             "one, after the requests it is serving; 0 never replaces it.")
    cache_max_age_s: int = _setting(
        300, "Seconds browsers, proxies and CDNs may reuse a response before they check its "
             "ETag again (Cache-Control max-age).")

    def __post_init__(self) -> None:
        if not self.base_iri.endswith("/"):
            raise ValueError(f"base_iri must end with '/': {self.base_iri!r}")

    @property
    def dist_path(self) -> Path:
        """Return the build output folder, resolved against the project root."""
        return self.dist_dir if self.dist_dir.is_absolute() else self.project_root / self.dist_dir

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> Settings:
        """Build settings from defaults, then ``S2S_<FIELD>`` variables, then ``overrides``.

        Overrides that are ``None`` are ignored, so unset command-line flags fall through.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _convert(f: dataclasses.Field, raw: str) -> object:
    kind = type(f.default)
    if issubclass(kind, Path):
        return Path(raw)
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{f.name.upper()} must be a whole number, not {raw!r}")
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{f.name.upper()} must be a number, not {raw!r}")
    return raw


def describe_settings() -> list[tuple[str, str, str]]:
    """Return (environment variable, default, help) for every setting, for docs and ``--help``."""
    return [
        (ENV_PREFIX + f.name.upper(), str(f.default), f.metadata["help"])
        for f in dataclasses.fields(Settings)
    ]
