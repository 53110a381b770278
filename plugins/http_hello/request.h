/*
 * request.h - what http_hello needs to know of one HTTP/1.x request head.
 */
#ifndef HTTP_HELLO_REQUEST_H
#define HTTP_HELLO_REQUEST_H

#include <stddef.h>
#include <stdint.h>

/* The longest request head answered (request line, headers and the empty
   line); a longer one is answered 431. */
#define HTTP_HEAD_MAX 8192

typedef struct http_request {
  int head;                /* the method is HEAD: answer without a body */
  int keep_alive;          /* the connection stays open after the answer */
  int keep_alive_asked;    /* HTTP/1.0 with "Connection: keep-alive": the
                              answer must say it keeps the connection */
  uint64_t content_length; /* body bytes that follow the head */
} http_request_t;

/* Read the head buf[0..len), which ends with the empty line ("\r\n\r\n").
   Returns 0, or the status to answer before closing: 400 for a malformed
   request line, header or Content-Length, 501 for a Transfer-Encoding (a
   body this server cannot frame). No allocation, no copy. */
int http_request_parse(const char *buf, size_t len, http_request_t *req);

#endif /* HTTP_HELLO_REQUEST_H */
