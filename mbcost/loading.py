"""Reading a layer-table file (YAML, or JSON as a subset of it) into a validated ``Table``.

A table file may come from anyone, so reading it is bounded: at most ``MAX_FILE_BYTES`` are read
from any file (pipes and devices included), YAML is loaded safely (no object construction), a
duplicate key is an error rather than "the last one wins", and aliases may neither refer to
themselves nor expand the document past ``MAX_NODES`` values (an alias bomb is a few hundred bytes
that unroll to billions of blocks). yaml is imported only when a file is loaded.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from mbcost.errors import SpecError

if TYPE_CHECKING:
    from mbcost.spec import Table

MAX_FILE_BYTES = 16 * 2**20
# Values (scalars, lists, mappings) in a document once every alias is expanded. A valid table has
# at most 10,000 blocks of at most ~100 values each, so real files stay well under this.
MAX_NODES = 1_000_000


def load(path: str) -> Table:
    """Read a table from a YAML or JSON file.

    Every problem — unreadable, too large, empty or malformed file, invalid table — is one
    ``SpecError`` that names the file and, where it is known, the line.
    """
    from mbcost.spec import parse_table  # here, not at the top: mbcost.spec re-exports ``load``

    text = _read(path)
    if not text.strip():
        raise SpecError("the file is empty", path)
    data, lines = _parse_text(text, path)
    try:
        return parse_table(data, origin=path, lines=lines)
    except RecursionError:
        raise SpecError("the table is nested too deeply", path) from None


def _read(path: str) -> str:
    """The file's text, reading at most one byte past the limit (a pipe or device never ends)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise SpecError(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB", path)
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SpecError(f"cannot read the table: {reason}", path) from None


def _parse_text(text: str, path: str) -> tuple[Any, dict[int, int]]:
    """YAML/JSON text -> (data, {block index: 1-based line})."""
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        _check_expansion(node, path)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"malformed YAML/JSON: {problem}", where) from None
    except RecursionError:
        raise SpecError("malformed YAML/JSON: nested too deeply", path) from None
    finally:
        loader.dispose()
    lines: dict[int, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "blocks" and isinstance(value, yaml.SequenceNode):
                lines = {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    return data, lines


@functools.cache
def _loader_class() -> type:
    """yaml's safe loader (the C one where available) that refuses duplicate mapping keys."""
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict:
            first_line: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *base` then `key: value` overrides by design
                key = self.construct_object(key_node, deep=deep)
                try:
                    seen = first_line.get(key)
                except TypeError:
                    continue  # an unhashable key: yaml's own error names it
                if seen is not None:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {key!r} (first on line {seen})",
                        key_node.start_mark,
                    )
                first_line[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep)

    return Loader


def _check_expansion(root: Any, path: str) -> None:
    """Refuse a node graph with a cycle (a recursive alias) or more than ``MAX_NODES`` nodes once
    aliases are expanded.

    Each distinct node is visited once and its expanded size memoised, so a bomb is refused in time
    proportional to its (small) text. Iterative, so deep nesting cannot overflow the stack here.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()  # nodes whose subtree is being walked: meeting one again is a cycle
    stack: list[tuple[Any, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_NODES:
                raise SpecError(
                    f"the document has more than {MAX_NODES:,} values "
                    "(an alias counts each time it is used)",
                    f"{path}:{node.start_mark.line + 1}",
                )
        elif key in on_path:
            raise SpecError(
                "a YAML alias refers to a node that contains it (recursive alias)",
                f"{path}:{node.start_mark.line + 1}",
            )
        elif key not in sizes:
            on_path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def _children(node: Any) -> list[Any]:
    """A node's direct children: list items, or each mapping key and value."""
    if node.id == "mapping":
        return [part for pair in node.value for part in pair]
    return node.value if node.id == "sequence" else []
