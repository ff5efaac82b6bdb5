// HTTP client for the normlab API (README, "HTTP API"), shared by the labeler and the report page.
// Not named api.js on purpose: a static file whose path starts with "/api" would be caught by the
// server's API token check. Every call goes through `request` so the optional bearer token and the
// error format are handled in one place. Images are fetched as blobs too (not via <img src>)
// because an <img> cannot send an Authorization header when the server runs with --token.

export const token = new URLSearchParams(location.search).get("token");

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// The server answered, but not in the shape this file reads: the Swift encoders and the client
// disagree, which a user cannot fix, so it is reported instead of read around.
export class ContractError extends ApiError {}

// The fields the UI reads from each answer, spelt as the server's JSONEncoder writes them (synthesized
// Codable: the Swift property names). Sources: RunSummary, ImageSummary, SuggestionSet, Suggestion in
// Sources/LabelStore; AnnotationBody, NormsBody in LabelAPI.swift; PrototypeBody in ReportAPI.swift;
// ImageBody, NextBody in SuggestionAPI.swift; Body in SimilarityAPI.swift; ExperimentBody in ReportAPI.swift. Optional properties are left out of the JSON when nil,
// so they are not listed: an image's `fileName` (imageless datasets), a set's `prototypeID` or
// `prototypeFile`. Answers the UI ignores (the created annotation, a decided suggestion) are not checked.
export const FIELDS = {
  run: ["name", "dataset", "position", "imageCount", "channels", "gridHeight", "gridWidth", "contents"],
  image: ["index", "labeled", "reviewed", "annotationCount"],
  annotation: ["x", "y", "kind", "annotator", "source"],
  norms: ["norms"],
  prototype: ["id", "run", "tokens", "labelCount", "tokenCount", "trainImages", "channels"],
  suggestionSet: ["id", "threshold", "unit", "pending", "accepted", "rejected", "labelled"],
  suggestionImage: ["unit", "suggestions", "tp", "fp", "fn"],
  suggestion: ["x", "y", "kind", "similarity", "state"],
  next: ["image"],
  normStatistics: ["run", "images", "width", "height", "tokens", "labelledTokens", "meanNorms", "edges", "labelled", "patches", "all", "above"],
  normAbove: ["k", "tokens", "labelledTokens", "images"],
  similarity: ["width", "height", "values"],
  experiment: ["id", "dataset", "experiments", "layers", "images", "finishedAt"],
};

// `one(fields)` and `list(fields)` check an answer and return it as is; `where` names the request,
// `what` the part of the answer checked.
const answer = "the server's answer";
const drift = (where, message) => new ContractError(`${where}: ${message} (server and WebLabeler/backend.js disagree)`, 0);

const one = (fields) => (value, where, what = answer) => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw drift(where, `${what} is ${JSON.stringify(value)?.slice(0, 80)}, not an object`);
  }
  const missing = fields.filter((f) => !(f in value));
  if (missing.length) throw drift(where, `${what} has no field ${missing.map((f) => `"${f}"`).join(", ")}`);
  return value;
};

const list = (fields) => (value, where, what = answer) => {
  if (!Array.isArray(value)) throw drift(where, `${what} is not a list`);
  const item = one(fields);
  return value.map((v, i) => item(v, where, `item ${i} of ${what}`));
};

const enc = encodeURIComponent;
const imagePath = (run, index) => `/api/runs/${enc(run)}/images/${index}`;
const setPath = (set) => `/api/suggestion-sets/${set}`;
const describe = (method, path) => `${method} ${path.split("?")[0]}`;

export async function request(method, path, body) {
  const headers = {};
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(`${describe(method, path)}: server unreachable (${e.message})`, 0);
  }
  if (!response.ok) throw new ApiError(await errorMessage(method, path, response), response.status);
  return response;
}

// The server answers every error with {"error": "<what is wrong>"} (APIError.swift); anything else
// (a proxy's page, say) is shown as the text it is.
async function errorMessage(method, path, response) {
  const text = (await response.text().catch(() => "")).trim();
  let detail = text;
  try {
    const error = JSON.parse(text).error;
    if (typeof error === "string") detail = error;
  } catch { /* not JSON: keep the text */ }
  return `${describe(method, path)} failed (${response.status}${detail ? ": " + detail.slice(0, 300) : ""})`;
}

// A JSON answer, checked by `expect` (one of `one(…)`, `list(…)`).
async function json(method, path, expect, body) {
  const response = await request(method, path, body);
  let value;
  try {
    value = await response.json();
  } catch (e) {
    throw drift(describe(method, path), `${answer} is not JSON (${e.message})`);
  }
  return expect(value, describe(method, path));
}

const get = (path, expect) => json("GET", path, expect);

// One image's suggestions: the body and each listed suggestion.
function suggestionImage(body, where) {
  one(FIELDS.suggestionImage)(body, where);
  list(FIELDS.suggestion)(body.suggestions, where, `"suggestions" of ${answer}`);
  return body;
}

function normStatistics(body, where) {
  one(FIELDS.normStatistics)(body, where);
  list(FIELDS.normAbove)(body.above, where, `"above" of ${answer}`);
  return body;
}

export const api = {
  runs: () => get("/api/runs", list(FIELDS.run)),
  images: (run, filter = "all") => get(`/api/runs/${enc(run)}/images?filter=${enc(filter)}`, list(FIELDS.image)),
  annotations: (run, index) => get(`${imagePath(run, index)}/annotations`, list(FIELDS.annotation)),
  // The raw token norms for the hover read-out, row-major: norms[y * width + x].
  async norms(run, index, width, height) {
    const path = `${imagePath(run, index)}/norms`;
    const { norms } = await get(path, one(FIELDS.norms));
    if (!Array.isArray(norms) || norms.length !== width * height) {
      throw drift(`GET ${path}`, `expected ${width}×${height} norms, got ${norms?.length ?? "none"}`);
    }
    return Float64Array.from(norms);
  },
  // Cosines of token {x, y} of image `index` to every token of image `to`, row-major, as the norms.
  async similarity(run, index, { x, y }, to, width, height) {
    const path = `${imagePath(run, index)}/similarity?x=${x}&y=${y}&to=${to}`;
    const { values } = await get(path, one(FIELDS.similarity));
    if (!Array.isArray(values) || values.length !== width * height) {
      throw drift(`GET ${path}`, `expected ${width}×${height} values, got ${values?.length ?? "none"}`);
    }
    return Float64Array.from(values);
  },
  // The same map as a PNG (one pixel per token, -1 blue … 0 white … 1 red): an object URL.
  similarityURL: (run, index, { x, y }, to) => api.imageURL(run, index, "similarity.png", `?x=${x}&y=${y}&to=${to}`),
  // A colour map as 256 × 1 pixels from -1 to 1 (the scale bar): an object URL.
  colormapURL: async (name) => URL.createObjectURL(await (await request("GET", `/api/colormaps/${enc(name)}.png`)).blob()),
  // `source` is sent only when restoring a removed annotation (undo), so it comes back as it was.
  async addAnnotation(run, index, { x, y, kind, annotator, source }) {
    await request("POST", `${imagePath(run, index)}/annotations`, { x, y, kind, annotator, source });
  },
  // `annotator` is who removes it: the server's history records it.
  async removeAnnotation(run, index, { x, y, kind }, annotator) {
    const query = `x=${x}&y=${y}&kind=${enc(kind)}&annotator=${enc(annotator)}`;
    await request("DELETE", `${imagePath(run, index)}/annotations?${query}`);
  },
  async setReviewed(run, index, reviewed, annotator) {
    await request("PUT", `${imagePath(run, index)}/reviewed`, { reviewed, annotator });
  },
  prototypes: () => get("/api/prototypes", list(FIELDS.prototype)),
  // Token-norm statistics of a run: mean norm map, histograms, tokens above k × the image mean.
  normStatistics: (run) => get(`/api/runs/${enc(run)}/statistics`, normStatistics),
  experiments: () => get("/api/experiments", list(FIELDS.experiment)),
  // Detector suggestions. `set` is a suggestion set id.
  suggestionSets: (run) => get(`/api/runs/${enc(run)}/suggestion-sets`, list(FIELDS.suggestionSet)),
  suggestionSet: (set) => get(setPath(set), one(FIELDS.suggestionSet)),
  createSuggestionSet: (run, { prototype, threshold, unit }) =>
    json("POST", `/api/runs/${enc(run)}/suggestion-sets`, one(FIELDS.suggestionSet), { prototype, threshold, unit }),
  // {unit, suggestions: [{x, y, kind, similarity, state}], tp, fp, fn}
  suggestionImage: (set, index) => get(`${setPath(set)}/images/${index}`, suggestionImage),
  // The UI says "accepted"/"rejected" (a suggestion's state); the request says "accept"/"reject".
  async decideSuggestion(set, index, decision, { x, y, kind }, annotator) {
    const body = { x, y, kind, decision: decision === "accepted" ? "accept" : "reject", annotator };
    await request("POST", `${setPath(set)}/images/${index}/decisions`, body);
  },
  async withdrawDecision(set, index, { x, y, kind }, annotator) {
    await request("DELETE", `${setPath(set)}/images/${index}/decisions?x=${x}&y=${y}&kind=${enc(kind)}&annotator=${enc(annotator)}`);
  },
  // The next image index with pending suggestions, or null when none is left.
  async nextSuggestionImage(set, after) {
    return (await get(`${setPath(set)}/next?after=${after}`, one(FIELDS.next))).image;
  },
  // Text or SVG answers (the report page's charts).
  text: async (path) => (await request("GET", path)).text(),
  // Returns an object URL, or null when the server has no such image (404: imageless datasets).
  async imageURL(run, index, which, query = "") {
    const path = `${imagePath(run, index)}/${which}${query}`;
    try {
      const blob = await (await request("GET", path)).blob();
      return URL.createObjectURL(blob);
    } catch (e) {
      if (e.status === 404 && which === "image") return null;
      throw e;
    }
  },
};
