// Loading runs and images, and moving between images (filters, next/prev, next unlabeled, jump).
// The position lives in the URL hash (#run=NAME&i=INDEX), so reloading or sharing a link keeps it.

import { api, ContractError } from "./backend.js";
import { state, emit, remember } from "./state.js";

let loadSerial = 0; // a newer image load makes older in-flight loads drop their results

export async function loadRuns() {
  state.runs = await api.runs();
  const wanted = hashParams().get("run") ?? localStorage.getItem("normlab.run");
  const run = state.runs.find((r) => r.name === wanted) ?? state.runs[0];
  emit("runs");
  if (run) await selectRun(run.name, Number.parseInt(hashParams().get("i") ?? "", 10));
}

export async function selectRun(name, index = NaN) {
  state.run = state.runs.find((r) => r.name === name);
  remember("run", name);
  state.images = new Map((await api.images(name, "all")).map((i) => [i.index, i]));
  state.index = null;
  await applyFilter(state.filter);
  emit("runs", "progress");
  const start = state.images.has(index) ? index : state.list[0] ?? firstIndex();
  await show(start);
}

export async function applyFilter(filter) {
  state.filter = filter;
  remember("filter", filter);
  const images = filter === "all" ? [...state.images.values()] : await api.images(state.run.name, filter);
  state.list = images.map((i) => i.index).sort((a, b) => a - b);
  emit("nav");
}

// Loads everything the current image needs, in parallel; the source image is optional.
export async function show(index) {
  if (!state.run || index === undefined || index === null || !state.images.has(index)) return;
  const serial = ++loadSerial;
  const { name, gridWidth: width, gridHeight: height } = state.run;
  const [colormap, scale] = state.colormap.split("/");
  const query = colormap === "gray" && !scale ? "" : `?colormap=${colormap}&scale=${scale ?? "image"}`;
  const [annotations, norms, normURL, sourceURL] = await Promise.all([
    api.annotations(name, index),
    // Without norms the map still works; only the read-out goes blank. A malformed answer is loud.
    api.norms(name, index, width, height).catch((e) => {
      if (e instanceof ContractError) throw e;
      console.warn(e);
      return null;
    }),
    api.imageURL(name, index, "norm.png", query),
    api.imageURL(name, index, "image"),
  ]);
  if (serial !== loadSerial) {
    for (const url of [normURL, sourceURL]) if (url) URL.revokeObjectURL(url);
    return;
  }
  state.index = index;
  state.normURL = normURL;
  state.sourceURL = sourceURL;
  state.file = state.images.get(index)?.fileName ?? "";
  state.annotations = annotations;
  state.norms = norms;
  state.normMean = norms ? norms.reduce((s, v) => s + v, 0) / norms.length : 0;
  history.replaceState(null, "", `${location.search}#run=${encodeURIComponent(name)}&i=${index}`);
  emit("images", "image", "nav", "progress");
}

// Follows a hash the user typed or a link they opened (#run=NAME&i=INDEX) without a reload.
export async function followHash() {
  const run = hashParams().get("run") ?? state.run?.name;
  const index = Number.parseInt(hashParams().get("i") ?? "", 10);
  if (run !== state.run?.name && state.runs.some((r) => r.name === run)) await selectRun(run, index);
  else if (index !== state.index && state.images.has(index)) await show(index);
}

// Position-based moves within the current filter. When the current image is not in the filter
// (it was just labeled under "unlabeled"), "next" is the first listed index after it.
export function neighbour(step) {
  const list = state.list;
  const pos = list.indexOf(state.index);
  if (pos >= 0) return list[pos + step];
  return step > 0 ? list.find((i) => i > state.index) : list.findLast((i) => i < state.index);
}

export function nextUnlabeled() {
  const sorted = [...state.images.keys()].sort((a, b) => a - b);
  const after = sorted.filter((i) => i > state.index).concat(sorted.filter((i) => i <= state.index));
  return after.find((i) => !state.images.get(i).labeled);
}

const firstIndex = () => Math.min(...state.images.keys());
const hashParams = () => new URLSearchParams(location.hash.slice(1));
