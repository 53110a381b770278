/* actorctl.c - main: the global options, then one command of the table
   (or the shell when no command is given on a terminal). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

static const struct option actorctl_long[] = {
    {"socket", required_argument, NULL, 's'},
    {"output", required_argument, NULL, 'o'},
    {"json", no_argument, NULL, 'J'},
    {"timeout", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static int actorctl_usage_error(const char *what, const char *word) {
  output_error("%s%s (usage: actorctl [-s SOCKET] [-o table|json] [--json] "
               "[-t TIMEOUT_MS] [-q] [-h] [-V] COMMAND [ARGS])",
               what, word ? word : "");
  return CMD_USAGE;
}

static int actorctl_main(int argc, char **argv) {
  static char path[4096];
  struct cmd_ctx ctx;
  char *shell_argv[] = {"shell", NULL};
  int c, status;

  memset(&ctx, 0, sizeof(ctx));
  ctx.timeout_ms = -1;
  opterr = 0;
  /* '+': the global options end at the command's name. */
  while ((c = getopt_long(argc, argv, "+:s:o:t:qhV", actorctl_long, NULL)) !=
         -1) {
    switch (c) {
      case 's':
        ctx.socket_path = optarg;
        break;
      case 'o':
        if (strcmp(optarg, "json") == 0)
          ctx.json = 1;
        else if (strcmp(optarg, "table") == 0)
          ctx.json = 0;
        else {
          output_error("invalid output format '%s': expected table or json",
                       optarg);
          return CMD_USAGE;
        }
        break;
      case 'J':
        ctx.json = 1;
        break;
      case 't': {
        char *end;
        long v = strtol(optarg, &end, 10);
        if (optarg[0] == '\0' || *end != '\0' || v < 0) {
          output_error("invalid timeout '%s': expected milliseconds, 0 or "
                       "more",
                       optarg);
          return CMD_USAGE;
        }
        ctx.timeout_ms = v;
        break;
      }
      case 'q':
        ctx.quiet = 1;
        break;
      case 'h': {
        char *help_argv[] = {"help", NULL};
        return cmd_execute(&ctx, 1, help_argv);
      }
      case 'V':
        output_printf("actorctl %s (protocol %s)\n", ACT_VERSION,
                      ACT_PROTO_VERSION);
        return CMD_OK;
      case ':':
        if (optopt != 0)
          output_error("option -%c needs a value", optopt);
        else
          output_error("option %s needs a value", argv[optind - 1]);
        return CMD_USAGE;
      default:
        if (optopt != 0) {
          char opt[3] = {'-', (char)optopt, '\0'};
          return actorctl_usage_error("unknown option ", opt);
        }
        return actorctl_usage_error("unknown option ", argv[optind - 1]);
    }
  }
  if (ctx.socket_path == NULL) {
    if (act_socket_path(path, sizeof(path)) != 0) {
      output_error("the socket path from ACTORD_SOCKET or XDG_RUNTIME_DIR is "
                   "too long");
      return CMD_USAGE;
    }
    ctx.socket_path = path;
  }
  client_signals_init();
  if (optind >= argc) {
    /* Bare actorctl is the shell for a person at a terminal; anywhere else
       a missing command is a mistake worth reporting. */
    if (!isatty(STDIN_FILENO))
      return actorctl_usage_error("no command given", NULL);
    status = cmd_execute(&ctx, 1, shell_argv);
  } else {
    status = cmd_execute(&ctx, argc - optind, argv + optind);
  }
  client_free(ctx.client);
  return status;
}

int main(int argc, char **argv) {
  int status = actorctl_main(argc, argv);

  output_flush();
  output_free();
  return status;
}
