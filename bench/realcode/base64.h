/* base64.h: RFC 4648 base64 (standard and URL alphabets) over caller buffers. */
#ifndef BASE64_H
#define BASE64_H
#include <stddef.h>
#include <stdint.h>

enum b64_alphabet { B64_STANDARD = 0, B64_URL = 1 };

size_t b64_encoded_size(size_t n, int pad);
size_t b64_encode(const uint8_t* in, size_t n, char* out, size_t cap, int alphabet, int pad);
long b64_decode(const char* in, size_t n, uint8_t* out, size_t cap);
long b64_decode_str(const char* in, uint8_t* out, size_t cap);
#endif
