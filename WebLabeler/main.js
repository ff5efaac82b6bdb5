// Wires the modules together: state topics → renderers, controls and shortcuts → actions.

import { state, on, emit, remember } from "./state.js";
import { UndoStack } from "./undo.js";
import { PanelView, sameTarget } from "./normmap.js";
import { installKeyboard, renderHelp } from "./keyboard.js";
import { loadRuns, selectRun, applyFilter, show, neighbour, nextUnlabeled, followHash } from "./nav.js";
import { toggleAnnotationOp, reviewedOp } from "./actions.js";
import * as view from "./view.js";
import { loadSets, selectSet, refresh, createSet, nextToReview, decisionOp, suggestionAt, currentSuggestion } from "./suggestions.js";
import { renderSuggestions, drawSuggestions } from "./suggestionview.js";
import * as similarity from "./similarity.js";
import * as ghost from "./ghost.js";

const $ = (id) => document.getElementById(id);
const COLORMAPS = ["gray", "viridis", "gray/run", "viridis/run"];

// Every user action goes through `guard`: failures become the visible error banner, and
// body[data-pending] counts actions in flight (a busy cursor; the browser test waits on it).
let pending = 0;
async function guard(fn) {
  document.body.dataset.pending = String(++pending);
  try {
    await fn();
  } catch (e) {
    view.showError(e.message ?? String(e));
    console.error(e);
  } finally {
    document.body.dataset.pending = String(--pending);
  }
}

const undo = new UndoStack(() => emit("nav"));

const panel = new PanelView({
  onHover(cell) {
    state.hover = cell;
    emit("hover");
  },
  onClick(target) {
    if (!target) return;
    const s = suggestionAt(state.hover); // a click on a suggestion accepts it
    guard(() => (s ? decide("accepted", s) : toggle(target)));
  },
  onPick: (cell) => guard(() => similarity.pick(cell)),
  onNext: () => go(neighbour(1)),
});

function requireAnnotator() {
  if (state.annotator.trim()) return true;
  view.showError("Enter your name in the Annotator field first: every label records who made it.");
  $("annotator").focus();
  return false;
}

async function toggle(target) {
  if (state.index === null || !requireAnnotator()) return; // no image loaded (the banner says why)
  const run = state.run.name, index = state.index, annotator = state.annotator.trim();
  await undo.run(() => toggleAnnotationOp(run, index, target, annotator));
}

panel.layers.push(drawSuggestions, ghost.drawGhost, similarity.drawPicked);
panel.hidesPreview = (cell) => Boolean(suggestionAt(cell));

// Accepts or rejects suggestion `s` of the current image and set, as an undoable operation.
async function decide(decision, s) {
  if (state.index === null || state.suggestionSet === null || !requireAnnotator()) return;
  const run = state.run.name, set = state.suggestionSet, index = state.index, annotator = state.annotator.trim();
  await undo.run(() => decisionOp(decision, run, set, index, s, annotator));
}

function decideCurrent(decision) {
  const s = currentSuggestion();
  if (!s) return view.showError(state.suggestionSet === null ? "Choose a suggestion set first (Suggestions card)." : "No suggestions left on this image; J jumps to the next one.");
  guard(() => decide(decision, s));
}

const go = (index) => index !== undefined && guard(() => show(index));

const actions = {
  next: () => go(neighbour(1)),
  prev: () => go(neighbour(-1)),
  first: () => go(state.list[0]),
  last: () => go(state.list.at(-1)),
  nextUnlabeled() {
    const i = nextUnlabeled();
    if (i === undefined) view.showError("Every image of this run is labeled or reviewed.");
    else go(i);
  },
  reviewed: () => guard(async () => {
    const img = state.images.get(state.index);
    if (!img || !requireAnnotator()) return;
    if (state.annotations.length > 0) {
      return view.showError("This image has anomalies marked; remove them first to mark it “no anomaly”.");
    }
    const marking = !img.reviewed;
    const run = state.run.name, index = state.index, annotator = state.annotator.trim();
    await undo.run(() => reviewedOp(run, index, marking, annotator));
    if (marking) { const n = neighbour(1); if (n !== undefined) await show(n); }
  }),
  // Keyboard cursor (STYLE: precise, keyboard-only labeling): moves the hover cell on the norm
  // map by one patch (or one token in point mode), starting from the centre.
  nudge(direction) {
    if (!state.run || state.index === null) return;
    const [dx, dy] = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] }[direction];
    const step = state.mode === "point" ? 1 : 2;
    const { gridWidth: width, gridHeight: height } = state.run;
    const from = state.hover ?? { x: Math.floor(width / 2), y: Math.floor(height / 2) };
    const clamp = (v, size) => Math.max(0, Math.min(size - 1, v));
    panel.hoverPanel = "norm";
    panel.hoverKind = state.mode;
    panel.handlers.onHover({ x: clamp(from.x + dx * step, width), y: clamp(from.y + dy * step, height) });
  },
  toggleCursor() {
    const target = panel.hoverTarget;
    if (target) guard(() => toggle(target));
  },
  jump: () => { $("jump").focus(); $("jump").select(); },
  mode() { setMode(state.mode === "point" ? "patch2x2" : "point"); },
  colormap() { setColormap(COLORMAPS[(COLORMAPS.indexOf(state.colormap) + 1) % COLORMAPS.length]); },
  filter: (f) => guard(async () => {
    await applyFilter(f);
    if (!state.list.includes(state.index) && state.list.length) await show(neighbour(1) ?? state.list[0]);
  }),
  acceptSuggestion: () => decideCurrent("accepted"),
  rejectSuggestion: () => decideCurrent("rejected"),
  // Puts the keyboard cursor on the next suggestion of the image (cycling), so Y / X act on it.
  focusSuggestion() {
    const list = state.suggestions;
    if (!list.length) return;
    const s = list[(list.indexOf(suggestionAt(state.hover)) + 1) % list.length];
    panel.hoverPanel = "norm";
    panel.hoverKind = state.mode;
    panel.handlers.onHover({ x: s.x, y: s.y });
  },
  nextSuggestions: () => guard(async () => {
    if (state.suggestionSet === null) return view.showError("Choose a suggestion set first (Suggestions card).");
    const i = await nextToReview();
    if (i === null) view.showError("Every suggestion of this set is reviewed.");
    else await show(i);
  }),
  toggleMarks() {
    state.showMarks = !state.showMarks;
    remember("marks", state.showMarks ? "1" : "0");
    emit("suggestions");
  },
  // Q: the similarity view for the token at the cursor; Q again (or Esc) back to the norm view.
  similarity() {
    if (state.similarity) return similarity.clear();
    if (!state.hover || state.index === null) return view.showError("Point at a token first (or move the W A S D cursor), then press Q.");
    guard(() => similarity.pick(state.hover));
  },
  ghost() {
    if (!ghost.candidates().length) return view.showError("No other run over this dataset with the same grid to compare with.");
    guard(ghost.toggle);
  },
  undo: () => guard(() => undo.undo()),
  redo: () => guard(() => undo.redo()),
  help() { $("help").hidden = !$("help").hidden; },
  escape() {
    $("help").hidden = true;
    document.activeElement?.blur?.();
    if (state.similarity) similarity.clear();
  },
};

function setMode(mode) {
  state.mode = mode;
  remember("mode", mode);
  emit("nav", "hover");
}

function setColormap(value) {
  state.colormap = value;
  remember("colormap", value);
  $("colormap").value = value;
  if (state.index !== null) go(state.index);
}

function bindControls() {
  $("run-picker").addEventListener("change", (e) => guard(() => selectRun(e.target.value)));
  $("annotator").value = state.annotator;
  $("annotator").addEventListener("input", (e) => {
    state.annotator = e.target.value;
    remember("annotator", e.target.value.trim());
  });
  // Enter in the name field means "done": hand the keyboard back to the shortcuts.
  $("annotator").addEventListener("keydown", (e) => { if (e.key === "Enter") e.target.blur(); });
  $("colormap").value = state.colormap;
  $("colormap").addEventListener("change", (e) => setColormap(e.target.value));
  for (const b of document.querySelectorAll("[data-mode]")) b.onclick = () => setMode(b.dataset.mode);
  for (const b of document.querySelectorAll("[data-filter]")) b.onclick = () => actions.filter(b.dataset.filter);
  $("prev").onclick = actions.prev;
  $("next").onclick = actions.next;
  $("next-unlabeled").onclick = actions.nextUnlabeled;
  $("undo").onclick = actions.undo;
  $("redo").onclick = actions.redo;
  $("reviewed").onclick = actions.reviewed;
  $("help-button").onclick = actions.help;
  // The report page gets the token and the current run.
  $("report-link").onclick = () => { $("report-link").href = `report.html${location.search}#run=${encodeURIComponent(state.run?.name ?? "")}`; };
  $("help").onclick = (e) => { if (e.target === $("help")) actions.help(); };
  $("error-close").onclick = view.hideError;
  $("jump-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const i = Number.parseInt($("jump").value, 10);
    if (!state.images.has(i)) return view.showError(`No image ${$("jump").value} in this run.`);
    $("jump").blur();
    go(i);
  });
  $("ann-list").addEventListener("click", (e) => {
    const t = e.target.closest("button[data-target]");
    if (t) guard(() => toggle(JSON.parse(t.dataset.target)));
  });
  window.addEventListener("hashchange", () => guard(followHash));
  $("ghost-run").addEventListener("change", (e) => { guard(() => ghost.choose(e.target.value)); e.target.blur(); });
  $("ghost-show").addEventListener("change", (e) => { actions.ghost(); e.target.blur(); });
  $("sim-strip-list").addEventListener("click", (e) => {
    const f = e.target.closest("figure[data-image]");
    if (f) go(Number(f.dataset.image));
  });
  $("sim-close").onclick = () => similarity.clear();
  bindSuggestionControls();
  // Holding Shift flips the click mode; redraw the preview without waiting for a mouse move.
  for (const type of ["keydown", "keyup"]) {
    window.addEventListener(type, (e) => {
      if (e.key !== "Shift" || !state.hover) return;
      panel.hoverKind = e.shiftKey ? (state.mode === "point" ? "patch2x2" : "point") : state.mode;
      emit("hover");
    });
  }
}

function bindSuggestionControls() {
  $("sugg-set").addEventListener("change", (e) => {
    guard(() => selectSet(e.target.value === "" ? null : Number(e.target.value)));
    e.target.blur(); // hand the keyboard back to the shortcuts
  });
  $("sugg-marks").addEventListener("change", (e) => { actions.toggleMarks(); e.target.blur(); });
  $("sugg-next").onclick = actions.nextSuggestions;
  $("suggestion-list").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-suggestion]");
    const s = b && state.suggestions.find((o) => sameTarget(o, JSON.parse(b.dataset.suggestion)));
    if (s) guard(() => decide(b.classList.contains("accept") ? "accepted" : "rejected", s));
  });
  $("sugg-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const button = $("sugg-create-button");
    guard(async () => {
      button.disabled = true;
      button.textContent = "detecting…";
      try {
        await createSet({ prototype: Number($("sugg-proto").value), threshold: Number($("sugg-threshold").value), unit: $("sugg-unit").value });
      } finally {
        button.disabled = false;
        button.textContent = "detect";
      }
    });
  });
}

function hoverTarget() {
  const t = panel.hoverTarget;
  return t && { ...t, exists: state.annotations.some((a) => sameTarget(a, t)), suggestion: suggestionAt(state.hover) };
}

let setsLoadedFor = null; // the run whose suggestion sets are loaded
on("runs", () => {
  view.renderRuns();
  panel.layout();
  if (state.run && state.run.name !== setsLoadedFor) {
    setsLoadedFor = state.run.name;
    guard(loadSets);
    if (state.similarity) similarity.clear(); // a token of another run's features
    ghost.restore();
  }
  ghost.renderGhost();
});
// Any change to the image (a new one, or an annotation toggled) changes its suggestions and marks.
on("image", () => guard(refresh));
on("image", () => guard(similarity.load));
on("image", () => guard(ghost.load));
// The side strip takes width from the panels: lay them out at once (not on the next resize callback),
// so the map never shows at its old size under the new view.
on("similarity", () => { similarity.renderSimilarity(); panel.layout(); view.renderReadout(hoverTarget()); });
on("ghost", () => { ghost.renderGhost(); panel.draw(); });
on("suggestions", () => { renderSuggestions(); view.renderReadout(hoverTarget()); panel.draw(); });
on("images", () => panel.setImages(state.normURL, state.sourceURL));
// A new image under a still pointer: the read-out must show the new image's norm there.
on("image", () => { view.renderImage(); view.renderReadout(hoverTarget()); panel.draw(); });
on("nav", () => view.renderNav(undo));
on("progress", view.renderProgress);
on("hover", () => { view.renderReadout(hoverTarget()); panel.draw(); if (state.suggestions.length) renderSuggestions(); });

renderHelp($("help-table"));
bindControls();
installKeyboard(actions);
view.renderNav(undo);
// data-ready marks the end of the first load, successful or not (an error is on the banner then).
guard(async () => {
  try {
    await loadRuns();
    if (!state.runs.length) view.showEmpty("No runs yet. Import features with `normlab features import`, or run `normlab demo`.");
  } catch (e) {
    const hint = e.status === 401 ? " This server needs its token: open the page as /?token=…" : "";
    view.showEmpty(`The labeler could not load its runs.${hint}`);
    throw e; // guard() puts the server's message on the banner
  } finally {
    document.body.dataset.ready = "1";
  }
});
