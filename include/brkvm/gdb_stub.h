/* gdb_stub.h - the GDB remote protocol engine: packets in, replies out, the machine reached
 * only through struct gdb_target_ops (pure: no sockets, no KVM) */
#ifndef BRKVM_GDB_STUB_H
#define BRKVM_GDB_STUB_H

#include <brkvm/gdb_packet.h>
#include <brkvm/gdb_target.h>

/* sends raw bytes to gdb; 0 or -errno */
typedef int (*gdb_send_fn)(void *io, const uint8_t *buf, size_t len);

enum gdb_stub_status { GDB_STUB_OK, GDB_STUB_DETACHED, GDB_STUB_KILLED };

struct gdb_stub;

struct gdb_stub *gdb_stub_new(const struct gdb_target_ops *ops, void *target, gdb_send_fn send,
                              void *io);
void gdb_stub_free(struct gdb_stub *s);

/* A new connection: ack mode on, threads selected anew.  stop is where the target stands now. */
void gdb_stub_connect(struct gdb_stub *s, const struct gdb_stop *stop);

/* Bytes received from gdb.  Returns GDB_STUB_DETACHED after 'D', GDB_STUB_KILLED after 'k'. */
enum gdb_stub_status gdb_stub_input(struct gdb_stub *s, const uint8_t *buf, size_t n);

/* The target stopped after a resume or an interrupt: send the stop reply. */
void gdb_stub_stopped(struct gdb_stub *s, const struct gdb_stop *stop);

/* Text for gdb's console (e.g. an agent dprintf's line): sent as 'O' packets while gdb waits
 * for a stop reply, dropped otherwise. */
void gdb_stub_output(struct gdb_stub *s, const char *text);

/* Whether gdb let the target run and waits for a stop reply. */
bool gdb_stub_running(const struct gdb_stub *s);

/* The VM ended with exit status code: a running gdb gets the 'W' exit packet (nothing is sent
 * to a gdb that is not waiting for a stop). */
void gdb_stub_exited(struct gdb_stub *s, int code);

/* Physical-address mode (Qbrkvm.PhyMemMode / monitor phys): addresses gdb sends are GPAs. */
bool gdb_stub_phys_mode(const struct gdb_stub *s);

/* target.xml and its included features, for qXfer:features:read (gdbstub/target_xml.c);
 * features: GDB_FEATURE_* to include; sve_vq: the SVE vector length in quadwords (1-16) for
 * the SVE feature in place of the FP/SIMD one, 0 for none */
const char *gdb_target_xml_features(const char *annex, unsigned features, unsigned sve_vq);
const char *gdb_target_xml(const char *annex); /* without optional features */

#endif
