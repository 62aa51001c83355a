"""An upload of a large photo: time and memory to check it and make its renditions.

    .venv/bin/python bench/bench_images.py                # 6,000 x 4,000 JPEG, 3 runs
    .venv/bin/python bench/bench_images.py --width 3000 --height 2000 --runs 1

The JPEG is made once (photo-like: shapes and noise). Each run is a fresh process, so
the memory figure is that upload's, not a warm heap's: it reads the file, records the
peak resident size (ru_maxrss), then
times articles.images.prepare() (decode, checks, renditions, encoding; what the admin
does before storing) and reports the growth of the peak. Targets (issue 20): under 3 s
and under 300 MB. Exits 1 if a run misses one. No database needed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 3.0
TARGET_MB = 300

_MAKE = """
import sys
from PIL import Image
width, height, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
# Photo-like: smooth shapes plus sensor noise (flat colour would flatter the figures, pure
# noise is a 17 MB JPEG no camera makes).
small = Image.merge("RGB", [Image.effect_mandelbrot((600, 400), (-2, -1, 1, 1), n)
                            for n in (40, 80, 160)])
picture = Image.blend(small.resize((width, height), Image.BICUBIC),
                      Image.effect_noise((width, height), 24).convert("RGB"), 0.25)
picture.save(path, "JPEG", quality=90)
"""

_RUN = """
import io, json, resource, sys, time
from articles import images
with open(sys.argv[1], "rb") as f:
    data = f.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
upload = io.BytesIO(data)
upload.size = len(data)
start = time.perf_counter()
prepared = images.prepare(upload)
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "grew_mb": (after - before) / 1024,
                  "upload_mb": len(data) / 1024 / 1024,
                  "renditions": len(prepared.renditions),
                  "bytes": sum(len(r.data) for r in prepared.renditions)}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = []
    photo = tempfile.NamedTemporaryFile(suffix=".jpg")  # noqa: SIM115 - kept for all runs
    size = [str(args.width), str(args.height)]
    subprocess.run([sys.executable, "-c", _MAKE, *size, photo.name], check=True)
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", _RUN, photo.name],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout))
    seconds = [r["seconds"] for r in results]
    grew = [r["grew_mb"] for r in results]
    first = results[0]
    print(
        f"{args.width} x {args.height} JPEG ({first['upload_mb']:.1f} MB), {args.runs} runs: "
        f"prepare median {statistics.median(seconds):.2f} s (max {max(seconds):.2f}), "
        f"peak memory grew {max(grew):.0f} MB; {first['renditions']} renditions, "
        f"{first['bytes'] / 1024:.0f} KB in all"
    )
    ok = max(seconds) < TARGET_SECONDS and max(grew) < TARGET_MB
    print("within target" if ok else f"MISSED: target {TARGET_SECONDS} s and {TARGET_MB} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
