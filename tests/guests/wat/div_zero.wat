;; _start computes 1 / 0 with i32.div_s: tests check the integer-divide-by-zero trap.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (i32.div_s (i32.const 1) (i32.const 0)))))
