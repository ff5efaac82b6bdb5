// Ghost layer: another run over the same dataset (another timestep, seed or model) whose labels of
// the current image are drawn as lime boxes (O toggles them), to see where its anomalies sit.

import { api } from "./backend.js";
import { state, emit, remember } from "./state.js";

const $ = (id) => document.getElementById(id);
export const GHOST_COLOR = "#c6ff3d"; // lime: unlike the annotation, suggestion and mark colours
let serial = 0;

// Runs that can be compared with the current one: same dataset, same token grid.
export function candidates() {
  const r = state.run;
  return r ? state.runs.filter((o) => o.name !== r.name && o.dataset === r.dataset && o.gridWidth === r.gridWidth && o.gridHeight === r.gridHeight) : [];
}

export function choose(name) {
  state.ghostRun = candidates().some((o) => o.name === name) ? name : null;
  if (state.ghostRun) remember(`ghost.${state.run.name}`, state.ghostRun);
  return load();
}

export function toggle() {
  if (!state.ghostRun) restore();
  state.showGhost = !state.showGhost;
  remember("ghost", state.showGhost ? "1" : "0");
  return load();
}

// After a run change: the remembered (or first) comparable run.
export function restore() {
  const saved = localStorage.getItem(`normlab.ghost.${state.run?.name}`);
  state.ghostRun = candidates().find((o) => o.name === saved)?.name ?? candidates()[0]?.name ?? null;
}

export async function load() {
  const mine = ++serial;
  const list = state.ghostRun && state.showGhost && state.index !== null ? await api.annotations(state.ghostRun, state.index) : [];
  if (mine !== serial) return;
  state.ghostAnnotations = list;
  emit("ghost");
}

export function renderGhost() {
  const options = candidates();
  $("ghost-card").hidden = !options.length;
  const picker = $("ghost-run");
  picker.innerHTML = "";
  for (const o of options) picker.append(new Option(o.position ? `${o.name} (${o.position})` : o.name, o.name));
  picker.value = state.ghostRun ?? "";
  $("ghost-show").checked = state.showGhost;
  const n = state.ghostAnnotations.length;
  $("ghost-count").textContent = state.showGhost && state.ghostRun ? `${n} label${n === 1 ? "" : "s"} of this image in ${state.ghostRun}` : "";
  $("norm-overlay").dataset.ghostCount = String(state.showGhost ? n : 0);
}

// Overlay layer: each ghost label as a faint lime fill with a solid lime edge on the cell borders
// (annotations are unfilled pink/cyan boxes, the click preview a dashed yellow one).
export function drawGhost(ctx, panel, c) {
  if (!state.showGhost) return;
  ctx.setLineDash([]);
  for (const a of state.ghostAnnotations) {
    const n = a.kind === "point" ? 1 : 2, w = Math.max(1.5, Math.min(3, c / 6));
    ctx.globalAlpha = 0.2;
    ctx.fillStyle = GHOST_COLOR;
    ctx.fillRect(a.x * c, a.y * c, n * c, n * c);
    ctx.globalAlpha = 1;
    for (const [color, width] of [["rgba(0, 0, 0, 0.7)", w + 2], [GHOST_COLOR, w]]) {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.strokeRect(a.x * c + w / 2, a.y * c + w / 2, n * c - w, n * c - w);
    }
  }
}
