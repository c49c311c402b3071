;; A one-connection echo server the p1 way: accepts on the preopened listener fd 3 (the first --listen when no --dir
;; is granted), reads up to 64 bytes, sends them back, shuts the connection down for writing, and exits with the number
;; of bytes echoed. Each failing call exits with 100 + its errno's low bits so a test can tell which one failed.
(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: accepted fd | 4: iovec {buf=64, len} | 12: received length | 16: ro_flags | 20: sent length | 64..128: buffer
  (func $check (param $errno i32)
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 100) (i32.and (local.get $errno) (i32.const 15)))))))
  (func (export "_start")
    (call $check (call $accept (i32.const 3) (i32.const 0) (i32.const 0)))
    (i32.store (i32.const 4) (i32.const 64))
    (i32.store (i32.const 8) (i32.const 64))
    (call $check (call $recv (i32.load (i32.const 0)) (i32.const 4) (i32.const 1) (i32.const 0) (i32.const 12) (i32.const 16)))
    (i32.store (i32.const 8) (i32.load (i32.const 12)))
    (call $check (call $send (i32.load (i32.const 0)) (i32.const 4) (i32.const 1) (i32.const 0) (i32.const 20)))
    (call $check (call $shutdown (i32.load (i32.const 0)) (i32.const 2)))
    (call $exit (i32.load (i32.const 20)))))
