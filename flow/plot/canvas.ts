// A minimal RGBA raster for the plots: pixels, rectangles, lines, 5×7 text, and PNG encoding
// through pngjs (pure JS, no native canvas).

import pngjs from 'pngjs';
import type { Rgb } from './colormap.js';
import { glyph, GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH } from './font.js';

export class Canvas {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new Error(`Canvas: size must be positive integers, got ${width}×${height}`);
    }
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Set one pixel, blending with opacity `alpha` ∈ [0, 1]; outside the canvas is ignored. */
  set(x: number, y: number, c: Rgb, alpha = 1): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const k = (yi * this.width + xi) * 4;
    for (let ch = 0; ch < 3; ch++) this.data[k + ch] = Math.round(this.data[k + ch] * (1 - alpha) + c[ch] * alpha);
    this.data[k + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb, alpha = 1): void {
    for (let j = Math.max(0, y); j < Math.min(this.height, y + h); j++) {
      for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) this.set(i, j, c, alpha);
    }
  }

  /** Straight line from (x0, y0) to (x1, y1), `thickness` pixels wide (DDA over the longer axis). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const lo = -Math.floor((thickness - 1) / 2);
    const hi = lo + thickness - 1;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dy = lo; dy <= hi; dy++) for (let dx = lo; dx <= hi; dx++) this.set(x + dx, y + dy, c);
    }
  }

  /**
   * Draw `text` with its top-left corner at (x, y), each font pixel a `scale`×`scale` block.
   * `vertical` rotates it 90° counter-clockwise (reading bottom to top; (x, y) is then its bottom-left).
   */
  text(x: number, y: number, text: string, c: Rgb, options: { scale?: number; vertical?: boolean } = {}): void {
    const scale = options.scale ?? 1;
    for (let n = 0; n < text.length; n++) {
      const rows = glyph(text[n]);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let col = 0; col < GLYPH_WIDTH; col++) {
          if (!((rows[r] >> (GLYPH_WIDTH - 1 - col)) & 1)) continue;
          const u = (n * GLYPH_ADVANCE + col) * scale; // along the text
          const v = r * scale; // across the text, downwards
          if (options.vertical) this.fillRect(x + v, y - u - scale, scale, scale, c);
          else this.fillRect(x + u, y + v, scale, scale, c);
        }
      }
    }
  }

  /** Encode as a PNG file (8-bit RGBA). */
  toPng(): Buffer {
    const png = new pngjs.PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return pngjs.PNG.sync.write(png);
  }
}
