using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Sys
{
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint Geteuid();
}
