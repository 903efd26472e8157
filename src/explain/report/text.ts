// Every sentence of the report, in English and Japanese, in one typed table: `Texts` names
// each text once, and both languages must give all of them (the compiler checks, and
// test/explain/report.test.ts checks the keys at run time), so the two cannot drift.
// Values are plain text; the page escapes them.

export type Lang = 'en' | 'ja';
export const LANGS: readonly Lang[] = ['en', 'ja'];

/** One layer of the walk-through, its numbers already formatted. */
export interface LayerFacts {
  name: string;
  kernel: string;
  stride: string;
  /** Output shape, e.g. `55×55×64`. */
  shape: string;
  params: string;
  macs: string;
  rf: string;
  /** The receptive field is the whole input. */
  global: boolean;
  /** Output channels (filters) or units. */
  channels: number;
  /** Inputs of a fully connected layer. */
  inputs: number;
}

/** What a layer's output does on this image. */
export interface SpatialFacts {
  zeroPercent: string;
  channel: number;
  mean: string;
  row: number;
  col: number;
  /** The input pixels the peak looks at. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface Texts {
  title(model: string, file: string): string;
  lead: string;
  weightsTrained: string;
  weightsRandom(seed: number): string;
  s1: string;
  s1Body(width: number, height: number, preset: string): string;
  original(width: number, height: number): string;
  modelView(width: number, height: number): string;
  s2: string;
  s2Body: string;
  colClass: string;
  colProbability: string;
  s3: string;
  s3Body(layer: string): string;
  gradcamCaption(label: string, layer: string, rows: number, cols: number): string;
  s4: string;
  s4Body(patch: number, stride: number, positions: number): string;
  occlusionCaption(label: string, base: string, drop: string): string;
  s5: string;
  s5Body(k: number): string;
  featureCaption(name: string, shape: string, rf: string): string;
  channelList(list: string): string;
  s6: string;
  s6Body(name: string, count: number, size: string): string;
  s7: string;
  s7Body(label: string, width: number, height: number, rows: number, cols: number): string;
  s7None: string;
  s8: string;
  s8Body: string;
  diagram: string;
  conv(f: LayerFacts): string;
  fc(f: LayerFacts): string;
  maxPool(f: LayerFacts): string;
  lrn(f: LayerFacts): string;
  avgPool(f: LayerFacts): string;
  globalMean(f: LayerFacts): string;
  otherLayer(f: LayerFacts, op: string): string;
  facts(f: LayerFacts): string;
  spatial(s: SpatialFacts): string;
  vector(active: number, units: number): string;
  logits(label: string): string;
  s9: string;
  s9Random(seed: number): string;
  s9Spread(inputs: number, acrossInputs: string, acrossClasses: string, ratio: string): string;
  s9Argmax(list: string): string;
  s9Trained: string;
  low: string;
  high: string;
  footer(model: string): string;
  unitsTitle(model: string, layer: string): string;
  unitsBody(top: number, files: number, channels: number, rf: string): string;
  unitsRandom: string;
  unitsChannel(channel: number): string;
  unitsHit(file: string, value: string): string;
  unitsFailed(count: number, list: string): string;
}

const en: Texts = {
  title: (model, file) => `What ${model} sees in ${file}`,
  lead: 'This page follows the image through the network step by step: what the network is given, what it answers, which parts of the image the answer rests on, and what every layer does on the way.',
  weightsTrained: 'Weights: trained (pretrained weights).',
  weightsRandom: (seed) => `Weights: random (seed ${seed}). This network has learned nothing; section 9 explains what that means for its answers.`,
  s1: '1. The input as the model sees it',
  s1Body: (w, h, preset) =>
    `The network does not see the photo as you do. The photo is resized and cropped to ${w}×${h} pixels and its colours are normalised (${preset} preprocessing). The right-hand picture is exactly that input, turned back into colours.`,
  original: (w, h) => `The original (${w}×${h})`,
  modelView: (w, h) => `What the model sees (${w}×${h})`,
  s2: '2. The top 5 classes',
  s2Body: 'The five classes with the highest probability. The probabilities are the softmax of the last layer’s scores (the logits), so all 1000 of them add up to 1.',
  colClass: 'class',
  colProbability: 'probability',
  s3: '3. Grad-CAM: where the class is found',
  s3Body: (layer) =>
    `Grad-CAM (Selvaraju et al. 2017) looks at the maps of layer ${layer}. It weighs each channel by how much the class’s score rises when that channel rises (the mean of the gradient), adds the weighted maps and keeps the positive part. Bright areas are where this layer’s features speak for the class.`,
  gradcamCaption: (label, layer, rows, cols) => `${label}: ${layer}, a ${rows}×${cols} map`,
  s4: '4. Occlusion: what the answer depends on',
  s4Body: (patch, stride, positions) =>
    `A square of ${patch}×${patch} pixels in the dataset’s mean colour covers part of the input, moving in steps of ${stride} pixels over ${positions} positions, and the class’s probability is measured each time (Zeiler & Fergus 2013). Bright: covering that spot lowers the probability the most.`,
  occlusionCaption: (label, base, drop) => `${label}: p = ${base} uncovered; the largest drop is ${drop}`,
  s5: '5. Feature maps',
  s5Body: (k) =>
    `Each layer outputs a stack of maps, one per channel (one per filter). For every layer these are the ${k} channels with the highest mean activation on this image; brighter means a stronger response. Early layers respond to edges and colours, later layers to larger parts of objects.`,
  featureCaption: (name, shape, rf) => `${name} · output ${shape} · receptive field ${rf} pixels`,
  channelList: (list) => `Channels, left to right, top to bottom: ${list}`,
  s6: '6. The filters of the first layer',
  s6Body: (name, count, size) =>
    `The ${count} filters of ${name}, each ${size} pixels, drawn as small colour pictures (each scaled on its own). Trained networks learn edge detectors and colour blobs here, as in figure 3 of Krizhevsky et al. 2012; random filters look like noise.`,
  s7: '7. A fully convolutional class map',
  s7Body: (label, w, h, rows, cols) =>
    `The fully connected layers at the end can be read as convolutions, so the network also runs on a larger picture (${w}×${h}) and gives the class a score at every position: a ${rows}×${cols} grid. Each cell is the score of “${label}” for one window of the picture.`,
  s7None: 'This model has no fully convolutional form, so this section is empty.',
  s8: '8. Walk-through, layer by layer',
  s8Body: 'First the whole network as a diagram: each box is a layer, with the shape of its output (height × width × channels). Then one paragraph per layer.',
  diagram: 'The network as a diagram',
  conv: (f) =>
    `${f.name} is a convolution. ${f.channels} filters of ${f.kernel} pixels slide over its input with a stride of ${f.stride}; at every position each filter takes a weighted sum of the window under it, so each filter makes one map.`,
  fc: (f) => `${f.name} is fully connected: each of its ${f.channels} outputs is a weighted sum of all ${f.inputs} inputs.`,
  maxPool: (f) =>
    `${f.name} is max pooling: it keeps the largest value of each ${f.kernel} window, moving ${f.stride} pixels at a time. The maps get smaller and small shifts of the picture matter less.`,
  lrn: (f) => `${f.name} is local response normalisation: each value is divided by the activity of nearby channels at the same position, so strongly responding channels damp weaker ones.`,
  avgPool: (f) => `${f.name} averages each map down to a fixed size (${f.kernel.replace('→', '')}), whatever the size of the picture.`,
  globalMean: (f) => `${f.name} averages each map into one number.`,
  otherLayer: (f, op) => `${f.name} is a ${op} layer.`,
  facts: (f) =>
    `Output ${f.shape}; ${f.params} parameters; ${f.macs} multiply-accumulates. ` +
    (f.global ? 'Each output value depends on the whole input.' : `Each output value sees ${f.rf} pixels of the input (its receptive field).`),
  spatial: (s) =>
    `On this image ${s.zeroPercent}% of its outputs are zero. Its most active channel is ${s.channel} (mean ${s.mean}); that channel responds most at row ${s.row}, column ${s.col}, which looks at pixels x ${s.x0}–${s.x1}, y ${s.y0}–${s.y1} of the input.`,
  vector: (active, units) => `On this image ${active} of its ${units} outputs are above zero.`,
  logits: (label) => `Its highest score is for “${label}”.`,
  s9: '9. About the weights',
  s9Random: (seed) =>
    `These weights are random (seed ${seed}, as alexnet run makes them). A random network barely looks at the picture: it gives (almost) the same answer for every image, and a different answer for every seed.`,
  s9Spread: (inputs, acrossInputs, acrossClasses, ratio) =>
    `Measured on ${inputs} inputs (this image and random noise images): one class’s score changes from input to input by ${acrossInputs} on average (standard deviation), but the scores of different classes for one input differ by ${acrossClasses}, ${ratio} times as much. The order of the classes is set by the weights, not by the image, so every input gets the same top class.`,
  s9Argmax: (list) => `The top class of each input: ${list}.`,
  s9Trained: 'These are trained weights, so the answers above depend on what is in the image. With random weights this section shows why every image then gets the same class.',
  low: 'low',
  high: 'high',
  footer: (model) => `Made by alexnet explain · model ${model}`,
  unitsTitle: (model, layer) => `What excites each channel of ${model} ${layer}`,
  unitsBody: (top, files, channels, rf) =>
    `For each of the ${channels} channels of this layer, the ${top} images of the folder (${files} images) on which the channel’s strongest response is highest, as in figure 2 of Zeiler & Fergus 2013. Each picture shows the part of the image that the strongest position sees (its receptive field, ${rf} pixels) in a yellow frame, with some of its surroundings. The file name and the response are under it.`,
  unitsRandom: 'The weights are random: the channels respond to accidents of colour and texture, not to learned patterns.',
  unitsChannel: (channel) => `Channel ${channel}`,
  unitsHit: (file, value) => `${file} (response ${value})`,
  unitsFailed: (count, list) => `Images that could not be read (${count}): ${list}`,
};

const ja: Texts = {
  title: (model, file) => `${model} には ${file} がどう見えているか`,
  lead: 'このページでは、画像がネットワークの中をどう進むのかを順に追います。ネットワークに何が渡され、どう答えたのか、その答えが画像のどの部分にもとづいているのか、そして途中の各層が何をしているのかを見ていきます。',
  weightsTrained: '重み: 学習済み',
  weightsRandom: (seed) => `重み: ランダム（シード ${seed}）。このネットワークはまだ何も学習していません。それが答えにどう影響するかは 9 節で説明します。`,
  s1: '1. モデルから見た入力',
  s1Body: (w, h, preset) =>
    `ネットワークは、人と同じように写真を見ているわけではありません。写真は ${w}×${h} ピクセルにリサイズ・切り抜きされ、色の値が正規化されます（前処理: ${preset}）。右の画像は、その入力をそのまま色に戻したものです。`,
  original: (w, h) => `元の画像（${w}×${h}）`,
  modelView: (w, h) => `モデルが見ている画像（${w}×${h}）`,
  s2: '2. 上位 5 クラス',
  s2Body: '確率が最も高い 5 つのクラスです。確率は最後の層のスコア（ロジット）にソフトマックスをかけたもので、1000 クラス分を足すと 1 になります。',
  colClass: 'クラス',
  colProbability: '確率',
  s3: '3. Grad-CAM: クラスはどこに見つかったか',
  s3Body: (layer) =>
    `Grad-CAM（Selvaraju ら, 2017）は、層 ${layer} のマップを使います。各チャネルに「そのチャネルが強くなるとクラスのスコアがどれだけ上がるか」（勾配の平均）で重みを付けて足し合わせ、正の部分だけを残します。明るいところほど、この層の特徴がそのクラスを支持している場所です。`,
  gradcamCaption: (label, layer, rows, cols) => `${label}: ${layer}、${rows}×${cols} のマップ`,
  s4: '4. オクルージョン: 答えは画像のどこに頼っているか',
  s4Body: (patch, stride, positions) =>
    `データセットの平均色で塗った ${patch}×${patch} ピクセルの正方形で入力の一部を隠し、${stride} ピクセルずつずらしながら全部で ${positions} か所、そのたびにクラスの確率を測ります（Zeiler & Fergus, 2013）。明るいところほど、そこを隠したときに確率が大きく下がります。`,
  occlusionCaption: (label, base, drop) => `${label}: 隠さないときの確率 ${base}、最大の低下 ${drop}`,
  s5: '5. 特徴マップ',
  s5Body: (k) =>
    `各層は、チャネルごと（フィルタごと）に 1 枚ずつ、何枚ものマップを出力します。ここでは層ごとに、この画像に対する平均の活性が最も高い ${k} 個のチャネルを並べました。明るいほど強く反応しています。前のほうの層はエッジや色に、後ろのほうの層は物体のより大きな部分に反応します。`,
  featureCaption: (name, shape, rf) => `${name} · 出力 ${shape} · 受容野 ${rf} ピクセル`,
  channelList: (list) => `チャネル番号（左上から右へ、上の行から順に）: ${list}`,
  s6: '6. 最初の層のフィルタ',
  s6Body: (name, count, size) =>
    `${name} の ${count} 個のフィルタ（それぞれ ${size} ピクセル）を、小さなカラー画像として並べました（明るさはフィルタごとに調整）。学習済みのネットワークでは、Krizhevsky ら（2012）の図 3 のように、エッジを検出するフィルタや色の斑点がここに現れます。ランダムなフィルタはノイズのように見えます。`,
  s7: '7. 全畳み込みのクラスマップ',
  s7Body: (label, w, h, rows, cols) =>
    `最後のほうの全結合層は畳み込みとして読み替えられるので、ネットワークはもっと大きな画像（${w}×${h}）にも使え、位置ごとにクラスのスコアを出せます。ここでは ${rows}×${cols} のマス目になり、各マスは画像の 1 つの窓に対する「${label}」のスコアです。`,
  s7None: 'このモデルには全畳み込みの形がないため、この節は空です。',
  s8: '8. ウォークスルー: 層ごとの説明',
  s8Body: 'まず、ネットワーク全体を図で示します。箱の 1 つが 1 つの層で、出力の形（高さ × 幅 × チャネル数）を添えています。続いて、層ごとに短く説明します。',
  diagram: 'ネットワークの図',
  conv: (f) =>
    `${f.name} は畳み込み層です。${f.kernel} ピクセルのフィルタ ${f.channels} 個が、${f.stride} ピクセルずつずれながら入力の上を動き、各位置で窓の中の値の重み付き和を計算します。フィルタ 1 個につき 1 枚のマップができます。`,
  fc: (f) => `${f.name} は全結合層です。${f.channels} 個の出力のそれぞれが、${f.inputs} 個の入力すべての重み付き和です。`,
  maxPool: (f) =>
    `${f.name} は最大値プーリングです。${f.kernel} の窓の中の最大値だけを残し、窓を ${f.stride} ピクセルずつ動かします。マップが小さくなり、画像が少しずれても結果が変わりにくくなります。`,
  lrn: (f) => `${f.name} は局所応答正規化（LRN）です。各値を、同じ位置にある近くのチャネルの活性で割ります。強く反応したチャネルが、まわりの弱いチャネルを抑えます。`,
  avgPool: (f) => `${f.name} は、画像の大きさにかかわらず、各マップを平均して決まった大きさ（${f.kernel.replace('→', '')}）に縮めます。`,
  globalMean: (f) => `${f.name} は、各マップ全体の平均を取って 1 つの数にします。`,
  otherLayer: (f, op) => `${f.name} は ${op} 層です。`,
  facts: (f) =>
    `出力の形は ${f.shape}、パラメータ数は ${f.params}、積和演算の回数は ${f.macs} です。` +
    (f.global ? '出力のどの値も、入力全体から計算されます。' : `出力の 1 つの値が見ている入力の範囲（受容野）は ${f.rf} ピクセルです。`),
  spatial: (s) =>
    `この画像では、出力の ${s.zeroPercent}% がゼロです。最も活性の高いチャネルは ${s.channel} 番（平均 ${s.mean}）で、その反応がいちばん強いのは ${s.row} 行 ${s.col} 列、入力でいえば x ${s.x0}〜${s.x1}、y ${s.y0}〜${s.y1} の範囲です。`,
  vector: (active, units) => `この画像では、${units} 個の出力のうち ${active} 個がゼロより大きい値です。`,
  logits: (label) => `スコアがいちばん高いのは「${label}」です。`,
  s9: '9. 重みについて',
  s9Random: (seed) =>
    `この重みはランダムです（シード ${seed}。alexnet run と同じ作り方です）。ランダムなネットワークは、画像の中身をほとんど見ていません。どの画像にも（ほぼ）同じ答えを返し、シードを変えると答えも変わります。`,
  s9Spread: (inputs, acrossInputs, acrossClasses, ratio) =>
    `${inputs} 個の入力（この画像と、乱数で作ったノイズ画像）で測ると、1 つのクラスのスコアが入力によって変わる幅（標準偏差）は平均 ${acrossInputs} です。一方、1 つの入力の中でのクラスどうしのスコアのばらつきは平均 ${acrossClasses} で、その ${ratio} 倍もあります。クラスの順位は画像ではなく重みで決まってしまうので、どの入力でも同じクラスが 1 位になります。`,
  s9Argmax: (list) => `各入力の 1 位のクラス: ${list}`,
  s9Trained: 'これは学習済みの重みなので、上の答えは画像の中身によって変わります。ランダムな重みで実行すると、どの画像も同じクラスになる理由をこの節で説明します。',
  low: '低',
  high: '高',
  footer: (model) => `alexnet explain で作成 · モデル ${model}`,
  unitsTitle: (model, layer) => `${model} の ${layer} の各チャネルは何に反応するか`,
  unitsBody: (top, files, channels, rf) =>
    `この層の ${channels} 個のチャネルのそれぞれについて、フォルダの画像（${files} 枚）のうち、そのチャネルの最も強い反応が大きい順に ${top} 枚を並べました（Zeiler & Fergus, 2013 の図 2 と同じ方法です）。各画像では、最も強く反応した位置が見ている部分（受容野、${rf} ピクセル）を黄色の枠で示し、そのまわりも少し含めて切り出しています。下にファイル名と反応の大きさを示します。`,
  unitsRandom: '重みはランダムなので、チャネルは学習したパターンではなく、たまたまの色や模様に反応しています。',
  unitsChannel: (channel) => `チャネル ${channel}`,
  unitsHit: (file, value) => `${file}（反応 ${value}）`,
  unitsFailed: (count, list) => `読み込めなかったファイル（${count} 個）: ${list}`,
};

export const TEXTS: Readonly<Record<Lang, Texts>> = { en, ja };

export function texts(lang: Lang): Texts {
  const t = TEXTS[lang];
  if (!t) throw new Error(`report: unknown language ${JSON.stringify(lang)}; valid languages: ${LANGS.join(', ')}`);
  return t;
}

/** A count in words a reader takes in at a glance: `61.1 million` / `6110万`. */
export function approx(n: number, lang: Lang): string {
  if (lang === 'ja') {
    if (n >= 1e8) return `${+(n / 1e8).toFixed(2)}億`;
    if (n >= 1e4) return `${Math.round(n / 1e4).toLocaleString('en-US')}万`;
    return n.toLocaleString('en-US');
  }
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)} billion`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)} million`;
  if (n >= 1e4) return `${+(n / 1e3).toFixed(1)} thousand`;
  return n.toLocaleString('en-US');
}
