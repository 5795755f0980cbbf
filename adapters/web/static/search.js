// Talk search on /talks/: shows the talks that match, the way the bot's /talks does
// (case-insensitive substring of title, abstract, speakers and tags; topic aliases count), and
// when none does, the coming meetups on the topic and the call for speakers.
//
// Loaded in <head> without defer, so that /talks/?q=words is filtered before the first paint
// (no layout shift): before the list is parsed, a constructed style sheet (CSSOM, which the
// Content-Security-Policy allows where an inline <style> is not) hides what does not match.
// Once the page is parsed, the same result is written as `hidden` attributes and the sheet goes.
"use strict";
(() => {
  const script = document.currentScript;
  const aliases = JSON.parse((script && script.dataset.aliases) || "[]");
  const expand = (q) => {
    const terms = [q];
    for (const [topic, words] of aliases) {
      if (q === topic || words.includes(q)) {
        for (const t of [topic, ...words]) if (!terms.includes(t)) terms.push(t);
      }
    }
    return terms;
  };
  // As the server compares (bot/calendar/calendar.py `searchable`): NFC, lower case.
  const normal = (text) => text.normalize("NFC").trim().toLowerCase();
  const matches = (hay, term) => hay.includes(term);
  const quoted = (text) => '"' + text.replace(/[\\"]/g, "\\$&").replace(/\n/g, "\\a ") + '"';
  const selector = (term) => `[data-search*=${quoted(term)}]`;

  const initial = normal(new URLSearchParams(location.search).get("q") || "");
  let sheet = null;
  if (initial && "adoptedStyleSheets" in document) {
    const any = expand(initial).map(selector);
    const found = any.map((s) => `.talk${s}`).join(",");
    sheet = new CSSStyleSheet();
    sheet.replaceSync(
      `.talk:not(${found}){display:none}` +
        `body:not(:has(${found})) #no-match{display:block!important}` +
        any.map((s) => `.coming${s}`).join(",") + "{display:list-item!important}"
    );
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }

  const ready = () => {
    const box = document.getElementById("q");
    const count = document.getElementById("talk-count");
    const none = document.getElementById("no-match");
    if (!box || !count) return;
    const talks = [...document.querySelectorAll(".talk")];
    const coming = [...document.querySelectorAll(".coming")];
    const apply = () => {
      const q = normal(box.value);
      const terms = expand(q);
      let shown = 0;
      for (const talk of talks) {
        const match = !q || terms.some((t) => matches(talk.dataset.search || "", t));
        talk.hidden = !match;
        if (match) shown += 1;
      }
      for (const item of coming) item.hidden = !q || !terms.some((t) => matches(item.dataset.search || "", t));
      if (none) none.hidden = !q || shown > 0;
      count.textContent = q ? `${shown} of ${talks.length} talks match “${box.value.trim()}”.` : `${talks.length} talks, newest first.`;
    };
    box.value = new URLSearchParams(location.search).get("q") || "";
    box.addEventListener("input", () => {
      apply();
      const url = new URL(location.href);
      if (box.value.trim()) url.searchParams.set("q", box.value.trim()); else url.searchParams.delete("q");
      history.replaceState(null, "", url);
    });
    box.form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
    apply();
    if (sheet) document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
