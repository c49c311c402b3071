;; Grows memory by 256 pages (16 MiB) until memory.grow returns -1 or 64 attempts; proc_exit(successes). Memory-limit tests.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $ok i32)        ;; successful grows
    (local $tries i32)     ;; attempts so far
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $tries) (i32.const 64)))
        (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
        (br_if $done (i32.eq (memory.grow (i32.const 256)) (i32.const -1)))
        (local.set $ok (i32.add (local.get $ok) (i32.const 1)))
        (br $again)))
    (call $proc_exit (local.get $ok))))
