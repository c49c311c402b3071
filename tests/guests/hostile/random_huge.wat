;; Hostile: asks random_get for 256 MiB again and again, so the host computes where no epoch check runs.
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (memory (export "memory") 4097)
  (func (export "_start")
    (loop $again
      (drop (call $random_get (i32.const 0) (i32.const 268435456)))
      br $again)))
