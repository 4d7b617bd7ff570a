"""Reference side of bench/compat-imagehash.ts: Python imagehash's four hashes per file.

Usage: python3 imagehash_ref.py FILE_OR_DIR...

imagehash and Pillow are imported from wherever the interpreter finds them
(site-packages, or a source checkout put on PYTHONPATH); nothing of imagehash
is kept in this repository. Directories are walked recursively in sorted
order, without following symbolic links, as hashtriage walks them.

Output: JSON lines on stdout. The first line describes the environment:
  {"kind": "versions", "python": ..., "imagehash": ..., "pillow": ..., ...}
then one line per file:
  {"kind": "hash", "path": ..., "ahash": ..., "dhash": ..., "phash": ..., "whash": ...}
or, when Pillow cannot open or decode it,
  {"kind": "error", "path": ..., "error": "..."}
Each hash is str(imagehash.<function>(image)) with the library's defaults
(hash size 8; whash: haar, remove_max_haar_ll), on the image exactly as
Image.open returns it: no EXIF rotation, no other preparation, which is what
an agency's hash-list script does.

Exit status: 0 when it ran (per-file errors included), 3 when imagehash,
Pillow, NumPy, SciPy or PyWavelets cannot be imported (the message says
which), 2 on a usage error.
"""
import json
import os
import sys
import warnings


def walk(arg):
    """Yields the regular files named by arg: itself, or every file below it."""
    if os.path.isdir(arg) and not os.path.islink(arg):
        for root, dirs, files in os.walk(arg, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    yield path
    else:
        yield arg


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 0 if argv else 2
    try:
        import numpy
        import scipy
        import pywt
        import PIL
        from PIL import Image, features
        import imagehash
    except ImportError as err:
        print(f"cannot import {err.name}: {err}", file=sys.stderr)
        return 3

    # Pillow 9.1-9.5 warn that ANTIALIAS (which imagehash may name) is deprecated;
    # the filter is the same, and the warning would only clutter stderr.
    warnings.simplefilter("ignore", DeprecationWarning)

    out = sys.stdout
    out.write(json.dumps({
        "kind": "versions",
        "python": sys.version.split()[0],
        "imagehash": getattr(imagehash, "__version__", "unknown"),
        "imagehash_file": os.path.abspath(imagehash.__file__),
        "pillow": PIL.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pywavelets": pywt.__version__,
        # Pillow's JPEG decoder (libjpeg-turbo or IJG) shapes the pixels of every JPEG.
        "pillow_libraries": {name: features.version(name) for name in ("jpg", "libjpeg_turbo", "zlib", "webp")},
    }) + "\n")

    functions = (
        ("ahash", imagehash.average_hash),
        ("dhash", imagehash.dhash),
        ("phash", imagehash.phash),
        ("whash", imagehash.whash),
    )
    for arg in argv:
        for path in walk(arg):
            try:
                with Image.open(path) as image:
                    image.load()
                    record = {"kind": "hash", "path": path}
                    for name, function in functions:
                        record[name] = str(function(image))
            except Exception as err:  # one bad file is a result, not the end of the run
                record = {"kind": "error", "path": path, "error": f"{type(err).__name__}: {err}"}
            out.write(json.dumps(record) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
