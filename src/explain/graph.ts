// The one ONNX graph behind Grad-CAM, occlusion and the feature maps: the model's forward
// pass with every end point as an output, and the gradient of the chosen class's logit
// with respect to Grad-CAM's layer, appended by src/grad.
//
// The class enters as a one-hot input `class_onehot` [B, classes]: y = Σ_{n,c} logits[n,c]
// · onehot[n,c], so row n's gradient ∂y/∂A[n] is ∂logits[n,c_n]/∂A[n] for the class c_n of
// that row, and zero for a row whose one-hot is zero. One batch thus carries Grad-CAM rows
// and occlusion rows together. The gradient needs static shapes (src/grad's seed), so the
// batch is a number.
import * as b from '../graph/build.js';
import type { Value } from '../graph/graph.js';
import { gradients } from '../grad/index.js';
import type { BuiltModel, ModelSpec } from '../models/types.js';
import type { Feature } from '../nn/net.js';
import { defaultLayer, resolveLayer } from './layers.js';

export interface ExplainGraph {
  model: BuiltModel;
  layer: { name: string; endPoint: string; feature: Feature };
  batch: number;
  /** ONNX outputs: logits, probabilities, grad (∂y/∂A in A's layout), and `ep:<end point>` per end point. */
  outputs: Record<string, Value>;
  /** End point names in network order, each with the output that carries it. */
  endPoints: { name: string; output: string; feature: Feature }[];
}

export const ONEHOT = 'class_onehot';

export function explainGraph(spec: ModelSpec, o: { numClasses: number; inputSize: [number, number]; batch: number; layer?: string }): ExplainGraph {
  const m = spec.build({ numClasses: o.numClasses, inputSize: o.inputSize, batch: o.batch });
  const layer = resolveLayer(m, o.layer ?? defaultLayer(m));
  const g = m.graph;
  const logits = m.output;
  if (logits.shape.length !== 2) throw new Error(`${spec.name}: explain needs logits [batch, classes], the model gives [${logits.shape.join(',')}]`);
  const onehot = g.input(ONEHOT, { dtype: 'float32', shape: [o.batch, o.numClasses] });
  const y = b.reduce('ReduceSum', b.mul(logits, onehot, 'explain/picked'), [0, 1], false, 'explain/class_logit');
  const a = layer.feature.value;
  const grad = gradients(g, y, [a]).get(a)!;
  const outputs: Record<string, Value> = { logits, probabilities: b.softmax(logits, -1, 'probabilities'), grad };
  // an ONNX value is one graph output: an end point that is the logits reads them
  const endPoints = Object.entries(m.endPoints).map(([name, feature]) => {
    const have = Object.keys(outputs).find((k) => outputs[k] === feature.value);
    const output = have ?? `ep:${name}`;
    if (!have) outputs[output] = feature.value;
    return { name, output, feature };
  });
  return { model: m, layer, batch: o.batch, outputs, endPoints };
}
