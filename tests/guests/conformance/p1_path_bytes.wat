;; Path bytes the host must refuse before touching anything: invalid UTF-8 is EILSEQ (path_open, path_create_directory,
;; path_unlink_file); a path running past the end of memory traps is tested elsewhere (p1_bad_pointer_trap).
;; Expects /rw as fd 3 (the first grant). A failed check prints "FAIL check N" and the guest exits 1.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $failed (mut i32) (i32.const 0))
  (data (i32.const 64) "FAIL check ?\n")
  (data (i32.const 100) "a\ff\feb")      ;; 4 bytes, invalid UTF-8
  (data (i32.const 110) "\c3")           ;; 1 byte, a truncated two-byte sequence
  (data (i32.const 120) "\ed\a0\80")     ;; 3 bytes, an encoded surrogate (invalid in UTF-8)
  (func $expect (param $got i32) (param $want i32) (param $id i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then
        (i32.store8 (i32.const 75) (i32.add (i32.const 48) (local.get $id)))
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 13))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (global.set $failed (i32.const 1)))))
  (func (export "_start")
    ;; 25 = EILSEQ
    (call $expect (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 4) (i32.const 1)
                    (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 16))
                  (i32.const 25) (i32.const 1))
    (call $expect (call $mkdir (i32.const 3) (i32.const 110) (i32.const 1)) (i32.const 25) (i32.const 2))
    (call $expect (call $unlink (i32.const 3) (i32.const 120) (i32.const 3)) (i32.const 25) (i32.const 3))
    (call $proc_exit (global.get $failed))))
