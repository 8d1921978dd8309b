// The dikg page: a YASGUI SPARQL editor with the named queries as examples, and a Cytoscape.js
// view of an entity's neighbourhood (data from /export?format=cytoscape). No CDN, no outbound calls.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("dikg-config").textContent);
  const { el } = window.dikgCard;
  const state = { yasgui: null, cy: null, focus: null };
  window.dikg = state;

  // ---- tabs ------------------------------------------------------------------------------------
  function show(view) {
    const graph = view === "graph";
    document.getElementById("graph-view").hidden = !graph;
    document.getElementById("query-view").hidden = graph;
    document.getElementById("tab-graph").classList.toggle("active", graph);
    document.getElementById("tab-query").classList.toggle("active", !graph);
    if (graph) {
      if (state.cy) state.cy.resize();
    } else {
      initEditor();
    }
  }

  function route() {
    const hash = decodeURIComponent(location.hash.slice(1));
    if (hash.startsWith("graph/")) {
      show("graph");
      loadGraph(hash.slice(6));
    } else if (hash === "graph" || (!hash && config.focus)) {
      show("graph");
      if (config.focus && !state.focus) loadGraph(config.focus);
    } else {
      show("query");
    }
  }

  // ---- query editor ----------------------------------------------------------------------------
  function initEditor() {
    if (state.yasgui || typeof Yasgui === "undefined") return;
    const endpoint = new URL(config.endpoint, location.href).href;
    state.yasgui = new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      persistenceId: null,
      populateFromUrl: false,
      yasqe: { persistenceId: null, prefixCcApi: null, autocompleters: ["variables"] },
      yasr: { persistenceId: null },
    });
    const first = config.examples.find((e) => e.name === "contraindications") || config.examples[0];
    if (first) state.yasgui.getTab().setQuery(first.text);
  }

  function runExample(example) {
    initEditor();
    const tab = state.yasgui.getTab();
    tab.setName(example.name);
    tab.setQuery(example.text);
    tab.query();
  }

  function listExamples() {
    const list = document.getElementById("examples");
    for (const example of config.examples) {
      const button = el("button", { type: "button", class: "example", "data-query": example.name, text: example.name });
      button.addEventListener("click", () => runExample(example));
      list.appendChild(el("li", {}, [button, el("small", { text: example.summary })]));
    }
  }

  // ---- graph view ------------------------------------------------------------------------------
  const STYLE = [
    { selector: "node", style: { "background-color": "data(color)", label: "data(label)", "font-size": 11, "min-zoomed-font-size": 6,
      "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "wrap", "text-max-width": 100, width: 22, height: 22,
      "border-width": 1, "border-color": "#555" } },
    { selector: "node.focus", style: { width: 36, height: 36, "border-width": 3, "font-weight": "bold" } },
    { selector: "edge", style: { width: 1.4, "line-color": "#9aa", "target-arrow-color": "#9aa",
      "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8 } },
    { selector: "edge[severity = 'contraindicated']", style: { "line-color": "#c0392b", "target-arrow-color": "#c0392b", width: 2.2 } },
    { selector: "edge[severity = 'major']", style: { "line-color": "#e67e22", "target-arrow-color": "#e67e22", width: 2 } },
    { selector: "edge[?inferred]", style: { "line-style": "dashed" } },
    { selector: "edge[?contradicted]", style: { "line-style": "dotted", "line-color": "#7f8c8d" } },
    { selector: "edge:selected", style: { label: "data(label)", "font-size": 9, "text-background-color": "#fff",
      "text-background-opacity": 0.85, width: 3, "line-color": "#2c3e50", "target-arrow-color": "#2c3e50" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#2c3e50" } },
  ];

  function initGraph() {
    if (state.cy || typeof cytoscape === "undefined") return state.cy;
    state.cy = cytoscape({ container: document.getElementById("cy"), style: STYLE, wheelSensitivity: 0.3,
      minZoom: 0.2, maxZoom: 3 });
    state.cy.on("tap", "node", (event) => showNode(event.target));
    state.cy.on("tap", "edge", (event) => showCard(window.dikgCard.edgeCard(event.target)));
    state.cy.on("dbltap", "node", (event) => { location.hash = "graph/" + event.target.data("local"); });
    return state.cy;
  }

  function message(text, candidates) {
    const box = document.getElementById("graph-message");
    box.replaceChildren(document.createTextNode(text || ""));
    for (const candidate of candidates || []) {
      const link = el("a", { href: "#graph/" + candidate.id, class: "candidate", text: `${candidate.label} (${candidate.type})` });
      box.append(" ", link);
    }
  }

  function exportUrl(format, focus) {
    const include = ["sources"];
    if (document.getElementById("inferred").checked) include.push("inferred");
    if (document.getElementById("contradicted").checked) include.push("contradicted");
    const params = new URLSearchParams({ format, focus, depth: document.getElementById("depth").value, include: include.join(",") });
    return config.export + "?" + params.toString();
  }

  async function loadGraph(focus) {
    const cy = initGraph();
    if (!cy) return message(config.npmHint);
    document.getElementById("focus").value = focus;
    message("Loading " + focus + " …");
    const response = await fetch(exportUrl("cytoscape", focus));
    const body = await response.json();
    if (!response.ok) return message(body.message, body.candidates);
    state.focus = focus;
    cy.elements().remove();
    cy.add(body.elements.nodes);
    cy.add(body.elements.edges);
    const root = cy.nodes().filter((n) => n.data("local") === focus || n.data("label").toLowerCase() === focus.toLowerCase());
    const centre = root.length ? root[0] : cy.nodes()[0];
    const distance = {};
    cy.elements().bfs({ roots: centre, directed: false, visit: (v, e, u, i, depth) => { distance[v.id()] = depth; } });
    centre.addClass("focus");
    // rings by distance from the focus, nodes grouped by type around each ring; a crowded ring
    // alternates between two radii so that labels have room
    const order = {};
    cy.nodes().sort((a, b) => (a.data("type") + a.data("label")).localeCompare(b.data("type") + b.data("label")))
      .forEach((n, i) => { order[n.id()] = i; });
    const crowded = cy.nodes().length > 40;
    cy.layout({ name: "concentric", sort: (a, b) => order[a.id()] - order[b.id()],
      concentric: (n) => {
        const d = distance[n.id()] ?? 9;
        return 100 - 2 * d - (crowded && d > 0 ? order[n.id()] % 2 : 0);
      },
      levelWidth: () => 1, minNodeSpacing: 14, spacingFactor: 0.9, animate: false }).run();
    if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(); }
    message(`${cy.nodes().length} nodes and ${cy.edges().length} edges around ${centre.data("label")}.`);
    downloads(focus);
    showNode(centre);
  }

  function downloads(focus) {
    const box = document.getElementById("downloads");
    box.replaceChildren(document.createTextNode("Download: "));
    for (const format of ["graphml", "gexf", "cytoscape", "csv", "dot", "svg", "png", "turtle"]) {
      box.append(el("a", { href: exportUrl(format, focus), download: "", text: format }), " ");
    }
  }

  function showCard(card) {
    document.getElementById("card").replaceChildren(card);
  }

  async function showNode(node) {
    state.cardFor = node.id();
    showCard(window.dikgCard.nodeCard(node));
    if (!["Drug", "Product"].includes(node.data("type"))) return;
    const response = await fetch(config.drugCard + encodeURIComponent(node.data("local")), { headers: { Accept: "application/json" } });
    const json = response.ok ? await response.json() : null;
    if (json && state.cardFor === node.id()) showCard(window.dikgCard.drugCard(node, json));
  }

  function legend() {
    const list = document.getElementById("legend");
    for (const [type, color] of Object.entries(config.typeColors)) {
      list.append(el("li", {}, [el("span", { class: "swatch", style: `background:${color}` }), document.createTextNode(type)]));
    }
    const names = document.getElementById("entity-names");
    for (const [local, label, type] of config.entities) names.append(el("option", { value: local, label: `${label} (${type})` }));
  }

  // ---- start -----------------------------------------------------------------------------------
  if (config.vendorMissing || typeof Yasgui === "undefined" || typeof cytoscape === "undefined") {
    const banner = document.getElementById("npm-missing");
    banner.textContent = config.npmHint;
    banner.hidden = false;
  }
  listExamples();
  legend();
  document.getElementById("graph-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const focus = document.getElementById("focus").value.trim();
    if (location.hash === "#graph/" + focus) loadGraph(focus); else location.hash = "graph/" + focus;
  });
  window.addEventListener("hashchange", route);
  route();
})();
