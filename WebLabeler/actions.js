// The undoable changes a labeler can make, as operations for UndoStack: toggling an annotation and
// marking an image "reviewed, no anomaly". Each operation remembers its run and image, so undoing
// a change made on another image first brings that image back on screen, then reverts it there.

import { api } from "./backend.js";
import { state, emit, syncCurrentImage } from "./state.js";
import { selectRun, show } from "./nav.js";
import { sameTarget } from "./normmap.js";

async function bringUp(run, index) {
  if (state.run?.name !== run) await selectRun(run, index);
  else if (state.index !== index) await show(index);
}

// Mirrors a successful request in local state instead of re-fetching the image.
function applyLocally(index, annotation, present) {
  if (index === state.index) {
    state.annotations = state.annotations.filter((a) => !sameTarget(a, annotation));
    if (present) state.annotations.push(annotation);
    syncCurrentImage();
  } else {
    const img = state.images.get(index);
    if (img) {
      img.annotationCount = Math.max(0, img.annotationCount + (present ? 1 : -1));
      img.labeled = img.annotationCount > 0 || img.reviewed;
    }
  }
  emit("image", "progress");
}

// Toggles `target` on image `index` of `run` (both fixed at click time). Whether that adds or
// removes is decided now, when the queue runs it; a removed annotation is kept whole so undo
// restores its annotator and source. `annotator` is the person at the keyboard.
export async function toggleAnnotationOp(run, index, target, annotator) {
  const onScreen = state.run?.name === run && state.index === index;
  const current = onScreen ? state.annotations : await api.annotations(run, index);
  const existing = current.find((a) => sameTarget(a, target));
  const annotation = existing ?? { ...target, annotator, source: "manual" };
  const add = async () => {
    await bringUp(run, index);
    await api.addAnnotation(run, index, annotation);
    applyLocally(index, annotation, true);
  };
  const remove = async () => {
    await bringUp(run, index);
    await api.removeAnnotation(run, index, annotation, annotator);
    applyLocally(index, annotation, false);
  };
  return existing ? { apply: remove, revert: add } : { apply: add, revert: remove };
}

export function reviewedOp(run, index, reviewed, annotator) {
  const set = (value) => async () => {
    await bringUp(run, index);
    await api.setReviewed(run, index, value, annotator);
    syncCurrentImage({ reviewed: value });
    emit("image", "progress");
  };
  return { apply: set(reviewed), revert: set(!reviewed) };
}
