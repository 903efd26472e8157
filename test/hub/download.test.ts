// downloadWeights' hash rules against a local server: an entry's MD5 (Keras) checked, an
// entry without a hash refused unless a SHA-256 is given or allowUnverified, and a Keras
// .h5 converted into the bundle. The entries are tiny_keras's (../weights/tiny_keras.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { downloadWeights } from '../../src/hub/download.js';
import { loadWeights } from '../../src/hub/load.js';
import { initialWeights } from '../../src/train/init_weights.js';
import { GENERATED, generated, loopbackServer, sendFile } from '../helpers.js';
import { tinySpec } from '../weights/tiny_keras.js';

const home = mkdtempSync(join(tmpdir(), 'alexnet-hub-dl-'));
const h5 = (name: string) => join(GENERATED, 'h5', name);
let server: Awaited<ReturnType<typeof loopbackServer>>;
let requests = 0;

before(async () => {
  process.env['ALEXNET_HOME'] = home;
  server = await loopbackServer((req, res) => {
    requests++;
    const name = (req.url ?? '').slice(1);
    if (['tiny_vgg.h5', 'tiny_later.h5', 'tiny_notop.h5'].includes(name) && existsSync(h5(name))) sendFile(res, h5(name));
    else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

const md5Of = (f: string) => createHash('md5').update(readFileSync(f)).digest('hex');
const sha256Of = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

test('an entry with an MD5: the right file is converted into $ALEXNET_HOME, another refused', async (t) => {
  if (!generated(t, 'h5/tiny_vgg.h5')) return;
  tinySpec.weights[0]!.md5 = md5Of(h5('tiny_vgg.h5'));
  const url = `${server.base}/tiny_later.h5`; // a mirror serving another file
  await assert.rejects(downloadWeights('tiny_keras_md5', { url }), {
    message: `download ${url}: MD5 ${md5Of(h5('tiny_later.h5'))} is not the expected ${md5Of(h5('tiny_vgg.h5'))}; the file is corrupt or not the expected one`,
  });
  assert.equal(existsSync(join(home, 'weights', 'tiny_keras_md5.safetensors')), false);
  const r = await downloadWeights('tiny_keras_md5', { url: `${server.base}/tiny_vgg.h5` });
  assert.deepEqual([r.file, r.numClasses, r.cached, r.sha256], [join(home, 'weights', 'tiny_keras_md5.safetensors'), 5, false, sha256Of(h5('tiny_vgg.h5'))]);
  const loaded = await loadWeights('tiny_keras', r.file);
  assert.equal(loaded.config.preprocess, 'keras-tf');
  const want = JSON.parse(readFileSync(h5('expected.json'), 'utf8')) as Record<string, { values: number[] }>;
  assert.deepEqual([...loaded.weights.get('block1_bn2/moving_variance')!.data], want['block1_bn2/moving_variance']!.values.map(Math.fround));
});

test('an entry without a hash: refused before any request, unless sha256 or allowUnverified', async (t) => {
  if (!generated(t, 'h5/tiny_vgg.h5')) return;
  const before = requests;
  await assert.rejects(downloadWeights('tiny_keras_unhashed'), {
    message: 'tiny_keras_unhashed: its source publishes no hash for http://127.0.0.1:9/tiny_keras_unhashed.h5 (plain HTTP), so nothing would verify the file; give --sha256 HEX of a copy you trust, or --allow-unverified to take it unchecked',
  });
  const url = `${server.base}/tiny_vgg.h5`;
  await assert.rejects(downloadWeights('tiny_keras_unhashed', { url }), /tiny_keras_unhashed: its source publishes no hash for http:\/\/127\.0\.0\.1:\d+\/tiny_vgg\.h5 \(plain HTTP\)/);
  assert.equal(requests, before);
  await assert.rejects(downloadWeights('tiny_keras_unhashed', { url, sha256: 'deadbeef' }), /SHA-256 [0-9a-f]{8}\.\.\. does not start with deadbeef/);
  const checked = await downloadWeights('tiny_keras_unhashed', { url, sha256: sha256Of(h5('tiny_vgg.h5')).slice(0, 8) });
  assert.equal(checked.numClasses, 5);
  const unchecked = await downloadWeights('tiny_keras_unhashed', { url, allowUnverified: true, force: true });
  assert.deepEqual([unchecked.cached, unchecked.numClasses], [false, 5]);
});

test('a features-only entry (_notop): a bundle of 0 classes that trains with a new head and does not classify', async (t) => {
  if (!generated(t, 'h5/tiny_notop.h5')) return;
  const url = `${server.base}/tiny_notop.h5`;
  const r = await downloadWeights('tiny_keras_notop', { url, sha256: sha256Of(h5('tiny_notop.h5')).slice(0, 8) });
  assert.deepEqual([r.file, r.numClasses], [join(home, 'weights', 'tiny_keras_notop.safetensors'), 0]);
  await assert.rejects(loadWeights('tiny_keras', r.file), {
    message: `${r.file}: the features only, without a classifier (a _notop download); train a head on them with --weights ${r.file} --classes N`,
  });
  const init = await initialWeights(tinySpec.build({ numClasses: 3 }), { weights: r.file, reinit: [], seed: 1, init: 'model' });
  assert.deepEqual(init.messages, [`weights: ${r.file} (safetensors, 9 of 13 parameters loaded)`, `fc1, predictions: not in ${r.file} (features only); initialised`]);
  const want = JSON.parse(readFileSync(h5('expected.json'), 'utf8')) as Record<string, { values: number[] }>;
  assert.deepEqual([...init.weights.get('block1_conv1/kernel')!.data], want['block1_conv1/kernel']!.values.map(Math.fround));
});
