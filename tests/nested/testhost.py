"""testhost.py - the test host's QEMU machine, shared by tests/nested/runner.py and
scripts/brkvm-x86: Debian's arm64 kernel (build/nested/vmlinuz, tests/nested/fetch.sh) under
qemu-system-aarch64 with EL2, so KVM comes up inside it (/work/shared/NESTED.md)."""
import os

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(TOP, "build", "nested")
VMLINUZ = os.path.join(OUT, "vmlinuz")
# mode: (QEMU -cpu, virt gic-version, KVM init line expected in HOST-KVM, host GIC in HOST-GIC)
# (plain -cpu max is 3x slower: TCG emulates QARMA5 pointer authentication; pauth-impdef=on)
MODES = {
    "vhe": ("max,pauth-impdef=on", 3, "VHE mode initialized", "v3"),
    "nvhe": ("cortex-a72", 3, "Hyp mode initialized", "v3"),
    "gicv2": ("max,pauth-impdef=on", 2, "VHE mode initialized", "v2"),
}


def qemu_machine(mode="vhe", smp=2, mem_mb=1024):
    """the start of the test host's QEMU command line: machine, CPU, vCPUs, RAM, no reboot"""
    return ["qemu-system-aarch64",
            "-M", f"virt,virtualization=on,gic-version={MODES[mode][1]}", "-cpu", MODES[mode][0],
            "-smp", str(smp), "-m", str(mem_mb), "-no-reboot"]
