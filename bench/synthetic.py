"""Synthetic data in the s2s vocabulary, deterministic from a seed, for benchmarks.

Reports with numbered recommendations, territorial police forces each overseen by a local
policing body, responsibilities (every body asked to respond to every report, forces asked to
implement each recommendation), and one response per body per report with a status. The
data keeps our shapes: bench scripts validate a sample of it. It is never part of data/.

    python bench/synthetic.py --triples 30000 --out /tmp/synthetic.nt
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

BASE = "https://w3id.org/safe-to-share/"
S2S = BASE + "def/s2s#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
DCT = "http://purl.org/dc/terms/"
SOURCE = "https://example.org/synthetic-source"
STATUSES = ("published", "receivedNotPublished", "noReply")


def _iri(value: str) -> str:
    return f"<{value}>"


def _text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def generate(reports: int, bodies: int = 100, recommendations: int = 5, seed: int = 1,
             base: str = BASE) -> list[str]:
    """Return N-Triples lines: ``bodies`` bodies (half forces, half their local policing
    bodies) and ``reports`` reports with their items, responsibilities and responses."""
    rng = random.Random(seed)
    s2s = base + "def/s2s#"
    lines: list[str] = []

    def add(s: str, p: str, o: str) -> None:
        lines.append(f"{s} {p} {o} .")

    add(_iri(SOURCE), _iri(RDF_TYPE), _iri("http://xmlns.com/foaf/0.1/Document"))
    add(_iri(SOURCE), _iri(RDFS_LABEL), _text("Synthetic source"))
    pairs = max(1, bodies // 2)
    body_iris = []
    for n in range(pairs):
        force = base + f"id/organisation/synthetic-force-{n}"
        lpb = base + f"id/organisation/synthetic-commissioner-{n}"
        for iri, kind, name in ((force, "TerritorialPoliceForce", f"Synthetic Police {n}"),
                                (lpb, "PoliceAndCrimeCommissioner", f"Synthetic commissioner {n}")):
            add(_iri(iri), _iri(RDF_TYPE), _iri(s2s + kind))
            add(_iri(iri), _iri(RDFS_LABEL), _text(name))
            add(_iri(iri), _iri(SKOS_PREF), _text(name))
            add(_iri(iri), _iri(DCT + "source"), _iri(SOURCE))
        add(_iri(force), _iri(s2s + "overseenBy"), _iri(lpb))
        add(_iri(force), _iri(s2s + "policeForceAreaCode"), f'"E23{n:06d}"')
        add(_iri(force), _iri(s2s + "policeUkId"), f'"synthetic-{"abcdefghij"[n % 10]}"')
        body_iris += [(force, True), (lpb, False)]
    publisher = body_iris[0][0]
    for r in range(reports):
        report = base + f"id/report/synthetic-{r}"
        add(_iri(report), _iri(RDF_TYPE), _iri(s2s + "Report"))
        add(_iri(report), _iri(RDFS_LABEL), _text(f"Synthetic report {r}"))
        add(_iri(report), _iri(DCT + "title"), _text(f"Synthetic report {r}"))
        add(_iri(report), _iri(DCT + "issued"),
            f'"20{10 + r % 15:02d}-0{1 + r % 9}-1{r % 10}"^^<http://www.w3.org/2001/XMLSchema#date>')
        add(_iri(report), _iri(DCT + "publisher"), _iri(publisher))
        add(_iri(report), _iri(DCT + "source"), _iri(SOURCE))
        items = []
        for k in range(1, recommendations + 1):
            item = base + f"id/recommendation/synthetic-{r}/{k}"
            items.append(item)
            add(_iri(item), _iri(RDF_TYPE), _iri(s2s + "Recommendation"))
            add(_iri(item), _iri(RDFS_LABEL), _text(f"Recommendation {k}"))
            add(_iri(item), _iri(s2s + "inReport"), _iri(report))
            add(_iri(item), _iri(s2s + "number"), f'"{k}"^^<http://www.w3.org/2001/XMLSchema#integer>')
            add(_iri(item), _iri(s2s + "numberBasis"), _iri(s2s + "stated"))
            add(_iri(item), _iri(s2s + "text"), _text(f"Do thing {k} of report {r}."))
            add(_iri(item), _iri(s2s + "textKind"), _iri(s2s + "reportWording"))
            add(_iri(item), _iri(DCT + "source"), _iri(SOURCE))
        for body, is_force in body_iris:
            slug = body.rsplit("/", 1)[1]
            duties = [("report", report, "respond")]
            if is_force:
                duties += [(f"recommendation-{k}", item, "implement")
                           for k, item in enumerate(items, 1)]
            for target, target_iri, role in duties:
                duty = base + f"id/responsibility/synthetic-{r}/{target}/{slug}/{role}"
                add(_iri(duty), _iri(RDF_TYPE), _iri(s2s + "Responsibility"))
                add(_iri(duty), _iri(RDFS_LABEL), _text(f"{slug}: {role} {target}"))
                add(_iri(duty), _iri(s2s + "responsibleBody"), _iri(body))
                add(_iri(duty), _iri(s2s + "concerns"), _iri(target_iri))
                add(_iri(duty), _iri(s2s + "role"), _iri(s2s + role))
                add(_iri(duty), _iri(s2s + "basis"), _iri(s2s + "stated"))
                add(_iri(duty), _iri(DCT + "source"), _iri(SOURCE))
            response = base + f"id/response/synthetic-{r}/{slug}"
            status = rng.choice(STATUSES)
            add(_iri(response), _iri(RDF_TYPE), _iri(s2s + "Response"))
            add(_iri(response), _iri(RDFS_LABEL), _text(f"Response of {slug} to report {r}"))
            add(_iri(response), _iri(s2s + "respondent"), _iri(body))
            add(_iri(response), _iri(s2s + "respondsTo"), _iri(report))
            add(_iri(response), _iri(s2s + "status"), _iri(s2s + status))
            if status == "published":
                add(_iri(response), _iri(s2s + "documentTitle"), _text(f"{slug} response {r}"))
            add(_iri(response), _iri(DCT + "source"), _iri(SOURCE))
    return lines


def generate_about(triples: int, seed: int = 1, base: str = BASE) -> list[str]:
    """Return synthetic data of about ``triples`` triples (about a hundred bodies, or fewer
    for small sizes)."""
    bodies = 100 if triples >= 20000 else max(4, triples // 200 * 2)
    per_report = len(generate(1, bodies, seed=seed, base=base)) - len(generate(0, bodies, seed=seed, base=base))
    reports = max(1, round((triples - len(generate(0, bodies, seed=seed, base=base))) / per_report))
    return generate(reports, bodies, seed=seed, base=base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = "\n".join(generate_about(args.triples, args.seed)) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
