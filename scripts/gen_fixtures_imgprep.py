#!/usr/bin/env python3
"""OpenCV's answers for tests/test_imgprep.c: cv2.resize with INTER_AREA (Gymnasium's
ResizeObservation) and cv2.cvtColor RGB2GRAY (the luma of env.pixels' and env.grayscale).

Usage (OpenCV is needed here only, never to build or run rlc; on Debian:
`apt-get install -y python3-opencv`):

    /usr/bin/python3 scripts/gen_fixtures_imgprep.py [OUT_DIR]

OUT_DIR defaults to tests/fixtures/imgprep. The input images are not stored: each is made from
a seed by the 32-bit LCG x <- 1664525 x + 1013904223 (mod 2^32), one value per draw, x >> 24,
row by row with the channels of a pixel together; the "blocks" images paint 8 x 8 tiles of a few
flat colours (as CarRacing's grass, road and kerbs) from the same generator. test_imgprep.c makes
the same images and holds the same table of cases (keep the two tables alike). Each case writes
its output as raw bytes (height, width, channels), C order. (OpenCV 4.6 refuses more than 4 channels
at a non-integer scale, so no case has them; rlc applies the same per-channel rule to any count.)

    resize_<name>.u8   cv2.resize(img, (out_w, out_h), interpolation=cv2.INTER_AREA)
    gray_<name>.u8     cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) (the 3-channel cases of GRAY_CASES)
"""
import os
import sys

import cv2
import numpy as np

# name, seed, input (h, w, c), output (h, w), pattern
CASES = [
    ("car64", 1, (96, 96, 3), (64, 64), "random"),
    ("car84", 2, (96, 96, 3), (84, 84), "random"),
    ("odd23x37", 3, (96, 96, 3), (23, 37), "random"),
    ("odd101x77", 4, (101, 77, 3), (64, 48), "random"),
    ("half2x2", 5, (96, 96, 3), (48, 48), "random"),
    ("third1", 6, (96, 96, 1), (32, 32), "random"),
    ("half4", 7, (90, 60, 4), (45, 30), "random"),
    ("half2ch", 8, (64, 64, 2), (32, 32), "random"),
    ("wide64", 9, (96, 96, 3), (96, 64), "random"),
    ("same", 10, (84, 84, 1), (84, 84), "random"),
    ("blocks64", 11, (96, 96, 3), (64, 64), "blocks"),
    ("blocks21", 12, (96, 96, 3), (21, 50), "blocks"),
]

# the cases whose input also gets its luma fixture
GRAY_CASES = ("car64", "odd101x77", "blocks64")


def lcg_bytes(seed, n):
    x = seed & 0xFFFFFFFF
    out = np.empty(n, dtype=np.uint8)
    for i in range(n):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = x >> 24
    return out


def make_image(seed, shape, pattern):
    h, w, c = shape
    if pattern == "random":
        return lcg_bytes(seed, h * w * c).reshape(h, w, c)
    draws = lcg_bytes(seed, 4 * c + ((h + 7) // 8) * ((w + 7) // 8))
    palette = draws[: 4 * c].reshape(4, c)
    tiles = draws[4 * c:].reshape((h + 7) // 8, (w + 7) // 8) % 4
    img = np.empty(shape, dtype=np.uint8)
    for y in range(h):
        for x in range(w):
            img[y, x] = palette[tiles[y // 8, x // 8]]
    return img


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests",
                                                                 "fixtures", "imgprep")
    os.makedirs(out_dir, exist_ok=True)
    for name, seed, shape, (oh, ow), pattern in CASES:
        img = make_image(seed, shape, pattern)
        res = cv2.resize(img, (ow, oh), interpolation=cv2.INTER_AREA).reshape(oh, ow, shape[2])
        res.astype(np.uint8).tofile(os.path.join(out_dir, "resize_%s.u8" % name))
        if name in GRAY_CASES:
            gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
            gray.astype(np.uint8).tofile(os.path.join(out_dir, "gray_%s.u8" % name))
    print("OpenCV %s: %d cases written to %s" % (cv2.__version__, len(CASES), out_dir))


if __name__ == "__main__":
    main()
