/* log.h - levelled logging over glib's g_log, one domain per subsystem */
#ifndef BRKVM_LOG_H
#define BRKVM_LOG_H

#include <brkvm/options.h>

/* Route g_log output to stderr as "brkvm: [domain] message", dropping what is below level. */
void log_init(enum brkvm_loglevel level);

#endif
