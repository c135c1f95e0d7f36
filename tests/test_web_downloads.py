"""Downloads and the dataset description: validators, 304, gzip, and what VoID says."""

from __future__ import annotations

import gzip
import hashlib

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from conftest import BASE
from s2s_graph.formats import RDF_FORMATS
from s2s_graph.namespaces import SPDX
from s2s_graph.published import PublishedGraph


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.suffix)
def test_each_dump_downloads_with_validators(client, published: PublishedGraph, fmt):
    response = client.get(f"/download/dataset.{fmt.suffix}")
    assert response.status_code == 200 and response.mimetype == fmt.media_type
    assert response.headers["ETag"].strip('"') == hashlib.sha256(response.get_data()).hexdigest()
    assert response.headers["Last-Modified"]
    graph = Graph().parse(data=response.get_data(), format=fmt.rdflib_name)
    assert len(graph) == len(published.graph)


def test_conditional_requests_get_304(client):
    first = client.get("/download/dataset.ttl")
    again = client.get("/download/dataset.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    since = client.get("/download/dataset.ttl",
                       headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_gzip_on_request_with_its_own_etag(client):
    plain = client.get("/download/dataset.nt")
    zipped = client.get("/download/dataset.nt", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert "Accept-Encoding" in zipped.vary and len(zipped.get_data()) < len(plain.get_data()) / 5


def test_unknown_download_is_404(client):
    assert client.get("/download/dataset.xlsx").status_code == 404
    assert client.get("/download/..%2fpyproject.toml").status_code == 404


def test_void_describes_the_dataset_and_its_distributions(client, published: PublishedGraph):
    graph = Graph().parse(data=client.get("/.well-known/void").get_data(), format="turtle")
    dataset = published.dataset_iri
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.publisher,
                      DCTERMS.source, DCTERMS.issued, DCTERMS.modified,
                      URIRef(str(DCAT) + "version"),  # DCAT 3; rdflib knows DCAT 2
                      VOID.exampleResource):
        assert graph.value(dataset, predicate) is not None, predicate
    assert graph.value(dataset, DCTERMS.license) == URIRef(
        "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
    assert graph.value(dataset, VOID.triples) == Literal(len(published.graph))
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    distributions = list(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == 4
    for dist in distributions:
        url = str(graph.value(dist, DCAT.downloadURL))
        body = client.get(url.replace(BASE, "/")).get_data()
        assert int(graph.value(dist, DCAT.byteSize)) == len(body)
        checksum = graph.value(dist, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
        assert graph.value(dist, DCAT.mediaType) is not None
        assert (dist, RDF.type, DCAT.Distribution) in graph
