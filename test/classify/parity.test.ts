// classify against the reference frameworks (tools/gen_classify_oracle.py): torchvision's
// AlexNet from a .pth with torchvision's preprocessing, and a PyTorch Caffe AlexNet from a
// kratzert-style .npy (and the same weights as an ONNX-zoo-style .onnx) with the Caffe
// protocol. Targets: the same top-1, every probability within 1e-3.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClassifier, type ClassifyResult } from '../../src/classify/classifier.js';
import { FIXTURES, generated } from '../helpers.js';

interface Oracle {
  images: string[];
  models: Record<string, { weights: string; onnx?: string; probabilities: number[][] }>;
}

const home = mkdtempSync(join(tmpdir(), 'alexnet-home-'));
before(() => {
  process.env['ALEXNET_HOME'] = home;
});
after(() => rmSync(home, { recursive: true, force: true }));

function compare(results: ClassifyResult[], expected: number[][]): { maxDiff: number } {
  let maxDiff = 0;
  results.forEach((r, i) => {
    assert.ok('predictions' in r, `${r.file}: ${'error' in r ? r.error : ''}`);
    const p = new Float64Array(1000);
    for (const q of r.predictions) p[q.index] = q.probability;
    const o = expected[i]!;
    const top = o.indexOf(Math.max(...o));
    assert.equal(r.predictions[0]!.index, top, `${r.file}: top-1 ${r.predictions[0]!.index}, reference ${top}`);
    for (let k = 0; k < 1000; k++) maxDiff = Math.max(maxDiff, Math.abs(p[k]! - o[k]!));
  });
  assert.ok(maxDiff <= 1e-3, `max |Δp| = ${maxDiff}`);
  return { maxDiff };
}

const images = (o: Oracle) => o.images.map((n) => join(FIXTURES, 'images', n));

describe('classify matches the reference frameworks', () => {
  test('alexnet from a torchvision .pth, torchvision preprocessing; then from the ORT cache', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    const weights = join(oraclePath, '..', oracle.models['alexnet']!.weights);
    const clf = await createClassifier({ model: 'alexnet', weights, top: 1000 });
    assert.deepEqual([clf.fromCache, clf.parsedWeights], [false, true]);
    const first = await clf.classify(images(oracle));
    compare(first, oracle.models['alexnet']!.probabilities);
    await clf.dispose();
    // The entry records what the weights are, so a cached .pth is not parsed again.
    const entries = readdirSync(join(home, 'cache')).filter((n) => !n.endsWith('.tmp'));
    assert.equal(entries.length, 1, entries.join(', '));
    const meta = JSON.parse(readFileSync(join(home, 'cache', entries[0]!, 'weights.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([meta['file'], meta['format'], meta['numClasses'], meta['labels'], meta['preprocess']], [weights, 'pth', 1000, 'imagenet1k', 'torchvision']);
    const again = await createClassifier({ model: 'alexnet', weights, top: 1000 });
    assert.deepEqual([again.fromCache, again.parsedWeights, again.numClasses], [true, false, 1000], 'the second start uses the cache and reads nothing of the .pth');
    const second = await again.classify(images(oracle));
    compare(second, oracle.models['alexnet']!.probabilities);
    assert.deepEqual(second.map((r) => ('predictions' in r ? r.predictions.slice(0, 5).map((p) => p.label) : r)), first.map((r) => ('predictions' in r ? r.predictions.slice(0, 5).map((p) => p.label) : r)));
    await again.dispose();
  });

  test('bvlc_alexnet from a kratzert-style .npy, Caffe protocol (BGR, mean, 227 crop)', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    const clf = await createClassifier({ model: 'bvlc_alexnet', weights: join(oraclePath, '..', oracle.models['bvlc_alexnet']!.weights), top: 1000, cache: false });
    compare(await clf.classify(images(oracle)), oracle.models['bvlc_alexnet']!.probabilities);
    await clf.dispose();
  });

  test('bvlc_alexnet from an ONNX-zoo-style .onnx (conv1_w_0 OIHW, fc6_w_0 over C,H,W)', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    const clf = await createClassifier({ model: 'bvlc_alexnet', weights: join(oraclePath, '..', oracle.models['bvlc_alexnet']!.onnx!), top: 1000, cache: false });
    compare(await clf.classify(images(oracle)), oracle.models['bvlc_alexnet']!.probabilities);
    await clf.dispose();
  });
});

describe('classifier inputs and results', () => {
  test('a path, a Buffer and raw RGB give results of the same shape; a bad file is an error entry', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    const clf = await createClassifier({ model: 'alexnet', weights: join(oraclePath, '..', oracle.models['alexnet']!.weights), top: 3 });
    const chelsea = join(FIXTURES, 'images', 'chelsea.png');
    const { decodeImage } = await import('../../src/data/decode.js');
    const rgb = await decodeImage(chelsea);
    const res = await clf.classify([chelsea, readFileSync(chelsea), { data: rgb.data, width: rgb.width, height: rgb.height }, join(FIXTURES, 'images', 'truncated.jpg')]);
    assert.equal(res.length, 4);
    const [a, b, c, bad] = res;
    for (const r of [a, b, c]) {
      assert.ok(r && 'predictions' in r);
      assert.equal(r.predictions.length, 3);
      assert.deepEqual(Object.keys(r.predictions[0]!).sort(), ['index', 'label', 'probability', 'wnid']);
    }
    assert.deepEqual((b as { predictions: unknown }).predictions, (a as { predictions: unknown }).predictions);
    assert.deepEqual((c as { predictions: unknown }).predictions, (a as { predictions: unknown }).predictions);
    assert.equal((b as { file: string }).file, '<buffer 1>');
    assert.ok(bad && 'error' in bad && /truncated\.jpg/.test(bad.error), JSON.stringify(bad));
    // a single input still gives an array of one (a batch of 1 may round differently in the last bits)
    const one = await clf.classify(chelsea);
    assert.equal(one.length, 1);
    const single = (one[0] as { predictions: { index: number; probability: number }[] }).predictions;
    const batched = (a as { predictions: { index: number; probability: number }[] }).predictions;
    assert.deepEqual(single.map((p) => p.index), batched.map((p) => p.index));
    single.forEach((p, i) => assert.ok(Math.abs(p.probability - batched[i]!.probability) < 1e-5));
    await clf.dispose();

    // Batches of 2 reuse the same batch memory; two calls at once each get their own, and a
    // bad file inside a batch leaves the others in their places.
    const small = await createClassifier({ model: 'alexnet', weights: join(oraclePath, '..', oracle.models['alexnet']!.weights), top: 3, batchSize: 2 });
    const [cat, rocket, coffee, broken] = ['chelsea.png', 'rocket.jpg', 'coffee.png', 'truncated.jpg'].map((f) => join(FIXTURES, 'images', f));
    const alone = await small.classify([cat!, rocket!, coffee!]);
    const top1 = (r: ClassifyResult | undefined) => (r && 'predictions' in r ? r.predictions.map((p) => p.index) : r);
    const [x, y] = await Promise.all([small.classify([coffee!, cat!, rocket!]), small.classify([cat!, broken!, rocket!, coffee!, cat!])]);
    assert.deepEqual(x.map(top1), [alone[2], alone[0], alone[1]].map(top1));
    assert.deepEqual([0, 2, 3, 4].map((i) => top1(y[i])), [alone[0], alone[1], alone[2], alone[0]].map(top1));
    assert.ok(y[1] && 'error' in y[1] && /truncated\.jpg/.test(y[1].error));
    assert.deepEqual(top1(alone[0]), top1(a));
    await small.dispose();
  });

  test('decode.maxPixels: a larger image is an error entry naming the option, the others are classified', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    const clf = await createClassifier({ model: 'alexnet', weights: join(oraclePath, '..', oracle.models['alexnet']!.weights), top: 1, decode: { maxPixels: 200000 } });
    const [cat, coffee] = ['chelsea.png', 'coffee.png'].map((f) => join(FIXTURES, 'images', f));
    const res = await clf.classify([cat!, coffee!]);
    await clf.dispose();
    assert.ok(res[0] && 'predictions' in res[0]);
    assert.deepEqual(res[1], { file: coffee, error: `${coffee}: 600x400 = 240000 pixels exceeds the limit of 200000 pixels (a possible decompression bomb; raise decode.maxPixels to at least 240000 to allow it)` });
  });

  test('the cache removes temporaries that interrupted builds left over an hour ago', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as Oracle;
    const cache = join(home, 'cache');
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600e3);
    const put = (name: string, hours: number, dir = true) => {
      const p = join(cache, name);
      if (dir) {
        mkdirSync(p, { recursive: true });
        writeFileSync(join(p, 'weights.bin'), 'partial');
        utimesSync(join(p, 'weights.bin'), hoursAgo(hours), hoursAgo(hours));
      } else {
        mkdirSync(cache, { recursive: true });
        writeFileSync(p, 'partial');
      }
      utimesSync(p, hoursAgo(hours), hoursAgo(hours));
    };
    put('alexnet-0123456789abcdef.99999.tmp', 2); // interrupted two hours ago
    put('alexnet-fedcba9876543210.4242.tmp', 3, false);
    put('alexnet-00000000aaaaaaaa.12345.tmp', 0.1); // a build that may still be running
    put('alexnet-1111111111111111', 5); // an entry, however old, is not a temporary
    const clf = await createClassifier({ model: 'alexnet', weights: join(oraclePath, '..', oracle.models['alexnet']!.weights) });
    await clf.dispose();
    const left = readdirSync(cache).sort();
    assert.ok(!left.includes('alexnet-0123456789abcdef.99999.tmp'), left.join(', '));
    assert.ok(!left.includes('alexnet-fedcba9876543210.4242.tmp'), left.join(', '));
    assert.ok(left.includes('alexnet-00000000aaaaaaaa.12345.tmp'), left.join(', '));
    assert.ok(left.includes('alexnet-1111111111111111'), left.join(', '));
    assert.deepEqual(left.filter((n) => n.endsWith('.tmp')), ['alexnet-00000000aaaaaaaa.12345.tmp']);
    rmSync(join(cache, 'alexnet-00000000aaaaaaaa.12345.tmp'), { recursive: true });
    rmSync(join(cache, 'alexnet-1111111111111111'), { recursive: true });
  });

  test('no weights and no network: the message says how to get them', async () => {
    await assert.rejects(createClassifier({ model: 'alexnet' }), (e: Error) => {
      assert.match(e.message, /no weights for alexnet in .*alexnet\.safetensors/);
      assert.match(e.message, /alexnet weights download alexnet/);
      assert.match(e.message, /https:\/\/download\.pytorch\.org\/models\/alexnet-owt-7be5be79\.pth/);
      assert.match(e.message, /--weights FILE/);
      return true;
    });
  });

  test('weights of another model are refused, naming layer and shapes', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    await assert.rejects(
      createClassifier({ model: 'alexnet', weights: join(oraclePath, '..', 'bvlc_alexnet_seeded.npy') }),
      /not alexnet weights: missing 16 of 16 parameters \(features\.0\.weight, features\.0\.bias, features\.3\.weight, \.\.\.\); the file has conv1\/weights, .*; looks like bvlc_alexnet weights; try --model bvlc_alexnet$/,
    );
  });
});
