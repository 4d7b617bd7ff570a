;; The one pass over a decoded image's full-resolution pixels: every pixel is
;; read once and written twice, as Pillow's 'L' byte (Convert.c L24, what the
;; imagehash resampler reads) and as PDQ's float32 luma (what the tent filter
;; reads). Replaces two separate conversions, each with its own copy of the
;; pixels. Hand-written; assembled with wabt's `wat2wasm` (1.0.32, SIMD on by
;; default) into the base64 string in planes.ts.
;;
;; Exactness:
;;   L24 = (r*19595 + g*38470 + b*7471 + 0x8000) >> 16 in unsigned 32-bit
;;   lanes, exact (the sum is below 2^32); for a grey pixel it is the grey
;;   itself, so grey input is stored as is.
;;   PDQ luma = (R*0.299f + G*0.587f) + B*0.114f, each product and sum an IEEE
;;   single-precision operation in the reference's order (pdq.ts lumaOf). The
;;   samples (0..255) are converted as signed integers: the same floats, and
;;   one instruction on x86 where the unsigned conversion takes several.
;;
;; Layout: the L plane is width*height bytes, rows back to back; the float
;; plane has rows of `stride` floats. Each row is processed 16 pixels at a
;; time, so up to 15 pixels' worth is written past a row's end (into the next
;; row, rewritten when that row is done, or into padding after the last row)
;; and up to 16 pixels are read past it. The caller may place the input inside
;; the float plane's tail far enough in that no write reaches unread input.
(module
  (import "env" "memory" (memory 1))

  ;;   src: interleaved 8-bit samples, `ch` per pixel: 1 grey, 3 RGB, 4 RGBA
  ;;   (alpha ignored, as Pillow's convert('L') ignores it)
  ;;   l: L plane; f: float plane (0: no float plane); stride: floats per float-plane row
  (func (export "planes")
    (param $src i32) (param $ch i32) (param $width i32) (param $height i32)
    (param $l i32) (param $f i32) (param $stride i32)
    (local $y i32) (local $x i32) (local $p i32) (local $lo i32) (local $fo i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $r v128) (local $g v128) (local $b v128) (local $t v128)
    (local $r16 v128) (local $g16 v128) (local $b16 v128) (local $half v128)
    (local $cr v128) (local $cg v128) (local $cb v128)
    (local $fr v128) (local $fg v128) (local $fb v128)
    (local $lum v128) (local $lumHi v128)
    (local.set $half (i32x4.splat (i32.const 32768)))
    (local.set $cr (i16x8.splat (i32.const 19595)))
    (local.set $cg (i16x8.splat (i32.const 38470)))
    (local.set $cb (i16x8.splat (i32.const 7471)))
    (local.set $fr (v128.const f32x4 0x1.322d0ep-2 0x1.322d0ep-2 0x1.322d0ep-2 0x1.322d0ep-2))
    (local.set $fg (v128.const f32x4 0x1.2c8b44p-1 0x1.2c8b44p-1 0x1.2c8b44p-1 0x1.2c8b44p-1))
    (local.set $fb (v128.const f32x4 0x1.d2f1aap-4 0x1.d2f1aap-4 0x1.d2f1aap-4 0x1.d2f1aap-4))
    (local.set $y (i32.const 0))
    (block $doneRows
      (loop $rows
        (br_if $doneRows (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $p (i32.add (local.get $src) (i32.mul (i32.mul (local.get $y) (local.get $width)) (local.get $ch))))
        (local.set $lo (i32.add (local.get $l) (i32.mul (local.get $y) (local.get $width))))
        (local.set $fo (i32.add (local.get $f) (i32.shl (i32.mul (local.get $y) (local.get $stride)) (i32.const 2))))
        (local.set $x (i32.const 0))
        (block $doneCols
          (loop $cols
            (br_if $doneCols (i32.ge_u (local.get $x) (local.get $width)))
            ;; De-interleave 16 pixels into r, g, b (one byte per lane).
            (if (i32.eq (local.get $ch) (i32.const 3))
              (then
                (local.set $v0 (v128.load align=1 (local.get $p)))
                (local.set $v1 (v128.load offset=16 align=1 (local.get $p)))
                (local.set $v2 (v128.load offset=32 align=1 (local.get $p)))
                (local.set $r (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 17 20 23 26 29
                  (i8x16.shuffle 0 3 6 9 12 15 18 21 24 27 30 0 0 0 0 0 (local.get $v0) (local.get $v1))
                  (local.get $v2)))
                (local.set $g (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 18 21 24 27 30
                  (i8x16.shuffle 1 4 7 10 13 16 19 22 25 28 31 0 0 0 0 0 (local.get $v0) (local.get $v1))
                  (local.get $v2)))
                (local.set $b (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 16 19 22 25 28 31
                  (i8x16.shuffle 2 5 8 11 14 17 20 23 26 29 0 0 0 0 0 0 (local.get $v0) (local.get $v1))
                  (local.get $v2)))
                (local.set $p (i32.add (local.get $p) (i32.const 48))))
              (else
                (if (i32.eq (local.get $ch) (i32.const 4))
                  (then
                    (local.set $v0 (v128.load align=1 (local.get $p)))
                    (local.set $v1 (v128.load offset=16 align=1 (local.get $p)))
                    (local.set $v2 (v128.load offset=32 align=1 (local.get $p)))
                    (local.set $v3 (v128.load offset=48 align=1 (local.get $p)))
                    ;; r of pixels 0-7 | g of pixels 0-7, then the same for 8-15; likewise b | a.
                    (local.set $t (i8x16.shuffle 0 4 8 12 16 20 24 28 1 5 9 13 17 21 25 29 (local.get $v0) (local.get $v1)))
                    (local.set $r (i8x16.shuffle 0 4 8 12 16 20 24 28 1 5 9 13 17 21 25 29 (local.get $v2) (local.get $v3)))
                    (local.set $g (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $r)))
                    (local.set $r (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $r)))
                    (local.set $t (i8x16.shuffle 2 6 10 14 18 22 26 30 3 7 11 15 19 23 27 31 (local.get $v0) (local.get $v1)))
                    (local.set $b (i8x16.shuffle 2 6 10 14 18 22 26 30 3 7 11 15 19 23 27 31 (local.get $v2) (local.get $v3)))
                    (local.set $b (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $b)))
                    (local.set $p (i32.add (local.get $p) (i32.const 64))))
                  (else
                    (local.set $r (v128.load align=1 (local.get $p)))
                    (local.set $g (local.get $r))
                    (local.set $b (local.get $r))
                    (local.set $p (i32.add (local.get $p) (i32.const 16)))))))
            ;; L: a grey pixel is its own L24; otherwise the fixed-point sum, 8 lanes per half.
            (if (i32.eq (local.get $ch) (i32.const 1))
              (then (v128.store align=1 (local.get $lo) (local.get $r)))
              (else
                (local.set $r16 (i16x8.extend_low_i8x16_u (local.get $r)))
                (local.set $g16 (i16x8.extend_low_i8x16_u (local.get $g)))
                (local.set $b16 (i16x8.extend_low_i8x16_u (local.get $b)))
                (local.set $lum (i16x8.narrow_i32x4_u
                  (i32x4.shr_u
                    (i32x4.add (i32x4.add (local.get $half) (i32x4.extmul_low_i16x8_u (local.get $r16) (local.get $cr)))
                      (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $g16) (local.get $cg)) (i32x4.extmul_low_i16x8_u (local.get $b16) (local.get $cb))))
                    (i32.const 16))
                  (i32x4.shr_u
                    (i32x4.add (i32x4.add (local.get $half) (i32x4.extmul_high_i16x8_u (local.get $r16) (local.get $cr)))
                      (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $g16) (local.get $cg)) (i32x4.extmul_high_i16x8_u (local.get $b16) (local.get $cb))))
                    (i32.const 16))))
                (local.set $r16 (i16x8.extend_high_i8x16_u (local.get $r)))
                (local.set $g16 (i16x8.extend_high_i8x16_u (local.get $g)))
                (local.set $b16 (i16x8.extend_high_i8x16_u (local.get $b)))
                (local.set $lumHi (i16x8.narrow_i32x4_u
                  (i32x4.shr_u
                    (i32x4.add (i32x4.add (local.get $half) (i32x4.extmul_low_i16x8_u (local.get $r16) (local.get $cr)))
                      (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $g16) (local.get $cg)) (i32x4.extmul_low_i16x8_u (local.get $b16) (local.get $cb))))
                    (i32.const 16))
                  (i32x4.shr_u
                    (i32x4.add (i32x4.add (local.get $half) (i32x4.extmul_high_i16x8_u (local.get $r16) (local.get $cr)))
                      (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $g16) (local.get $cg)) (i32x4.extmul_high_i16x8_u (local.get $b16) (local.get $cb))))
                    (i32.const 16))))
                (v128.store align=1 (local.get $lo) (i8x16.narrow_i16x8_u (local.get $lum) (local.get $lumHi)))))
            ;; PDQ luma, four pixels per vector: (R*0.299 + G*0.587) + B*0.114 in float32;
            ;; skipped when $f is 0 (no PDQ asked for).
            (if (local.get $f) (then
            (local.set $r16 (i16x8.extend_low_i8x16_u (local.get $r)))
            (local.set $g16 (i16x8.extend_low_i8x16_u (local.get $g)))
            (local.set $b16 (i16x8.extend_low_i8x16_u (local.get $b)))
            (v128.store align=4 (local.get $fo)
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $r16))) (local.get $fr))
                  (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $g16))) (local.get $fg)))
                (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $b16))) (local.get $fb))))
            (v128.store offset=16 align=4 (local.get $fo)
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $r16))) (local.get $fr))
                  (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $g16))) (local.get $fg)))
                (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $b16))) (local.get $fb))))
            (local.set $r16 (i16x8.extend_high_i8x16_u (local.get $r)))
            (local.set $g16 (i16x8.extend_high_i8x16_u (local.get $g)))
            (local.set $b16 (i16x8.extend_high_i8x16_u (local.get $b)))
            (v128.store offset=32 align=4 (local.get $fo)
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $r16))) (local.get $fr))
                  (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $g16))) (local.get $fg)))
                (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $b16))) (local.get $fb))))
            (v128.store offset=48 align=4 (local.get $fo)
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $r16))) (local.get $fr))
                  (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $g16))) (local.get $fg)))
                (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $b16))) (local.get $fb))))))
            (local.set $lo (i32.add (local.get $lo) (i32.const 16)))
            (local.set $fo (i32.add (local.get $fo) (i32.const 64)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $cols)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows))))

  ;; Sums of consecutive runs of one 'L' row, for the low-information measure
  ;; (low-information.ts): run c is every $step-th byte of [runEnds[c-1],
  ;; runEnds[c]) of the row (run 0 starts at 0; every run starts on the
  ;; lattice), and its sum is added to sums[c] (i32). Integer sums, so the
  ;; order of the additions does not matter; with $step 1, 16 bytes at a time.
  (func (export "rowRunSums")
    (param $row i32) (param $runEnds i32) (param $runs i32) (param $sums i32) (param $step i32)
    (local $c i32) (local $x i32) (local $end i32) (local $acc v128) (local $s i32) (local $at i32)
    (local.set $c (i32.const 0))
    (local.set $x (i32.const 0))
    (block $doneRuns
      (loop $eachRun
        (br_if $doneRuns (i32.ge_u (local.get $c) (local.get $runs)))
        (local.set $end (i32.load (i32.add (local.get $runEnds) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (block $doneVec
          (loop $vec
            (br_if $doneVec (i32.ne (local.get $step) (i32.const 1)))
            (br_if $doneVec (i32.gt_u (i32.add (local.get $x) (i32.const 16)) (local.get $end)))
            (local.set $acc (i32x4.add (local.get $acc)
              (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u
                (v128.load align=1 (i32.add (local.get $row) (local.get $x)))))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $vec)))
        (local.set $s (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
          (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (block $doneTail
          (loop $tail
            (br_if $doneTail (i32.ge_u (local.get $x) (local.get $end)))
            (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $row) (local.get $x)))))
            (local.set $x (i32.add (local.get $x) (local.get $step)))
            (br $tail)))
        (local.set $at (i32.add (local.get $sums) (i32.shl (local.get $c) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (local.get $s)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $eachRun))))
)
