"""The SPARQL 1.1 terminals that can hide code: strings, IRIs and comments.

Whatever reads a query's code (its keywords, variables and brackets) without parsing it must
skip these first, or a keyword in a string or a brace in an IRI would be read as code.
"""

from __future__ import annotations

import re

# Strings (long ones first), IRIs and comments. IRIREF excludes spaces, so "?a < ?b" stays a
# comparison (SPARQL 1.1 Query §19.8). The group makes ``split`` keep them, between the
# pieces of code around them.
HIDING = re.compile(
    r'''("""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*'|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n\r]*)''',
    re.DOTALL,
)
