#!/usr/bin/env python3
"""Brings Swift lines over 120 columns under it where swift-format cannot: a long single-line
string literal becomes a multi-line literal with `\\` line continuations (the same string, still a
literal, so it stays a Logger.Message, a Comment or a StaticString), and a long comment wraps.

Usage: scripts/wrap-long-lines.py FILE...   (then `make format`; `make lint` checks the result)
"""
import re
import sys

LIMIT = 120


def literals(line):
    """(start, content_start, content_end, end, hashes) of each single-line string literal of
    `line` at the top level of code, in order; None when the line opens a multi-line literal."""
    found = []
    i = 0
    n = len(line)
    while i < n:
        c = line[i]
        if line.startswith('//', i):
            break
        if c == '#' or c == '"':
            j = i
            while j < n and line[j] == '#':
                j += 1
            hashes = j - i
            if j < n and line[j] == '"':
                if line.startswith('"""', j):
                    return None
                end = scan_string(line, j + 1, hashes)
                if end is None:
                    return None
                found.append((i, j + 1, end, end + 1 + hashes, hashes))
                i = end + 1 + hashes
                continue
            i = j if j > i else i + 1
            continue
        i += 1
    return found


def scan_string(line, i, hashes):
    """Index of the closing quote of a literal whose content starts at `i`."""
    n = len(line)
    escape = '\\' + '#' * hashes
    while i < n:
        if line.startswith(escape, i):
            k = i + len(escape)
            if k < n and line[k] == '(':
                close = scan_interpolation(line, k + 1)
                if close is None:
                    return None
                i = close + 1
            else:
                i = k + 1
            continue
        if line[i] == '"' and line.startswith('#' * hashes, i + 1):
            return i
        i += 1
    return None


def scan_interpolation(line, i):
    """Index of the `)` closing an interpolation whose expression starts at `i`."""
    depth = 1
    n = len(line)
    while i < n:
        c = line[i]
        if c == '"' or c == '#':
            j = i
            while j < n and line[j] == '#':
                j += 1
            if j < n and line[j] == '"':
                end = scan_string(line, j + 1, j - i)
                if end is None:
                    return None
                i = end + 1 + (j - i)
                continue
            i = max(j, i + 1)
            continue
        if c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def safe_splits(content, hashes):
    """Offsets in `content` where a line continuation may go: not inside an escape or an
    interpolation."""
    escape = '\\' + '#' * hashes
    safe = set()
    i = 0
    n = len(content)
    while i < n:
        safe.add(i)
        if content.startswith(escape, i):
            k = i + len(escape)
            if k < n and content[k] == '(':
                close = scan_interpolation(content, k + 1)
                i = (close + 1) if close is not None else n
            elif k < n and content[k] == 'u' and content.startswith('{', k + 1):
                i = content.index('}', k) + 1
            else:
                i = k + 1
            continue
        i += 1
    return safe


def wrap_literal(line, literal):
    start, content_start, content_end, end, hashes = literal
    indent = len(line) - len(line.lstrip(' '))
    inner = ' ' * (indent + 4)
    content = line[content_start:content_end]
    safe = safe_splits(content, hashes)
    width = LIMIT - len(inner) - 1 - hashes
    chunks = []
    rest_start = 0
    while len(content) - rest_start > width:
        candidates = [p for p in safe if rest_start < p <= rest_start + width]
        if not candidates:
            return None
        spaced = [p for p in candidates if content[p - 1] == ' ' and p - rest_start > width // 3]
        cut = max(spaced) if spaced else max(candidates)
        chunks.append(content[rest_start:cut])
        rest_start = cut
    chunks.append(content[rest_start:])
    delimiter_hashes = '#' * hashes
    out = [line[:start] + delimiter_hashes + '"""']
    for index, chunk in enumerate(chunks):
        # A content line may not end in a space before a newline that is kept: every line but
        # the last ends in a continuation, which keeps its spaces.
        last = index == len(chunks) - 1
        out.append(inner + chunk + ('' if last else '\\' + delimiter_hashes))
    out.append(inner + '"""' + delimiter_hashes + line[end:])
    return out


def wrap_comment(line):
    match = re.match(r'^(\s*//[/!]?\s?)(.*)$', line)
    prefix, text = match.group(1), match.group(2)
    lines = []
    while len(prefix) + len(text) > LIMIT:
        cut = text.rfind(' ', 0, LIMIT - len(prefix) + 1)
        if cut <= 0:
            break
        lines.append(prefix + text[:cut])
        text = text[cut + 1:]
    lines.append(prefix + text)
    return lines


def wrap_line(line):
    if len(line) <= LIMIT:
        return [line]
    if re.match(r'^\s*//', line):
        return wrap_comment(line)
    comment = re.search(r'\s+//\s.*$', line)
    if comment and literals(line[:comment.start()]) is not None and len(line[:comment.start()]) <= LIMIT:
        indent = line[: len(line) - len(line.lstrip(' '))]
        return wrap_comment(indent + comment.group(0).strip()) + [line[:comment.start()]]
    found = literals(line)
    if not found:
        return [line]
    literal = max(found, key=lambda l: l[2] - l[1])
    wrapped = wrap_literal(line, literal)
    if wrapped is None:
        return [line]
    result = []
    for piece in wrapped:
        result.extend(wrap_line(piece) if len(piece) > LIMIT and piece is not wrapped[0] else [piece])
    return result


def wrap_content(line, closing_indent, hashes):
    """A long content line of a multi-line literal, split with line continuations at spaces
    outside interpolations; continuation lines start at the closing delimiter's indentation, so
    no space is added to the string."""
    out = []
    safe = safe_splits(line, hashes)
    while len(line) > LIMIT:
        spaced = [p for p in safe if len(closing_indent) < p <= LIMIT - 1 - hashes and line[p - 1] == ' ']
        if not spaced:
            break
        cut = max(spaced)
        out.append(line[:cut] + '\\' + '#' * hashes)
        line = closing_indent + line[cut:]
        safe = safe_splits(line, hashes)
    out.append(line)
    return out


def main(paths):
    for path in paths:
        with open(path) as f:
            lines = f.read().split('\n')
        out = []
        in_multiline = False
        closing_indent = ''
        hashes = 0
        for number, line in enumerate(lines):
            if in_multiline:
                if '"""' in line:
                    in_multiline = False
                    out.append(line)
                elif len(line) > LIMIT:
                    out.extend(wrap_content(line, closing_indent, hashes))
                else:
                    out.append(line)
                continue
            if line.count('"""') % 2 == 1:
                in_multiline = True
                hashes = len(re.search(r'(#*)"""', line).group(1))
                closing = next((l for l in lines[number + 1:] if '"""' in l), '')
                closing_indent = closing[: len(closing) - len(closing.lstrip(' '))]
                out.append(line)
                continue
            out.extend(wrap_line(line))
        text = '\n'.join(out)
        if text != '\n'.join(lines):
            with open(path, 'w') as f:
                f.write(text)


if __name__ == '__main__':
    main(sys.argv[1:])
