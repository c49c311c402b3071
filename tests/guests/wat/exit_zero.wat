;; Calls WASI proc_exit(0) explicitly: tests check that proc_exit(0) is a clean success, not a trap.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.const 0))))
