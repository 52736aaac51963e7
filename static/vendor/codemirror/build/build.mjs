// Run once when upgrading the vendored libraries (see ../README.md); the output is committed.
// `node build.mjs <static/vendor>` (the folder to write into; default: two levels up).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const vendor = resolve(process.argv[2] || join(import.meta.dirname, '..', '..'));
const common = { bundle: true, format: 'esm', minify: true, legalComments: 'eof', target: 'es2020' };
for (const dir of ['dist', 'highlight']) rmSync(join(vendor, dir === 'dist' ? 'codemirror/dist' : dir), { recursive: true, force: true });
mkdirSync(join(vendor, 'highlight'), { recursive: true });
// One module for the editor and one per language, sharing chunks (a page loads the editor and
// the one language it needs).
await build({
  ...common,
  splitting: true,
  entryPoints: ['editor.js', 'lang-python.js', 'lang-javascript.js', 'lang-cpp.js', 'lang-java.js'],
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  outdir: join(vendor, 'codemirror', 'dist'),
});
await build({ ...common, entryPoints: ['entry-highlight.js'], outfile: join(vendor, 'highlight', 'highlight.js') });
copyFileSync('node_modules/codemirror/LICENSE', join(vendor, 'codemirror', 'LICENSE'));
copyFileSync('node_modules/highlight.js/LICENSE', join(vendor, 'highlight', 'LICENSE'));
