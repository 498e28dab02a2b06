import { PNG } from 'pngjs';

/** RGB colour. */
export type Rgb = readonly [number, number, number];

/** A tiny RGBA canvas on pngjs: rectangles and thick lines are all the digest chart needs. */
export class Raster {
  readonly png: PNG;
  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    this.png = new PNG({ width, height });
    this.rect(0, 0, width, height, background);
  }

  pixel(x: number, y: number, c: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const i = (yi * this.width + xi) * 4;
    const d = this.png.data;
    d[i] = c[0];
    d[i + 1] = c[1];
    d[i + 2] = c[2];
    d[i + 3] = 255;
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let yy = Math.round(y); yy < Math.round(y + h); yy++) for (let xx = Math.round(x); xx < Math.round(x + w); xx++) this.pixel(xx, yy, c);
  }

  /** A line `thickness` pixels wide (square brush). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = Math.floor(thickness / 2);
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      this.rect(x - r, y - r, thickness, thickness, c);
    }
  }

  toBuffer(): Buffer {
    return PNG.sync.write(this.png);
  }
}
