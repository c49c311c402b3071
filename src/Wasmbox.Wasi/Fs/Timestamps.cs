using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.Fs;

/// <summary>Turns the (atim, mtim, fst_flags) arguments of the set_times calls into utimensat's two timespecs.</summary>
internal static class Timestamps
{
    /// <returns><see cref="Errno.Inval"/> for unknown flag bits, or when a time is both given and asked to be "now" (docs.md#fstflags).</returns>
    public static Errno ToTimespecs(ulong atim, ulong mtim, uint fstFlags, Span<Sys.Timespec> times)
    {
        if ((fstFlags & ~(uint)(Fstflags.Atim | Fstflags.AtimNow | Fstflags.Mtim | Fstflags.MtimNow)) != 0) return Errno.Inval;
        var flags = (Fstflags)fstFlags;
        if (flags.HasFlag(Fstflags.Atim | Fstflags.AtimNow) || flags.HasFlag(Fstflags.Mtim | Fstflags.MtimNow)) return Errno.Inval;
        times[0] = One(atim, flags.HasFlag(Fstflags.Atim), flags.HasFlag(Fstflags.AtimNow));
        times[1] = One(mtim, flags.HasFlag(Fstflags.Mtim), flags.HasFlag(Fstflags.MtimNow));
        return Errno.Success;
    }

    private static Sys.Timespec One(ulong nanos, bool set, bool now) =>
        now ? new Sys.Timespec { Seconds = 0, Nanoseconds = Sys.UTIME_NOW }
        : set ? new Sys.Timespec { Seconds = (long)(nanos / 1_000_000_000UL), Nanoseconds = (long)(nanos % 1_000_000_000UL) }
        : new Sys.Timespec { Seconds = 0, Nanoseconds = Sys.UTIME_OMIT };
}
