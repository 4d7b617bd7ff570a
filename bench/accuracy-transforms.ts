/**
 * The edits the accuracy evaluation applies to each source image: the
 * everyday ways a copy of a picture drifts from the original (GitHub issue
 * 6). Each one starts from the original file's bytes and yields a new file,
 * so every copy goes through a real encode and the same decoder a scan uses.
 */
import sharp, { type Sharp } from 'sharp';

/** Names of the transforms, in table order. */
export const TRANSFORMS = [
  'resize50',
  'thumb640',
  'jpeg60',
  'crop6',
  'grayscale',
  'caption',
  'bright15',
  'png',
  'mirror',
] as const;
export type TransformName = (typeof TRANSFORMS)[number];

/** How each transform is described in the report. */
export const TRANSFORM_LABELS: Readonly<Record<TransformName, string>> = {
  resize50: 'resize to 50%',
  thumb640: 'thumbnail, longest side 640',
  jpeg60: 'JPEG quality 60',
  crop6: 'centre crop, 6% off each dimension',
  grayscale: 'grayscale',
  caption: 'text caption (bottom band)',
  bright15: 'brightness +15%',
  png: 'PNG re-encode (lossless)',
  mirror: 'horizontal mirror',
};

/**
 * Quality of every re-encoded JPEG except the `jpeg60` copy. High enough that
 * a geometric edit is measured mostly for itself, yet a real lossy re-encode,
 * as a copy found on a seized device would be.
 */
export const COPY_JPEG_QUALITY = 90;

/**
 * Makes one transformed copy of an image file.
 *
 * @param original - the source file's bytes (any format sharp reads)
 * @param width - the source's width in pixels
 * @param height - the source's height in pixels
 * @param name - which transform
 * @returns the encoded copy (JPEG, or PNG for `png`)
 * @throws whatever sharp throws for unreadable input (the caller records it per source)
 */
export async function applyTransform(original: Buffer, width: number, height: number, name: TransformName): Promise<Buffer> {
  // No EXIF rotation, no ICC conversion: the copy differs from the original only by the edit.
  const img = sharp(original, { failOn: 'none' });
  const jpeg = (s: Sharp, quality = COPY_JPEG_QUALITY): Promise<Buffer> => s.jpeg({ quality }).toBuffer();
  switch (name) {
    case 'resize50':
      return jpeg(img.resize(Math.max(1, Math.round(width / 2)), Math.max(1, Math.round(height / 2)), { fit: 'fill' }));
    case 'thumb640':
      return jpeg(img.resize(640, 640, { fit: 'inside', withoutEnlargement: true }));
    case 'jpeg60':
      return jpeg(img, 60);
    case 'crop6': {
      // 3% off each edge: the copy keeps the central 94% of each dimension.
      const w = Math.round(width * 0.94);
      const h = Math.round(height * 0.94);
      return jpeg(img.extract({ left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h }));
    }
    case 'grayscale':
      return jpeg(img.grayscale());
    case 'caption':
      return jpeg(img.composite([{ input: captionBand(width, height), gravity: 'south' }]));
    case 'bright15':
      return jpeg(img.modulate({ brightness: 1.15 }));
    case 'png':
      return img.png({ compressionLevel: 6 }).toBuffer();
    case 'mirror':
      return jpeg(img.flop());
  }
}

/**
 * A meme-style caption: white text on a dark translucent band across the
 * bottom 12% of the picture, drawn by librsvg (bundled with sharp) from an
 * SVG, so no font file is shipped with the project.
 */
function captionBand(width: number, height: number): Buffer {
  const band = Math.max(12, Math.round(height * 0.12));
  const size = Math.round(band * 0.6);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${band}">` +
    `<rect width="100%" height="100%" fill="#000" fill-opacity="0.6"/>` +
    `<text x="50%" y="${Math.round(band * 0.72)}" font-family="DejaVu Sans, sans-serif" font-size="${size}" font-weight="bold" fill="#fff" text-anchor="middle">SEEN THIS ONE BEFORE?</text>` +
    `</svg>`;
  return Buffer.from(svg);
}
