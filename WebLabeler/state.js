// The labeler's state, in one object, plus a tiny change-notification hub.
// Views subscribe to named topics and re-render from `state`; nothing else keeps a copy.

const stored = (key, fallback) => localStorage.getItem(`normlab.${key}`) ?? fallback;
export const remember = (key, value) => localStorage.setItem(`normlab.${key}`, value);

export const state = {
  runs: [],
  run: null,              // a run of GET /api/runs: {name, dataset, imageCount, gridHeight, gridWidth, ...}
  images: new Map(),      // index → image of GET /api/runs/{run}/images, whole run (drives progress)
  list: [],               // indices of the current filter, in order (drives navigation)
  filter: stored("filter", "all"),
  index: null,            // current image index
  file: "",
  annotations: [],        // of the current image
  norms: null,            // Float64Array, row-major, of the current image
  normURL: null,          // object URLs of the current norm map and source image (null: none)
  sourceURL: null,
  normMean: 0,
  hover: null,            // {x, y} grid cell under the pointer (either panel)
  mode: stored("mode", "patch2x2"),
  annotator: stored("annotator", ""),
  colormap: stored("colormap", "gray"),
  // Detector suggestions (suggestions.js): the run's sets, the chosen one (id or null), the pending
  // suggestions and TP/FP/FN tokens of the current image for it, and whether the marks are shown.
  suggestionSets: [],
  prototypes: [],
  suggestionSet: null,
  suggestions: [],
  classification: null,
  showMarks: stored("marks", "0") === "1",
  // Similarity view (similarity.js): the picked token {image, x, y} or null (the norm view); the
  // current image's cosines to it (Float64Array, row-major) and their PNG; the side strip's maps of
  // neighbouring images [{image, url}].
  similarity: null,
  simValues: null,
  simURL: null,
  simStrip: [],
  // Ghost layer (ghost.js): another run over the same dataset whose labels of the current image are
  // drawn as outlines, when shown.
  ghostRun: null,
  ghostAnnotations: [],
  showGhost: stored("ghost", "0") === "1",
};

const listeners = new Map();

// A run extracted with --keep norms has no features: norm maps and labeling work, the similarity
// view, detection and reports do not (the server answers 409 there).
export const keepsOnlyNorms = (run = state.run) => run?.contents === "norms";
export const noFeaturesText = (run = state.run) =>
  `run '${run?.name}' keeps only its token norms (extracted with --keep norms): this needs its features`;

export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, []);
  listeners.get(topic).push(fn);
}

export function emit(...topics) {
  for (const t of topics) for (const fn of listeners.get(t) ?? []) fn(state);
}

// The stats shown in the progress bar, computed from the whole run's image list.
export function progress() {
  let labeled = 0, reviewed = 0, anomalies = 0, withAnomalies = 0;
  for (const img of state.images.values()) {
    if (img.labeled) labeled++;
    if (img.reviewed && img.annotationCount === 0) reviewed++;
    if (img.annotationCount > 0) withAnomalies++;
    anomalies += img.annotationCount;
  }
  return { total: state.images.size, labeled, reviewed, anomalies, withAnomalies };
}

// Keeps the run-wide image entry in step after a local change to the current image.
export function syncCurrentImage({ reviewed } = {}) {
  const img = state.images.get(state.index);
  if (!img) return;
  img.annotationCount = state.annotations.length;
  if (reviewed !== undefined) img.reviewed = reviewed;
  img.labeled = img.annotationCount > 0 || img.reviewed;
}
