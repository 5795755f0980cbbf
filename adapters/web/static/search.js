// Talk search on /talks/: hides the talks that do not match, the way the bot's /talks does
// (case-insensitive substring of title, abstract, speakers and tags; topic aliases count).
"use strict";
(() => {
  const box = document.getElementById("q");
  const data = document.getElementById("topic-aliases");
  const count = document.getElementById("talk-count");
  if (!box || !data || !count) return;
  const aliases = JSON.parse(data.textContent);
  const talks = [...document.querySelectorAll(".talk")];
  const expand = (q) => {
    const terms = [q];
    for (const [topic, words] of aliases) {
      if (q === topic || words.includes(q)) {
        for (const t of [topic, ...words]) if (!terms.includes(t)) terms.push(t);
      }
    }
    return terms;
  };
  const apply = () => {
    const q = box.value.trim().toLowerCase();
    const terms = expand(q);
    let shown = 0;
    for (const talk of talks) {
      const hay = talk.dataset.search || "";
      const match = !q || terms.some((t) => hay.includes(t));
      talk.hidden = !match;
      if (match) shown += 1;
    }
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
})();
