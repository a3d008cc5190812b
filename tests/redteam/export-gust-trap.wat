;; Red team: an export that would define the bridge's gust_trap. Linked
;; first, it would take every trap of every instance (and of the bridge) to
;; code the driver chose. Refused: names starting with gust_ are gust's own.
(module
  (func (export "gust_trap") (param i32)))
