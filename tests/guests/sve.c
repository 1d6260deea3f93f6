/* sve.c - a guest for the debugger's SVE registers (gdb-sve).  With SVE (ID_AA64PFR0_EL1.SVE):
 * turns it on (CPACR_EL1.ZEN, FPEN), stops once at the shortest vector length (ZCR_EL1.LEN 0)
 * and once at the longest with z0/p0/ffr holding known patterns (sve_probe), then prints the
 * values of z1 gdb wrote there and whether z0 came back intact.  Without SVE the same with
 * the FP/SIMD registers v0/v1 (fp_probe).  Lines: GUEST-SVE ... / GUEST-FP ... */
#include "guest_c.h"

#define CPACR_FPEN (3UL << 20)
#define CPACR_ZEN (3UL << 16)
#define ZCR_EL1 "S3_0_C1_C2_0"

struct probe {
    unsigned long z1_first, z1_last; /* z1.d[0] and z1.d[last] after the stop (v1's for FP) */
    unsigned long z0_diff;           /* SVE: the largest byte of z0 ^ its pattern: 0 if kept */
    unsigned long vg;                /* SVE: the guest's own CNTD */
};

void sve_short(void);
void sve_probe(struct probe *p);
void fp_probe(struct probe *p);
int main(void);

static void isb(void)
{
    __asm__ volatile("isb" ::: "memory");
}

int main(void)
{
    unsigned long sve = (SYSREG_READ("id_aa64pfr0_el1") >> 32) & 0xf;
    struct probe p = {0};

    SYSREG_WRITE("cpacr_el1", SYSREG_READ("cpacr_el1") | CPACR_FPEN | (sve ? CPACR_ZEN : 0));
    isb();
    if (!sve) {
        fp_probe(&p);
        puts("GUEST-FP v1.d0=");
        puthex(p.z1_first);
        puts(" v1.d1=");
        puthex(p.z1_last);
        puts("\r\n");
        return 0;
    }
    SYSREG_WRITE(ZCR_EL1, 0); /* 128-bit vectors */
    isb();
    sve_short();
    SYSREG_WRITE(ZCR_EL1, 0xf); /* the longest the vCPU has */
    isb();
    sve_probe(&p);
    puts("GUEST-SVE vg=");
    putdec(p.vg);
    puts(" z1.d0=");
    puthex(p.z1_first);
    puts(" z1.dlast=");
    puthex(p.z1_last);
    puts(p.z0_diff ? " z0=changed" : " z0=kept");
    puts("\r\n");
    return 0;
}
