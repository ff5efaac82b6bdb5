// The report page: run and prototype pickers, and the server's SVG charts inlined (so they scale
// and can be inspected). Every request goes through the labeler's client (backend.js), which sends
// the optional token, checks JSON answers and turns error responses into the server's message,
// shown in the banner rather than swallowed.

import { api, token } from "./backend.js";

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

function showError(e) {
  $("error-text").textContent = e.message ?? String(e);
  $("error").hidden = false;
}

let runs = [];

function query() {
  const q = new URLSearchParams();
  if ($("prototype-picker").value) q.set("prototype", $("prototype-picker").value);
  return q;
}

// Loads one chart into its box; the box is emptied first so a failed chart never shows a stale one.
// The SVG lives in the box's shadow root: the labeler's stylesheet (e.g. its progress `.bar`) must
// not restyle the chart's elements of the same class.
async function draw(box, path) {
  const el = $(box);
  const root = el.shadowRoot ?? el.attachShadow({ mode: "open" });
  root.innerHTML = "";
  el.setAttribute("aria-busy", "true");
  try {
    root.innerHTML = `<style>svg { display: block; max-width: 100%; height: auto; }</style>` + await api.text(path);
  } catch (e) {
    showError(e);
  } finally {
    el.removeAttribute("aria-busy");
  }
}

async function drawAll() {
  $("error").hidden = true;
  const run = $("run-picker").value;
  if (!run) return;
  const base = `/api/runs/${enc(run)}`;
  const curve = query();
  curve.set("thresholds", $("thresholds").value.trim());
  curve.set("unit", $("unit").value);
  location.hash = `run=${enc(run)}` + ($("prototype-picker").value ? `&prototype=${$("prototype-picker").value}` : "");
  document.body.dataset.ready = "0";
  const normsOnly = runs.find((r) => r.name === run)?.contents === "norms";
  await Promise.all([
    ...(normsOnly ? explainNoFeatures(run) : [
      draw("curve", `${base}/curve.svg?${curve}`),
      draw("report", `${base}/report.svg?${query()}`),
      api.text(`${base}/report.txt?${query()}`).then((t) => { $("report-text").textContent = t; }, showError),
      drawImage(),
    ]),
    draw("statistics", `${base}/statistics.svg`),
    api.normStatistics(run).then(fillAbove, showError),
  ]);
  document.body.dataset.ready = "1";
}

// A run extracted with --keep norms has no features: its norm statistics are drawn, and the charts
// that score token vectors say why they are empty instead of showing the server's 409 in the banner.
function explainNoFeatures(run) {
  const text = `run '${run}' keeps only its token norms (extracted with --keep norms): detection and the report need its features`;
  for (const box of ["curve", "report", "image"]) {
    const el = $(box);
    const root = el.shadowRoot ?? el.attachShadow({ mode: "open" });
    root.innerHTML = "";
    const p = document.createElement("p");
    p.className = "no-features";
    p.textContent = text;
    root.append(p);
    el.removeAttribute("aria-busy");
  }
  $("report-text").textContent = "";
  return [];
}

// The shares of tokens above k × their image's mean norm, one row per k.
function fillAbove(s) {
  const pct = (a, b) => (b === 0 ? "–" : `${(100 * a / b).toFixed(2)} %`);
  const body = $("above").tBodies[0];
  body.innerHTML = "";
  for (const a of s.above) {
    const row = body.insertRow();
    row.dataset.k = String(a.k);
    for (const text of [`${a.k}×`, `${a.tokens} (${pct(a.tokens, s.tokens)})`,
      `${a.labelledTokens} (${pct(a.labelledTokens, s.labelledTokens)})`, `${a.images} (${pct(a.images, s.images)})`]) {
      row.insertCell().textContent = text;
    }
  }
}

async function drawImage() {
  const run = $("run-picker").value;
  const q = query();
  q.set("at", $("image-at").value);
  await draw("image", `/api/runs/${enc(run)}/images/${Number($("image-index").value)}/detections.svg?${q}`);
}

// Prototypes of any run whose channel count matches: a prototype from one dataset is meant to be
// applied to another (the thesis figure). The first option is the server's default.
async function loadPrototypes(selected) {
  const run = runs.find((r) => r.name === $("run-picker").value);
  const list = await api.prototypes();
  const picker = $("prototype-picker");
  picker.innerHTML = "";
  picker.append(new Option("default: newest of this run, else mean of its labels", ""));
  for (const p of list.filter((p) => !run || p.channels === run.channels)) {
    const label = `#${p.id} · run ${p.run} · ${p.tokenCount} tokens · images 0..<${p.trainImages}`;
    picker.append(new Option(label, String(p.id)));
  }
  picker.value = [...picker.options].some((o) => o.value === selected) ? selected : "";
}

// The recorded experiment runs and the chosen one's figure (independent of the run picker).
async function loadExperiments() {
  const list = await api.experiments();
  const picker = $("experiment-picker");
  picker.innerHTML = "";
  if (list.length === 0) picker.append(new Option("none recorded (normlab experiments run)", ""));
  for (const e of list) {
    picker.append(new Option(`#${e.id} · ${e.dataset} · ${e.images} images · ${e.layers} layers · ${e.experiments}`, String(e.id)));
  }
  const show = () => (picker.value ? draw("experiment", `/api/experiments/${picker.value}/figure.svg`) : Promise.resolve());
  picker.addEventListener("change", () => show().catch(showError));
  await show();
}

async function start() {
  const hash = new URLSearchParams(location.hash.slice(1));
  await loadExperiments().catch(showError);
  runs = await api.runs();
  const picker = $("run-picker");
  for (const r of runs) picker.append(new Option(`${r.name} (${r.imageCount} images)`, r.name));
  if (runs.length === 0) throw new Error("no runs in this database yet (normlab features import or extract)");
  if (runs.some((r) => r.name === hash.get("run"))) picker.value = hash.get("run");
  await loadPrototypes(hash.get("prototype") ?? "");
  if (token) $("labeler-link").href = `index.html?token=${enc(token)}`;
  picker.addEventListener("change", () => loadPrototypes("").then(drawAll).catch(showError));
  $("prototype-picker").addEventListener("change", () => drawAll().catch(showError));
  $("unit").addEventListener("change", () => drawAll().catch(showError));
  $("refresh").addEventListener("click", () => drawAll().catch(showError));
  $("thresholds").addEventListener("keydown", (e) => { if (e.key === "Enter") drawAll().catch(showError); });
  $("image-form").addEventListener("submit", (e) => { e.preventDefault(); drawImage(); });
  $("error-close").addEventListener("click", () => { $("error").hidden = true; });
  await drawAll();
}

start().catch((e) => { showError(e); document.body.dataset.ready = "1"; });
