// Every keyboard shortcut, in one table that both the key handler and the help overlay read,
// so the overlay can never drift from what the keys actually do.

export const SHORTCUTS = [
  { keys: ["ArrowRight"], label: "→", action: "next", text: "next image (in the current filter)" },
  { keys: ["ArrowLeft"], label: "←", action: "prev", text: "previous image" },
  { keys: ["n"], label: "N", action: "nextUnlabeled", text: "next image not looked at yet" },
  { keys: ["r"], label: "R", action: "reviewed", text: "reviewed, no anomaly (toggle); then next image" },
  { keys: ["g"], label: "G", action: "jump", text: "jump to an image index" },
  { keys: ["Home"], label: "Home / End", action: "first", text: "first / last image" },
  { keys: ["End"], label: null, action: "last" },
  { keys: ["w"], label: "W A S D", action: "nudge:up", text: "move the cursor on the map (a patch or a token at a time)" },
  { keys: ["a"], label: null, action: "nudge:left" },
  { keys: ["s"], label: null, action: "nudge:down" },
  { keys: ["d"], label: null, action: "nudge:right" },
  { keys: [" "], label: "Space", action: "toggleCursor", text: "toggle the patch (or point) at the cursor" },
  { keys: ["m"], label: "M", action: "mode", text: "switch click mode: 2×2 patch ↔ single-token point" },
  { keys: ["c"], label: "C", action: "colormap", text: "cycle colour map (gray / viridis, per image / per run)" },
  { keys: ["1"], label: "1 2 3 4", action: "filter:all", text: "filter: all / unlabeled / labeled / with anomalies" },
  { keys: ["2"], label: null, action: "filter:unlabeled" },
  { keys: ["3"], label: null, action: "filter:labeled" },
  { keys: ["4"], label: null, action: "filter:anomalies" },
  { keys: ["y"], label: "Y", action: "acceptSuggestion", text: "accept the suggestion at the cursor (else the first listed): it becomes an annotation" },
  { keys: ["x"], label: "X", action: "rejectSuggestion", text: "reject the suggestion at the cursor (else the first listed): not suggested again" },
  { keys: ["f"], label: "F", action: "focusSuggestion", text: "move the cursor to the next suggestion of this image" },
  { keys: ["j"], label: "J", action: "nextSuggestions", text: "next image with suggestions to review (wraps around)" },
  { keys: ["t"], label: "T", action: "toggleMarks", text: "show / hide TP (green), FP (orange), FN (purple) tokens of the suggestion set" },
  { keys: ["q"], label: "Q", action: "similarity", text: "similarity view: every token's cosine to the one at the cursor (Q or Esc again: norm view)" },
  { keys: ["o"], label: "O", action: "ghost", text: "show / hide another run's labels of this image (lime boxes; the run is chosen under Compare)" },
  { keys: ["ctrl+z"], label: "Ctrl+Z", action: "undo", text: "undo the last change" },
  { keys: ["ctrl+shift+z", "ctrl+y"], label: "Ctrl+Shift+Z, Ctrl+Y", action: "redo", text: "redo" },
  { keys: ["?"], label: "?", action: "help", text: "show / hide this help" },
  { keys: ["Escape"], label: "Esc", action: "escape", text: "close help, leave a text field, leave the similarity view" },
];

export const MOUSE = [
  ["click", "toggle the 2×2 patch under the cursor (snapped to even x, y)"],
  ["shift-click", "toggle a single-token point (a patch in point mode)"],
  ["click a suggestion", "accept it (dotted white box; it becomes an annotation)"],
  ["alt-click", "similarity view for the token under the cursor (as Q)"],
  ["right-click", "next image"],
  ["hover", "x, y, norm and norm ÷ image mean (and the cosine in the similarity view); crosshair on the other panel"],
];

// Canonical name of a key event: "ctrl+shift+z", "ArrowLeft", "?", "n". Cmd counts as Ctrl on macOS.
function keyName(e) {
  const ctrl = e.ctrlKey || e.metaKey;
  let key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (!ctrl) return e.key === "?" ? "?" : key;
  if (e.code === "KeyZ") key = "z"; // layout-proof: Shift turns "z" into "Z"
  if (e.code === "KeyY") key = "y";
  return `ctrl+${e.shiftKey ? "shift+" : ""}${key}`;
}

const byKey = new Map(SHORTCUTS.flatMap((s) => s.keys.map((k) => [k, s.action])));

// Calls actions[name]() for a recognised shortcut. Typing into a text field is left alone,
// except Escape (leaves the field) and Enter (the jump form handles it itself).
export function installKeyboard(actions) {
  window.addEventListener("keydown", (e) => {
    const editing = e.target.matches?.("input, select, textarea");
    const name = keyName(e);
    if (editing && name !== "Escape") return;
    if (e.altKey) return;
    const action = byKey.get(name);
    if (!action) return;
    e.preventDefault();
    const [verb, arg] = action.split(":");
    actions[verb]?.(arg, e);
  });
}

export function renderHelp(table) {
  const row = (keysHTML, text) => `<tr><th>${keysHTML}</th><td>${text}</td></tr>`;
  const kbd = (label) => label.split(/(, | \/ | )/).map((part) =>
    /^(, | \/ | )$/.test(part) ? part : `<kbd>${part}</kbd>`).join("");
  table.innerHTML = [
    ...SHORTCUTS.filter((s) => s.label).map((s) => row(kbd(s.label), s.text)),
    ...MOUSE.map(([what, text]) => row(`<span class="mouse">${what}</span>`, text)),
  ].join("");
}
