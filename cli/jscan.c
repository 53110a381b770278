/* jscan.c - walking JSON text in place. */
#include "jscan.h"

#include <string.h>

void jscan_init(struct jscan *s, const char *text, size_t len) {
  s->p = text;
  s->end = text + len;
  s->error = 0;
}

static void jscan_ws(struct jscan *s) {
  while (s->p < s->end &&
         (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

int jscan_peek(struct jscan *s) {
  jscan_ws(s);
  return s->p < s->end ? (unsigned char)*s->p : 0;
}

static int jscan_fail(struct jscan *s) {
  s->error = 1;
  return -1;
}

/* Past the closing quote of the string the cursor is on. */
static int jscan_skip_string(struct jscan *s) {
  s->p++;
  while (s->p < s->end) {
    const char *q = memchr(s->p, '"', (size_t)(s->end - s->p));
    const char *b;
    size_t slashes = 0;

    if (q == NULL) break;
    /* The quote ends the string unless an odd run of backslashes
       escapes it. */
    for (b = q; b > s->p && b[-1] == '\\'; b--) slashes++;
    s->p = q + 1;
    if (slashes % 2 == 0) return 0;
  }
  return jscan_fail(s);
}

int jscan_skip(struct jscan *s) {
  int depth = 0;

  do {
    int c = jscan_peek(s);

    switch (c) {
      case '"':
        if (jscan_skip_string(s) != 0) return -1;
        break;
      case '{':
      case '[':
        depth++;
        s->p++;
        break;
      case '}':
      case ']':
        if (depth == 0) return jscan_fail(s);
        depth--;
        s->p++;
        break;
      case ',':
      case ':':
        if (depth == 0) return jscan_fail(s);
        s->p++;
        break;
      case 0:
        return jscan_fail(s);
      default:
        /* A number, true, false or null: up to the next delimiter. */
        while (s->p < s->end) {
          char d = *s->p;
          if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\t' ||
              d == '\r' || d == '\n' || d == ':')
            break;
          s->p++;
        }
        break;
    }
  } while (depth > 0);
  return 0;
}

int jscan_object(struct jscan *s) {
  if (jscan_peek(s) != '{') return jscan_fail(s);
  s->p++;
  return 0;
}

int jscan_array(struct jscan *s) {
  if (jscan_peek(s) != '[') return jscan_fail(s);
  s->p++;
  return 0;
}

/* Before a member or element: a comma, or the closing character. */
static int jscan_next(struct jscan *s, char close) {
  int c = jscan_peek(s);

  if (c == close) {
    s->p++;
    return 0;
  }
  if (c == ',') {
    s->p++;
    c = jscan_peek(s);
  }
  return c == 0 ? jscan_fail(s) : 1;
}

/* Append the UTF-8 encoding of cp to buf[*n] within size. */
static void jscan_utf8(char *buf, size_t size, size_t *n, unsigned cp) {
  char tmp[4];
  size_t len, i;

  if (cp < 0x80) {
    tmp[0] = (char)cp;
    len = 1;
  } else if (cp < 0x800) {
    tmp[0] = (char)(0xc0 | (cp >> 6));
    tmp[1] = (char)(0x80 | (cp & 0x3f));
    len = 2;
  } else if (cp < 0x10000) {
    tmp[0] = (char)(0xe0 | (cp >> 12));
    tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    tmp[2] = (char)(0x80 | (cp & 0x3f));
    len = 3;
  } else {
    tmp[0] = (char)(0xf0 | (cp >> 18));
    tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    tmp[3] = (char)(0x80 | (cp & 0x3f));
    len = 4;
  }
  if (*n + len >= size) return;
  for (i = 0; i < len; i++) buf[(*n)++] = tmp[i];
}

static int jscan_hex4(const char *p, unsigned *out) {
  unsigned v = 0;

  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

/* The string under the cursor, unescaped into buf (truncated). Runs
   without escapes, the common case, are copied in one piece. */
static int jscan_string(struct jscan *s, char *buf, size_t size) {
  size_t n = 0;

  s->p++;
  for (;;) {
    const char *q = s->p;
    char c;

    while (q < s->end && *q != '"' && *q != '\\') q++;
    if (q > s->p && n + 1 < size) {
      size_t take = (size_t)(q - s->p);
      if (take > size - 1 - n) take = size - 1 - n;
      memcpy(buf + n, s->p, take);
      n += take;
    }
    s->p = q;
    if (s->p >= s->end) return jscan_fail(s);
    if (*s->p++ == '"') break;
    if (s->p >= s->end) return jscan_fail(s);
    c = *s->p++;
    switch (c) {
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case 'u': {
        unsigned cp, lo;
        if (s->end - s->p < 4 || jscan_hex4(s->p, &cp) != 0)
          return jscan_fail(s);
        s->p += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 &&
            s->p[0] == '\\' && s->p[1] == 'u' &&
            jscan_hex4(s->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          s->p += 6;
        }
        jscan_utf8(buf, size, &n, cp);
        continue;
      }
      default: break; /* \" \\ \/ stand for themselves */
    }
    if (n + 1 < size) buf[n++] = c;
  }
  if (size > 0) buf[n] = '\0';
  return 0;
}

int jscan_member(struct jscan *s, char *key, size_t size) {
  int r = jscan_next(s, '}');

  if (r <= 0) return r;
  if (jscan_peek(s) != '"' || jscan_string(s, key, size) != 0)
    return jscan_fail(s);
  if (jscan_peek(s) != ':') return jscan_fail(s);
  s->p++;
  return jscan_peek(s) == 0 ? jscan_fail(s) : 1;
}

int jscan_element(struct jscan *s) { return jscan_next(s, ']'); }

int jscan_raw(struct jscan *s, const char **start, size_t *len) {
  jscan_ws(s);
  *start = s->p;
  if (jscan_skip(s) != 0) return -1;
  *len = (size_t)(s->p - *start);
  return 0;
}

const char *jscan_cell(struct jscan *s, char *buf, size_t size) {
  const char *start;
  size_t len;
  int c = jscan_peek(s);

  if (c == '"') return jscan_string(s, buf, size) == 0 ? buf : NULL;
  if (jscan_raw(s, &start, &len) != 0) return NULL;
  if (len == 4 && memcmp(start, "null", 4) == 0) {
    start = "-";
    len = 1;
  }
  if (len >= size) len = size - 1;
  memcpy(buf, start, len);
  buf[len] = '\0';
  return buf;
}
