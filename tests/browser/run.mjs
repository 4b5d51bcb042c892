#!/usr/bin/env node
// Browser, accessibility, link and HTML checks for an already-built kneeguide site.
//
//   node tests/browser/run.mjs <site-dir> [--base-url URL] [--only links,html,pages,tree] [--jobs 2] [--verbose]
//
// Suites (see README section in the report printed at the end):
//   links  every internal href/src/srcset (a, link, script, img, source, meta og:*) in every HTML file resolves to
//          a file, every #fragment to an id in the target page; sitemap.xml <-> pages; 404.html uses no relative links
//   html   the Nu HTML Checker (vnu.jar, on the machine's java) over the whole site, errors only
//   pages  every sitemap page + 404.html (served as a real 404 at a nested missing URL) in Chromium:
//          axe-core at 390x844 and 1280x800, no console errors / failed requests / requests to other origins,
//          no horizontal scroll at 320, 390 and 1280 px, no inline script/style/style=/on*= (CSP default-src 'self',
//          also sent as a header, so violations show up as console errors too); on cause pages at 390x844
//          the first emergency or same-day care card's heading is within the first screen
//   tree   the decision tree, walked depth-first per the data-dt-* markup contract, with JavaScript on and off;
//          both walks must find the same paths; focus and title after each step; one path by keyboard only;
//          step/outcome pages missing from the sitemap get the "pages" checks too, and every state the script
//          renders in place is checked with axe.
//   offline  with service workers allowed: one visit to the home page fills the cache with every URL sw.js
//          lists; then, with the network off, two decision-tree paths (first answers, last answers) are walked
//          with JavaScript and every cause page and the symptoms page open from the cache.
//   symptoms  the symptoms A-Z with JavaScript off (every entry shown, no filter box) and on (the filter box
//          narrows the list as one types, says how many are shown, and says so when nothing matches; axe on
//          the filtered state).
// Exit status: 0 all passed, 1 some check failed, 2 the checks could not run (usage, missing tools).

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SUITES = ['links', 'html', 'pages', 'tree', 'symptoms', 'offline'];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_EXTRA_RULES = ['heading-order', 'landmark-one-main', 'page-has-heading-one'];
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];
const NARROW = { width: 320, height: 640 };
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const CSP = "default-src 'self'";
const STEP_TIMEOUT_MS = 5000;
const MAX_DEPTH = 40;

// ---------------------------------------------------------------- arguments

function usage(msg) {
  if (msg) console.error(`run.mjs: ${msg}`);
  console.error(
    'usage: node tests/browser/run.mjs <site-dir> [--base-url URL] [--only links,html,pages,tree] [--jobs N] [--verbose]',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { site: null, baseUrl: null, only: new Set(SUITES), jobs: 2, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--base-url') opts.baseUrl = val();
    else if (a === '--only') {
      opts.only = new Set(val().split(',').map((s) => s.trim()).filter(Boolean));
      for (const s of opts.only) if (!SUITES.includes(s)) usage(`unknown suite ${s} (one of ${SUITES.join(', ')})`);
    } else if (a === '--jobs') opts.jobs = Math.max(1, Number(val()) || 1);
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (!opts.site) opts.site = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.site) usage('the site directory is required');
  return opts;
}

// ---------------------------------------------------------------- results

class Suite {
  constructor(name) {
    this.name = name;
    this.checked = '';
    this.failures = [];
    this.notes = [];
    this.started = Date.now();
    this.ms = null;
  }
  fail(where, what) {
    this.failures.push({ where, what });
  }
  note(msg) {
    this.notes.push(msg);
  }
  done(checked) {
    this.checked = checked;
    this.ms = Date.now() - this.started;
    return this;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (ms) => (ms == null ? '-' : `${(ms / 1000).toFixed(1)}s`);

// ---------------------------------------------------------------- a tiny HTML scanner (no browser; fast)

const NAMED_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (m, e) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      try {
        return String.fromCodePoint(n);
      } catch {
        return m;
      }
    }
    return NAMED_ENTITIES[e.toLowerCase()] ?? m;
  });
}

const TAG_RE = /<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTR_RE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** Tags with their attributes (lower-cased names, decoded values) and line numbers. */
function scanHtml(src) {
  // Blank out comments and raw-text element contents, keeping offsets (for line numbers).
  const blank = (m) => m.replace(/[^\n]/g, ' ');
  let text = src.replace(/<!--[\s\S]*?-->/g, blank);
  text = text.replace(/(<(script|style|textarea|title)\b[^>]*>)([\s\S]*?)(<\/\2\s*>)/gi, (m, open, _t, body, close) => open + blank(body) + close);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (off) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const tags = [];
  for (const m of text.matchAll(TAG_RE)) {
    const attrs = {};
    for (const a of (m[2] || '').matchAll(ATTR_RE)) {
      const name = a[1].toLowerCase();
      if (name in attrs) continue;
      attrs[name] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
    }
    tags.push({ name: m[1].toLowerCase(), attrs, line: lineOf(m.index) });
  }
  return tags;
}

function parseSrcset(v) {
  return v
    .split(/,(?=\s*\S)/)
    .map((c) => c.trim().split(/\s+/)[0])
    .filter(Boolean);
}

// ---------------------------------------------------------------- site files, base URL, sitemap

function walkFiles(root) {
  const out = [];
  const rec = (dir, rel) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) rec(path.join(dir, e.name), r);
      else if (e.isFile() || e.isSymbolicLink()) out.push(r);
    }
  };
  rec(root, '');
  return out.sort();
}

function readText(site, rel) {
  try {
    return fs.readFileSync(path.join(site, rel), 'utf8');
  } catch {
    return null;
  }
}

function sitemapLocs(xml) {
  return [...xml.matchAll(/<loc>\s*([\s\S]*?)\s*<\/loc>/g)].map((m) => decodeEntities(m[1].replace(/^<!\[CDATA\[|\]\]>$/g, '')));
}

function withSlash(u) {
  return u.endsWith('/') ? u : u + '/';
}

/** The site's base URL: --base-url, else robots.txt's Sitemap line, else index.html's canonical, else the sitemap's common prefix. */
function detectBaseUrl(site, given) {
  const tryUrl = (s, how) => {
    try {
      const u = new URL(s);
      u.hash = '';
      u.search = '';
      return { url: withSlash(u.href), how };
    } catch {
      return null;
    }
  };
  if (given) {
    const r = tryUrl(given, '--base-url');
    if (!r) usage(`--base-url ${given} is not an absolute URL`);
    return r;
  }
  const robots = readText(site, 'robots.txt');
  const sm = robots && robots.match(/^\s*sitemap:\s*(\S+)\s*$/im);
  if (sm && /sitemap\.xml$/.test(sm[1])) {
    const r = tryUrl(sm[1].replace(/sitemap\.xml$/, ''), 'robots.txt Sitemap line');
    if (r) return r;
  }
  const index = readText(site, 'index.html');
  if (index) {
    const canon = scanHtml(index).find((t) => t.name === 'link' && /(^|\s)canonical(\s|$)/i.test(t.attrs.rel || '') && t.attrs.href);
    if (canon && /^https?:/i.test(canon.attrs.href)) {
      const r = tryUrl(canon.attrs.href, 'canonical link of index.html');
      if (r) return r;
    }
  }
  const xml = readText(site, 'sitemap.xml');
  const locs = xml ? sitemapLocs(xml) : [];
  if (locs.length) {
    let prefix = locs[0];
    for (const l of locs) while (!l.startsWith(prefix)) prefix = prefix.slice(0, -1);
    prefix = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const r = tryUrl(prefix, 'common prefix of sitemap.xml URLs');
    if (r) return r;
  }
  return { url: 'http://localhost/', how: 'default (no robots.txt, canonical or sitemap found)' };
}

/** Map a URL under the base onto a file of the site: { file } | { dirNoSlash } | { missing } | { outside }. */
function urlToFile(files, baseUrl, url) {
  const u = new URL(url);
  const base = new URL(baseUrl);
  if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname)) return { outside: true };
  let rest;
  try {
    rest = decodeURIComponent(u.pathname.slice(base.pathname.length));
  } catch {
    return { missing: true, rest: u.pathname };
  }
  if (rest.split('/').some((s) => s === '..' || s === '.')) return { outside: true };
  if (rest === '' || rest.endsWith('/')) {
    const f = rest + 'index.html';
    return files.has(f) ? { file: f } : { missing: true, rest: f };
  }
  if (files.has(rest)) return { file: rest };
  if (files.has(rest + '/index.html')) return { dirNoSlash: true, rest };
  return { missing: true, rest };
}

function isNoindex(tags) {
  return tags.some((t) => t.name === 'meta' && (t.attrs.name || '').toLowerCase() === 'robots' && /noindex/i.test(t.attrs.content || ''));
}

// ---------------------------------------------------------------- suite: links (node only)

function runLinks(site, baseUrl, fileList) {
  const suite = new Suite('links');
  const files = new Set(fileList);
  const htmlFiles = fileList.filter((f) => /\.html?$/i.test(f));
  const pages = new Map(); // rel -> { ids:Set, tags, noindex }
  for (const f of htmlFiles) {
    const tags = scanHtml(readText(site, f));
    const ids = new Set();
    for (const t of tags) {
      if (t.attrs.id) ids.add(t.attrs.id);
      if (t.name === 'a' && t.attrs.name) ids.add(t.attrs.name);
    }
    pages.set(f, { tags, ids, noindex: isNoindex(tags) });
  }

  let refs = 0;
  let external = 0;
  const check = (f, line, tagName, attr, value, { fragments = true } = {}) => {
    refs++;
    const where = `${f}:${line}`;
    const v = value.trim();
    const what = `<${tagName} ${attr}="${value}">`;
    if (v === '') return suite.fail(where, `${what}: empty ${attr}`);
    if (/^javascript:/i.test(v)) return suite.fail(where, `${what}: javascript: URLs are not allowed (CSP)`);
    if (/^(mailto|tel|sms|data|blob):/i.test(v)) return;
    if (/^[a-z][a-z0-9+.-]*:/i.test(v) || v.startsWith('//')) {
      const abs = new URL(v, baseUrl);
      if (!/^https?:$/.test(abs.protocol) || !abs.href.startsWith(baseUrl)) {
        external++;
        return;
      }
    } else if (f === '404.html' && !v.startsWith('/') && !v.startsWith('#')) {
      return suite.fail(where, `${what}: relative URL in 404.html, which the host serves at any depth; use an absolute path under the base URL's path`);
    }
    const page = pages.get(f);
    const baseTag = page.tags.find((t) => t.name === 'base' && t.attrs.href);
    const fileUrl = new URL(f, baseUrl);
    const pageUrl = baseTag ? new URL(baseTag.attrs.href, fileUrl) : fileUrl;
    let target;
    try {
      target = new URL(v, pageUrl);
    } catch {
      return suite.fail(where, `${what}: not a valid URL`);
    }
    const hit = urlToFile(files, baseUrl, target.href);
    if (hit.outside) return suite.fail(where, `${what}: resolves to ${target.href}, outside the site (${baseUrl})`);
    if (hit.dirNoSlash) return suite.fail(where, `${what}: links to the folder ${hit.rest} without a trailing slash (relies on a server redirect; write ${hit.rest}/)`);
    if (hit.missing) {
      const dir = hit.rest.replace(/(^|\/)index\.html$/, '');
      if (dir !== hit.rest && fs.existsSync(path.join(site, dir)) && fs.statSync(path.join(site, dir)).isDirectory()) {
        return suite.fail(where, `${what}: ${dir || '(site root)'} is a folder without index.html (a static host answers 404)`);
      }
      return suite.fail(where, `${what}: no such file ${hit.rest} in the site`);
    }
    if (!fragments || !target.hash || target.hash === '#') return;
    let frag;
    try {
      frag = decodeURIComponent(target.hash.slice(1));
    } catch {
      frag = target.hash.slice(1);
    }
    const tp = pages.get(hit.file);
    if (!tp) return suite.fail(where, `${what}: #${frag} points into ${hit.file}, which is not an HTML page`);
    if (!tp.ids.has(frag)) return suite.fail(where, `${what}: ${hit.file} has no element with id="${frag}"`);
  };

  for (const [f, page] of pages) {
    for (const t of page.tags) {
      const a = t.attrs;
      if (t.name === 'a' || t.name === 'area') {
        if ('href' in a) check(f, t.line, t.name, 'href', a.href);
      } else if (t.name === 'link') {
        const rel = (a.rel || '').toLowerCase();
        if ('href' in a && !/\b(preconnect|dns-prefetch)\b/.test(rel)) check(f, t.line, 'link', 'href', a.href, { fragments: false });
      } else if (t.name === 'script' || t.name === 'iframe') {
        if ('src' in a) check(f, t.line, t.name, 'src', a.src, { fragments: false });
      } else if (t.name === 'img' || t.name === 'source' || t.name === 'video' || t.name === 'audio' || t.name === 'track') {
        if ('src' in a) check(f, t.line, t.name, 'src', a.src, { fragments: false });
        if (t.name === 'img' && !('src' in a)) suite.fail(`${f}:${t.line}`, '<img> without src');
        if ('srcset' in a) for (const u of parseSrcset(a.srcset)) check(f, t.line, t.name, 'srcset', u, { fragments: false });
        if (t.name === 'video' && 'poster' in a) check(f, t.line, t.name, 'poster', a.poster, { fragments: false });
      } else if (t.name === 'meta' && /^(og:(url|image)|twitter:image)$/i.test(a.property || a.name || '') && a.content) {
        if (a.content.startsWith(baseUrl)) check(f, t.line, 'meta', 'content', a.content, { fragments: false });
      } else if (t.name === 'form' && a.action) {
        check(f, t.line, 'form', 'action', a.action);
      }
    }
  }

  // url(...) and @import in stylesheets
  for (const f of fileList.filter((x) => /\.css$/i.test(x))) {
    const css = readText(site, f).replace(/\/\*[\s\S]*?\*\//g, '');
    const fileUrl = new URL(f, baseUrl);
    for (const m of css.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/g)) {
      const v = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '').trim();
      if (!v || v.startsWith('#') || /^(data|blob):/i.test(v)) continue;
      refs++;
      const where = `${f}:${css.slice(0, m.index).split('\n').length}`;
      const target = new URL(v, fileUrl);
      if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(v) && !target.href.startsWith(baseUrl)) {
        suite.fail(where, `url(${v}): stylesheets must not load from other origins`);
        continue;
      }
      const hit = urlToFile(files, baseUrl, target.href);
      if (hit.outside) suite.fail(where, `url(${v}): resolves to ${target.href}, outside the site`);
      else if (!hit.file) suite.fail(where, `url(${v}): no such file ${hit.rest || v} in the site`);
    }
  }

  // sitemap.xml <-> pages
  const xml = readText(site, 'sitemap.xml');
  const inSitemap = new Set();
  if (xml == null) suite.fail('sitemap.xml', 'missing');
  else {
    const locs = sitemapLocs(xml);
    if (!locs.length) suite.fail('sitemap.xml', 'lists no <loc> URLs');
    for (const loc of locs) {
      let hit;
      try {
        hit = urlToFile(files, baseUrl, loc);
      } catch {
        suite.fail('sitemap.xml', `${loc}: not an absolute URL`);
        continue;
      }
      if (hit.outside) suite.fail('sitemap.xml', `${loc}: not under the base URL ${baseUrl}`);
      else if (hit.dirNoSlash) suite.fail('sitemap.xml', `${loc}: folder URL without trailing slash`);
      else if (hit.missing) suite.fail('sitemap.xml', `${loc}: no such file ${hit.rest}`);
      else {
        if (inSitemap.has(hit.file)) suite.fail('sitemap.xml', `${loc}: listed twice`);
        inSitemap.add(hit.file);
        if (hit.file === '404.html') suite.fail('sitemap.xml', `${loc}: 404.html must not be in the sitemap`);
        else if (pages.get(hit.file)?.noindex) suite.fail('sitemap.xml', `${loc}: the page says noindex but is in the sitemap`);
      }
    }
    for (const [f, p] of pages) {
      if (f === '404.html' || p.noindex || inSitemap.has(f)) continue;
      suite.fail(f, 'HTML page missing from sitemap.xml (every page except 404.html must be listed, unless it is marked <meta name="robots" content="noindex">)');
    }
  }
  if (!files.has('404.html')) suite.fail('404.html', 'missing');
  if (!files.has('robots.txt')) suite.fail('robots.txt', 'missing');
  if (!files.has('index.html')) suite.fail('index.html', 'missing');
  suite.note(`${external} external links not followed`);
  return suite.done(`${refs} refs in ${htmlFiles.length} HTML files`);
}

// ---------------------------------------------------------------- suite: html (vnu)

function runVnu(site) {
  const suite = new Suite('html (vnu)');
  const jar = path.join(HERE, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
  return new Promise((resolve) => {
    if (!fs.existsSync(jar)) {
      suite.fail('vnu.jar', `not found at ${jar}: run \`npm ci --ignore-scripts\` in tests/browser`);
      return resolve(suite.done('-'));
    }
    const java = process.env.JAVA || 'java';
    // --no-langdetect only drops a language-guessing *warning* (never an error) and saves ~5 s of start-up;
    // serial GC and the C1 compiler start the JVM ~2x faster for a run this short.
    const args = ['-Xss4m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-jar', jar];
    args.push('--errors-only', '--no-langdetect', '--skip-non-html', '--format', 'json', path.resolve(site));
    const child = spawn(java, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => {
      suite.fail('java', `cannot run ${java}: ${err.message} (install default-jre-headless)`);
      resolve(suite.done('-'));
    });
    child.on('close', (code) => {
      let msgs = null;
      const start = out.indexOf('{');
      try {
        msgs = JSON.parse(out.slice(start)).messages;
      } catch {
        /* not JSON: reported raw below */
      }
      const root = path.resolve(site);
      let count = 0;
      const htmlCount = walkFiles(site).filter((f) => /\.html?$/i.test(f)).length;
      if (msgs) {
        for (const m of msgs) {
          if (m.type !== 'error' && !(m.type === 'non-document-error')) continue;
          count++;
          let file = (m.url || '').replace(/^file:/, '');
          try {
            file = decodeURIComponent(file);
          } catch {
            /* keep */
          }
          file = path.relative(root, file) || file;
          const loc = m.lastLine ? `${file}:${m.firstLine ?? m.lastLine}:${m.firstColumn ?? m.lastColumn ?? 0}` : file;
          const extract = m.extract ? `  [${m.extract.replace(/\s+/g, ' ').trim().slice(0, 100)}]` : '';
          suite.fail(loc, `${m.message}${extract}`);
        }
      }
      if (code !== 0 && count === 0) suite.fail('vnu', `exited with ${code}: ${out.trim().slice(0, 2000)}`);
      resolve(suite.done(`${htmlCount} HTML files`));
    });
  });
}

// ---------------------------------------------------------------- browser helpers

function axeSource() {
  return fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
}

const AXE_OPTIONS = {
  runOnly: { type: 'tag', values: AXE_TAGS },
  rules: Object.fromEntries(AXE_EXTRA_RULES.map((r) => [r, { enabled: true }])),
  resultTypes: ['violations'],
};

async function runAxe(page, src) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(src);
  const res = await page.evaluate((opts) => window.axe.run(document, opts), AXE_OPTIONS);
  return res.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    url: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: (n.failureSummary || '').split('\n').slice(0, 2).join(' ').replace(/\s+/g, ' ').trim() })),
  }));
}

function formatAxe(v, label) {
  const nodes = v.nodes
    .slice(0, 4)
    .map((n) => `\n        ${n.target}  ${n.summary}`)
    .join('');
  const more = v.nodes.length > 4 ? `\n        ... and ${v.nodes.length - 4} more` : '';
  return `axe ${v.id} (${v.impact}) ${label}: ${v.help}${nodes}${more}\n        ${v.url}`;
}

/** Listen to a page: console errors, uncaught exceptions, failed requests, HTTP errors, other origins. */
function collect(page, origin, { expectMainStatus = 200 } = {}) {
  const events = [];
  const state = { expectMainStatus };
  const httpErrors = new Set();
  const isFavicon = (u) => u === `${origin}/favicon.ico`;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/^Failed to load resource/.test(text)) return; // reported from the request events, with the URL
    const loc = m.location();
    if (loc && loc.url && isFavicon(loc.url)) return;
    events.push(`console error: ${text}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (err) => events.push(`uncaught exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    const u = req.url();
    if (!u.startsWith(origin + '/') || isFavicon(u)) return; // other origins are reported by the route
    const f = req.failure();
    if (f && /ERR_ABORTED/.test(f.errorText) && req.isNavigationRequest()) return; // superseded navigation
    // The browser's own fetch of an icon or the manifest, cancelled when the walk moves on: not a
    // broken page (the links suite checks that those files exist, and a 404 is still reported).
    if (f && /ERR_ABORTED/.test(f.errorText) && req.resourceType() === 'other') return;
    if (httpErrors.has(u)) return; // already reported with its status
    events.push(`request failed: ${u} (${f ? f.errorText : 'unknown'})`);
  });
  page.on('response', (res) => {
    const req = res.request();
    const status = res.status();
    if (status < 400 || isFavicon(res.url())) return;
    if (req.isNavigationRequest() && req.frame() === page.mainFrame() && status === state.expectMainStatus) return;
    httpErrors.add(res.url());
    events.push(`HTTP ${status}: ${res.url()}`);
  });
  return {
    take() {
      httpErrors.clear();
      // The same message twice on one page is one problem.
      const seen = new Map();
      for (const e of events.splice(0, events.length)) seen.set(e, (seen.get(e) || 0) + 1);
      return [...seen].map(([e, n]) => (n > 1 ? `${e} (x${n})` : e));
    },
    expect(status) {
      state.expectMainStatus = status;
    },
  };
}

async function newContext(browser, origin, otherOrigin, opts = {}) {
  const ctx = await browser.newContext({ viewport: VIEWPORTS[0], serviceWorkers: 'block', ...opts });
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u === origin || u.startsWith(origin + '/')) return route.continue();
    otherOrigin(u, route.request());
    return route.abort('blockedbyclient');
  });
  return ctx;
}

// Runs in the page: inline scripts/styles/handlers in a document.
function cspScan({ html, live }) {
  const doc = html == null ? document : new DOMParser().parseFromString(html, 'text/html');
  const where = live ? 'DOM after scripts ran' : 'served HTML';
  const bad = [];
  const executable = (s) => {
    const t = (s.getAttribute('type') || '').trim().toLowerCase();
    return t === '' || t === 'module' || /^(text|application)\/(x-)?(java|ecma)script/.test(t) || t === 'text/jscript';
  };
  for (const s of doc.querySelectorAll('script:not([src])')) {
    if (executable(s)) bad.push(`${where}: inline <script> "${s.textContent.trim().slice(0, 60)}"`);
  }
  for (const s of doc.querySelectorAll('style')) bad.push(`${where}: inline <style> "${s.textContent.trim().slice(0, 60)}"`);
  for (const e of doc.querySelectorAll('*')) {
    for (const a of e.attributes) {
      if (/^on/i.test(a.name)) bad.push(`${where}: event handler attribute ${a.name}= on <${e.localName}>`);
      // Scripts may set element.style through the CSSOM (CSP allows it), so style= counts in served HTML only.
      if (!live && a.name === 'style') bad.push(`${where}: style="${a.value.slice(0, 60)}" on <${e.localName}>`);
    }
  }
  for (const a of doc.querySelectorAll('[href^="javascript:" i]')) bad.push(`${where}: javascript: URL on <${a.localName}>`);
  return bad;
}

// Runs in the page (a cause page at 390x844): dangerous look-alikes first. The first emergency or
// same-day care card must show its heading ("Call 112 now if:", "Get medical help today if:")
// within the first screen, before any self-care text. Returns a problem, or null.
function firstScreenCards(screenHeight) {
  const card = document.querySelector('main .care-card--emergency, main .care-card--urgent');
  if (!card) return null; // a cause without such lines has no card to show first
  const heading = card.querySelector('.care-card__heading') || card;
  const bottom = Math.round(heading.getBoundingClientRect().bottom + window.scrollY);
  if (bottom > screenHeight) {
    return `the first emergency or same-day care card's heading ends at ${bottom} px, below the first screen (${screenHeight} px) of a ${window.innerWidth} px wide phone`;
  }
  const selfCare = document.querySelector('main #self-care');
  if (selfCare && selfCare.compareDocumentPosition(card) & Node.DOCUMENT_POSITION_FOLLOWING) {
    return 'the self-care section comes before the first emergency or same-day care card';
  }
  return null;
}

/** All the per-page checks on one URL. */
async function checkPage(page, ev, axeSrc, job) {
  const { url, expectStatus = 200 } = job;
  const problems = [];
  ev.take();
  ev.expect(expectStatus);
  try {
    await page.setViewportSize(VIEWPORTS[0]);
    let resp;
    try {
      resp = await page.goto(url, { waitUntil: 'load', timeout: 20000 });
    } catch (err) {
      problems.push(`could not load: ${err.message.split('\n')[0]}`);
      return problems;
    }
    const status = resp ? resp.status() : 0;
    if (status !== expectStatus) {
      problems.push(`HTTP status ${status}, expected ${expectStatus}`);
      if (status >= 400 && expectStatus < 400) return problems.concat(ev.take());
    }
    const served = resp ? await resp.text() : null;
    for (const p of await page.evaluate(cspScan, { html: served, live: false })) problems.push(`CSP: ${p}`);
    if (/\/causes\/[^/]+\/$/.test(new URL(url).pathname)) {
      const late = await page.evaluate(firstScreenCards, VIEWPORTS[0].height);
      if (late) problems.push(late);
    }
    for (const p of await page.evaluate(cspScan, { html: null, live: true })) problems.push(`CSP: ${p}`);

    const axeByRule = new Map();
    for (const vp of [...VIEWPORTS, NARROW]) {
      await page.setViewportSize(vp);
      const sw = await page.evaluate(() => document.documentElement.scrollWidth);
      if (sw > vp.width) {
        const culprits = await page.evaluate((w) => {
          const out = [];
          for (const e of document.body.querySelectorAll('*')) {
            const r = e.getBoundingClientRect();
            if (r.right > w + 0.5 && r.width > 0) {
              const parentOver = e.parentElement && e.parentElement.getBoundingClientRect().right > w + 0.5;
              if (!parentOver) out.push(`<${e.localName}${e.id ? '#' + e.id : ''}${e.classList.length ? '.' + [...e.classList].join('.') : ''}> right=${Math.round(r.right)}`);
            }
            if (out.length >= 3) break;
          }
          return out;
        }, vp.width);
        problems.push(`horizontal scroll at ${vp.width}px wide: scrollWidth ${sw} > ${vp.width}${culprits.length ? ` (widest: ${culprits.join(', ')})` : ''}`);
      }
      if (vp === NARROW) continue;
      for (const v of await runAxe(page, axeSrc)) {
        const key = `${v.id}|${v.nodes.map((n) => n.target).join(',')}`;
        const seen = axeByRule.get(key);
        if (seen) seen.vps.push(`${vp.width}x${vp.height}`);
        else axeByRule.set(key, { v, vps: [`${vp.width}x${vp.height}`] });
      }
    }
    for (const { v, vps } of axeByRule.values()) problems.push(formatAxe(v, `at ${vps.join(', ')}`));
    await sleep(20); // let late console messages and requests arrive
    problems.push(...ev.take());
  } catch (err) {
    problems.push(`check crashed: ${err.stack || err.message}`);
  } finally {
    // Leave the document, so that nothing it does later is blamed on the next page.
    await page.goto('about:blank').catch(() => {});
  }
  return problems;
}

/** Run the page checks on jobs with `jobs` pages at a time. */
async function runPageJobs(browser, origin, axeSrc, jobs, width, suite, otherOrigins) {
  const queue = jobs.slice();
  const workers = [];
  for (let w = 0; w < Math.min(width, queue.length); w++) {
    workers.push(
      (async () => {
        let current = null;
        const ctx = await newContext(browser, origin, (u) => otherOrigins.push({ u, where: current?.label ?? '?' }));
        let page = await ctx.newPage();
        let ev = collect(page, origin);
        try {
          while (queue.length) {
            current = queue.shift();
            if (page.isClosed()) {
              page = await ctx.newPage();
              ev = collect(page, origin);
            }
            for (const p of await checkPage(page, ev, axeSrc, current)) suite.fail(current.label, p);
          }
        } finally {
          await ctx.close();
        }
      })(),
    );
  }
  await Promise.all(workers);
}

// ---------------------------------------------------------------- decision tree walker

// Runs in the page. mode 'state': what is visible; 'choice': the idx-th choice element; 'start': the start link.
function dtProbe({ mode, idx, treeUrl }) {
  const vis = (el) => {
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true, checkVisibilityCSS: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const visible = [...document.querySelectorAll('[data-dt-step],[data-dt-outcome]')].filter(vis);
  const describe = (n) =>
    n.hasAttribute('data-dt-step') ? { kind: 'step', id: n.getAttribute('data-dt-step') } : { kind: 'outcome', id: n.getAttribute('data-dt-outcome') };
  const choicesOf = (step) => {
    const marked = [...step.querySelectorAll('[data-dt-choice]')];
    let c = marked.length ? marked : [...step.querySelectorAll('a[href], button, input[type=submit], input[type=button]')];
    c = c.filter((e) => {
      if (!vis(e)) return false;
      if (e.closest('[data-dt-back],[data-dt-reset],[data-dt-ignore]')) return false;
      if (e.disabled) return false;
      if (e.localName === 'a') {
        const href = e.getAttribute('href') || '';
        if (/^(tel|mailto|sms):/i.test(href)) return false;
        if (e.origin !== location.origin) return false;
      }
      return true;
    });
    // An element marked as a choice that contains a link is one choice, not two.
    return c.filter((e) => !c.some((o) => o !== e && o.contains(e)));
  };
  const label = (e) => (e.getAttribute('aria-label') || e.textContent || e.value || '').replace(/\s+/g, ' ').trim();
  if (mode === 'choice') return choicesOf(visible[0])[idx] || null;
  if (mode === 'start') {
    const marked = [...document.querySelectorAll('[data-dt-start]')].filter(vis);
    if (marked.length) return marked[0];
    const main = document.querySelector('main') || document.body;
    return (
      [...main.querySelectorAll('a[href]')].find(
        (a) => vis(a) && a.href.startsWith(treeUrl) && a.href.split('#')[0] !== treeUrl && !a.href.slice(treeUrl.length).startsWith('outcome/'),
      ) || null
    );
  }
  const states = visible.map(describe);
  const one = visible.length === 1 ? visible[0] : null;
  const active = document.activeElement;
  const h1 = one ? one.querySelector('h1') || document.querySelector('h1') : null;
  return {
    url: location.href,
    title: document.title,
    states,
    key: states.map((s) => `${s.kind}:${s.id}`).join(','),
    choices: one && states[0].kind === 'step' ? choicesOf(one).map((e) => ({ label: label(e), tag: e.localName, href: e.href || null })) : [],
    links: one ? [...one.querySelectorAll('a[href]')].map((a) => a.href) : [],
    focus: {
      onH1: !!h1 && active === h1,
      inside: !!one && one.contains(active) && active !== one.ownerDocument.body,
      isStep: !!one && active === one,
      desc: active ? `<${active.localName}${active.id ? '#' + active.id : ''}> "${label(active).slice(0, 40)}"` : 'none',
    },
    marker: window.__kgMarker || null,
  };
}

async function probe(page, args = { mode: 'state' }) {
  for (let i = 0; ; i++) {
    try {
      return await page.evaluate(dtProbe, args);
    } catch (err) {
      if (i < 40 && /context was destroyed|navigat|Target closed|Cannot find context/i.test(err.message)) {
        await sleep(50);
        continue;
      }
      throw err;
    }
  }
}

async function handleFor(page, args) {
  for (let i = 0; ; i++) {
    try {
      const h = await page.evaluateHandle(dtProbe, args);
      const el = h.asElement();
      if (!el) await h.dispose();
      return el;
    } catch (err) {
      if (i < 40 && /context was destroyed|navigat|Cannot find context/i.test(err.message)) {
        await sleep(50);
        continue;
      }
      throw err;
    }
  }
}

/** After an action, wait until a single different step/outcome is visible. */
async function waitForChange(page, beforeKey) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last = null;
  while (Date.now() < deadline) {
    try {
      await page.waitForLoadState('load', { timeout: Math.max(1, deadline - Date.now()) });
    } catch {
      /* retried below */
    }
    last = await probe(page);
    if (last.states.length === 1 && last.key !== beforeKey) {
      await sleep(60); // let the script finish: title, focus
      try {
        await page.waitForLoadState('load', { timeout: Math.max(1, deadline - Date.now()) });
      } catch {
        /* ignore */
      }
      const settled = await probe(page);
      if (settled.key === last.key) return { state: settled };
      last = settled;
      continue;
    }
    await sleep(30);
  }
  return { timeout: true, state: last };
}

async function setMarker(page) {
  const token = `m${Math.random().toString(36).slice(2)}`;
  try {
    await page.evaluate((t) => {
      window.__kgMarker = t;
    }, token);
  } catch {
    /* no document yet */
  }
  return token;
}

function describeTrail(trail) {
  return trail.length ? trail.map((t) => `"${t}"`).join(' > ') : '(start)';
}

/**
 * Walk every path of the tree depth-first. Returns { paths: [{ids, labels}], docs: Set(url), states, transitions }.
 * mode: 'js' or 'nojs'.
 */
async function walkTree(browser, env, mode, suite) {
  const { origin, treeUrl, baseLocal, axeSrc, otherOrigins, causeStatus } = env;
  const js = mode === 'js';
  const label = js ? 'tree (JS)' : 'tree (no JS)';
  const ctx = await newContext(browser, origin, (u) => otherOrigins.push({ u, where: label }), { javaScriptEnabled: js });
  const page = await ctx.newPage();
  const ev = collect(page, origin);
  const result = { paths: [], docs: new Set(), transitions: 0, inPlace: 0, statesAxed: 0, maxDepth: 0, failed: 0, ms: 0 };
  const started = Date.now();
  const debug = process.env.KG_DEBUG ? (m) => console.error(`[${label} +${Date.now() - started}ms] ${m}`) : () => {};
  const axed = new Set();
  const fail = (where, what) => {
    suite.fail(`${label} ${where}`, what);
  };
  const flushEvents = (where) => {
    for (const e of ev.take()) fail(where, e);
  };
  const noteDoc = (u) => result.docs.add(u.split('#')[0]);

  // Reach the first step: from the start page, directly or through its start link.
  async function reachStart() {
    await page.goto('about:blank');
    const resp = await page.goto(treeUrl, { waitUntil: 'load' });
    if (!resp || resp.status() !== 200) {
      fail('decision-tree/', `start page answered HTTP ${resp ? resp.status() : 'nothing'}`);
      return null;
    }
    noteDoc(page.url());
    // The pages carry their own policy (for hosts that cannot send headers): the walk below
    // proves the tree's script works under it.
    const policy = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? null);
    if (policy !== CSP) fail('decision-tree/', `expected <meta http-equiv="Content-Security-Policy" content="${CSP}">, found ${policy === null ? 'none' : JSON.stringify(policy)}`);
    let s = await probe(page);
    if (s.states.length === 1 && s.states[0].kind === 'step') return s;
    if (s.states.length > 1) {
      fail('decision-tree/', `${s.states.length} steps/outcomes visible at once on the start page: ${s.key}`);
      return null;
    }
    const start = await handleFor(page, { mode: 'start', treeUrl });
    if (!start) {
      fail('decision-tree/', 'no visible start link ([data-dt-start], or a link to a page under decision-tree/) and no visible [data-dt-step]');
      return null;
    }
    const before = s;
    await setMarker(page);
    await start.click();
    const r = await waitForChange(page, before.key);
    if (r.timeout || r.state.states[0].kind !== 'step') {
      fail('decision-tree/', `following the start link did not show a step (visible: ${r.state ? r.state.key || 'nothing' : '?'})`);
      return null;
    }
    noteDoc(page.url());
    return r.state;
  }

  const sameState = (a, b) => a.key === b.key && a.choices.map((c) => c.label).join('|') === b.choices.map((c) => c.label).join('|');

  // Bring the page back to `state` (reached by clicking trailIdx from the start).
  async function restore(state, trailIdx) {
    try {
      await page.goto(state.url, { waitUntil: 'load' });
      const s = await probe(page);
      if (sameState(s, state)) return s;
    } catch {
      /* fall back to replaying */
    }
    let s = await reachStart();
    if (!s) return null;
    for (const i of trailIdx) {
      const h = await handleFor(page, { mode: 'choice', idx: i });
      if (!h) return null;
      await h.click();
      const r = await waitForChange(page, s.key);
      if (r.timeout) return null;
      s = r.state;
    }
    return sameState(s, state) ? s : null;
  }

  async function axeState(s, where) {
    if (axed.has(s.key)) return;
    axed.add(s.key);
    result.statesAxed++;
    for (const v of await runAxe(page, axeSrc)) fail(where, formatAxe(v, `in the state the script rendered (${s.key})`));
  }

  async function checkOutcome(s, where) {
    // The tree's own language's causes (de/causes/ for de/decision-tree/), or the main language's for a
    // cause not translated yet.
    const roots = [...new Set([treeUrl.replace(/decision-tree\/$/, ''), baseLocal])].map((r) => r + 'causes/');
    const under = (u) => roots.some((r) => u.startsWith(r));
    const causes = s.links.filter((u) => under(u) && !roots.includes(u.split('#')[0]));
    const any = s.links.filter(under);
    const use = causes.length ? causes : any;
    if (!use.length) {
      fail(where, `outcome ${s.states[0].id} has no link to a page under causes/ (links: ${s.links.join(', ') || 'none'})`);
      return;
    }
    for (const u of use) {
      const key = u.split('#')[0];
      if (!causeStatus.has(key)) causeStatus.set(key, fetch(key, { redirect: 'manual' }).then((r) => r.status, (e) => `error ${e.message}`));
      const st = await causeStatus.get(key);
      if (st !== 200) fail(where, `outcome ${s.states[0].id} links to ${u}, which answered ${st}`);
    }
  }

  async function visit(s, trailIdx, trailLabels, ids) {
    const where = describeTrail(trailLabels);
    result.maxDepth = Math.max(result.maxDepth, trailIdx.length);
    flushEvents(where);
    if (s.states[0].kind === 'outcome') {
      await checkOutcome(s, where);
      result.paths.push({ ids: [...ids, `outcome:${s.states[0].id}`], labels: trailLabels });
      return;
    }
    const stepId = s.states[0].id;
    if (ids.includes(`step:${stepId}`)) {
      fail(where, `cycle: step ${stepId} appears twice on one path`);
      result.failed++;
      return;
    }
    if (trailIdx.length >= MAX_DEPTH) {
      fail(where, `path deeper than ${MAX_DEPTH} steps`);
      result.failed++;
      return;
    }
    if (!s.choices.length) {
      fail(where, `step ${stepId} has no choices (visible links/buttons not marked data-dt-back/-reset/-ignore, or [data-dt-choice])`);
      result.failed++;
      return;
    }
    const labels = s.choices.map((c) => c.label);
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup) fail(where, `step ${stepId} has two choices labelled "${dup}"`);
    for (let i = 0; i < s.choices.length; i++) {
      const choice = s.choices[i];
      let here = s;
      if (i > 0) {
        debug(`restore ${stepId}`);
        here = await restore(s, trailIdx);
        debug(`restored`);
        if (!here) {
          fail(where, `could not return to step ${stepId} (neither by loading ${s.url} nor by replaying the clicks) to try choice "${choice.label}"`);
          result.failed++;
          continue;
        }
      }
      const h = await handleFor(page, { mode: 'choice', idx: i });
      const childWhere = describeTrail([...trailLabels, choice.label]);
      if (!h) {
        fail(childWhere, 'the choice disappeared before it could be clicked');
        result.failed++;
        continue;
      }
      const marker = js ? await setMarker(page) : null;
      try {
        await h.click({ timeout: STEP_TIMEOUT_MS });
      } catch (err) {
        fail(childWhere, `could not click "${choice.label}": ${err.message.split('\n')[0]}`);
        result.failed++;
        continue;
      }
      debug(`clicked "${choice.label}" on ${stepId}`);
      const r = await waitForChange(page, here.key);
      debug(`-> ${r.state && r.state.key}`);
      result.transitions++;
      if (r.timeout) {
        const vis = r.state ? r.state.key || 'nothing' : '?';
        fail(childWhere, `clicking "${choice.label}" on step ${stepId} did not lead to exactly one new visible step/outcome within ${STEP_TIMEOUT_MS / 1000}s (visible: ${vis})`);
        result.failed++;
        flushEvents(childWhere);
        continue;
      }
      const next = r.state;
      noteDoc(next.url);
      const inPlace = js && next.marker === marker;
      if (inPlace) result.inPlace++;
      if (next.title === here.title) fail(childWhere, `document.title did not change after the step (still "${next.title}")`);
      if (inPlace && !(next.focus.onH1 || next.focus.inside || next.focus.isStep)) {
        fail(childWhere, `after the script swapped in ${next.key}, focus is on ${next.focus.desc}, not on the new h1 or inside the new step`);
      }
      if (inPlace) await axeState(next, childWhere);
      await visit(next, [...trailIdx, i], [...trailLabels, choice.label], [...ids, `step:${stepId}`]);
    }
  }

  try {
    const first = await reachStart();
    if (first) {
      if (js) await axeState(first, '(start)');
      await visit(first, [], [], []);
    } else result.failed++;
  } catch (err) {
    fail('walk', `crashed: ${err.stack || err.message}`);
    result.failed++;
  } finally {
    flushEvents('(end)');
    await ctx.close();
    result.ms = Date.now() - started;
  }
  return result;
}

/** One path to an outcome with the keyboard only: Tab to the start link / first choice, press Enter, repeat. */
async function keyboardWalk(browser, env, suite) {
  const { origin, treeUrl, otherOrigins } = env;
  const label = 'tree (keyboard)';
  const ctx = await newContext(browser, origin, (u) => otherOrigins.push({ u, where: label }));
  const page = await ctx.newPage();
  const ev = collect(page, origin);
  const out = { steps: 0, tabs: 0, reached: null };
  try {
    await page.goto(treeUrl, { waitUntil: 'load' });
    let s = await probe(page);
    for (let guard = 0; guard < MAX_DEPTH + 1; guard++) {
      if (s.states.length === 1 && s.states[0].kind === 'outcome') {
        out.reached = s.states[0].id;
        break;
      }
      const onStep = s.states.length === 1 && s.states[0].kind === 'step';
      const target = await handleFor(page, onStep ? { mode: 'choice', idx: 0 } : { mode: 'start', treeUrl });
      const what = onStep ? `first choice of step ${s.states[0].id}` : 'start link';
      if (!target) {
        suite.fail(label, `no ${what} to reach`);
        break;
      }
      let reached = false;
      for (let t = 0; t < 150; t++) {
        await page.keyboard.press('Tab');
        out.tabs++;
        if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement))) {
          reached = true;
          break;
        }
      }
      if (!reached) {
        suite.fail(label, `150 presses of Tab never focused the ${what}`);
        break;
      }
      // A visible focus indicator: an outline or box-shadow, or a style that differs from an unfocused sibling choice.
      const indicator = await target.evaluate((el) => {
        const f = document.activeElement;
        const cs = getComputedStyle(f);
        if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 && !/rgba\(\d+, \d+, \d+, 0\)|transparent/.test(cs.outlineColor)) return true;
        if (cs.boxShadow && cs.boxShadow !== 'none') return true;
        const sib = [...(el.parentElement?.parentElement?.querySelectorAll(el.localName) || [])].find((o) => o !== el && o !== f);
        if (!sib) return false;
        const ss = getComputedStyle(sib);
        return ['backgroundColor', 'color', 'textDecorationLine', 'borderTopColor', 'borderBottomWidth'].some((p) => cs[p] !== ss[p]);
      });
      if (!indicator) suite.fail(label, `the focused ${what} shows no visible focus indicator (no outline, box-shadow or changed colours)`);
      await page.keyboard.press('Enter');
      const r = await waitForChange(page, s.key);
      if (r.timeout) {
        suite.fail(label, `Enter on the ${what} did not lead to a new step/outcome (visible: ${r.state ? r.state.key || 'nothing' : '?'})`);
        break;
      }
      s = r.state;
      out.steps++;
    }
    if (!out.reached && !suite.failures.some((f) => f.where === label)) suite.fail(label, 'did not reach an outcome');
  } catch (err) {
    suite.fail(label, `crashed: ${err.stack || err.message}`);
  } finally {
    for (const e of ev.take()) suite.fail(label, e);
    await ctx.close();
  }
  return out;
}

/**
 * The language switcher keeps the reader on the same step: with JavaScript (steps swapped in place),
 * answer twice in `prefix`'s tree, follow the switcher's link to the main language and expect the
 * same step there; then back again without JavaScript.
 */
async function switcherKeepsStep(browser, env, prefix, suite) {
  const { origin, baseLocal, otherOrigins } = env;
  for (const js of [true, false]) {
    const label = `language switcher (${js ? 'JS' : 'no JS'})`;
    const ctx = await newContext(browser, origin, (u) => otherOrigins.push({ u, where: label }), { javaScriptEnabled: js });
    const page = await ctx.newPage();
    try {
      await page.goto(baseLocal + prefix + 'decision-tree/start/', { waitUntil: 'load' });
      for (let i = 0; i < 2; i++) {
        const before = page.url();
        await page.locator('[data-dt-choice]').last().click();
        await page.waitForURL((u) => u.href !== before);
        await page.waitForFunction(() => document.querySelector('h1') && document.readyState === 'complete');
      }
      const here = new URL(page.url()).pathname;
      const other = page.locator('[data-language-switcher] a[hreflang]').first();
      const code = await other.getAttribute('hreflang');
      await other.click();
      await page.waitForURL((u) => new URL(u.href).pathname !== here);
      const there = new URL(page.url()).pathname;
      const base = new URL(baseLocal).pathname;
      const expected = base + here.slice(base.length + prefix.length);
      if (there !== expected) suite.fail(label, `from ${here} the switcher (${code}) led to ${there}, not ${expected}`);
      else suite.note(`${label}: ${here} -> ${there}`);
      const lang = await page.evaluate(() => document.documentElement.lang);
      if (lang !== code) suite.fail(label, `${there} has lang="${lang}", expected ${code}`);
    } catch (e) {
      suite.fail(label, `could not switch: ${e.message.split('\n')[0]}`);
    } finally {
      await ctx.close();
    }
  }
}

function compareWalks(a, b, suite) {
  const sig = (p) => p.ids.join(' > ');
  const count = (paths) => {
    const m = new Map();
    for (const p of paths) m.set(sig(p), (m.get(sig(p)) || 0) + 1);
    return m;
  };
  const ma = count(a.paths);
  const mb = count(b.paths);
  const diffs = [];
  for (const [k, n] of ma) if ((mb.get(k) || 0) !== n) diffs.push(`with JS only: ${k}`);
  for (const [k, n] of mb) if ((ma.get(k) || 0) !== n) diffs.push(`without JS only: ${k}`);
  if (a.paths.length !== b.paths.length) suite.fail('tree', `JS and no-JS walks found different numbers of paths: ${a.paths.length} with JS, ${b.paths.length} without`);
  if (diffs.length) suite.fail('tree', `JS and no-JS walks differ:\n      ${diffs.slice(0, 8).join('\n      ')}${diffs.length > 8 ? `\n      ... ${diffs.length - 8} more` : ''}`);
  if (!a.paths.length || !b.paths.length) suite.fail('tree', 'no complete path from the start to an outcome was walked');
}

// ---------------------------------------------------------------- symptoms A-Z

async function checkSymptoms(browser, env, suite) {
  const url = env.baseLocal + 'symptoms/';
  const counts = {};
  for (const js of [false, true]) {
    const label = `symptoms/ (${js ? 'JS' : 'no JS'})`;
    const ctx = await newContext(browser, env.origin, (u) => env.otherOrigins.push({ u, where: label }), { javaScriptEnabled: js });
    const page = await ctx.newPage();
    try {
      await page.goto(url, { waitUntil: 'load' });
      const entries = page.locator('.az-list > li');
      const total = await entries.count();
      const visible = () => page.locator('.az-list > li:visible').count();
      const boxVisible = await page.locator('[data-az-filter]').isVisible();
      if (total < 10) suite.fail(label, `only ${total} entries`);
      if (!js) {
        counts.nojs = await visible();
        if (boxVisible) suite.fail(label, 'the filter box shows without JavaScript, where it cannot work');
        if (counts.nojs !== total) suite.fail(label, `${counts.nojs} of ${total} entries visible without JavaScript`);
        continue;
      }
      if (!boxVisible) {
        suite.fail(label, 'the script did not reveal the filter box');
        continue;
      }
      const input = page.getByLabel('Filter the list');
      await input.fill('lump');
      await page.waitForFunction(() => document.querySelector('#az-filter-status').textContent.includes('shown'), null, { timeout: STEP_TIMEOUT_MS });
      const shown = await page.locator('.az-list > li:visible').allTextContents();
      counts.lump = shown.length;
      if (!shown.length || shown.length >= total) suite.fail(label, `"lump" left ${shown.length} of ${total} entries`);
      for (const text of shown) if (!/lump/i.test(text)) suite.fail(label, `"lump" kept an entry without it: ${text}`);
      const status = await page.locator('#az-filter-status').textContent();
      if (!status.startsWith(`${shown.length} of ${total}`)) suite.fail(label, `status says "${status}" for ${shown.length} entries`);
      const violations = await runAxe(page, env.axeSrc);
      for (const v of violations) suite.fail(`${label} filtered`, formatAxe(v, 'axe'));
      await input.fill('qqqzzzxx');
      await page.locator('[data-az-none]').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      if ((await visible()) !== 0) suite.fail(label, 'a filter matching nothing still shows entries');
      await input.fill('');
      await page.waitForFunction((n) => document.querySelectorAll('.az-list > li:not([hidden])').length === n, total, { timeout: STEP_TIMEOUT_MS });
    } catch (error) {
      suite.fail(label, error.message.split('\n')[0]);
    } finally {
      await ctx.close();
    }
  }
  return counts;
}

// ---------------------------------------------------------------- offline (service worker)

async function checkOffline(browser, env, site, suite) {
  const label = 'offline';
  const sw = readText(site, 'sw.js');
  const listed = sw && sw.match(/var URLS = (\[.*\]);/);
  if (!listed) {
    suite.fail('sw.js', 'missing, or without its URL list');
    return {};
  }
  const urls = JSON.parse(listed[1]);
  const ctx = await newContext(browser, env.origin, (u) => env.otherOrigins.push({ u, where: label }), { serviceWorkers: 'allow' });
  const page = await ctx.newPage();
  const result = { cached: 0, paths: [], causes: 0 };
  try {
    await page.goto(env.baseLocal, { waitUntil: 'load' });
    // Wait (on the worker's own promise, not a timer) until it is active, then count the cache.
    result.cached = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      if (!reg.active) return -1;
      const names = (await caches.keys()).filter((k) => k.startsWith('kneeguide-'));
      if (names.length !== 1) return -names.length;
      return (await (await caches.open(names[0])).keys()).length;
    });
    if (result.cached !== urls.length) suite.fail(label, `the cache holds ${result.cached} entries after one visit; sw.js lists ${urls.length}`);

    await ctx.setOffline(true);
    const mustFail = await page.evaluate(() => fetch('https://offline.invalid/', { mode: 'no-cors' }).then(() => 'reached', () => 'failed'));
    if (mustFail !== 'failed') suite.fail(label, 'the browser is not offline');

    for (const pick of ['first', 'last']) {
      await page.goto(env.treeUrl, { waitUntil: 'load' });
      const start = await handleFor(page, { mode: 'start', treeUrl: env.treeUrl });
      if (!start) {
        suite.fail(label, 'no start link on the tree page offline');
        break;
      }
      let before = (await probe(page)).key;
      await start.click();
      const trail = [];
      for (let depth = 0; depth < MAX_DEPTH; depth++) {
        const changed = await waitForChange(page, before);
        if (changed.timeout) {
          suite.fail(`${label} tree (${pick} answers)`, `no next step after ${trail.join(' / ') || 'start'}`);
          break;
        }
        const state = changed.state;
        if (state.states[0].kind === 'outcome') {
          result.paths.push(`${trail.join('/')} -> ${state.states[0].id}`);
          break;
        }
        const idx = pick === 'first' ? 0 : state.choices.length - 1;
        trail.push(state.choices[idx].label.slice(0, 24));
        const choice = await handleFor(page, { mode: 'choice', idx });
        before = state.key;
        await choice.click();
      }
    }
    if (result.paths.length !== 2) suite.fail(label, `walked ${result.paths.length} of 2 tree paths offline`);

    const offlinePages = urls.filter((u) => /^causes\/[^/]+\/$/.test(u) || u === 'symptoms/');
    for (const u of offlinePages) {
      const response = await page.goto(env.baseLocal + u, { waitUntil: 'load' });
      const h1 = await page.locator('h1').first().textContent().catch(() => null);
      if (!response || response.status() !== 200 || !h1) suite.fail(`${label} ${u}`, `status ${response && response.status()}, h1 ${JSON.stringify(h1)}`);
      else if (u.startsWith('causes/')) result.causes += 1;
    }
    if (!result.causes) suite.fail(label, 'no cause page listed in sw.js');
  } catch (error) {
    suite.fail(label, error.message.split('\n')[0]);
  } finally {
    await ctx.close();
  }
  return result;
}

// ---------------------------------------------------------------- main

function printReport(suites, totalMs, meta) {
  const rows = suites.map((s) => [s.name, s.checked, String(s.failures.length), secs(s.ms)]);
  const head = ['suite', 'checked', 'failures', 'time'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  let failures = 0;
  for (const s of suites) {
    if (!s.failures.length) continue;
    console.log(`\n✗ ${s.name}: ${s.failures.length} failure${s.failures.length === 1 ? '' : 's'}`);
    const byWhere = new Map();
    for (const f of s.failures) {
      if (!byWhere.has(f.where)) byWhere.set(f.where, []);
      byWhere.get(f.where).push(f.what);
    }
    for (const [where, whats] of byWhere) {
      console.log(`  ${where}`);
      for (const w of whats) console.log(`    - ${w}`);
    }
    failures += s.failures.length;
  }
  console.log(`\nsite ${meta.site}, base URL ${meta.base} (${meta.how}), served at ${meta.served}`);
  for (const s of suites) for (const n of s.notes) console.log(`  note (${s.name}): ${n}`);
  console.log('');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log(`\n${failures ? `FAILED: ${failures} failure${failures === 1 ? '' : 's'}` : 'PASSED'} in ${secs(totalMs)}`);
  return failures;
}

async function main() {
  const t0 = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const site = path.resolve(opts.site);
  if (!fs.existsSync(site) || !fs.statSync(site).isDirectory()) usage(`${opts.site} is not a directory`);
  if (!fs.existsSync(path.join(site, 'index.html'))) usage(`${opts.site} has no index.html: build the site first`);
  const { url: baseUrl, how } = detectBaseUrl(site, opts.baseUrl);
  const fileList = walkFiles(site);
  const suites = [];

  const progress = (m) => console.log(`.. ${m}`);
  progress(`site ${site}, base URL ${baseUrl} (${how})`);
  const vnu = opts.only.has('html') ? runVnu(site) : null; // runs in parallel with the rest
  if (vnu) progress('html: vnu started in the background');

  if (opts.only.has('links')) suites.push(runLinks(site, baseUrl, fileList));

  let served = '-';
  if (['pages', 'tree', 'symptoms', 'offline'].some((s) => opts.only.has(s))) {
    const prefix = new URL(baseUrl).pathname;
    const server = await serve({ root: site, prefix, csp: CSP });
    served = server.url;
    const origin = server.origin;
    const baseLocal = server.url;
    const toLocal = (u) => baseLocal + u.slice(baseUrl.length);
    const otherOrigins = [];
    const axeSrc = axeSource();
    const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
    if (!fs.existsSync(executablePath)) {
      console.error(`run.mjs: ${executablePath} not found: apt-get install -y chromium (or set CHROMIUM)`);
      await server.close();
      process.exit(2);
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    try {
      // pages
      const pagesSuite = new Suite('pages');
      const checkedUrls = new Set();
      const jobs = [];
      const xml = readText(site, 'sitemap.xml');
      const locs = xml ? sitemapLocs(xml) : [];
      for (const loc of locs) {
        if (!loc.startsWith(baseUrl)) {
          pagesSuite.fail('sitemap.xml', `${loc} is not under the base URL ${baseUrl}`);
          continue;
        }
        const local = toLocal(loc);
        if (checkedUrls.has(local)) continue;
        checkedUrls.add(local);
        jobs.push({ url: local, label: loc.slice(baseUrl.length) || '(home)' });
      }
      if (!locs.length) pagesSuite.fail('sitemap.xml', 'no pages listed (missing or empty sitemap.xml)');
      if (fileList.includes('404.html')) {
        jobs.push({ url: baseLocal + 'kneeguide-missing-page/a/b/', label: '404.html (served at kneeguide-missing-page/a/b/)', expectStatus: 404 });
      }
      if (opts.only.has('pages')) {
        progress(`pages: ${jobs.length} pages, ${opts.jobs} at a time`);
        await runPageJobs(browser, origin, axeSrc, jobs, opts.jobs, pagesSuite, otherOrigins);
        suites.push(pagesSuite.done(`${jobs.length} pages x ${VIEWPORTS.length} viewports`));
      }

      // tree: the main language's at decision-tree/, each other language's in its folder (de/decision-tree/)
      const treePrefixes = fileList
        .map((f) => f.match(/^((?:[a-z]{2,3}(?:-[a-z]{2,3})?\/)?)decision-tree\/index\.html$/))
        .filter(Boolean)
        .map((m) => m[1])
        .sort();
      if (opts.only.has('tree') && !treePrefixes.includes('')) {
        const treeSuite = new Suite('tree');
        treeSuite.fail('decision-tree/index.html', 'missing');
        suites.push(treeSuite.done('-'));
      }
      for (const prefix of opts.only.has('tree') ? treePrefixes : []) {
        const tag = prefix ? ` ${prefix}` : '';
        const env = { origin, treeUrl: baseLocal + prefix + 'decision-tree/', baseLocal, axeSrc, otherOrigins, causeStatus: new Map() };
        const treeSuite = new Suite('tree' + tag);
        {
          progress(`tree${tag}: walking every path with and without JavaScript`);
          const jsSuite = new Suite('tree (JS)' + tag);
          const nojsSuite = new Suite('tree (no JS)' + tag);
          const [withJs, withoutJs] = await Promise.all([walkTree(browser, env, 'js', jsSuite), walkTree(browser, env, 'nojs', nojsSuite)]);
          const kbSuite = new Suite('tree (keyboard)' + tag);
          const kb = await keyboardWalk(browser, env, kbSuite);
          compareWalks(withJs, withoutJs, treeSuite);
          // The generator also lists every path in decision-tree/paths.txt (one per non-comment line): the
          // walks must find exactly that many.
          const listed = readText(site, prefix + 'decision-tree/paths.txt');
          if (listed != null) {
            const n = listed.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#')).length;
            if (n !== withoutJs.paths.length) {
              treeSuite.fail(prefix + 'decision-tree/paths.txt', `lists ${n} paths, but walking the pages found ${withoutJs.paths.length}`);
            } else treeSuite.note(`the ${n} paths listed in ${prefix}decision-tree/paths.txt were all walked`);
          }
          // Another language's tree: the same paths as the main one (the answer ids are shared).
          if (prefix) {
            const main = readText(site, 'decision-tree/paths.txt');
            const steps = (text) => (text || '').split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#')).map((l) => l.split(/\s+->/)[0].trim()).join('\n');
            if (steps(main) !== steps(listed)) treeSuite.fail(prefix + 'decision-tree/paths.txt', 'its paths differ from decision-tree/paths.txt');
            await switcherKeepsStep(browser, env, prefix, treeSuite);
          }
          jsSuite.note(`${withJs.transitions} transitions, ${withJs.inPlace} swapped in place by the script, ${withJs.transitions - withJs.inPlace} full page loads; axe on ${withJs.statesAxed} in-place states`);
          suites.push(jsSuite.done(`${withJs.paths.length} paths, depth <= ${withJs.maxDepth}`));
          suites.push(nojsSuite.done(`${withoutJs.paths.length} paths, depth <= ${withoutJs.maxDepth}`));
          jsSuite.ms = withJs.ms;
          nojsSuite.ms = withoutJs.ms;
          suites.push(kbSuite.done(kb.reached ? `1 path to ${kb.reached}: ${kb.steps} Enter, ${kb.tabs} Tab` : 'no outcome reached'));
          // (e) pages the walks loaded that the sitemap does not list get the page checks too.
          const extra = [];
          for (const u of [...withoutJs.docs, ...withJs.docs]) {
            const clean = u.split('#')[0];
            if (checkedUrls.has(clean) || !clean.startsWith(baseLocal)) continue;
            checkedUrls.add(clean);
            extra.push({ url: clean, label: `${clean.slice(baseLocal.length)} (tree page not in sitemap)` });
          }
          const extraSuite = new Suite('tree pages' + tag);
          if (extra.length) progress(`tree${tag}: page checks on ${extra.length} step/outcome pages missing from the sitemap`);
          await runPageJobs(browser, origin, axeSrc, extra, opts.jobs, extraSuite, otherOrigins);
          suites.push(extraSuite.done(`${extra.length} step/outcome pages not in the sitemap`));
          suites.push(treeSuite.done(`JS ${withJs.paths.length} vs no JS ${withoutJs.paths.length} paths`));
          treeSuite.ms = null; // its time is the walks' time
        }
      }
      // symptoms A-Z
      if (opts.only.has('symptoms') && fileList.includes('symptoms/index.html')) {
        const env = { origin, baseLocal, axeSrc, otherOrigins };
        const symptomsSuite = new Suite('symptoms');
        const counts = await checkSymptoms(browser, env, symptomsSuite);
        suites.push(symptomsSuite.done(`no JS: ${counts.nojs ?? '-'} entries shown; JS: "lump" keeps ${counts.lump ?? '-'}`));
      }
      // offline
      if (opts.only.has('offline') && fileList.includes('sw.js')) {
        progress('offline: one visit, then the tree and every cause page with the network off');
        const env = { origin, baseLocal, treeUrl: baseLocal + 'decision-tree/', otherOrigins };
        const offlineSuite = new Suite('offline');
        const r = await checkOffline(browser, env, site, offlineSuite);
        for (const p of r.paths || []) offlineSuite.note(`offline path: ${p}`);
        suites.push(offlineSuite.done(`${r.cached ?? '-'} URLs cached; ${(r.paths || []).length} tree paths and ${r.causes ?? 0} cause pages offline`));
      }
      const oo = new Suite('other origins');
      for (const { u, where } of otherOrigins) oo.fail(where, `request to another origin blocked: ${u}`);
      suites.push(oo.done(`all requests`));
      oo.ms = null;
    } finally {
      await browser.close();
      await server.close();
    }
  }

  if (vnu) suites.push(await vnu);
  const failures = printReport(suites, Date.now() - t0, { site, base: baseUrl, how, served });
  process.exit(failures ? 1 : 0);
}

main().catch((err) => {
  console.error(`run.mjs: ${err.stack || err.message}`);
  process.exit(2);
});
