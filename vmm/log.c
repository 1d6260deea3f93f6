/* log.c - levelled logging over glib's g_log, one domain per subsystem */
#include <brkvm/log.h>

#include <glib.h>
#include <stdio.h>

static GLogLevelFlags threshold;

static void handler(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer u)
{
    const char *tag = "";

    if ((level & G_LOG_LEVEL_MASK) > threshold)
        return;
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        tag = "error: ";
    else if (level & G_LOG_LEVEL_WARNING)
        tag = "warning: ";
    fprintf(stderr, "brkvm: %s%s%s%s\n", tag, domain ? domain : "", domain ? ": " : "", message);
}

void log_init(enum brkvm_loglevel level)
{
    static const GLogLevelFlags map[] = {
        [LOG_LVL_ERROR] = G_LOG_LEVEL_CRITICAL,
        [LOG_LVL_WARNING] = G_LOG_LEVEL_WARNING,
        [LOG_LVL_INFO] = G_LOG_LEVEL_INFO,
        [LOG_LVL_DEBUG] = G_LOG_LEVEL_DEBUG,
    };
    threshold = map[level];
    g_log_set_default_handler(handler, NULL);
}
