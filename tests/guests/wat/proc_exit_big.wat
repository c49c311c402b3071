;; Calls WASI proc_exit(200): tests exit codes >= 126 (stock Wasmtime WASI traps on these: "outside of [0..126)").
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.const 200))))
