// Child process of renderPngSync: reads {svg, meta, options} as JSON on stdin, writes the PNG to stdout.

import { renderPng, type RenderOptions } from './render.js';

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const { svg, meta, options } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { svg: string; meta: Record<string, string>; options?: RenderOptions };
process.stdout.write(await renderPng(svg, meta, options));
