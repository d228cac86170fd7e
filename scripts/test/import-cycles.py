#!/usr/bin/env python3
"""Fails when the runtime's modules import each other in a cycle.

The rule holds at every folder F (a directory under the source root, the
root itself included; lib.rs is the crate root, a folder's mod.rs is one
of its files). At F, the nodes are F's own files and F's immediate
sub-folders, each sub-folder collapsed into one node with everything under
it; an edge between two nodes is a use between files under them. Then:

1. No cycle through a sub-folder node. A folder is part of its parent, so
   it is judged among its siblings there (`export/builder.rs ->
   export/config/ -> export/error.rs` is fine, `export/config/` coming back
   to `builder.rs` is not); what happens inside it is judged at its own
   level.
2. No cycle of more than two files. Two files that need each other (a
   trait and the handle it is given) are one idea in two files; three or
   more in a ring is a tangle no reader can start from.

Why: folders are the architecture. When the arrows between them point one
way, a reader can learn the system bottom-up, a folder can be changed
without reading the ones above it, and a feature can cut a folder off
without the rest noticing. A cycle is cheap to add and expensive to remove,
so CI refuses the first one. Judging a folder among its siblings, rather
than against every folder of the tree, is what lets a folder's files use
what its parent holds (its error type, its configuration) without the
child and the parent counting as a cycle of two folders.

An edge is a use of one file's item by another file: a `use` of a
`crate::`, `super::`, `self::` or child-module path, and the same paths
written inline in code (`crate::metrics::limit_hit(..)`). A path through a
re-export is followed to the file that defines the item, so `super::Socket`
names the file where `Socket` is written, not the `mod.rs` that re-exports
it. A re-export (`pub use`, `pub(crate) use` ..) in a folder's mod.rs, or
in lib.rs, of an item written under that folder is no edge from the mod.rs:
it is the folder's front door, not a use, and every user's edge already
goes to the defining file. Items written in a mod.rs or lib.rs (functions,
types) are edges both ways like any other file's. Comments, doc comments
(intra-doc links), strings, visibilities (`pub(in super::super)`) and
`$crate` paths inside `macro_rules!` are not edges.

Usage: import-cycles.py [--root runtime/src] [--graph] [PATH ...]

--graph prints every folder's nodes with what each uses.

With PATHs (folders or files, relative to the root or to the current
directory), the whole graph is still built and printed with every cycle in
it, but the check holds the rule only among the nodes under the PATHs: a
cycle counts when it still breaks the rule with everything else taken
out. That lets CI hold a part of the tree to the rule while another part is
still being untangled. Exit status: 0 when the check holds, 1 when it does
not, 2 on bad usage.
"""

import argparse
import os
import re
import sys
from collections import defaultdict

KEYWORD_ROOTS = {"crate", "super", "self"}
EXTERN_ROOTS = {"std", "core", "alloc"}
ITEM_KEYWORDS = {
    "fn", "struct", "enum", "union", "trait", "type", "const", "static", "mod", "macro_rules",
}


# ---------------------------------------------------------------- lexing


def strip(source):
    """The source with comments, strings and char literals blanked out
    (newlines kept, so that line numbers still hold)."""
    out = []
    i, n = 0, len(source)

    def blank(text):
        out.append(re.sub(r"[^\n]", " ", text))

    while i < n:
        c = source[i]
        if source.startswith("//", i):
            j = source.find("\n", i)
            j = n if j < 0 else j
            blank(source[i:j])
            i = j
        elif source.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if source.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif source.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(source[i:j])
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(source, i)) and (
            i == 0 or not (source[i - 1].isalnum() or source[i - 1] == "_")
        ):
            close = '"' + m.group(1)
            j = source.find(close, m.end())
            j = n if j < 0 else j + len(close)
            blank(source[i:j])
            i = j
        elif c == '"' or (c == "b" and source.startswith('b"', i)):
            j = i + (2 if c == "b" else 1)
            while j < n and source[j] != '"':
                j += 2 if source[j] == "\\" else 1
            blank(source[i : j + 1])
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}'), else a lifetime.
            m = re.compile(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'").match(source, i)
            if m:
                blank(m.group(0))
                i = m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


TOKEN = re.compile(r"\$?(?:r#)?[A-Za-z_][A-Za-z0-9_]*|::|[{}();,*#!\[\]<>=]|\n")


def tokens(code):
    """(token, line) pairs."""
    line = 1
    for m in TOKEN.finditer(code):
        t = m.group(0)
        if t == "\n":
            line += 1
            continue
        yield t, line


# ---------------------------------------------------------------- modules


class Module:
    """A module: a file, or an inline `mod name { .. }` inside one."""

    def __init__(self, path, file):
        self.path = path  # tuple of segments, () for the crate root
        self.file = file  # the file it is written in (relative to the root)
        self.children = {}  # name -> path tuple
        self.imports = {}  # name -> (absolute target path, line)
        self.globs = []  # absolute module paths glob-imported
        self.defined = set()  # names of items written here


def module_path_of(rel):
    parts = rel[:-3].split("/")  # drop ".rs"
    if parts[-1] in ("lib", "main") and len(parts) == 1:
        return ()
    if parts[-1] == "mod":
        parts = parts[:-1]
    return tuple(parts)


def parse_use_tree(toks, i, prefix):
    """Expands a use tree starting at toks[i]; returns (entries, next index).
    Each entry is (segments, alias), segments ending in '*' for a glob."""
    entries = []
    segments = list(prefix)
    while i < len(toks):
        t = toks[i][0]
        if t == "{":
            i += 1
            while i < len(toks) and toks[i][0] != "}":
                sub, i = parse_use_tree(toks, i, segments)
                entries.extend(sub)
                if i < len(toks) and toks[i][0] == ",":
                    i += 1
            return entries, i + 1
        if t == "*":
            entries.append((segments + ["*"], None))
            return entries, i + 1
        if t == "::":
            i += 1
            continue
        if t in (",", ";", "}"):
            break
        if t == "as":
            alias = toks[i + 1][0]
            entries.append((segments, alias))
            return entries, i + 2
        segments.append(t)
        i += 1
    if segments != list(prefix) or segments:
        if segments and segments[-1] == "self":
            segments = segments[:-1]
            entries.append((segments, segments[-1] if segments else None))
        else:
            entries.append((segments, None))
    return entries, i


class Crate:
    def __init__(self, root):
        self.root = root
        self.modules = {}  # path tuple -> Module
        self.uses = []  # (file, line, scope path, segments)
        self.files = []

    def load(self):
        for directory, _, names in os.walk(self.root):
            for name in sorted(names):
                if name.endswith(".rs"):
                    rel = os.path.relpath(os.path.join(directory, name), self.root)
                    self.files.append(rel.replace(os.sep, "/"))
        self.files.sort()
        for rel in self.files:
            path = module_path_of(rel)
            self.modules.setdefault(path, Module(path, rel))
        for path in list(self.modules):
            if path:
                parent = self.modules.get(path[:-1])
                if parent:
                    parent.children[path[-1]] = path
        for rel in self.files:
            with open(os.path.join(self.root, rel), encoding="utf-8") as f:
                self.scan(rel, strip(f.read()))

    def scan(self, rel, code):
        toks = list(tokens(code))
        file_path = module_path_of(rel)
        scopes = [(file_path, 0)]  # (module path, brace depth it closes at)
        depth = 0
        in_macro_rules = None  # brace depth of a macro_rules! body
        i = 0
        while i < len(toks):
            t, line = toks[i]
            scope = scopes[-1][0]
            module = self.modules[scope]
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if in_macro_rules is not None and depth < in_macro_rules:
                    in_macro_rules = None
                if len(scopes) > 1 and depth < scopes[-1][1]:
                    scopes.pop()
            elif t == "macro_rules" and i + 3 < len(toks) and toks[i + 1][0] == "!":
                module.defined.add(toks[i + 2][0])
                in_macro_rules = depth + 1
            elif in_macro_rules is not None:
                pass
            elif t == "pub" and i + 2 < len(toks) and toks[i + 1][0] == "(" and toks[i + 2][0] == "in":
                # `pub(in super::super)` names who may see an item, not
                # something it uses.
                while i < len(toks) and toks[i][0] != ")":
                    i += 1
            elif t == "mod" and i + 2 < len(toks) and toks[i + 2][0] == "{":
                name = toks[i + 1][0]
                child = scope + (name,)
                self.modules.setdefault(child, Module(child, rel))
                module.children[name] = child
                module.defined.add(name)
                scopes.append((child, depth + 1))
                i += 2
                continue
            elif t in ITEM_KEYWORDS and i + 1 < len(toks):
                name = toks[i + 1][0]
                if re.match(r"(r#)?[A-Za-z_]", name):
                    module.defined.add(name)
            elif t == "use" and (i == 0 or toks[i - 1][0] != "::"):
                public = is_public(toks, i)
                j = i + 1
                if j < len(toks) and toks[j][0] == "::":
                    j += 1
                entries, j = parse_use_tree(toks, j, [])
                for segments, alias in entries:
                    self.record_use(rel, line, scope, segments, alias, public)
                i = j
                continue
            elif t in KEYWORD_ROOTS and i + 2 < len(toks) and toks[i + 1][0] == "::":
                if i > 0 and toks[i - 1][0] == "::":
                    i += 1
                    continue
                segments = [t]
                j = i + 1
                while j + 1 < len(toks) and toks[j][0] == "::" and re.match(
                    r"(r#)?[A-Za-z_]", toks[j + 1][0]
                ):
                    segments.append(toks[j + 1][0])
                    j += 2
                self.uses.append((rel, line, scope, segments, False))
                i = j
                continue
            i += 1

    def record_use(self, rel, line, scope, segments, alias, public):
        if not segments:
            return
        module = self.modules[scope]
        absolute = self.absolute(scope, segments)
        if absolute is None:
            return
        if absolute and absolute[-1] == "*":
            module.globs.append(absolute[:-1])
        else:
            name = alias or absolute[-1] if absolute else alias
            if name and name != "_":
                module.imports[name] = (absolute, line)
        self.uses.append((rel, line, scope, segments, public))

    def absolute(self, scope, segments):
        """`segments` written in `scope`, as a path from the crate root;
        None for a path into another crate."""
        first = segments[0]
        if first.startswith("$"):
            return None
        if first == "crate":
            return tuple(segments[1:])
        if first in ("self", "super"):
            base = list(scope)
            rest = list(segments)
            while rest and rest[0] in ("self", "super"):
                if rest.pop(0) == "super":
                    if not base:
                        return None
                    base.pop()
            return tuple(base + rest)
        if first in EXTERN_ROOTS:
            return None
        module = self.modules.get(scope)
        if module and first in module.children:
            return module.children[first] + tuple(segments[1:])
        if module and first in module.imports:
            target, _ = module.imports[first]
            return target + tuple(segments[1:])
        return None

    def resolve(self, path, seen=None):
        """The file that defines the item at `path` (a module's own file
        for a module)."""
        seen = set() if seen is None else seen
        if path in seen:
            return None
        seen.add(path)
        # The longest prefix that is a module.
        k = len(path)
        while k > 0 and path[:k] not in self.modules:
            k -= 1
        module = self.modules.get(path[:k])
        if module is None:
            return None
        if k == len(path):
            return module.file
        name = path[k]
        rest = path[k + 1 :]
        if name in module.imports and name not in module.defined:
            target, _ = module.imports[name]
            return self.resolve(target + rest, seen)
        if name in module.defined or not module.globs:
            return module.file
        for glob in module.globs:
            found = self.resolve(glob + (name,) + rest, seen)
            if found and found != self.modules.get(glob, module).file:
                return found
            glob_module = self.modules.get(glob)
            if glob_module and name in glob_module.defined:
                return glob_module.file
        return module.file

    def edges(self):
        """({(from file, to file): [line, ..]}, how many re-exports were
        left out)"""
        found = defaultdict(list)
        reexports = 0
        for rel, line, scope, segments, public in self.uses:
            absolute = self.absolute(scope, segments)
            if absolute is None or (absolute and absolute[-1] == "*"):
                if absolute:
                    absolute = absolute[:-1]
                else:
                    continue
            target = self.resolve(tuple(absolute))
            if not target or target == rel:
                continue
            if public and scope == module_path_of(rel) and reexports_from_below(rel, target):
                reexports += 1
                continue
            found[(rel, target)].append(line)
        return found, reexports


def is_public(toks, i):
    """Whether the `use` at toks[i] is `pub`, `pub(crate)`, `pub(super)` or
    `pub(in ..)`."""
    if i > 0 and toks[i - 1][0] == "pub":
        return True
    if i > 0 and toks[i - 1][0] == ")":
        j = i - 1
        while j > 0 and toks[j][0] != "(":
            j -= 1
        return j > 0 and toks[j - 1][0] == "pub"
    return False


def reexports_from_below(rel, target):
    """Whether `rel` is a folder's `mod.rs` (or the crate root) and
    `target` is one of that folder's descendants: the front door of a
    folder re-exporting what is written inside it."""
    name = os.path.basename(rel)
    directory = os.path.dirname(rel)
    if name == "mod.rs":
        return target.startswith(directory + "/")
    return not directory and name in ("lib.rs", "main.rs")


# ---------------------------------------------------------------- graphs


def tarjan(nodes, adjacency):
    """Strongly connected components, each a sorted list."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        # Iterative, so deep graphs do not hit the recursion limit.
        work = [(v, iter(sorted(adjacency.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            advanced = False
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(adjacency.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                components.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return components


def a_cycle(component, adjacency):
    """One cycle through the component, as a list of nodes (first repeated
    at the end), found breadth-first from its first node."""
    members = set(component)
    start = component[0]
    parents = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for w in sorted(adjacency.get(node, ())):
            if w not in members:
                continue
            if w == start:
                path = [node]
                while parents[path[-1]] is not None:
                    path.append(parents[path[-1]])
                return list(reversed(path)) + [start]
            if w not in parents:
                parents[w] = node
                queue.append(w)
    return component + [start]


# ---------------------------------------------------------------- levels


def folders_of(files):
    """Every folder with a file under it, the source root ("") included."""
    found = {""}
    for f in files:
        directory = os.path.dirname(f)
        while directory:
            found.add(directory)
            directory = os.path.dirname(directory)
    return sorted(found)


def node_at(level, rel):
    """The node `rel` is at `level`: itself when it is one of the level's
    own files, else the level's sub-folder it is under (written with a
    trailing `/`); None when it is not under the level at all."""
    if level:
        if not rel.startswith(level + "/"):
            return None
        rest = rel[len(level) + 1 :]
    else:
        rest = rel
    if "/" not in rest:
        return rel
    head = rest.split("/", 1)[0]
    return (level + "/" if level else "") + head + "/"


def is_folder(node):
    return node.endswith("/")


def scope_name(node):
    """A node as `under` compares it with the PATHs."""
    return node[:-1] if is_folder(node) else node[:-3]


def level_graph(level, file_edges):
    """{node: {node: [(from file, line, to file), ..]}} at `level`."""
    graph = defaultdict(lambda: defaultdict(list))
    for (a, b), lines in sorted(file_edges.items()):
        na, nb = node_at(level, a), node_at(level, b)
        if na and nb and na != nb:
            graph[na][nb].append((a, lines[0], b))
    return graph


def breaks_rule(component):
    """Why a strongly connected component breaks the rule, or None."""
    if any(is_folder(n) for n in component):
        return "folder cycle"
    if len(component) > 2:
        return "ring of files"
    return None


# ---------------------------------------------------------------- report


def short(level, node):
    return node[len(level) + 1 :] if level else node


def describe(level, cycle, graph):
    """Prints one cycle, with the uses behind each arrow."""
    print("    e.g. " + " -> ".join(short(level, n) for n in cycle))
    for x, y in zip(cycle, cycle[1:]):
        for a, line, b in graph[x][y][:3]:
            print(f"      {a}:{line} uses {b}")


def under(node, scopes):
    return any(node == s or node.startswith(s + "/") or node.startswith(s + ".") for s in scopes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None, help="the source root (default runtime/src)")
    parser.add_argument("--graph", action="store_true", help="print every level's edges")
    parser.add_argument("paths", nargs="*", help="only fail on cycles among these")
    args = parser.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    root = args.root or os.path.join(here, "..", "..", "runtime", "src")
    root = os.path.normpath(root)
    if not os.path.isdir(root):
        print(f"import-cycles: no such source root: {root}", file=sys.stderr)
        return 2

    scopes = []
    for p in args.paths:
        candidates = [p, os.path.relpath(os.path.abspath(p), root)]
        rel = next(
            (c for c in candidates if os.path.exists(os.path.join(root, c))), None
        )
        if rel is None:
            print(f"import-cycles: {p} is not under {root}", file=sys.stderr)
            return 2
        rel = rel.replace(os.sep, "/").rstrip("/")
        scopes.append(rel[:-3] if rel.endswith(".rs") else rel)

    crate = Crate(root)
    crate.load()
    file_edges, reexports = crate.edges()
    levels = folders_of(crate.files)

    print(f"import graph of {root}: {len(crate.files)} files, {len(levels)} folders, "
          f"{len(file_edges)} file edges ({reexports} re-exports from below not counted)")
    if scopes:
        print("checked paths: " + ", ".join(scopes))

    failed = False
    print("\nfolders (each one's files and sub-folders; none in a cycle with a "
          "sub-folder, no ring of three or more files):")
    for level in levels:
        graph = level_graph(level, file_edges)
        nodes = sorted({n for f in crate.files if (n := node_at(level, f))})
        adjacency = {n: set(t) for n, t in graph.items()}
        components = [c for c in tarjan(nodes, adjacency) if len(c) > 1]
        files = sum(1 for n in nodes if not is_folder(n))
        name = level or "(root)"
        verdicts = []
        for component in components:
            why = breaks_rule(component)
            if why and scopes:
                # Held to the rule only among the checked nodes.
                checked = [n for n in component if under(scope_name(n), scopes)]
                inside = {n: {t for t in adjacency.get(n, ()) if t in checked} for n in checked}
                if not any(breaks_rule(c) for c in tarjan(checked, inside) if len(c) > 1):
                    why = None
                    verdicts.append(("not checked", component))
                    continue
            verdicts.append(("FAIL: " + why if why else "allowed", component))
            failed |= bool(why)
        summary = ", ".join(f"{v.split(':')[0].lower()} {{{', '.join(short(level, n) for n in c)}}}"
                            for v, c in verdicts) or "no cycle"
        print(f"  {name}: {files} files, {len(nodes) - files} sub-folders: {summary}")
        if args.graph:
            for node in nodes:
                targets = graph.get(node, {})
                listed = ", ".join(f"{short(level, t)} ({len(v)})"
                                   for t, v in sorted(targets.items())) or "-"
                print(f"      {short(level, node)} -> {listed}")
        for verdict, component in verdicts:
            if verdict.startswith("FAIL"):
                print(f"    {verdict}")
                describe(level, a_cycle(component, adjacency), graph)

    print("\nimport-cycles: " + ("FAILED" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
