// The table of `alexnet train`. The defaults shown here are the ones src/train/config.ts
// fills in (test/cli/help_docs.test.ts checks them against it).
import { OPTIMIZERS } from '../../optim/optimizers.js';
import { SCHEDULE_KINDS } from '../../optim/schedule.js';
import { NAN_BACKOFF, NAN_POLICIES, NAN_RETRIES } from '../../train/guard.js';
import type { CommandSpec } from '../spec.js';
import { batchOption, maxPixelsOption, modelOption, PER_CORE_MAX, THREADS } from './shared.js';

/**
 * Choices of the choice options. The optimizer, schedule and NaN-policy lists are the
 * library's own (light modules); init and augment are written out, because their modules
 * load the model and image code, which --help must not (test/cli/help_docs.test.ts checks
 * them against the library's lists).
 */
export const TRAIN_CHOICES = {
  optimizer: OPTIMIZERS,
  schedule: SCHEDULE_KINDS,
  init: ['model', 'kaiming'],
  augment: ['none', 'crop', 'resized-crop'],
  'nan-policy': NAN_POLICIES,
} as const;

export const trainSpec: CommandSpec = {
  name: 'train',
  summary: 'train or fine-tune on an image folder, a list file or IDX data; checkpoints, resume, logs',
  description:
    'Trains a model from scratch or fine-tunes pretrained weights. Each epoch (or every --checkpoint-every steps) writes a checkpoint ' +
    '(ckpt-<step>/: weights in the bundle format, optimizer state, run state) and log.jsonl lines to --out; ' +
    '--resume continues a run exactly where its newest complete checkpoint left it. Progress goes to stdout (stderr with --json).',
  alsoUsage: ['alexnet train --resume DIR [options]'],
  options: [
    { name: 'data', type: 'string', value: 'PATH', required: 'unless --resume', help: 'ImageFolder (PATH/<class>/*.jpg), a list file ("path label" per line), or IDX (a directory with train-/t10k-*-idx?-ubyte[.gz])' },
    { name: 'out', short: 'o', type: 'string', value: 'DIR', required: 'unless --resume', help: 'run directory: checkpoints and log.jsonl' },
    { name: 'resume', type: 'string', value: 'DIR', help: 'continue the run in DIR from its newest complete checkpoint' },
    { name: 'val', type: 'string', value: 'PATH', help: 'validation data (an IDX directory gives its t10k split)' },
    { name: 'val-split', type: 'number', value: 'F', range: '(0, 1)', rangeText: 'a fraction in (0, 1)', help: 'hold out this fraction of --data for validation' },
    modelOption(),
    { name: 'classes', type: 'int', value: 'N', min: 1, defaultText: "the data's", help: 'classes of the last layer; a change from --weights re-initialises the layers whose shape changed' },
    { name: 'input', type: 'size', value: 'HxW', defaultText: "the model's", help: 'input size (alexnet takes >= 63x63)' },
    { name: 'global-pool', type: 'boolean', help: 'alexnet_v2: average fc7 over space (for inputs other than 224x224)' },
    { name: 'epochs', type: 'int', value: 'E', default: 10, min: 1, help: 'passes over the training data' },
    batchOption(32, 'images per step; the loss is the batch mean'),
    { name: 'lr', type: 'number', value: 'X', default: 0.01, range: '(0, inf)', rangeText: 'a positive number', help: 'learning rate' },
    { name: 'optimizer', type: 'choice', value: 'O', default: 'sgd', choices: TRAIN_CHOICES.optimizer, help: "sgd with momentum (PyTorch's rule) or adamw (torch.optim.AdamW, eps 1e-8)" },
    { name: 'betas', type: 'string', value: 'B1,B2', default: '0.9,0.999', help: 'adamw: the moment decay rates, each in [0, 1)' },
    { name: 'momentum', type: 'number', value: 'M', default: 0.9, range: '[0, 1)', help: 'sgd: momentum' },
    { name: 'nesterov', type: 'boolean', help: "sgd: Nesterov's momentum" },
    { name: 'weight-decay', type: 'number', value: 'W', range: '[0, inf)', rangeText: 'a number >= 0', defaultText: "the model's: alexnet 0.0001, alexnet_v2 and bvlc_alexnet 0.0005", help: 'L2 on weights, counted in the loss; decoupled with adamw' },
    { name: 'schedule', type: 'choice', value: 'S', default: 'constant', choices: TRAIN_CHOICES.schedule, help: 'learning-rate schedule' },
    { name: 'step-epochs', type: 'int', value: 'N', default: 30, min: 1, help: 'step schedule: epochs between decays' },
    { name: 'gamma', type: 'number', value: 'G', default: 0.1, range: '(0, 1]', help: 'step schedule: the decay factor' },
    { name: 'min-lr', type: 'number', value: 'X', default: 0, range: '[0, inf)', rangeText: 'a number >= 0', help: 'cosine schedule: the final rate' },
    { name: 'warmup-steps', type: 'int', value: 'N', default: 0, min: 0, help: 'ramp the rate linearly up over the first N steps' },
    { name: 'clip-norm', type: 'number', value: 'X', range: '(0, inf)', rangeText: 'a positive number', defaultText: 'no clipping', help: 'clip the gradient to global L2 norm X' },
    { name: 'dropout-keep', type: 'number', value: 'P', default: 0.5, range: '(0, 1]', help: 'keep probability of dropout layers (training only)' },
    { name: 'label-smoothing', type: 'number', value: 'E', default: 0, range: '[0, 1)', help: "cross-entropy against (1 - E) * one-hot + E / classes, as PyTorch's label_smoothing" },
    { name: 'train-layers', type: 'list', value: 'L', defaultText: 'all', help: 'train only these layers (e.g. fc8,fc7 or classifier.6); the others are frozen' },
    { name: 'weights', short: 'w', type: 'string', value: 'FILE', help: "start from .pth, .npy, .onnx, .safetensors or Keras .h5 weights (kratzert's bvlc_alexnet.npy too; a Keras _notop file gives the features, the head starts fresh), a checkpoint or a run directory" },
    { name: 'pretrained', type: 'boolean', help: "start from the model's downloaded ImageNet weights (alexnet weights download NAME; in $ALEXNET_HOME)" },
    { name: 'reinit', type: 'list', value: 'L', help: 're-initialise these layers after loading --weights' },
    { name: 'init', type: 'choice', value: 'S', default: 'model', choices: TRAIN_CHOICES.init, help: "initialisers of what is not loaded: the model's own, or kaiming (conv N(0, 2/fan_out), fc N(0, 0.01), biases 0)" },
    { name: 'augment', type: 'choice', value: 'A', default: 'none', choices: TRAIN_CHOICES.augment, help: 'random crop, or RandomResizedCrop' },
    { name: 'flip', type: 'boolean', help: 'random horizontal flips' },
    { name: 'seed', type: 'int', value: 'S', default: 0, min: 0, help: 'seeds initialisation, shuffling, augmentation and dropout' },
    { name: 'nan-policy', type: 'choice', value: 'P', default: 'reduce-lr', choices: TRAIN_CHOICES['nan-policy'], help: 'on a NaN: go back and lower the rate (--nan-retries, --nan-backoff), skip the batch, or stop' },
    { name: 'nan-retries', type: 'int', value: 'N', default: NAN_RETRIES, min: 0, help: 'reduce-lr: rate reductions before giving up (the default carries a rate 1000x too high)' },
    { name: 'nan-backoff', type: 'number', value: 'F', default: NAN_BACKOFF, range: '(0, 1)', help: 'reduce-lr: each reduction multiplies the rate by F' },
    { name: 'keep', type: 'int', value: 'K', default: 3, min: 1, help: 'newest checkpoints kept, besides the best by validation top-1' },
    { name: 'checkpoint-every', type: 'int', value: 'N', default: 0, min: 0, help: 'also checkpoint every N steps (0: at the end of each epoch only)' },
    { name: 'logdir', type: 'string', value: 'DIR', help: 'TensorBoard event files: scalars, histograms, conv1 filters, and the training graph scoped by layer (Graphs tab)' },
    { name: 'log-every', type: 'int', value: 'N', default: 10, min: 1, help: 'a log.jsonl line and TensorBoard scalars every N steps' },
    { name: 'histogram-every', type: 'int', value: 'N', default: 100, min: 0, help: 'TensorBoard histograms of weights and gradients every N steps (0: never)' },
    { name: 'train-limit', type: 'int', value: 'N', min: 1, help: 'use a seeded random subset of N training images' },
    { name: 'val-limit', type: 'int', value: 'N', min: 1, help: 'use a seeded random subset of N validation images' },
    { name: 'max-steps', type: 'int', value: 'N', min: 1, help: 'stop after N steps in total (resume later to go on)' },
    THREADS,
    maxPixelsOption('skip'),
    { name: 'workers', type: 'int', value: 'N', min: 0, max: PER_CORE_MAX, defaultText: 'cores - 1, at least 1', help: 'image decoding threads (0 decodes on the main thread)' },
  ],
  json: '{"epochs", "steps", "trainLoss", "valTop1", "valTop5", "imagesPerSec", "wallImagesPerSec", "checkpoint", "best"} as the last line of stdout',
  examples: [
    { command: 'alexnet weights download alexnet\nalexnet train --data photos/ --val-split 0.2 --pretrained --train-layers classifier.6 --epochs 5 --out runs/ft', caption: 'Fine-tune the last layer of ImageNet weights on a folder of photos' },
    { command: 'alexnet train --resume runs/ft --epochs 8', caption: 'Continue that run for three more epochs' },
    { command: 'alexnet train --data /usr/share/datasets/fashion-mnist --val /usr/share/datasets/fashion-mnist --input 64x64 --optimizer adamw --lr 2e-4 --weight-decay 0.05 --init kaiming --out runs/fashion', caption: 'Fashion-MNIST from scratch (IDX files)' },
  ],
};
