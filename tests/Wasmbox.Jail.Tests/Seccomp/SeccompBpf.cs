using System.Buffers.Binary;

namespace Wasmbox.Jail.Tests.Syscalls;

/// <summary>
/// Runs an exported seccomp program on one <c>struct seccomp_data</c>, the way the kernel's classic-BPF interpreter does,
/// so the unit tests can ask "what would the kernel answer for this call?" without loading the filter. Opcodes the
/// interpreter does not know fail the test instead of being guessed at.
/// </summary>
internal static class SeccompBpf
{
    public const uint AuditArchX86_64 = 0xc000003e, AuditArchI386 = 0x40000003;

    // Return values (linux/seccomp.h).
    public const uint RetKillProcess = 0x80000000, RetAllow = 0x7fff0000;
    public static uint RetErrno(int errno) => 0x00050000u | (uint)errno;

    public static uint Run(byte[] program, uint arch, int nr, params ulong[] args)
    {
        // struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }, little-endian.
        Span<byte> data = stackalloc byte[64];
        BinaryPrimitives.WriteInt32LittleEndian(data, nr);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], arch);
        for (var i = 0; i < args.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(data[(16 + 8 * i)..], args[i]);

        uint a = 0, x = 0;
        var scratch = new uint[16];
        var count = program.Length / 8;
        for (var pc = 0; pc < count; pc++)
        {
            var insn = program.AsSpan(pc * 8, 8);
            var code = BinaryPrimitives.ReadUInt16LittleEndian(insn);
            int jt = insn[2], jf = insn[3];
            var k = BinaryPrimitives.ReadUInt32LittleEndian(insn[4..]);
            switch (code)
            {
                case 0x20: // BPF_LD | BPF_W | BPF_ABS
                    Assert.True(k % 4 == 0 && k < 64, $"load outside seccomp_data at offset {k}");
                    a = BinaryPrimitives.ReadUInt32LittleEndian(data[(int)k..]);
                    break;
                case 0x00: a = k; break;                       // BPF_LD | BPF_IMM
                case 0x01: x = k; break;                       // BPF_LDX | BPF_IMM
                case 0x60: a = scratch[k]; break;              // BPF_LD | BPF_MEM
                case 0x61: x = scratch[k]; break;              // BPF_LDX | BPF_MEM
                case 0x02: scratch[k] = a; break;              // BPF_ST
                case 0x03: scratch[k] = x; break;              // BPF_STX
                case 0x54: a &= k; break;                      // BPF_ALU | BPF_AND | BPF_K
                case 0x44: a |= k; break;                      // BPF_ALU | BPF_OR | BPF_K
                case 0x07: x = a; break;                       // BPF_MISC | BPF_TAX
                case 0x87: a = x; break;                       // BPF_MISC | BPF_TXA
                case 0x05: pc += (int)k; break;                // BPF_JMP | BPF_JA
                case 0x15: pc += a == k ? jt : jf; break;      // BPF_JMP | BPF_JEQ | BPF_K
                case 0x25: pc += a > k ? jt : jf; break;       // BPF_JMP | BPF_JGT | BPF_K
                case 0x35: pc += a >= k ? jt : jf; break;      // BPF_JMP | BPF_JGE | BPF_K
                case 0x45: pc += (a & k) != 0 ? jt : jf; break; // BPF_JMP | BPF_JSET | BPF_K
                case 0x1d: pc += a == x ? jt : jf; break;      // BPF_JMP | BPF_JEQ | BPF_X
                case 0x2d: pc += a > x ? jt : jf; break;       // BPF_JMP | BPF_JGT | BPF_X
                case 0x3d: pc += a >= x ? jt : jf; break;      // BPF_JMP | BPF_JGE | BPF_X
                case 0x06: return k;                           // BPF_RET | BPF_K
                case 0x16: return a;                           // BPF_RET | BPF_A
                default:
                    Assert.Fail($"instruction {pc}: opcode 0x{code:x4} is not known to this test interpreter");
                    break;
            }
        }
        Assert.Fail("the program ran off its end without a return");
        return 0;
    }
}
