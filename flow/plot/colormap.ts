// Moved to flow/figure/colormap.ts with the rest of the figure code; this re-export remains only
// for demo/page.ts, which imports viridis from here (delete it once the demo imports flow/figure).
export { viridis, TAB10, type Rgb } from '../figure/colormap.js';
