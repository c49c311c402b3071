;; Infinite loop in _start, no imports: tests check timeout / fuel / epoch interruption without WASI.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever
      br $forever)))
