;; Red team: the names the region symbols had before gust moved them into its
;; own namespace. A function exported as "memory" and a global exported as
;; "memory__bytes" used to be what a uart-block bridge took for the region and
;; its size; the real memory is exported as "mem". Contained: the region and
;; its size are <prefix>gust_memory and <prefix>gust_memory__bytes, whatever
;; the exports are called, and these exports are plain symbols beside them.
(module
  (memory (export "mem") 1)
  (func (export "memory") (result i32) (i32.load (i32.const 0)))
  (global (export "memory__bytes") (mut i32) (i32.const -1)))
