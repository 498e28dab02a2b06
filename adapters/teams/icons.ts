import { PNG } from 'pngjs';

/**
 * The two icons a Teams app package needs, drawn in code so they can be regenerated: a 192×192
 * full-colour icon and a 32×32 outline icon (white on transparent, as Teams requires). The motif is
 * a life ring — after-sales help. Edges are anti-aliased by 4×4 supersampling.
 */

type Shade = (x: number, y: number) => [number, number, number, number] | undefined;

function draw(size: number, shade: Shade): Buffer {
  const png = new PNG({ width: size, height: size });
  const n = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shade((x + (sx + 0.5) / n) / size, (y + (sy + 0.5) / n) / size);
          if (!c) continue;
          const alpha = c[3] / 255;
          r += c[0] * alpha;
          g += c[1] * alpha;
          b += c[2] * alpha;
          a += alpha;
        }
      }
      const i = (y * size + x) * 4;
      png.data[i] = a ? Math.round(r / a) : 0;
      png.data[i + 1] = a ? Math.round(g / a) : 0;
      png.data[i + 2] = a ? Math.round(b / a) : 0;
      png.data[i + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return PNG.sync.write(png);
}

/** Life ring in unit coordinates: 0 outside, 1 ring band, 2 ring stripe. */
function ring(u: number, v: number, outer: number, inner: number): 0 | 1 | 2 {
  const dx = u - 0.5;
  const dy = v - 0.5;
  const d = Math.hypot(dx, dy);
  if (d > outer || d < inner) return 0;
  const angle = Math.atan2(dy, dx) + Math.PI / 4; // stripes on the diagonals
  const sector = ((angle % (Math.PI / 2)) + Math.PI / 2) % (Math.PI / 2);
  return Math.abs(sector - Math.PI / 4) < 0.3 ? 2 : 1;
}

export const ACCENT_COLOR = '#1F6FEB';
const ACCENT: [number, number, number, number] = [0x1f, 0x6f, 0xeb, 255];
const WHITE: [number, number, number, number] = [255, 255, 255, 255];
const CORAL: [number, number, number, number] = [0xff, 0x6b, 0x5b, 255];

/** 192×192 colour icon: white and coral life ring on a rounded accent square. */
export function colorIcon(): Buffer {
  return draw(192, (u, v) => {
    const k = 0.18; // corner radius
    const cx = Math.min(Math.max(u, k), 1 - k);
    const cy = Math.min(Math.max(v, k), 1 - k);
    if (Math.hypot(u - cx, v - cy) > k) return undefined;
    const part = ring(u, v, 0.36, 0.2);
    return part === 0 ? ACCENT : part === 1 ? WHITE : CORAL;
  });
}

/** 32×32 outline icon: the life ring in white (stripes as gaps) on a transparent background. */
export function outlineIcon(): Buffer {
  return draw(32, (u, v) => {
    // Only white and transparent pixels: the stripes become gaps in the ring.
    return ring(u, v, 0.46, 0.24) === 1 ? WHITE : undefined;
  });
}
