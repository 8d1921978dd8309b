// Cards of the graph view: a drug card from the REST API, a node's own attributes, a claim edge.
// Everything is built with DOM calls and textContent: no HTML from data is ever parsed.
"use strict";

window.dikgCard = (function () {
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function humanize(key) {
    return String(key).replace(/_/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  }

  function isLink(text) {
    return typeof text === "string" && /^https?:\/\//.test(text);
  }

  function textNode(value) {
    const text = String(value);
    if (isLink(text)) return el("a", { href: text, target: "_blank", rel: "noopener", text });
    return document.createTextNode(text);
  }

  const TITLE_KEYS = ["label", "name", "title", "object_label", "target_label", "summary"];

  // A generic renderer for JSON of unknown shape, bounded in depth.
  function renderValue(value, depth) {
    if (value === null || value === undefined || value === "") return null;
    if (typeof value !== "object") return textNode(value);
    if (depth > 3) return document.createTextNode("…");
    if (Array.isArray(value)) {
      if (!value.length) return null;
      if (value.every((v) => typeof v !== "object")) {
        return el("span", {}, value.map((v, i) => {
          const span = el("span", {}, [textNode(v)]);
          if (i < value.length - 1) span.appendChild(document.createTextNode(", "));
          return span;
        }));
      }
      return el("ul", { class: "items" }, value.slice(0, 50).map((v) => el("li", {}, [renderItem(v, depth + 1)])));
    }
    return renderObject(value, depth + 1);
  }

  function renderItem(value, depth) {
    if (typeof value !== "object" || value === null) return textNode(value);
    const titleKey = TITLE_KEYS.find((k) => typeof value[k] === "string" && value[k]);
    const rest = Object.fromEntries(Object.entries(value).filter(([k]) => k !== titleKey));
    return el("div", {}, [titleKey ? el("strong", { text: value[titleKey] }) : null,
      renderObject(rest, depth)]);
  }

  function renderObject(object, depth) {
    const rows = Object.entries(object).map(([key, value]) => {
      const rendered = renderValue(value, depth);
      return rendered ? [el("dt", { text: humanize(key) }), el("dd", {}, [rendered])] : [];
    }).flat();
    return rows.length ? el("dl", {}, rows) : null;
  }

  // Entity IRIs link to their page (/id/...); claim IRIs are shown as text.
  function header(title, kind, iri, linked = true) {
    const iriEl = !iri ? null : (linked && iri.startsWith("https://w3id.org/dikg/id/")
      ? el("a", { class: "iri", href: iri.replace("https://w3id.org/dikg/id/", "/id/"), text: iri })
      : el("span", { class: "iri", text: iri }));
    return el("header", {}, [el("h2", { text: title }), el("span", { class: "badge", text: kind }), iriEl]);
  }

  function sourcesOf(edges) {
    const titles = new Set();
    edges.forEach((edge) => String(edge.data("source_titles") || "").split("; ").forEach((t) => t && titles.add(t)));
    return [...titles].sort();
  }

  const NODE_SKIP = new Set(["id", "name", "value", "label", "type", "local", "color"]);

  function nodeCard(node) {
    const data = node.data();
    const card = el("article", { class: "node-card", "data-card": "node" }, [header(data.label, data.type, data.id)]);
    const attrs = Object.fromEntries(Object.entries(data).filter(([k]) => !NODE_SKIP.has(k)));
    card.appendChild(renderObject(attrs, 0) || el("p", { class: "hint", text: "No further attributes." }));
    const claims = node.connectedEdges().map((edge) => {
      const other = edge.source().same(node) ? edge.target() : edge.source();
      const arrow = edge.source().same(node) ? "→" : "←";
      return el("li", {}, [document.createTextNode(`${edge.data("label")} ${arrow} ${other.data("label")}`)]);
    });
    if (claims.length) card.append(el("h3", { text: "Relations in view" }), el("ul", { class: "items" }, claims));
    const sources = sourcesOf(node.connectedEdges());
    if (sources.length) card.append(el("h3", { text: "Sources" }), el("ul", { class: "items" }, sources.map((s) => el("li", { text: s }))));
    return card;
  }

  const SECTIONS = [["mechanism", "Mechanism"], ["indications", "Indications"],
    ["contraindications", "Contraindications"], ["interactions", "Interactions"],
    ["warnings", "Warnings"], ["alternatives", "Alternatives"], ["adverse_effects", "Adverse effects"],
    ["formulations", "Formulations"], ["dosing", "Dosing"], ["contained_in", "Products"],
    ["salts", "Salts"], ["classes", "Classes"], ["identifiers", "Identifiers"]];
  const CHIPS = ["severity", "kind", "action", "relation", "frequency", "incidence", "scheme"];

  function present(value) {
    return value !== null && value !== undefined && value !== "" && value !== "None";
  }

  // One claim or link of a drug card: its title (the other side), chips, summary and sources.
  function cardItem(item, cardLabel) {
    if (typeof item !== "object" || item === null) return el("li", {}, [textNode(item)]);
    const other = Object.entries(item).find(([k, v]) => v && typeof v === "object" && !Array.isArray(v) && v.label && k !== "via");
    const title = item.label || (other && other[1].label) || item.id || item.name || "";
    const li = el("li", {}, [el("strong", { text: title })]);
    for (const key of CHIPS) if (present(item[key]) && typeof item[key] !== "object") li.append(" ", el("span", { class: "chip", text: String(item[key]) }));
    if (item.inferred) li.append(" ", el("span", { class: "chip inferred", text: "inferred" }));
    if (item.via && item.via.label && item.via.label !== cardLabel) li.append(" ", el("small", { text: `via ${item.via.label}` }));
    if (present(item.summary)) li.append(el("div", { class: "summary", text: item.summary }));
    if (present(item.management)) li.append(el("div", { class: "management", text: "Management: " + item.management }));
    const sources = (item.sources || []).map((s) => (typeof s === "object" ? s.title || s.key : s)).filter(present);
    if (sources.length) li.append(el("div", { class: "sources", text: "Sources: " + [...new Set(sources)].join("; ") }));
    return li;
  }

  function drugCard(node, json) {
    const data = node.data();
    const card = el("article", { class: "drug-card", "data-card": "drug" }, [header(json.label || data.label, "drug card", json.iri || data.id)]);
    if (present(json.definition)) card.append(el("p", { class: "definition", text: json.definition }));
    if (json.synonyms && json.synonyms.length) card.append(el("p", { class: "hint", text: "Also: " + json.synonyms.join(", ") }));
    let shown = 0;
    for (const [key, title] of SECTIONS) {
      const items = Array.isArray(json[key]) ? json[key] : [];
      if (!items.length) continue;
      shown += 1;
      card.append(el("h3", { text: `${title} (${items.length})` }),
        el("ul", { class: "items", "data-section": key }, items.slice(0, 40).map((item) => cardItem(item, json.label))));
    }
    if (!shown) card.appendChild(renderObject(json, 0) || el("p", { text: "The API returned an empty card." }));
    return card;
  }

  function edgeCard(edge) {
    const d = edge.data();
    const title = `${edge.source().data("label")} — ${d.label} → ${edge.target().data("label")}`;
    const kind = d.inferred ? "inferred" : (d.contradicted ? "contradicted" : "stated");
    const card = el("article", { class: "edge-card", "data-card": "edge" }, [header(title, kind, d.claim || "", false)]);
    const facts = {};
    for (const key of ["summary", "explanation", "severity", "kind", "status", "management", "mechanism", "predicate"]) {
      if (d[key]) facts[key] = d[key];
    }
    card.appendChild(renderObject(facts, 0) || el("p", { class: "hint", text: "A stated link between the two entities." }));
    const citations = String(d.citations || "").split("; ").filter(Boolean);
    if (citations.length) card.append(el("h3", { text: "Sources" }), el("ul", { class: "items sources" }, citations.map((c) => el("li", { text: c }))));
    return card;
  }

  return { el, nodeCard, drugCard, edgeCard, renderValue };
})();
