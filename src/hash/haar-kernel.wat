;; The haar steps of imagehash's whash, as WebAssembly SIMD (two blocks per
;; f64x2 operation): PyWavelets' forward step on the 8-bit image and on f64
;; planes, its inverse step, and the rebuild of the finest level fused with the
;; next forward step. Running every level here (not only the two full-size
;; ones) avoids copying planes in and out of the kernel's memory. Every value is the same IEEE double operation, in the same order, as
;; the TypeScript in haar.ts (f64x2 add/mul/div round exactly like scalar
;; ones; no fused multiply-add is used), so the results are bit-identical.
;; Hand-written; assembled with wabt's `wat2wasm` (1.0.32) into haar-kernel.ts.
(module
  ;; The memory is shared with the other kernels of the thread (wasm-kernel.ts).
  (import "env" "memory" (memory 1))

  ;; pywt.dwt2(px / 255., 'haar') on an n×n byte image (n a multiple of 4).
  ;; Writes the four (n/2)² sub-bands as f64, row-major: aa, ad, da, dd.
  ;; $table holds b / 255 for b = 0..255 (256 f64, computed by the caller with
  ;; the same IEEE division): a look-up per byte instead of a division, which
  ;; was most of this function's time.
  (func (export "forwardBytes")
    (param $px i32) (param $n i32) (param $aa i32) (param $ad i32) (param $da i32) (param $dd i32) (param $table i32)
    (local $h i32) (local $r i32) (local $c i32) (local $row0 i32) (local $row1 i32) (local $o i32)
    (local $v v128) (local $x00 v128) (local $x01 v128) (local $x10 v128) (local $x11 v128)
    (local $a0 v128) (local $a1 v128) (local $d0 v128) (local $d1 v128)
    (local $k v128) (local $nk v128) (local $p i32)
    (local.set $k (f64x2.splat (f64.const 0.7071067811865476)))
    (local.set $nk (f64x2.splat (f64.const -0.7071067811865476)))
    (local.set $h (i32.shr_u (local.get $n) (i32.const 1)))
    (local.set $o (i32.const 0))
    (local.set $r (i32.const 0))
    (block $doneRows
      (loop $rows
        (br_if $doneRows (i32.ge_u (local.get $r) (local.get $h)))
        (local.set $row0 (i32.add (local.get $px) (i32.mul (i32.shl (local.get $r) (i32.const 1)) (local.get $n))))
        (local.set $row1 (i32.add (local.get $row0) (local.get $n)))
        (local.set $c (i32.const 0))
        (block $doneCols
          (loop $cols
            (br_if $doneCols (i32.ge_u (local.get $c) (local.get $h)))
            ;; Bytes b0 b1 b2 b3 of a row (columns 2c..2c+3): x·0 of blocks c and c+1 is
            ;; (b0, b2)/255, x·1 is (b1, b3)/255.
            (local.set $p (i32.add (local.get $row0) (i32.shl (local.get $c) (i32.const 1))))
            (local.set $x00 (f64x2.replace_lane 1
              (f64x2.splat (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
              (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 3))))))
            (local.set $x01 (f64x2.replace_lane 1
              (f64x2.splat (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 3)))))
              (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 3))))))
            (local.set $p (i32.add (local.get $row1) (i32.shl (local.get $c) (i32.const 1))))
            (local.set $x10 (f64x2.replace_lane 1
              (f64x2.splat (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
              (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 3))))))
            (local.set $x11 (f64x2.replace_lane 1
              (f64x2.splat (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 3)))))
              (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 3))))))
            ;; Axis 0, then axis 1: lo = h·x[2k+1] + h·x[2k], hi = (−h)·x[2k+1] + h·x[2k].
            (local.set $a0 (f64x2.add (f64x2.mul (local.get $k) (local.get $x10)) (f64x2.mul (local.get $k) (local.get $x00))))
            (local.set $a1 (f64x2.add (f64x2.mul (local.get $k) (local.get $x11)) (f64x2.mul (local.get $k) (local.get $x01))))
            (local.set $d0 (f64x2.add (f64x2.mul (local.get $nk) (local.get $x10)) (f64x2.mul (local.get $k) (local.get $x00))))
            (local.set $d1 (f64x2.add (f64x2.mul (local.get $nk) (local.get $x11)) (f64x2.mul (local.get $k) (local.get $x01))))
            (v128.store align=8 (i32.add (local.get $aa) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $k) (local.get $a1)) (f64x2.mul (local.get $k) (local.get $a0))))
            (v128.store align=8 (i32.add (local.get $ad) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $nk) (local.get $a1)) (f64x2.mul (local.get $k) (local.get $a0))))
            (v128.store align=8 (i32.add (local.get $da) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $k) (local.get $d1)) (f64x2.mul (local.get $k) (local.get $d0))))
            (v128.store align=8 (i32.add (local.get $dd) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $nk) (local.get $d1)) (f64x2.mul (local.get $k) (local.get $d0))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; pywt.idwt2((aa, (da, ad, dd)), 'haar') followed by the approximation of
  ;; pywt.dwt2 of the result: one value per 2×2 block, `count` blocks (even).
  (func (export "inverseThenApprox")
    (param $aa i32) (param $ad i32) (param $da i32) (param $dd i32) (param $out i32) (param $count i32)
    (local $o i32) (local $end i32)
    (local $sa v128) (local $sd v128) (local $ac0 v128) (local $ac1 v128) (local $dc0 v128) (local $dc1 v128)
    (local $s0 v128) (local $s1 v128) (local $x00 v128) (local $x01 v128) (local $x10 v128) (local $x11 v128)
    (local $t v128) (local $k v128) (local $nk v128)
    (local.set $k (f64x2.splat (f64.const 0.7071067811865476)))
    (local.set $nk (f64x2.splat (f64.const -0.7071067811865476)))
    (local.set $end (i32.shl (local.get $count) (i32.const 3)))
    (local.set $o (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        ;; Axis 1: (aa, ad) -> a at columns 2c, 2c+1; (da, dd) -> d. x = h·lo + (±h)·hi.
        (local.set $sa (f64x2.mul (local.get $k) (v128.load align=8 (i32.add (local.get $aa) (local.get $o)))))
        (local.set $t (v128.load align=8 (i32.add (local.get $ad) (local.get $o))))
        (local.set $ac0 (f64x2.add (local.get $sa) (f64x2.mul (local.get $k) (local.get $t))))
        (local.set $ac1 (f64x2.add (local.get $sa) (f64x2.mul (local.get $nk) (local.get $t))))
        (local.set $sd (f64x2.mul (local.get $k) (v128.load align=8 (i32.add (local.get $da) (local.get $o)))))
        (local.set $t (v128.load align=8 (i32.add (local.get $dd) (local.get $o))))
        (local.set $dc0 (f64x2.add (local.get $sd) (f64x2.mul (local.get $k) (local.get $t))))
        (local.set $dc1 (f64x2.add (local.get $sd) (f64x2.mul (local.get $nk) (local.get $t))))
        ;; Axis 0: rows 2r, 2r+1.
        (local.set $s0 (f64x2.mul (local.get $k) (local.get $ac0)))
        (local.set $s1 (f64x2.mul (local.get $k) (local.get $ac1)))
        (local.set $x00 (f64x2.add (local.get $s0) (f64x2.mul (local.get $k) (local.get $dc0))))
        (local.set $x01 (f64x2.add (local.get $s1) (f64x2.mul (local.get $k) (local.get $dc1))))
        (local.set $x10 (f64x2.add (local.get $s0) (f64x2.mul (local.get $nk) (local.get $dc0))))
        (local.set $x11 (f64x2.add (local.get $s1) (f64x2.mul (local.get $nk) (local.get $dc1))))
        ;; Forward approximation of the rebuilt block.
        (v128.store align=8 (i32.add (local.get $out) (local.get $o))
          (f64x2.add
            (f64x2.mul (local.get $k)
              (f64x2.add (f64x2.mul (local.get $k) (local.get $x11)) (f64x2.mul (local.get $k) (local.get $x01))))
            (f64x2.mul (local.get $k)
              (f64x2.add (f64x2.mul (local.get $k) (local.get $x10)) (f64x2.mul (local.get $k) (local.get $x00))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $each))))

  ;; The coarse levels, on f64 planes. Two blocks (columns c and c+1) per f64x2
  ;; operation, so a level with h = 1 (n = 2) also computes a second, garbage
  ;; block from the bytes that follow: every buffer the caller passes has 16
  ;; spare bytes at its end, and lanes never mix, so the garbage stays in the
  ;; lane that is never read.

  ;; pywt.dwt2(x, 'haar') on an n×n f64 plane: the four (n/2)² sub-bands, as forwardBytes.
  (func (export "forward")
    (param $x i32) (param $n i32) (param $aa i32) (param $ad i32) (param $da i32) (param $dd i32)
    (local $h i32) (local $r i32) (local $c i32) (local $row0 i32) (local $row1 i32) (local $o i32)
    (local $u v128) (local $v v128) (local $x00 v128) (local $x01 v128) (local $x10 v128) (local $x11 v128)
    (local $a0 v128) (local $a1 v128) (local $d0 v128) (local $d1 v128)
    (local $k v128) (local $nk v128)
    (local.set $k (f64x2.splat (f64.const 0.7071067811865476)))
    (local.set $nk (f64x2.splat (f64.const -0.7071067811865476)))
    (local.set $h (i32.shr_u (local.get $n) (i32.const 1)))
    (local.set $o (i32.const 0))
    (local.set $r (i32.const 0))
    (block $doneRows
      (loop $rows
        (br_if $doneRows (i32.ge_u (local.get $r) (local.get $h)))
        (local.set $row0 (i32.add (local.get $x) (i32.shl (i32.mul (i32.shl (local.get $r) (i32.const 1)) (local.get $n)) (i32.const 3))))
        (local.set $row1 (i32.add (local.get $row0) (i32.shl (local.get $n) (i32.const 3))))
        (local.set $c (i32.const 0))
        (block $doneCols
          (loop $cols
            (br_if $doneCols (i32.ge_u (local.get $c) (local.get $h)))
            ;; Columns 2c..2c+3 of each row: x·0 = (x[2c], x[2c+2]), x·1 = (x[2c+1], x[2c+3]).
            (local.set $u (v128.load align=8 (i32.add (local.get $row0) (i32.shl (local.get $c) (i32.const 4)))))
            (local.set $v (v128.load offset=16 align=8 (i32.add (local.get $row0) (i32.shl (local.get $c) (i32.const 4)))))
            (local.set $x00 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $v)))
            (local.set $x01 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $v)))
            (local.set $u (v128.load align=8 (i32.add (local.get $row1) (i32.shl (local.get $c) (i32.const 4)))))
            (local.set $v (v128.load offset=16 align=8 (i32.add (local.get $row1) (i32.shl (local.get $c) (i32.const 4)))))
            (local.set $x10 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $v)))
            (local.set $x11 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $v)))
            (local.set $a0 (f64x2.add (f64x2.mul (local.get $k) (local.get $x10)) (f64x2.mul (local.get $k) (local.get $x00))))
            (local.set $a1 (f64x2.add (f64x2.mul (local.get $k) (local.get $x11)) (f64x2.mul (local.get $k) (local.get $x01))))
            (local.set $d0 (f64x2.add (f64x2.mul (local.get $nk) (local.get $x10)) (f64x2.mul (local.get $k) (local.get $x00))))
            (local.set $d1 (f64x2.add (f64x2.mul (local.get $nk) (local.get $x11)) (f64x2.mul (local.get $k) (local.get $x01))))
            (v128.store align=8 (i32.add (local.get $aa) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $k) (local.get $a1)) (f64x2.mul (local.get $k) (local.get $a0))))
            (v128.store align=8 (i32.add (local.get $ad) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $nk) (local.get $a1)) (f64x2.mul (local.get $k) (local.get $a0))))
            (v128.store align=8 (i32.add (local.get $da) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $k) (local.get $d1)) (f64x2.mul (local.get $k) (local.get $d0))))
            (v128.store align=8 (i32.add (local.get $dd) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $nk) (local.get $d1)) (f64x2.mul (local.get $k) (local.get $d0))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; The approximation of pywt.dwt2(x, 'haar') only (n/2 even).
  (func (export "approx")
    (param $x i32) (param $n i32) (param $aa i32)
    (local $h i32) (local $r i32) (local $c i32) (local $row0 i32) (local $row1 i32) (local $o i32)
    (local $u v128) (local $v v128) (local $a0 v128) (local $a1 v128) (local $k v128)
    (local.set $k (f64x2.splat (f64.const 0.7071067811865476)))
    (local.set $h (i32.shr_u (local.get $n) (i32.const 1)))
    (local.set $o (i32.const 0))
    (local.set $r (i32.const 0))
    (block $doneRows
      (loop $rows
        (br_if $doneRows (i32.ge_u (local.get $r) (local.get $h)))
        (local.set $row0 (i32.add (local.get $x) (i32.shl (i32.mul (i32.shl (local.get $r) (i32.const 1)) (local.get $n)) (i32.const 3))))
        (local.set $row1 (i32.add (local.get $row0) (i32.shl (local.get $n) (i32.const 3))))
        (local.set $c (i32.const 0))
        (block $doneCols
          (loop $cols
            (br_if $doneCols (i32.ge_u (local.get $c) (local.get $h)))
            ;; a0 = h·x10 + h·x00 and a1 = h·x11 + h·x01, for blocks c and c+1.
            (local.set $u (v128.load align=8 (i32.add (local.get $row0) (i32.shl (local.get $c) (i32.const 4)))))
            (local.set $v (v128.load offset=16 align=8 (i32.add (local.get $row0) (i32.shl (local.get $c) (i32.const 4)))))
            (local.set $a0 (f64x2.mul (local.get $k) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $v))))
            (local.set $a1 (f64x2.mul (local.get $k) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $v))))
            (local.set $u (v128.load align=8 (i32.add (local.get $row1) (i32.shl (local.get $c) (i32.const 4)))))
            (local.set $v (v128.load offset=16 align=8 (i32.add (local.get $row1) (i32.shl (local.get $c) (i32.const 4)))))
            (local.set $a0 (f64x2.add (f64x2.mul (local.get $k) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $v))) (local.get $a0)))
            (local.set $a1 (f64x2.add (f64x2.mul (local.get $k) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $v))) (local.get $a1)))
            (v128.store align=8 (i32.add (local.get $aa) (local.get $o))
              (f64x2.add (f64x2.mul (local.get $k) (local.get $a1)) (f64x2.mul (local.get $k) (local.get $a0))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; pywt.idwt2((aa, (da, ad, dd)), 'haar') with h×h sub-bands: the 2h×2h plane into `out`.
  (func (export "inverse")
    (param $aa i32) (param $ad i32) (param $da i32) (param $dd i32) (param $out i32) (param $h i32)
    (local $r i32) (local $c i32) (local $i i32) (local $row0 i32) (local $row1 i32)
    (local $sa v128) (local $sd v128) (local $ac0 v128) (local $ac1 v128) (local $dc0 v128) (local $dc1 v128)
    (local $s0 v128) (local $s1 v128) (local $x00 v128) (local $x01 v128) (local $x10 v128) (local $x11 v128)
    (local $t v128) (local $k v128) (local $nk v128)
    (local.set $k (f64x2.splat (f64.const 0.7071067811865476)))
    (local.set $nk (f64x2.splat (f64.const -0.7071067811865476)))
    (local.set $i (i32.const 0))
    (local.set $r (i32.const 0))
    (block $doneRows
      (loop $rows
        (br_if $doneRows (i32.ge_u (local.get $r) (local.get $h)))
        ;; Output rows 2r and 2r+1, each 2h values (4h·8 bytes).
        (local.set $row0 (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $h)) (i32.const 5))))
        (local.set $row1 (i32.add (local.get $row0) (i32.shl (local.get $h) (i32.const 4))))
        (local.set $c (i32.const 0))
        (block $doneCols
          (loop $cols
            (br_if $doneCols (i32.ge_u (local.get $c) (local.get $h)))
            (local.set $sa (f64x2.mul (local.get $k) (v128.load align=8 (i32.add (local.get $aa) (local.get $i)))))
            (local.set $t (v128.load align=8 (i32.add (local.get $ad) (local.get $i))))
            (local.set $ac0 (f64x2.add (local.get $sa) (f64x2.mul (local.get $k) (local.get $t))))
            (local.set $ac1 (f64x2.add (local.get $sa) (f64x2.mul (local.get $nk) (local.get $t))))
            (local.set $sd (f64x2.mul (local.get $k) (v128.load align=8 (i32.add (local.get $da) (local.get $i)))))
            (local.set $t (v128.load align=8 (i32.add (local.get $dd) (local.get $i))))
            (local.set $dc0 (f64x2.add (local.get $sd) (f64x2.mul (local.get $k) (local.get $t))))
            (local.set $dc1 (f64x2.add (local.get $sd) (f64x2.mul (local.get $nk) (local.get $t))))
            (local.set $s0 (f64x2.mul (local.get $k) (local.get $ac0)))
            (local.set $s1 (f64x2.mul (local.get $k) (local.get $ac1)))
            (local.set $x00 (f64x2.add (local.get $s0) (f64x2.mul (local.get $k) (local.get $dc0))))
            (local.set $x01 (f64x2.add (local.get $s1) (f64x2.mul (local.get $k) (local.get $dc1))))
            (local.set $x10 (f64x2.add (local.get $s0) (f64x2.mul (local.get $nk) (local.get $dc0))))
            (local.set $x11 (f64x2.add (local.get $s1) (f64x2.mul (local.get $nk) (local.get $dc1))))
            ;; Interleave back to columns 4c'..: (x·0 of block c, x·1 of block c, x·0 of c+1, x·1 of c+1).
            ;; Row 2r is stored before row 2r+1: with h = 1 the garbage half of row 0 lands on row 1.
            (v128.store align=8 (i32.add (local.get $row0) (i32.shl (local.get $c) (i32.const 4)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x00) (local.get $x01)))
            (v128.store offset=16 align=8 (i32.add (local.get $row0) (i32.shl (local.get $c) (i32.const 4)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x00) (local.get $x01)))
            (v128.store align=8 (i32.add (local.get $row1) (i32.shl (local.get $c) (i32.const 4)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x10) (local.get $x11)))
            (v128.store offset=16 align=8 (i32.add (local.get $row1) (i32.shl (local.get $c) (i32.const 4)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x10) (local.get $x11)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
)
