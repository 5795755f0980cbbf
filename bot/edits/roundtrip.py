"""The mechanics of editing events.yaml in place: ruamel.yaml finds where things are and writes
the new YAML, and only the lines an edit must change are touched.

A whole-document dump through ruamel.yaml's round-trip mode keeps comments, but it re-indents
every sequence to one style, joins multi-line flow lists and re-wraps long lines: in a hand-kept
file that is a diff far beyond the edit. So ruamel.yaml's output is restricted to the changed
region: its composer gives the position of every node (line, column, character offset), its
emitter renders each new or changed value (a talk, a speaker entry, a slot title, quoted as the
YAML 1.1 loader needs it), and the rendered text is spliced in at the node's position, indented
like its neighbours. Everything else in the file stays byte for byte what it was.
"""

from __future__ import annotations

import io
from typing import Any

import yaml.resolver
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from bot.edits.contract import EditFailed

WIDTH = 92  # folded text wraps here, like the hand-written file
LONG = 60  # longer single-line text is written folded (`>-`)
_STR = "tag:yaml.org,2002:str"
_PYYAML = yaml.resolver.Resolver()  # how the loader (PyYAML, YAML 1.1) reads a plain scalar


def safe(value: str) -> str:
    """`value` for the emitter: double-quoted when YAML 1.1 would read it plain as something other
    than text (`yes`, `1.10`, `19:00`, `~`); ruamel.yaml itself writes YAML 1.2, which would not."""
    tag: str = _PYYAML.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag != _STR:
        quoted: str = DoubleQuotedScalarString(value)
        return quoted
    return value


def text_value(value: str) -> str:
    """A free text (abstract, note) as the emitter should write it: folded when long, literal when
    it has lines of its own. `normal_text` gives what the loader reads back."""
    styled: str
    if "\n" in value:
        styled = LiteralScalarString(value)
    elif len(value) > LONG:
        styled = FoldedScalarString(value)
    else:
        styled = safe(value)
    return styled


def normal_text(value: str) -> str:
    """The text as written (and read back): trimmed, spaces collapsed, paragraph lines kept."""
    lines = [" ".join(line.split()) for line in value.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):  # at most one blank line between paragraphs
            kept.append(line)
    return "\n".join(kept).strip()


def flow_seq(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _emitter(mapping: int = 2, sequence: int = 4, offset: int = 2, width: int = WIDTH) -> YAML:
    emitter = YAML(typ="rt")
    emitter.width = max(width, 40)
    emitter.allow_unicode = True
    emitter.indent(mapping=mapping, sequence=sequence, offset=offset)
    return emitter


def dump(value: Any, emitter: YAML) -> str:
    out = io.StringIO()
    emitter.dump(value, out)
    return out.getvalue()


def indented(block: str, column: int) -> str:
    """Every non-empty line of `block` moved right by `column` (empty lines of a block scalar stay empty)."""
    pad = " " * column
    return "".join(pad + line if line.strip() else line for line in block.splitlines(keepends=True))


def render_flow(value: Any) -> str:
    """`value` in flow style on one line: `{title: X, speakers: [a]}`, or a scalar fit for a flow context."""
    if isinstance(value, (CommentedMap, CommentedSeq)):
        value.fa.set_flow_style()
        return dump(value, _emitter(width=1 << 16)).strip()
    out = dump(flow_seq([value]), _emitter(width=1 << 16)).strip()
    return out[1:-1].strip()


def render_scalar(value: str, *, flow: bool, quote: str | None) -> str:
    """One scalar on one line, quoted as the old one was (`'`, `"`) or plain when that reads back."""
    if quote == "'":
        styled: str = SingleQuotedScalarString(value)
    elif quote == '"':
        styled = DoubleQuotedScalarString(value)
    else:
        styled = safe(value)
    if flow:
        return render_flow(styled)
    out = dump(CommentedMap({"k": styled}), _emitter(width=1 << 16))
    return out.removeprefix("k:").strip()


# ---- the document: nodes, positions, splices ------------------------------------------------------


class Document:
    """One file's text, its node tree (with positions) and the edits planned on it."""

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        try:
            root = YAML(typ="rt").compose(text)
        except YAMLError as exc:
            raise EditFailed(f"{filename} cannot be read for editing: {exc}") from None
        if not isinstance(root, MappingNode) or root.flow_style:
            raise EditFailed(f"{filename}: the top level is not a block mapping, so I cannot edit it in place.")
        self.root = root
        self.edits: list[tuple[int, int, str]] = []
        # New top-level sections go after everything else, whatever the order the edits were
        # planned in: an insertion at the end of the last meetup must stay in that meetup.
        self.new_sections: list[str] = []

    # -- finding --

    @staticmethod
    def get(mapping: MappingNode, key: str) -> tuple[Node, Node] | None:
        for k, v in mapping.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k, v
        return None

    def meetup(self, event_id: str) -> MappingNode:
        pair = self.get(self.root, "events")
        items = pair[1].value if pair and isinstance(pair[1], SequenceNode) else []
        for item in items:
            found = self.get(item, "id") if isinstance(item, MappingNode) else None
            if found and isinstance(found[1], ScalarNode) and found[1].value.strip() == event_id:
                meetup: MappingNode = item
                return meetup
        raise EditFailed(f"No meetup {event_id} in {self.filename}.")

    # -- positions --

    def end_of(self, node: Node) -> int:
        """Just after the last character the node is written with (not comments or blank lines after it)."""
        if isinstance(node, ScalarNode):
            if node.style in ("|", ">"):
                segment = self.text[node.start_mark.index : node.end_mark.index]
                return int(node.start_mark.index) + len(segment.rstrip())
            return int(node.end_mark.index)
        if not isinstance(node, (MappingNode, SequenceNode)) or node.flow_style or not node.value:
            return int(node.end_mark.index)
        last = node.value[-1]
        if isinstance(last, tuple):
            key, value = last
            if _empty(value):  # `key:` with nothing after it: its position is the next token's
                return self._after_colon(key)
            return self.end_of(value)
        return self.end_of(last)

    def _after_colon(self, key: Node) -> int:
        """Just after the `:` that ends a mapping key (where `key:` with no value has its value)."""
        return self.text.index(":", key.end_mark.index) + 1

    def line_after(self, index: int) -> int:
        """The start of the line after the one `index` is on (a comment on that line stays with it)."""
        if index > 0 and self.text[index - 1] == "\n":
            return index
        found = self.text.find("\n", index)
        return len(self.text) if found == -1 else found + 1

    def _insert_lines(self, at: int, lines: str) -> None:
        lead = "\n" if at == len(self.text) and self.text and not self.text.endswith("\n") else ""
        self.edits.append((at, at, lead + lines))

    def _detect_seq(self, near: MappingNode | None) -> tuple[int, int]:
        """(dash offset, content indent) of block lists under a key, as this file writes them."""
        for mapping in ([near] if near is not None else []) + [self.root]:
            found = _seq_style(mapping)
            if found is not None:
                return found
        return 2, 4

    @staticmethod
    def key_column(mapping: MappingNode) -> int:
        return int(mapping.value[0][0].start_mark.column)

    # -- edits --

    def set_scalar(self, node: Node, value: str, *, flow: bool, verbatim: bool = False) -> None:
        """The scalar written anew with the same quoting (a block scalar becomes one line).
        `verbatim`: `value` is a date or time that reads back as text plain or quoted alike."""
        if not isinstance(node, ScalarNode):
            raise EditFailed(f"{self.filename} line {node.start_mark.line + 1}: expected a single value there.")
        quote = node.style if node.style in ("'", '"') else None
        if verbatim:
            new = f"{quote}{value}{quote}" if quote else value
        else:
            new = render_scalar(value, flow=flow, quote=quote)
        self.edits.append((node.start_mark.index, self.end_of(node), new))

    def set_value(self, mapping: MappingNode, key: str, value: str, *, after: tuple[str, ...] = ()) -> None:
        """`key: value` (a short text): the old value replaced, written after `key:` when it had
        none, or a new pair."""
        pair = self.get(mapping, key)
        if pair is None:
            self.add_pair(mapping, key, safe(value), after=after)
        elif _empty(pair[1]):
            colon = self._after_colon(pair[0])
            self.edits.append((colon, colon, " " + render_scalar(value, flow=bool(mapping.flow_style), quote=None)))
        else:
            self.set_scalar(pair[1], value, flow=bool(mapping.flow_style))

    def add_pair(self, mapping: MappingNode, key: str, value: Any, *, after: tuple[str, ...] = ()) -> None:
        """A new `key: value` in the mapping: after the first of `after` it has, else at its end."""
        if mapping.flow_style:
            at = self.end_of(mapping.value[-1][1]) if mapping.value else mapping.start_mark.index + 1
            sep = ", " if mapping.value else ""
            self.edits.append((at, at, f"{sep}{render_flow(key)}: {render_flow(value)}"))
            return
        column = self.key_column(mapping)
        anchor = next((p for p in (self.get(mapping, k) for k in after) if p is not None), None)
        end = self.end_of(anchor[1]) if anchor and not _empty(anchor[1]) else None
        if anchor and end is None:
            end = self._after_colon(anchor[0])
        at = self.line_after(end if end is not None else self.end_of(mapping))
        offset, sequence = self._detect_seq(mapping)
        block = dump(CommentedMap({key: value}), _emitter(_step(mapping, 2), sequence, offset, WIDTH - column))
        self._insert_lines(at, indented(block, column))

    def append_item(self, mapping: MappingNode, key: str, item: Any) -> None:
        """`item` at the end of the list under `key` (made when missing), in that list's style."""
        pair = self.get(mapping, key)
        if pair is None:
            self.add_pair(mapping, key, CommentedSeq([item]))
            return
        knode, seq = pair
        if isinstance(seq, SequenceNode) and seq.value and seq.flow_style:
            at = self.end_of(seq.value[-1])
            self.edits.append((at, at, f", {render_flow(item)}"))
        elif isinstance(seq, SequenceNode) and seq.value:
            dash = int(seq.start_mark.column)
            content = int(seq.value[0].start_mark.column) - dash
            block = dump(CommentedSeq([item]), _emitter(_step(mapping, 2), content, 0, WIDTH - dash - content))
            self._insert_lines(self.line_after(self.end_of(seq)), indented(block, dash))
        elif _empty(seq) or (isinstance(seq, SequenceNode) and not seq.value) or _null(seq):
            self._open_block(mapping, knode, seq, CommentedSeq([item]))
        elif isinstance(seq, ScalarNode):  # `notes: one note`: a list of the old and the new
            self._open_block(mapping, knode, seq, CommentedSeq([text_value(seq.value), item]))
        else:
            raise EditFailed(f"{self.filename} line {knode.start_mark.line + 1}: `{key}:` is not a list.")

    def _open_block(self, mapping: MappingNode, knode: Node, value: Node, new: Any) -> None:
        """`key: []`, `key: {}`, `key: ~`, `key:` or `key: one item` becomes `key:` and the new block
        (a comment on the key's line stays there)."""
        if mapping.flow_style:
            self.edits.append((value.start_mark.index, self.end_of(value), render_flow(new)))
            return
        colon = self._after_colon(knode)
        end = colon if _empty(value) else self.end_of(value)
        if end > colon:
            self.edits.append((colon, end, ""))
        column = int(knode.start_mark.column)
        offset, sequence = self._detect_seq(mapping)
        emitter = _emitter(_step(mapping, 2), sequence, offset, WIDTH - column)
        block = dump(CommentedMap({"k": new}), emitter).split("\n", 1)[1]
        self._insert_lines(self.line_after(end), indented(block, column))

    def add_entry(self, section: str, entry_id: str, entry: CommentedMap) -> None:
        """A new `entry_id:` under a top-level section (`speakers:`, `venues:`), made when missing."""
        pair = self.get(self.root, section)
        if pair is None:
            body = dump(CommentedMap({section: CommentedMap({entry_id: entry})}), _emitter(*self._root_style()))
            self.new_sections.append(body)
            return
        knode, value = pair
        if isinstance(value, MappingNode) and value.value and value.flow_style:
            at = self.end_of(value.value[-1][1])
            self.edits.append((at, at, f", {render_flow(entry_id)}: {render_flow(entry)}"))
        elif isinstance(value, MappingNode) and value.value:
            column = self.key_column(value)
            step = _step(value, self._root_style()[0])
            offset, sequence = self._detect_seq(None)
            block = dump(CommentedMap({entry_id: entry}), _emitter(step, sequence, offset, WIDTH - column))
            self._insert_lines(self.line_after(self.end_of(value)), indented(block, column))
        elif _empty(value) or _null(value) or (isinstance(value, MappingNode) and not value.value):
            self._open_block(self.root, knode, value, CommentedMap({entry_id: entry}))
        else:
            raise EditFailed(f"{self.filename} line {knode.start_mark.line + 1}: `{section}:` is not a mapping.")

    def _root_style(self) -> tuple[int, int, int]:
        """(mapping step, list indent, dash offset) for a new top-level section."""
        step = 2
        for _, value in self.root.value:
            if isinstance(value, MappingNode) and value.value and not value.flow_style:
                step = self.key_column(value)
                break
        offset, sequence = self._detect_seq(None)
        return step, sequence, offset

    def remove_item(self, mapping: MappingNode, key: str, index: int) -> None:
        """Item `index` out of the list under `key`; an emptied list is written `[]`. A comment on
        the removed line stays, on a line of its own."""
        pair = self.get(mapping, key)
        assert pair is not None
        knode, seq = pair
        if isinstance(seq, ScalarNode):  # `needs: venue`, a single item written without a list
            self.edits.append((seq.start_mark.index, self.end_of(seq), "[]"))
            return
        assert isinstance(seq, SequenceNode)
        items = seq.value
        if seq.flow_style:
            kept = [self.text[i.start_mark.index : self.end_of(i)] for n, i in enumerate(items) if n != index]
            start, end = seq.start_mark.index + 1, seq.end_mark.index - 1
            self.edits.append((start, end, ", ".join(kept)))
            return
        item = items[index]
        start = self.text.rfind("\n", 0, item.start_mark.index) + 1
        end = self.line_after(self.end_of(item))
        comment = self.text[self.end_of(item) : end].strip()
        dash = " " * int(seq.start_mark.column)
        self.edits.append((start, end, f"{dash}{comment}\n" if comment.startswith("#") else ""))
        if len(items) == 1:
            colon = self._after_colon(knode)
            self.edits.append((colon, colon, " []"))

    def result(self) -> str:
        """The text with every planned edit made (from the end backwards, so offsets stay valid)."""
        text = self.text
        crlf = "\r\n" in text  # a file written on Windows keeps its line endings
        ordered = sorted(enumerate(self.edits), key=lambda e: (e[1][0], e[1][1], e[0]), reverse=True)
        last_start = len(text) + 1
        for _, (start, end, new) in ordered:
            if end > last_start:  # two edits of one region: a bug, never a silent mix of both
                raise EditFailed(f"{self.filename}: the edit touches one place twice, so nothing changed.")
            text = text[:start] + (new.replace("\n", "\r\n") if crlf else new) + text[end:]
            last_start = start
        newline = "\r\n" if crlf else "\n"
        for body in self.new_sections:
            lead = "" if text.endswith("\n") or not text else newline
            text += lead + newline + (body.replace("\n", newline) if crlf else body)
        return text


def in_flow(*nodes: Node | None) -> bool:
    """Whether any of these collections is written in flow style (`[...]`, `{...}`)."""
    return any(bool(getattr(node, "flow_style", False)) for node in nodes)


def _empty(node: Node) -> bool:
    """`key:` with nothing written after it."""
    return isinstance(node, ScalarNode) and node.value == "" and node.style is None


def _null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.value in ("~", "null", "Null", "NULL")


def _step(mapping: MappingNode, default: int) -> int:
    """How far this file indents a mapping inside a mapping, judged from `mapping`'s own children."""
    if mapping.flow_style:
        return default
    column = int(mapping.value[0][0].start_mark.column) if mapping.value else 0
    for _, value in mapping.value:
        if isinstance(value, MappingNode) and value.value and not value.flow_style:
            return max(int(value.value[0][0].start_mark.column) - column, 1)
    return default


def _seq_style(mapping: Node) -> tuple[int, int] | None:
    """(dash offset, content indent) of the first block list under a key in `mapping`, depth first."""
    if not isinstance(mapping, MappingNode) or mapping.flow_style:
        return None
    for key, value in mapping.value:
        if isinstance(value, SequenceNode) and value.value and not value.flow_style:
            dash = int(value.start_mark.column) - int(key.start_mark.column)
            content = int(value.value[0].start_mark.column) - int(key.start_mark.column)
            if content - dash >= 2:
                return dash, content
        nested = value.value if isinstance(value, SequenceNode) and not value.flow_style else [value]
        for child in nested:
            found = _seq_style(child)
            if found is not None:
                return found
    return None
