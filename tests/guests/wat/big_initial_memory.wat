;; Declares memory min 2048 pages (128 MiB): tests check that a memory limit rejects oversized initial memory.
(module
  (memory (export "memory") 2048)
  (func (export "_start")))
