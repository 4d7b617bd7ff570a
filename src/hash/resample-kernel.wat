;; Pillow's 8-bit LANCZOS passes (Resample.c, ImagingResampleHorizontal_8bpc and
;; ImagingResampleVertical_8bpc) as WebAssembly SIMD: same integer arithmetic,
;; same rounding, so the output is byte-identical to the TypeScript version in
;; pillow.ts. Hand-written; assembled with `wat2wasm --enable-simd` into the
;; base64 string in resample-kernel.ts (see the comment there to regenerate).
;;
;; Exactness: Pillow accumulates src[i]*k[i] in a 32-bit int. Here each 22-bit
;; weight is split as k = hi*2048 + lo with 0 <= lo < 2048, so both halves fit
;; in int16 and i32x4.dot_i16x8_s does 8 multiply-adds per instruction. The
;; sum hi_sum*2048 + lo_sum is formed with wrapping int32 arithmetic, which is
;; exact modulo 2^32; Pillow's own sum fits in an int32, so the result is
;; identical.
(module
  (memory (export "memory") 1)

  ;; Horizontal pass.
  ;;   src: first source row; srcStride: bytes per source row; rows: rows to produce
  ;;   outW: output samples per row; outStride: bytes per output row
  ;;   first: i32[outW] offset of the first tap in a row
  ;;   groups: i32[outW] number of 8-tap groups (taps zero-padded to a multiple of 8)
  ;;   wHi, wLo: i16[outW * kStride] weight halves, kStride a multiple of 8
  ;; Reads up to 7 bytes past the last tap of the last row: the caller pads.
  (func (export "horizontal")
    (param $src i32) (param $srcStride i32) (param $rows i32)
    (param $outW i32) (param $out i32) (param $outStride i32)
    (param $first i32) (param $groups i32) (param $wHi i32) (param $wLo i32) (param $kStride i32)
    (local $y i32) (local $xx i32) (local $row i32) (local $p i32) (local $k i32) (local $g i32)
    (local $accHi v128) (local $accLo v128) (local $px v128) (local $sum i32) (local $o i32)
    (local.set $y (i32.const 0))
    (block $doneRows
      (loop $rowsLoop
        (br_if $doneRows (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcStride))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $outStride))))
        (local.set $xx (i32.const 0))
        (block $doneCols
          (loop $colsLoop
            (br_if $doneCols (i32.ge_u (local.get $xx) (local.get $outW)))
            (local.set $p (i32.add (local.get $row)
              (i32.load (i32.add (local.get $first) (i32.shl (local.get $xx) (i32.const 2))))))
            (local.set $g (i32.load (i32.add (local.get $groups) (i32.shl (local.get $xx) (i32.const 2)))))
            (local.set $k (i32.shl (i32.mul (local.get $xx) (local.get $kStride)) (i32.const 1)))
            (local.set $accHi (v128.const i32x4 0 0 0 0))
            (local.set $accLo (v128.const i32x4 0 0 0 0))
            (block $doneTaps
              (loop $tapsLoop
                (br_if $doneTaps (i32.eqz (local.get $g)))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (local.get $p))))
                (local.set $accHi (i32x4.add (local.get $accHi)
                  (i32x4.dot_i16x8_s (local.get $px) (v128.load align=2 (i32.add (local.get $wHi) (local.get $k))))))
                (local.set $accLo (i32x4.add (local.get $accLo)
                  (i32x4.dot_i16x8_s (local.get $px) (v128.load align=2 (i32.add (local.get $wLo) (local.get $k))))))
                (local.set $p (i32.add (local.get $p) (i32.const 8)))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (local.set $g (i32.sub (local.get $g) (i32.const 1)))
                (br $tapsLoop)))
            ;; acc = hi*2048 + lo, lane-wise, then the four lanes; +2^21 is Pillow's rounding.
            (local.set $accHi (i32x4.add (i32x4.shl (local.get $accHi) (i32.const 11)) (local.get $accLo)))
            (local.set $sum (i32.add
              (i32.add (i32x4.extract_lane 0 (local.get $accHi)) (i32x4.extract_lane 1 (local.get $accHi)))
              (i32.add (i32x4.extract_lane 2 (local.get $accHi)) (i32x4.extract_lane 3 (local.get $accHi)))))
            (local.set $sum (i32.shr_s (i32.add (local.get $sum) (i32.const 2097152)) (i32.const 22)))
            (i32.store8 (i32.add (local.get $o) (local.get $xx))
              (select (i32.const 0)
                (select (i32.const 255) (local.get $sum) (i32.gt_s (local.get $sum) (i32.const 255)))
                (i32.lt_s (local.get $sum) (i32.const 0))))
            (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
            (br $colsLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rowsLoop))))

  ;; Same as "horizontal" for 4 consecutive rows at once (rows must be a multiple
  ;; of 4): each weight vector is loaded once for four rows, and the per-output
  ;; bookkeeping is shared, which matters when outputs have few taps.
  (func (export "horizontal4")
    (param $src i32) (param $srcStride i32) (param $rows i32)
    (param $outW i32) (param $out i32) (param $outStride i32)
    (param $first i32) (param $groups i32) (param $wHi i32) (param $wLo i32) (param $kStride i32)
    (local $y i32) (local $xx i32) (local $row i32) (local $p i32) (local $k i32) (local $g i32) (local $o i32)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128)
    (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128)
    (local $wh v128) (local $wl v128) (local $px v128)
    (local.set $y (i32.const 0))
    (block $doneRows
      (loop $rowsLoop
        (br_if $doneRows (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcStride))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $outStride))))
        (local.set $xx (i32.const 0))
        (block $doneCols
          (loop $colsLoop
            (br_if $doneCols (i32.ge_u (local.get $xx) (local.get $outW)))
            (local.set $p (i32.add (local.get $row)
              (i32.load (i32.add (local.get $first) (i32.shl (local.get $xx) (i32.const 2))))))
            (local.set $g (i32.load (i32.add (local.get $groups) (i32.shl (local.get $xx) (i32.const 2)))))
            (local.set $k (i32.shl (i32.mul (local.get $xx) (local.get $kStride)) (i32.const 1)))
            (local.set $h0 (v128.const i32x4 0 0 0 0))
            (local.set $h1 (local.get $h0)) (local.set $h2 (local.get $h0)) (local.set $h3 (local.get $h0))
            (local.set $l0 (local.get $h0)) (local.set $l1 (local.get $h0))
            (local.set $l2 (local.get $h0)) (local.set $l3 (local.get $h0))
            (block $doneTaps
              (loop $tapsLoop
                (br_if $doneTaps (i32.eqz (local.get $g)))
                (local.set $wh (v128.load align=2 (i32.add (local.get $wHi) (local.get $k))))
                (local.set $wl (v128.load align=2 (i32.add (local.get $wLo) (local.get $k))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (local.get $p))))
                (local.set $h0 (i32x4.add (local.get $h0) (i32x4.dot_i16x8_s (local.get $px) (local.get $wh))))
                (local.set $l0 (i32x4.add (local.get $l0) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1
                  (i32.add (local.get $p) (local.get $srcStride)))))
                (local.set $h1 (i32x4.add (local.get $h1) (i32x4.dot_i16x8_s (local.get $px) (local.get $wh))))
                (local.set $l1 (i32x4.add (local.get $l1) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1
                  (i32.add (local.get $p) (i32.shl (local.get $srcStride) (i32.const 1))))))
                (local.set $h2 (i32x4.add (local.get $h2) (i32x4.dot_i16x8_s (local.get $px) (local.get $wh))))
                (local.set $l2 (i32x4.add (local.get $l2) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1
                  (i32.add (local.get $p) (i32.mul (local.get $srcStride) (i32.const 3))))))
                (local.set $h3 (i32x4.add (local.get $h3) (i32x4.dot_i16x8_s (local.get $px) (local.get $wh))))
                (local.set $l3 (i32x4.add (local.get $l3) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $p (i32.add (local.get $p) (i32.const 8)))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (local.set $g (i32.sub (local.get $g) (i32.const 1)))
                (br $tapsLoop)))
            (i32.store8 (i32.add (local.get $o) (local.get $xx))
              (call $finish (local.get $h0) (local.get $l0)))
            (i32.store8 (i32.add (i32.add (local.get $o) (local.get $outStride)) (local.get $xx))
              (call $finish (local.get $h1) (local.get $l1)))
            (i32.store8 (i32.add (i32.add (local.get $o) (i32.shl (local.get $outStride) (i32.const 1))) (local.get $xx))
              (call $finish (local.get $h2) (local.get $l2)))
            (i32.store8 (i32.add (i32.add (local.get $o) (i32.mul (local.get $outStride) (i32.const 3))) (local.get $xx))
              (call $finish (local.get $h3) (local.get $l3)))
            (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
            (br $colsLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $rowsLoop))))

  ;; hi*2048 + lo over the four lanes, + 2^21 (Pillow's rounding), >> 22, clamped to 0..255.
  (func $finish (param $hi v128) (param $lo v128) (result i32)
    (local $v v128) (local $sum i32)
    (local.set $v (i32x4.add (i32x4.shl (local.get $hi) (i32.const 11)) (local.get $lo)))
    (local.set $sum (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))
    (local.set $sum (i32.shr_s (i32.add (local.get $sum) (i32.const 2097152)) (i32.const 22)))
    (select (i32.const 0)
      (select (i32.const 255) (local.get $sum) (i32.gt_s (local.get $sum) (i32.const 255)))
      (i32.lt_s (local.get $sum) (i32.const 0))))

  ;; Vertical pass, 16 columns at a time.
  ;;   src: plane of `srcStride`-byte rows; width: columns to produce (rounded up to 16
  ;;   internally: the caller pads `out` rows and the end of `src` by 16 bytes)
  ;;   outH: output rows; out/outStride: destination rows
  ;;   first: i32[outH] first source row of each output row; count: i32[outH] taps
  ;;   weights: i32[outH * kStride]
  (func (export "vertical")
    (param $src i32) (param $srcStride i32) (param $width i32)
    (param $outH i32) (param $out i32) (param $outStride i32)
    (param $first i32) (param $count i32) (param $weights i32) (param $kStride i32)
    (local $yy i32) (local $x i32) (local $n i32) (local $t i32) (local $p i32) (local $w i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $px v128) (local $lo v128) (local $hi v128) (local $wv v128) (local $kb i32)
    (local.set $yy (i32.const 0))
    (block $doneRows
      (loop $rowsLoop
        (br_if $doneRows (i32.ge_u (local.get $yy) (local.get $outH)))
        (local.set $n (i32.load (i32.add (local.get $count) (i32.shl (local.get $yy) (i32.const 2)))))
        (local.set $kb (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $yy) (local.get $kStride)) (i32.const 2))))
        (local.set $x (i32.const 0))
        (block $doneCols
          (loop $colsLoop
            (br_if $doneCols (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $p (i32.add (i32.add (local.get $src) (local.get $x))
              (i32.mul (i32.load (i32.add (local.get $first) (i32.shl (local.get $yy) (i32.const 2))))
                       (local.get $srcStride))))
            (local.set $a0 (i32x4.splat (i32.const 2097152)))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (local.set $t (i32.const 0))
            (block $doneTaps
              (loop $tapsLoop
                (br_if $doneTaps (i32.ge_u (local.get $t) (local.get $n)))
                (local.set $wv (i32x4.splat (i32.load (i32.add (local.get $kb) (i32.shl (local.get $t) (i32.const 2))))))
                (local.set $px (v128.load align=1 (local.get $p)))
                (local.set $lo (i16x8.extend_low_i8x16_u (local.get $px)))
                (local.set $hi (i16x8.extend_high_i8x16_u (local.get $px)))
                (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $lo)) (local.get $wv))))
                (local.set $a1 (i32x4.add (local.get $a1) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $lo)) (local.get $wv))))
                (local.set $a2 (i32x4.add (local.get $a2) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $hi)) (local.get $wv))))
                (local.set $a3 (i32x4.add (local.get $a3) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $hi)) (local.get $wv))))
                (local.set $p (i32.add (local.get $p) (local.get $srcStride)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tapsLoop)))
            ;; >> 22 then saturate to 0..255: exactly Pillow's clip8.
            (v128.store align=1
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $yy) (local.get $outStride))) (local.get $x))
              (i8x16.narrow_i16x8_u
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $a0) (i32.const 22)) (i32x4.shr_s (local.get $a1) (i32.const 22)))
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $a2) (i32.const 22)) (i32x4.shr_s (local.get $a3) (i32.const 22)))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $colsLoop)))
        (local.set $yy (i32.add (local.get $yy) (i32.const 1)))
        (br $rowsLoop))))
)
