/* nmea.h: an NMEA 0183 sentence parser (GGA, RMC, VTG) into caller-owned
 * structs, fed byte by byte from a UART or a whole sentence at a time. */
#ifndef NMEA_H
#define NMEA_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t hour, minute, second;
  uint16_t millis;
} nmea_time_t;

typedef struct {
  int32_t lat_e7; /* degrees * 1e7, south negative */
  int32_t lon_e7; /* degrees * 1e7, west negative */
} nmea_pos_t;

typedef struct {
  nmea_time_t time;
  nmea_pos_t pos;
  uint8_t quality, satellites;
  int32_t hdop_e2;   /* * 100 */
  int32_t alt_mm;    /* metres * 1000 */
  int32_t speed_mkn; /* knots * 1000 */
  int32_t course_e2; /* degrees * 100 */
  uint8_t valid;
  uint32_t date; /* ddmmyy */
} nmea_fix_t;

enum nmea_kind { NMEA_NONE = 0, NMEA_GGA, NMEA_RMC, NMEA_VTG, NMEA_UNKNOWN };
enum nmea_error { NMEA_OK = 0, NMEA_ERR_FRAME = -1, NMEA_ERR_CHECKSUM = -2, NMEA_ERR_FIELD = -3 };

#define NMEA_MAX_SENTENCE 82
#define NMEA_MAX_FIELDS 20

typedef struct {
  char line[NMEA_MAX_SENTENCE + 1];
  uint8_t len;
  uint8_t overflow;
  uint32_t sentences, errors;
} nmea_reader_t;

int nmea_checksum_ok(const char* s, size_t n);
int nmea_parse(const char* sentence, nmea_fix_t* fix);
void nmea_reader_init(nmea_reader_t* r);
int nmea_feed(nmea_reader_t* r, char c, nmea_fix_t* fix);
size_t nmea_format_gga(const nmea_fix_t* fix, char* out, size_t cap);
#endif
