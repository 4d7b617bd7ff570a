;; PDQ's full-resolution float32 work as WebAssembly SIMD: the RGB -> luma
;; conversion and the box-filter passes of the Jarosz tent filter. Hand-written;
;; assembled with wabt's `wat2wasm` (1.0.32, SIMD on by default) into the base64
;; string in pdq-kernel.ts.
;;
;; Exactness: f32 and f32x4 arithmetic is IEEE single precision with
;; round-to-nearest, which is what the reference's `float` variables get. Each
;; SIMD lane is one independent output chain (a row in the row pass, a column
;; in the column pass), and every lane sees the same operations in the same
;; order as the TypeScript in pdq.ts: add the entering value, then subtract the
;; leaving one, each rounded; divide by the current window size. Nothing is
;; reassociated or fused.
;;
;; Layout: the luma plane is row-major float32 with a row stride of `stride`
;; floats (a multiple of 4, >= width) and a whole number of 8-row strips; lanes
;; past the image edge hold finite junk that no real output ever reads.
(module
  ;; The memory is shared with the other kernels of the thread (wasm-kernel.ts).
  (import "env" "memory" (memory 1))

  ;; Y = (0.299 R + 0.587 G) + 0.114 B in float32, four pixels at a time; the
  ;; weights are written as the exact float32 values of the reference constants.
  ;;   src: interleaved RGB; dst: luma plane. Reads up to 13 bytes past the
  ;;   last pixel (the caller pads). The caller may place src inside dst's
  ;;   tail: each row is read before any write can reach it.
  (func (export "luma")
    (param $src i32) (param $dst i32) (param $width i32) (param $height i32) (param $stride i32)
    (local $y i32) (local $x i32) (local $p i32) (local $o i32) (local $v v128)
    (local.set $p (local.get $src))
    (local.set $y (i32.const 0))
    (block $doneRows
      (loop $rows
        (br_if $doneRows (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $o (i32.add (local.get $dst)
          (i32.shl (i32.mul (local.get $y) (local.get $stride)) (i32.const 2))))
        (local.set $p (i32.add (local.get $src) (i32.mul (i32.mul (local.get $y) (local.get $width)) (i32.const 3))))
        (local.set $x (i32.const 0))
        (block $doneCols
          (loop $cols
            (br_if $doneCols (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $v (v128.load align=1 (local.get $p)))
            (v128.store (local.get $o)
              (f32x4.add
                (f32x4.add
                  (f32x4.mul
                    (f32x4.convert_i32x4_u (i8x16.swizzle (local.get $v)
                      (v128.const i8x16 0 128 128 128 3 128 128 128 6 128 128 128 9 128 128 128)))
                    (v128.const f32x4 0x1.322d0ep-2 0x1.322d0ep-2 0x1.322d0ep-2 0x1.322d0ep-2))
                  (f32x4.mul
                    (f32x4.convert_i32x4_u (i8x16.swizzle (local.get $v)
                      (v128.const i8x16 1 128 128 128 4 128 128 128 7 128 128 128 10 128 128 128)))
                    (v128.const f32x4 0x1.2c8b44p-1 0x1.2c8b44p-1 0x1.2c8b44p-1 0x1.2c8b44p-1)))
                (f32x4.mul
                  (f32x4.convert_i32x4_u (i8x16.swizzle (local.get $v)
                    (v128.const i8x16 2 128 128 128 5 128 128 128 8 128 128 128 11 128 128 128)))
                  (v128.const f32x4 0x1.d2f1aap-4 0x1.d2f1aap-4 0x1.d2f1aap-4 0x1.d2f1aap-4))))
            (local.set $p (i32.add (local.get $p) (i32.const 12)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $cols)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows))))

  ;; 4x4 transpose of float32 blocks: `stride` floats apart in rows <-> 16 bytes
  ;; apart in an interleaved strip (one vector = one column of 4 rows).
  ;;   toStrip = 1: rows at $rowsAt -> strip at $strip; 0: the other way.
  (func $transpose (param $rowsAt i32) (param $strip i32) (param $stride i32) (param $toStrip i32)
    (local $c i32) (local $rb i32) (local $a v128) (local $b v128) (local $cc v128) (local $d v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $r i32) (local $s i32)
    (local.set $rb (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $r (local.get $rowsAt))
    (local.set $s (local.get $strip))
    (local.set $c (i32.const 0))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $c) (local.get $stride)))
        (if (local.get $toStrip)
          (then
            (local.set $a (v128.load (local.get $r)))
            (local.set $b (v128.load (i32.add (local.get $r) (local.get $rb))))
            (local.set $cc (v128.load (i32.add (local.get $r) (i32.shl (local.get $rb) (i32.const 1)))))
            (local.set $d (v128.load (i32.add (local.get $r) (i32.mul (local.get $rb) (i32.const 3))))))
          (else
            (local.set $a (v128.load (local.get $s)))
            (local.set $b (v128.load offset=16 (local.get $s)))
            (local.set $cc (v128.load offset=32 (local.get $s)))
            (local.set $d (v128.load offset=48 (local.get $s)))))
        ;; t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3, t2 = c0 d0 c1 d1, t3 = c2 d2 c3 d3
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $cc) (local.get $d)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $cc) (local.get $d)))
        (local.set $a (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (local.set $b (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (local.set $cc (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (local.set $d (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (if (local.get $toStrip)
          (then
            (v128.store (local.get $s) (local.get $a))
            (v128.store offset=16 (local.get $s) (local.get $b))
            (v128.store offset=32 (local.get $s) (local.get $cc))
            (v128.store offset=48 (local.get $s) (local.get $d)))
          (else
            (v128.store (local.get $r) (local.get $a))
            (v128.store (i32.add (local.get $r) (local.get $rb)) (local.get $b))
            (v128.store (i32.add (local.get $r) (i32.shl (local.get $rb) (i32.const 1))) (local.get $cc))
            (v128.store (i32.add (local.get $r) (i32.mul (local.get $rb) (i32.const 3))) (local.get $d))))
        (local.set $r (i32.add (local.get $r) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 64)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $blocks))))

  ;; Box filter along every row, in place, eight rows (one strip) at a time:
  ;; the strip's two halves are transposed into $in (rows 0-3, then rows 4-7
  ;; 16·stride bytes further on) so each vector holds one column of four rows,
  ;; filtered into $out as two independent running sums, and transposed back.
  ;; A running sum is a serial chain of dependent additions; two chains side by
  ;; side keep the adder busy where one would leave it waiting on latency.
  ;;   strips: number of 8-row strips; p1..p4: the four phases (pdq.ts `phases`)
  ;;   in, out: scratch of stride*32 bytes each
  (func (export "boxRows")
    (param $buf i32) (param $strips i32) (param $stride i32)
    (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $p4 i32)
    (param $in i32) (param $out i32)
    (local $strip i32) (local $rows i32) (local $k i32) (local $count i32)
    (local $ri i32) (local $li i32) (local $oi i32) (local $s v128) (local $t v128) (local $n v128)
    (local $half i32)
    ;; bytes between the two halves of a strip: four rows, and four rows' worth of scratch
    (local.set $half (i32.shl (local.get $stride) (i32.const 4)))
    (local.set $strip (i32.const 0))
    (block $doneStrips
      (loop $strips
        (br_if $doneStrips (i32.ge_u (local.get $strip) (local.get $strips)))
        (local.set $rows (i32.add (local.get $buf)
          (i32.shl (i32.mul (local.get $strip) (local.get $stride)) (i32.const 5))))
        (call $transpose (local.get $rows) (local.get $in) (local.get $stride) (i32.const 1))
        (call $transpose (i32.add (local.get $rows) (local.get $half)) (i32.add (local.get $in) (local.get $half))
          (local.get $stride) (i32.const 1))
        (local.set $s (v128.const f32x4 0 0 0 0))
        (local.set $t (v128.const f32x4 0 0 0 0))
        (local.set $count (i32.const 0))
        (local.set $ri (local.get $in))
        (local.set $li (local.get $in))
        (local.set $oi (local.get $out))
        ;; fill: grow the window without output
        (local.set $k (local.get $p1))
        (block $d1 (loop $l1
          (br_if $d1 (i32.eqz (local.get $k)))
          (local.set $s (f32x4.add (local.get $s) (v128.load (local.get $ri))))
          (local.set $t (f32x4.add (local.get $t) (v128.load (i32.add (local.get $ri) (local.get $half)))))
          (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
          (local.set $count (i32.add (local.get $count) (i32.const 1)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $l1)))
        ;; grow: window still widening, outputs start
        (local.set $k (local.get $p2))
        (block $d2 (loop $l2
          (br_if $d2 (i32.eqz (local.get $k)))
          (local.set $s (f32x4.add (local.get $s) (v128.load (local.get $ri))))
          (local.set $t (f32x4.add (local.get $t) (v128.load (i32.add (local.get $ri) (local.get $half)))))
          (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
          (local.set $count (i32.add (local.get $count) (i32.const 1)))
          (local.set $n (f32x4.splat (f32.convert_i32_u (local.get $count))))
          (v128.store (local.get $oi) (f32x4.div (local.get $s) (local.get $n)))
          (v128.store (i32.add (local.get $oi) (local.get $half)) (f32x4.div (local.get $t) (local.get $n)))
          (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $l2)))
        ;; slide: full window
        (local.set $n (f32x4.splat (f32.convert_i32_u (local.get $count))))
        (local.set $k (local.get $p3))
        (block $d3 (loop $l3
          (br_if $d3 (i32.eqz (local.get $k)))
          (local.set $s (f32x4.sub (f32x4.add (local.get $s) (v128.load (local.get $ri))) (v128.load (local.get $li))))
          (local.set $t (f32x4.sub
            (f32x4.add (local.get $t) (v128.load (i32.add (local.get $ri) (local.get $half))))
            (v128.load (i32.add (local.get $li) (local.get $half)))))
          (v128.store (local.get $oi) (f32x4.div (local.get $s) (local.get $n)))
          (v128.store (i32.add (local.get $oi) (local.get $half)) (f32x4.div (local.get $t) (local.get $n)))
          (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
          (local.set $li (i32.add (local.get $li) (i32.const 16)))
          (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $l3)))
        ;; shrink: window narrowing at the far edge
        (local.set $k (local.get $p4))
        (block $d4 (loop $l4
          (br_if $d4 (i32.eqz (local.get $k)))
          (local.set $s (f32x4.sub (local.get $s) (v128.load (local.get $li))))
          (local.set $t (f32x4.sub (local.get $t) (v128.load (i32.add (local.get $li) (local.get $half)))))
          (local.set $li (i32.add (local.get $li) (i32.const 16)))
          (local.set $count (i32.sub (local.get $count) (i32.const 1)))
          (local.set $n (f32x4.splat (f32.convert_i32_u (local.get $count))))
          (v128.store (local.get $oi) (f32x4.div (local.get $s) (local.get $n)))
          (v128.store (i32.add (local.get $oi) (local.get $half)) (f32x4.div (local.get $t) (local.get $n)))
          (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $l4)))
        (call $transpose (local.get $rows) (local.get $out) (local.get $stride) (i32.const 0))
        (call $transpose (i32.add (local.get $rows) (local.get $half)) (i32.add (local.get $out) (local.get $half))
          (local.get $stride) (i32.const 0))
        (local.set $strip (i32.add (local.get $strip) (i32.const 1)))
        (br $strips))))

  ;; Box filter down every column, in place, sweeping 4 columns per vector
  ;; row by row. Entering rows are saved in a ring of `slots` rows because a
  ;; row has been overwritten by output before it leaves the window.
  ;;   sums: stride floats, zero on entry; ring: slots*stride floats
  (func (export "boxColumns")
    (param $buf i32) (param $stride i32)
    (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $p4 i32)
    (param $ring i32) (param $slots i32) (param $sums i32)
    (local $rb i32) (local $k i32) (local $count i32) (local $ri i32) (local $li i32) (local $oi i32)
    (local $j i32) (local $src i32) (local $dst i32) (local $in i32) (local $old i32)
    (local $v v128) (local $s v128) (local $n v128) (local $phase i32) (local $reps i32)
    (local.set $rb (i32.shl (local.get $stride) (i32.const 2)))
    ;; phase 1: add; 2: add, count++, write; 3: add, subtract, write; 4: subtract, count--, write
    (local.set $phase (i32.const 1))
    (block $donePhases
      (loop $phases
        (br_if $donePhases (i32.gt_u (local.get $phase) (i32.const 4)))
        (local.set $reps
          (select (local.get $p1)
            (select (local.get $p2)
              (select (local.get $p3) (local.get $p4) (i32.eq (local.get $phase) (i32.const 3)))
              (i32.eq (local.get $phase) (i32.const 2)))
            (i32.eq (local.get $phase) (i32.const 1))))
        (local.set $k (i32.const 0))
        (block $doneReps
          (loop $repsLoop
            (br_if $doneReps (i32.ge_u (local.get $k) (local.get $reps)))
            (if (i32.le_u (local.get $phase) (i32.const 2))
              (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (if (i32.eq (local.get $phase) (i32.const 4))
              (then (local.set $count (i32.sub (local.get $count) (i32.const 1)))))
            (local.set $n (f32x4.splat (f32.convert_i32_u (local.get $count))))
            (local.set $src (i32.add (local.get $buf) (i32.mul (local.get $ri) (local.get $rb))))
            (local.set $in (i32.add (local.get $ring)
              (i32.mul (i32.rem_u (local.get $ri) (local.get $slots)) (local.get $rb))))
            (local.set $old (i32.add (local.get $ring)
              (i32.mul (i32.rem_u (local.get $li) (local.get $slots)) (local.get $rb))))
            (local.set $dst (i32.add (local.get $buf) (i32.mul (local.get $oi) (local.get $rb))))
            (local.set $j (i32.const 0))
            (if (i32.eq (local.get $phase) (i32.const 1))
              (then
                (block $d1 (loop $l1
                  (br_if $d1 (i32.ge_u (local.get $j) (local.get $rb)))
                  (local.set $v (v128.load (i32.add (local.get $src) (local.get $j))))
                  (v128.store (i32.add (local.get $in) (local.get $j)) (local.get $v))
                  (v128.store (i32.add (local.get $sums) (local.get $j))
                    (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $j))) (local.get $v)))
                  (local.set $j (i32.add (local.get $j) (i32.const 16)))
                  (br $l1)))))
            (if (i32.eq (local.get $phase) (i32.const 2))
              (then
                (block $d2 (loop $l2
                  (br_if $d2 (i32.ge_u (local.get $j) (local.get $rb)))
                  (local.set $v (v128.load (i32.add (local.get $src) (local.get $j))))
                  (v128.store (i32.add (local.get $in) (local.get $j)) (local.get $v))
                  (local.set $s (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $j))) (local.get $v)))
                  (v128.store (i32.add (local.get $sums) (local.get $j)) (local.get $s))
                  (v128.store (i32.add (local.get $dst) (local.get $j)) (f32x4.div (local.get $s) (local.get $n)))
                  (local.set $j (i32.add (local.get $j) (i32.const 16)))
                  (br $l2)))))
            (if (i32.eq (local.get $phase) (i32.const 3))
              (then
                (block $d3 (loop $l3
                  (br_if $d3 (i32.ge_u (local.get $j) (local.get $rb)))
                  (local.set $v (v128.load (i32.add (local.get $src) (local.get $j))))
                  (v128.store (i32.add (local.get $in) (local.get $j)) (local.get $v))
                  (local.set $s (f32x4.sub
                    (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $j))) (local.get $v))
                    (v128.load (i32.add (local.get $old) (local.get $j)))))
                  (v128.store (i32.add (local.get $sums) (local.get $j)) (local.get $s))
                  (v128.store (i32.add (local.get $dst) (local.get $j)) (f32x4.div (local.get $s) (local.get $n)))
                  (local.set $j (i32.add (local.get $j) (i32.const 16)))
                  (br $l3)))))
            (if (i32.eq (local.get $phase) (i32.const 4))
              (then
                (block $d4 (loop $l4
                  (br_if $d4 (i32.ge_u (local.get $j) (local.get $rb)))
                  (local.set $s (f32x4.sub
                    (v128.load (i32.add (local.get $sums) (local.get $j)))
                    (v128.load (i32.add (local.get $old) (local.get $j)))))
                  (v128.store (i32.add (local.get $sums) (local.get $j)) (local.get $s))
                  (v128.store (i32.add (local.get $dst) (local.get $j)) (f32x4.div (local.get $s) (local.get $n)))
                  (local.set $j (i32.add (local.get $j) (i32.const 16)))
                  (br $l4)))))
            (if (i32.le_u (local.get $phase) (i32.const 3))
              (then (local.set $ri (i32.add (local.get $ri) (i32.const 1)))))
            (if (i32.ge_u (local.get $phase) (i32.const 3))
              (then (local.set $li (i32.add (local.get $li) (i32.const 1)))))
            (if (i32.ge_u (local.get $phase) (i32.const 2))
              (then (local.set $oi (i32.add (local.get $oi) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $repsLoop)))
        (local.set $phase (i32.add (local.get $phase) (i32.const 1)))
        (br $phases))))

  ;; One step of the column box filter, for filtering a stream of rows (the
  ;; same step boxColumns takes for one row, in the same operation order):
  ;;   mode 1 (fill): sums += row, row saved to ringIn
  ;;   mode 3 (grow): sums += row, row saved; out = sums / count
  ;;   mode 7 (slide): sums = (sums + row) - ringOld, row saved; out = sums / count
  ;;   mode 6 (shrink): sums -= ringOld; out = sums / count
  ;; `bytes` is the row length in bytes (a multiple of 16).
  (func (export "columnStep")
    (param $mode i32) (param $row i32) (param $ringIn i32) (param $ringOld i32)
    (param $sums i32) (param $out i32) (param $bytes i32) (param $count i32)
    (local $j i32) (local $v v128) (local $s v128) (local $n v128)
    (local.set $n (f32x4.splat (f32.convert_i32_u (local.get $count))))
    (local.set $j (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $s (v128.load (i32.add (local.get $sums) (local.get $j))))
        (if (i32.and (local.get $mode) (i32.const 1))
          (then
            (local.set $v (v128.load (i32.add (local.get $row) (local.get $j))))
            (v128.store (i32.add (local.get $ringIn) (local.get $j)) (local.get $v))
            (local.set $s (f32x4.add (local.get $s) (local.get $v)))))
        (if (i32.and (local.get $mode) (i32.const 4))
          (then
            (local.set $s (f32x4.sub (local.get $s) (v128.load (i32.add (local.get $ringOld) (local.get $j)))))))
        (v128.store (i32.add (local.get $sums) (local.get $j)) (local.get $s))
        (if (i32.and (local.get $mode) (i32.const 2))
          (then
            (v128.store (i32.add (local.get $out) (local.get $j)) (f32x4.div (local.get $s) (local.get $n)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $each))))

  ;; PDQ's partial DCT, B = D · A · Dᵀ (pdq-dct.ts dct64To16), four outputs per
  ;; vector: every output is still its own left-to-right float32 sum over
  ;; k = 0..63 of rounded products, starting from +0, as in the reference.
  ;;   a: 64×64 floats; d: the 16×64 basis D; dt: its transpose (64×16);
  ;;   t: scratch 16×64; b: the 16×16 result.
  (func (export "dct")
    (param $a i32) (param $d i32) (param $dt i32) (param $t i32) (param $b i32)
    (local $i i32) (local $j i32) (local $k i32) (local $acc v128) (local $w v128)
    ;; T = D · A: T[i][j..j+3] = Σk D[i][k] · A[k][j..j+3]
    (local.set $i (i32.const 0))
    (block $doneI (loop $eachI
      (br_if $doneI (i32.ge_u (local.get $i) (i32.const 16)))
      (local.set $j (i32.const 0))
      (block $doneJ (loop $eachJ
        (br_if $doneJ (i32.ge_u (local.get $j) (i32.const 64)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $doneK (loop $eachK
          (br_if $doneK (i32.ge_u (local.get $k) (i32.const 64)))
          (local.set $w (v128.load32_splat (i32.add (local.get $d)
            (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $k)) (i32.const 2)))))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $w)
            (v128.load (i32.add (local.get $a)
              (i32.shl (i32.add (i32.shl (local.get $k) (i32.const 6)) (local.get $j)) (i32.const 2)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $eachK)))
        (v128.store (i32.add (local.get $t)
          (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $j)) (i32.const 2))) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $eachJ)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $eachI)))
    ;; B = T · Dᵀ: B[i][j..j+3] = Σk T[i][k] · D[j..j+3][k] = Σk T[i][k] · Dt[k][j..j+3]
    (local.set $i (i32.const 0))
    (block $doneI2 (loop $eachI2
      (br_if $doneI2 (i32.ge_u (local.get $i) (i32.const 16)))
      (local.set $j (i32.const 0))
      (block $doneJ2 (loop $eachJ2
        (br_if $doneJ2 (i32.ge_u (local.get $j) (i32.const 16)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $doneK2 (loop $eachK2
          (br_if $doneK2 (i32.ge_u (local.get $k) (i32.const 64)))
          (local.set $w (v128.load32_splat (i32.add (local.get $t)
            (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $k)) (i32.const 2)))))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $w)
            (v128.load (i32.add (local.get $dt)
              (i32.shl (i32.add (i32.shl (local.get $k) (i32.const 4)) (local.get $j)) (i32.const 2)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $eachK2)))
        (v128.store (i32.add (local.get $b)
          (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 4)) (local.get $j)) (i32.const 2))) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $eachJ2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $eachI2))))
)
