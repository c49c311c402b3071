;; Imports env.host_magic besides having a _start: tests check that non-WASI imports are rejected at link time.
(module
  (import "env" "host_magic" (func $host_magic (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $host_magic))))
