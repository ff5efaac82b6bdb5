// Detector suggestions (README, "Labeler", "Reviewing detections"): the detections of a suggestion set are
// drawn as outlined boxes; accepting one makes it an annotation (source accepted-suggestion),
// rejecting one records that and it is never suggested again in the run. Decisions are undoable
// operations for UndoStack like the annotation toggles: undoing an accept or a reject withdraws the
// decision on the server (an accept's annotation is removed), so the suggestion is pending again.

import { api } from "./backend.js";
import { state, emit, remember, syncCurrentImage } from "./state.js";
import { selectRun, show } from "./nav.js";
import { sameTarget } from "./normmap.js";

let loadSerial = 0; // a newer per-image load makes older in-flight ones drop their results

const setKey = (run) => `set.${run}`;

// Whether suggestion `s` covers grid cell `cell`.
export function covers(s, cell) {
  const n = s.kind === "point" ? 1 : 2;
  return cell.x >= s.x && cell.x < s.x + n && cell.y >= s.y && cell.y < s.y + n;
}

export const suggestionAt = (cell) => (cell ? state.suggestions.find((s) => covers(s, cell)) : undefined);

// What the accept / reject keys act on: the suggestion under the cursor, else the first one listed.
export const currentSuggestion = () => suggestionAt(state.hover) ?? state.suggestions[0];

// The run's sets and the prototypes that fit it (of any run with the same channel count: the thesis
// applies an ImageNet prototype to NYU); re-selects the set chosen last time for this run (the
// newest one the first time).
export async function loadSets() {
  const run = state.run?.name;
  if (!run) return;
  const [sets, prototypes] = await Promise.all([api.suggestionSets(run), api.prototypes()]);
  if (state.run?.name !== run) return;
  state.suggestionSets = sets;
  state.prototypes = prototypes.filter((p) => p.channels === state.run.channels);
  const stored = localStorage.getItem(`normlab.${setKey(run)}`);
  const wanted = stored === null ? sets[0]?.id : Number(stored);
  state.suggestionSet = sets.some((s) => s.id === wanted) ? wanted : null;
  emit("suggestions");
  await refresh();
}

export async function selectSet(id) {
  state.suggestionSet = id;
  remember(setKey(state.run.name), id ?? "");
  emit("suggestions");
  await refresh();
}

// Pending suggestions and TP/FP/FN marks of the current image for the chosen set, and its counts.
export async function refresh() {
  const serial = ++loadSerial;
  const run = state.run?.name, set = state.suggestionSet, index = state.index;
  if (!run || set === null || index === null) {
    state.suggestions = [];
    state.classification = null;
    emit("suggestions");
    return;
  }
  const [body, counted] = await Promise.all([api.suggestionImage(set, index), api.suggestionSet(set)]);
  if (serial !== loadSerial) return;
  state.suggestions = body.suggestions.filter((s) => s.state === "pending");
  state.classification = { unit: body.unit, tp: body.tp, fp: body.fp, fn: body.fn };
  const i = state.suggestionSets.findIndex((s) => s.id === set);
  if (i >= 0) state.suggestionSets[i] = counted;
  emit("suggestions");
}

// Runs the detector on the server (seconds on a big run) and selects the new set.
export async function createSet({ prototype, threshold, unit }) {
  const set = await api.createSuggestionSet(state.run.name, { prototype, threshold, unit });
  state.suggestionSets = [set, ...state.suggestionSets];
  await selectSet(set.id);
  return set;
}

// The next image after the current one (wrapping around) with suggestions left to review, or null.
export function nextToReview() {
  return api.nextSuggestionImage(state.suggestionSet, state.index ?? -1);
}

async function bringUp(run, index) {
  if (state.run?.name !== run) await selectRun(run, index);
  else if (state.index !== index) await show(index);
}

// Mirrors a decision (or its withdrawal) in local state, so the map changes without waiting for a
// reload; `refresh` (on the "image" topic) then brings the TP/FP/FN marks up to date.
function applyLocally(index, s, { annotation, pending }) {
  if (index !== state.index) return;
  state.suggestions = state.suggestions.filter((o) => !sameTarget(o, s));
  if (pending) state.suggestions = [...state.suggestions, s].sort((a, b) => a.y - b.y || a.x - b.x);
  if (annotation) state.annotations = [...state.annotations.filter((a) => !sameTarget(a, s)), annotation];
  syncCurrentImage();
  emit("suggestions", "image", "progress");
}

// Accept or reject suggestion `s` of image `index` (all fixed when the key was pressed), as an
// undoable operation. Undo takes the decision back on the server; redo makes it again.
export function decisionOp(decision, run, set, index, s, annotator) {
  const decide = async () => {
    await bringUp(run, index);
    await api.decideSuggestion(set, index, decision, s, annotator);
    const annotation = { x: s.x, y: s.y, kind: s.kind, annotator, source: "accepted-suggestion" };
    applyLocally(index, s, { annotation: decision === "accepted" ? annotation : undefined, pending: false });
  };
  const withdraw = async () => {
    await bringUp(run, index);
    await api.withdrawDecision(set, index, s, annotator);
    // The server removed the accept's annotation unless it was there before (manual): ask it.
    if (decision === "accepted" && index === state.index) state.annotations = await api.annotations(run, index);
    applyLocally(index, s, { annotation: undefined, pending: true });
  };
  return { apply: decide, revert: withdraw };
}
