// Renders the parts of the page around the panels from `state`: run picker, progress bar,
// navigation, sidebar (image state, hover read-out, annotation list) and the error banner.

import { state, progress } from "./state.js";
import { cosineAt } from "./similarity.js";

const $ = (id) => document.getElementById(id);
const fmt = (v, digits = 3) => (Number.isFinite(v) ? v.toPrecision(digits) : "–");
const plural = (n, one, many) => (n === 1 ? one : many);
const kindName = (kind) => (kind === "point" ? "point" : "patch");

export function renderRuns() {
  const picker = $("run-picker");
  picker.innerHTML = "";
  for (const r of state.runs) {
    const o = document.createElement("option");
    o.value = r.name;
    o.textContent = r.dataset && r.dataset !== r.name ? `${r.name} (${r.dataset})` : r.name;
    picker.append(o);
  }
  if (state.run) picker.value = state.run.name;
  const r = state.run;
  $("run-info").textContent = r
    ? `${r.gridWidth}×${r.gridHeight} tokens · ${r.imageCount} ${plural(r.imageCount, "image", "images")}` : "";
  // `normlab demo` registers its generated runs at position "synthetic": say so wherever they show.
  $("synthetic-note").hidden = !(r && r.position === "synthetic");
}

export function renderProgress() {
  const p = progress();
  const pct = (n) => (p.total ? (100 * n) / p.total : 0);
  // Images with anomalies and "reviewed, no anomaly" are shown as two segments of one bar.
  $("progress-fill").style.width = `${pct(p.labeled - p.reviewed)}%`;
  $("progress-reviewed").style.width = `${pct(p.reviewed)}%`;
  $("progress-text").innerHTML =
    `<b>${p.labeled}</b> / ${p.total} labeled <span class="muted">(${fmt(pct(p.labeled), 3)}%)</span>` +
    ` · <b>${p.anomalies}</b> ${plural(p.anomalies, "anomaly", "anomalies")}` +
    ` in ${p.withAnomalies} ${plural(p.withAnomalies, "image", "images")}` +
    ` · ${p.reviewed} reviewed without anomaly`;
}

export function renderNav(undo) {
  const pos = state.list.indexOf(state.index);
  $("jump").value = state.index ?? "";
  $("jump").max = state.run ? state.run.imageCount - 1 : 0;
  $("position").textContent = state.list.length
    ? `${pos >= 0 ? pos + 1 : "–"} of ${state.list.length} in “${state.filter}”`
    : `none in “${state.filter}”`;
  $("prev").disabled = pos <= 0;
  $("next").disabled = pos < 0 || pos >= state.list.length - 1;
  for (const b of document.querySelectorAll("#filters button")) {
    b.setAttribute("aria-checked", String(b.dataset.filter === state.filter));
  }
  for (const b of document.querySelectorAll("[data-mode]")) {
    b.setAttribute("aria-checked", String(b.dataset.mode === state.mode));
  }
  $("undo").disabled = !undo.canUndo;
  $("redo").disabled = !undo.canRedo;
}

export function renderImage() {
  const img = state.images.get(state.index);
  $("image-title").textContent = state.index ?? "";
  $("image-file").textContent = state.file || img?.fileName ||
    (state.sourceURL ? "" : "no source image (features only)");
  const count = state.annotations.length;
  const el = $("image-state");
  const [cls, text] = state.index === null ? ["", ""] : count > 0 ? ["anomalies", `${count} ${plural(count, "anomaly", "anomalies")}`]
    : img?.reviewed ? ["reviewed", "reviewed — no anomaly"]
    : ["unlabeled", "not looked at yet"];
  el.className = `state ${cls}`;
  el.textContent = text;
  const btn = $("reviewed");
  btn.disabled = count > 0 || state.index === null;
  btn.classList.toggle("on", Boolean(img?.reviewed) && count === 0);
  btn.textContent = img?.reviewed && count === 0 ? "✓ reviewed (R to undo)" : "✓ reviewed, no anomaly";
  renderAnnotations();
}

function renderAnnotations() {
  $("ann-count").textContent = state.annotations.length;
  const list = $("ann-list");
  list.innerHTML = "";
  const sorted = [...state.annotations].sort((a, b) => a.y - b.y || a.x - b.x);
  for (const a of sorted) {
    const li = document.createElement("li");
    li.innerHTML = `<span class="swatch ${a.kind}"></span><span>${kindName(a.kind)} (${a.x}, ${a.y})</span>` +
      `<span class="muted who"></span><button class="icon small" title="Remove">×</button>`;
    li.querySelector(".who").textContent = a.annotator;
    li.querySelector("button").dataset.target = JSON.stringify({ x: a.x, y: a.y, kind: a.kind });
    list.append(li);
  }
  if (!sorted.length) list.innerHTML = `<li class="muted">none — click a patch on the norm map</li>`;
}

export function renderReadout(target) {
  const h = state.hover;
  const norm = h && state.norms ? state.norms[h.y * state.run.gridWidth + h.x] : NaN;
  $("ro-xy").textContent = h ? `${h.x}, ${h.y}` : "–";
  $("ro-norm").textContent = h ? fmt(norm, 4) : "–";
  $("ro-ratio").textContent = h && state.normMean > 0 ? `${fmt(norm / state.normMean, 3)}×` : "–";
  $("ro-sim").textContent = h && state.simValues ? fmt(cosineAt(h), 4) : "–";
  const s = target?.suggestion;
  $("ro-target").textContent = s ? `accept suggested ${kindName(s.kind)} (${s.x}, ${s.y})`
    : target ? `${target.exists ? "remove" : "add"} ${kindName(target.kind)} (${target.x}, ${target.y})` : "–";
}

let errorTimer;
export function showError(message) {
  $("error-text").textContent = message;
  $("error").hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(hideError, 12000);
}

export function hideError() {
  $("error").hidden = true;
}

export function showEmpty(message) {
  $("empty").hidden = !message;
  $("empty").textContent = message ?? "";
  for (const id of ["norm-panel", "source-panel"]) if (message) $(id).hidden = true;
}
