/* json.h: a small JSON tokenizer (jsmn-style: tokens are offsets into the
 * caller's text, into a caller-owned token array) and a typed lookup. */
#ifndef JSON_H
#define JSON_H
#include <stddef.h>
#include <stdint.h>

enum json_type { JT_UNDEFINED = 0, JT_OBJECT, JT_ARRAY, JT_STRING, JT_PRIMITIVE };
enum json_error { JE_NOMEM = -1, JE_INVAL = -2, JE_PART = -3 };

typedef struct {
  uint8_t type;
  int16_t parent;
  uint16_t start, end; /* [start, end) in the text */
  uint16_t size;       /* children: keys of an object, items of an array */
} json_token_t;

typedef struct {
  uint16_t pos;
  int16_t next;
  int16_t super;
} json_parser_t;

void json_init(json_parser_t* p);
int json_parse(json_parser_t* p, const char* js, size_t len, json_token_t* tokens, unsigned ntokens);
int json_eq(const char* js, const json_token_t* t, const char* s);
int json_find(const char* js, const json_token_t* t, int ntok, int object, const char* key);
int json_skip(const json_token_t* t, int ntok, int i);
int json_get_int(const char* js, const json_token_t* t, int32_t* out);
#endif
