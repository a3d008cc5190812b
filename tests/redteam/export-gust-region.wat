;; Red team: a mutable global exported under the name of the memory region's
;; size symbol, which a uart-block bridge checks every block against. Set to
;; 0xFFFFFFFF it would let the bridge move bytes anywhere. Refused.
(module
  (memory (export "memory") 1)
  (global (export "gust_memory__bytes") (mut i32) (i32.const -1)))
