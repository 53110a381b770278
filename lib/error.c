/* error.c - names, messages and protocol kinds of act_errno_t. */
#include "actor/error.h"

const char *act_strerror(int err) {
  switch (err) {
#define XX(name, val, kind, msg) case ACT_E##name: return msg;
    ACT_ERRNO_MAP(XX)
#undef XX
  }
  return "unknown error";
}

const char *act_err_name(int err) {
  switch (err) {
#define XX(name, val, kind, msg) case ACT_E##name: return "ACT_E" #name;
    ACT_ERRNO_MAP(XX)
#undef XX
  }
  return "ACT_EUNKNOWN";
}

const char *act_err_kind(int err) {
  switch (err) {
#define XX(name, val, kind, msg) case ACT_E##name: return kind;
    ACT_ERRNO_MAP(XX)
#undef XX
  }
  return "internal";
}
