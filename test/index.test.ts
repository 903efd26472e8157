// The main entry, 'alexnet-ts', as docs/library.md uses it: its exact list of names,
// createClassifier on seeded torchvision weights, loadWeights on every kind of path,
// downloadWeights from a local mirror (hash checked), and the cache listing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as main from '../src/index.js';
import { alexnetSpec, bvlcAlexnetSpec, createClassifier, downloadWeights, getWeightsEntry, listCachedWeights, listWeightsEntries, loadWeights } from '../src/index.js';
import { paramCounts } from '../src/entries/models.js';
import type { Tensor } from '../src/index.js';
import { FIXTURES, GENERATED, generated, loopbackServer, sendFile } from './helpers.js';

const home = mkdtempSync(join(tmpdir(), 'alexnet-entry-home-'));
const pth = join(GENERATED, 'alexnet_seeded.pth');
let server: Awaited<ReturnType<typeof loopbackServer>>;

const sameBytes = (a: Tensor, b: Tensor) =>
  Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
let base = '';

before(async () => {
  process.env['ALEXNET_HOME'] = home;
  server = await loopbackServer((req, res) => {
    if (req.url === '/small.pth') {
      res.writeHead(200, { 'content-length': 1000 });
      res.end(Buffer.alloc(1000));
    } else if (req.url === '/models/alexnet-owt-7be5be79.pth' && existsSync(pth)) {
      sendFile(res, pth);
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

describe("'alexnet-ts'", () => {
  test('exports exactly the short list docs/library.md describes', () => {
    assert.deepEqual(Object.keys(main).sort(), [
      'alexnetSpec', 'alexnetV2Spec', 'argmaxRows', 'bvlcAlexnetSpec', 'compareModels', 'createClassifier', 'downloadWeights', 'evaluateWeights',
      'explain', 'float32', 'getModel', 'getWeightsEntry', 'listCachedWeights', 'listModels', 'listWeightsEntries', 'loadWeights',
      'randomWeights', 'tensor', 'train', 'writeReport',
    ]);
    assert.equal(main.getModel('alexnet'), alexnetSpec);
    assert.equal(main.getModel('bvlc_alexnet'), bvlcAlexnetSpec);
    assert.equal(main.getModel('alexnet_v2'), main.alexnetV2Spec);
  });

  test('weights entries: URL, hash, preprocessing, and meta with sourced figures', () => {
    // Keras's files: the full model and its _notop features, checked by MD5 (file_hash)
    const keras = (model: string, preprocess: string) => [[model, model, 'h5', preprocess, ''], [`${model}_notop`, model, 'h5', preprocess, '']];
    assert.deepEqual(listWeightsEntries().map((w) => [w.name, w.model, w.format, w.preprocess, w.sha256]), [
      ['alexnet', 'alexnet', 'pth', 'torchvision', '7be5be79'],
      ['bvlc_alexnet', 'bvlc_alexnet', 'npy', 'caffe', ''],
      ...keras('vgg16', 'keras-caffe'), ...keras('vgg19', 'keras-caffe'), ...keras('resnet50', 'keras-caffe'),
      ...keras('inception_v3', 'keras-tf'), ...keras('xception', 'keras-tf'), ...keras('inception_resnet_v2', 'keras-tf'), ...keras('mobilenet', 'keras-tf'),
      ['vgg16.torchvision', 'vgg16.torchvision', 'pth', 'torchvision', '397923af'],
      ['squeezenet1_1', 'squeezenet1_1', 'pth', 'torchvision', 'b8a52dc0'],
      ['resnet50.torchvision', 'resnet50.torchvision', 'pth', 'torchvision', '0676ba61'],
      ['mobilenet_v2', 'mobilenet_v2', 'pth', 'torchvision', 'b0353104'],
      ['inception_v3.torchvision', 'inception_v3.torchvision', 'pth', 'torchvision', '0cc3c7bd'],
    ]);
    assert.equal(getWeightsEntry('vgg16').md5, '64373286793e3c8b2b4e3219cbf3544b');
    assert.equal(getWeightsEntry('vgg16').url, 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5');
    assert.equal(getWeightsEntry('mobilenet_notop').url, 'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/mobilenet_1_0_224_tf_no_top.h5');
    assert.deepEqual(listWeightsEntries('alexnet_v2'), []);
    const tv = getWeightsEntry('alexnet');
    assert.equal(tv.url, 'https://download.pytorch.org/models/alexnet-owt-7be5be79.pth');
    assert.deepEqual([tv.meta.metrics.top1, tv.meta.metrics.top5], [56.522, 79.066]);
    assert.match(tv.meta.metrics.source, /AlexNet_Weights\.IMAGENET1K_V1/);
    assert.deepEqual([getWeightsEntry('bvlc_alexnet').meta.metrics.top1, getWeightsEntry('bvlc_alexnet').meta.metrics.top5], [57.1, 80.2]);
    for (const w of listWeightsEntries()) {
      assert.equal(w.meta.categories.length, 1000);
      assert.deepEqual([w.meta.categories[0], w.meta.categories[999]], ['tench', 'toilet tissue']);
      // the published parameter count is the architecture's: Keras's counts batch norms' running statistics, torchvision's does not
      const counts = paramCounts(main.getModel(w.model).build(w.name.endsWith('_notop') ? { numClasses: 0 } : {}));
      assert.equal(w.format === 'h5' ? counts.totalParams : counts.trainableParams, w.meta.numParams, w.name);
    }
    assert.throws(() => getWeightsEntry('vgg13'), { message: `unknown weights "vgg13"; known: ${listWeightsEntries().map((w) => w.name).join(', ')}` });
  });

  test('downloadWeights: from a local mirror, hash checked, converted once into $ALEXNET_HOME', async (t) => {
    if (!generated(t, 'alexnet_seeded.pth')) return;
    const url = `${base}/models/alexnet-owt-7be5be79.pth`;
    const sha = createHash('sha256').update(readFileSync(pth)).digest('hex');
    await assert.rejects(downloadWeights('alexnet', { url: `${base}/small.pth`, sha256: 'deadbeef' }), /SHA-256 541b3e9d\.\.\. does not start with deadbeef/);
    assert.equal(existsSync(join(home, 'downloads', 'small.pth')), false);
    assert.equal(existsSync(join(home, 'weights', 'alexnet.safetensors')), false);
    let last: [number, number | null] = [0, null];
    const r = await downloadWeights('alexnet', { url, sha256: sha.slice(0, 8), onProgress: (done, total) => (last = [done, total]) });
    const size = statSync(pth).size;
    assert.deepEqual(r, { name: 'alexnet', model: 'alexnet', file: join(home, 'weights', 'alexnet.safetensors'), numClasses: 1000, cached: false, bytes: size, sha256: sha, original: null });
    assert.deepEqual(last, [size, size]);
    assert.equal(existsSync(join(home, 'downloads', 'alexnet-owt-7be5be79.pth')), false, 'the original is removed once converted');
    const again = await downloadWeights('alexnet', { url });
    assert.deepEqual([again.cached, again.bytes, again.file], [true, 0, r.file]);
  });

  test('listCachedWeights: what is in $ALEXNET_HOME, sizes, where', async (t) => {
    if (!generated(t, 'alexnet_seeded.pth')) return;
    const c = await listCachedWeights();
    assert.equal(c.home, home);
    assert.equal(c.dir, join(home, 'weights'));
    const file = join(home, 'weights', 'alexnet.safetensors');
    assert.deepEqual(c.weights, [
      {
        name: 'alexnet',
        model: 'alexnet',
        numClasses: 1000,
        file,
        bytes: statSync(file).size + statSync(join(home, 'weights', 'alexnet.json')).size,
        source: { url: `${base}/models/alexnet-owt-7be5be79.pth`, format: 'pth', sha256: createHash('sha256').update(readFileSync(pth)).digest('hex') },
      },
    ]);
    assert.deepEqual(c.optimizedModels, { dir: join(home, 'cache'), count: 0, bytes: 0 });
  });

  test('loadWeights: a .pth, the downloaded bundle, a run directory; the same tensors and config', async (t) => {
    if (!generated(t, 'alexnet_seeded.pth')) return;
    const fromPth = await loadWeights('alexnet', pth);
    assert.equal(fromPth.format, 'pth');
    assert.deepEqual([...fromPth.weights.keys()].sort(), alexnetSpec.build().graph.params.map((p) => p.name).sort());
    assert.deepEqual(fromPth.config, { model: 'alexnet', numClasses: 1000, labels: fromPth.config.labels, imagenet1k: true, preprocess: 'torchvision', inputSize: [224, 224], globalPool: false });
    assert.deepEqual([fromPth.config.labels.length, fromPth.config.labels[0]], [1000, 'tench']);
    const fc = fromPth.weights.get('classifier.6.weight')!;
    assert.deepEqual(fc.shape, [1000, 4096]);

    const cached = await loadWeights('alexnet'); // no path: the download in $ALEXNET_HOME
    assert.equal(cached.file, join(home, 'weights', 'alexnet.safetensors'));
    assert.equal(cached.format, 'safetensors');
    assert.deepEqual(cached.config, fromPth.config);
    assert.ok(sameBytes(cached.weights.get('classifier.6.weight')!, fc));

    // a run directory: its best checkpoint by validation top-1 (step 4 here), not the newest
    const run = join(home, 'run');
    for (const [step, valTop1] of [[4, 0.5], [8, 0.25]] as const) {
      const dir = join(run, `ckpt-${String(step).padStart(8, '0')}`);
      mkdirSync(dir, { recursive: true });
      symlinkSync(cached.file, join(dir, 'weights.safetensors'));
      copyFileSync(join(home, 'weights', 'alexnet.json'), join(dir, 'weights.json'));
      writeFileSync(join(dir, 'state.json'), JSON.stringify({ format: 'alexnet-ts-checkpoint/1', step, valTop1 }));
    }
    const best = await loadWeights('alexnet', run);
    assert.equal(best.file, join(run, 'ckpt-00000004', 'weights.safetensors'));
    assert.ok(sameBytes(best.weights.get('features.0.weight')!, fromPth.weights.get('features.0.weight')!));
  });

  test("loadWeights: bvlc_alexnet from kratzert's .npy and from the ONNX zoo's layout are the same weights", async (t) => {
    const oracle = generated(t, 'classify_oracle.json');
    if (!oracle) return;
    const npy = await loadWeights('bvlc_alexnet', join(GENERATED, 'bvlc_alexnet_seeded.npy'));
    assert.deepEqual([npy.format, npy.config.preprocess, npy.config.inputSize, npy.config.numClasses], ['npy', 'caffe', [227, 227], 1000]);
    const onnx = await loadWeights('bvlc_alexnet', join(GENERATED, 'bvlcalexnet_seeded.onnx'));
    assert.equal(onnx.format, 'onnx');
    for (const name of ['conv1/weights', 'conv2/weights', 'fc6/weights', 'fc8/weights', 'fc8/biases']) {
      assert.deepEqual(onnx.weights.get(name)!.shape, npy.weights.get(name)!.shape, name);
      assert.ok(sameBytes(onnx.weights.get(name)!, npy.weights.get(name)!), name);
    }
  });

  test('loadWeights: errors name the file and what is wrong', async (t) => {
    if (!generated(t, 'bvlc_alexnet_seeded.npy')) return;
    const npy = join(GENERATED, 'bvlc_alexnet_seeded.npy');
    await assert.rejects(loadWeights('alexnet', npy), { message: new RegExp(`^${npy}: not alexnet weights: missing 16 of 16 parameters`) });
    await assert.rejects(loadWeights('vgg13', npy), { message: `unknown model "vgg13"; valid models: ${main.listModels().join(', ')}` });
    await assert.rejects(loadWeights('alexnet', join(home, 'nothing.pth')), { message: `${join(home, 'nothing.pth')}: no such file or directory` });
    await assert.rejects(loadWeights('alexnet_v2'), /alexnet_v2 has no published pretrained weights/);
  });

  test('createClassifier: seeded torchvision weights from a .pth, top-5 with ImageNet labels', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const oracle = JSON.parse(readFileSync(oraclePath, 'utf8')) as { images: string[]; models: Record<string, { probabilities: number[][] }> };
    const clf = await createClassifier({ model: 'alexnet', weights: pth, top: 5, workers: 1 });
    assert.deepEqual([clf.model, clf.numClasses, clf.weightsFile, clf.fromCache], ['alexnet', 1000, pth, false]);
    const [r] = await clf.classify(join(FIXTURES, 'images', 'chelsea.png'));
    await clf.dispose();
    assert.ok(r && 'predictions' in r, JSON.stringify(r));
    const p = oracle.models['alexnet']!.probabilities[oracle.images.indexOf('chelsea.png')]!;
    assert.equal(r.predictions.length, 5);
    assert.deepEqual(r.predictions[0], { index: 240, wnid: 'n02107908', label: 'Appenzeller', probability: r.predictions[0]!.probability });
    assert.ok(Math.abs(r.predictions[0]!.probability - p[240]!) < 1e-3);
    // the ORT-optimised model it kept shows in the cache listing
    const c = await listCachedWeights();
    assert.equal(c.optimizedModels.count, 1);
    assert.ok(c.optimizedModels.bytes > 200e6, `${c.optimizedModels.bytes} bytes`);
  });
});
