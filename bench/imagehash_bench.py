"""Times a one-process Python imagehash run over image files (bench/perceptual).

Usage: python3 imagehash_bench.py IMAGEHASH_SOURCE_DIR FILE...

IMAGEHASH_SOURCE_DIR holds imagehash's `imagehash/` package (it is never
vendored here). For each file: open it with Pillow once, then compute
average_hash, dhash, phash and whash with imagehash's defaults (hash size 8),
the four hashes an agency's imagehash script would compute. Prints one JSON
object: files, failures, seconds, versions, and each file's hashes in hex.
"""
import json
import sys
import time


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, sys.argv[1])
    import imagehash  # noqa: E402  (found through the directory given)
    import numpy
    import PIL
    from PIL import Image

    files = sys.argv[2:]
    hashes = {}
    failures = 0
    start = time.perf_counter()
    for path in files:
        try:
            with Image.open(path) as img:
                img.load()
                hashes[path] = {
                    "ahash": str(imagehash.average_hash(img)),
                    "dhash": str(imagehash.dhash(img)),
                    "phash": str(imagehash.phash(img)),
                    "whash": str(imagehash.whash(img)),
                }
        except Exception:  # a bad file costs its attempt, as in hashtriage
            failures += 1
    seconds = time.perf_counter() - start
    print(json.dumps({
        "files": len(files),
        "failures": failures,
        "seconds": seconds,
        "versions": {
            "python": sys.version.split()[0],
            "imagehash": getattr(imagehash, "__version__", "unknown"),
            "pillow": PIL.__version__,
            "numpy": numpy.__version__,
        },
        "hashes": hashes,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
