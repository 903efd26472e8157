// classify and weights as a user runs them: download by name from a local mirror, then
// classify with the cached weights; folders with a broken image; import; errors.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, generated, loopbackServer, sendFile } from '../helpers.js';
import { alexnet } from './cli_helpers.js';

const home = mkdtempSync(join(tmpdir(), 'alexnet-cli-home-'));
const env = { ALEXNET_HOME: home };
let server: Awaited<ReturnType<typeof loopbackServer>>;
let base = '';
let served = '';

before(async () => {
  server = await loopbackServer((req, res) => {
    if (req.url === '/models/alexnet-owt-7be5be79.pth' && served) {
      sendFile(res, served);
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  base = server.base;
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

interface Oracle {
  images: string[];
  models: Record<string, { weights: string; probabilities: number[][] }>;
}
const top1 = (p: number[]) => p.indexOf(Math.max(...p));

describe('alexnet weights + classify', () => {
  test('without weights: one line saying how to get them, exit 1', async () => {
    const r = await alexnet(['classify', join(FIXTURES, 'images', 'chelsea.png')], env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^alexnet: no weights for alexnet in .*: get them with `alexnet weights download alexnet` \(https:\/\/download\.pytorch\.org\/models\/alexnet-owt-7be5be79\.pth\), or pass --weights FILE/);
    const v2 = await alexnet(['classify', '--model', 'alexnet_v2', join(FIXTURES, 'images', 'chelsea.png')], env);
    assert.equal(v2.status, 1);
    assert.match(v2.stderr, /^alexnet: alexnet_v2 has no published pretrained weights; pass --weights FILE/);
  });

  test('download from a mirror, converted once; classify a folder with the cached weights', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    served = join(oraclePath, '..', oracle.models['alexnet']!.weights);
    const sha = createHash('sha256').update(readFileSync(served)).digest('hex').slice(0, 8);
    const url = `${base}/models/alexnet-owt-7be5be79.pth`;

    const wrong = await alexnet(['weights', 'download', 'alexnet', '--url', url, '--sha256', 'deadbeef'], env);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /does not start with deadbeef/);
    assert.equal(existsSync(join(home, 'weights', 'alexnet.safetensors')), false);

    const dl = await alexnet(['weights', 'download', 'alexnet', '--url', url, '--sha256', sha, '--json'], env);
    assert.equal(dl.status, 0, dl.stderr);
    const j = JSON.parse(dl.stdout) as { file: string; numClasses: number };
    assert.equal(j.file, join(home, 'weights', 'alexnet.safetensors'));
    assert.equal(j.numClasses, 1000);
    assert.equal(existsSync(join(home, 'downloads', 'alexnet-owt-7be5be79.pth')), false, 'the original is removed after conversion');
    const again = await alexnet(['weights', 'download', 'alexnet', '--url', url], env);
    assert.match(again.stdout, /already in/);

    const list = await alexnet(['weights', 'list', '--json'], env);
    assert.deepEqual(JSON.parse(list.stdout), [{ name: 'alexnet', model: 'alexnet', classes: 1000, file: j.file }]);

    // the fixture folder holds four photos, truncated.jpg and a README.md (skipped, and said so)
    const r = await alexnet(['classify', join(FIXTURES, 'images'), '--json', '--top', '3'], env);
    assert.equal(r.status, 1, 'a broken image makes the exit status non-zero');
    assert.equal(
      r.stderr,
      `alexnet: skipped 1 file: ${join(FIXTURES, 'images', 'README.md')} (not an image format sharp decodes here (.md))\nalexnet: 1 of 5 images could not be classified\n`,
    );
    const res = JSON.parse(r.stdout) as ({ file: string; predictions: { index: number; wnid: string; label: string; probability: number }[] } | { file: string; error: string })[];
    assert.deepEqual(res.map((x) => x.file.split('/').pop()), ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'truncated.jpg']);
    for (const x of res.slice(0, 4)) {
      assert.ok('predictions' in x);
      assert.equal(x.predictions.length, 3);
      const name = x.file.split('/').pop()!;
      assert.equal(x.predictions[0]!.index, top1(oracle.models['alexnet']!.probabilities[oracle.images.indexOf(name)]!), name);
      assert.match(x.predictions[0]!.wnid, /^n\d{8}$/);
    }
    assert.ok('error' in res[4]! && /truncated\.jpg/.test(res[4].error));

    const table = await alexnet(['classify', join(FIXTURES, 'images', 'chelsea.png'), '--top', '2'], env);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /chelsea\.png\n {3}1 {3}240 {2}n02107908 +\d+\.\d\d% {2}Appenzeller\n {3}2 /);
  });

  test('--max-pixels: an image over it fails naming the flag; raised, it is classified', async (t) => {
    const cached = join(home, 'weights', 'alexnet.safetensors');
    if (!existsSync(cached)) return t.skip('needs the weights the download test caches');
    const coffee = join(FIXTURES, 'images', 'coffee.png'); // 600x400
    const refused = await alexnet(['classify', coffee, join(FIXTURES, 'images', 'chelsea.png'), '--max-pixels', '200000', '--json'], env);
    assert.equal(refused.status, 1);
    const res = JSON.parse(refused.stdout) as ({ file: string; error: string } | { file: string; predictions: unknown[] })[];
    assert.deepEqual(res[0], { file: coffee, error: `${coffee}: 600x400 = 240000 pixels exceeds the limit of 200000 pixels (a possible decompression bomb; raise --max-pixels to at least 240000 to allow it)` });
    assert.ok('predictions' in res[1]!);
    const raised = await alexnet(['classify', coffee, '--max-pixels', '240000', '--json'], env);
    assert.equal(raised.status, 0, raised.stderr);
    assert.ok('predictions' in (JSON.parse(raised.stdout) as object[])[0]!);
  });

  test('weights import: .npy to safetensors, then classify with it', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    const out = join(home, 'bvlc.safetensors');
    const imp = await alexnet(['weights', 'import', join(oraclePath, '..', 'bvlc_alexnet_seeded.npy'), '--model', 'bvlc_alexnet', '--out', out], env);
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /wrote .*bvlc\.safetensors: bvlc_alexnet, 1000 classes, 60,965,224 parameters \(from npy\)/);
    assert.ok(existsSync(join(home, 'bvlc.json')), 'the JSON config sits beside the weights');
    const r = await alexnet(['classify', '--model', 'bvlc_alexnet', '--weights', out, join(FIXTURES, 'images', 'coffee.png'), '--json', '--top', '1'], env);
    assert.equal(r.status, 0, r.stderr);
    const [res] = JSON.parse(r.stdout) as { predictions: { index: number }[] }[];
    assert.equal(res!.predictions[0]!.index, top1(oracle.models['bvlc_alexnet']!.probabilities[oracle.images.indexOf('coffee.png')]!));
    const wrongModel = await alexnet(['classify', '--model', 'alexnet', '--weights', out, join(FIXTURES, 'images', 'coffee.png')], env);
    assert.equal(wrongModel.status, 1);
    assert.match(wrongModel.stderr, /holds bvlc_alexnet weights, not alexnet; use --model bvlc_alexnet/);
  });

  test('weights import without --out installs into $ALEXNET_HOME, where a plain classify finds it (offline use)', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    const offline = { ALEXNET_HOME: join(home, 'offline') };
    const imp = await alexnet(['weights', 'import', join(oraclePath, '..', 'bvlc_alexnet_seeded.npy'), '--model', 'bvlc_alexnet'], offline);
    assert.equal(imp.status, 0, imp.stderr);
    assert.equal(imp.stdout, `wrote ${join(home, 'offline', 'weights', 'bvlc_alexnet.safetensors')}: bvlc_alexnet, 1000 classes, 60,965,224 parameters (from npy)\n`);
    const r = await alexnet(['classify', '--model', 'bvlc_alexnet', join(FIXTURES, 'images', 'coffee.png'), '--json', '--top', '1'], offline);
    assert.equal(r.status, 0, r.stderr);
    const [res] = JSON.parse(r.stdout) as { predictions: { index: number }[] }[];
    assert.equal(res!.predictions[0]!.index, top1(oracle.models['bvlc_alexnet']!.probabilities[oracle.images.indexOf('coffee.png')]!));
    const v2 = await alexnet(['weights', 'import', join(oraclePath, '..', 'bvlc_alexnet_seeded.npy'), '--model', 'alexnet_v2'], offline);
    assert.equal(v2.status, 2);
    assert.equal(v2.stderr, 'alexnet: weights import: --out FILE.safetensors is required for alexnet_v2, which has no published weights to stand in for\n');
  });

  test('usage errors', async () => {
    const none = await alexnet(['classify'], env);
    assert.equal(none.status, 2);
    assert.equal(none.stderr, 'alexnet: classify: give at least one IMAGE or DIR\n');
    const missing = await alexnet(['classify', '/nonexistent/cat.jpg'], env);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'alexnet: /nonexistent/cat.jpg: no such file or directory\n');
    const pixels = await alexnet(['classify', join(FIXTURES, 'images', 'coffee.png'), '--max-pixels', '0'], env);
    assert.equal(pixels.status, 2);
    assert.equal(pixels.stderr, 'alexnet: --max-pixels must be an integer >= 1, got "0"\n');
    const unknown = await alexnet(['weights', 'download', 'vgg13'], env);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown weights "vgg13"; known: alexnet, bvlc_alexnet, vgg16, vgg16_notop, /);
  });
});
