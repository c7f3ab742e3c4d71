#!/bin/sh
# Subsets DejaVu Sans (assets/fonts/source/DejaVuSans.ttf, the full 2.37 release, kept in the
# repository but not packed) to the characters the figures draw: assets/fonts/DejaVuSans-figures.ttf,
# the font the SVG → PNG renderer (flow/figure/render.ts) is given. ~72 KB instead of 760 KB.
# Ranges: Basic Latin and Latin-1 and Latin Extended-A (data set and file names), Greek letters,
# ᵀ, general punctuation (– — ‘ ’ “ ” • … ‰ ′ ″), superscripts and subscripts (10⁻⁶, x₁),
# arrows (→), mathematical operators (− × ≤ ≈ ∈ √ ∞), geometric shapes (■ ▲ ● ◆ markers), ✓ ✗.
# Kerning kept, hinting dropped (resvg renders unhinted). test/font-subset.test.ts checks that the
# committed subset covers these ranges and every non-ASCII character the figure code writes.
# Needs fontTools: Debian's python3-fonttools (`apt-get install -y python3-fonttools`); PyPI's
# fonttools works the same. DejaVu's licence (assets/fonts/LICENSE-DejaVu.txt) allows a subset
# under a name without "Bitstream" or "Vera".
set -eu
cd "$(dirname "$0")/.."
UNICODES="U+0020-007E,U+00A0-017F,U+0391-03C9,U+1D40,U+2010-2027,U+2030-2033,U+2039-203A,U+2070-209F,U+2190-2199,U+2200-22FF,U+25A0-25CF,U+2713-2717"
"${PYTHON:-/usr/bin/python3}" -m fontTools.subset assets/fonts/source/DejaVuSans.ttf \
  --unicodes="$UNICODES" --layout-features=kern --no-hinting \
  --output-file=assets/fonts/DejaVuSans-figures.ttf
ls -l assets/fonts/DejaVuSans-figures.ttf
