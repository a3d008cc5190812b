;; Red team: an export named as a C runtime function. With no instance prefix
;; its symbol would be memcpy, which LLVM's code for memory.copy, the bridge
;; and the boot call: every copy in the image would run the driver's code.
;; Refused without a prefix; with one it is <prefix>memcpy, harmless.
(module
  (func (export "memcpy") (param i32 i32 i32) (result i32) (local.get 0)))
