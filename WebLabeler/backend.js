// HTTP client for the normlab API (issue 5, "HTTP API"). Not named api.js on purpose: a static
// file whose path starts with "/api" would be caught by the server's API token check.
// Every call goes through `request` so the optional bearer token and the error format are handled
// in one place. Images are fetched as blobs too (not via <img src>) because an <img> cannot send
// an Authorization header when the server runs with --token.

const token = new URLSearchParams(location.search).get("token");

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

const enc = encodeURIComponent;
const imagePath = (run, index) => `/api/runs/${enc(run)}/images/${index}`;
const setPath = (set) => `/api/suggestion-sets/${set}`;

async function request(method, path, body) {
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
    throw new ApiError(`${method} ${path}: server unreachable (${e.message})`, 0);
  }
  if (!response.ok) throw new ApiError(await errorMessage(method, path, response), response.status);
  return response;
}

// The server answers errors with a JSON body naming the problem; Hummingbird's default shape is
// {"error":{"message":…}}, ours {"error":"…"}. Fall back to the status line for anything else.
async function errorMessage(method, path, response) {
  const text = await response.text().catch(() => "");
  let detail = text.trim();
  try {
    const json = JSON.parse(text);
    const e = json.error ?? json.reason ?? json.message ?? json;
    detail = typeof e === "string" ? e : e.message ?? e.reason ?? JSON.stringify(e);
  } catch { /* not JSON: keep the text */ }
  const where = `${method} ${path.split("?")[0]}`;
  return `${where} failed (${response.status}${detail ? ": " + detail.slice(0, 300) : ""})`;
}

const json = async (method, path, body) => (await request(method, path, body)).json();

// Field names are read leniently (camelCase or snake_case) so the UI keeps working if the
// server's JSON spelling is adjusted; everything downstream sees these normalized shapes.
const pick = (o, ...keys) => keys.map((k) => o[k]).find((v) => v !== undefined);

export function normalizeRun(r) {
  return {
    name: pick(r, "name", "run"),
    dataset: pick(r, "dataset", "datasetName", "dataset_name") ?? "",
    imageCount: Number(pick(r, "imageCount", "image_count", "images", "count") ?? 0),
    height: Number(pick(r, "gridHeight", "grid_height", "height", "h")),
    width: Number(pick(r, "gridWidth", "grid_width", "width", "w")),
    labeledCount: Number(pick(r, "labeledCount", "labeled_count", "labeled") ?? 0),
    channels: Number(pick(r, "channels") ?? 0),
  };
}

// A suggestion set with its review counts gathered in `counts`.
export function normalizeSet(s) {
  const { total, pending, accepted, rejected, labelled, ...rest } = s;
  return { ...rest, counts: { total, pending, accepted, rejected, labelled } };
}

export function normalizeImage(i) {
  const count = Number(pick(i, "annotationCount", "annotation_count", "annotations", "count") ?? 0);
  const reviewed = Boolean(pick(i, "reviewed", "isReviewed", "is_reviewed"));
  const state = pick(i, "state", "labeledState", "labeled_state", "status");
  const labeled = Boolean(pick(i, "labeled", "isLabeled", "is_labeled")) || count > 0 || reviewed ||
    (typeof state === "string" && state !== "unlabeled");
  return {
    index: Number(pick(i, "index", "imageIndex", "image_index")),
    file: pick(i, "fileName", "file_name", "file", "name") ?? "",
    annotationCount: count,
    // "reviewed" without annotations is the explicit "looked at, no anomaly" state.
    reviewed: reviewed || state === "reviewed",
    labeled,
  };
}

export function normalizeAnnotation(a) {
  return {
    x: Number(a.x), y: Number(a.y), kind: a.kind ?? "patch2x2",
    annotator: a.annotator ?? "", source: a.source ?? "manual",
  };
}

// `.../norms` carries the raw token norms for the hover read-out. Accepted: a row-major flat
// array, an array of rows, or an object holding either (plus optional width/height).
export function normalizeNorms(body, width, height) {
  let values = Array.isArray(body) ? body : pick(body, "norms", "values", "data");
  if (Array.isArray(values?.[0])) values = values.flat();
  if (!Array.isArray(values) || values.length !== width * height) {
    throw new ApiError(`norms: expected ${width}×${height} values, got ${values?.length ?? "none"}`, 0);
  }
  return Float64Array.from(values, Number);
}

export const api = {
  async runs() {
    const body = await json("GET", "/api/runs");
    return (Array.isArray(body) ? body : body.runs ?? []).map(normalizeRun);
  },
  async images(run, filter = "all") {
    const body = await json("GET", `/api/runs/${enc(run)}/images?filter=${enc(filter)}`);
    return (Array.isArray(body) ? body : body.images ?? []).map(normalizeImage);
  },
  async annotations(run, index) {
    const body = await json("GET", `${imagePath(run, index)}/annotations`);
    return (Array.isArray(body) ? body : body.annotations ?? []).map(normalizeAnnotation);
  },
  async norms(run, index, width, height) {
    return normalizeNorms(await json("GET", `${imagePath(run, index)}/norms`), width, height);
  },
  // `source` is sent only when restoring a removed annotation (undo), so it comes back as it was.
  addAnnotation(run, index, { x, y, kind, annotator, source }) {
    return json("POST", `${imagePath(run, index)}/annotations`, { x, y, kind, annotator, source });
  },
  // `annotator` is who removes it: the server's history records it.
  async removeAnnotation(run, index, { x, y, kind }, annotator) {
    const query = `x=${x}&y=${y}&kind=${enc(kind)}&annotator=${enc(annotator)}`;
    await request("DELETE", `${imagePath(run, index)}/annotations?${query}`);
  },
  async setReviewed(run, index, reviewed, annotator) {
    await request("PUT", `${imagePath(run, index)}/reviewed`, { reviewed, annotator });
  },
  // Detector suggestions (issue 6). `set` is a suggestion set id.
  prototypes: () => json("GET", "/api/prototypes"),
  async suggestionSets(run) {
    return (await json("GET", `/api/runs/${enc(run)}/suggestion-sets`)).map(normalizeSet);
  },
  async suggestionSet(set) {
    return normalizeSet(await json("GET", setPath(set)));
  },
  async createSuggestionSet(run, { prototype, threshold, unit }) {
    return normalizeSet(await json("POST", `/api/runs/${enc(run)}/suggestion-sets`, { prototype, threshold, unit }));
  },
  // {unit, suggestions: [{x, y, kind, similarity, state}], tp, fp, fn}
  suggestionImage: (set, index) => json("GET", `${setPath(set)}/images/${index}`),
  decideSuggestion: (set, index, decision, { x, y, kind }, annotator) =>
    json("POST", `${setPath(set)}/images/${index}/decisions`, { x, y, kind, decision: decision === "accepted" ? "accept" : "reject", annotator }),
  async withdrawDecision(set, index, { x, y, kind }, annotator) {
    await request("DELETE", `${setPath(set)}/images/${index}/decisions?x=${x}&y=${y}&kind=${enc(kind)}&annotator=${enc(annotator)}`);
  },
  async nextSuggestionImage(set, after) {
    return (await json("GET", `${setPath(set)}/next?after=${after}`)).image;
  },
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
