;; Red team: an export named as the module's own import's symbol. One symbol
;; cannot be both the bridge's function and the driver's, so it is refused.
(module
  (import "foo:bar/baz" "qux" (func $qux))
  (func (export "foo_bar_baz__qux") (call $qux)))
