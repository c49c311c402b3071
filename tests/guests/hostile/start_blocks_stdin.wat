;; Hostile: a start function (run during instantiation, before _start) that blocks in fd_read on stdin, so a
;; deadline armed only when the guest "starts" would never fire. --timeout must still end it on time.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $block
    ;; iovec at 0: buf 64, len 16; nread at 32
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 32))))
  (start $block)
  (func (export "_start")))
