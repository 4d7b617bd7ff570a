;; Pillow's 8-bit LANCZOS passes (Resample.c, ImagingResampleHorizontal_8bpc and
;; ImagingResampleVertical_8bpc) and its RGB -> L conversion (Convert.c, L24) as
;; WebAssembly SIMD: same integer arithmetic, same rounding, so the output is
;; byte-identical to the TypeScript version in pillow.ts. Hand-written;
;; assembled with wabt's `wat2wasm` (1.0.32, SIMD on by default) into the base64
;; string in pillow-kernel.ts.
;;
;; Exactness: Pillow accumulates src[i]*k[i] in a 32-bit int. Here each 22-bit
;; weight is split as k = hi*2048 + lo with 0 <= lo < 2048, so both halves fit
;; in int16 and i32x4.dot_i16x8_s does 8 multiply-adds per instruction. The
;; sum hi_sum*2048 + lo_sum is formed with wrapping int32 arithmetic, which is
;; exact modulo 2^32; Pillow's own sum fits in an int32, so the result is
;; identical.
(module
  ;; The memory is shared with the other kernels of the thread (wasm-kernel.ts).
  (import "env" "memory" (memory 1))

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
  ;; bookkeeping and the final reduction are shared.
  (func (export "horizontal4")
    (param $src i32) (param $srcStride i32) (param $rows i32)
    (param $outW i32) (param $out i32) (param $outStride i32)
    (param $first i32) (param $groups i32) (param $wHi i32) (param $wLo i32) (param $kStride i32)
    (local $y i32) (local $xx i32) (local $row i32) (local $p i32) (local $k i32) (local $g i32) (local $o i32)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128)
    (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128)
    (local $wh v128) (local $wl v128) (local $px v128)
    (local $t0 v128) (local $t1 v128) (local $s v128) (local $at i32)
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
            (local.set $l0 (v128.const i32x4 0 0 0 0))
            (local.set $l1 (local.get $l0)) (local.set $l2 (local.get $l0)) (local.set $l3 (local.get $l0))
            (block $doneTaps
              (loop $tapsLoop
                (br_if $doneTaps (i32.eqz (local.get $g)))
                (local.set $wh (v128.load align=2 (i32.add (local.get $wHi) (local.get $k))))
                (local.set $wl (v128.load align=2 (i32.add (local.get $wLo) (local.get $k))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (local.get $p))))
                (local.set $h0 (i32x4.add (local.get $h0) (i32x4.dot_i16x8_s (local.get $px) (local.get $wh))))
                (local.set $l0 (i32x4.add (local.get $l0) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (i32.add (local.get $p) (local.get $srcStride)))))
                (local.set $h1 (i32x4.add (local.get $h1) (i32x4.dot_i16x8_s (local.get $px) (local.get $wh))))
                (local.set $l1 (i32x4.add (local.get $l1) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (i32.add (local.get $p) (i32.shl (local.get $srcStride) (i32.const 1))))))
                (local.set $h2 (i32x4.add (local.get $h2) (i32x4.dot_i16x8_s (local.get $px) (local.get $wh))))
                (local.set $l2 (i32x4.add (local.get $l2) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (i32.add (local.get $p) (i32.mul (local.get $srcStride) (i32.const 3))))))
                (local.set $h3 (i32x4.add (local.get $h3) (i32x4.dot_i16x8_s (local.get $px) (local.get $wh))))
                (local.set $l3 (i32x4.add (local.get $l3) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $p (i32.add (local.get $p) (i32.const 8)))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (local.set $g (i32.sub (local.get $g) (i32.const 1)))
                (br $tapsLoop)))
            ;; Per lane: hi·2048 + lo (wrapping, exact modulo 2^32).
            (local.set $l0 (i32x4.add (i32x4.shl (local.get $h0) (i32.const 11)) (local.get $l0)))
            (local.set $l1 (i32x4.add (i32x4.shl (local.get $h1) (i32.const 11)) (local.get $l1)))
            (local.set $l2 (i32x4.add (i32x4.shl (local.get $h2) (i32.const 11)) (local.get $l2)))
            (local.set $l3 (i32x4.add (i32x4.shl (local.get $h3) (i32.const 11)) (local.get $l3)))
            ;; Inline, not a function: a call per output quad cost ~10% of the pass. Sum the four
            ;; lanes of each of l0..l3, add 2^21, >> 22, clamp to 0..255, store one row apart.
            (local.set $at (i32.add (local.get $o) (local.get $xx)))
            (local.set $t0 (i32x4.add
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $l0) (local.get $l1))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $l0) (local.get $l1))))
            (local.set $t1 (i32x4.add
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $l2) (local.get $l3))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $l2) (local.get $l3))))
            (local.set $s (i32x4.add
              (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t0) (local.get $t1))
              (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t0) (local.get $t1))))
            (local.set $s (i32x4.shr_s (i32x4.add (local.get $s) (i32x4.splat (i32.const 2097152))) (i32.const 22)))
            (local.set $s (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_s (local.get $s) (local.get $s))
              (i16x8.narrow_i32x4_s (local.get $s) (local.get $s))))
            (i32.store8 (local.get $at) (i8x16.extract_lane_u 0 (local.get $s)))
            (i32.store8 (i32.add (local.get $at) (local.get $outStride)) (i8x16.extract_lane_u 1 (local.get $s)))
            (i32.store8 (i32.add (local.get $at) (i32.shl (local.get $outStride) (i32.const 1))) (i8x16.extract_lane_u 2 (local.get $s)))
            (i32.store8 (i32.add (local.get $at) (i32.mul (local.get $outStride) (i32.const 3))) (i8x16.extract_lane_u 3 (local.get $s)))
            (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
            (br $colsLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $rowsLoop))))

  ;; "horizontal4" for tables whose weights all fit in int16 (large reductions,
  ;; e.g. to 8 or 9 columns): the caller stores them whole in wLo and the hi
  ;; half, all zeros, is skipped.
  (func (export "horizontal4Narrow")
    (param $src i32) (param $srcStride i32) (param $rows i32)
    (param $outW i32) (param $out i32) (param $outStride i32)
    (param $first i32) (param $groups i32) (param $wHi i32) (param $wLo i32) (param $kStride i32)
    (local $y i32) (local $xx i32) (local $row i32) (local $p i32) (local $k i32) (local $g i32) (local $o i32)
    (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128)
    (local $wh v128) (local $wl v128) (local $px v128)
    (local $t0 v128) (local $t1 v128) (local $s v128) (local $at i32)
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
            (local.set $l0 (v128.const i32x4 0 0 0 0))
            (local.set $l1 (local.get $l0)) (local.set $l2 (local.get $l0)) (local.set $l3 (local.get $l0))
            (block $doneTaps
              (loop $tapsLoop
                (br_if $doneTaps (i32.eqz (local.get $g)))
                (local.set $wl (v128.load align=2 (i32.add (local.get $wLo) (local.get $k))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (local.get $p))))
                (local.set $l0 (i32x4.add (local.get $l0) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (i32.add (local.get $p) (local.get $srcStride)))))
                (local.set $l1 (i32x4.add (local.get $l1) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (i32.add (local.get $p) (i32.shl (local.get $srcStride) (i32.const 1))))))
                (local.set $l2 (i32x4.add (local.get $l2) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (i32.add (local.get $p) (i32.mul (local.get $srcStride) (i32.const 3))))))
                (local.set $l3 (i32x4.add (local.get $l3) (i32x4.dot_i16x8_s (local.get $px) (local.get $wl))))
                (local.set $p (i32.add (local.get $p) (i32.const 8)))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (local.set $g (i32.sub (local.get $g) (i32.const 1)))
                (br $tapsLoop)))
            ;; Inline, not a function: a call per output quad cost ~10% of the pass. Sum the four
            ;; lanes of each of l0..l3, add 2^21, >> 22, clamp to 0..255, store one row apart.
            (local.set $at (i32.add (local.get $o) (local.get $xx)))
            (local.set $t0 (i32x4.add
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $l0) (local.get $l1))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $l0) (local.get $l1))))
            (local.set $t1 (i32x4.add
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $l2) (local.get $l3))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $l2) (local.get $l3))))
            (local.set $s (i32x4.add
              (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t0) (local.get $t1))
              (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t0) (local.get $t1))))
            (local.set $s (i32x4.shr_s (i32x4.add (local.get $s) (i32x4.splat (i32.const 2097152))) (i32.const 22)))
            (local.set $s (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_s (local.get $s) (local.get $s))
              (i16x8.narrow_i32x4_s (local.get $s) (local.get $s))))
            (i32.store8 (local.get $at) (i8x16.extract_lane_u 0 (local.get $s)))
            (i32.store8 (i32.add (local.get $at) (local.get $outStride)) (i8x16.extract_lane_u 1 (local.get $s)))
            (i32.store8 (i32.add (local.get $at) (i32.shl (local.get $outStride) (i32.const 1))) (i8x16.extract_lane_u 2 (local.get $s)))
            (i32.store8 (i32.add (local.get $at) (i32.mul (local.get $outStride) (i32.const 3))) (i8x16.extract_lane_u 3 (local.get $s)))
            (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
            (br $colsLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $rowsLoop))))

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

  ;; Pillow's convert('L') of 8-bit RGB (L24): (r·19595 + g·38470 + b·7471 + 0x8000) >> 16,
  ;; 16 pixels per step; `pixels` must be a multiple of 16 (the caller does the rest).
  (func (export "luma")
    (param $src i32) (param $dst i32) (param $pixels i32)
    (local $end i32) (local $v0 v128) (local $v1 v128) (local $v2 v128)
    (local $r v128) (local $g v128) (local $b v128)
    (local $cr v128) (local $cg v128) (local $cb v128) (local $half v128)
    (local.set $cr (i16x8.splat (i32.const 19595)))
    (local.set $cg (i16x8.splat (i32.const 38470)))
    (local.set $cb (i16x8.splat (i32.const 7471)))
    (local.set $half (i32x4.splat (i32.const 32768)))
    (local.set $end (i32.add (local.get $dst) (local.get $pixels)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (local.set $v0 (v128.load align=1 (local.get $src)))
        (local.set $v1 (v128.load offset=16 align=1 (local.get $src)))
        (local.set $v2 (v128.load offset=32 align=1 (local.get $src)))
        ;; De-interleave: R at bytes 0,3,..,45; G at 1,4,..,46; B at 2,5,..,47.
        (local.set $r (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 17 20 23 26 29
          (i8x16.shuffle 0 3 6 9 12 15 18 21 24 27 30 0 0 0 0 0 (local.get $v0) (local.get $v1))
          (local.get $v2)))
        (local.set $g (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 18 21 24 27 30
          (i8x16.shuffle 1 4 7 10 13 16 19 22 25 28 31 0 0 0 0 0 (local.get $v0) (local.get $v1))
          (local.get $v2)))
        (local.set $b (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 16 19 22 25 28 31
          (i8x16.shuffle 2 5 8 11 14 17 20 23 26 29 0 0 0 0 0 0 (local.get $v0) (local.get $v1))
          (local.get $v2)))
        (v128.store align=1 (local.get $dst)
          (i8x16.narrow_i16x8_u
            (call $luma8 (i16x8.extend_low_i8x16_u (local.get $r)) (i16x8.extend_low_i8x16_u (local.get $g))
              (i16x8.extend_low_i8x16_u (local.get $b)) (local.get $cr) (local.get $cg) (local.get $cb) (local.get $half))
            (call $luma8 (i16x8.extend_high_i8x16_u (local.get $r)) (i16x8.extend_high_i8x16_u (local.get $g))
              (i16x8.extend_high_i8x16_u (local.get $b)) (local.get $cr) (local.get $cg) (local.get $cb) (local.get $half))))
        (local.set $src (i32.add (local.get $src) (i32.const 48)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $each))))

  ;; Eight pixels' L24 as i16 lanes (0..255); weights and samples as unsigned 16-bit.
  (func $luma8 (param $r v128) (param $g v128) (param $b v128)
    (param $cr v128) (param $cg v128) (param $cb v128) (param $half v128) (result v128)
    (i16x8.narrow_i32x4_u
      (i32x4.shr_u
        (i32x4.add (i32x4.add (local.get $half) (i32x4.extmul_low_i16x8_u (local.get $r) (local.get $cr)))
          (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $g) (local.get $cg)) (i32x4.extmul_low_i16x8_u (local.get $b) (local.get $cb))))
        (i32.const 16))
      (i32x4.shr_u
        (i32x4.add (i32x4.add (local.get $half) (i32x4.extmul_high_i16x8_u (local.get $r) (local.get $cr)))
          (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $g) (local.get $cg)) (i32x4.extmul_high_i16x8_u (local.get $b) (local.get $cb))))
        (i32.const 16))))
)
