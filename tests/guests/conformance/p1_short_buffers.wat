;; Short and empty buffers: fd_prestat_dir_name into a buffer shorter than the name is ENAMETOOLONG and writes
;; nothing; fd_readdir and path_readlink with a zero-length buffer succeed with 0 used; random_get of 0 bytes succeeds.
;; Expects /rw as fd 3. A failed check prints "FAIL check N" and the guest exits 1.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $failed (mut i32) (i32.const 0))
  (data (i32.const 64) "FAIL check ?\n")
  (data (i32.const 100) "target")   ;; 6 bytes
  (data (i32.const 110) "sl")       ;; 2 bytes
  (data (i32.const 200) "\aa\aa\aa\aa\aa\aa\aa\aa")
  (func $expect (param $got i32) (param $want i32) (param $id i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then
        (i32.store8 (i32.const 75) (i32.add (i32.const 48) (local.get $id)))
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 13))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (global.set $failed (i32.const 1)))))
  (func (export "_start")
    ;; "/rw" is 3 bytes: 2 is too short (37 = ENAMETOOLONG), and nothing is written.
    (call $expect (call $dir_name (i32.const 3) (i32.const 200) (i32.const 2)) (i32.const 37) (i32.const 1))
    (call $expect (i32.load (i32.const 200)) (i32.const 0xaaaaaaaa) (i32.const 2))
    ;; fd_readdir with buf_len 0: success, bufused 0.
    (i32.store (i32.const 300) (i32.const 77))
    (call $expect (call $readdir (i32.const 3) (i32.const 200) (i32.const 0) (i64.const 0) (i32.const 300))
                  (i32.const 0) (i32.const 3))
    (call $expect (i32.load (i32.const 300)) (i32.const 0) (i32.const 4))
    ;; path_readlink with buf_len 0: success, bufused 0, nothing written.
    (call $expect (call $symlink (i32.const 100) (i32.const 6) (i32.const 3) (i32.const 110) (i32.const 2))
                  (i32.const 0) (i32.const 5))
    (i32.store (i32.const 300) (i32.const 77))
    (call $expect (call $readlink (i32.const 3) (i32.const 110) (i32.const 2) (i32.const 200) (i32.const 0) (i32.const 300))
                  (i32.const 0) (i32.const 6))
    (call $expect (i32.load (i32.const 300)) (i32.const 0) (i32.const 7))
    (call $expect (i32.load (i32.const 200)) (i32.const 0xaaaaaaaa) (i32.const 8))
    ;; random_get of 0 bytes at the very end of memory: success.
    (call $expect (call $random_get (i32.const 65536) (i32.const 0)) (i32.const 0) (i32.const 9))
    (call $proc_exit (global.get $failed))))
