"""A strict well-formedness check for our pages on top of html.parser: every element closed in
order, no stray end tags, unique ids, headings in order with one h1, links with an address and
words that say where they go. Collects what the tests assert on (links, ids, meta, scripts)."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
VAGUE = {"here", "click here", "link", "more", "read more", "this", "this page"}


class PageCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.errors: list[str] = []
        self.stack: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.assets: list[str] = []
        self.meta: dict[str, str] = {}
        self.headings: list[int] = []
        self.scripts: dict[str, list[str]] = {}  # type -> bodies
        self.lang: str | None = None
        self.doctype = False
        self._anchor: list[str] | None = None
        self._script: tuple[str, list[str]] | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append(f"duplicate id {a['id']!r}")
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = int(tag[1])
            if self.headings and level > self.headings[-1] + 1:
                self.errors.append(f"<{tag}> after <h{self.headings[-1]}>: a heading level skipped")
            if not self.headings and level != 1:
                self.errors.append(f"first heading is <{tag}>")
            self.headings.append(level)
        if tag == "a":
            if not a.get("href"):
                self.errors.append("<a> without href")
            self.links.append(a.get("href", ""))
            self._anchor = []
        # What the browser loads with the page (a canonical or alternate link is not loaded).
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload", "manifest"):
            self.assets.append(a.get("href", ""))
        if tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        if tag == "script" and not a.get("src"):
            self._script = (a.get("type", "text/javascript"), [])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"self-closing <{tag}/> is not HTML")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag for void element </{tag}>")
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()
        if tag == "a" and self._anchor is not None:
            text = " ".join("".join(self._anchor).split())
            if not text:
                self.errors.append("a link with no text")
            elif text.lower() in VAGUE:
                self.errors.append(f"a link that does not say where it goes: {text!r}")
            self._anchor = None
        if tag == "script" and self._script is not None:
            kind, body = self._script
            self.scripts.setdefault(kind, []).append("".join(body))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._anchor.append(data)
        if self._script is not None:
            self._script[1].append(data)

    def close(self) -> None:
        super().close()
        if self.stack:
            self.errors.append(f"unclosed elements: {self.stack}")
        if not self.doctype:
            self.errors.append("no <!doctype html>")
        if self.headings.count(1) != 1:
            self.errors.append(f"{self.headings.count(1)} <h1> elements")


def check(html: str) -> PageCheck:
    page = PageCheck()
    page.feed(html)
    page.close()
    return page
