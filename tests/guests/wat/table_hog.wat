;; Eats host memory through tables instead of linear memory: eight funcref tables, each grown a million elements at
;; a time until table.grow refuses. Every element is a host pointer, so eight tables of N elements cost 64·N bytes of
;; the engine's memory. Exits 0 when every table stopped growing (refused), which is the in-process tier with a cap;
;; in the jail the cgroup's OOM killer should stop it first when the cap times eight is above the cgroup's limit.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (table $t0 0 funcref) (table $t1 0 funcref) (table $t2 0 funcref) (table $t3 0 funcref)
  (table $t4 0 funcref) (table $t5 0 funcref) (table $t6 0 funcref) (table $t7 0 funcref)
  (func $fill0 (loop $l (br_if $l (i32.ne (table.grow $t0 (ref.null func) (i32.const 1000000)) (i32.const -1)))))
  (func $fill1 (loop $l (br_if $l (i32.ne (table.grow $t1 (ref.null func) (i32.const 1000000)) (i32.const -1)))))
  (func $fill2 (loop $l (br_if $l (i32.ne (table.grow $t2 (ref.null func) (i32.const 1000000)) (i32.const -1)))))
  (func $fill3 (loop $l (br_if $l (i32.ne (table.grow $t3 (ref.null func) (i32.const 1000000)) (i32.const -1)))))
  (func $fill4 (loop $l (br_if $l (i32.ne (table.grow $t4 (ref.null func) (i32.const 1000000)) (i32.const -1)))))
  (func $fill5 (loop $l (br_if $l (i32.ne (table.grow $t5 (ref.null func) (i32.const 1000000)) (i32.const -1)))))
  (func $fill6 (loop $l (br_if $l (i32.ne (table.grow $t6 (ref.null func) (i32.const 1000000)) (i32.const -1)))))
  (func $fill7 (loop $l (br_if $l (i32.ne (table.grow $t7 (ref.null func) (i32.const 1000000)) (i32.const -1)))))
  (func (export "_start")
    (call $fill0) (call $fill1) (call $fill2) (call $fill3)
    (call $fill4) (call $fill5) (call $fill6) (call $fill7)
    (call $exit (i32.const 0))))
