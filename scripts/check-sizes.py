#!/usr/bin/env python3
"""The size limits of docs/design.md, checked: no library file (.c or .h
under lib/, recursively) over 600 lines, and no function definition over 80
lines, counted from the first line of its signature to its closing brace
(static inline functions in headers count too).

Comments, string and character literals and preprocessor lines are blanked
first; a function definition is then a brace at file level whose opening
follows a ")" (a struct, enum or initializer's brace follows a name or "="),
and its signature begins after the previous ";" or "}" at file level. The
code base puts the braces of a function body at column 0 (or the whole
function on one line); the check does not rely on it, but notes where a
longer body's braces are elsewhere.

usage: check-sizes.py [DIR]   (DIR defaults to lib)
"""
import re
import sys
from pathlib import Path

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
NAME = re.compile(r'([A-Za-z_]\w*)\s*$')
EXTERN_C = re.compile(r'\bextern\s*"[^"]*"$')  # the "C" is blanked


def blank_comment(text, out, i):
    """The /* comment */ at i turned to spaces in out (its newlines kept);
    returns where it ends."""
    end = text.find('*/', i + 2)
    end = len(text) if end < 0 else end + 2
    for j in range(i, end):
        if out[j] != '\n':
            out[j] = ' '
    return end


def blank(text):
    """The text with comments, literals and preprocessor lines turned to
    spaces, newlines kept, so that offsets and line numbers still hold."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in ' \t':
            i += 1
            continue
        if line_start and c == '#':
            # a preprocessor line, with its backslash continuations
            while i < n and text[i] != '\n':
                if text[i] == '\\' and i + 1 < n and text[i + 1] == '\n':
                    out[i] = ' '
                    i += 2
                    continue
                if text.startswith('/*', i):
                    i = blank_comment(text, out, i)
                    continue
                out[i] = ' '
                i += 1
            continue
        line_start = False
        if c == '\n':
            line_start = True
            i += 1
        elif text.startswith('/*', i):
            i = blank_comment(text, out, i)
        elif text.startswith('//', i):
            while i < n and text[i] != '\n':
                out[i] = ' '
                i += 1
        elif c in '"\'':
            # the quotes stay, so that a literal never looks like a ")"
            i += 1
            while i < n and text[i] != c and text[i] != '\n':
                step = 2 if text[i] == '\\' else 1
                for j in range(i, min(i + step, n)):
                    out[j] = ' '
                i += step
            i += 1
        else:
            i += 1
    return ''.join(out)


def function_name(sig):
    """The name before the parameter list that closes a signature (or, for
    a function returning a function pointer, inside the group before it)."""
    head = sig.rstrip()
    start = _group_start(head)
    if start < 0:
        return '?'
    head = head[:start].rstrip()
    m = NAME.search(head)
    if m:
        return m.group(1)
    start = _group_start(head)
    return function_name(head[start + 1:-1]) if start >= 0 else '?'


def _group_start(text):
    """Where the parenthesised group that ends text begins, or -1."""
    level = 0
    for j in range(len(text) - 1, -1, -1):
        if text[j] == ')':
            level += 1
        elif text[j] == '(':
            level -= 1
            if level == 0:
                return j
    return -1


def opens_function(before):
    """Whether a file-level "{" after this text opens a function body: the
    text ends with a parameter list, and has no "=" outside parentheses (an
    initializer such as "= (struct s){...}" also ends with ")")."""
    if not before.endswith(')'):
        return False
    level = 0
    for c in before:
        if c == '(':
            level += 1
        elif c == ')':
            level -= 1
        elif c == '=' and level == 0:
            return False
    return True


def functions(text):
    """(name, first line, last line, braces at column 0) of each function
    definition, lines counted from 1."""
    code = blank(text)
    found = []
    depth = 0
    linkage = 0  # open extern "C" { blocks: their contents are file level
    stmt_start = 0  # where the current file-level declaration begins
    open_at = None
    is_function = False
    for i, c in enumerate(code):
        if c == '{':
            if depth == 0:
                before = code[stmt_start:i].rstrip()
                if EXTERN_C.search(before):
                    linkage += 1
                    stmt_start = i + 1
                    continue
                is_function = opens_function(before)
                open_at = i
            depth += 1
        elif c == '}':
            if depth == 0 and linkage:
                linkage -= 1
                stmt_start = i + 1
                continue
            depth -= 1
            if depth < 0:
                raise ValueError('unbalanced "}" at line %d' % (code.count('\n', 0, i) + 1))
            if depth == 0:
                if is_function:
                    sig = code[stmt_start:open_at]
                    first = stmt_start + (len(sig) - len(sig.lstrip()))
                    name = function_name(sig)
                    column0 = ((open_at == 0 or code[open_at - 1] == '\n')
                               and (i == 0 or code[i - 1] == '\n'))
                    found.append((name, code.count('\n', 0, first) + 1,
                                  code.count('\n', 0, i) + 1, column0))
                stmt_start = i + 1
        elif c == ';' and depth == 0:
            stmt_start = i + 1
    if depth != 0:
        raise ValueError('unbalanced "{" at the end of the file')
    return found


def main(argv):
    root = Path(argv[1] if len(argv) > 1 else 'lib')
    files = sorted(p for p in root.rglob('*') if p.suffix in ('.c', '.h') and p.is_file())
    problems = []
    count = 0
    longest = (0, None)
    for path in files:
        text = path.read_text(encoding='utf-8', errors='replace')
        lines = text.count('\n') + (0 if text.endswith('\n') or not text else 1)
        if lines > MAX_FILE_LINES:
            problems.append('%s:%d: the file has %d lines (at most %d)'
                            % (path, MAX_FILE_LINES + 1, lines, MAX_FILE_LINES))
        try:
            defs = functions(text)
        except ValueError as err:
            problems.append('%s: cannot be read: %s' % (path, err))
            continue
        for name, first, last, column0 in defs:
            count += 1
            span = last - first + 1
            if span > longest[0]:
                longest = (span, '%s:%d %s' % (path, first, name))
            if span > MAX_FUNCTION_LINES:
                problems.append('%s:%d: function %s has %d lines (at most %d)'
                                % (path, first, name, span, MAX_FUNCTION_LINES))
            if not column0 and last > first:
                print('%s:%d: note: the braces of %s are not at column 0'
                      % (path, first, name), file=sys.stderr)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print('check-sizes: %d over the limits (files at most %d lines, functions at most %d)'
              % (len(problems), MAX_FILE_LINES, MAX_FUNCTION_LINES), file=sys.stderr)
        return 1
    print('check-sizes: %d files under %s, none over %d lines; %d functions, none over %d '
          '(the longest, %s, has %d)'
          % (len(files), root, MAX_FILE_LINES, count, MAX_FUNCTION_LINES, longest[1], longest[0]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
