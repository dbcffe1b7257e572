"""A classic-BPF interpreter for seccomp filters, and the system call numbers the
confinement tests need (x86_64 and aarch64).

    verdict = evaluate(filters, Call("socket", 2, 1, 0), machine="x86_64")
    action_name(verdict)  # "KILL_PROCESS"

`filters` is what tests/tools/seccomp_dump prints: a list of programs, each a list of
[code, jt, jf, k]. Every filter runs on the same `struct seccomp_data` and the action
with the highest precedence wins, as the kernel does it
(Documentation/userspace-api/seccomp_filter.rst, kernel/seccomp.c): the action values
compared as signed 32-bit numbers, the lowest winning -- KILL_PROCESS > KILL_THREAD >
TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW.
"""

import struct

# -- actions -------------------------------------------------------------------------------

ACTIONS = {
    0x80000000: "KILL_PROCESS",
    0x00000000: "KILL_THREAD",
    0x00030000: "TRAP",
    0x00050000: "ERRNO",
    0x7FC00000: "USER_NOTIF",
    0x7FF00000: "TRACE",
    0x7FFC0000: "LOG",
    0x7FFF0000: "ALLOW",
}
ACTION_MASK = 0xFFFF0000
KILLS = {"KILL_PROCESS", "KILL_THREAD"}


def action_name(ret):
    # kernel/seccomp.c: an action it does not know is treated as KILL_PROCESS
    return ACTIONS.get(ret & ACTION_MASK, "KILL_PROCESS")


def _signed(value):
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


# -- architectures and system call numbers -------------------------------------------------

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_I386 = 0x40000003
AUDIT_ARCH_AARCH64 = 0xC00000B7
AUDIT_ARCH_ARM = 0x40000028
X32_SYSCALL_BIT = 0x40000000

# <asm/unistd_64.h> and <asm-generic/unistd.h>; None: the call does not exist there.
_SYSCALLS = {
    #                  x86_64  aarch64
    "read":            (0,     63),
    "write":           (1,     64),
    "open":            (2,     None),
    "close":           (3,     57),
    "poll":            (7,     None),
    "mmap":            (9,     222),
    "mprotect":        (10,    226),
    "rt_sigreturn":    (15,    139),
    "writev":          (20,    66),
    "getpid":          (39,    172),
    "socket":          (41,    198),
    "connect":         (42,    203),
    "accept":          (43,    202),
    "sendto":          (44,    206),
    "recvfrom":        (45,    207),
    "sendmsg":         (46,    211),
    "recvmsg":         (47,    212),
    "bind":            (49,    200),
    "listen":          (50,    201),
    "socketpair":      (53,    199),
    "clone":           (56,    220),
    "fork":            (57,    None),
    "vfork":           (58,    None),
    "execve":          (59,    221),
    "exit":            (60,    93),
    "ptrace":          (101,   117),
    "restart_syscall": (219,   128),
    "clock_gettime":   (228,   113),
    "exit_group":      (231,   94),
    "openat":          (257,   56),
    "ppoll":           (271,   73),
    "accept4":         (288,   242),
    "sendmmsg":        (307,   269),
    "getrandom":       (318,   278),
    "memfd_create":    (319,   279),
    "execveat":        (322,   281),
    "io_uring_setup":  (425,   425),
    "clone3":          (435,   435),
    "openat2":         (437,   437),
}
# the 32-bit ABI the same kernel also runs: i386 read is 3, arm (EABI) read is 3
_COMPAT = {"x86_64": (AUDIT_ARCH_I386, {"read": 3, "write": 4, "socket": 359}),
           "aarch64": (AUDIT_ARCH_ARM, {"read": 3, "write": 4, "socket": 281})}
NATIVE_ARCH = {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64}
MACHINES = tuple(NATIVE_ARCH)


def syscall_number(name, machine):
    return _SYSCALLS[name][MACHINES.index(machine)]


def has_syscall(name, machine):
    return syscall_number(name, machine) is not None


# -- struct seccomp_data -------------------------------------------------------------------

class Call:
    """A system call as a filter sees it: its name, arguments and ABI ("native",
    "compat" -- i386 or arm -- or "x32")."""

    def __repr__(self):
        return f"Call({self.label})"

    def __init__(self, name, *args, abi="native", label=None):
        self.name, self.args, self.abi = name, tuple(args), abi
        self.label = label or f"{name}({', '.join(hex(a) if a > 9 else str(a) for a in args)})" + (
            f" [{abi}]" if abi != "native" else "")

    def seccomp_data(self, machine):
        if self.abi == "compat":
            arch, numbers = _COMPAT[machine]
            nr = numbers[self.name]
        else:
            arch, nr = NATIVE_ARCH[machine], syscall_number(self.name, machine)
            if self.abi == "x32":
                nr |= X32_SYSCALL_BIT
        args = list(self.args) + [0] * (6 - len(self.args))
        # struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
        return struct.pack("<iIQ6Q", nr, arch, 0x401000, *[a & (2**64 - 1) for a in args])


# -- the interpreter -----------------------------------------------------------------------

class BadFilter(Exception):
    pass


def run_filter(program, data):
    """Run one cBPF program on `data` (bytes of struct seccomp_data); return its value."""
    a = x = 0
    mem = [0] * 16
    pc = 0
    steps = 0
    while True:
        if not 0 <= pc < len(program):
            raise BadFilter(f"pc {pc} outside the program")
        steps += 1
        if steps > 4096 + 1:
            raise BadFilter("program does not end")
        code, jt, jf, k = program[pc]
        pc += 1
        cls = code & 0x07
        if cls in (0x00, 0x01):                      # LD, LDX
            mode, size = code & 0xE0, code & 0x18
            if mode == 0x00:                         # IMM
                value = k
            elif mode == 0x20 and size == 0x00:      # ABS, W
                if k % 4 or k + 4 > len(data):
                    raise BadFilter(f"load at {k}")
                value = struct.unpack_from("<I", data, k)[0]
            elif mode == 0x60:                       # MEM
                value = mem[k]
            elif mode == 0x80:                       # LEN
                value = len(data)
            else:
                raise BadFilter(f"load mode {code:#x}")
            if cls == 0x00:
                a = value
            else:
                x = value
        elif cls == 0x02:                            # ST
            mem[k] = a
        elif cls == 0x03:                            # STX
            mem[k] = x
        elif cls == 0x04:                            # ALU
            operand = x if code & 0x08 else k
            op = code & 0xF0
            if op == 0x00:
                a = a + operand
            elif op == 0x10:
                a = a - operand
            elif op == 0x20:
                a = a * operand
            elif op == 0x30:
                if operand == 0:
                    return 0                         # division by zero: the kernel returns 0
                a = a // operand
            elif op == 0x40:
                a = a | operand
            elif op == 0x50:
                a = a & operand
            elif op == 0x60:
                a = a << (operand & 31)
            elif op == 0x70:
                a = a >> (operand & 31)
            elif op == 0x80:
                a = -a
            elif op == 0x90:
                if operand == 0:
                    return 0
                a = a % operand
            elif op == 0xA0:
                a = a ^ operand
            else:
                raise BadFilter(f"alu op {code:#x}")
            a &= 0xFFFFFFFF
        elif cls == 0x05:                            # JMP
            op = code & 0xF0
            operand = x if code & 0x08 else k
            if op == 0x00:                           # JA
                pc += k
                continue
            if op == 0x10:
                taken = a == operand
            elif op == 0x20:
                taken = a > operand
            elif op == 0x30:
                taken = a >= operand
            elif op == 0x40:
                taken = bool(a & operand)
            else:
                raise BadFilter(f"jump op {code:#x}")
            pc += jt if taken else jf
        elif cls == 0x06:                            # RET
            source = code & 0x18
            return (a if source == 0x10 else x if source == 0x08 else k) & 0xFFFFFFFF
        elif cls == 0x07:                            # MISC: TAX / TXA
            if code & 0xF8 == 0x00:
                x = a
            else:
                a = x
        else:
            raise BadFilter(f"opcode {code:#x}")


def evaluate(filters, call, machine):
    """The action all `filters` together give `call`: the most restrictive one."""
    data = call.seccomp_data(machine)
    results = [run_filter(program, data) for program in filters]
    if not results:
        return 0x7FFF0000
    return min(results, key=lambda ret: _signed(ret & ACTION_MASK))


# SECCOMP_MODE_STRICT (kernel/seccomp.c, mode1_syscalls): the native read, write, exit
# and rt_sigreturn; anything else, any other ABI, is SIGKILL.
STRICT_ALLOWED = ("read", "write", "exit", "rt_sigreturn")


def evaluate_strict(call, machine):
    if call.abi == "native" and call.name in STRICT_ALLOWED:
        return 0x7FFF0000
    return 0x80000000
