#!/usr/bin/python3
"""Reference outputs for test/data/preprocess.test.ts, made with PIL and torchvision.

  /usr/bin/python3 tools/gen_preprocess_oracle.py --out test/.generated

Writes <out>/preprocess/: raw little-endian arrays (uint8 or float32) and oracle.json,
which lists every array with its dtype and shape:

  decoded      PIL Image.open(f).convert('RGB'), HWC uint8 (the input to everything else)
  torchvision  Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet), [3,224,224]
               plus the Resize(256) output as HWC uint8, and a few other size settings
  caffe        PIL resize to 256x256 BILINEAR, crop [14:241, 14:241], RGB->BGR,
               minus (104, 117, 123), CHW float32, plus the 256x256 uint8 resize
  resize       Image.resize((w, h), BILINEAR) of chelsea to assorted sizes, HWC uint8
  cmyk         Image.convert('RGB') of a CMYK image holding every (ink, K) pair, and a
               CMYK JPEG saved by PIL with PIL's RGB reading of it
"""
import argparse
import io
import os

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

from oracle_writer import Writer

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, '..', 'test', 'fixtures', 'images')
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def torchvision_tensor(img, resize, crop):
    t = transforms.Compose([
        transforms.Resize(resize),
        transforms.CenterCrop(crop),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ])
    return t(img).numpy()


def caffe_tensor(img):
    warped = img.resize((256, 256), Image.BILINEAR)
    a = np.asarray(warped, dtype=np.float32)[14:14 + 227, 14:14 + 227, ::-1]  # BGR
    a = a - np.array([104, 117, 123], dtype=np.float32)
    return np.asarray(warped), a.transpose(2, 0, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    w = Writer(args.out, 'preprocess')

    for file in ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png']:
        name = file.split('.')[0]
        img = Image.open(os.path.join(IMAGES, file)).convert('RGB')
        w.put(f'{name}/decoded', np.asarray(img))
        w.put(f'{name}/resize256', np.asarray(transforms.Resize(256)(img)))
        w.put(f'{name}/torchvision', torchvision_tensor(img, 256, 224))
        warped, caffe = caffe_tensor(img)
        w.put(f'{name}/warp256', warped)
        w.put(f'{name}/caffe', caffe)

    chelsea = Image.open(os.path.join(IMAGES, 'chelsea.png')).convert('RGB')
    # Other torchvision settings: inception_v3's 342/299, an odd margin (Python's
    # round-half-even picks the crop offset), and a crop larger than the image (zero padding).
    w.put('chelsea/torchvision_342_299', torchvision_tensor(chelsea, 342, 299))
    w.put('chelsea/torchvision_256_223', torchvision_tensor(chelsea, 256, 223))
    w.put('chelsea/torchvision_100_120', torchvision_tensor(chelsea, 100, 120))
    w.put('chelsea/torchvision_256_225x201', torchvision_tensor(chelsea, 256, (225, 201)))

    # chelsea is 451x300: shrink, enlarge, one axis only, mixed, degenerate.
    for (rw, rh) in [(224, 224), (100, 37), (1000, 701), (451, 150), (150, 300), (3, 5),
                     (1, 1), (640, 200), (7, 900), (45, 30), (452, 299)]:
        w.put(f'resize/{rw}x{rh}', np.asarray(chelsea.resize((rw, rh), Image.BILINEAR)))

    # Every (ink, K) pair: C = M = Y = column, K = row.
    ink, k = np.meshgrid(np.arange(256), np.arange(256))
    cmyk = np.stack([ink, ink, ink, k], -1).astype(np.uint8)
    w.put('cmyk/input', cmyk)
    w.put('cmyk/rgb', np.asarray(Image.fromarray(cmyk, 'CMYK').convert('RGB')))
    # A CMYK JPEG as PIL writes it (Adobe marker, inverted inks) and PIL's reading of it.
    small = chelsea.resize((64, 43), Image.BILINEAR).convert('CMYK')
    buf = io.BytesIO()
    small.save(buf, 'JPEG', quality=95)
    w.put('cmyk/jpeg', np.frombuffer(buf.getvalue(), dtype=np.uint8))
    w.put('cmyk/jpeg_rgb', np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert('RGB')))

    w.finish()


if __name__ == '__main__':
    main()
