// Perceptual colormap for heatmaps: viridis (van der Walt & Smith, matplotlib) as an 11-stop table
// (viridisLite's viridis(11)), linearly interpolated in RGB.

export type Rgb = readonly [number, number, number];

const VIRIDIS_STOPS: readonly Rgb[] = [
  [0x44, 0x01, 0x54],
  [0x48, 0x24, 0x75],
  [0x41, 0x44, 0x87],
  [0x35, 0x5f, 0x8d],
  [0x2a, 0x78, 0x8e],
  [0x21, 0x90, 0x8d],
  [0x22, 0xa8, 0x84],
  [0x43, 0xbf, 0x71],
  [0x7a, 0xd1, 0x51],
  [0xbb, 0xdf, 0x27],
  [0xfd, 0xe7, 0x25],
];

/** Viridis colour of t ∈ [0, 1] (clamped; NaN maps to the low end). */
export function viridis(t: number): Rgb {
  const u = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t)) * (VIRIDIS_STOPS.length - 1);
  const k = Math.min(VIRIDIS_STOPS.length - 2, Math.floor(u));
  const f = u - k;
  const a = VIRIDIS_STOPS[k];
  const b = VIRIDIS_STOPS[k + 1];
  return [
    Math.round(a[0] + f * (b[0] - a[0])),
    Math.round(a[1] + f * (b[1] - a[1])),
    Math.round(a[2] + f * (b[2] - a[2])),
  ];
}

/** Categorical palette for line series (matplotlib's tab10). */
export const TAB10: readonly Rgb[] = [
  [0x1f, 0x77, 0xb4],
  [0xff, 0x7f, 0x0e],
  [0x2c, 0xa0, 0x2c],
  [0xd6, 0x27, 0x28],
  [0x94, 0x67, 0xbd],
  [0x8c, 0x56, 0x4b],
  [0xe3, 0x77, 0xc2],
  [0x7f, 0x7f, 0x7f],
  [0xbc, 0xbd, 0x22],
  [0x17, 0xbe, 0xcf],
];
