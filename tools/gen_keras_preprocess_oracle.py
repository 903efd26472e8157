#!/usr/bin/python3
"""Reference outputs for the Keras presets in test/data/keras_preprocess.test.ts.

  /usr/bin/python3 tools/gen_keras_preprocess_oracle.py --out test/.generated

Writes <out>/keras_preprocess/ in the layout of tools/gen_preprocess_oracle.py (raw
little-endian arrays and oracle.json). Each image goes through what Keras Applications
users run: keras_preprocessing's image.load_img(path, target_size=(h, w)) (PIL open,
convert('RGB'), Image.resize((w, h), NEAREST) when the size differs; reproduced here, as
keras_preprocessing is not installed), img_to_array (float32, HWC), then
keras_applications.imagenet_utils.preprocess_input in mode 'caffe' or 'tf'.

  <name>/nearest_<h>x<w>    the load_img image, HWC uint8
  <name>/caffe_<h>x<w>      preprocess_input(mode='caffe'), HWC float32 (BGR)
  <name>/tf_<h>x<w>         preprocess_input(mode='tf'), HWC float32
  resize/<w>x<h>            chelsea through Image.resize((w, h), NEAREST), HWC uint8
"""
import argparse
import os
import types

import numpy as np
from PIL import Image
from keras_applications import imagenet_utils

from oracle_writer import Writer

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, '..', 'test', 'fixtures', 'images')
# keras_applications takes its backend as a keyword; the numpy path only asks these two.
BACKEND = types.SimpleNamespace(image_data_format=lambda: 'channels_last', floatx=lambda: 'float32')


def load_img(path, h, w):
    """keras_preprocessing.image.utils.load_img(path, target_size=(h, w)) with its defaults."""
    img = Image.open(path)
    if img.mode != 'RGB':
        img = img.convert('RGB')
    if img.size != (w, h):
        img = img.resize((w, h), Image.NEAREST)
    return img


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    w = Writer(args.out, 'keras_preprocess')
    for file in ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png']:
        name = file.split('.')[0]
        for (h, wd) in [(224, 224), (299, 299), (150, 200)]:
            img = load_img(os.path.join(IMAGES, file), h, wd)
            w.put(f'{name}/nearest_{h}x{wd}', np.asarray(img))
            for mode in ['caffe', 'tf']:
                x = np.asarray(img, dtype=np.float32).copy()  # img_to_array
                y = imagenet_utils.preprocess_input(x, mode=mode, backend=BACKEND)
                w.put(f'{name}/{mode}_{h}x{wd}', y.astype(np.float32))
    chelsea = Image.open(os.path.join(IMAGES, 'chelsea.png')).convert('RGB')
    # chelsea is 451x300: shrink, enlarge, one axis only, mixed, degenerate, thirds.
    for (rw, rh) in [(224, 224), (100, 37), (1000, 701), (451, 150), (3, 5), (1, 1), (7, 900), (1353, 900), (150, 100)]:
        w.put(f'resize/{rw}x{rh}', np.asarray(chelsea.resize((rw, rh), Image.NEAREST)))
    w.finish()


if __name__ == '__main__':
    main()
