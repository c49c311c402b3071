;; A WASI reactor: exports _initialize and memory but no _start; tests check reactors are rejected as commands.
(module
  (memory (export "memory") 1)
  (func (export "_initialize")))
