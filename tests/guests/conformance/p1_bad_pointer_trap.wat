;; A pointer that leaves linear memory must trap, not return an errno: fd_write with its iovec array straddling the
;; end of the one-page memory. Prints "before" first; if the call comes back it prints "returned" and exits 1.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "before\n")
  (data (i32.const 32) "returned\n")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $print (i32.const 16) (i32.const 7))
    ;; iovs at 65532: the 8-byte iovec array runs 4 bytes past the end of memory.
    (drop (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 8)))
    (call $print (i32.const 32) (i32.const 9))
    (call $proc_exit (i32.const 1))))
