/*
 * request.c - the HTTP/1.x request head parser of http_hello.
 *
 * It reads a complete head in place, in one pass, and keeps only the three
 * things a fixed answer depends on: the method (HEAD or not), whether the
 * connection stays open, and how long a body to skip. Everything else a
 * request says is checked for form (RFC 9112: a token, a target, a version;
 * "name: value" lines) and ignored.
 */
#include <string.h>
#include <strings.h>

#include "request.h"

/* RFC 9110 tchar: the characters of a method or a header name. */
static const unsigned char request_tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
    ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
    ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

/* Does the comma-separated list v[0..len) hold the token tok (any case)? */
static int request_has_token(const char *v, size_t len, const char *tok) {
  size_t n = strlen(tok), i = 0;

  while (i < len) {
    size_t start, end;

    while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
      i++;
    start = i;
    while (i < len && v[i] != ',')
      i++;
    end = i;
    while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
      end--;
    if (end - start == n && strncasecmp(v + start, tok, n) == 0)
      return 1;
  }
  return 0;
}

/* Content-Length: digits only; a repeated header must agree. */
static int request_content_length(const char *v, size_t len, int *seen,
                                  uint64_t *out) {
  uint64_t n = 0;
  size_t i;

  if (len == 0 || len > 15)
    return -1; /* empty, or past any body worth skipping byte by byte */
  for (i = 0; i < len; i++) {
    if (v[i] < '0' || v[i] > '9')
      return -1;
    n = n * 10 + (uint64_t)(v[i] - '0');
  }
  if (*seen && n != *out)
    return -1;
  *seen = 1;
  *out = n;
  return 0;
}

int http_request_parse(const char *buf, size_t len, http_request_t *req) {
  const char *p = buf, *end = buf + len - 2; /* end: the empty line */
  int version, close = 0, keep = 0, te = 0, cl_seen = 0;
  const char *method = p;

  memset(req, 0, sizeof(*req));
  if (len < 4 || memcmp(end - 2, "\r\n\r\n", 4) != 0)
    return 400;

  /* Request line: method SP request-target SP HTTP/1.x CRLF */
  while (p < end && request_tchar[(unsigned char)*p])
    p++;
  if (p == method || p >= end || *p != ' ')
    return 400;
  req->head = p - method == 4 && memcmp(method, "HEAD", 4) == 0;
  p++;
  if (p >= end || *p == ' ')
    return 400;
  while (p < end && (unsigned char)*p > ' ' && *p != 0x7f)
    p++;
  if (p >= end || *p != ' ')
    return 400;
  p++;
  if (end - p < 10 || memcmp(p, "HTTP/1.", 7) != 0 ||
      (p[7] != '0' && p[7] != '1') || p[8] != '\r' || p[9] != '\n')
    return 400;
  version = p[7] - '0';
  p += 10;

  /* Header fields, up to the empty line. */
  while (p < end) {
    const char *name = p, *colon, *v, *eol;
    size_t nlen, vlen;

    while (p < end && request_tchar[(unsigned char)*p])
      p++;
    if (p == name || p >= end || *p != ':')
      return 400; /* no name, a space before the colon, or obs-fold */
    colon = p;
    nlen = (size_t)(colon - name);
    eol = memchr(colon, '\r', (size_t)(end + 2 - colon));
    if (eol == NULL || eol >= end + 1 || eol[1] != '\n')
      return 400; /* a bare CR inside a field */
    v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t'))
      v++;
    vlen = (size_t)(eol - v);
    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
      vlen--;
    p = eol + 2;

    /* Only three names matter; the first letter rules out the rest. */
    switch (name[0] | 0x20) {
    case 'c':
      if (nlen == 14 && strncasecmp(name, "content-length", 14) == 0) {
        if (request_content_length(v, vlen, &cl_seen,
                                   &req->content_length) != 0)
          return 400;
      } else if (nlen == 10 && strncasecmp(name, "connection", 10) == 0) {
        close |= request_has_token(v, vlen, "close");
        keep |= request_has_token(v, vlen, "keep-alive");
      }
      break;
    case 't':
      if (nlen == 17 && strncasecmp(name, "transfer-encoding", 17) == 0)
        te = 1;
      break;
    default:
      break;
    }
  }

  if (te)
    return 501;
  if (version == 1) {
    req->keep_alive = !close;
  } else {
    req->keep_alive = keep && !close;
    req->keep_alive_asked = req->keep_alive;
  }
  return 0;
}
