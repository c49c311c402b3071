using System.Runtime.InteropServices;
using Wasmbox.Jail.Interop;

namespace Wasmbox.Jail.Probes;

/// <summary>
/// Layer "landlock" (informational): the Landlock ABI version the kernel offers. Wasmbox does not depend on it yet;
/// ABI ≥ 8 adds <c>LANDLOCK_RESTRICT_SELF_TSYNC</c>, which lets a multithreaded .NET worker restrict all its threads at
/// once (before that, a restriction covers only the calling thread; see linux-jail-facts §2.4).
/// </summary>
public static class LandlockProbe
{
    /// <summary><c>landlock_create_ruleset</c> on x86-64.</summary>
    public const int SysLandlockCreateRuleset = 444;

    public const int LANDLOCK_CREATE_RULESET_VERSION = 1;

    /// <summary>The first ABI with <c>LANDLOCK_RESTRICT_SELF_TSYNC</c>.</summary>
    public const int TsyncAbi = 8;

    private const int ENOSYS = 38, EOPNOTSUPP = 95;

    public static LayerStatus Probe()
    {
        var arch = RuntimeInformation.ProcessArchitecture;
        if (arch != Architecture.X64) return Interpret(arch, 0, 0);
        var abi = Sys.Syscall3(SysLandlockCreateRuleset, 0, 0, LANDLOCK_CREATE_RULESET_VERSION);
        return Interpret(arch, abi, abi < 0 ? Marshal.GetLastPInvokeError() : 0);
    }

    internal static LayerStatus Interpret(Architecture arch, nint result, int errno)
    {
        if (arch != Architecture.X64)
            return new LayerStatus(Layers.Landlock, false, $"unknown: the probe knows the syscall number on x64 only, this is {arch}", null);
        if (result > 0)
        {
            var tsync = result >= TsyncAbi
                ? "TSYNC available: a worker can restrict all its threads itself"
                : $"no TSYNC (needs ABI {TsyncAbi}): a restriction would cover one thread only";
            return new LayerStatus(Layers.Landlock, true, $"ABI {result}; {tsync}", null);
        }
        var why = errno switch
        {
            ENOSYS => "landlock_create_ruleset: ENOSYS; the kernel is built without CONFIG_SECURITY_LANDLOCK",
            EOPNOTSUPP => "landlock_create_ruleset: EOPNOTSUPP; Landlock is built in but not enabled (add landlock to the lsm= boot parameter)",
            _ => $"landlock_create_ruleset failed with errno {errno}",
        };
        return new LayerStatus(Layers.Landlock, false, why + " (informational: Wasmbox does not use Landlock yet)", null);
    }
}
