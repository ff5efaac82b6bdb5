// The two linked panels: the norm map (one pixel per token, upscaled pixelated) and the source
// image, each with an overlay canvas for annotations, the hover box and the crosshair.
// Both panels share one integer cell size, so a token is always a whole number of screen pixels
// and the grid lines up exactly at 32×32, 48×48, 64×64 and non-square grids alike.

import { state } from "./state.js";

const COLORS = {
  patch2x2: "#ff3d7f",
  point: "#2fd3ff",
  preview: "#ffe14d",
  remove: "#ff8a3d",
  crosshair: "rgba(255, 225, 77, 0.75)",
};

// The annotation a click on `cell` would toggle: patches snap to even coordinates (upper-left token
// of the 2×2 patch) and must fit in the grid; points are the token itself.
export function targetFor(cell, kind) {
  const { gridWidth: width, gridHeight: height } = state.run;
  if (kind === "point") return { x: cell.x, y: cell.y, kind };
  const snap = (v, size) => Math.min(v - (v % 2), (size - 2) - ((size - 2) % 2));
  if (width < 2 || height < 2) return null;
  return { x: snap(cell.x, width), y: snap(cell.y, height), kind };
}

export const sameTarget = (a, b) => a.x === b.x && a.y === b.y && a.kind === b.kind;

export class PanelView {
  // handlers: {onHover(cell|null), onClick(cell, event), onPick(cell), onNext()}
  constructor(handlers) {
    this.handlers = handlers;
    this.cell = 1;
    // Extra drawings, each (ctx, panel, cell) after the annotations (suggestions.js adds one), and
    // whether the click preview should step aside for one of them at a cell.
    this.layers = [];
    this.hidesPreview = () => false;
    this.panels = ["norm", "source"].map((name) => ({
      name,
      root: document.getElementById(`${name}-panel`),
      stage: document.getElementById(`${name}-stage`),
      img: document.getElementById(`${name}-img`),
      canvas: document.getElementById(`${name}-overlay`),
    }));
    for (const p of this.panels) this.#bindPointer(p);
    new ResizeObserver(() => this.layout()).observe(document.getElementById("panels"));
  }

  get norm() { return this.panels[0]; }
  get source() { return this.panels[1]; }

  // Sets the norm map and (optional) source image object URLs; null hides the source panel.
  setImages(normURL, sourceURL) {
    for (const [p, url] of [[this.norm, normURL], [this.source, sourceURL]]) {
      if (p.img.src?.startsWith("blob:")) URL.revokeObjectURL(p.img.src);
      if (url) p.img.src = url; else p.img.removeAttribute("src");
    }
    this.norm.root.hidden = !normURL; // both stay hidden until the first image has loaded
    this.source.root.hidden = !sourceURL;
    this.layout();
  }

  layout() {
    if (!state.run) return;
    const { gridWidth: w, gridHeight: h } = state.run;
    const box = document.getElementById("panels").getBoundingClientRect();
    const visible = this.panels.filter((p) => !p.root.hidden);
    const gap = 24 * (visible.length - 1);
    const captionHeight = 28;
    const perPanel = (box.width - gap) / visible.length;
    this.cell = Math.max(1, Math.floor(Math.min(perPanel / w, (box.height - captionHeight) / h)));
    const dpr = window.devicePixelRatio || 1;
    for (const p of this.panels) {
      const cssW = w * this.cell, cssH = h * this.cell;
      for (const el of [p.img, p.canvas, p.stage]) {
        el.style.width = `${cssW}px`;
        el.style.height = `${cssH}px`;
      }
      p.canvas.dataset.gridWidth = w; // lets tools (and the browser test) map pixels to tokens
      p.canvas.width = Math.round(cssW * dpr);
      p.canvas.height = Math.round(cssH * dpr);
    }
    this.draw();
  }

  draw() {
    for (const p of this.panels) {
      if (p.root.hidden || !state.run) continue;
      const ctx = p.canvas.getContext("2d");
      const scale = p.canvas.width / (state.run.gridWidth * this.cell);
      ctx.setTransform(scale, 0, 0, scale, 0, 0);
      ctx.clearRect(0, 0, p.canvas.width, p.canvas.height);
      for (const a of state.annotations) this.#box(ctx, a, COLORS[a.kind] ?? COLORS.patch2x2, false);
      for (const layer of this.layers) layer(ctx, p, this.cell);
      this.#drawHover(ctx, p);
    }
  }

  #drawHover(ctx, panel) {
    const cell = state.hover;
    if (!cell) return;
    const c = this.cell;
    if (panel.name !== this.hoverPanel) {
      // Crosshair on the other panel: where the pointer is, in that panel's pixels.
      ctx.strokeStyle = COLORS.crosshair;
      ctx.lineWidth = 1;
      ctx.setLineDash([]);
      const cx = (cell.x + 0.5) * c, cy = (cell.y + 0.5) * c;
      ctx.beginPath();
      ctx.moveTo(cx, 0); ctx.lineTo(cx, state.run.gridHeight * c);
      ctx.moveTo(0, cy); ctx.lineTo(state.run.gridWidth * c, cy);
      ctx.stroke();
    }
    const target = this.hoverTarget;
    if (target && !this.hidesPreview(cell)) {
      const exists = state.annotations.some((a) => sameTarget(a, target));
      this.#box(ctx, target, exists ? COLORS.remove : COLORS.preview, true);
    }
  }

  // Outline of an annotation (or preview). Saved annotations are drawn on the cell borders and not
  // filled, so the norm values under them stay visible; the dashed preview sits just inside. A dark
  // halo under each line keeps it visible on white patches and on viridis yellow alike; boxes at
  // the grid's edge are pulled inside so no side is clipped.
  #box(ctx, a, color, dashed) {
    const c = this.cell, n = a.kind === "point" ? 1 : 2;
    const width = Math.max(1.5, Math.min(3, c / 6));
    const inset = dashed ? Math.min(2, c / 4) + width / 2 : -width / 2;
    const maxX = state.run.gridWidth * c - width / 2, maxY = state.run.gridHeight * c - width / 2;
    const x0 = Math.max(width / 2, a.x * c + inset), y0 = Math.max(width / 2, a.y * c + inset);
    const x1 = Math.min(maxX, (a.x + n) * c - inset), y1 = Math.min(maxY, (a.y + n) * c - inset);
    ctx.setLineDash(dashed ? [Math.max(3, c / 3), Math.max(2, c / 5)] : []);
    ctx.strokeStyle = "rgba(0, 0, 0, 0.65)";
    ctx.lineWidth = width + 2;
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  }

  get hoverTarget() {
    return state.hover && state.run ? targetFor(state.hover, this.hoverKind ?? state.mode) : null;
  }

  #cellAt(panel, event) {
    const r = panel.canvas.getBoundingClientRect();
    const x = Math.floor((event.clientX - r.left) / this.cell);
    const y = Math.floor((event.clientY - r.top) / this.cell);
    const { gridWidth: width, gridHeight: height } = state.run;
    return x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null;
  }

  #bindPointer(panel) {
    const el = panel.canvas;
    const kindFor = (e) => (e.shiftKey ? (state.mode === "point" ? "patch2x2" : "point") : state.mode);
    el.addEventListener("mousemove", (e) => {
      if (!state.run) return;
      this.hoverPanel = panel.name;
      this.hoverKind = kindFor(e);
      this.handlers.onHover(this.#cellAt(panel, e));
    });
    el.addEventListener("mouseleave", () => this.handlers.onHover(null));
    // No text selection on fast clicks; preventing that also keeps focus where it was, so leave a
    // text field (the annotator name) explicitly, or the next shortcut would be typed into it.
    el.addEventListener("mousedown", (e) => {
      e.preventDefault();
      document.activeElement?.blur?.();
    });
    el.addEventListener("click", (e) => {
      if (!state.run || e.button !== 0) return;
      const cell = this.#cellAt(panel, e);
      if (cell && e.altKey) this.handlers.onPick(cell); // the similarity view's token
      else if (cell) this.handlers.onClick(targetFor(cell, kindFor(e)));
    });
    // Right-click = next image, as in the original labeler.
    el.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      this.handlers.onNext();
    });
  }
}
