;; Not a WASI command: exports only `add` and memory, no _start; tests check "missing _start" rejection.
(module
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
