// Detector suggestions (issue 6, "Review in the labeler"): the detections of a suggestion set are
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

// The run's sets and the prototypes that fit it; re-selects the set chosen last time for this run
// (the newest one the first time).
export async function loadSets() {
  const run = state.run?.name;
  if (!run) return;
  const [sets, prototypes] = await Promise.all([api.suggestionSets(run), api.prototypes(run)]);
  if (state.run?.name !== run) return;
  state.suggestionSets = sets;
  state.prototypes = prototypes;
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

// Pending suggestions and TP/FP/FN tokens of the current image for the chosen set.
export async function refresh() {
  const serial = ++loadSerial;
  const run = state.run?.name, set = state.suggestionSet, index = state.index;
  if (!run || set === null || index === null) {
    state.suggestions = [];
    state.classification = null;
    emit("suggestions");
    return;
  }
  const body = await api.suggestionImage(run, set, index);
  if (serial !== loadSerial) return;
  state.suggestions = body.suggestions;
  state.classification = body.classification;
  updateCounts(set, body.counts);
  emit("suggestions");
}

function updateCounts(id, counts) {
  const set = state.suggestionSets.find((s) => s.id === id);
  if (set && counts) set.counts = counts;
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
  return api.nextSuggestionImage(state.run.name, state.suggestionSet, state.index ?? -1);
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
  if (annotation !== undefined) {
    state.annotations = state.annotations.filter((a) => !sameTarget(a, s));
    if (annotation) state.annotations.push(annotation);
    syncCurrentImage();
  }
  emit("suggestions", "image", "progress");
}

// Accept or reject suggestion `s` of image `index` (all fixed when the key was pressed), as an
// undoable operation. Undo withdraws the decision; redo makes it again.
export function decisionOp(decision, run, set, index, s, annotator) {
  let changed = false; // an accept or reject that was already made (by another client) undoes to nothing
  const decide = async () => {
    await bringUp(run, index);
    const reply = await api.decideSuggestion(run, set, index, decision, s, annotator);
    changed = reply.changed;
    updateCounts(set, reply.counts);
    const annotation = reply.annotation ? { x: s.x, y: s.y, kind: s.kind, annotator: reply.annotation.annotator, source: reply.annotation.source } : undefined;
    applyLocally(index, s, { annotation: decision === "accepted" ? annotation : undefined, pending: false });
  };
  const withdraw = async () => {
    await bringUp(run, index);
    if (!changed) return;
    const reply = await api.withdrawDecision(run, set, index, s, annotator);
    updateCounts(set, reply.counts);
    // The server removed the accept's annotation unless it was there before (manual): ask it.
    if (decision === "accepted" && index === state.index) state.annotations = await api.annotations(run, index);
    applyLocally(index, s, { annotation: undefined, pending: true });
    syncCurrentImage();
  };
  return { apply: decide, revert: withdraw };
}
