/* p9.h - a 9P2000.L file server over one host directory (kvmtool's --9p DIR,TAG[,ro]), as pure
 * code: T-message bytes in, R-message bytes out.  No virtio, KVM or sockets here; the
 * virtio-9p device hands each request to p9_server_handle.  Nothing outside the root directory
 * is reachable (see the comment at the top of devices/virtio/p9_server.c).  Not thread-safe:
 * one caller at a time per server. */
#ifndef BRKVM_P9_H
#define BRKVM_P9_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P9_SERVER_MAX_MSIZE (512u * 1024) /* Tversion msize is cut to this */
#define P9_SERVER_MIN_MSIZE 4096u         /* a smaller client msize gets Rlerror(EINVAL) */
#define P9_SERVER_MAX_FIDS 4096           /* more fids get Rlerror(EMFILE) */

struct p9_server; /* one per --9p share */

/* Serve root_dir (read-only if ro).  Needs /proc mounted (files are re-opened through
 * /proc/self/fd).  0, or -errno with *msg set (g_free it). */
int p9_server_init(struct p9_server **out, const char *root_dir, bool ro, char **msg);
void p9_server_destroy(struct p9_server *s);

/* Handle one T-message req[0..req_len) (as it arrived from the guest: size[4] type[1] tag[2]
 * ...) and write the R-message (or Rlerror) into resp, at most resp_cap bytes; returns the
 * reply's length. Never reads outside req, never writes outside resp, never crashes on any
 * input; a malformed message gets Rlerror(EPROTO or EINVAL) with the request's tag when the
 * header is readable (else with tag NOTAG). resp_cap is at least 7+4 bytes (0 is returned
 * if not).  Replies are also bounded by the negotiated msize. */
size_t p9_server_handle(struct p9_server *s, const uint8_t *req, size_t req_len,
                        uint8_t *resp, size_t resp_cap);

const char *p9_server_root(const struct p9_server *s);

#endif
