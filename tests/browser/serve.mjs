// A tiny static file server for a built site (node:http only), used by the browser suites.
//
//   import { serve } from './serve.mjs';
//   const server = await serve({ root: 'public', prefix: '/guide/' });
//   ... server.url ('http://127.0.0.1:PORT/guide/') ...
//   await server.close();
//
// or from a shell:  node tests/browser/serve.mjs <dir> [--port 8000] [--prefix /guide/] [--csp]
//
// Behaviour (the behaviour of an ordinary static host, strict where lax hosts hide bugs):
// - the site is mounted at `prefix` (the path of the site's base URL); anything outside it is 404;
// - `dir/` serves dir/index.html; `dir` (no slash) redirects (301) to `dir/` when dir/index.html exists;
// - a directory WITHOUT index.html is a 404 (no listings), whatever the trailing slash;
// - 404s are answered with the site's own 404.html (status 404) when it has one;
// - paths are decoded and normalised, and neither `..`, encoded slashes nor symbolic links can leave the root;
// - content types by extension, `X-Content-Type-Options: nosniff`, `Cache-Control: no-store`;
// - optional `Content-Security-Policy` header (default `default-src 'self'` with --csp).

import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
};

export function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function normalisePrefix(prefix) {
  let p = prefix || '/';
  if (!p.startsWith('/')) p = '/' + p;
  if (!p.endsWith('/')) p += '/';
  return p;
}

async function statOrNull(p) {
  try {
    return await fs.stat(p);
  } catch {
    return null;
  }
}

/** Is `p` inside `root` (or root itself)? Both absolute and normalised. */
function inside(root, p) {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Map a request path (still percent-encoded, without query) onto a file.
 * Returns { file } | { redirect } | { notFound: true } | { badRequest: true }.
 */
export async function resolveRequest(realRoot, prefix, rawPath) {
  if (!rawPath.startsWith(prefix)) {
    // `/guide` for prefix `/guide/`: redirect like a directory.
    if (rawPath + '/' === prefix) return { redirect: prefix };
    return { notFound: true };
  }
  const rest = rawPath.slice(prefix.length);
  // Encoded slashes and backslashes never name a real file of a static site: refuse them rather
  // than letting them change how the path splits.
  if (/%2f|%5c|\\/i.test(rest)) return { notFound: true };
  let decoded;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return { badRequest: true };
  }
  if (decoded.includes('\0')) return { badRequest: true };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { notFound: true };
  const wantsDir = decoded === '' || decoded.endsWith('/');
  const candidate = path.resolve(realRoot, ...segments.filter((s) => s !== ''));
  if (!inside(realRoot, candidate)) return { notFound: true };

  let real;
  try {
    real = await fs.realpath(candidate);
  } catch {
    return { notFound: true };
  }
  if (!inside(realRoot, real)) return { notFound: true }; // a symbolic link out of the root
  const st = await statOrNull(real);
  if (!st) return { notFound: true };
  if (st.isDirectory()) {
    const index = path.join(real, 'index.html');
    const ist = await statOrNull(index);
    if (!ist || !ist.isFile()) return { notFound: true }; // no listings, ever
    if (!wantsDir) return { redirect: prefix + rest + '/' };
    const realIndex = await fs.realpath(index);
    if (!inside(realRoot, realIndex)) return { notFound: true };
    return { file: realIndex };
  }
  if (!st.isFile()) return { notFound: true };
  if (wantsDir) return { notFound: true }; // `file.html/`
  return { file: real };
}

/**
 * Start a server. Options: root (directory), prefix ('/'), host ('127.0.0.1'), port (0 = any free port),
 * csp (string header value, or true for "default-src 'self'"), log (function for one line per request).
 */
export async function serve({ root, prefix = '/', host = '127.0.0.1', port = 0, csp = false, log = null } = {}) {
  if (!root) throw new Error('serve: root is required');
  const realRoot = await fs.realpath(path.resolve(root));
  const mount = normalisePrefix(prefix);
  const cspValue = csp === true ? "default-src 'self'" : csp || null;

  const server = http.createServer(async (req, res) => {
    const started = Date.now();
    let status = 500;
    try {
      const headers = {
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      };
      if (cspValue) headers['Content-Security-Policy'] = cspValue;

      if (req.method !== 'GET' && req.method !== 'HEAD') {
        status = 405;
        res.writeHead(status, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('method not allowed\n');
        return;
      }
      const rawPath = (req.url || '/').split(/[?#]/, 1)[0] || '/';
      const hit = await resolveRequest(realRoot, mount, rawPath);
      if (hit.file) {
        const body = await fs.readFile(hit.file);
        status = 200;
        res.writeHead(status, { ...headers, 'Content-Type': contentType(hit.file), 'Content-Length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      if (hit.redirect) {
        status = 301;
        const query = (req.url || '').includes('?') ? (req.url || '').slice((req.url || '').indexOf('?')) : '';
        res.writeHead(status, { ...headers, Location: hit.redirect + query, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`moved to ${hit.redirect}\n`);
        return;
      }
      if (hit.badRequest) {
        status = 400;
        res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('bad request\n');
        return;
      }
      status = 404;
      let body;
      let type = 'text/html; charset=utf-8';
      try {
        body = await fs.readFile(path.join(realRoot, '404.html'));
      } catch {
        body = Buffer.from('not found\n');
        type = 'text/plain; charset=utf-8';
      }
      res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      status = 500;
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${err && err.message}\n`);
    } finally {
      if (log) log(`${status} ${req.method} ${req.url} ${Date.now() - started}ms`);
    }
  });
  server.keepAliveTimeout = 1000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  return {
    origin,
    url: origin + mount,
    prefix: mount,
    port: addr.port,
    root: realRoot,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

// ---- command line ----
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opts = { port: 8000, prefix: '/', csp: false };
  let root = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--port') opts.port = Number(args[++i]);
    else if (a === '--prefix') opts.prefix = args[++i];
    else if (a === '--host') opts.host = args[++i];
    else if (a === '--csp') opts.csp = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node serve.mjs <dir> [--port N] [--prefix /path/] [--host 127.0.0.1] [--csp]');
      process.exit(0);
    } else if (!root) root = a;
    else {
      console.error(`serve.mjs: unexpected argument ${a}`);
      process.exit(2);
    }
  }
  if (!root) {
    console.error('usage: node serve.mjs <dir> [--port N] [--prefix /path/] [--host 127.0.0.1] [--csp]');
    process.exit(2);
  }
  const s = await serve({ root, ...opts, log: (line) => console.log(line) });
  console.log(`serving ${s.root} at ${s.url}`);
  const stop = async () => {
    await s.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
