;; Sleeps 120 s in poll_oneoff (a monotonic clock subscription) and exits 0: a live sandbox that costs no CPU, for
;; measuring a daemon with many sandboxes alive (bench/daemon-spawn.sh).
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; subscription at 0: userdata u64 @0, tag u8 @8 (0 = clock), clock id u32 @16 (1 = monotonic),
    ;; timeout u64 @24 (ns), precision u64 @32, flags u16 @40 (0 = relative). One event out at 64, nevents at 128.
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 120000000000))
    (i64.store (i32.const 32) (i64.const 0))
    (i32.store16 (i32.const 40) (i32.const 0))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))
