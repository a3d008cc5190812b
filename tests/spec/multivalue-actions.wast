;; Multi-value actions whose expected results wast2json 1.0.32 writes without
;; commas ("expected": [{"type": "i32"}{"type": "i64"}]): gust spec must read
;; the script anyway and run every command (tests/spec_json_test.cpp).
(module
  (func (export "trap2") (result i32 i64) (unreachable))
  (func (export "pair") (result i32 i64) (i32.const 7) (i64.const -1))
  (func $deep (export "deep") (result i32 i32) (call $deep))
)
(assert_trap (invoke "trap2") "unreachable")
(assert_return (invoke "pair") (i32.const 7) (i64.const -1))
(invoke "pair")
(assert_exhaustion (invoke "deep") "call stack exhausted")
