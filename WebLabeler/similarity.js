// Similarity view: pick a token (Q over it, or Alt-click) and the norm panel shows every token's
// cosine to it (the server's similarity.png, -1 blue … 0 white … 1 red, a scale bar under it); a
// side strip shows the same for the neighbouring images of the run, and the read-out gives the
// cosine under the cursor. The pick stays while browsing: each image shows its cosines to the token.

import { api } from "./backend.js";
import { state, emit, keepsOnlyNorms, noFeaturesText } from "./state.js";

const $ = (id) => document.getElementById(id);
const STRIP = 4; // neighbouring images in the side strip
let serial = 0;  // a newer load drops the results of older ones
let loaded = ""; // what the shown maps are of: an annotation change on the same image keeps them

export async function pick(cell) {
  if (keepsOnlyNorms()) throw new Error(`${noFeaturesText()} (the similarity view compares token vectors)`);
  state.similarity = { image: state.index, x: cell.x, y: cell.y };
  try {
    await load();
  } catch (e) {
    state.similarity = null; // nothing shown: no pick to leave either
    throw e;
  }
}

export function clear() {
  serial++;
  state.similarity = null;
  release();
  emit("similarity");
}

// (Re)loads the current image's map and the strip for the picked token; nothing when none is picked.
export async function load() {
  if (!state.similarity || state.index === null) return;
  const mine = ++serial;
  const { name, gridWidth: w, gridHeight: h } = state.run;
  const q = state.similarity, index = state.index;
  const key = `${name},${q.image},${q.x},${q.y},${index}`;
  if (key === loaded && state.simURL) return;
  const neighbours = nearest(index);
  const [values, url, ...strip] = await Promise.all([
    api.similarity(name, q.image, q, index, w, h),
    api.similarityURL(name, q.image, q, index),
    ...neighbours.map((j) => api.similarityURL(name, q.image, q, j)),
  ]);
  if (mine !== serial) {
    for (const u of [url, ...strip]) URL.revokeObjectURL(u);
    return;
  }
  release();
  state.simValues = values;
  state.simURL = url;
  state.simStrip = neighbours.map((image, k) => ({ image, url: strip[k] }));
  loaded = key;
  emit("similarity");
}

function release() {
  for (const u of [state.simURL, ...state.simStrip.map((s) => s.url)]) if (u) URL.revokeObjectURL(u);
  state.simValues = null;
  state.simURL = null;
  state.simStrip = [];
  loaded = "";
}

// The STRIP image indices nearest to `index` (the run's order), ascending.
function nearest(index) {
  const n = state.run.imageCount, out = [];
  for (let d = 1; out.length < STRIP && (index - d >= 0 || index + d < n); d++) {
    for (const j of [index - d, index + d]) if (j >= 0 && j < n && out.length < STRIP) out.push(j);
  }
  return out.sort((a, b) => a - b);
}

export const cosineAt = (cell) => (cell && state.simValues ? state.simValues[cell.y * state.run.gridWidth + cell.x] : NaN);

let scale = null; // the scale bar's colour map, loaded once
export function renderSimilarity() {
  const q = state.similarity, on = Boolean(q && state.simURL);
  const img = $("sim-img");
  if (on) img.src = state.simURL; else img.removeAttribute("src");
  img.hidden = !on;
  $("norm-panel").dataset.similarity = on ? `${q.image},${q.x},${q.y}` : "";
  $("norm-caption").textContent = on ? `· cosine to token (${q.x}, ${q.y}) of image ${q.image}` : "";
  $("sim-scale").hidden = !on;
  $("sim-strip").hidden = !on;
  document.querySelector(".workspace").classList.toggle("with-strip", on);
  if (on) {
    scale ??= api.colormapURL("diverging").then((url) => { $("sim-scale-img").src = url; }, (e) => { scale = null; console.warn(e); });
  }
  renderStrip();
}

function renderStrip() {
  const strip = $("sim-strip-list");
  strip.innerHTML = "";
  for (const s of state.simStrip) {
    const f = document.createElement("figure");
    f.className = "sim-thumb";
    f.dataset.image = s.image;
    f.title = `image ${s.image}: cosine of every token to the picked one (click to open)`;
    f.innerHTML = `<img class="pixelated" alt="similarity map of image ${s.image}"><figcaption>${s.image}</figcaption>`;
    f.querySelector("img").src = s.url;
    strip.append(f);
  }
}

// Overlay layer: the picked token ringed on both panels of its own image.
export function drawPicked(ctx, panel, c) {
  const q = state.similarity;
  if (!q || q.image !== state.index) return;
  const cx = (q.x + 0.5) * c, cy = (q.y + 0.5) * c, r = Math.max(4, c * 0.75);
  ctx.setLineDash([]);
  for (const [color, width] of [["rgba(0, 0, 0, 0.8)", 4], ["#ffe14d", 2]]) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    ctx.arc(cx, cy, r, 0, 2 * Math.PI);
    ctx.stroke();
  }
}
