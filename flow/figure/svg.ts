// Small helpers for composing SVG text: escaping, elements, number formatting for coordinates.

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate with two decimals (enough at these sizes, and the files stay small). */
export const n2 = (v: number): string => String(Math.round(v * 100) / 100);

export type Attrs = Record<string, string | number | undefined>;

export function el(tag: string, attrs: Attrs, children?: string | readonly string[]): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n2(v) : esc(String(v))}"`)
    .join('');
  if (children === undefined) return `<${tag}${a}/>`;
  return `<${tag}${a}>${typeof children === 'string' ? children : children.join('')}</${tag}>`;
}

/** Text; `anchor` start | middle | end, `rotate` in degrees about (x, y). */
export function text(x: number, y: number, s: string, o: { size?: number; anchor?: string; rotate?: number; weight?: string; fill?: string; baseline?: string } = {}): string {
  return el('text', {
    x, y,
    'font-size': o.size ?? 13,
    'text-anchor': o.anchor,
    'dominant-baseline': o.baseline,
    'font-weight': o.weight,
    fill: o.fill ?? '#222',
    transform: o.rotate === undefined ? undefined : `rotate(${o.rotate} ${n2(x)} ${n2(y)})`,
  }, esc(s));
}

/** A whole document: white background, DejaVu Sans (the font the renderer is given). */
export function svgDocument(width: number, height: number, body: readonly string[], meta?: { title?: string; description?: string }): string {
  const head = [
    meta?.title === undefined ? '' : el('title', {}, esc(meta.title)),
    meta?.description === undefined ? '' : el('desc', {}, esc(meta.description)),
  ].join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans">` +
    `${head}<rect width="100%" height="100%" fill="white"/>${body.join('\n')}</svg>\n`;
}

/**
 * Approximate advance width of `s` in DejaVu Sans at `size` px (average glyph ≈ 0.6 em; digits and
 * most lower case are narrower, capitals wider). Used to size margins and legends, never to clip.
 */
export function textWidth(s: string, size: number): number {
  let w = 0;
  for (const ch of s) w += /[A-Z@%MW]/.test(ch) ? 0.72 : /[ .,:;'|!il1()\[\]]/.test(ch) ? 0.33 : 0.6;
  return w * size;
}
