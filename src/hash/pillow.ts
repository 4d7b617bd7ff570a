/**
 * Pillow 9.4's pixel arithmetic, reproduced bit for bit: the `convert('L')`
 * and CMYK→RGB formulas and `Image.resize(size, LANCZOS)` on an 8-bit
 * greyscale image.
 *
 * Hash lists built with Python `imagehash` hold values computed on exactly
 * these integers, so every rounding step here follows Pillow's C code
 * (src/libImaging/Convert.c and Resample.c) rather than the mathematically
 * nicer formula. sharp's own resize and greyscale differ from these by
 * several hash bits, which is why they are not used.
 */

/**
 * Pillow's ITU-R 601 luma with 16-bit fixed-point weights and round-half-up
 * (`L24` in Convert.c, Pillow ≥ 7.0). The weights sum to 65536, so a grey
 * pixel (r = g = b) maps to itself.
 *
 * @param r - red, 0..255
 * @param g - green, 0..255
 * @param b - blue, 0..255
 * @returns the luma value, 0..255
 */
export function lumaL24(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/**
 * Converts interleaved 8-bit samples to Pillow 'L' and 'RGB' planes.
 *
 * With 1 or 2 channels the first channel is the grey value (Pillow's `L`/`LA`
 * → `L` keeps it as is); with 3 or 4 channels the first three are R, G, B and
 * a fourth (alpha) is ignored, as Pillow ignores alpha in `convert('L')`.
 *
 * @param data - interleaved samples, `pixels * channels` bytes
 * @param pixels - number of pixels
 * @param channels - 1..4
 * @returns `luma` (pixels bytes) and `rgb` (pixels*3 bytes; `data` itself, not a copy,
 *   when it already has 3 channels)
 * @throws RangeError when `channels` is not 1..4 or `data` is too short
 */
export function interleavedToLumaRgb(
  data: Uint8Array,
  pixels: number,
  channels: number,
): { luma: Uint8Array; rgb: Uint8Array } {
  if (channels < 1 || channels > 4 || !Number.isInteger(channels)) {
    throw new RangeError(`channels must be 1..4, got ${channels}`);
  }
  if (data.length < pixels * channels) throw new RangeError('pixel buffer too short');
  const luma = new Uint8Array(pixels);
  if (channels === 3) {
    // Already Pillow's RGB layout: only the luma plane is new (saves a full-size copy).
    const rgb = data.length === pixels * 3 ? data : data.subarray(0, pixels * 3);
    for (let i = 0, s = 0; i < pixels; i++, s += 3) {
      luma[i] = (rgb[s] * 19595 + rgb[s + 1] * 38470 + rgb[s + 2] * 7471 + 0x8000) >>> 16;
    }
    return { luma, rgb };
  }
  const rgb = new Uint8Array(pixels * 3);
  if (channels <= 2) {
    for (let i = 0, s = 0, o = 0; i < pixels; i++, s += channels, o += 3) {
      const v = data[s];
      luma[i] = v;
      rgb[o] = v;
      rgb[o + 1] = v;
      rgb[o + 2] = v;
    }
  } else {
    for (let i = 0, s = 0, o = 0; i < pixels; i++, s += channels, o += 3) {
      const r = data[s];
      const g = data[s + 1];
      const b = data[s + 2];
      rgb[o] = r;
      rgb[o + 1] = g;
      rgb[o + 2] = b;
      luma[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
    }
  }
  return { luma, rgb };
}

/** Pillow's `MULDIV255`: a*b/255 rounded, with shifts instead of a division. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/**
 * Pillow's CMYK → RGB (`cmyk2rgb`, "like Google Chrome"): `R = 255 - K - C·(255-K)/255`
 * in Pillow's integer rounding. Pillow has no direct CMYK → L route; it goes
 * through this RGB, then `L24`.
 *
 * @param cmyk - interleaved C, M, Y, K bytes (4 per pixel), as Pillow holds them
 *   (for JPEG that is after Adobe inversion, which libjpeg/libvips also apply)
 * @param pixels - number of pixels
 * @returns interleaved RGB, `pixels*3` bytes
 */
export function cmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0, s = 0, o = 0; i < pixels; i++, s += 4, o += 3) {
    const nk = 255 - cmyk[s + 3];
    // CLIP8 in Pillow is a no-op here: nk - MULDIV255(c, nk) is always within 0..255.
    rgb[o] = nk - mulDiv255(cmyk[s], nk);
    rgb[o + 1] = nk - mulDiv255(cmyk[s + 1], nk);
    rgb[o + 2] = nk - mulDiv255(cmyk[s + 2], nk);
  }
  return rgb;
}

/** Pillow's fixed-point precision for 8-bit resampling (Resample.c `PRECISION_BITS`). */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/**
 * One axis of a LANCZOS resample, as Pillow's `precompute_coeffs` and
 * `normalize_coeffs_8bpc` produce it: for output sample `i`, the taps start
 * at input index `first[i]`, there are `count[i]` of them, and their integer
 * weights are `weights[i*stride .. i*stride+count[i])`.
 */
export interface ResampleAxis {
  readonly inSize: number;
  readonly outSize: number;
  readonly stride: number;
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
}

/** Pillow's `sinc_filter`: libm sin over x·π, exactly 1 at 0. */
function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** Pillow's `lanczos_filter` (Lanczos-3): sinc(x)·sinc(x/3) on [-3, 3). */
function lanczos(x: number): number {
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

/**
 * Computes one axis's LANCZOS taps exactly as Pillow 9.4 does for a full-image
 * box: pixel-centre sampling, the kernel stretched by the downscale factor,
 * cut at the image edges and renormalised over the remaining taps, then
 * rounded half away from zero to 22-bit integers.
 *
 * @param inSize - input length (pixels), ≥ 1
 * @param outSize - output length (pixels), ≥ 1
 * @returns the tap table
 * @throws RangeError on a non-positive or non-integer size
 */
export function lanczosAxis(inSize: number, outSize: number): ResampleAxis {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) {
    throw new RangeError(`invalid resample sizes ${inSize} -> ${outSize}`);
  }
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 3 * filterscale;
  const stride = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const w = new Float64Array(stride);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero; both arguments can be negative near the left edge.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const v = lanczos((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    const base = xx * stride;
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x] / ww : w[x];
      weights[base + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { inSize, outSize, stride, first, count, weights };
}

// Tables depend only on (inSize, outSize); a scan sees the same photo sizes over and
// over, so a small per-thread cache saves the libm calls. Bounded so odd sizes cannot grow it.
const AXIS_CACHE_LIMIT = 256;
const axisCache = new Map<number, ResampleAxis>();

/**
 * {@link lanczosAxis}, memoised per (inSize, outSize) in a small bounded cache
 * local to the calling thread.
 *
 * @param inSize - input length, ≥ 1
 * @param outSize - output length, ≥ 1
 * @returns the (shared, read-only) tap table
 * @throws RangeError on invalid sizes
 */
export function cachedLanczosAxis(inSize: number, outSize: number): ResampleAxis {
  const key = inSize * 0x100000 + outSize;
  let axis = axisCache.get(key);
  if (axis === undefined || axis.inSize !== inSize || axis.outSize !== outSize) {
    axis = lanczosAxis(inSize, outSize);
    if (axisCache.size >= AXIS_CACHE_LIMIT) {
      const oldest = axisCache.keys().next().value;
      if (oldest !== undefined) axisCache.delete(oldest);
    }
    axisCache.set(key, axis);
  }
  return axis;
}

/** Pillow's `clip8`: the accumulator's integer part, clamped to a byte. */
function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Pillow's horizontal 8-bit pass over rows `[rowFirst, rowFirst + rows)` of
 * `src` (width `axis.inSize`), writing `rows` rows of width `axis.outSize`.
 *
 * @param src - source plane
 * @param axis - horizontal taps
 * @param rowFirst - first source row used
 * @param rows - number of rows to produce
 * @param out - destination, at least `rows * axis.outSize` bytes
 */
export function resampleHorizontal(
  src: Uint8Array,
  axis: ResampleAxis,
  rowFirst: number,
  rows: number,
  out: Uint8Array,
): void {
  const { inSize, outSize, stride, first, count, weights } = axis;
  for (let y = 0; y < rows; y++) {
    const rowBase = (rowFirst + y) * inSize;
    const outBase = y * outSize;
    for (let xx = 0; xx < outSize; xx++) {
      const start = rowBase + first[xx];
      const n = count[xx];
      const kBase = xx * stride;
      let ss = HALF;
      // 8-bit × 22-bit products and their sum stay below 2^31, so int32 is exact.
      for (let x = 0; x < n; x++) ss = (ss + src[start + x] * weights[kBase + x]) | 0;
      out[outBase + xx] = clip8(ss);
    }
  }
}

/**
 * Pillow's vertical 8-bit pass: `src` holds rows already offset so that
 * `axis.first[i] - rowShift` indexes it.
 *
 * @param src - source plane of width `width`
 * @param width - row length
 * @param axis - vertical taps
 * @param rowShift - subtracted from every `axis.first` (rows dropped before the pass)
 * @param out - destination, `axis.outSize * width` bytes
 */
export function resampleVertical(
  src: Uint8Array,
  width: number,
  axis: ResampleAxis,
  rowShift: number,
  out: Uint8Array,
): void {
  const { outSize, stride, first, count, weights } = axis;
  for (let yy = 0; yy < outSize; yy++) {
    const ymin = first[yy] - rowShift;
    const n = count[yy];
    const kBase = yy * stride;
    const outBase = yy * width;
    for (let xx = 0; xx < width; xx++) {
      let ss = HALF;
      let p = ymin * width + xx;
      for (let y = 0; y < n; y++, p += width) ss = (ss + src[p] * weights[kBase + y]) | 0;
      out[outBase + xx] = clip8(ss);
    }
  }
}

/**
 * `Image.resize((outWidth, outHeight), Image.LANCZOS)` on a Pillow 'L' image,
 * for Pillow 9.4 (no "tall image" rule, no reducing gap): horizontal pass
 * first, rounded to bytes, then vertical; a pass is skipped when its size is
 * unchanged, and only the rows the vertical taps reach are filtered.
 *
 * @param luma - source plane, `width*height` bytes
 * @param width - source width, ≥ 1
 * @param height - source height, ≥ 1
 * @param outWidth - target width, ≥ 1
 * @param outHeight - target height, ≥ 1
 * @returns the resized plane, `outWidth*outHeight` bytes (a copy when the size is unchanged)
 * @throws RangeError on invalid sizes or a short buffer
 */
export function resizeLanczos(
  luma: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  if (luma.length < width * height) throw new RangeError('luma buffer too short');
  const horiz = cachedLanczosAxis(width, outWidth);
  const vert = cachedLanczosAxis(height, outHeight);
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  if (!needHorizontal && !needVertical) return luma.slice(0, width * height);
  let plane = luma;
  let rowShift = 0;
  if (needHorizontal) {
    const rowFirst = vert.first[0];
    const rowLast = vert.first[outHeight - 1] + vert.count[outHeight - 1];
    const rows = rowLast - rowFirst;
    plane = new Uint8Array(rows * outWidth);
    resampleHorizontal(luma, horiz, rowFirst, rows, plane);
    rowShift = rowFirst;
  }
  if (!needVertical) return plane;
  const out = new Uint8Array(outWidth * outHeight);
  resampleVertical(plane, outWidth, vert, rowShift, out);
  return out;
}
