// structtree.mjs — the structure tree of a PDF as pdf.js (the engine of
// Firefox's PDF viewer) builds it: page.getStructTree() is what Firefox hands
// to screen readers. Content nodes get the text of their marked content
// (page.getTextContent({includeMarkedContent: true})).
//
//   node tests/render/structtree.mjs FILE.pdf [PAGE]     JSON tree per page (or one page)
//   node tests/render/structtree.mjs FILE.pdf --summary  JSON: role counts, langs, the
//                                                         alt texts of Figure nodes, ...
//
// Needs pdfjs-dist: npm ci --prefix tests/pdfjs --omit=optional (or PDFJS_DIR
// pointing at a pdfjs-dist folder). Uses the legacy build, which runs on
// node 18 (Debian 12) and later.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const pdfjsDir = process.env.PDFJS_DIR ||
  path.join(here, "..", "pdfjs", "node_modules", "pdfjs-dist");
const pdfjsMain = path.join(pdfjsDir, "legacy", "build", "pdf.mjs");
if (!fs.existsSync(pdfjsMain)) {
  console.error(`structtree: ${pdfjsMain} is missing: npm ci --prefix tests/pdfjs --omit=optional`);
  process.exit(2);
}

const args = process.argv.slice(2);
const summary = args.includes("--summary");
const rest = args.filter((a) => !a.startsWith("--"));
if (rest.length < 1) {
  console.error("usage: node structtree.mjs FILE.pdf [PAGE] [--summary]");
  process.exit(2);
}
const file = rest[0];
const onlyPage = rest[1] ? parseInt(rest[1], 10) : 0;

// pdf.js prints warnings with console.log; keep stdout JSON only
const warnings = [];
const origLog = console.log;
console.log = (...a) => warnings.push(a.join(" "));
const pdfjs = await import(pathToFileURL(pdfjsMain).href);
pdfjs.GlobalWorkerOptions.workerSrc = pathToFileURL(
  path.join(pdfjsDir, "legacy", "build", "pdf.worker.mjs")).href;

const data = new Uint8Array(fs.readFileSync(file));
const doc = await pdfjs.getDocument({
  data,
  verbosity: 0,
  isEvalSupported: false,
  disableFontFace: true,
  useSystemFonts: false,
  stopAtErrors: false,
}).promise;

// text of each marked-content id on a page (nested sequences: the text goes
// to every open id)
async function textById(page) {
  const tc = await page.getTextContent({ includeMarkedContent: true });
  const map = new Map();
  const open = [];
  for (const it of tc.items) {
    if (it.type === "beginMarkedContentProps" || it.type === "beginMarkedContent") {
      open.push(it.type === "beginMarkedContentProps" && it.id ? it.id : null);
      if (open[open.length - 1] && !map.has(open[open.length - 1])) map.set(open[open.length - 1], "");
    } else if (it.type === "endMarkedContent") {
      open.pop();
    } else if (typeof it.str === "string") {
      for (const id of open) {
        if (id) map.set(id, map.get(id) + it.str + (it.hasEOL ? "\n" : ""));
      }
    }
  }
  return map;
}

function fill(node, texts) {
  if (!node) return node;
  if (node.type === "content") {
    return { ...node, text: texts.get(node.id) ?? null };
  }
  const out = { ...node };
  if (Array.isArray(node.children)) out.children = node.children.map((c) => fill(c, texts));
  return out;
}

const pages = [];
for (let n = 1; n <= doc.numPages; n++) {
  if (onlyPage && n !== onlyPage) continue;
  const page = await doc.getPage(n);
  const tree = await page.getStructTree();
  const texts = await textById(page);
  pages.push({ page: n, tree: fill(tree, texts) });
}

if (!summary) {
  origLog(JSON.stringify(pages, null, 1));
} else {
  const roles = {};
  const langs = new Set();
  const figureAlts = [];
  const headings = [];
  let contentNodes = 0;
  let contentWithText = 0;
  let pagesWithTree = 0;
  const textOf = (node) => {
    if (!node) return "";
    if (node.type === "content") return node.text || "";
    return (node.children || []).map(textOf).join("");
  };
  const walk = (node, pageNo) => {
    if (!node) return;
    if (node.type === "content") {
      contentNodes++;
      if (node.text && node.text.trim()) contentWithText++;
      return;
    }
    if (node.role) {
      roles[node.role] = (roles[node.role] || 0) + 1;
      if (node.lang) langs.add(node.lang);
      if (node.role === "Figure") figureAlts.push(node.alt ?? null);
      if (/^H[1-6]?$/.test(node.role)) {
        headings.push({ page: pageNo, role: node.role, text: textOf(node).replace(/\s+/g, " ").trim() });
      }
    }
    for (const c of node.children || []) walk(c, pageNo);
  };
  for (const p of pages) {
    if (p.tree && (p.tree.children || []).length) pagesWithTree++;
    walk(p.tree, p.page);
  }
  origLog(JSON.stringify({
    file,
    numPages: doc.numPages,
    pagesWithTree,
    roles,
    langs: [...langs].sort(),
    figureAlts,
    headings,
    contentNodes,
    contentWithText,
    warnings: warnings.slice(0, 20),
  }, null, 1));
}
await doc.destroy();
