#!/usr/bin/env python3
"""Splice the generated symbol index (build/man/api-index.md) into
docs/api.md between its markers (--write), or fail when the one there is
not the generated one (--check).

usage: api-index.py --write|--check INDEX_FILE DOC_FILE
"""
import sys
from pathlib import Path

mode, index_file, doc_file = sys.argv[1:4]
index = Path(index_file).read_text()
start, end = index.splitlines()[0], index.rstrip().splitlines()[-1]
doc = Path(doc_file).read_text()
if start in doc and end in doc:
    before, rest = doc.split(start, 1)
    after = rest.split(end, 1)[1]
    new = before + index.rstrip() + after
else:
    new = doc.rstrip() + '\n\n## Every symbol\n\n' + index
if mode == '--check':
    if new != doc:
        sys.exit('%s: its symbol index is out of date with the headers: run '
                 'make api-index' % doc_file)
else:
    Path(doc_file).write_text(new)
