#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The layer rules of lib/ and plugins/ (tests/layering.rules): no include
# cycle between modules; only the listed files see OpenSSL, libcurl, the XML
# parser and GSS-API; sans-I/O modules include no transport, loop or socket;
# docs/architecture.md names every lib/ module and no module that is gone;
# no function is longer than the rules allow (100 lines).
# Each failure says which rule it broke and where to change it.
# Run by `make check` or by hand: tests/layering.sh [SRCDIR].

set -u
top_srcdir=${1:-${top_srcdir:-.}}
. "$top_srcdir/tests/skip.sh"
PY=${SYSTEM_PYTHON:-python3}
command -v "$PY" > /dev/null 2>&1 || test_skip "no $PY to run the layering check"

exec "$PY" - "$top_srcdir" <<'PYEOF'
import os, re, sys

top = sys.argv[1]
RULES = "tests/layering.rules"
DOC = "docs/architecture.md"
errors = []

def err(msg):
    errors.append(msg)

# --- the rules --------------------------------------------------------------
part_of = {}          # file stem -> module
libraries = {}        # name -> [header prefixes]
sees = {}             # name -> set of paths
sans_io, excludes, system = set(), set(), []
max_lines, long_ok = None, set()
with open(os.path.join(top, RULES)) as f:
    for n, line in enumerate(f, 1):
        words = line.split('#', 1)[0].split()
        if not words:
            continue
        kind, args = words[0], words[1:]
        if kind == "module" and len(args) >= 2:
            for stem in args[1:]:
                part_of[stem] = args[0]
        elif kind == "library" and len(args) >= 2:
            libraries[args[0]] = args[1:]
            sees.setdefault(args[0], set())
        elif kind == "sees" and len(args) >= 2:
            sees.setdefault(args[0], set()).update(args[1:])
        elif kind == "sans-io":
            sans_io.update(args)
        elif kind == "sans-io-excludes":
            excludes.update(args)
        elif kind == "sans-io-system":
            system.extend(args)
        elif kind == "function-lines" and len(args) == 1:
            max_lines = int(args[0])
        elif kind == "long-function" and len(args) == 2:
            long_ok.add((args[0], args[1]))
        else:
            sys.exit("%s:%d: cannot read this line" % (RULES, n))
for name in sees:
    if name not in libraries:
        sys.exit("%s: 'sees %s' without a 'library %s' line" % (RULES, name, name))

# --- the sources ------------------------------------------------------------
files = []
for d in ("lib", "plugins"):
    for root, _, names in os.walk(os.path.join(top, d)):
        for name in names:
            if name.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(root, name), top))
files.sort()
fileset = set(files)

def module_of(path):
    d, stem = os.path.split(path[:-2])
    stem = part_of.get(stem, stem)
    top_dir, _, sub = d.partition("/")
    return (sub + "/" if sub else "") + stem, top_dir

INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
local = {}    # path -> [(line, included path)]
system_inc = {}  # path -> [(line, header)]
for path in files:
    local[path], system_inc[path] = [], []
    with open(os.path.join(top, path), errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INC.match(line)
            if not m:
                continue
            name = m.group(2)
            found = None
            if m.group(1) == '"':
                for base in (os.path.dirname(path), "lib", "plugins"):
                    cand = os.path.normpath(os.path.join(base, name))
                    if cand in fileset:
                        found = cand
                        break
            if found:
                local[path].append((n, found))
            elif name != "config.h":
                system_inc[path].append((n, name))

# --- no include cycle between modules ----------------------------------------
edges = {}    # module -> {module: "file:line"}
for path in files:
    a = module_of(path)
    for n, inc in local[path]:
        b = module_of(inc)
        if a != b:
            edges.setdefault(a, {}).setdefault(b, "%s:%d" % (path, n))

def show(m):
    return m[1] + "/" + m[0]

state, stack, cycles = {}, [], []
def visit(m):
    state[m] = 1
    stack.append(m)
    for b in sorted(edges.get(m, {})):
        if state.get(b) == 1:
            cycles.append(stack[stack.index(b):] + [b])
        elif b not in state:
            visit(b)
    stack.pop()
    state[m] = 2
sys.setrecursionlimit(10000)
for m in sorted({module_of(p) for p in files}):
    if m not in state:
        visit(m)
for c in cycles:
    err("include cycle: %s\n  (%s)\n  A module includes only modules below it: "
        "move what both need into a module below both (docs/architecture.md, "
        "Layers)" % (" -> ".join(show(m) for m in c),
                     "; ".join(edges[c[i]][c[i + 1]] for i in range(len(c) - 1))))

# --- which files see which library (directly or through our headers) ---------
def lib_of(header):
    for name, prefixes in libraries.items():
        for p in prefixes:
            if header == p or (p.endswith("/") and header.startswith(p)):
                return name
    return None

memo = {}
def seen(path, trail=()):
    """library -> the include chain that brings it in"""
    if path in memo:
        return memo[path]
    if path in trail:
        return {}
    out = {}
    for n, h in system_inc[path]:
        name = lib_of(h)
        if name and name not in out:
            out[name] = "%s:%d <%s>" % (path, n, h)
    for n, inc in local[path]:
        for name, chain in seen(inc, trail + (path,)).items():
            if name not in out:
                out[name] = "%s:%d -> %s" % (path, n, chain)
    memo[path] = out
    return out

for path in files:
    for name, chain in sorted(seen(path).items()):
        if path not in sees[name]:
            err("%s sees %s (%s), but only the files on the 'sees %s' lines of "
                "%s may: use a module that may see it, or, if the design "
                "changed, add the file there and to docs/architecture.md"
                % (path, name, chain, name, RULES))
for name in sorted(sees):
    for path in sorted(sees[name]):
        if path not in fileset:
            err("%s: 'sees %s' names %s, which does not exist: update the line"
                % (RULES, name, path))
        elif name not in seen(path):
            err("%s: 'sees %s' names %s, which no longer sees %s: remove it "
                "there and from docs/architecture.md" % (RULES, name, path, name))

# --- sans-I/O modules: no transport, loop, pipe, socket ----------------------
lib_modules = {module_of(p)[0] for p in files if p.startswith("lib/")}
for m in sorted((sans_io | excludes) - lib_modules):
    err("%s names the module %s, which has no file in lib/: update the "
        "sans-io lines" % (RULES, m))
for path in files:
    m, d = module_of(path)
    if d != "lib" or m not in sans_io:
        continue
    for n, inc in local[path]:
        b = module_of(inc)[0]
        if b in excludes:
            err("%s:%d: %s is sans-I/O (bytes in, bytes out) but includes %s: "
                "let its caller do that (%s, sans-io lines)" % (path, n, m, inc, RULES))
    for n, h in system_inc[path]:
        if any(h == s or (s.endswith("/") and h.startswith(s)) for s in system):
            err("%s:%d: %s is sans-I/O but includes <%s> (%s, sans-io-system)"
                % (path, n, m, h, RULES))

# --- functions of at most function-lines lines ---------------------------------
# A function body is what lies between a "{" and a "}" alone in column 0
# (the house style); its name is the last identifier before a "(" above.
FUNC = re.compile(r"(\w+)\s*\(")
long_seen = set()
for path in files:
    if not path.endswith(".c") or max_lines is None:
        continue
    with open(os.path.join(top, path), errors="replace") as f:
        lines = f.read().split("\n")
    start = name = None
    for i, line in enumerate(lines):
        if line == "{":
            j = i - 1
            while j > 0 and "(" not in lines[j]:
                j -= 1
            m = FUNC.search(lines[j])
            start, name = i, m.group(1) if m else "?"
        elif line == "}" and start is not None:
            n = i - start - 1
            if n > max_lines:
                long_seen.add((path, name))
                if (path, name) not in long_ok:
                    err("%s:%d: %s() has %d lines (at most %d): split it "
                        "into steps (%s, function-lines)"
                        % (path, start + 1, name, n, max_lines, RULES))
            start = None
for path, name in sorted(long_ok - long_seen):
    err("%s: 'long-function %s %s' is no longer needed (gone or short "
        "enough): remove the line" % (RULES, path, name))

# --- docs/architecture.md names every lib/ module -----------------------------
with open(os.path.join(top, DOC)) as f:
    doc = f.read()
named = set()
for word in re.findall(r"lib/([A-Za-z0-9_][A-Za-z0-9_/]*(?:\.[ch])?)", doc):
    word = re.sub(r"\.[ch]$", "", word).rstrip("/")
    if word:
        named.add(word)
for m in sorted(lib_modules - named):
    err("%s does not name lib/%s: add it to the Layers picture with what it "
        "does" % (DOC, m))
stems = {p[4:-2] for p in files if p.startswith("lib/")}
dirs = {os.path.dirname(s) for s in stems}
for w in sorted(named - lib_modules - stems - dirs):
    err("%s names lib/%s, which does not exist: update the doc" % (DOC, w))
# Its Rules name every file on a sees line and every sans-I/O module.
quoted = set(re.findall(r"`([^`\s]+)`", doc))
for name in sorted(sees):
    for path in sorted(sees[name]):
        base = os.path.basename(path)
        if base not in quoted and path not in quoted:
            err("%s does not name `%s` among the files that see %s: add it "
                "to the Rules under Layers" % (DOC, base, name))
for m in sorted(sans_io):
    if m not in quoted:
        err("%s does not name `%s` among the sans-I/O modules: add it to "
            "the Rules under Layers" % (DOC, m))

for e in errors:
    print("FAIL " + e)
print("%d files, %d modules, %d rule violations"
      % (len(files), len({module_of(p) for p in files}), len(errors)))
sys.exit(1 if errors else 0)
PYEOF
