using System.Runtime.InteropServices;

namespace Wasmbox.Daemon.Hosting;

/// <summary>The few libc calls the daemon makes itself.</summary>
internal static partial class Interop
{
    /// <summary>umask(2): returns the previous mask.</summary>
    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);
}
