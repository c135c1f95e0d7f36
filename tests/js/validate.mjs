// Validate N-Triples data files against an N-Triples shapes file with shacl-engine, a SHACL
// engine independent of pyshacl, and print one JSON object per data file:
// {"file", "conforms", "results": [{"focus", "path", "component", "shape", "constraint"}]}.
// Usage: node validate.mjs SHAPES.nt DATA.nt [DATA.nt ...]
import { readFileSync } from 'node:fs'
import rdfDataModel from '@rdfjs/data-model'
import rdfDataset from '@rdfjs/dataset'
import { Parser } from 'n3'
import { Validator } from 'shacl-engine'
import { targetResolvers, validations } from 'shacl-engine/sparql.js'

const SH = 'http://www.w3.org/ns/shacl#'

function load (path) {
  const dataset = rdfDataset.dataset()
  const quads = new Parser({ format: 'N-Triples', factory: rdfDataModel }).parse(readFileSync(path, 'utf8'))
  for (const quad of quads) {
    dataset.add(quad)
  }
  return dataset
}

function value (term) {
  if (!term) return null
  return term.termType === 'BlankNode' ? '_:' : term.value
}

function pathOf (result) {
  const path = result.path
  if (!path || path.length === 0) return null
  if (path.length === 1 && path[0].predicates.length === 1) {
    const step = path[0]
    return (step.quantifier === 'one' && !step.start || step.start === 'subject')
      ? step.predicates[0].value
      : '^' + step.predicates[0].value
  }
  return JSON.stringify(path.map(step => ({ start: step.start, predicates: step.predicates.map(p => p.value) })))
}

const [shapesFile, ...dataFiles] = process.argv.slice(2)
const shapes = load(shapesFile)
const validator = new Validator(shapes, { factory: rdfDataModel, targetResolvers, validations })

for (const file of dataFiles) {
  const report = await validator.validate({ dataset: load(file) })
  const results = report.results.map(result => ({
    focus: value(result.focusNode?.term),
    path: pathOf(result),
    component: result.constraintComponent?.value ?? null,
    shape: value(result.shape?.ptr?.term ?? result.shape?.term),
    severity: result.severity?.value ?? `${SH}Violation`
  }))
  console.log(JSON.stringify({ file, conforms: report.conforms, results }))
}
