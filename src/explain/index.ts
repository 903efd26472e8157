// explain: what a model does with one image, as tensors (Grad-CAM, occlusion, feature maps,
// filters, the fully convolutional class map), and conv filters as images.
export { explain } from './explain.js';
export { defaultLayer, layerChoices, resolveLayer } from './layers.js';
export { hasFcn } from './fcn.js';
export { gradcam, pearson } from './maps.js';
export type { Activation, ExplainMap, ExplainOptions, ExplainPrediction, ExplainResult, ExplainWeights, FcnMap, LogitSpread, OcclusionMap } from './types.js';
export { filterGrid, filterGridPixels } from './filters.js';
export type { FilterGridImage, FilterGridOptions, FilterGridPixels, FilterLayout } from './filters.js';
