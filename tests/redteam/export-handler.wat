;; Red team: an export named as an interrupt handler. With no instance prefix
;; its symbol would be gust_isr_38, overriding boot.c's weak handler for
;; USART1's line; with a prefix, it would sit among gust's symbols of its own
;; instance. Refused either way.
(module
  (func (export "gust_isr_38")))
