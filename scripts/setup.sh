#!/usr/bin/env bash
# Installs everything the whole test suite needs on a fresh Debian machine: the system packages
# for GPU.js's headless-gl build and its X server (xvfb), Debian's chromium for the browser
# suites, then the npm packages (gl compiled from source with all cores) and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libxi-dev libglu1-mesa-dev libglew-dev pkg-config xvfb xauth chromium)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "setup: npm ci (gl builds from source; JOBS=max)"
# --include=optional: the repository's .npmrc omits optional dependencies (gl) for the quick start
JOBS=max npm ci --include=optional --no-audit --no-fund

if ! node -e "require('gl')" 2>/dev/null; then
  echo "setup: the optional dependency gl (headless-gl) did not build; rebuilding it to show why" >&2
  JOBS=max npm rebuild gl
  node -e "require('gl')"
fi
echo "setup: done"
