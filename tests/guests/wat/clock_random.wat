;; Writes 16 bytes from random_get and the realtime clock (8 bytes) as 48 hex digits to stdout, then exits 0.
;; The deterministic-mode tests run it twice with one seed (same output) and with another seed (different output).
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "0123456789abcdef")
  (func (export "_start") (local $i i32) (local $b i32)
    ;; raw bytes at 0..24: 16 random, then 8 clock
    (drop (call $random_get (i32.const 0) (i32.const 16)))
    (drop (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 16)))
    ;; hex at 64..112
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const 24)))
      (local.set $b (i32.load8_u (local.get $i)))
      (i32.store8 (i32.add (i32.const 64) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 256) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.add (i32.const 65) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 256) (i32.and (local.get $b) (i32.const 15)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    ;; iovec at 128: {64, 48}
    (i32.store (i32.const 128) (i32.const 64))
    (i32.store (i32.const 132) (i32.const 48))
    (drop (call $fd_write (i32.const 1) (i32.const 128) (i32.const 1) (i32.const 136)))))
