// Self-test of serve.mjs (node --test tests/browser/serve.test.mjs): the behaviour the suites rely on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { serve } from './serve.mjs';

let tmp;
let site;
let server;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kneeguide-serve-test-'));
  site = path.join(tmp, 'site');
  const put = (p, s) => {
    fs.mkdirSync(path.dirname(path.join(site, p)), { recursive: true });
    fs.writeFileSync(path.join(site, p), s);
  };
  put('index.html', '<!DOCTYPE html><title>home</title>');
  put('404.html', '<!DOCTYPE html><title>not found</title>');
  put('a/index.html', '<!DOCTYPE html><title>a</title>');
  put('css/site.1234.css', 'body{}');
  put('js/app.1234.js', '1');
  put('sitemap.xml', '<urlset/>');
  put('img/x.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
  put('space dir/index.html', 'space');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(site, 'link-out.txt'));
  server = await serve({ root: site, prefix: '/sub/path/', csp: true });
});

after(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const get = (p) => fetch(server.origin + p, { redirect: 'manual' });

// Raw request, so that `..` and odd bytes reach the server unnormalised.
function raw(p) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1', () => sock.write(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('end', () => resolve({ status: Number(data.split(' ')[1]), body: data }));
    sock.on('error', reject);
  });
}

test('serves files with their content types', async () => {
  for (const [p, type] of [
    ['/sub/path/', 'text/html; charset=utf-8'],
    ['/sub/path/css/site.1234.css', 'text/css; charset=utf-8'],
    ['/sub/path/js/app.1234.js', 'text/javascript; charset=utf-8'],
    ['/sub/path/sitemap.xml', 'application/xml; charset=utf-8'],
    ['/sub/path/img/x.svg', 'image/svg+xml'],
  ]) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get('content-type'), type, p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('content-security-policy'), "default-src 'self'");
  }
});

test('dir/ serves dir/index.html, dir redirects to dir/', async () => {
  const r = await get('/sub/path/a/');
  assert.equal(r.status, 200);
  assert.match(await r.text(), /<title>a</);
  const redirect = await get('/sub/path/a');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/sub/path/a/');
  assert.equal((await get('/sub/path/space%20dir/')).status, 200);
});

test('a directory without index.html is a 404 with the site 404 page', async () => {
  for (const p of ['/sub/path/img/', '/sub/path/img', '/sub/path/nope/', '/sub/path/index.html/']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.match(await r.text(), /<title>not found</, p);
  }
});

test('nothing outside the prefix or the root', async () => {
  assert.equal((await get('/')).status, 404);
  assert.equal((await get('/index.html')).status, 404);
  assert.equal((await get('/sub/path/link-out.txt')).status, 404); // symbolic link out of the root
  for (const p of ['/sub/path/../../secret.txt', '/sub/path/%2e%2e/secret.txt', '/sub/path/..%2fsecret.txt', '/sub/path/a/..%5c..%5csecret.txt', '/sub/path/%00']) {
    const r = await raw(p);
    assert.ok(r.status === 404 || r.status === 400, `${p} -> ${r.status}`);
    assert.doesNotMatch(r.body, /secret/, p);
  }
});

test('only GET and HEAD', async () => {
  assert.equal((await fetch(server.url, { method: 'POST', body: 'x' })).status, 405);
  const head = await fetch(server.url, { method: 'HEAD' });
  assert.equal(head.status, 200);
});
