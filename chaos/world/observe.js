// What an agent sees of a page: run by Playwright (also when the page's JavaScript is off),
// it tags each element an agent can act on with data-bid and returns them with the visible
// text between them, in page order. chaos/_observe.py renders the result.
() => {
  const out = [];
  let next = 1;
  for (const old of document.querySelectorAll("[data-bid]")) old.removeAttribute("data-bid");
  const visible = (e) => {
    const s = getComputedStyle(e);
    if (s.display === "none" || s.visibility === "hidden") return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const clean = (t) => (t || "").replace(/\s+/g, " ").trim();
  const labelOf = (e) => {
    if (e.getAttribute("aria-label")) return e.getAttribute("aria-label");
    if (e.labels && e.labels.length) return Array.from(e.labels).map((l) => l.innerText).join(" ");
    if (e.id) {
      const l = document.querySelector(`label[for="${CSS.escape(e.id)}"]`);
      if (l) return l.innerText;
    }
    return e.getAttribute("placeholder") || e.getAttribute("title") || e.getAttribute("name") || "";
  };
  const roleOf = (e) => {
    const tag = e.tagName.toLowerCase();
    if (e.getAttribute("role") === "button") return "button";
    if (tag === "a") return "link";
    if (tag === "button" || tag === "summary") return "button";
    if (tag === "select") return "combobox";
    if (tag === "textarea") return "textbox";
    if (tag === "label") return "button";
    if (tag === "input") {
      const t = (e.getAttribute("type") || "text").toLowerCase();
      if (t === "submit" || t === "button" || t === "reset") return "button";
      if (t === "checkbox") return "checkbox";
      if (t === "radio") return "radio";
      if (t === "number") return "spinbutton";
      if (t === "search") return "searchbox";
      return "textbox";
    }
    return null;
  };
  const interactive = (e) => {
    const tag = e.tagName.toLowerCase();
    if (tag === "a") return e.hasAttribute("href");
    if (tag === "input") return (e.getAttribute("type") || "").toLowerCase() !== "hidden";
    if (tag === "label") return e.hasAttribute("data-close");
    return ["button", "select", "textarea", "summary"].includes(tag) || e.getAttribute("role") === "button";
  };
  const inDialog = (e) => !!e.closest('[role="dialog"], dialog');
  const walk = (node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        const text = clean(child.textContent);
        const parent = child.parentElement;
        // A field's label is already its name: say it once.
        const label = parent && parent.closest("label[for]");
        if (text && parent && !label && visible(parent)) out.push({ text, dialog: inDialog(parent) });
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = child.tagName.toLowerCase();
      if (["script", "style", "template", "head", "meta", "link"].includes(tag)) continue;
      if (!visible(child) && tag !== "option") continue;
      if (interactive(child)) {
        const bid = String(next++);
        child.setAttribute("data-bid", bid);
        const item = { bid, role: roleOf(child), name: clean(labelOf(child)), dialog: inDialog(child) };
        if (tag === "a" || tag === "button" || tag === "summary" || tag === "label") {
          item.name = clean(child.getAttribute("aria-label") || child.innerText || child.value || "");
        } else if (tag === "select") {
          item.options = Array.from(child.options).map((o) => clean(o.text));
          item.value = child.selectedIndex >= 0 ? clean(child.options[child.selectedIndex].text) : "";
        } else if (tag !== "input" || !["submit", "button"].includes(child.type)) {
          item.value = child.value || "";
        } else {
          item.name = clean(child.value || labelOf(child));
        }
        out.push(item);
        continue;
      }
      if (/^h[1-6]$/.test(tag)) {
        const text = clean(child.innerText);
        if (text) out.push({ heading: text, dialog: inDialog(child) });
        continue;
      }
      walk(child);
    }
  };
  if (document.body) walk(document.body);
  return { title: document.title, items: out };
}
