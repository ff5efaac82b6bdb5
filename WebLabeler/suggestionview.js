// Renders detector suggestions: the sidebar card (set picker, counts, list, create form) and a
// layer of the panels' overlays (outlined suggestion boxes; TP/FP/FN marks on the norm map).

import { state, keepsOnlyNorms, noFeaturesText } from "./state.js";
import { currentSuggestion } from "./suggestions.js";

const $ = (id) => document.getElementById(id);
const kindName = (kind) => (kind === "point" ? "point" : "patch");

export const COLORS = {
  suggestion: "#f4f4f4", // white: unlike every annotation colour, and readable on gray and viridis
  tp: "#4cc38a",
  fp: "#ff9f43",
  fn: "#b26bff",
};

function setLabel(s) {
  const proto = s.prototypeID != null ? `prototype ${s.prototypeID}` : (s.prototypeFile ?? "").split("/").pop();
  return `#${s.id} · ${s.unit} > ${+Number(s.threshold).toPrecision(6)} · ${proto} · ${s.pending} to review`;
}

export function renderSuggestions() {
  const card = $("suggestions-card");
  card.hidden = !state.run;
  if (!state.run) return;
  const picker = $("sugg-set");
  picker.innerHTML = "";
  picker.append(new Option(state.suggestionSets.length ? "— no suggestions —" : "no suggestion sets yet", ""));
  for (const s of state.suggestionSets) picker.append(new Option(setLabel(s), String(s.id)));
  picker.value = state.suggestionSet === null ? "" : String(state.suggestionSet);
  const set = state.suggestionSets.find((s) => s.id === state.suggestionSet);
  $("sugg-counts").textContent = set
    ? `set: ${set.pending} to review · ${set.accepted} accepted · ${set.rejected} rejected` + (set.labelled ? ` · ${set.labelled} already labelled` : "")
    : "";
  $("sugg-count").textContent = state.suggestions.length;
  $("sugg-next").disabled = !set;
  $("sugg-marks").checked = state.showMarks;
  $("sugg-legend").hidden = !state.showMarks;
  renderList(set);
  renderForm();
}

function renderList(set) {
  const list = $("suggestion-list");
  list.innerHTML = "";
  const current = currentSuggestion();
  for (const s of state.suggestions) {
    const li = document.createElement("li");
    li.className = s === current ? "current" : "";
    li.innerHTML = `<span class="swatch suggestion"></span><span>${kindName(s.kind)} (${s.x}, ${s.y})</span>` +
      `<span class="muted who">${Number(s.similarity).toFixed(3)}</span>` +
      `<button class="icon small accept" title="Accept (Y)">✓</button><button class="icon small reject" title="Reject (X)">×</button>`;
    for (const b of li.querySelectorAll("button")) b.dataset.suggestion = JSON.stringify({ x: s.x, y: s.y, kind: s.kind });
    list.append(li);
  }
  if (!set) list.innerHTML = `<li class="muted">choose a set, or detect a new one below</li>`;
  else if (!state.suggestions.length) list.innerHTML = `<li class="muted">nothing to review on this image</li>`;
}

function renderForm() {
  const picker = $("sugg-proto");
  const chosen = picker.value;
  picker.innerHTML = "";
  for (const p of state.prototypes) {
    picker.append(new Option(`#${p.id} · from ${p.run} · ${p.labelCount} labels, ${p.tokens}`, String(p.id)));
  }
  if (!state.prototypes.length) picker.append(new Option("none recorded (normlab prototype)", ""));
  if ([...picker.options].some((o) => o.value === chosen)) picker.value = chosen;
  const noFeatures = keepsOnlyNorms();
  $("sugg-create-button").disabled = !state.prototypes.length || noFeatures;
  $("sugg-no-features").hidden = !noFeatures;
  $("sugg-no-features").textContent = noFeatures ? `${noFeaturesText()} (detection scores token vectors)` : "";
}

// Overlay layer: suggestion boxes on both panels (the one the keys act on drawn solid), TP/FP/FN
// marks on the norm map when switched on (2×2 patches for a patch set, tokens for a token set).
// `cell` is the panel's pixels per token.
export function drawSuggestions(ctx, panel, cell) {
  const marks = state.classification;
  if (state.showMarks && marks && panel.name === "norm") {
    const n = marks.unit === "patch" ? 2 : 1;
    for (const [key, color] of [["tp", COLORS.tp], ["fp", COLORS.fp], ["fn", COLORS.fn]]) {
      for (const [x, y] of marks[key]) mark(ctx, x, y, n, cell, color);
    }
  }
  const current = currentSuggestion();
  for (const s of state.suggestions) outline(ctx, s, cell, s === current);
}

// An n×n block of tokens at (x, y): a translucent fill with a solid edge.
function mark(ctx, x, y, n, c, color) {
  ctx.globalAlpha = 0.45;
  ctx.fillStyle = color;
  ctx.fillRect(x * c, y * c, n * c, n * c);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(x * c + 0.5, y * c + 0.5, n * c - 1, n * c - 1);
}

// A suggestion: a dotted white box just outside the cells (annotations sit on the cell borders, the
// click preview inside), over a dark halo; the current one solid and thicker.
function outline(ctx, s, c, current) {
  const n = s.kind === "point" ? 1 : 2;
  const width = current ? Math.max(2, Math.min(4, c / 4)) : Math.max(1.5, Math.min(2.5, c / 6));
  const out = Math.min(3, c / 4);
  const maxX = state.run.gridWidth * c - width / 2, maxY = state.run.gridHeight * c - width / 2;
  const x0 = Math.max(width / 2, s.x * c - out), y0 = Math.max(width / 2, s.y * c - out);
  const x1 = Math.min(maxX, (s.x + n) * c + out), y1 = Math.min(maxY, (s.y + n) * c + out);
  ctx.setLineDash(current ? [] : [Math.max(2, c / 4), Math.max(2, c / 4)]);
  ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
  ctx.lineWidth = width + 2;
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  ctx.strokeStyle = COLORS.suggestion;
  ctx.lineWidth = width;
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  ctx.setLineDash([]);
}
