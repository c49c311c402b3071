;; _start executes `unreachable`: tests check that a wasm trap is reported as a trap.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    unreachable))
