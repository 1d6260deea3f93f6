/* virtio_host.c - the KVM side of brkvm's virtio devices: a virtio-mmio slot per device on the
 * bus, notifications through ioeventfd (KVM completes the guest's QueueNotify write without an
 * exit), interrupts through irqfd into the vGIC, and one I/O thread per device that does the
 * queue work -- only while gdb is not holding the guest stopped. */
#define G_LOG_DOMAIN "virtio"
#include <brkvm/memmap.h>
#include <brkvm/virtio_devices.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <glib.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct virtio_slot {
    struct virtio_mmio mmio;
    struct vm *vm;
    uint64_t base;
    int irq_efd; /* irqfd, or -1: a KVM_IRQ_LINE pulse instead */
    int notify_efd[VIRTIO_MMIO_MAX_QUEUES];
    bool ioeventfd[VIRTIO_MMIO_MAX_QUEUES];
    int stop_efd;
    pthread_t thread;
    bool started;
    void (*free_dev)(void *dev);
};

static void slot_raise_irq(struct virtio_mmio *d)
{
    struct virtio_slot *s = d->host_opaque;
    uint64_t one = 1;

    if (s->irq_efd >= 0) {
        if (write(s->irq_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
            g_warning("virtio-%s interrupt: %s", d->ops->name, strerror(errno));
        return;
    }
    if (vm_set_irq(s->vm, d->spi, 1) || vm_set_irq(s->vm, d->spi, 0))
        g_warning("virtio-%s interrupt line: %s", d->ops->name, strerror(errno));
}

/* QueueNotify reached the transport (no ioeventfd for it): wake the I/O thread */
static void slot_kick(struct virtio_mmio *d, unsigned q)
{
    struct virtio_slot *s = d->host_opaque;
    uint64_t one = 1;

    if (write(s->notify_efd[q], &one, sizeof(one)) < 0 && errno != EAGAIN)
        g_warning("virtio-%s notify: %s", d->ops->name, strerror(errno));
}

static const struct virtio_host_ops slot_host_ops = {
    .raise_irq = slot_raise_irq,
    .kick = slot_kick,
};

static int set_ioeventfd(struct virtio_slot *s, unsigned q, bool on)
{
    struct kvm_ioeventfd io = {
        .datamatch = q,
        .addr = s->base + VIRTIO_MMIO_QUEUE_NOTIFY,
        .len = 4,
        .fd = s->notify_efd[q],
        .flags = KVM_IOEVENTFD_FLAG_DATAMATCH | (on ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };
    return ioctl(s->vm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static int set_irqfd(struct virtio_slot *s, bool on)
{
    struct kvm_irqfd irqfd = {
        .fd = (uint32_t)s->irq_efd,
        .gsi = s->mmio.spi, /* KVM's default routing: GSI N is SPI N (INTID N + 32) */
        .flags = on ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
    };
    return ioctl(s->vm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

static void *slot_thread(void *arg)
{
    struct virtio_slot *s = arg;
    struct virtio_mmio *d = &s->mmio;
    unsigned nq = d->ops->nqueues;
    char name[16];

    snprintf(name, sizeof(name), "virtio-%s", d->ops->name);
    pthread_setname_np(pthread_self(), name);
    for (;;) {
        struct pollfd pfd[VIRTIO_MMIO_MAX_QUEUES + 1];
        uint64_t v;

        for (unsigned q = 0; q < nq; q++)
            pfd[q] = (struct pollfd){.fd = s->notify_efd[q], .events = POLLIN};
        pfd[nq] = (struct pollfd){.fd = s->stop_efd, .events = POLLIN};
        if (poll(pfd, nq + 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            g_warning("virtio-%s: poll: %s", d->ops->name, strerror(errno));
            break;
        }
        if (pfd[nq].revents)
            break;
        /* gdb holds the guest: the notifications stay counted in the eventfds until it runs */
        if (!debug_devices_enter(s->vm, true))
            break;
        for (unsigned q = 0; q < nq; q++) {
            if (!(pfd[q].revents & POLLIN))
                continue;
            if (read(s->notify_efd[q], &v, sizeof(v)) < 0 && errno != EAGAIN)
                continue;
            virtio_mmio_process(d, q);
        }
        debug_devices_leave(s->vm);
    }
    return NULL;
}

int virtio_host_add(struct vm *vm, const struct virtio_dev_ops *ops, void *dev,
                    void (*free_dev)(void *), struct virtio_mmio **out, char **msg)
{
    struct virtio_slot *s;
    unsigned n = vm->nvirtio;
    int r;

    if (n == BRKVM_VIRTIO_MAX) {
        *msg = g_strdup_printf("virtio-%s: at most %d virtio devices", ops->name,
                               BRKVM_VIRTIO_MAX);
        if (free_dev)
            free_dev(dev);
        return -ENOSPC;
    }
    s = g_new0(struct virtio_slot, 1);
    vm->virtio[vm->nvirtio++] = s; /* freed by virtio_host_stop on every path */
    s->vm = vm;
    s->free_dev = free_dev;
    s->base = BRKVM_VIRTIO_MMIO_BASE + n * BRKVM_VIRTIO_MMIO_SIZE;
    s->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->irq_efd = -1;
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
        s->notify_efd[q] = -1;
    struct virtq_mem mem = {.ram = vm->ram, .base = vm->ram_base, .size = vm->ram_size};
    virtio_mmio_init(&s->mmio, ops, dev, &slot_host_ops, s, &mem, BRKVM_VIRTIO_SPI_BASE + n);
    if (s->stop_efd < 0) {
        r = -errno;
        *msg = g_strdup_printf("virtio-%s: eventfd: %s", ops->name, strerror(errno));
        return r;
    }
    for (unsigned q = 0; q < ops->nqueues; q++) {
        s->notify_efd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->notify_efd[q] < 0) {
            r = -errno;
            *msg = g_strdup_printf("virtio-%s: eventfd: %s", ops->name, strerror(errno));
            return r;
        }
        /* without ioeventfd the transport sees QueueNotify and kicks the thread itself */
        s->ioeventfd[q] = set_ioeventfd(s, q, true) == 0;
    }
    s->irq_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->irq_efd >= 0 && set_irqfd(s, true)) {
        g_info("virtio-%s: no irqfd (%s): interrupts through KVM_IRQ_LINE", ops->name,
               strerror(errno));
        close(s->irq_efd);
        s->irq_efd = -1;
    }
    if ((r = bus_register(&vm->bus, s->base, BRKVM_VIRTIO_MMIO_SIZE, &virtio_mmio_ops,
                          &s->mmio))) {
        *msg = g_strdup_printf("virtio-%s: registering %#llx: %s", ops->name,
                               (unsigned long long)s->base, strerror(-r));
        return r;
    }
    g_info("virtio-%s at %#llx, SPI %u (INTID %u), %s, %s", ops->name,
           (unsigned long long)s->base, s->mmio.spi, s->mmio.spi + 32,
           s->ioeventfd[0] ? "ioeventfd" : "notify by exit", s->irq_efd >= 0 ? "irqfd" : "irq line");
    if (out)
        *out = &s->mmio;
    return 0;
}

int virtio_host_start(struct vm *vm, char **msg)
{
    for (unsigned i = 0; i < vm->nvirtio; i++) {
        struct virtio_slot *s = vm->virtio[i];
        int r = pthread_create(&s->thread, NULL, slot_thread, s);
        if (r) {
            *msg = g_strdup_printf("virtio-%s: thread: %s", s->mmio.ops->name, strerror(r));
            return -r;
        }
        s->started = true;
    }
    return 0;
}

void virtio_host_stop(struct vm *vm)
{
    uint64_t one = 1;

    debug_wake_all(vm); /* a thread may wait for a stopped guest */
    for (unsigned i = 0; i < vm->nvirtio; i++) {
        struct virtio_slot *s = vm->virtio[i];
        if (s->started) {
            if (write(s->stop_efd, &one, sizeof(one)) < 0)
                g_warning("virtio-%s: stop: %s", s->mmio.ops->name, strerror(errno));
            pthread_join(s->thread, NULL);
        }
    }
    for (unsigned i = 0; i < vm->nvirtio; i++) {
        struct virtio_slot *s = vm->virtio[i];
        for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
            if (s->notify_efd[q] < 0)
                continue;
            if (s->ioeventfd[q] && vm->vm_fd >= 0)
                set_ioeventfd(s, q, false);
            close(s->notify_efd[q]);
        }
        if (s->irq_efd >= 0) {
            if (vm->vm_fd >= 0)
                set_irqfd(s, false);
            close(s->irq_efd);
        }
        if (s->stop_efd >= 0)
            close(s->stop_efd);
        if (s->mmio.problems > s->mmio.logged)
            g_warning("virtio-%s: %llu mistakes of the guest's driver in all (%llu refused "
                      "descriptor chains)", s->mmio.ops->name,
                      (unsigned long long)s->mmio.problems, (unsigned long long)s->mmio.bad_chains);
        if (s->free_dev)
            s->free_dev(s->mmio.dev);
        virtio_mmio_destroy(&s->mmio);
        g_free(s);
    }
    vm->nvirtio = 0;
}

void virtio_host_reset(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nvirtio; i++)
        virtio_mmio_reset(&vm->virtio[i]->mmio);
}

void virtio_host_info(struct vm *vm, GString *out)
{
    if (!vm->nvirtio)
        g_string_append(out, "no virtio devices\n");
    for (unsigned i = 0; i < vm->nvirtio; i++) {
        struct virtio_slot *s = vm->virtio[i];
        struct virtio_mmio *d = &s->mmio;
        pthread_mutex_lock(&d->lock);
        g_string_append_printf(out, "virtio-%s at %#llx (SPI %u): status %#x%s, %llu requests "
                               "served, %llu interrupts, %llu bad chains, %llu driver "
                               "mistakes\n", d->ops->name,
                               (unsigned long long)s->base, d->spi, d->status,
                               virtio_mmio_driver_ok(d) ? " (driver ok)" : "",
                               (unsigned long long)d->served, (unsigned long long)d->irqs,
                               (unsigned long long)d->bad_chains,
                               (unsigned long long)d->problems);
        pthread_mutex_unlock(&d->lock);
    }
}

/* Console input for hvc0: none while gdb holds the guest (the caller retries). */
unsigned virtio_host_console_input(struct vm *vm, const uint8_t *buf, unsigned n)
{
    unsigned done;

    if (!vm->vcon || !debug_devices_enter(vm, false))
        return 0;
    done = virtio_console_input(vm->vcon, buf, n);
    debug_devices_leave(vm);
    return done;
}
